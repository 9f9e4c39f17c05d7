def loss_udml(x, p):
    """PaddleClas UDML (PP-ShiTu): DML's T^2 * KL(peer || self) / B plus wDistance * sum over pairs of
    MSE(f_self, f_peer) (DistanceLoss l2), the peer's logits and maps detached (in t_logits, t_feats)."""
    T = p["temperature"]
    mutual = kl_sum(F.log_softmax(x.t_logits / T, 1), F.log_softmax(x.s_logits / T, 1)) * (T * T / x.s_logits.shape[0])
    distance = 0
    for i, (s, t) in enumerate(zip(x.s_feats, x.t_feats)):
        if s.shape != t.shape:
            raise ValueError(f"UDML pair {i + 1}: maps of shapes {tuple(s.shape[1:])} and {tuple(t.shape[1:])} cannot be compared")
        distance = distance + F.mse_loss(s, t)
    return mutual + distance * p["wDistance"]
