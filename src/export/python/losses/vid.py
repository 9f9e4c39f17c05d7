def loss_vid(x, p):
    """Ahn 2019 (RepDistiller VIDLoss): sum over pairs of mean 0.5 ((mu - f_t)^2 / var + log var)."""
    total = 0
    for i, (s, t) in enumerate(zip(x.s_feats, x.t_feats)):
        s, t = pool_to_smaller(s, t, "VID", i)
        mean = x.parts.regressors[i](s)
        variance = (F.softplus(x.parts.log_scales[i]) + 1e-5).view(1, -1, 1, 1)
        total = total + (0.5 * ((mean - t) ** 2 / variance + variance.log())).mean()
    return total


def parts_vid(pairs, seed):
    """Per pair: three 1x1 convs without bias (C_s -> C_t -> C_t -> C_t) and one log-scale per
    teacher channel, the initial variance 5 (RepDistiller VIDLoss)."""
    rng = create_rng(seed)
    module = nn.Module()
    module.regressors = nn.ModuleList()
    module.log_scales = nn.ParameterList()
    for cs, ct in pairs:
        module.regressors.append(nn.Sequential(seeded_conv(rng, cs, ct, 1, False), nn.ReLU(), seeded_conv(rng, ct, ct, 1, False), nn.ReLU(), seeded_conv(rng, ct, ct, 1, False)))
        module.log_scales.append(nn.Parameter(torch.full((ct,), math.log(math.exp(5 - 1e-5) - 1), dtype=torch.float32)))
    return module
