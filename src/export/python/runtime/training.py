# ---------------------------------------------------------------- mixing (src/kd/mixing.ts)

def mix_at(epoch, total_epochs):
    """w_ce and each term's weight at this point: the methods' mixing rules, then DKD's warm-up
    ramp min(epoch / length, 1), epoch the fractional number of epochs completed before the step."""
    ce = 1.0
    if TERMS and TERMS[0]["mixing"] == "ratio":
        r = TERMS[0]["weight"]
        ce = (0.0 if r == 1 else 1.0) if r >= 1 else 1 - r
    weights = []
    for term in TERMS:
        factor = 1.0
        if term["warmup"]:
            p = term["params"]
            length = p["warmupEpochs"] if p.get("warmupEpochs", 0) > 0 else p.get("warmupFraction", 0) * total_epochs
            factor = min(max(epoch, 0) / length, 1) if length > 0 else 1.0
        weights.append(term["weight"] * factor)
    return ce, weights


# ---------------------------------------------------------------- one step (src/train/trainStep.ts)

class TermInputs:
    """What one distillation term reads (src/kd/types.ts DistillInputs), teacher side detached."""

    def __init__(self, **fields):
        self.s_feats, self.t_feats, self.s_emb, self.t_emb, self.parts = [], [], None, None, None
        self.__dict__.update(fields)


def term_inputs(term, s_logits, t_logits, labels, s_out, t_out, parts):
    x = TermInputs(s_logits=s_logits, t_logits=t_logits, labels=labels, parts=parts)
    n = term["feature_pairs"]
    x.s_feats = [s_out[name] for name in term["studentLayers"][:n]]
    x.t_feats = [t_out[name] for name in term["teacherLayers"][:n]]
    if term["embedding"]:
        x.s_emb = s_out[term["studentLayers"][-1]].flatten(1)
        x.t_emb = t_out[term["teacherLayers"][-1]].flatten(1)
    return x


def cross_entropy(logits, labels, labelled):
    """Mean CE, or in label-free mode the mean over the batch's labelled samples (0 when none)."""
    if labelled is None:
        return F.cross_entropy(logits, labels)
    return (F.cross_entropy(logits, labels, reduction="none") * labelled).sum() / labelled.sum().clamp(min=1)


def squared_weights(module):
    """The lab's weight decay is an L2 term in the loss, wd / 2 * sum w^2, over every trained weight."""
    return sum((p * p).sum() for p in module.parameters() if p.requires_grad)


class Distiller(nn.Module):
    """The student and the terms' trainable connectors; forward takes the frozen teacher's outputs
    and returns the step's losses, as mdistiller's distillers do, so DDP averages every gradient."""

    def __init__(self, student, parts):
        super().__init__()
        self.student, self.parts = student, nn.ModuleList(parts)

    def forward(self, images, labels, labelled, t_logits, t_out, ce_weight, weights):
        rdrop = RUN.get("rdropAlpha") or 0
        if rdrop > 0:
            # R-Drop (src/train/rdrop.ts): two dropout passes of the embedding, CE averaged + alpha * symmetric KL.
            embedding, s_out = self.student.features(images)
            logits = self.student.classify(F.dropout(embedding, RDROP_RATE, True))
            logits2 = self.student.classify(F.dropout(embedding, RDROP_RATE, True))
            s_out[self.student.LOGITS] = logits
            ce = (cross_entropy(logits, labels, labelled) + cross_entropy(logits2, labels, labelled)) / 2
            log_p, log_q = F.log_softmax(logits, 1), F.log_softmax(logits2, 1)
            rdrop_value = ((log_p.exp() - log_q.exp()) * (log_p - log_q)).sum(1).mean() / 2
        else:
            logits, s_out = self.student(images)
            ce = cross_entropy(logits, labels, labelled)
            rdrop_value = None
        distill_labels = labels
        if labelled is not None and t_logits is not None:
            # Label-free mode: losses that read labels (DKD) see the teacher's class for unlabelled samples.
            distill_labels = torch.where(labelled > 0, labels, t_logits.argmax(1))
        values = [LOSSES[term["method"]](term_inputs(term, logits, t_logits, distill_labels, s_out, t_out, part), term["params"])
                  for term, part in zip(TERMS, self.parts)]
        total = ce * ce_weight
        for value, weight in zip(values, weights):
            total = total + value * weight
        if rdrop_value is not None:
            total = total + rdrop_value * rdrop
        if RUN["weightDecay"] > 0:
            total = total + squared_weights(self) * (RUN["weightDecay"] / 2)
        losses = {"ce": ce, "total": total, "terms": values, "correct": (logits.argmax(1) == labels).sum()}
        if rdrop_value is not None:
            losses["rdrop"] = rdrop_value
        return losses


