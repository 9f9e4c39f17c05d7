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
