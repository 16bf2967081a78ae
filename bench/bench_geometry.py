"""Per-region and per-point analysis: cost against the walk that found the regions.

1. rank + singular values + slopes (p = 1, 2, inf) of 100k regions of a 6-16x2
   net in the box [-1, 1]^6 (the walk stopped at max_regions=100_000), beside
   the walk's own time; also through ``enumerate_regions(measures=...)``.
2. Lee margins (p = 2) at 100k points of a 784-64-64-10 net, beside a plain
   float64 forward pass; p = inf and local_affine on 10k points.
3. Per-region convex programs: Chebyshev ball, volume, facets/adjacency on the
   first regions (one LP or hull per region: these are the slow fields).

    python bench/bench_geometry.py [--quick] [--repeat 3] [--device cpu] [--parts 1,2,3]
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import torch

import regionwalk as rw
from regionwalk.nets import random_mlp


def best_of(repeat: int, fn):  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def spectral(res: rw.Regions, device: str) -> None:
    g = res.geometry(device=device)
    g.rank, g.singular_values, g.slope(1), g.slope(2), g.slope(np.inf)


def part1(regions: int, repeat: int, device: str) -> None:
    net = random_mlp((6, 16, 16, 1), seed=0)
    box = rw.Box(-np.ones(6), np.ones(6))
    t_walk, res = best_of(repeat, lambda: rw.enumerate_regions(net, box, max_regions=regions))
    t_meas, _ = best_of(repeat, lambda: spectral(res, device))
    t_hook, res2 = best_of(repeat, lambda: rw.enumerate_regions(net, box, max_regions=regions,
                                                                  measures=("rank", "slope", "slope_1", "slope_inf")))
    print(f"6-16x2 box: {res.count:,} regions, walk {t_walk:.3f} s ({res.count / t_walk:,.0f} regions/s, "
          f"{torch.get_num_threads()} torch threads)")
    print(f"  rank + singular values + slopes 1/2/inf: {t_meas:.3f} s ({res.count / t_meas:,.0f} regions/s), "
          f"{t_meas / t_walk:.2f} x the walk")
    print(f"  walk with measures=(rank, slope, slope_1, slope_inf): {t_hook:.3f} s "
          f"({t_hook / t_walk:.2f} x the walk alone)")
    ranks, counts = np.unique(res2.measures["rank"], return_counts=True)
    print(f"  rank histogram: {dict(zip(ranks.tolist(), counts.tolist()))}")
    # The same regions with a 4-output head (the output layer splits nothing): a real SVD per region.
    head = np.random.default_rng(1).normal(size=(4, 16)) / 4.0
    net4 = rw.Network([*net.weights[:-1], head], [*net.biases[:-1], np.zeros(4)])
    t_four, _ = best_of(repeat, lambda: spectral(dataclasses.replace(res, network=net4), device))
    print(f"  the same regions with 4 outputs (4 x 6 Jacobians, batched SVD): {t_four:.3f} s "
          f"({res.count / t_four:,.0f} regions/s), {t_four / t_walk:.2f} x the walk")


def part2(points: int, repeat: int, device: str) -> None:
    net = random_mlp((784, 64, 64, 10), seed=0)
    X = np.random.default_rng(0).normal(size=(points, 784))
    xt = torch.as_tensor(X)
    lay = [(torch.as_tensor(w), torch.as_tensor(b)) for w, b in zip(net.weights, net.biases)]

    def forward() -> None:
        h = xt
        for w, b in lay[:-1]:
            h = torch.relu(h @ w.T + b)

    t_fwd, _ = best_of(repeat, forward)
    t_m2, m2 = best_of(repeat, lambda: rw.margin(net, X, p=2, device=device))
    sub = max(1, points // 10)
    t_inf, _ = best_of(repeat, lambda: rw.margin(net, X[:sub], p=np.inf, device=device))
    t_la, _ = best_of(repeat, lambda: rw.local_affine(net, X[:sub], device=device))
    print(f"784-64-64-10: margins p=2 at {points:,} points: {t_m2:.3f} s ({points / t_m2:,.0f} points/s); "
          f"float64 forward pass alone {t_fwd:.3f} s (margin = {t_m2 / t_fwd:.1f} x forward)")
    print(f"  p=inf at {sub:,} points: {t_inf:.3f} s ({sub / t_inf:,.0f} points/s); "
          f"local_affine at {sub:,} points: {t_la:.3f} s; median p=2 margin {np.median(m2):.4g}")


def part3(regions: int) -> None:
    net = random_mlp((6, 16, 16, 1), seed=0)
    box = rw.Box(-np.ones(6), np.ones(6))
    res = rw.enumerate_regions(net, box, max_regions=regions)
    g = res.geometry()
    t_cheb, _ = best_of(1, lambda: g.inradius)
    t_vol, _ = best_of(1, lambda: g.volume)
    t_adj, adj = best_of(1, lambda: res.adjacency())
    print(f"6-16x2 box, first {res.count:,} regions: Chebyshev balls {1e3 * t_cheb / res.count:.2f} ms/region, "
          f"volumes (6-D hulls) {1e3 * t_vol / res.count:.2f} ms/region, adjacency {1e3 * t_adj / res.count:.2f} "
          f"ms/region ({len(adj.edges):,} edges)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="10k regions, 10k points, one repeat")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--parts", default="1,2,3", help="which parts to run, e.g. 2 or 1,3")
    args = ap.parse_args()
    repeat = 1 if args.quick else args.repeat
    parts = {int(p) for p in args.parts.split(",")}
    if 1 in parts:
        part1(10_000 if args.quick else 100_000, repeat, args.device)
    if 2 in parts:
        part2(10_000 if args.quick else 100_000, repeat, args.device)
    if 3 in parts:
        part3(200 if args.quick else 1_000)


if __name__ == "__main__":
    main()