class MutualLearners(nn.Module):
    """DML (Zhang 2018), UDML: two students, each w_ce * CE + w * term(self, peer) with the other's
    logits (and, for UDML, its maps at the term's layers: teacherLayers name the peer's) detached."""

    def __init__(self, student, peer):
        super().__init__()
        self.student, self.peer = student, peer

    def forward(self, images, labels, labelled, t_logits, t_out, ce_weight, weights):
        logits, s_out = self.student(images)
        peer_logits, p_out = self.peer(images)
        term = TERMS[0]
        n = term["feature_pairs"]

        def one(own, other, own_maps, other_maps, module):
            ce = cross_entropy(own, labels, labelled)
            x = TermInputs(s_logits=own, t_logits=other.detach(), labels=labels, s_feats=own_maps, t_feats=[m.detach() for m in other_maps])
            kl = LOSSES[term["method"]](x, term["params"])
            total = ce * ce_weight + kl * weights[0]
            if RUN["weightDecay"] > 0:
                total = total + squared_weights(module) * (RUN["weightDecay"] / 2)
            return ce, kl, total

        s_maps = [s_out[name] for name in term["studentLayers"][:n]]
        p_maps = [p_out[name] for name in term["teacherLayers"][:n]]
        ce, kl, total = one(logits, peer_logits, s_maps, p_maps, self.student)
        peer_ce, peer_kl, peer_total = one(peer_logits, logits, p_maps, s_maps, self.peer)
        return {"ce": ce, "terms": [kl], "total": total + peer_total, "student_total": total,
                "correct": (logits.argmax(1) == labels).sum(),
                "peer": {"ce": peer_ce, "kd": peer_kl, "total": peer_total}}


# ---------------------------------------------------------------- evaluation (src/train/evaluate.ts, metrics.ts)

@torch.no_grad()
def predict(model, images, device, shift=0, batch_size=256):
    """Predicted classes: argmax of the logits, or with TTA of the mean softmax over the image and its
    shifts by +-shift pixels along x and along y."""
    was_training = model.training
    model.eval()
    offsets = [(0, 0)] if shift == 0 else [(0, 0), (0, shift), (0, -shift), (shift, 0), (-shift, 0)]
    predictions = []
    for start in range(0, len(images), batch_size):
        x = images[start: start + batch_size].to(device)
        if shift == 0:
            predictions.append(model(x)[0].argmax(1).cpu())
        else:
            probabilities = sum(F.softmax(model(shift_all(x, dy, dx))[0], 1) for dy, dx in offsets) / len(offsets)
            predictions.append(probabilities.argmax(1).cpu())
    model.train(was_training)
    return torch.cat(predictions) if predictions else torch.zeros(0, dtype=torch.long)


def scores(labels, predictions, classes):
    """Accuracy, MPA (mean of the per-class recalls over the classes present), per class, confusion."""
    confusion = torch.zeros(classes, classes, dtype=torch.long)
    confusion.index_put_((labels, predictions), torch.ones_like(labels), accumulate=True)
    totals = confusion.sum(1)
    per_class = [(confusion[c, c] / totals[c]).item() if totals[c] > 0 else float("nan") for c in range(classes)]
    present = [value for value in per_class if not math.isnan(value)]
    return {"accuracy": (confusion.diag().sum() / max(len(labels), 1)).item(),
            "mpa": sum(present) / len(present) if present else 0.0,
            "perClassAccuracy": per_class, "confusion": confusion.tolist()}


