import argparse
import gzip
import json
import math
import os
import sys
import time
import warnings

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))
MASK32 = 0xFFFFFFFF


# ---------------------------------------------------------------- the lab's seeded streams (src/core/rng.ts)

def _imul(a, b):
    return (a * b) & MASK32


def create_rng(seed):
    """mulberry32, as the lab draws every split, batch order, label subset, shift and connector."""
    state = seed & MASK32

    def next_float():
        nonlocal state
        state = (state + 0x6D2B79F5) & MASK32
        t = _imul(state ^ (state >> 15), state | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & MASK32
        return ((t ^ (t >> 14)) & MASK32) / 4294967296

    return next_float


def random_int(rng, n):
    return math.floor(rng() * n)


def permutation(n, rng):
    """Fisher-Yates, as the lab's permutation()."""
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = random_int(rng, i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def derive_seed(seed, label):
    value = (seed ^ 0x9E3779B9) & MASK32
    for ch in label:
        value = _imul(value ^ ord(ch), 0x01000193)
    return value


def js_round(x):
    """JavaScript's Math.round (halves up), not Python's round (halves to even)."""
    return math.floor(x + 0.5)
