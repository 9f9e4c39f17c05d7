def _cosine_distributions(e):
    unit = e / (e.norm(dim=1, keepdim=True) + 1e-7)
    similarity = (unit @ unit.t() + 1) / 2
    return similarity / similarity.sum(1, keepdim=True)


def loss_pkt(x, p):
    """Passalis 2018 (RepDistiller PKT): mean P_t log((P_t + 1e-7) / (P_s + 1e-7)), P the
    row-normalised cosine kernels of the embeddings."""
    s, t = _cosine_distributions(x.s_emb), _cosine_distributions(x.t_emb)
    return (t * torch.log((t + 1e-7) / (s + 1e-7))).mean()
