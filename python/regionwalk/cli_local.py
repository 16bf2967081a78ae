"""``regionwalk local``: exact region counts in a ball around every point of a file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from regionwalk._cli_common import (
    EXIT_INTERRUPTED,
    add_model_args,
    add_walk_args,
    exit_status,
    load_network,
    load_vector,
    positive_float,
    print_table,
    show_progress,
)
from regionwalk.network import Network

__all__ = ["register", "load_points"]

DESCRIPTION = """\
Count, exactly, the regions in the L2 ball of --radius around each point of
--points (one point per row), beside the margin at each point (Lee's L2
radius: no walk where the ball fits inside its region), the local analytic
bound and, with --samples K, distinct patterns among K samples per ball.
--max-regions and --time-limit apply to each ball. --out writes the counts
(.npy) or every per-point array (.npz: counts, complete, margins, radii,
walked, bounds as float64 and exactly as decimal strings, sampled)."""


def _nonnegative_int(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text}")
    return value


def register(subparsers: Any) -> None:
    """Add the ``local`` subcommand."""
    from regionwalk.cli import EPILOG

    p = subparsers.add_parser("local", help="exact region counts in a ball around every point of a file",
                              description=DESCRIPTION, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_args(p)
    p.add_argument("--points", required=True, metavar="FILE",
                   help=".npy, .pt or .txt: the points, shape (n, d) or (n, *input_shape)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--radius", type=positive_float, help="one radius for every ball")
    g.add_argument("--radii", metavar="FILE", help="one radius per point (.npy, .pt or .txt)")
    p.add_argument("--out", metavar="FILE", help="write counts.npy, or all per-point arrays to a .npz")
    p.add_argument("--samples", type=_nonnegative_int, default=0, metavar="K",
                   help="also count distinct patterns among K uniform samples per ball")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampling")
    p.add_argument("--backend", choices=("threads", "ray"), default="threads",
                   help="walk the balls on a thread pool here (default) or in Ray tasks")
    p.add_argument("--address", default=None, help="with --backend ray: the Ray cluster to join")
    add_walk_args(p, device_flag=False)
    p.set_defaults(func=_cmd_local)


def load_points(path: str | Path, net: Network) -> np.ndarray:
    """Points from ``.npy``, ``.pt``/``.pth`` or text, as an ``(n, d)`` float64 array.

    A file holding one point of ``d`` numbers is one row; any other array's first
    axis counts the points and the rest is flattened (images ``(n, 1, 28, 28)``).
    """
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"--points: file not found: {p}")
    try:
        if p.suffix.lower() == ".npy":
            raw: Any = np.load(p, allow_pickle=False)
        elif p.suffix.lower() in (".pt", ".pth"):
            import torch

            raw = torch.load(p, weights_only=True, map_location="cpu")
            raw = raw.detach().double().numpy() if isinstance(raw, torch.Tensor) else raw
        else:
            raw = np.loadtxt(p, dtype=np.float64, ndmin=2)
        x = np.asarray(raw, dtype=np.float64)
    except Exception as exc:
        raise ValueError(f"--points: cannot read numbers from {p} ({exc.__class__.__name__})") from None
    d = net.input_dim
    if x.ndim == 1 and x.size == d:
        x = x[None, :]
    if x.ndim < 2 or x[0].size != d:
        raise ValueError(f"--points: {p} holds an array of shape {x.shape}; the network takes {d} inputs "
                         f"per point: give (n, {d}) or (n, *input_shape)")
    return x.reshape(len(x), d)


def _save(path: str, lc: Any) -> None:
    out = Path(path)
    if out.suffix.lower() == ".npz":
        arrays = {"counts": lc.counts, "complete": lc.complete, "margins": lc.margins, "radii": lc.radii,
                  "walked": lc.walked, "bounds": lc.bounds.astype(float),
                  "bounds_exact": np.array([str(b) for b in lc.bounds])}
        if lc.sampled is not None:
            arrays["sampled"] = lc.sampled
        np.savez(out, **arrays)
    else:
        np.save(out, lc.counts)


def _summary(args: argparse.Namespace, lc: Any, interrupted: bool) -> dict[str, Any]:
    counts = lc.counts
    out: dict[str, Any] = {
        "model": str(args.model), "points": len(counts),
        "radius": float(lc.radii[0]) if args.radius is not None else "per point",
        "mean_count": float(counts.mean()) if len(counts) else 0.0,
        "median_count": float(np.median(counts)) if len(counts) else 0.0,
        "max_count": int(counts.max(initial=0)),
        "single_region": int(np.sum(counts == 1)), "walked": int(np.sum(lc.walked)),
        "incomplete": int(np.sum(~lc.complete)),
        "mean_bound": float(np.mean(lc.bounds.astype(float))) if len(counts) else 0.0,
        "seconds": round(lc.seconds, 4), "balls_per_second": round(lc.balls_per_second, 1),
    }
    if lc.sampled is not None:
        out["mean_sampled"] = float(lc.sampled.mean()) if len(counts) else 0.0
    if interrupted:
        out["interrupted"] = True
    if args.out:
        out["out"] = str(args.out)
    return out


def _cmd_local(args: argparse.Namespace) -> int:
    from regionwalk.local import LocalInterrupted, local_counts

    net = load_network(args)
    x = load_points(args.points, net)
    radius: Any = args.radius if args.radius is not None else load_vector(args.radii, "--radii")
    interrupted = False
    try:
        lc = local_counts(net, x, radius, threads=args.threads, time_limit=args.time_limit,
                          max_regions=args.max_regions, samples=args.samples, seed=args.seed, tol=args.tol,
                          backend=args.backend, address=args.address, progress=show_progress(args))
    except LocalInterrupted as exc:
        lc, interrupted = exc.partial, True
    if args.out:
        _save(args.out, lc)
    summary = _summary(args, lc, interrupted)
    if args.json:
        print(json.dumps(summary))
    else:
        print_table([(k.replace("_", " "), v) for k, v in summary.items()])
        if summary["incomplete"]:
            print(f"{summary['incomplete']} count(s) are lower bounds (a per-ball limit or Ctrl-C stopped them)")
    return EXIT_INTERRUPTED if interrupted else exit_status(bool(np.all(lc.complete)))
