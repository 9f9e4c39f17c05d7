"""PyTorch peer of `npm run bench`: samples/s of the same training step on the same nets.

teacher-cnn -> tiny-cnn (src/models/architectures.ts), batch 64, Adam 1e-3, KD at T=4 with
kd_ratio 0.9, random data; student only, KD with the live teacher, KD with cached logits. The
losses stay on the device and are read back every 25 steps and at the end of every timed block,
as the lab's loop reads its metrics. Then the student's evaluation as the lab scores a run
(src/train/evaluate.ts predictClasses): eval mode, no_grad, batches of 256 over the 1024 images,
argmax, each batch's classes copied to the host; images/s of the median round (one pass a round).
--device cuda puts the nets and the data on the GPU (and synchronizes before every clock read).
Prints one JSON object on stdout; scripts/bench.ts runs it and keeps it next to the tfjs rows.

    python3 scripts/bench_torch.py [--setup mnist|digits] [--warmup 5] [--steps 20] [--rounds 5] [--threads N] [--device cpu|cuda]
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_block(in_channels, out_channels):
    return [nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.ReLU()]


def tiny_cnn(height, classes):
    tiny = height < 16
    c1, c2 = (16, 32) if tiny else (8, 16)
    layers = conv_block(1, c1) + ([] if tiny else [nn.MaxPool2d(2)]) + conv_block(c1, c2) + [nn.MaxPool2d(2), nn.Flatten()]
    side = height // 2 if tiny else height // 4
    return nn.Sequential(*layers, nn.Linear(c2 * side * side, classes))


def teacher_cnn(height, classes):
    tiny = height < 16
    c1, c2 = (32, 64) if tiny else (16, 32)
    layers = conv_block(1, c1) + ([] if tiny else [nn.MaxPool2d(2)]) + conv_block(c1, c2) + [nn.MaxPool2d(2), nn.Flatten()]
    side = height // 2 if tiny else height // 4
    return nn.Sequential(*layers, nn.Linear(c2 * side * side, 256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, classes))


SETUPS = {'mnist': 28, 'digits': 8}
EVALUATION_BATCH = 256
# The lab's loop reads its step metrics back once per this many steps (and at the end of a block).
READ_BACK_EVERY = 25


def cuda_missing():
    """Why CUDA cannot be used by this PyTorch, or None when it can."""
    if torch.cuda.is_available():
        return None
    why = 'built without CUDA' if torch.version.cuda is None else f'built with CUDA {torch.version.cuda}, no device'
    return f'CUDA is not available to this PyTorch (torch {torch.__version__}, {why})'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--setup', default='mnist', choices=sorted(SETUPS))
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--threads', type=int, default=0, help='0: PyTorch default (one per core)')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    args = parser.parse_args()
    if args.device == 'cuda' and cuda_missing():
        print(cuda_missing(), file=sys.stderr)
        sys.exit(1)
    device = torch.device(args.device)

    def synchronize():
        if device.type == 'cuda':
            torch.cuda.synchronize()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    height, classes, batch, train_count = SETUPS[args.setup], 10, 64, 1024
    temperature, kd_ratio = 4.0, 0.9

    # Drawn on the CPU (the same numbers on either device), then moved.
    images = torch.rand(train_count, 1, height, height).to(device)
    labels = torch.randint(0, classes, (train_count,)).to(device)
    student = tiny_cnn(height, classes).to(device)
    teacher = teacher_cnn(height, classes).to(device).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.Adam(student.parameters(), lr=1e-3)
    with torch.no_grad():
        cache = torch.cat([teacher(images[i:i + 256]) for i in range(0, train_count, 256)])

    generator = torch.Generator().manual_seed(2)
    order, cursor = torch.randperm(train_count, generator=generator).to(device), 0

    def next_batch():
        nonlocal order, cursor
        if cursor + batch > train_count:
            order, cursor = torch.randperm(train_count, generator=generator).to(device), 0
        cursor += batch
        return order[cursor - batch:cursor]

    def step(variant):
        index = next_batch()
        x, y = images[index], labels[index]
        logits = student(x)
        ce = F.cross_entropy(logits, y)
        if variant == 'studentOnly':
            loss = ce
        else:
            if variant == 'kdLive':
                with torch.no_grad():
                    teacher_logits = teacher(x)
            else:
                teacher_logits = cache[index]
            kd = F.kl_div(F.log_softmax(logits / temperature, 1), F.softmax(teacher_logits / temperature, 1), reduction='batchmean')
            loss = (1 - kd_ratio) * ce + kd_ratio * temperature ** 2 * kd
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.detach()

    def read_back(losses):
        """One transfer of the pending losses, as the lab's loop reads its metrics back."""
        if losses and not math.isfinite(torch.stack(losses).sum().item()):
            raise RuntimeError('benchmark step produced a non-finite loss')

    def run_steps(variant, n):
        pending = []
        for _ in range(n):
            pending.append(step(variant))
            if len(pending) >= READ_BACK_EVERY:
                read_back(pending)
                pending = []
        read_back(pending)
        synchronize()

    variants = ['studentOnly', 'kdLive', 'kdCached']
    for variant in variants:
        run_steps(variant, args.warmup)
    per_round = {v: [] for v in variants}
    per_round_cpu = {v: [] for v in variants}
    for r in range(args.rounds):
        for variant in variants[r % 3:] + variants[:r % 3]:
            synchronize()
            started, cpu_started = time.perf_counter(), time.process_time()
            run_steps(variant, args.steps)
            per_round[variant].append((time.perf_counter() - started) * 1000 / args.steps)
            per_round_cpu[variant].append((time.process_time() - cpu_started) * 1000 / args.steps)
    timings = {}
    for variant in variants:
        ms = statistics.median(per_round[variant])
        timings[variant] = {
            'samplesPerSecond': batch * 1000 / ms,
            'msPerStep': ms,
            'roundMsPerStep': per_round[variant],
            # CPU time of all threads: with one thread, robust to other load on a shared machine.
            'samplesPerCpuSecond': batch * 1000 / statistics.median(per_round_cpu[variant]),
        }
    print(json.dumps({
        'backend': f'pytorch-{device.type}',
        'setup': args.setup,
        'torch': torch.__version__,
        'device': torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu',
        'threads': torch.get_num_threads(),
        'batchSize': batch,
        'studentParameters': sum(p.numel() for p in student.parameters()),
        'teacherParameters': sum(p.numel() for p in teacher.parameters()),
        'warmupSteps': args.warmup,
        'steps': args.steps,
        'rounds': args.rounds,
        'timings': timings,
        'evaluation': time_evaluation(student, images, args.rounds, synchronize),
    }))


