def loss_dml(x, p):
    """Zhang 2018: T^2 * KL(peer || self) / B, the peer's logits detached (in t_logits)."""
    T = p["temperature"]
    return kl_sum(F.log_softmax(x.t_logits / T, 1), F.log_softmax(x.s_logits / T, 1)) * (T * T / x.s_logits.shape[0])
