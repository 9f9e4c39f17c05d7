def pairwise_distances(e, squared, eps=1e-12):
    """RepDistiller's pdist: |a|^2 + |b|^2 - 2ab clamped at eps, sqrt unless squared, zero diagonal."""
    n = e.shape[0]
    squares = (e * e).sum(1)
    d = (squares.view(n, 1) + squares.view(1, n) - 2 * (e @ e.t())).clamp(min=eps)
    if not squared:
        d = d.sqrt()
    return d * (1 - torch.eye(n, dtype=e.dtype, device=e.device))