class WeightEma:
    """Model EMA (src/train/ema.ts): ema = d * ema + (1 - d) * w after every step, from the initial
    weights; evaluations use it and the run ends with it copied into the student."""

    def __init__(self, module, decay):
        self.params = [p for p in module.parameters() if p.requires_grad]
        self.average = [p.detach().clone() for p in self.params]
        self.decay = decay

    @torch.no_grad()
    def update(self):
        for average, p in zip(self.average, self.params):
            average.mul_(self.decay).add_(p.detach(), alpha=1 - self.decay)

    @torch.no_grad()
    def swap(self):
        for average, p in zip(self.average, self.params):
            own = p.detach().clone()
            p.copy_(average)
            average.copy_(own)


# ---------------------------------------------------------------- the run (src/train/runExperiment.ts)

def setup_distributed(args):
    """torchrun sets WORLD_SIZE / RANK / LOCAL_RANK: DDP over nccl on GPUs, gloo on CPUs."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    # A 1-channel conv's weight gradient comes with other (equivalent) strides than DDP's bucket: harmless.
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    use_cuda = torch.cuda.is_available() and args.device != "cpu"
    if world > 1:
        dist.init_process_group("nccl" if use_cuda else "gloo")
        rank, local_rank = dist.get_rank(), int(os.environ.get("LOCAL_RANK", "0"))
    else:
        rank, local_rank = 0, 0
    if use_cuda:
        torch.cuda.set_device(local_rank)
    return rank, world, torch.device(f"cuda:{local_rank}" if use_cuda else "cpu")


def load_network(cls, folder, what, seed, fallback_random):
    module = cls()
    if folder and os.path.exists(os.path.join(folder, "model.json")):
        return tfjs_to_torch(module, folder), f"{what} weights from {os.path.relpath(folder)}"
    if not fallback_random:
        raise FileNotFoundError(f"{what}: no model.json in {folder}")
    return lab_random_init(module, seed), f"{what} initialised at random (the lab's initialisers, torch's numbers)"


def make_optimizer(params):
    if RUN["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=RUN["lr"], momentum=RUN["momentum"])
    # tfjs' Adam: betas 0.9 / 0.999 and epsilon 1e-7 (its float32 backend epsilon), added to sqrt(v-hat).
    return torch.optim.Adam(params, lr=RUN["lr"], betas=(0.9, 0.999), eps=1e-7)


def learning_rate(step, total_steps):
    if RUN["lrSchedule"] == "cosine":
        return 0.5 * RUN["lr"] * (1 + math.cos(math.pi * step / total_steps))
    return RUN["lr"]


@torch.no_grad()
def teacher_outputs(teacher, images, device, batch_size=256):
    """The teacher's logits and tapped layers for a batch, or for the whole training split at once."""
    logits, taps = [], {name: [] for name in TEACHER_TAPS}
    for start in range(0, len(images), batch_size):
        out_logits, out = teacher(images[start: start + batch_size].to(device))
        logits.append(out_logits)
        for name in TEACHER_TAPS:
            taps[name].append(out[name])
    return torch.cat(logits), {name: torch.cat(parts) for name, parts in taps.items()}


CACHE_BYTES = 512 * 2 ** 20


