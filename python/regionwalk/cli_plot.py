"""``regionwalk plot``: a picture of the regions on a plane through three points (or a 2-input box/ball)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from regionwalk._cli_common import (
    add_domain_args,
    add_model_args,
    add_walk_args,
    build_domain,
    describe_count,
    exit_status,
    load_network,
    load_vector,
    positive_float,
    print_table,
    walk_kwargs,
)

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``plot`` subcommand."""
    p = subparsers.add_parser(
        "plot", help="draw the regions on a plane through three points, or in a box/ball of a 2-input model",
        description="Draw the exact regions of a model on a 2-D piece of its input space: the plane through "
                    "three points (--plane-through, any input dimension) or a --box/--ball of a 2-input model.")
    add_model_args(p)
    p.add_argument("--plane-through", nargs=3, metavar=("A", "B", "C"), default=None,
                   help="three input points (.npy, .pt or .txt, any shape, flattened): the plane through them, "
                        "drawn in orthonormal plane coordinates with A at the origin")
    p.add_argument("--margin", type=float, default=0.2,
                   help="with --plane-through: grow the points' bounding box by this fraction of its larger side "
                        "(default 0.2)")
    add_domain_args(p, required=False)
    p.add_argument("--color-by", choices=("pattern", "rank", "output", "class"), default="pattern",
                   help="fill colour: one per region (default), Jacobian rank, output value, or class (argmax)")
    p.add_argument("--output-index", type=int, default=0, help="the output drawn by --color-by output")
    p.add_argument("--out", default=None, help="picture file, its format from the suffix (default regions.png, "
                                              "or regions.svg with --svg)")
    p.add_argument("--svg", action="store_true", help="write SVG (vector graphics): to --out if it ends in .svg, "
                                                     "else beside it with the suffix .svg")
    p.add_argument("--dpi", type=positive_float, default=150.0, help="resolution of a PNG (default 150)")
    add_walk_args(p)
    p.set_defaults(func=_cmd_plot)


def _domain(args: argparse.Namespace, net: Any) -> tuple[Any, np.ndarray | None]:
    """The plane or 2-D domain, and the points to mark."""
    from regionwalk.plane import Plane

    has_domain = any(getattr(args, k, None) for k in ("ball", "box", "all", "center_file", "box_file"))
    if args.plane_through is not None:
        if has_domain:
            raise ValueError("--plane-through goes without --box, --ball, --all, --center-file or --box-file")
        pts = [load_vector(f, "--plane-through") for f in args.plane_through]
        for f, x in zip(args.plane_through, pts):
            if x.size != net.input_dim:
                raise ValueError(f"--plane-through: {f} has {x.size} numbers but the model takes {net.input_dim} inputs")
        if not (np.isfinite(args.margin) and args.margin >= 0):
            raise ValueError(f"--margin must be a finite number >= 0, got {args.margin}")
        return Plane.through(pts[0], pts[1], pts[2], margin=args.margin), np.stack(pts)
    if not has_domain:
        raise ValueError("plot needs --plane-through A B C, or --box/--ball for a model with 2 inputs")
    if net.input_dim != 2:
        raise ValueError(f"--box/--ball draw 2-input models; this one takes {net.input_dim} inputs: "
                         "use --plane-through A B C")
    dom = build_domain(args, net)
    if dom is None:
        raise ValueError("--all has unbounded regions: give a --box or --ball to draw")
    return dom, None


def _cmd_plot(args: argparse.Namespace) -> int:
    from regionwalk.plotting import plot_regions
    from regionwalk.walk import enumerate_regions

    net = load_network(args)
    dom, marks = _domain(args, net)
    out = Path(args.out) if args.out else Path("regions.svg" if args.svg else "regions.png")
    res = enumerate_regions(net, dom, **walk_kwargs(args))
    ax = plot_regions(res, color_by=args.color_by, points=marks, output_index=args.output_index)
    ax.set_title(f"{Path(args.model).name}: {describe_count(res)} regions")
    # --out's suffix picks the format; --svg with a raster --out writes the SVG beside it too.
    files = [out] if out.suffix.lower() == ".svg" or not args.svg else [out, out.with_suffix(".svg")]
    for f in files:
        fmt = "svg" if f.suffix.lower() == ".svg" else (f.suffix.lstrip(".").lower() or "png")
        ax.figure.savefig(f, format=fmt, dpi=args.dpi, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(ax.figure)
    summary = {"model": str(args.model), "network": repr(net), "domain": repr(dom), "count": res.count,
               "complete": res.complete, "color_by": args.color_by, "out": ", ".join(map(str, files))}
    if args.json:
        print(json.dumps(summary))
    else:
        print_table([(k, v) for k, v in summary.items()])
    return exit_status(res.complete)
