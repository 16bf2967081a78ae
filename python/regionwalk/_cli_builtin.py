"""The ``bounds`` and ``sample`` subcommands (``count`` and ``demo`` live in :mod:`regionwalk.cli`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from regionwalk._cli_common import (
    EXIT_INTERRUPTED,
    add_walk_args,
    build_domain,
    describe_count,
    exit_status,
    load_network,
    positive_int,
    walk_kwargs,
)

__all__ = ["register_bounds", "register_sample"]

ModelCommand = Callable[..., argparse.ArgumentParser]


def _count(args: argparse.Namespace, net: Any, dom: Any) -> tuple[Any, int]:
    """The exact count (None with ``--no-exact``) and the exit status it implies."""
    from regionwalk._cli_common import EXIT_OK
    from regionwalk.walk import Interrupted, enumerate_regions

    if args.no_exact:
        return None, EXIT_OK
    try:
        res = enumerate_regions(net, dom, store_points=False, **walk_kwargs(args))
    except Interrupted as exc:
        return exc.partial, EXIT_INTERRUPTED
    return res, exit_status(res.complete)


def _domain_words(dom: Any) -> str:
    return repr(dom) if dom is not None else "whole space"


# -- bounds ---------------------------------------------------------------------


def _value_text(value: int, width: int = 16) -> str:
    text = f"{value:,}"
    return text if len(text) <= width else f"{float(value):.4e}" if value < 10**300 else f"~10^{len(str(value)) - 1}"


def _print_bounds(rows: list[dict[str, Any]], res: Any) -> None:
    """One row per bound, its description and reference on the line below it."""
    print(f"{'bound':<20} {'value':>16} {'bound/exact':>12} {'seconds':>8}")
    for r in rows:
        if r["bound"] == "exact":
            count = describe_count(res)
            print(f"{'exact':<20} {count:>16} {'1':>12} {r['seconds']:>8.4f}" if len(count) <= 16
                  else f"{'exact':<20} {count}")
            continue
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.4g}" if r["ratio"] < 1e300 else "huge"
        print(f"{r['bound']:<20} {_value_text(r['value']):>16} {ratio:>12} {r['seconds']:>8.4f}")
        print(f"    {r['description']} ({r['reference']})")
    if res is not None and not res.complete:
        print("(the count is a lower bound, so each bound/exact ratio is an upper bound on the true ratio)")


def _cmd_bounds(args: argparse.Namespace) -> int:
    from regionwalk.bounds import bound_rows, plot_bounds

    net = load_network(args)
    dom = build_domain(args, net)
    res, status = _count(args, net, dom)
    rows = bound_rows(net, dom, res)
    if args.plot:
        plot_bounds(rows, args.plot, title=f"{net!r}, {type(dom).__name__ if dom is not None else 'whole space'}")
    if args.json:
        print(json.dumps(rows))
    else:
        print(f"{net!r}; domain: {_domain_words(dom)}")
        _print_bounds(rows, res)
        if args.plot:
            print(f"plot written to {args.plot}")
    sys.stdout.flush()
    return status


def register_bounds(sub: Any, model_command: ModelCommand) -> None:
    """Add ``regionwalk bounds``."""
    p = model_command(sub, "bounds", "analytic upper bounds beside the exact count",
                      "Every applicable analytic upper bound on the region count, each with a one-line "
                      "description and its reference, beside the exact count.")
    add_walk_args(p)
    p.add_argument("--no-exact", action="store_true", help="skip the exact count: bounds only")
    p.add_argument("--plot", metavar="PNG", default=None,
                   help="write a PNG of the bounds against the exact count on a log scale")
    p.set_defaults(func=_cmd_bounds)


# -- sample ---------------------------------------------------------------------


def _exact_text(r: dict[str, Any]) -> str:
    if r["exact"] is None:
        return "-"
    return f"{r['exact']:,}" if r["exact_complete"] else f">={r['exact']:,}"


def _print_sampling(rows: list[dict[str, Any]], res: Any) -> None:
    print(f"{'budget':>10} {'distinct':>9} {'chao1':>10} {'jack2':>10} {'exact':>11} {'found':>7} "
          f"{'seconds':>8} {'points/s':>12}")
    for r in rows:
        found = "-" if r["fraction_found"] is None else f"{r['fraction_found']:.1%}"
        print(f"{r['budget']:>10} {r['distinct']:>9} {r['chao1']:>10.1f} {r['jackknife2']:>10.1f} "
              f"{_exact_text(r):>11} {found:>7} {r['seconds']:>8.3f} {r['points_per_second']:>12,.0f}")
    if res is None:
        print("exact count: skipped (--no-exact)")
    else:
        print(f"exact count: {describe_count(res)}")
        if not res.complete:
            print("(a lower bound: 'found' overstates the fraction of regions the samples hit)")


def _cmd_sample(args: argparse.Namespace) -> int:
    from regionwalk.sampling import compare_sampling, plot_sampling, with_exact

    net = load_network(args)
    dom = build_domain(args, net)
    if dom is None:
        raise ValueError("sampling needs --ball, --box, --center-file or --box-file: the whole space has no "
                         "uniform distribution")
    rows = compare_sampling(net, dom, budgets=args.budgets, device=args.device, seed=args.seed, exact=False)
    res, status = _count(args, net, dom)
    rows = with_exact(rows, res.count if res is not None else None, res.complete if res is not None else None)
    if args.plot:
        plot_sampling(rows, args.plot, title=repr(net))
    if args.json:
        print(json.dumps(rows))
    else:
        _print_sampling(rows, res)
        if args.plot:
            print(f"plot written to {args.plot}")
    sys.stdout.flush()
    return status


def register_sample(sub: Any, model_command: ModelCommand) -> None:
    """Add ``regionwalk sample``."""
    p = model_command(sub, "sample", "sampled pattern counts and estimates against the exact count",
                      "Distinct activation patterns among uniform samples of the domain (a lower bound), "
                      "Chao1 and jackknife estimates, beside the exact count.")
    add_walk_args(p, device_flag=False)  # its --device is the sampler's
    p.add_argument("--budgets", nargs="+", type=positive_int, default=[1000, 10000, 100000], metavar="N",
                   help="numbers of sample points, one table row each (default 1000 10000 100000)")
    p.add_argument("--device", default="cpu", help="torch device of the forward passes: cpu or cuda")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the sampler's random generator: the same seed, device and budgets give the same "
                        "samples (default 0)")
    p.add_argument("--plot", metavar="PNG", default=None, help="write a PNG of the counts against the budget")
    p.add_argument("--no-exact", action="store_true", help="skip the exact count: sampled counts and estimates only")
    p.set_defaults(func=_cmd_sample)
