"""PyTorch peer of `npm run bench`: samples/s of the same training step on the same nets.

teacher-cnn -> tiny-cnn (src/models/architectures.ts), batch 64, Adam 1e-3, KD at T=4 with
kd_ratio 0.9, random data; student only, KD with the live teacher, KD with cached logits.
Prints one JSON object on stdout; scripts/bench.ts runs it and keeps it next to the tfjs rows.

    python3 scripts/bench_torch.py [--setup mnist|digits] [--warmup 5] [--steps 20] [--rounds 5] [--threads N]
"""
import argparse
import json
import statistics
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--setup', default='mnist', choices=sorted(SETUPS))
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--threads', type=int, default=0, help='0: PyTorch default (one per core)')
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    height, classes, batch, train_count = SETUPS[args.setup], 10, 64, 1024
    temperature, kd_ratio = 4.0, 0.9

    images = torch.rand(train_count, 1, height, height)
    labels = torch.randint(0, classes, (train_count,))
    student = tiny_cnn(height, classes)
    teacher = teacher_cnn(height, classes).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.Adam(student.parameters(), lr=1e-3)
    with torch.no_grad():
        cache = torch.cat([teacher(images[i:i + 256]) for i in range(0, train_count, 256)])

    generator = torch.Generator().manual_seed(2)
    order, cursor = torch.randperm(train_count, generator=generator), 0

    def next_batch():
        nonlocal order, cursor
        if cursor + batch > train_count:
            order, cursor = torch.randperm(train_count, generator=generator), 0
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
        return loss.item()

    variants = ['studentOnly', 'kdLive', 'kdCached']
    for variant in variants:
        for _ in range(args.warmup):
            step(variant)
    per_round = {v: [] for v in variants}
    per_round_cpu = {v: [] for v in variants}
    for r in range(args.rounds):
        for variant in variants[r % 3:] + variants[:r % 3]:
            started, cpu_started = time.perf_counter(), time.process_time()
            for _ in range(args.steps):
                step(variant)
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
        'backend': 'pytorch-cpu',
        'setup': args.setup,
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'batchSize': batch,
        'studentParameters': sum(p.numel() for p in student.parameters()),
        'teacherParameters': sum(p.numel() for p in teacher.parameters()),
        'warmupSteps': args.warmup,
        'steps': args.steps,
        'rounds': args.rounds,
        'timings': timings,
    }))


if __name__ == '__main__':
    main()
