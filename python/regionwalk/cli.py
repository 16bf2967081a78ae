"""The ``regionwalk`` command line: count, bounds, sample, demo."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from regionwalk.domains import Ball, Box, Domain
from regionwalk.network import Network

__all__ = ["main"]


def _add_domain_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--ball", nargs="+", type=float, metavar="C", help="ball centre (with --radius)")
    g.add_argument("--box", nargs="+", type=float, metavar="B", help="box: all lower bounds, then all upper bounds")
    g.add_argument("--all", action="store_true", help="the whole input space")
    p.add_argument("--radius", type=float, help="ball radius")


def _add_walk_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--threads", type=int, default=None, help="worker threads (default: all cores)")
    p.add_argument("--max-regions", type=int, default=None, help="stop after this many regions")
    p.add_argument("--time-limit", type=float, default=None, help="stop after this many seconds")
    p.add_argument("--tol", type=float, default=None, help="absolute margin tolerance (default 1e-9 x domain scale)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--no-progress", action="store_true", help="no progress display on stderr")


def _domain(args: argparse.Namespace, net: Network) -> Domain:
    if args.all:
        return None
    if args.ball is not None:
        if args.radius is None:
            raise ValueError("--ball needs --radius")
        return Ball(args.ball, args.radius)
    if args.radius is not None:
        raise ValueError("--radius goes with --ball")
    vals = np.asarray(args.box)
    if vals.size % 2:
        raise ValueError(f"--box needs 2 x {net.input_dim} numbers (lo... then hi...), got {vals.size}")
    half = vals.size // 2
    return Box(vals[:half], vals[half:])


def _print_table(rows: list[tuple[str, Any]]) -> None:
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


def _cmd_count(args: argparse.Namespace) -> int:
    from regionwalk.io import load_model
    from regionwalk.walk import enumerate_regions

    net = load_model(args.model, input_shape=args.input_shape)
    dom = _domain(args, net)
    res = enumerate_regions(
        net, dom, max_regions=args.max_regions, time_limit=args.time_limit, threads=args.threads,
        tol=args.tol, store_points=False, progress=not (args.no_progress or args.json),
    )
    out = {
        "model": str(args.model),
        "network": repr(net),
        "domain": repr(dom) if dom is not None else "whole space",
        "count": res.count,
        "complete": res.complete,
        "stop_reason": res.stop_reason,
        "seconds": round(res.seconds, 6),
        "regions_per_second": round(res.regions_per_second, 1),
    }
    if args.json:
        print(json.dumps(out))
    else:
        _print_table(list(out.items()))
    return 0


def _cmd_bounds(args: argparse.Namespace) -> int:
    from regionwalk.bounds import validate_bounds
    from regionwalk.io import load_model

    net = load_model(args.model, input_shape=args.input_shape)
    dom = _domain(args, net)
    rows = validate_bounds(net, dom, max_regions=args.max_regions, time_limit=args.time_limit,
                           threads=args.threads, tol=args.tol)
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"{net!r}; domain: {dom!r}" if dom is not None else f"{net!r}; domain: whole space")
    if not rows[0]["complete"]:
        print("(the walk stopped at a limit: 'exact' is a lower bound)")
    print(f"{'bound':<22} {'value':>24} {'ratio':>12} {'seconds':>9}")
    for r in rows:
        value = str(r["value"]) if len(str(r["value"])) <= 24 else f"{float(r['value']):.4e}"
        print(f"{r['bound']:<22} {value:>24} {r['ratio']:>12.4g} {r['seconds']:>9.4f}")
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    from regionwalk.io import load_model
    from regionwalk.sampling import compare_sampling, plot_sampling

    net = load_model(args.model, input_shape=args.input_shape)
    dom = _domain(args, net)
    if dom is None:
        raise ValueError("sampling needs --ball or --box: the whole space has no uniform distribution")
    rows = compare_sampling(net, dom, budgets=args.budgets, device=args.device, seed=args.seed)
    if args.plot:
        plot_sampling(rows, args.plot, title=repr(net))
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"{'budget':>10} {'distinct':>9} {'chao1':>10} {'jack2':>10} {'exact':>8} {'found':>7} {'seconds':>8} {'points/s':>12}")
    for r in rows:
        print(f"{r['budget']:>10} {r['distinct']:>9} {r['chao1']:>10.1f} {r['jackknife2']:>10.1f} {r['exact']:>8} "
              f"{r['fraction_found']:>7.1%} {r['seconds']:>8.3f} {r['points_per_second']:>12,.0f}")
    if args.plot:
        print(f"plot written to {args.plot}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from regionwalk.examples import random_mlp
    from regionwalk.walk import enumerate_regions

    cases = [
        ("2-32-32-32-1, box [-1,1]^2", random_mlp((2, 32, 32, 32, 1), seed=0), Box([-1, -1], [1, 1])),
        ("2-32-32-32-1, ball r=0.5 at (0.3,-0.2)", random_mlp((2, 32, 32, 32, 1), seed=0), Ball([0.3, -0.2], 0.5)),
        ("8-32-32-1, ball r=0.3 at 0", random_mlp((8, 32, 32, 1), seed=1), Ball(np.zeros(8), 0.3)),
        ("4-12-12-1, whole space", random_mlp((4, 12, 12, 1), seed=2), None),
    ]
    results = []
    for name, net, dom in cases:
        t = time.perf_counter()
        res = enumerate_regions(net, dom, threads=args.threads, store_points=False)
        wall = time.perf_counter() - t
        results.append({"case": name, "count": res.count, "complete": res.complete,
                        "seconds": round(wall, 4), "regions_per_second": round(res.count / wall, 1)})
    if args.json:
        print(json.dumps(results))
    else:
        print("regionwalk demo: exact region counts of built-in seeded networks\n")
        print(f"{'case':<42} {'regions':>9} {'seconds':>9} {'regions/s':>11}")
        for r in results:
            print(f"{r['case']:<42} {r['count']:>9} {r['seconds']:>9.3f} {r['regions_per_second']:>11,.0f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regionwalk", description="Exact linear-region counts of ReLU networks.")
    sub = parser.add_subparsers(dest="command", required=True)
    def model_command(name: str, help: str) -> argparse.ArgumentParser:
        # Every model command takes a model file, an optional input shape and a domain.
        p = sub.add_parser(name, help=help)
        p.add_argument("model", help="torch.save file of a module or state dict (weights_only), or .safetensors")
        p.add_argument("--input-shape", nargs="+", type=int, default=None, help="input shape for conv models, e.g. 1 28 28")
        _add_domain_args(p)
        return p

    p = model_command("count", "count the regions of a model in a ball, a box or the whole space")
    _add_walk_args(p)
    p.set_defaults(func=_cmd_count)
    p = model_command("bounds", "analytic upper bounds beside the exact count")
    _add_walk_args(p)
    p.set_defaults(func=_cmd_bounds)
    p = model_command("sample", "sampled pattern counts and estimates against the exact count")
    p.add_argument("--budgets", nargs="+", type=int, default=[1000, 10000, 100000], help="sample sizes")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default=None, help="write a PNG plot here")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_sample)
    p = sub.add_parser("demo", help="count regions of built-in example networks")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input, 130 interrupted)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, TypeError) as exc:
        print(f"regionwalk: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nregionwalk: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
