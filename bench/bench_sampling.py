"""Sampling throughput (points per second) on the reference nets of the core
issue, on CPU and, when present, CUDA; float64 forward passes, packing and
deduplication included.

    python bench/bench_sampling.py [--samples N]
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import torch

import regionwalk as rw
from regionwalk.nets import random_mlp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=2_000_000)
    args = ap.parse_args()
    x784 = np.random.default_rng(7).uniform(0, 1, size=784)
    cases = [
        ("2-32x3 box [-1,1]^2", random_mlp((2, 32, 32, 32, 1), seed=0), rw.Box([-1, -1], [1, 1])),
        ("8-32x2 ball r=1", random_mlp((8, 32, 32, 1), seed=1), rw.Ball(np.zeros(8), 1.0)),
        ("784-64x2 ball r=0.5", random_mlp((784, 64, 64, 1), seed=2), rw.Ball(x784, 0.5)),
    ]
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    print(f"cpu cores: {os.cpu_count()}, torch threads: {torch.get_num_threads()}, gpu: {gpu}")
    print(f"{'case':<24} {'device':>6} {'samples':>10} {'distinct':>9} {'seconds':>8} {'points/s':>14}")
    for name, net, dom in cases:
        for dev in devices:
            n = args.samples if dev == "cuda" else min(args.samples, 1_000_000)
            rw.sample_patterns(net, dom, 10_000, device=dev)  # warm-up
            r = rw.sample_patterns(net, dom, n, device=dev, seed=1)
            print(f"{name:<24} {dev:>6} {n:>10} {r.count:>9} {r.seconds:>8.3f} {r.points_per_second:>14,.0f}")


if __name__ == "__main__":
    main()
