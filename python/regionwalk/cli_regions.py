"""``regionwalk regions``: every region of a domain with per-region measures.

``regionwalk regions MODEL --box/--ball/--all --measures rank,slope,inradius,volume
--out regions.npz [--plot hist.png]`` walks the domain, computes the measures of
every region (:mod:`regionwalk.geometry`) and prints a summary: a histogram of
the integer measures (rank, rank bound), percentiles of the others.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from regionwalk._cli_common import (
    EXIT_INTERRUPTED,
    add_domain_args,
    add_model_args,
    add_walk_args,
    build_domain,
    describe_count,
    exit_status,
    load_network,
    print_table,
    walk_kwargs,
)

__all__ = ["register", "summarize"]

DESCRIPTION = """\
Enumerate every region of the domain and compute per-region measures, in
batches from the activation patterns: rank and rank_bound (Johansson's
min(n_0, n_out, active neurons per layer)) of the local map W_R, its slopes
slope (p = 2, the largest singular value), slope_1, slope_inf, sigma_min,
singular_values, active (active neurons per layer; summed in the summary), inradius (largest ball inside region and
domain, one LP per region) and volume (exact for boxes in d <= 6, one convex
hull per region). --out writes patterns, witness points and the measures to a
.npz; --plot draws their histograms."""

INTEGER_MEASURES = ("rank", "rank_bound", "active")
PERCENTILES = (0, 5, 25, 50, 75, 95, 100)


def _measures_arg(text: str) -> tuple[str, ...]:
    from regionwalk.geometry import check_measures

    try:
        return check_measures(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(subparsers: Any) -> None:
    """Add the ``regions`` subcommand."""
    from regionwalk.cli import EPILOG

    p = subparsers.add_parser("regions", help="every region of a domain with per-region measures",
                              description=DESCRIPTION, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_args(p)
    add_domain_args(p)
    p.add_argument("--measures", type=_measures_arg, default=("rank", "slope"), metavar="M1,M2",
                   help="comma-separated names (default rank,slope); see the description")
    p.add_argument("--out", metavar="FILE.npz", help="write packed patterns, points and measures")
    p.add_argument("--plot", metavar="FILE.png", help="histograms of the measures (needs matplotlib)")
    add_walk_args(p)
    p.set_defaults(func=_cmd_regions)


def _scalar(name: str, values: Any) -> np.ndarray:
    """One number per region: active neurons summed over layers, the largest singular value."""
    v = np.asarray(values, dtype=float)
    if v.ndim > 1:
        v = v.sum(axis=1) if name == "active" else (v[:, 0] if v.shape[1] else np.zeros(len(v)))
    return v


def _describe(name: str, values: np.ndarray) -> dict[str, Any]:
    v = _scalar(name, values)
    if name in INTEGER_MEASURES:
        keys, counts = np.unique(v.astype(np.int64), return_counts=True)
        return {"histogram": {str(k): int(c) for k, c in zip(keys, counts)}}
    finite = v[np.isfinite(v)]
    out: dict[str, Any] = {f"p{q}": float(np.percentile(finite, q)) for q in PERCENTILES} if finite.size else {}
    out["mean"] = float(finite.mean()) if finite.size else float("nan")
    out["nan"], out["inf"] = int(np.isnan(v).sum()), int(np.isinf(v).sum())
    return out


def summarize(res: Any, seconds_measures: float) -> dict[str, Any]:
    """The summary printed by ``regionwalk regions`` (also its ``--json`` document)."""
    out: dict[str, Any] = {
        "count": res.count, "complete": res.complete, "stop_reason": res.stop_reason,
        "walk_seconds": round(res.seconds, 4), "measure_seconds": round(seconds_measures, 4),
    }
    out["measures"] = {name: _describe(name, vals) for name, vals in res.measures.items()}
    return out


def _table(res: Any, summary: dict[str, Any]) -> None:
    rows: list[tuple[str, Any]] = [("count", describe_count(res)), ("walk seconds", summary["walk_seconds"]),
                                   ("measure seconds", summary["measure_seconds"])]
    print_table(rows)
    for name, desc in summary["measures"].items():
        print(f"\n{name}")
        if "histogram" in desc:
            total = max(1, sum(desc["histogram"].values()))
            for k, c in desc["histogram"].items():
                print(f"  {k:>4}  {c:>10,}  {100.0 * c / total:6.2f} %  {'#' * int(round(40 * c / total))}")
            continue
        pct = "  ".join(f"p{q}={desc[f'p{q}']:.4g}" for q in PERCENTILES if f"p{q}" in desc)
        extra = "".join(f"  {k}={desc[k]}" for k in ("nan", "inf") if desc[k])
        print(f"  {pct}  mean={desc['mean']:.4g}{extra}")


def _plot(path: str, res: Any) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ValueError("--plot needs matplotlib: pip install matplotlib") from None
    names = list(res.measures)
    fig, axes = plt.subplots(1, max(1, len(names)), figsize=(4 * max(1, len(names)), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        v = _scalar(name, res.measures[name])
        v = v[np.isfinite(v)]
        if name in INTEGER_MEASURES and v.size:
            ax.hist(v, bins=np.arange(v.min() - 0.5, v.max() + 1.5))
        else:
            ax.hist(v, bins=50)
        ax.set_title(name)
        ax.set_xlabel(name)
        ax.set_ylabel("regions")
    fig.suptitle(f"{res.count:,} regions")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _save(path: str, res: Any) -> None:
    arrays: dict[str, Any] = {"packed": res.packed, "neurons": np.int64(res.neurons),
                              "complete": np.bool_(res.complete)}
    if res.points is not None:
        arrays["points"] = res.points
    for name, vals in res.measures.items():
        arrays[name] = vals
    np.savez(Path(path), **arrays)


def _cmd_regions(args: argparse.Namespace) -> int:
    import time

    from regionwalk.geometry import with_measures
    from regionwalk.walk import Interrupted, enumerate_regions

    if args.out and not str(args.out).lower().endswith(".npz"):
        raise ValueError(f"--out must name a .npz file, got {args.out}")
    net = load_network(args)
    dom = build_domain(args, net)
    try:
        res = enumerate_regions(net, dom, **walk_kwargs(args))
        status = exit_status(res.complete)
    except Interrupted as exc:
        res, status = exc.partial, EXIT_INTERRUPTED
    start = time.perf_counter()
    res = with_measures(res, args.measures)
    summary = summarize(res, time.perf_counter() - start)
    if args.out:
        _save(args.out, res)
        summary["out"] = str(args.out)
    if args.plot:
        _plot(args.plot, res)
        summary["plot"] = str(args.plot)
    if args.json:
        print(json.dumps(summary))
    else:
        _table(res, summary)
    return status
