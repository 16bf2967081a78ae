"""The ``regionwalk`` command line: count, bounds, sample, demo, and the
subcommands of the modules listed in ``_SUBCOMMAND_MODULES``."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from regionwalk._cli_common import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    add_domain_args,
    add_model_args,
    add_walk_args,
    build_domain,
    describe_count,
    exit_status,
    load_network,
    positive_int,
    print_table,
    walk_kwargs,
)
from regionwalk.domains import Ball, Box, Domain

__all__ = ["main", "build_parser"]

_SUBCOMMAND_MODULES = ("regionwalk.cli_regions", "regionwalk.cli_plot", "regionwalk.cli_local")
"""Modules exposing ``register(subparsers)``; one not written yet is skipped."""

EPILOG = """\
exit status:
  0    done; every count printed is exact
  2    bad arguments, or a model file that cannot be read or is not supported
  3    done, but a count is only a lower bound: --max-regions or --time-limit
       stopped the walk, memory ran out, or the count is not certified
  130  interrupted by Ctrl-C; what was found so far is printed first
"""


def _domain_words(dom: Any) -> str:
    return repr(dom) if dom is not None else "whole space"


def _count_output(args: argparse.Namespace, net: Any, dom: Any, res: Any) -> None:
    out = {
        "model": str(args.model),
        "network": repr(net),
        "domain": _domain_words(dom),
        "count": res.count,
        "complete": res.complete,
        "certified": res.certified,
        "stop_reason": res.stop_reason,
        "engine": res.engine,
        "seconds": round(res.seconds, 6),
        "regions_per_second": round(res.regions_per_second, 1),
    }
    if args.json:
        print(json.dumps(out), flush=True)
        return
    rows = list(out.items())
    rows[3] = ("count", describe_count(res))
    print_table(rows)
    sys.stdout.flush()


def _cmd_count(args: argparse.Namespace) -> int:
    from regionwalk._cli_scale import scale_kwargs
    from regionwalk.walk import Interrupted, enumerate_regions

    net = load_network(args)
    dom = build_domain(args, net)
    try:
        res = enumerate_regions(net, dom, store_points=False, **walk_kwargs(args), **scale_kwargs(args))
        status = exit_status(res.complete)
    except Interrupted as exc:
        res, status = exc.partial, EXIT_INTERRUPTED
    _count_output(args, net, dom, res)
    return status


def _cmd_demo(args: argparse.Namespace) -> int:
    from regionwalk.nets import random_mlp
    from regionwalk.walk import enumerate_regions

    cases: list[tuple[str, Any, Domain]] = [
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
    return exit_status(all(r["complete"] for r in results))


def model_command(sub: Any, name: str, help: str, description: str | None = None) -> argparse.ArgumentParser:
    """A subparser taking a model file and a domain (the exit-status epilog included)."""
    p = sub.add_parser(name, help=help, description=description or help, epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_args(p)
    add_domain_args(p)
    return p


def _register_builtin(sub: Any) -> None:
    from regionwalk import _cli_builtin as cli_builtin

    p = model_command(sub, "count", "count the regions of a model in a ball, a box or the whole space")
    add_walk_args(p)
    from regionwalk._cli_scale import add_scale_args

    add_scale_args(p)
    p.set_defaults(func=_cmd_count)
    cli_builtin.register_bounds(sub, model_command)
    cli_builtin.register_sample(sub, model_command)
    p = sub.add_parser("demo", help="count regions of built-in example networks", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=positive_int, default=None, help="worker threads (default: all cores)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout instead of a table")
    p.set_defaults(func=_cmd_demo)


def _register_plugins(sub: Any) -> None:
    for name in _SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # not written yet
            raise
        module.register(sub)


def build_parser() -> argparse.ArgumentParser:
    """The full parser: built-in commands, then those of ``_SUBCOMMAND_MODULES``."""
    parser = argparse.ArgumentParser(prog="regionwalk", description="Exact linear-region counts of ReLU networks.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    _register_builtin(sub)
    _register_plugins(sub)
    return parser


def _run(args: argparse.Namespace) -> int:
    from regionwalk.walk import IncompleteWarning, Interrupted

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IncompleteWarning)  # the output says it in words
            return int(args.func(args))
    except Interrupted as exc:
        print(f"\nregionwalk: interrupted after {exc.partial.count:,} regions", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("\nregionwalk: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValueError, TypeError) as exc:
        print(f"regionwalk: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (see ``EPILOG``: 0 exact, 2 bad input,
    3 lower bound only, 130 interrupted)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed by argparse
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    return _run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
