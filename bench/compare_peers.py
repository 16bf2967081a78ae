"""regionwalk beside exact-region peers, on the same seeded nets and domains, in
one run: counts must agree (a disagreement is flagged in capitals, summed up at
the end and makes the exit status 1); prints times, regions per second and
ratios. Peers are optional benchmark dependencies:

    pip install regioncam relucent     # regioncam: Rust, 2D only; relucent: BFS + Gurobi LPs
    git clone https://github.com/arturs-berzins/relu_edge_subdivision /work/scratch/relu_edge_subdivision
    python bench/compare_peers.py [--relucent-timeout 300] [--relucent-regions 4000] \
        [--edge-subdivision /work/scratch/relu_edge_subdivision] [--edge-timeout 180] \
        [--cases 3-16x3 8-12x2]        # only the cases whose names contain one of these
    python bench/compare_peers.py --skip-relucent --device cuda --edge-device cuda \
        --edge-subdivision /work/scratch/relu_edge_subdivision   # both on a GPU

Edge subdivision (Berzins, ICML 2023) is never installed or imported here: it
runs from the checkout given, in a child process on torch CPU (float64, one
thread; or on --edge-device), with cells counted from its vertices and edges
(`_edge_subdivision_peer.py` says how). Its time is the subdivision alone, best
of 3 when under 5 s; counting the cells is shown apart. regionwalk's own
times are the best of 3-15 runs when under 5 s, of one run above. `--device DEV`
adds regionwalk's complex built with torch on DEV (`enumerate_regions(device=DEV)`;
on the CPU with one torch thread).

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
from _edge_subdivision_peer import (  # bench/, next to this file
    checkout_version,
    run_edge_subdivision,
)
from regionwalk.nets import random_mlp


def _repeats(seconds: float) -> int:
    """Runs to take the best of: one from 5 s on, else 3, or more for short runs
    (up to 15, about a second in all), since a 10 ms run is easily hit by a slow
    spell of the host."""
    if seconds >= 5.0:
        return 1
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


def run_regionwalk(net, half, engine="auto"):
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
            out = rw.count_regions(net, box, threads=threads, engine=engine)
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
    import relucent
    import torch

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


CASES = (  # (name, widths, box half-width); random_mlp seed 0, box [-half, half]^d
    ("2-32x3 box [-1,1]^2", (2, 32, 32, 32, 1), 1.0),
    ("2-64x3 box [-1,1]^2", (2, 64, 64, 64, 1), 1.0),
    ("3-16x3 box [-1,1]^3", (3, 16, 16, 16, 1), 1.0),
    ("4-12x2 box [-1,1]^4", (4, 12, 12, 1), 1.0),
    ("4-16x3 box [-1,1]^4", (4, 16, 16, 16, 1), 1.0),
    ("6-16x2 box [-1,1]^6", (6, 16, 16, 1), 1.0),
    ("8-12x2 box [-1,1]^8", (8, 12, 12, 1), 1.0),
    ("8-16x2 box [-1,1]^8", (8, 16, 16, 1), 1.0),
)
ROW = "{:<22} {:<12} {:>8} {:>9} {:>12} {:>11}"


def _parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="regionwalk beside exact-region peers (module docstring).")
    ap.add_argument("--relucent-timeout", type=float, default=300.0)
    ap.add_argument("--relucent-regions", type=int, default=4000,
                    help="relucent stops after this many regions; larger walks are compared by rate")
    ap.add_argument("--skip-relucent", action="store_true")
    ap.add_argument("--walk-engine", action="store_true",
                    help="also time regionwalk's walk (engine='walk', 1 and 2 threads) beside its default engine")
    ap.add_argument("--device", metavar="DEV", default=None,
                    help="also time regionwalk's complex built with torch on DEV (enumerate_regions(device=DEV))")
    ap.add_argument("--edge-subdivision", metavar="PATH", default=None,
                    help="checkout of github.com/arturs-berzins/relu_edge_subdivision (peer skipped without it)")
    ap.add_argument("--edge-timeout", type=float, default=180.0, help="seconds per net for edge subdivision")
    ap.add_argument("--edge-device", default="cpu", metavar="DEV",
                    help="torch device of edge subdivision (default cpu, one thread; 'cuda' beside --device cuda)")
    ap.add_argument("--edge-memory", type=float, default=8.0, help="address-space limit (GiB) of its child process")
    ap.add_argument("--cases", nargs="+", metavar="TEXT",
                    help="run only the cases whose names contain one of these, e.g. 3-16x3 8-12x2")
    args = ap.parse_args()
    if args.edge_timeout <= 0 or args.edge_memory <= 0:
        ap.error("--edge-timeout and --edge-memory must be > 0")
    return args


def _cases(selected: list[str] | None) -> list[tuple[str, rw.Network, float]]:
    chosen = [c for c in CASES if selected is None or any(t in c[0] for t in selected)]
    if not chosen:
        raise SystemExit(f"--cases {' '.join(selected or [])} matches none of: {', '.join(c[0] for c in CASES)}")
    return [(name, random_mlp(widths, seed=0), half) for name, widths, half in chosen]


def _agree(tool: str, peer: int, ours: int, flags: list[str]) -> str:
    """'' when the counts agree, else a loud note, also kept in `flags`."""
    if peer == ours:
        return ""
    flags.append(f"{tool}: {peer} regions where regionwalk counts {ours}")
    return f"  *** COUNT DIFFERS: {peer} vs regionwalk {ours} ***"


def _edge_row(net: rw.Network, half: float, count: int, secs: float, args: argparse.Namespace,
              flags: list[str]) -> None:
    res, why = run_edge_subdivision(net, half, args.edge_subdivision, args.edge_timeout, args.edge_memory,
                                    args.edge_device)
    tool = "edge subdiv" if args.edge_device == "cpu" else f"edge {args.edge_device}"[:12]
    if res is None:
        bound = f"> {args.edge_timeout / secs:.2f}" if why.startswith("timeout") else ""
        print(ROW.format("", tool, "", "", "", bound) + f"  {why}")
        return
    note = _agree("edge subdivision", res.regions, count, flags)
    if res.by_signs is not None and res.by_signs != res.regions:
        flags.append(f"edge subdivision: {res.regions} cells by lowest vertices, {res.by_signs} by sign vectors")
        note += f"  *** {res.by_signs} CELLS BY SIGN VECTORS ***"
    if res.degenerate:
        note += f"  *** {res.degenerate} vertices without {net.input_dim} zero signs (not generic) ***"
    checked = "; sign vectors agree" if res.by_signs is not None else ""
    note += (f"  (best of {res.runs}; +{res.count_seconds:.3f} s to count{checked}; {res.vertices:,} vertices, "
             f"{res.vertices / res.regions:.1f} per region; peak {res.peak_mib:,.0f} MiB)")
    print(ROW.format("", tool, res.regions, f"{res.seconds:.4f}", f"{res.regions / res.seconds:,.0f}",
                     f"{res.seconds / secs:.2f}") + note)


def _other_rows(net: rw.Network, half: float, count: int, rate: float, args: argparse.Namespace,
                flags: list[str]) -> None:
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
            agree = _agree(tool, pc, count, flags)
        print(ROW.format("", tool, pc, f"{ps:.4f}", f"{pc / ps:,.0f}", f"{rate / (pc / ps):.2f}") + agree)


def _case_rows(name: str, net: rw.Network, half: float, args: argparse.Namespace, flags: list[str]) -> None:
    (count, secs), (count2, secs2) = run_regionwalk(net, half)
    rate = count / secs
    print(ROW.format(name, "regionwalk", count, f"{secs:.4f}", f"{rate:,.0f}", "1.00"))
    agree = _agree("regionwalk, 2 threads", count2, count, flags)
    print(ROW.format("", "rw 2 threads", count2, f"{secs2:.4f}", f"{count2 / secs2:,.0f}", f"{secs / secs2:.2f}")
          + agree)
    if args.walk_engine:
        (count_w, secs_w), (count_w2, secs_w2) = run_regionwalk(net, half, engine="walk")
        agree = _agree("regionwalk's walk", count_w, count, flags)
        print(ROW.format("", "rw walk engine", count_w, f"{secs_w:.4f}", f"{count_w / secs_w:,.0f}",
                         f"{secs_w / secs:.2f}") + agree)
        agree = _agree("regionwalk's walk, 2 threads", count_w2, count, flags)
        print(ROW.format("", "rw walk 2 thr", count_w2, f"{secs_w2:.4f}", f"{count_w2 / secs_w2:,.0f}",
                         f"{secs_w / secs_w2:.2f}") + agree)
    if args.device:
        _device_row(net, half, count, secs, args.device, flags)
    _edge_row(net, half, count, secs, args, flags)
    _other_rows(net, half, count, rate, args, flags)


def _device_row(net: rw.Network, half: float, count: int, secs: float, device: str, flags: list[str]) -> None:
    """The torch complex on `device`: best of several runs (a first, untimed run loads
    the device), its time over the compiled engine's on one thread. On the CPU torch
    runs on one thread too."""
    import torch

    box = rw.Box(np.full(net.input_dim, -half), np.full(net.input_dim, half))
    threads = torch.get_num_threads()
    if torch.device(device).type == "cpu":
        torch.set_num_threads(1)
    try:
        res = rw.enumerate_regions(net, box, store_points=False, device=device)
        res, secs_d = _timed(lambda: rw.enumerate_regions(net, box, store_points=False, device=device))
    finally:
        torch.set_num_threads(threads)
    agree = _agree(f"regionwalk on {device}", res.count, count, flags)
    compiled = rw.enumerate_regions(net, box, store_points=False, threads=1)
    if res.count == count and not np.array_equal(res.packed, compiled.packed):
        flags.append(f"regionwalk on {device}: the same count, other patterns")
        agree += "  *** PATTERNS DIFFER ***"
    if res.device is None:
        agree += f"  (the compiled core answered: {res.engine})"
    print(ROW.format("", f"rw {device}"[:12], res.count, f"{secs_d:.4f}", f"{res.count / secs_d:,.0f}",
                     f"{secs_d / secs:.2f}") + agree)


def _sampling_rows(cases: list[tuple[str, rw.Network, float]]) -> None:
    print(f"\n{'case':<22} {'tool':<12} {'patterns':>8} {'seconds':>9} (2e5 points: a lower bound)")
    for name, net, half in cases:
        box = rw.Box(np.full(net.input_dim, -half), np.full(net.input_dim, half))
        s = rw.sample_patterns(net, box, 200_000)
        print(f"{name:<22} {'sampling':<12} {s.count:>8} {s.seconds:>9.4f}")


def main() -> int:
    args = _parse()
    cases = _cases(args.cases)
    if args.edge_subdivision is not None:
        print(f"edge subdivision: {args.edge_subdivision} at {checkout_version(args.edge_subdivision)}")
    print("last column: regionwalk's speed-up (1 thread) over the tool; for 'rw 2 threads', 2 threads over 1;"
          " for 'rw walk engine', the default engine (1 thread) over the walk; for 'rw walk 2 thr', the walk's 2 threads"
          " over its 1")
    print(ROW.format("case", "tool", "regions", "seconds", "regions/s", "rw speed-up"))
    flags: list[str] = []
    for name, net, half in cases:
        _case_rows(name, net, half, args, flags)
    # Sampling last: torch's worker threads keep spinning for a while after a
    # call and would steal the cores that the walks above are timed on.
    _sampling_rows(cases)
    for flag in flags:
        print(f"*** COUNTS DISAGREE: {flag}")
    return 1 if flags else 0


if __name__ == "__main__":
    raise SystemExit(main())