def main():
    # TITLE is user text (a command line, a row's label): printed as it is, a lone surrogate as
    # its escape, and argparse's %(prog)s expansion (done only when the text holds "%(prog)") kept off it.
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(errors="backslashreplace")
    description = TITLE.replace("%", "%%") if "%(prog)" in TITLE else TITLE
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=USAGE)
    parser.add_argument("--data", default=os.path.join(HERE, "data"), help="folder with the dataset files (default: data/ beside train.py)")
    parser.add_argument("--out", default="run", help="folder for results.json and student.pt (written by rank 0 only)")
    parser.add_argument("--init", choices=["lab", "trained", "random"], default=None,
                        help="student start: lab = the lab's initial weights (student-init/), trained = the lab's trained student "
                             "(student/, to continue the run), random = fresh (default: lab when present, else random)")
    parser.add_argument("--epochs", type=int, default=None, help="override the run's length in epochs")
    parser.add_argument("--device", choices=["auto", "cpu"], default="auto", help="cpu forces the CPU even with a GPU")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads for each process")
    parser.add_argument("--convert", action="store_true", help="only write the converted weights as .pt files into --out")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rank, world, device = setup_distributed(args)
    log = (lambda *a: print(*a, flush=True)) if rank == 0 else (lambda *a: None)
    seed = RUN["seed"]
    torch.manual_seed(seed)
    init = args.init or ("lab" if os.path.exists(os.path.join(HERE, "student-init", "model.json")) else "random")
    folder = {"lab": "student-init", "trained": "student", "random": None}[init]
    student, student_note = load_network(Student, folder and os.path.join(HERE, folder), "student", derive_seed(seed, "init"), init == "random")
    teacher = None
    if USES_TEACHER:
        teacher, teacher_note = load_network(Teacher, os.path.join(HERE, "teacher"), "teacher", 0, False)
        teacher.eval()
        teacher.requires_grad_(False)
    peer = None
    if MUTUAL:
        peer, _ = load_network(Peer, os.path.join(HERE, "peer-init"), "peer", derive_seed(seed, "peer"), True)
    if args.convert:
        os.makedirs(args.out, exist_ok=True)
        for name, module in (("student", student), ("teacher", teacher), ("peer", peer)):
            if module is not None:
                torch.save(module.state_dict(), os.path.join(args.out, f"{name}.pt"))
                log(f"wrote {os.path.join(args.out, name + '.pt')}")
        return
    log(student_note + ("; " + teacher_note if teacher is not None else ""))

    (train_x, train_y), (val_x, val_y), (test_x, test_y) = load_splits(args.data)
    count, batch_size = len(train_y), RUN["batchSize"]
    if batch_size > count:
        raise ValueError(f"batch size {batch_size} is larger than the training set ({count} samples)")
    steps_per_epoch = count // batch_size
    total_steps = RUN["steps"] if RUN.get("steps") and args.epochs is None else (args.epochs or RUN["epochs"]) * steps_per_epoch
    total_epochs = total_steps / steps_per_epoch
    labelled = labelled_subset(count, RUN.get("labelledFraction") or 1, seed) if (RUN.get("labelledFraction") or 1) < 1 else None
    log(f"{DATASET['name']}: {count} train / {len(val_y)} val / {len(test_y)} test, {world} process(es) on {device}, "
        f"{total_steps} steps of {batch_size}")

    student.to(device)
    pairs = [[(TAP_SHAPES["student"][a][0], TAP_SHAPES["teacher"][b][0]) for a, b in zip(t["studentLayers"][: t["feature_pairs"]], t["teacherLayers"][: t["feature_pairs"]])] for t in TERMS]
    parts = [PARTS[t["method"]](pairs[i], derive_seed(seed, "learnable." + t["method"])) if t["method"] in PARTS else nn.Module() for i, t in enumerate(TERMS)]
    if MUTUAL:
        peer.to(device)
        learner = MutualLearners(student, peer)
        optimizers = [make_optimizer(student.parameters()), make_optimizer(peer.parameters())]
    else:
        teacher = teacher.to(device) if teacher is not None else None
        learner = Distiller(student, parts).to(device)
        optimizers = [make_optimizer([p for p in learner.parameters() if p.requires_grad])]
    model = DistributedDataParallel(learner) if world > 1 else learner
    ema = WeightEma(student, RUN["emaDecay"]) if RUN.get("emaDecay") else None

    cached = None
    if teacher is not None and not RUN["augment"]:
        size = count * (sum(int(np.prod(TAP_SHAPES["teacher"][n])) for n in TEACHER_TAPS) + DATASET["classes"]) * 4
        if size <= CACHE_BYTES:
            cached = teacher_outputs(teacher, train_x, device)  # the lab caches them too: the same values each epoch
    augment_rng = create_rng(derive_seed(seed, "augment"))
    sampler = LabOrderSampler(count, batch_size, world, rank, seed)
    loader = DataLoader(Positions(count), batch_size=batch_size // world, sampler=sampler, drop_last=True)
    local = batch_size // world

    history, first_step, step, epoch_seconds, started = [], None, 0, [], time.perf_counter()
    since = {"ce": 0.0, "kd": 0.0, "total": 0.0, "count": 0, "correct": 0, "seen": 0}

    def evaluate_now():
        if ema:
            ema.swap()
        val = scores(val_y[:CURVE_SAMPLES], predict(student, val_x[:CURVE_SAMPLES], device), DATASET["classes"])
        test = scores(test_y[:CURVE_SAMPLES], predict(student, test_x[:CURVE_SAMPLES], device), DATASET["classes"])
        if ema:
            ema.swap()
        n = max(since["count"], 1)
        entry = {"epoch": step / steps_per_epoch, "step": step, "ce": since["ce"] / n, "kd": since["kd"] / n, "total": since["total"] / n,
                 "trainAccuracy": since["correct"] / max(since["seen"], 1), "valAccuracy": val["accuracy"], "testAccuracy": test["accuracy"]}
        history.append(entry)
        log(f"epoch {entry['epoch']:.2f} step {step}: train {100 * entry['trainAccuracy']:.2f}% val {100 * val['accuracy']:.2f}% "
            f"test {100 * test['accuracy']:.2f}% (loss {entry['total']:.4f})")
        since.update(ce=0.0, kd=0.0, total=0.0, count=0, correct=0, seen=0)

    epoch_count = math.ceil(total_steps / steps_per_epoch)
    for epoch in range(epoch_count):
        epoch_start, eval_time = time.perf_counter(), 0.0
        for b, positions in enumerate(loader):
            if step >= total_steps:
                break
            images, labels = train_x[positions], train_y[positions]
            if RUN["augment"]:
                # Every rank draws the whole global batch's shifts (the lab's order) and applies its share.
                shifts = [(random_int(augment_rng, 5), random_int(augment_rng, 5)) for _ in range(batch_size)]
                images = shift_each(images, shifts[rank * local: (rank + 1) * local])
            images, labels = images.to(device), labels.to(device)
            mask = labelled[positions].to(device) if labelled is not None else None
            t_logits, t_out = None, {}
            if teacher is not None:
                if cached is not None:
                    t_logits, t_out = cached[0][positions.to(cached[0].device)], {n: v[positions.to(v.device)] for n, v in cached[1].items()}
                else:
                    t_logits, t_out = teacher_outputs(teacher, images, device)
            for optimizer in optimizers:
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate(step, total_steps)
            ce_weight, weights = mix_at(epoch + b / steps_per_epoch, total_epochs)
            losses = model(images, labels, mask, t_logits, t_out, ce_weight, weights)
            for optimizer in optimizers:
                optimizer.zero_grad(set_to_none=True)
            losses["total"].backward()
            for optimizer in optimizers:
                optimizer.step()
            if ema:
                ema.update()
            step += 1
            values = [v.item() for v in losses["terms"]]
            kd = sum(values) if values else 0.0
            total = losses.get("student_total", losses["total"]).item()
            if first_step is None:
                first_step = {"ce": losses["ce"].item(), "kd": kd, "total": total, "terms": dict(zip([t["method"] for t in TERMS], values))}
                if "rdrop" in losses:
                    first_step["terms"]["rdrop"] = losses["rdrop"].item()
            since["ce"] += losses["ce"].item()
            since["kd"] += kd
            since["total"] += total
            since["count"] += 1
            since["correct"] += int(losses["correct"].item())
            since["seen"] += len(labels)
            if not math.isfinite(total):
                raise FloatingPointError(f"the loss is {total} at step {step}: lower the learning rate")
            if rank == 0 and (step % RUN["evalEvery"] == 0 or step == total_steps):
                eval_start = time.perf_counter()
                evaluate_now()
                eval_time += time.perf_counter() - eval_start
        epoch_seconds.append(time.perf_counter() - epoch_start - eval_time)
    train_seconds = time.perf_counter() - started

    if ema:
        ema.swap()  # the run ends with the averaged weights in the student, as the lab's
    if rank == 0:
        val = scores(val_y, predict(student, val_x, device), DATASET["classes"])
        test = scores(test_y, predict(student, test_x, device), DATASET["classes"])
        shift = RUN.get("ttaShift") or 0
        tta = scores(test_y, predict(student, test_x, device, shift), DATASET["classes"]) if shift else None
        result = {"config": RUN, "status": "done", "testAccuracy": test["accuracy"], "testMpa": test["mpa"],
                  "valAccuracy": val["accuracy"], "valMpa": val["mpa"],
                  "testAccuracyTta": tta["accuracy"] if tta else None, "testMpaTta": tta["mpa"] if tta else None,
                  "perClassAccuracy": test["perClassAccuracy"], "confusion": test["confusion"], "history": history,
                  "firstStep": first_step, "steps": step, "worldSize": world, "device": str(device),
                  "seconds": time.perf_counter() - started, "trainSeconds": train_seconds, "epochSeconds": epoch_seconds,
                  "torch": torch.__version__, "threads": torch.get_num_threads()}
        if MUTUAL:
            peer_val = scores(val_y, predict(peer, val_x, device), DATASET["classes"])
            peer_test = scores(test_y, predict(peer, test_x, device), DATASET["classes"])
            result["peer"] = {"testAccuracy": peer_test["accuracy"], "testMpa": peer_test["mpa"], "valAccuracy": peer_val["accuracy"], "valMpa": peer_val["mpa"]}
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump(result, f, indent=2)
        torch.save({"student": student.state_dict(), "connectors": [part.state_dict() for part in parts], "config": RUN, "step": step},
                   os.path.join(args.out, "student.pt"))
        log(f"done: test accuracy {100 * test['accuracy']:.2f}% (MPA {100 * test['mpa']:.2f}%), val {100 * val['accuracy']:.2f}% "
            f"(MPA {100 * val['mpa']:.2f}%), {train_seconds:.1f} s, {sum(epoch_seconds) / max(len(epoch_seconds), 1):.2f} s per epoch")
        if tta:
            log(f"with TTA (+-{shift} px): test accuracy {100 * tta['accuracy']:.2f}% (MPA {100 * tta['mpa']:.2f}%)")
        compare_with_lab(result, log)
        log(f"wrote {os.path.join(args.out, 'results.json')} and student.pt")
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


def compare_with_lab(result, log):
    """When the export carries the lab's result of this run (lab-result.json), put the two side by side."""
    path = os.path.join(HERE, "lab-result.json")
    if not os.path.exists(path):
        return
    with open(path) as f:
        lab = json.load(f)
    log(f"the lab's run: test accuracy {100 * lab['testAccuracy']:.2f}%, this run {100 * result['testAccuracy']:.2f}%")
    first = lab.get("firstStep")
    if first and result["firstStep"]:
        mine = result["firstStep"]
        parts = [f"{name} {first['terms'].get(name, first.get(name)):.6f} vs {mine['terms'].get(name, mine.get(name)):.6f}"
                 for name in ["ce", *mine["terms"].keys(), "total"] if name in first or name in first.get("terms", {})]
        log("first step, lab vs PyTorch: " + ", ".join(parts))


if __name__ == "__main__":
    main()
