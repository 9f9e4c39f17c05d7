// The PyTorch side of every method of the lab, one entry per registry id (src/kd/methods.ts):
// the Python source of its loss (the same formula, constants and reference as
// src/kd/losses/<id>.ts, written for NCHW feature maps) and, for methods with trainable
// connectors, the code that builds them from the run's seed exactly as createLearnable does.
// The export writes into train.py only the entries a run uses. A method missing here cannot be
// exported: exportProblem says so instead of writing something else
// (test/export/pythonLosses.test.ts runs every entry against the tfjs loss on the same inputs).
import { METHODS } from '../kd/methods';

export interface PythonLoss {
  /** Python source: `def loss_<id>(x, p)` (and its helpers), x a TermInputs, p the parameters. */
  source: string;
  /** Python source of `def parts_<id>(pairs, seed)` for methods with trainable connectors. */
  parts?: string;
  /** Helper blocks of PYTHON_HELPERS this entry calls. */
  helpers: readonly HelperName[];
}

export type HelperName = 'kl' | 'pool' | 'pdist' | 'conv';

/** Shared building blocks (src/kd/ops.ts, src/kd/inputs.ts, src/kd/connectors.ts). */
export const PYTHON_HELPERS: Record<HelperName, string> = {
  kl: String.raw`
def kl_sum(log_target, log_input):
    """sum of p_t (log p_t - log p_s) from log-probabilities: kl_div(reduction='sum') without log(0)."""
    return (log_target.exp() * (log_target - log_input)).sum()
`,
  pool: String.raw`
def pool_to_smaller(s, t, label, index):
    """RepDistiller's matching (AT, NST, VID): the larger map adaptive-average-pooled to (h, h)."""
    sh, th = s.shape[2], t.shape[2]
    if sh > th:
        s = F.adaptive_avg_pool2d(s, (th, th))
    if th > sh:
        t = F.adaptive_avg_pool2d(t, (sh, sh))
    if s.shape[2:] != t.shape[2:]:
        raise ValueError(f"{label} pair {index + 1}: maps of sizes {tuple(s.shape[2:])} and {tuple(t.shape[2:])} cannot be matched")
    return s, t


def pool_to_common(s, t):
    """Both maps pooled to the smaller height and the smaller width (FitNet's 1x1 regressor)."""
    h, w = min(s.shape[2], t.shape[2]), min(s.shape[3], t.shape[3])
    return F.adaptive_avg_pool2d(s, (h, w)), F.adaptive_avg_pool2d(t, (h, w))
`,
  pdist: String.raw`
def pairwise_distances(e, squared, eps=1e-12):
    """RepDistiller's pdist: |a|^2 + |b|^2 - 2ab clamped at eps, sqrt unless squared, zero diagonal."""
    n = e.shape[0]
    squares = (e * e).sum(1)
    d = (squares.view(n, 1) + squares.view(1, n) - 2 * (e @ e.t())).clamp(min=eps)
    if not squared:
        d = d.sqrt()
    return d * (1 - torch.eye(n, dtype=e.dtype, device=e.device))
`,
  conv: String.raw`
def seeded_conv(rng, in_channels, out_channels, kernel_size, bias):
    """torch.nn.Conv2d's default init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from the lab's
    seeded stream in its order (kernel as [k, k, in, out], then the bias): the same numbers."""
    bound = 1 / math.sqrt(in_channels * kernel_size * kernel_size)
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)
    kernel = uniform_values(rng, kernel_size * kernel_size * in_channels * out_channels, bound)
    conv.weight.data = torch.from_numpy(kernel.reshape(kernel_size, kernel_size, in_channels, out_channels).transpose(3, 2, 0, 1).copy())
    if bias:
        conv.bias.data = torch.from_numpy(uniform_values(rng, out_channels, bound))
    return conv


def uniform_values(rng, count, bound):
    return np.array([(2 * rng() - 1) * bound for _ in range(count)], dtype=np.float64).astype(np.float32)
`,
};

const none: PythonLoss = {
  helpers: [],
  source: String.raw`
def loss_none(x, p):
    return x.s_logits.new_zeros(())
`,
};

