def loss_mgd(x, p):
    """Yang 2022 (MGD, classification): alpha * sum over pairs of sum (G(align(f_s) * M) - f_t)^2 / B,
    M[b, c] = 0 with probability lambda."""
    total = 0
    for i, (s, t) in enumerate(zip(x.s_feats, x.t_feats)):
        batch, channels = t.shape[0], t.shape[1]
        draws = [0.0 if x.parts.mask_rng() < p["lambdaMgd"] else 1.0 for _ in range(batch * channels)]
        mask = torch.tensor(draws, dtype=s.dtype, device=s.device).view(batch, channels, 1, 1)
        generated = x.parts.second[i](F.relu(x.parts.first[i](x.parts.align[i](s) * mask)))
        total = total + ((generated - t) ** 2).sum() / batch
    return total * p["alphaMgd"]


def parts_mgd(pairs, seed):
    """Per pair: a 1x1 align conv when the channel counts differ, a two-conv 3x3 generator; the
    channel masks come from their own seeded stream, as in the lab."""
    rng = create_rng(seed)
    module = nn.Module()
    module.align = nn.ModuleList()
    module.first = nn.ModuleList()
    module.second = nn.ModuleList()
    # The lab draws each pair's convs in turn (align, first, second); so does this loop.
    for cs, ct in pairs:
        module.align.append(seeded_conv(rng, cs, ct, 1, True) if cs != ct else nn.Identity())
        module.first.append(seeded_conv(rng, ct, ct, 3, True))
        module.second.append(seeded_conv(rng, ct, ct, 3, True))
    module.mask_rng = create_rng((seed ^ 0x5BD1E995) & MASK32)
    return module
