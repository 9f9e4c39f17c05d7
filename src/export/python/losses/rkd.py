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
