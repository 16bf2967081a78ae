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
from regionwalk.nets import random_mlp


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
    pieces, times = [], []
    for start in range(0, segments, batch):
        paths = rng.uniform(0, 1, size=(min(batch, segments - start), 2, 784))
        t = time.perf_counter()
        res = rw.count_along_many(net, paths)
        times.append(time.perf_counter() - t)
        pieces.append(res.pieces)
    p = np.concatenate(pieces)
    seconds = sum(times)
    best = min(times) / min(batch, segments)
    print(f"exact: {segments:,} segments in {seconds:.2f} s ({segments / seconds:,.0f} segments/s, "
          f"{p.sum() / seconds:,.0f} pieces/s; fastest batch of {min(batch, segments):,}: {1 / best:,.0f} "
          f"segments/s); pieces per segment mean {p.mean():.2f}, min {p.min()}, max {p.max()}")
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


def _regioncam_layers(rc: object, net: rw.Network, attr: str = "num_faces") -> int:
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        rc.linear(np.asarray(w.T, dtype=np.float32), np.asarray(b, dtype=np.float32))  # type: ignore[attr-defined]
        if i < len(net.weights) - 1:
            rc.relu()  # type: ignore[attr-defined]
    return int(getattr(rc, attr))


def bench_plane(net: rw.Network, segments: int = 200) -> None:
    """Square planes through data (regioncam draws squares [-s, s]^2), and segments on Regioncam1D."""
    try:
        import regioncam  # type: ignore[import-not-found]
    except ImportError:
        regioncam = None
    rng = np.random.default_rng(1)
    print(f"{'plane':>6} {'regions':>8} {'seconds':>8} {'regioncam':>10} {'rc seconds':>10}")
    for k in range(3):
        x = rng.uniform(0, 1, size=(3, 784))
        through = rw.Plane.through(*x)
        half = 0.6 * float(np.max(through.hi - through.lo))
        pl = rw.Plane(x.mean(axis=0), through.u, through.v, [-half, -half], [half, half])
        t = time.perf_counter()
        res = rw.enumerate_regions(net, pl, store_points=False)
        sec = time.perf_counter() - t
        peer, psec = "n/a", float("nan")
        if regioncam is not None:
            t = time.perf_counter()
            peer = str(_regioncam_layers(regioncam.Regioncam(half), pl.restrict(net)))
            psec = time.perf_counter() - t
        print(f"{k:>6} {res.count:>8,} {sec:>8.3f} {peer:>10} {psec:>10.3f}")
    if regioncam is None:
        return
    paths = rng.uniform(0, 1, size=(segments, 2, 784))
    t = time.perf_counter()
    ours = rw.count_along_many(net, paths).pieces
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    theirs = []
    for x0, x1 in paths:
        length = float(np.linalg.norm(x1 - x0))
        u = (x1 - x0) / length
        w0, b0 = net.weights[0], net.biases[0]
        net1 = rw.Network([w0 @ u[:, None], *net.weights[1:]], [b0 + w0 @ (0.5 * (x0 + x1)), *net.biases[1:]])
        theirs.append(_regioncam_layers(regioncam.Regioncam1D(length), net1, "num_edges"))  # covers [-size/2, size/2]
    t_theirs = time.perf_counter() - t
    same = int(np.sum(np.array(theirs) == ours))
    print(f"segments: count_along equals regioncam's Regioncam1D (float32) on {same}/{segments}; "
          f"largest difference {int(np.max(np.abs(np.array(theirs) - ours)))}; {t_ours:.3f} s "
          f"(count_along_many) vs {t_theirs:.3f} s (Regioncam1D, one segment at a time, restriction included)")


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
