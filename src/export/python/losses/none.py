def loss_none(x, p):
    return x.s_logits.new_zeros(())
