# ---------------------------------------------------------------- tfjs weights -> PyTorch
# The page cannot write PyTorch's pickle files, so weights travel in the lab's tfjs format
# (model.json + weights.bin) and are converted here, for the page's and the CLI's exports alike;
# python train.py --convert writes them as .pt files.

def read_tfjs_weights(folder):
    """The float32 arrays of a tfjs layers-model, in model.json's order: [(name, array)]."""
    with open(os.path.join(folder, "model.json")) as f:
        model = json.load(f)
    arrays = []
    for group in model["weightsManifest"]:
        data = b"".join(open(os.path.join(folder, path), "rb").read() for path in group["paths"])
        offset = 0
        for spec in group["weights"]:
            if spec.get("dtype", "float32") != "float32" or "quantization" in spec:
                raise ValueError(f"{folder}: weight {spec['name']} is not plain float32")
            size = int(np.prod(spec["shape"])) if spec["shape"] else 1
            arrays.append((spec["name"], np.frombuffer(data, dtype="<f4", count=size, offset=offset).reshape(spec["shape"])))
            offset += 4 * size
        if offset != len(data):
            raise ValueError(f"{folder}: {len(data)} bytes of weights, the manifest describes {offset}")
    return arrays


def tfjs_to_torch(module, folder):
    """Load a tfjs model's weights into the matching module: conv kernels HWIO -> OIHW, dense
    kernels [in, out] -> [out, in], and a dense layer after a flatten gets its rows reordered from
    NHWC's (h, w, c) order to NCHW's (c, h, w)."""
    arrays = read_tfjs_weights(folder)
    if len(arrays) != 2 * len(module.TFJS_WEIGHTS):
        raise ValueError(f"{folder}: {len(arrays)} weights, {type(module).__name__} has {2 * len(module.TFJS_WEIGHTS)}")
    state = {}
    for i, (attribute, kind, flattened) in enumerate(module.TFJS_WEIGHTS):
        (kernel_name, kernel), (bias_name, bias) = arrays[2 * i], arrays[2 * i + 1]
        if not kernel_name.endswith("kernel") or not bias_name.endswith("bias"):
            raise ValueError(f"{folder}: expected a kernel and a bias for {attribute}, got {kernel_name} and {bias_name}")
        if kind == "conv":
            kernel = kernel.transpose(3, 2, 0, 1)
        else:
            if flattened is not None:
                h, w, c = flattened
                kernel = kernel.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(h * w * c, -1)
            kernel = kernel.T
        target = getattr(module, attribute)
        if tuple(kernel.shape) != tuple(target.weight.shape) or tuple(bias.shape) != tuple(target.bias.shape):
            raise ValueError(f"{folder}: {kernel_name} {kernel.shape} does not fit {attribute} {tuple(target.weight.shape)}")
        state[f"{attribute}.weight"] = torch.from_numpy(np.ascontiguousarray(kernel, dtype=np.float32))
        state[f"{attribute}.bias"] = torch.from_numpy(np.array(bias, dtype=np.float32))
    module.load_state_dict(state)
    return module


def lab_random_init(module, seed):
    """Without the lab's initial weights: the lab's initialisers (He normal, truncated at 2 std, for
    layers followed by ReLU, Glorot uniform for the logits, zero biases), drawn by torch: the same
    distributions, not the same numbers."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for attribute, kind, _ in module.TFJS_WEIGHTS:
            layer = getattr(module, attribute)
            fan_in = layer.weight[0].numel()
            # The logits layer is the last with weights (LOGITS is its lab name, which can differ from its attribute).
            if attribute == module.TFJS_WEIGHTS[-1][0]:
                limit = math.sqrt(6 / (fan_in + layer.weight.shape[0]))
                layer.weight.uniform_(-limit, limit, generator=generator)
            else:
                std = math.sqrt(2 / fan_in) / 0.87962566103423978
                layer.weight.normal_(0, std, generator=generator).clamp_(-2 * std, 2 * std)
            layer.bias.zero_()
    return module
