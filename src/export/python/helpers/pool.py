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
