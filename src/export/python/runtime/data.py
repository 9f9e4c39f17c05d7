# ---------------------------------------------------------------- data (src/data/load.ts, split.ts)

SPLIT_SEED = 20240101
VAL_FRACTION = 0.1


def _read(path):
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _find(data_dir, name):
    for candidate in (name, name[:-3] if name.endswith(".gz") else name + ".gz"):
        path = os.path.join(data_dir, candidate)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"--data {data_dir}: no {name} (the files this run reads: {', '.join(DATASET['files'])})")


def _parse_idx(data, name):
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{name}: not an unsigned-byte IDX file")
    ndims = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndims)]
    values = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims)
    if values.size != int(np.prod(dims)):
        raise ValueError(f"{name}: the header promises {int(np.prod(dims))} values, the file has {values.size}")
    return values.reshape(dims)


def _idx_set(data_dir, images_name, labels_name):
    images = _parse_idx(_read(_find(data_dir, images_name)), images_name)
    labels = _parse_idx(_read(_find(data_dir, labels_name)), labels_name).astype(np.int64)
    if images.ndim == 3:
        images = images[..., None]
    # The lab divides in float64 and stores float32: the same numbers.
    return (images.astype(np.float64) / 255).astype(np.float32), labels


def _csv_set(data_dir, name):
    height, width, channels = DATASET["input_shape"]
    features = height * width * channels
    rows = [line.split(",") for line in _read(_find(data_dir, name)).decode().splitlines() if line.strip()]
    table = np.array(rows, dtype=np.float64)
    if table.shape[1] != features + 1:
        raise ValueError(f"{name}: expected {features + 1} columns, found {table.shape[1]}")
    images = (table[:, :features] / DATASET["max_value"]).astype(np.float32).reshape(-1, height, width, channels)
    return images, table[:, features].astype(np.int64)


def _cifar_set(data_dir, names):
    """CIFAR-10 binary records (1 label byte, 3,072 channel-planar pixel bytes) as NHWC bytes and labels."""
    records = np.concatenate([np.frombuffer(_read(_find(data_dir, name)), dtype=np.uint8).reshape(-1, 3073) for name in names])
    pixels = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(pixels), records[:, 0].astype(np.int64)


def channel_tables(train_bytes):
    """The lab's per-channel normalisation (src/data/pixels.ts channelStats, device.ts inputTables): mean and
    std of byte / 255 over the train split, summed over a 256-bin histogram in the lab's order, then one
    float32 table per channel mapping a byte to (float32(byte / 255) - mean) / std, rounded as float32 is."""
    tables = []
    for c in range(train_bytes.shape[-1]):
        histogram = np.bincount(train_bytes[..., c].ravel(), minlength=256)
        n = total = squares = 0.0
        for b in range(256):
            n += float(histogram[b])
            total += float(histogram[b]) * (b / 255)
            squares += float(histogram[b]) * (b / 255) ** 2
        mean = total / n
        spread = math.sqrt(max(0.0, squares / n - mean * mean))
        std = spread if spread > 1e-6 else 1.0
        unit = np.arange(256, dtype=np.float64) / 255
        centred = (unit.astype(np.float32).astype(np.float64) - np.float64(np.float32(mean))).astype(np.float32)
        tables.append((centred.astype(np.float64) / np.float64(np.float32(std))).astype(np.float32))
    return tables


def normalised(images, tables):
    """NHWC bytes through the per-channel tables: float32 model inputs."""
    out = np.empty(images.shape, dtype=np.float32)
    for c, table in enumerate(tables):
        out[..., c] = table[images[..., c]]
    return out


def carve(images, labels, fraction, seed):
    """The lab's carveSplit: a seeded permutation's first round(n * fraction) samples, in index order."""
    order = permutation(len(labels), create_rng(seed))
    count = js_round(len(labels) * fraction)
    carved, rest = sorted(order[:count]), sorted(order[count:])
    return (images[rest], labels[rest]), (images[carved], labels[carved])


