def _attention_map(f, power):
    powered = f * f if power == 2 else f.pow(power)
    return F.normalize(powered.mean(1).flatten(1), dim=1, eps=1e-12)


def loss_at(x, p):
    """Zagoruyko 2017 (RepDistiller Attention): sum over pairs of mean (a_s - a_t)^2,
    a = L2-normalised channel mean of f^p."""
    total = 0
    for i, (s, t) in enumerate(zip(x.s_feats, x.t_feats)):
        s, t = pool_to_smaller(s, t, "AT", i)
        total = total + F.mse_loss(_attention_map(s, p["p"]), _attention_map(t, p["p"]))
    return total