const kd: PythonLoss = {
  helpers: ['kl'],
  source: String.raw`
def loss_kd(x, p):
    """Hinton 2015: T^2 * sum KL(softmax(t/T) || softmax(s/T)) / B (RepDistiller DistillKL)."""
    T = p["temperature"]
    log_s = F.log_softmax(x.s_logits / T, dim=1)
    log_t = F.log_softmax(x.t_logits / T, dim=1)
    return kl_sum(log_t, log_s) * (T * T / x.s_logits.shape[0])
`,
};

const dkd: PythonLoss = {
  helpers: ['kl'],
  source: String.raw`
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
`,
};

const dist: PythonLoss = {
  helpers: [],
  source: String.raw`
def _mean_row_pearson(a, b):
    ca, cb = a - a.mean(1, keepdim=True), b - b.mean(1, keepdim=True)
    return ((ca * cb).sum(1) / (ca.norm(dim=1) * cb.norm(dim=1) + 1e-8)).mean()


def loss_dist(x, p):
    """Huang 2022 (DIST): T^2 * (beta * (1 - row Pearson) + gamma * (1 - column Pearson)) on softmax(z/T)."""
    T = p["temperature"]
    s, t = F.softmax(x.s_logits / T, 1), F.softmax(x.t_logits / T, 1)
    inter = 1 - _mean_row_pearson(s, t)
    intra = 1 - _mean_row_pearson(s.t(), t.t())
    return (p["beta"] * inter + p["gamma"] * intra) * (T * T)
`,
};

const at: PythonLoss = {
  helpers: ['pool'],
  source: String.raw`
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
`,
};

const sp: PythonLoss = {
  helpers: [],
  source: String.raw`
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
`,
};

const nst: PythonLoss = {
  helpers: ['pool'],
  source: String.raw`
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
`,
};

const fitnet: PythonLoss = {
  helpers: ['pool', 'conv'],
  parts: String.raw`
def parts_fitnet(pairs, seed):
    """One 1x1 regressor (with bias) per pair, C_s -> C_t, trained with the student."""
    rng = create_rng(seed)
    module = nn.Module()
    module.regressors = nn.ModuleList([seeded_conv(rng, cs, ct, 1, True) for cs, ct in pairs])
    return module
`,
  source: String.raw`
def loss_fitnet(x, p):
    """Romero 2015 (RepDistiller HintLoss): sum over pairs of MSE(regressor(f_s), f_t)."""
    total = 0
    for regressor, s, t in zip(x.parts.regressors, x.s_feats, x.t_feats):
        s, t = pool_to_common(s, t)
        total = total + F.mse_loss(regressor(s), t)
    return total
`,
};

const mgd: PythonLoss = {
  helpers: ['conv'],
  parts: String.raw`
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
`,
  source: String.raw`
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
`,
};

const vid: PythonLoss = {
  helpers: ['pool', 'conv'],
  parts: String.raw`
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
`,
  source: String.raw`
def loss_vid(x, p):
    """Ahn 2019 (RepDistiller VIDLoss): sum over pairs of mean 0.5 ((mu - f_t)^2 / var + log var)."""
    total = 0
    for i, (s, t) in enumerate(zip(x.s_feats, x.t_feats)):
        s, t = pool_to_smaller(s, t, "VID", i)
        mean = x.parts.regressors[i](s)
        variance = (F.softplus(x.parts.log_scales[i]) + 1e-5).view(1, -1, 1, 1)
        total = total + (0.5 * ((mean - t) ** 2 / variance + variance.log())).mean()
    return total
`,
};

const rkd: PythonLoss = {
  helpers: ['pdist'],
  source: String.raw`
def _mean_normalized_distances(e):
    d = pairwise_distances(e, False)
    positive = (d > 0).to(d.dtype)
    return d / ((d * positive).sum() / positive.sum())


def _triplet_angles(e):
    directions = F.normalize(e.unsqueeze(0) - e.unsqueeze(1), dim=2, eps=1e-12)  # [i, j] = e_j - e_i
    return torch.bmm(directions, directions.transpose(1, 2))


def loss_rkd(x, p):
    """Park 2019 (RepDistiller RKDLoss): wDistance * smooth-L1 of mean-normalised distances +
    wAngle * smooth-L1 of triplet angle cosines, on the embeddings."""
    s, t = x.s_emb, x.t_emb
    distance = F.smooth_l1_loss(_mean_normalized_distances(s), _mean_normalized_distances(t))
    angle = F.smooth_l1_loss(_triplet_angles(s), _triplet_angles(t))
    return p["wDistance"] * distance + p["wAngle"] * angle
`,
};

