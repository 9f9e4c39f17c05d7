def _similarity(f):
    flat = f.flatten(1)
    return F.normalize(flat @ flat.t(), dim=1, eps=1e-12)


def loss_sp(x, p):
    """Tung 2019 (RepDistiller Similarity): sum over pairs of sum (G_t - G_s)^2 / B^2."""
    total = 0
    for s, t in zip(x.s_feats, x.t_feats):
        batch = s.shape[0]
        total = total + ((_similarity(t) - _similarity(s)) ** 2).sum() / (batch * batch)
    return total
