"""regionwalk beside the exact-region peers that install from PyPI, on the same
seeded nets and domains, in one run: counts must agree; prints times, regions
per second and ratios. Peers are optional benchmark dependencies:

    pip install regioncam relucent     # regioncam: Rust, 2D only; relucent: BFS + Gurobi LPs
    python bench/compare_peers.py [--relucent-timeout 300] [--relucent-regions 4000]

A missing peer is reported, not fatal. Sampling (our own, CPU) is listed for
scale: it finds a lower bound only. relucent manages some 50-100 regions per
second, so on nets with more than --relucent-regions regions it stops there
(its own max_polys) and is compared by rate: regions per second against ours
on the whole walk.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

import numpy as np

import regionwalk as rw
from regionwalk.nets import random_mlp


def _repeats(seconds: float) -> int:
    """Runs to take the best of: 3, or more for short runs (up to 15, about a
    second in all), since a 10 ms run is easily hit by a slow spell of the host."""
    return int(np.clip(np.ceil(1.0 / max(seconds, 1e-9)), 3, 15))


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    best = time.perf_counter() - t
    for _ in range(_repeats(best) - 1):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def run_regionwalk(net, half):
    """Best of several runs on one thread and on two (see `_repeats`), the runs
    interleaved so that a slow spell of this shared machine hits both alike."""
    d = net.input_dim
    box = rw.Box(np.full(d, -half), np.full(d, half))
    best = {1: (None, np.inf), 2: (None, np.inf)}
    rounds = 1
    i = 0
    while i < rounds:
        for threads in (1, 2):
            t = time.perf_counter()
            out = rw.count_regions(net, box, threads=threads)
            secs = time.perf_counter() - t
            if secs < best[threads][1]:
                best[threads] = (out, secs)
        if i == 0:
            rounds = _repeats(best[1][1])
        i += 1
    return best[1], best[2]


def run_regioncam(net, half):
    try:
        import regioncam
    except ImportError:
        return None, "missing (pip install regioncam)"
    if net.input_dim != 2:
        return None, "2D only"

    def go():
        rc = regioncam.Regioncam(half)
        for i, (w, b) in enumerate(zip(net.weights, net.biases)):
            rc.linear(np.asarray(w.T, dtype=np.float32), np.asarray(b, dtype=np.float32))  # regioncam computes in float32
            if i < len(net.weights) - 1:
                rc.relu()
        return rc.num_faces

    return _timed(go)


def _relucent_worker(weights, biases, half, max_polys, queue):
    import os

    # Its worker pool complains (broken pipes) when a timeout ends it: keep that quiet.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    import torch
    import relucent

    layers = []
    for i, (w, b) in enumerate(zip(weights, biases)):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(w))
            lin.bias.copy_(torch.tensor(b))
        layers.append(lin)
        if i < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).double()
    cplx = relucent.Complex(model)
    t = time.perf_counter()
    res = cplx.bfs(start=np.zeros(weights[0].shape[1]), cube_radius=half, cube_mode="intersect", nworkers=2,
                   verbose=0, max_polys=max_polys)
    queue.put((len(cplx), time.perf_counter() - t, str(type(res).__name__)))


def run_relucent(net, half, timeout, max_polys):
    try:
        import relucent  # noqa: F401
    except ImportError:
        return None, "missing (pip install relucent)"
    q: mp.Queue = mp.Queue()
    p = mp.get_context("fork").Process(target=_relucent_worker, args=(net.weights, net.biases, half, max_polys, q))
    p.start()
    p.join(timeout)
    if p.is_alive():
        p.terminate()
        return None, f"timeout > {timeout:.0f} s"
    if q.empty():
        return None, f"failed (exit code {p.exitcode})"
    count, seconds, _ = q.get()
    return (count, seconds)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--relucent-timeout", type=float, default=300.0)
    ap.add_argument("--relucent-regions", type=int, default=4000,
                    help="relucent stops after this many regions; larger walks are compared by rate")
    ap.add_argument("--skip-relucent", action="store_true")
    args = ap.parse_args()
    cases = [
        ("2-32x3 box [-1,1]^2", random_mlp((2, 32, 32, 32, 1), seed=0), 1.0),
        ("2-64x3 box [-1,1]^2", random_mlp((2, 64, 64, 64, 1), seed=0), 1.0),
        ("4-12x2 box [-1,1]^4", random_mlp((4, 12, 12, 1), seed=0), 1.0),
        ("6-16x2 box [-1,1]^6", random_mlp((6, 16, 16, 1), seed=0), 1.0),
        ("8-12x2 box [-1,1]^8", random_mlp((8, 12, 12, 1), seed=0), 1.0),
    ]
    print(f"{'case':<22} {'tool':<12} {'regions':>8} {'seconds':>9} {'regions/s':>12} {'rw speed-up':>11}")
    for name, net, half in cases:
        (count, secs), (count2, secs2) = run_regionwalk(net, half)
        rate = count / secs
        print(f"{name:<22} {'regionwalk':<12} {count:>8} {secs:>9.4f} {rate:>12,.0f} {'1.00':>11}")
        agree = "" if count2 == count else f"  COUNT DIFFERS ({count2} vs {count})"
        print(f"{'':<22} {'rw 2 threads':<12} {count2:>8} {secs2:>9.4f} {count2 / secs2:>12,.0f} "
              f"{secs / secs2:>11.2f}{agree}")
        peers = [("regioncam", run_regioncam(net, half))]
        if not args.skip_relucent:
            cap = args.relucent_regions if count > args.relucent_regions else float("inf")
            peers.append(("relucent", run_relucent(net, half, args.relucent_timeout, cap)))
        for tool, out in peers:
            if out[0] is None:
                print(f"{'':<22} {tool:<12} {out[1]}")
                continue
            pc, ps = out
            if pc < count and tool == "relucent" and pc >= args.relucent_regions:
                agree = f"  stopped at {pc} regions: speed-up by rate"
            else:
                agree = "" if pc == count else f"  COUNT DIFFERS ({pc} vs {count})"
            print(f"{'':<22} {tool:<12} {pc:>8} {ps:>9.4f} {pc / ps:>12,.0f} {rate / (pc / ps):>11.2f}{agree}")
    # Sampling last: torch's worker threads keep spinning for a while after a
    # call and would steal the cores that the walks above are timed on.
    print(f"\n{'case':<22} {'tool':<12} {'patterns':>8} {'seconds':>9} (2e5 points: a lower bound)")
    for name, net, half in cases:
        box = rw.Box(np.full(net.input_dim, -half), np.full(net.input_dim, half))
        s = rw.sample_patterns(net, box, 200_000)
        print(f"{name:<22} {'sampling':<12} {s.count:>8} {s.seconds:>9.4f}")


if __name__ == "__main__":
    main()