const pkt: PythonLoss = {
  helpers: [],
  source: String.raw`
def _cosine_distributions(e):
    unit = e / (e.norm(dim=1, keepdim=True) + 1e-7)
    similarity = (unit @ unit.t() + 1) / 2
    return similarity / similarity.sum(1, keepdim=True)


def loss_pkt(x, p):
    """Passalis 2018 (RepDistiller PKT): mean P_t log((P_t + 1e-7) / (P_s + 1e-7)), P the
    row-normalised cosine kernels of the embeddings."""
    s, t = _cosine_distributions(x.s_emb), _cosine_distributions(x.t_emb)
    return (t * torch.log((t + 1e-7) / (s + 1e-7))).mean()
`,
};

const irg: PythonLoss = {
  helpers: ['pdist'],
  source: String.raw`
def _irg_edges(f):
    d = pairwise_distances(f.flatten(1), True)
    return d / d.max()


def _irg_transformation(first, second, side):
    if first.shape[2] > second.shape[2]:
        first = F.adaptive_avg_pool2d(first, tuple(second.shape[2:]))
    if first.shape[1] < second.shape[1] and second.shape[1] % 2 == 0:
        b, c, h, w = second.shape
        second = second.view(b, c // 2, 2, h, w).mean(2)  # channels averaged in (even, odd) pairs
    if first.shape != second.shape:
        raise ValueError(f"IRG transformation ({side}): layers of shapes {tuple(first.shape)} and {tuple(second.shape)} cannot be matched")
    d = ((first.flatten(1) - second.flatten(1)) ** 2).sum(1).clamp(min=1e-12)
    return d / d.max()


def loss_irg(x, p):
    """Liu 2019 (Knowledge-Distillation-Zoo irg.py): wVertex * mse(logits) + wEdge * mean of the edge
    MSEs (+ wTransform * transformation MSE when two feature pairs are given)."""
    vertex = F.mse_loss(x.s_logits, x.t_logits)
    edges = [F.mse_loss(_irg_edges(x.s_emb), _irg_edges(x.t_emb))]
    loss = 0
    if len(x.s_feats) == 2:
        (s1, s2), (t1, t2) = x.s_feats, x.t_feats
        edges += [F.mse_loss(_irg_edges(s1), _irg_edges(t1)), F.mse_loss(_irg_edges(s2), _irg_edges(t2))]
        loss = p["wTransform"] * F.mse_loss(_irg_transformation(s1, s2, "student"), _irg_transformation(t1, t2, "teacher"))
    return loss + p["wVertex"] * vertex + p["wEdge"] * (sum(edges) / len(edges))
`,
};

const dml: PythonLoss = {
  helpers: ['kl'],
  source: String.raw`
def loss_dml(x, p):
    """Zhang 2018: T^2 * KL(peer || self) / B, the peer's logits detached (in t_logits)."""
    T = p["temperature"]
    return kl_sum(F.log_softmax(x.t_logits / T, 1), F.log_softmax(x.s_logits / T, 1)) * (T * T / x.s_logits.shape[0])
`,
};

/** Every method the PyTorch export can write, by registry id. */
export const PYTHON_LOSSES: Readonly<Record<string, PythonLoss>> = { none, kd, dkd, dist, at, sp, nst, fitnet, mgd, vid, rkd, pkt, irg, dml };

/** The registry's methods without a PyTorch version (empty when every method has one). */
export function methodsWithoutPython(): string[] {
  return METHODS.map((method) => method.id).filter((id) => !(id in PYTHON_LOSSES));
}

/** The Python source of the losses (and their helpers and connectors) for these method ids. */
export function pythonLossSource(methodIds: readonly string[]): string {
  const entries = methodIds.map((id) => {
    const entry = PYTHON_LOSSES[id];
    if (!entry) throw new Error(`Method "${id}" has no PyTorch version: it cannot be exported`);
    return entry;
  });
  const helpers = [...new Set(entries.flatMap((entry) => entry.helpers))].sort();
  return [...helpers.map((name) => PYTHON_HELPERS[name]), ...entries.flatMap((entry) => [entry.source, entry.parts ?? ''])]
    .map((block) => block.trim())
    .filter((block) => block !== '')
    .join('\n\n\n');
}
