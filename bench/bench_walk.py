"""Walk throughput on the reference nets of the core issue, with the speed-up
over the reference walker (tests/oracles.py: highspy / cvxpy per facet) and
over one thread, all measured in this one run. A walk too large to finish
stops at a region cap, the same for every thread count, so that each does
the same work (a time limit would let the faster run walk further out, where
regions cost more, and understate its speed-up).

    python bench/bench_walk.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from oracles import reference_walk  # noqa: E402

import regionwalk as rw  # noqa: E402
from regionwalk.nets import random_mlp  # noqa: E402


def cases():
    x784 = np.random.default_rng(7).uniform(0, 1, size=784)
    return [
        ("2-32x3 box [-1,1]^2", random_mlp((2, 32, 32, 32, 1), seed=0), rw.Box([-1, -1], [1, 1]),
         ("box", np.full(2, -1.0), np.full(2, 1.0)), None, None),
        ("8-32x2 ball r=1", random_mlp((8, 32, 32, 1), seed=1), rw.Ball(np.zeros(8), 1.0),
         ("ball", np.zeros(8), 1.0), 300.0, 1_000_000),
        ("784-64x2 ball r=0.1 at a point", random_mlp((784, 64, 64, 1), seed=2), rw.Ball(x784, 0.1),
         ("ball", x784, 0.1), 120.0, None),
    ]


def _fastest(net, dom, threads, limit, cap):
    # Walks under a second are repeated (best of 3): one shot of 0.01 s
    # measures thread start-up and scheduling noise more than the walk.
    def go():
        return rw.enumerate_regions(net, dom, threads=threads, time_limit=limit, max_regions=cap, store_points=False)

    best = go()
    for _ in range(2 if best.seconds < 1.0 else 0):
        again = go()
        if again.seconds < best.seconds:
            best = again
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="shorter time limits and region caps")
    ap.add_argument("--ref-regions", type=int, default=40, help="regions the reference walker is timed on")
    ap.add_argument("--only", default=None, help="run only the cases whose name contains this")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores; regionwalk {rw.__version__}")
    print(f"{'case':<32} {'regions':>9} {'done':>5} {'1 thr s':>8} {'reg/s 1thr':>11} "
          f"{'reg/s {0}thr'.format(cores):>11} {'thr x':>6} {'ref reg/s':>10} {'vs ref':>8}")
    for name, net, dom, ref_dom, limit, cap in cases():
        if args.only and args.only not in name:
            continue
        if args.quick and limit:
            limit, cap = 5.0, cap and 50_000
        one = _fastest(net, dom, 1, limit, cap)
        many = _fastest(net, dom, cores, limit, cap)
        rate1 = one.count / one.seconds
        rate_n = many.count / many.seconds
        seed = dom.center
        t = time.perf_counter()
        got = reference_walk([*net.weights], [*net.biases], ref_dom, seed, max_regions=args.ref_regions if net.input_dim < 100 else 5, partial=True)
        ref_rate = len(got) / (time.perf_counter() - t)
        print(f"{name:<32} {one.count:>9} {str(one.complete):>5} {one.seconds:>8.2f} {rate1:>11,.0f} "
              f"{rate_n:>11,.0f} {rate_n / rate1:>6.2f} {ref_rate:>10.1f} {rate1 / ref_rate:>8.0f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
