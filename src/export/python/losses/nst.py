def _normalized_channels(f):
    return F.normalize(f.flatten(2), dim=2, eps=1e-12)  # [B, C, H*W], each channel's map unit-length


def _mean_poly_kernel(a, b):
    return (torch.bmm(a, b.transpose(1, 2)) ** 2).mean()


def loss_nst(x, p):
    """Huang 2017 (RepDistiller NSTLoss): mean K_tt + mean K_ss - 2 mean K_st, K = (a.b)^2."""
    total = 0
    for i, (s, t) in enumerate(zip(x.s_feats, x.t_feats)):
        s, t = pool_to_smaller(s, t, "NST", i)
        s, t = _normalized_channels(s), _normalized_channels(t)
        total = total + _mean_poly_kernel(t, t) + _mean_poly_kernel(s, s) - 2 * _mean_poly_kernel(s, t)
    return total
