"""Throughput of rw.local_counts: many small balls around data points.

For each net and radius: balls per second on 1 and 2 threads, the speed-up,
the mean exact count and bound, the share of balls proven single-region by
the margin (no walk), the share of certified counts ("exact"), the CPU time
per ball of all threads together (equal on 1 and 2 threads: no serialisation
on the GIL) and the load average before the run (other processes on the
machine cap the wall speed-up); then the cost of a ball that holds one region against a
forward pass of its centre, and a plain loop of rw.count_regions (one set-up
per ball) for comparison.

Points: standard normal (seed 0) in R^784 for the 784-64-64-10 net
(random_mlp seed 2) and in R^16 for the 16-64-64-1 net (seed 2).

    python bench/bench_local.py [--balls 1000] [--radii 0.05 0.1] [--quick] [--ray]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import regionwalk as rw
from regionwalk.nets import random_mlp


def best_of(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def throughput(name: str, net: rw.Network, x: np.ndarray, radius: float, threads: list[int], ray: bool) -> None:
    base = None
    rw.local_counts(net, x[:20], radius, threads=max(threads))  # warm-up
    runs = [(th, "threads") for th in threads] + ([(max(threads), "ray")] if ray else [])
    for th, backend in runs:
        if backend == "ray":
            rw.local_counts(net, x[:20], radius, threads=th, backend="ray")  # runtime up, workers warm
        load = os.getloadavg()[0]
        cpu = time.process_time()
        lc = rw.local_counts(net, x, radius, threads=th, backend=backend)
        cpu = (time.process_time() - cpu) / len(x)
        rate = lc.balls_per_second
        if base is None:
            base, counts = rate, lc.counts
        assert np.array_equal(lc.counts, counts), "counts depend on threads"
        bound = np.mean(lc.bounds.astype(float))
        label = f"{th}r" if backend == "ray" else str(th)
        print(f"{name:<14} {radius:>6} {label:>3} {len(x):>6} {lc.seconds:>9.2f} {rate:>10.1f} {rate / base:>7.2f}x"
              f" {lc.counts.mean():>9.1f} {int(lc.counts.max()):>7} {bound:>11.3g} {np.mean(~lc.walked):>7.1%}"
              f" {np.mean(lc.complete):>6.1%} {cpu * 1e3:>9.2f} {load:>5.1f}", flush=True)


def single_region_cost(name: str, net: rw.Network, x: np.ndarray) -> None:
    margins = rw.local_counts(net, x, 1e-6, threads=1).margins
    radii = 0.5 * margins  # every ball inside its centre's region
    lc_time = best_of(lambda: rw.local_counts(net, x, radii, threads=1))
    fwd = best_of(lambda: net(x))
    one = best_of(lambda: [net(c[None]) for c in x[:200]], repeats=3) / min(200, len(x)) * len(x)
    n = len(x)
    print(f"{name:<14} {n:>6} {lc_time / n * 1e6:>12.1f} {fwd / n * 1e6:>12.2f} {one / n * 1e6:>12.1f}"
          f" {lc_time / fwd:>9.1f}x {lc_time / one:>9.2f}x", flush=True)


def naive_loop(name: str, net: rw.Network, x: np.ndarray, radius: float) -> None:
    t = time.perf_counter()
    ref = [rw.count_regions(net, rw.Ball(c, radius), threads=1) for c in x]
    loop = time.perf_counter() - t
    lc = rw.local_counts(net, x, radius, threads=1)
    assert lc.counts.tolist() == ref
    print(f"{name:<14} {radius:>6} {len(x):>6} {len(x) / loop:>12.1f} {lc.balls_per_second:>12.1f}"
          f" {loop / lc.seconds:>8.2f}x", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--balls", type=int, default=1000)
    ap.add_argument("--radii", type=float, nargs="+", default=[0.05, 0.1])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--quick", action="store_true", help="100 balls, a smoke test")
    ap.add_argument("--ray", action="store_true", help="also backend='ray' on the most threads ('2r'; "
                    "cpu ms/b then counts the driver only)")
    args = ap.parse_args()
    n = 100 if args.quick else args.balls
    rng = np.random.default_rng(0)
    cases = [("784-64-64-10", random_mlp((784, 64, 64, 10), seed=2), rng.standard_normal((n, 784))),
             ("16-64-64-1", random_mlp((16, 64, 64, 1), seed=2), rng.standard_normal((n, 16)))]
    print(f"cpu cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    print(f"{'net':<14} {'radius':>6} {'thr':>3} {'balls':>6} {'seconds':>9} {'balls/s':>10} {'speedup':>8}"
          f" {'mean':>9} {'max':>7} {'mean bound':>11} {'1-region':>8} {'exact':>6} {'cpu ms/b':>9} {'load':>5}")
    for name, net, x in cases:
        for r in args.radii:
            throughput(name, net, x, r, args.threads, args.ray)
    print("\nsingle-region balls (radius = margin / 2): cost per ball against a forward pass of its centre")
    print(f"{'net':<14} {'balls':>6} {'us/ball':>12} {'fwd us/pt':>12} {'1-pt fwd us':>12} {'vs batch':>10}"
          f" {'vs 1-pt':>10}")
    for name, net, x in cases:
        single_region_cost(name, net, x)
    print("\nplain loop of count_regions (one set-up per ball) against local_counts, 1 thread, first 100 balls")
    print(f"{'net':<14} {'radius':>6} {'balls':>6} {'loop balls/s':>12} {'local balls/s':>12} {'gain':>9}")
    for name, net, x in cases:
        naive_loop(name, net, x[:100], args.radii[0])
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
