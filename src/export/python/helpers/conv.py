def seeded_conv(rng, in_channels, out_channels, kernel_size, bias):
    """torch.nn.Conv2d's default init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from the lab's
    seeded stream in its order (kernel as [k, k, in, out], then the bias): the same numbers."""
    bound = 1 / math.sqrt(in_channels * kernel_size * kernel_size)
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=bias)
    kernel = uniform_values(rng, kernel_size * kernel_size * in_channels * out_channels, bound)
    conv.weight.data = torch.from_numpy(kernel.reshape(kernel_size, kernel_size, in_channels, out_channels).transpose(3, 2, 0, 1).copy())
    if bias:
        conv.bias.data = torch.from_numpy(uniform_values(rng, out_channels, bound))
    return conv


def uniform_values(rng, count, bound):
    return np.array([(2 * rng() - 1) * bound for _ in range(count)], dtype=np.float64).astype(np.float32)
