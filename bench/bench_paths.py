"""Regions along segments between MNIST-sized points: exact cuts against dense sampling.

    python bench/bench_paths.py [--segments 100000] [--sample-segments 100] [--plane]

A 784-64-64-10 ReLU net (``random_mlp((784, 64, 64, 10), seed=2)``); segments
between points uniform in [0, 1]^784 (pixel range). Prints the time of
``count_along_many`` on all segments (in batches of 10,000, points made
outside the timing), the pieces per segment, a check of the first segments
against the walk on the 1-D restriction, and how many pieces dense sampling
(forward passes at evenly spaced points) misses at 1e2, 1e3 and 1e4 points per
segment on a subset. ``--plane`` also counts regions on planes through three
random points, with regioncam's count beside it when regioncam is installed
(optional, never a dependency).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import regionwalk as rw
from regionwalk.examples import random_mlp


def sampled_pieces(net: rw.Network, x0: np.ndarray, x1: np.ndarray, n: int) -> int:
    """Pattern changes seen at n evenly spaced points of a segment, plus one (float64 forward passes)."""
    s = np.linspace(0.0, 1.0, n)[:, None]
    pats = net.patterns(x0 + s * (x1 - x0))
    return 1 + int(np.any(pats[1:] != pats[:-1], axis=1).sum())


def restricted_count(net: rw.Network, x0: np.ndarray, x1: np.ndarray) -> int:
    u = x1 - x0
    length = float(np.linalg.norm(u))
    w0, b0 = net.weights[0], net.biases[0]
    net1 = rw.Network([w0 @ (u / length)[:, None], *net.weights[1:]], [b0 + w0 @ x0, *net.biases[1:]])
    return rw.count_regions(net1, rw.Box([0.0], [length]), threads=1)


def bench_exact(net: rw.Network, segments: int, batch: int = 10_000) -> np.ndarray:
    rng = np.random.default_rng(0)
    pieces, seconds = [], 0.0
    for start in range(0, segments, batch):
        paths = rng.uniform(0, 1, size=(min(batch, segments - start), 2, 784))
        t = time.perf_counter()
        res = rw.count_along_many(net, paths)
        seconds += time.perf_counter() - t
        pieces.append(res.pieces)
    p = np.concatenate(pieces)
    print(f"exact: {segments:,} segments in {seconds:.2f} s ({segments / seconds:,.0f} segments/s, "
          f"{p.sum() / seconds:,.0f} pieces/s); pieces per segment mean {p.mean():.2f}, "
          f"min {p.min()}, max {p.max()}")
    return p


def bench_sampling(net: rw.Network, count: int) -> None:
    rng = np.random.default_rng(0)
    paths = rng.uniform(0, 1, size=(count, 2, 784))
    t = time.perf_counter()
    exact = rw.count_along_many(net, paths).pieces
    t_exact = time.perf_counter() - t
    walk = [restricted_count(net, *paths[i]) for i in range(min(count, 20))]
    agree = sum(int(w == e) for w, e in zip(walk, exact))
    print(f"check: count_along_many equals the walk on the 1-D restriction on {agree}/{len(walk)} segments")
    print(f"sampling on {count} segments (exact: {exact.sum():,} pieces in {t_exact:.3f} s):")
    print(f"{'points/segment':>15} {'pieces seen':>12} {'missed':>8} {'missed %':>9} {'segments missing':>17} {'seconds':>8}")
    for n in (100, 1_000, 10_000):
        t = time.perf_counter()
        seen = np.array([sampled_pieces(net, *paths[i], n) for i in range(count)])
        sec = time.perf_counter() - t
        assert np.all(seen <= exact)
        missed = int((exact - seen).sum())
        print(f"{n:>15,} {seen.sum():>12,} {missed:>8,} {100 * missed / exact.sum():>8.2f}% "
              f"{int(np.sum(seen < exact)):>17} {sec:>8.2f}")


def bench_plane(net: rw.Network) -> None:
    try:
        import regioncam  # type: ignore[import-not-found]
    except ImportError:
        regioncam = None
    rng = np.random.default_rng(1)
    print(f"{'plane':>6} {'regions':>8} {'seconds':>8} {'regioncam':>10}")
    for k in range(3):
        pl = rw.Plane.through(*rng.uniform(0, 1, size=(3, 784)))
        t = time.perf_counter()
        res = rw.enumerate_regions(net, pl, store_points=False)
        sec = time.perf_counter() - t
        peer = "n/a"
        if regioncam is not None:
            peer = str(regioncam_count(regioncam, pl.restrict(net), pl))
        print(f"{k:>6} {res.count:>8,} {sec:>8.3f} {peer:>10}")


def regioncam_count(regioncam: object, net2: rw.Network, pl: rw.Plane) -> int:
    """Regions of the restricted 2-input net in the plane's rectangle, by regioncam."""
    import torch

    layers: list[torch.nn.Module] = []
    for i, (w, b) in enumerate(zip(net2.weights, net2.biases)):
        lin = torch.nn.Linear(w.shape[1], w.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.as_tensor(w))
            lin.bias.copy_(torch.as_tensor(b))
        layers += [lin] + ([torch.nn.ReLU()] if i < len(net2.weights) - 1 else [])
    size = float(np.max(pl.hi - pl.lo)) / 2
    rc = regioncam.Regioncam(size=size)  # type: ignore[attr-defined]
    center = torch.as_tensor(pl.center)
    rc.add(torch.nn.Sequential(*layers[:-1]), torch.eye(2, dtype=torch.float64), center)  # hidden layers only
    return int(rc.num_faces)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--sample-segments", type=int, default=100)
    ap.add_argument("--plane", action="store_true")
    args = ap.parse_args()
    net = random_mlp((784, 64, 64, 10), seed=2)
    print(f"cpu cores: {os.cpu_count()}; {net!r}; points uniform in [0, 1]^784")
    bench_exact(net, args.segments)
    bench_sampling(net, args.sample_segments)
    if args.plane:
        bench_plane(net)


if __name__ == "__main__":
    main()
