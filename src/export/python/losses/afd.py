def afd_linear_batch_norm(layer, x):
    """x W (no bias), then BatchNorm1d with the batch's statistics (biased variance, eps 1e-5);
    under torchrun each process normalises over its share of the batch."""
    return F.batch_norm(x @ layer.kernel, None, None, layer.scale, layer.shift, True, 0.0, 1e-5)


def loss_afd(x, p):
    """Ji 2021 (PaddleClas AFDLoss, ppcls/loss/afdloss.py, and its LinearTransformTeacher/Student):
    sum over teacher layers t of mean_b sum_s att[b, t, s] * mean (value_ts - value_t)^2, value the
    L2-normalised channel mean of f^2 (the student's pooled to t's size), att the softmax over the
    student layers of (K_s,t . query_t + p_t . p_s) / sqrt(qk)."""
    parts, qk = x.parts, x.parts.qk
    batch, s_count, t_count = x.s_feats[0].shape[0], len(x.s_feats), len(x.t_feats)
    query = torch.stack([afd_linear_batch_norm(q, f.mean((2, 3))) for q, f in zip(parts.queries, x.t_feats)], 1)
    key = torch.stack([F.relu(afd_linear_batch_norm(k, f.mean((2, 3)))) for k, f in zip(parts.keys, x.s_feats)], 1).reshape(batch * s_count, qk)
    bilinear_key = afd_linear_batch_norm(parts.bilinear, key).view(batch, s_count, t_count, qk)
    logit = (torch.einsum("bstq,btq->bts", bilinear_key, query) + parts.p_t @ parts.p_s.t()) / math.sqrt(qk)
    attention = F.softmax(logit, 2)
    energy = [f.pow(2).mean(1, keepdim=True) for f in x.s_feats]
    total = 0
    for i, t in enumerate(x.t_feats):
        size = (t.shape[2], t.shape[3])
        value_t = F.normalize(t.pow(2).mean(1).reshape(batch, -1), dim=1)
        value_s = torch.stack([F.normalize(F.adaptive_avg_pool2d(e, size).reshape(batch, -1), dim=1) for e in energy], 1)
        distance = (value_s - value_t.unsqueeze(1)).pow(2).mean(2)
        total = total + (distance * attention[:, i]).sum(1).mean()
    return total


def afd_normal_values(rng, count, std):
    """The lab's normalValues (src/kd/random.ts): Box-Muller's cosine half, two draws per value."""
    values = []
    for _ in range(count):
        radius = math.sqrt(-2 * math.log(1 - rng()))
        values.append(radius * math.cos(2 * math.pi * rng()) * std)
    return np.array(values, dtype=np.float64).astype(np.float32)


def parts_afd(pairs, seed):
    """Keys (C_s -> 128, per student layer), the bilinear map (128 -> 128 T), queries (C_t -> 128,
    per teacher layer), each a Linear without bias (torch's default U(+-1/sqrt(fan_in)), as [in, out])
    and a BatchNorm's scale (1) and shift (0, none for the bilinear map), then p_t and p_s
    (xavier_normal): the lab's draws in its order (src/kd/losses/afd.ts)."""
    rng = create_rng(seed)
    qk = 128

    def linear(n_in, n_out, shift):
        layer = nn.Module()
        kernel = uniform_values(rng, n_in * n_out, 1 / math.sqrt(n_in)).reshape(n_in, n_out)
        layer.kernel = nn.Parameter(torch.from_numpy(kernel))
        layer.scale = nn.Parameter(torch.ones(n_out))
        layer.shift = nn.Parameter(torch.zeros(n_out)) if shift else None
        return layer

    def xavier_normal(rows):
        values = afd_normal_values(rng, rows * qk, math.sqrt(2 / (rows + qk)))
        return nn.Parameter(torch.from_numpy(values.reshape(rows, qk)))

    module = nn.Module()
    module.qk = qk
    module.keys = nn.ModuleList([linear(cs, qk, True) for cs, _ in pairs])
    module.bilinear = linear(qk, qk * len(pairs), False)
    module.queries = nn.ModuleList([linear(ct, qk, True) for _, ct in pairs])
    module.p_t = xavier_normal(len(pairs))
    module.p_s = xavier_normal(len(pairs))
    return module
