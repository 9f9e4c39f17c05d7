def loss_kd(x, p):
    """Hinton 2015: T^2 * sum KL(softmax(t/T) || softmax(s/T)) / B (RepDistiller DistillKL)."""
    T = p["temperature"]
    log_s = F.log_softmax(x.s_logits / T, dim=1)
    log_t = F.log_softmax(x.t_logits / T, dim=1)
    return kl_sum(log_t, log_s) * (T * T / x.s_logits.shape[0])
