def _log_target_versus_rest(log_p, gt):
    log_target = (log_p * gt).sum(1, keepdim=True)
    log_rest = torch.logsumexp(log_p - gt * 1e30, dim=1, keepdim=True)
    return torch.cat([log_target, log_rest], 1)


def loss_dkd(x, p):
    """Zhao 2022 (mdistiller dkd_loss): alpha * TCKD + beta * NCKD, both * T^2 / B; NCKD masks the
    gt class with -1000. Log-probabilities via log_softmax / logsumexp (no log(0))."""
    T = p["temperature"]
    batch, classes = x.s_logits.shape
    gt = F.one_hot(x.labels, classes).to(x.s_logits.dtype)
    zs, zt = x.s_logits / T, x.t_logits / T
    scale = T * T / batch
    tckd = kl_sum(_log_target_versus_rest(F.log_softmax(zt, 1), gt), _log_target_versus_rest(F.log_softmax(zs, 1), gt)) * scale
    nckd = kl_sum(F.log_softmax(zt - 1000 * gt, 1), F.log_softmax(zs - 1000 * gt, 1)) * scale
    return p["alpha"] * tckd + p["beta"] * nckd
