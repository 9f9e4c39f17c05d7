def kl_sum(log_target, log_input):
    """sum of p_t (log p_t - log p_s) from log-probabilities: kl_div(reduction='sum') without log(0)."""
    return (log_target.exp() * (log_target - log_input)).sum()
