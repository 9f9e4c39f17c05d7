def loss_fitnet(x, p):
    """Romero 2015 (RepDistiller HintLoss): sum over pairs of MSE(regressor(f_s), f_t)."""
    total = 0
    for regressor, s, t in zip(x.parts.regressors, x.s_feats, x.t_feats):
        s, t = pool_to_common(s, t)
        total = total + F.mse_loss(regressor(s), t)
    return total


def parts_fitnet(pairs, seed):
    """One 1x1 regressor (with bias) per pair, C_s -> C_t, trained with the student."""
    rng = create_rng(seed)
    module = nn.Module()
    module.regressors = nn.ModuleList([seeded_conv(rng, cs, ct, 1, True) for cs, ct in pairs])
    return module