def time_evaluation(student, images, rounds, synchronize):
    """Images/s of the student's evaluation: eval mode, no_grad, batches of 256, argmax, classes to the host."""
    student.eval()
    count = images.shape[0]

    def one_pass(count):
        classes = torch.empty(count, dtype=torch.long)
        with torch.no_grad():
            for start in range(0, count, EVALUATION_BATCH):
                # .cpu(): the lab reads each batch's classes back (predictClasses' data()).
                classes[start:start + EVALUATION_BATCH] = student(images[start:start + EVALUATION_BATCH]).argmax(1).cpu()
        return classes

    # One untimed batch, as the lab's bench: every batch has its shape.
    warmup_batches = 1
    one_pass(min(count, warmup_batches * EVALUATION_BATCH))
    per_round, per_round_cpu = [], []
    for _ in range(rounds):
        synchronize()
        started, cpu_started = time.perf_counter(), time.process_time()
        one_pass(count)
        synchronize()
        per_round.append((time.perf_counter() - started) * 1000)
        per_round_cpu.append((time.process_time() - cpu_started) * 1000)
    student.train()
    ms = statistics.median(per_round)
    return {
        'images': count,
        'batchSize': EVALUATION_BATCH,
        'warmupBatches': warmup_batches,
        'rounds': rounds,
        'imagesPerSecond': count * 1000 / ms,
        'msPerPass': ms,
        'fastestMsPerPass': min(per_round),
        'roundMsPerPass': per_round,
        'imagesPerCpuSecond': count * 1000 / statistics.median(per_round_cpu),
    }


if __name__ == '__main__':
    main()
