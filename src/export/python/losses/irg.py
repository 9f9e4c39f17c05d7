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