def load_splits(data_dir):
    """train (the transfer set), val and test as NCHW float32 arrays and int64 labels."""
    files = DATASET["files"]
    if DATASET["format"] == "csv":
        every = _csv_set(data_dir, files[0])
        train_all, test = carve(*every, DATASET["test_fraction"], SPLIT_SEED + 1)
    elif DATASET["format"] == "cifar":
        train_all = _cifar_set(data_dir, [name for name in files if name.startswith("data_batch")])
        test = _cifar_set(data_dir, [name for name in files if name.startswith("test_batch")])
    else:
        train_all = _idx_set(data_dir, files[0], files[1])
        test = _idx_set(data_dir, files[2], files[3])
    train, val = carve(*train_all, VAL_FRACTION, SPLIT_SEED)
    if DATASET["format"] == "cifar":
        # Normalised with the train split's statistics, before any class is left out (as the lab does).
        tables = channel_tables(train[0])
        train, val, test = ((normalised(x, tables), y) for x, y in (train, val, test))
    omitted = set(RUN.get("omitClasses") or [])
    limit = RUN.get("trainLimit")
    kept = [i for i, label in enumerate(train[1]) if label not in omitted]
    if limit is not None:
        kept = kept[: max(1, int(limit))]
    train = (train[0][kept], train[1][kept])
    val = tuple(part[: RUN["valLimit"]] for part in val) if RUN.get("valLimit") else val
    test = tuple(part[: RUN["testLimit"]] for part in test) if RUN.get("testLimit") else test
    nchw = lambda split: (torch.from_numpy(np.ascontiguousarray(split[0].transpose(0, 3, 1, 2))), torch.from_numpy(split[1]))
    return nchw(train), nchw(val), nchw(test)


def labelled_subset(count, fraction, seed):
    """The lab's labelledSubset: 1 for the round(fraction * count) samples a seeded permutation picks first."""
    mask = torch.zeros(count)
    if fraction >= 1:
        return mask.fill_(1)
    kept = min(count, max(1, js_round(fraction * count)))
    order = permutation(count, create_rng(derive_seed(seed, "labelled")))
    mask[order[:kept]] = 1
    return mask


class LabOrderSampler(DistributedSampler):
    """The lab's batch order: one seeded permutation per epoch (the last partial batch dropped).
    Under torchrun each global batch of RUN["batchSize"] samples is split between the ranks, so N
    processes train on exactly the lab's batches with the same global batch size."""

    def __init__(self, count, batch_size, num_replicas, rank, seed):
        super().__init__(range(count), num_replicas=num_replicas, rank=rank, shuffle=False, drop_last=True)
        if batch_size % num_replicas:
            raise ValueError(f"batch size {batch_size} does not split between {num_replicas} processes")
        self.count, self.global_batch, self.local_batch = count, batch_size, batch_size // num_replicas
        self.steps_per_epoch = count // batch_size
        self.rng = create_rng(derive_seed(seed, "batches"))

    def __iter__(self):
        order = permutation(self.count, self.rng)  # one draw per epoch, as the lab's loop
        for b in range(self.steps_per_epoch):
            start = b * self.global_batch + self.rank * self.local_batch
            yield from order[start: start + self.local_batch]

    def __len__(self):
        return self.steps_per_epoch * self.local_batch


class Positions(Dataset):
    """Sample positions: batches are gathered from the tensors in memory, as the lab gathers on the device."""

    def __init__(self, count):
        self.count = count

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        return index


def shift_each(images, offsets, max_shift=2):
    """The lab's augmentation (src/data/augment.ts): image i cropped at offsets[i] = (oy, ox) from
    its copy padded by max_shift zeros, i.e. moved by up to max_shift pixels."""
    height, width = images.shape[2:]
    padded = F.pad(images, (max_shift,) * 4)
    return torch.stack([padded[i, :, oy: oy + height, ox: ox + width] for i, (oy, ox) in enumerate(offsets)])


def shift_all(images, dy, dx):
    """Every image translated by (dy, dx) pixels, zero fill (the TTA views)."""
    m = max(abs(dy), abs(dx))
    if m == 0:
        return images
    height, width = images.shape[2:]
    return F.pad(images, (m,) * 4)[:, :, m - dy: m - dy + height, m - dx: m - dx + width]
