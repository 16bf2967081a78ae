"""Argument helpers shared by every ``regionwalk`` subcommand.

A subcommand module (``regionwalk.cli_<name>``) builds its parser with
:func:`add_model_args`, :func:`add_domain_args` and :func:`add_walk_args`, and
its handler turns the parsed arguments into objects with :func:`load_network`,
:func:`build_domain` and :func:`walk_kwargs`. Bad input raises ``ValueError``
with a one-line message; ``regionwalk.cli.main`` prints it and exits with
status 2. The names here are stable: other modules import them.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from regionwalk.domains import Ball, Box, Domain
from regionwalk.network import Network

__all__ = [
    "EXIT_OK",
    "EXIT_INCOMPLETE",
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "INT64_MAX",
    "positive_int",
    "positive_float",
    "add_model_args",
    "add_domain_args",
    "add_walk_args",
    "load_network",
    "build_domain",
    "load_vector",
    "walk_kwargs",
    "show_progress",
    "print_table",
    "describe_count",
    "exit_status",
]

EXIT_OK = 0
"""The command finished and every count it printed is exact."""
EXIT_INCOMPLETE = 3
"""The command finished but a count is a lower bound (a limit stopped it, memory ran out, or it is not certified)."""
EXIT_BAD_INPUT = 2
"""Bad arguments, an unreadable or unsupported model file."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (SIGINT): the partial result was printed."""

INT64_MAX = 2**63 - 1

# -- argparse types: one-line errors naming the accepted range ----------------


def positive_int(text: str) -> int:
    """argparse type: a whole number from 1 to 2**63-1; ``1e6`` is read exactly, ``2.5`` is refused
    (never truncated)."""
    from decimal import Decimal, InvalidOperation

    try:
        exact = Decimal(text.strip().replace("_", ""))
        if not exact.is_finite() or exact != exact.to_integral_value():
            raise ValueError
        value = int(exact)
    except (ValueError, InvalidOperation):
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 2**63-1, got {text!r}") from None
    if not 1 <= value <= INT64_MAX:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 2**63-1, got {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


# -- parser builders -----------------------------------------------------------


def add_model_args(p: argparse.ArgumentParser) -> None:
    """The positional model file, ``--input-shape``, ``--activation``, ``--negative-slope``, ``--trust-pickle``."""
    p.add_argument("model", help="torch.save file of a module or a state dict (read with weights_only=True), "
                                 "or .safetensors")
    p.add_argument("--input-shape", nargs="+", type=positive_int, default=None, metavar="N",
                   help="input shape without the batch dimension for conv models, e.g. 1 28 28")
    p.add_argument("--activation", choices=("relu", "leaky_relu"), default=None,
                   help="the activation between layers; required for a state dict (it does not record it), "
                        "checked against the module otherwise")
    p.add_argument("--negative-slope", type=_finite_float, default=None, metavar="S",
                   help="LeakyReLU slope for negative inputs, with --activation leaky_relu (default 0.01, torch's)")
    p.add_argument("--trust-pickle", action="store_true",
                   help="WARNING: runs code stored in the file. Load it with torch.load(weights_only=False), "
                        "needed for modules of your own classes; only for files you made yourself")


def add_domain_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    """One of ``--ball C.. --radius R``, ``--box LO.. HI..``, ``--all``, ``--center-file F`` (with
    ``--radius`` or ``--half-width``) or ``--box-file F``."""
    g = p.add_mutually_exclusive_group(required=required)
    g.add_argument("--ball", nargs="+", type=_finite_float, metavar="C",
                   help="ball centre (with --radius); one number: that value in every input")
    g.add_argument("--box", nargs="+", type=_finite_float, metavar="B",
                   help="box: all lower bounds, then all upper bounds; two numbers LO HI: [LO, HI] in every input")
    g.add_argument("--all", action="store_true", help="the whole input space")
    g.add_argument("--center-file", metavar="FILE",
                   help="centre read from .npy, .pt or .txt (any shape, flattened): a ball with --radius, "
                        "or the box centre +- --half-width")
    g.add_argument("--box-file", metavar="FILE",
                   help="box corners from .npy, .pt or .txt: two rows (lower, upper) or lower then upper flattened")
    p.add_argument("--radius", type=positive_float, help="ball radius (with --ball or --center-file)")
    p.add_argument("--half-width", type=positive_float, metavar="H",
                   help="box half side around --center-file: the box [c - H, c + H]")


def add_walk_args(p: argparse.ArgumentParser, json_flag: bool = True, device_flag: bool = True) -> None:
    """``--threads --max-regions --time-limit --tol --engine --device --quiet`` (``--json`` unless
    ``json_flag=False``, ``--device`` unless ``device_flag=False``)."""
    p.add_argument("--threads", type=positive_int, default=None, metavar="N",
                   help="worker threads (default: all cores); results do not depend on it")
    p.add_argument("--max-regions", type=positive_int, default=None, metavar="N",
                   help="stop after this many regions (the count is then a lower bound)")
    p.add_argument("--time-limit", type=positive_float, default=None, metavar="SEC",
                   help="stop after this many seconds (the count is then a lower bound)")
    p.add_argument("--tol", type=positive_float, default=None,
                   help="absolute margin tolerance, below the domain's scale (default 1e-9 x scale)")
    p.add_argument("--engine", choices=("auto", "walk"), default="auto",
                   help="boxes of 3-8 inputs: 'auto' cuts the whole complex first (faster; no partial count on "
                        "Ctrl-C, progress shows 0 until it is done), 'walk' walks region by region")
    if device_flag:
        p.add_argument("--device", dest="walk_device", default=None, metavar="DEV",
                       help="with --engine auto: build a box's complex with torch on this device ('cuda', "
                            "'cuda:1'); default: the compiled core on the CPU")
    if json_flag:
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout instead of a table")
    p.add_argument("-q", "--quiet", "--no-progress", dest="quiet", action="store_true",
                   help="no progress line on stderr (there is none anyway when stderr is not a terminal)")


# -- turning arguments into objects --------------------------------------------


def load_network(args: argparse.Namespace) -> Network:
    """The network of ``args.model`` (see :func:`regionwalk.io.load_model`); ``ValueError`` on failure."""
    from regionwalk.io import load_model

    return load_model(
        args.model,
        input_shape=getattr(args, "input_shape", None),
        activation=getattr(args, "activation", None),
        negative_slope=getattr(args, "negative_slope", None),
        trust_pickle=bool(getattr(args, "trust_pickle", False)),
    )


def load_vector(path: str | Path, what: str) -> np.ndarray:
    """A float64 vector from ``.npy``, ``.pt``/``.pth`` (a tensor or array) or text (``np.loadtxt``), flattened."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"{what}: file not found: {p}")
    suffix = p.suffix.lower()
    try:
        if suffix == ".npy":
            raw: Any = np.load(p, allow_pickle=False)
        elif suffix in (".pt", ".pth"):
            import torch

            raw = torch.load(p, weights_only=True, map_location="cpu")
            raw = raw.detach().cpu().double().numpy() if isinstance(raw, torch.Tensor) else raw
        else:
            raw = np.loadtxt(p, dtype=np.float64, ndmin=1)
        vec = np.asarray(raw, dtype=np.float64).reshape(-1)
    except Exception as exc:
        raise ValueError(f"{what}: cannot read numbers from {p} ({exc.__class__.__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
    if vec.size == 0 or not np.all(np.isfinite(vec)):
        raise ValueError(f"{what}: {p} must hold finite numbers, got {vec.size} value(s) with NaN/inf or none")
    return vec


def _check_dim(vec: np.ndarray, net: Network, what: str) -> None:
    if vec.size != net.input_dim:
        raise ValueError(f"{what} has {vec.size} numbers but the network's input dimension is {net.input_dim}")


def build_domain(args: argparse.Namespace, net: Network) -> Domain:
    """The domain of ``args`` for ``net``: a ``Ball``, a ``Box`` or ``None`` (``--all``)."""
    radius, half = getattr(args, "radius", None), getattr(args, "half_width", None)
    center_file, box_file = getattr(args, "center_file", None), getattr(args, "box_file", None)
    if getattr(args, "all", False) or (args.ball is None and args.box is None and not center_file and not box_file):
        if radius is not None or half is not None:
            raise ValueError("--radius and --half-width go with --ball or --center-file")
        return None
    if center_file:
        c = load_vector(center_file, "--center-file")
        _check_dim(c, net, "--center-file")
        if (radius is None) == (half is None):
            raise ValueError("--center-file needs exactly one of --radius (a ball) or --half-width (a box)")
        return Ball(c, radius) if radius is not None else Box(c - half, c + half)
    if half is not None:
        raise ValueError("--half-width goes with --center-file")
    if args.ball is not None:
        if radius is None:
            raise ValueError("--ball needs --radius")
        c = np.asarray(args.ball, dtype=np.float64)
        if c.size == 1:
            c = np.full(net.input_dim, c[0])
        _check_dim(c, net, "--ball")
        return Ball(c, radius)
    if radius is not None:
        raise ValueError("--radius goes with --ball or --center-file")
    vals = load_vector(box_file, "--box-file") if box_file else np.asarray(args.box, dtype=np.float64)
    flag = "--box-file" if box_file else "--box"
    if not box_file and vals.size == 2:
        vals = np.repeat(vals, net.input_dim)  # LO HI: the same interval in every input
    if vals.size != 2 * net.input_dim:
        also = "" if box_file else " or 2 (LO HI for every input)"
        raise ValueError(f"{flag} needs 2 x {net.input_dim} numbers (all lower bounds, then all upper bounds){also}, "
                         f"got {vals.size}")
    half_n = vals.size // 2
    return Box(vals[:half_n], vals[half_n:])


def show_progress(args: argparse.Namespace) -> bool:
    """True when a progress line belongs on stderr: not ``--quiet`` and stderr is a terminal."""
    if getattr(args, "quiet", False):
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def walk_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of :func:`regionwalk.enumerate_regions` from the walk arguments."""
    return {
        "max_regions": getattr(args, "max_regions", None),
        "time_limit": getattr(args, "time_limit", None),
        "threads": getattr(args, "threads", None),
        "tol": getattr(args, "tol", None),
        "engine": getattr(args, "engine", "auto"),
        "device": getattr(args, "walk_device", None),
        "progress": show_progress(args),
    }


# -- output --------------------------------------------------------------------


def print_table(rows: list[tuple[str, Any]]) -> None:
    """Print ``key  value`` lines with the keys aligned."""
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


_STOP_WORDS = {
    "max_regions": "stopped at --max-regions",
    "time_limit": "stopped at the time limit",
    "interrupted": "interrupted",
    "memory": "out of memory",
}


def describe_count(res: Any) -> str:
    """The count in words: ``"1,234"`` when exact, ``"at least 1,234 (stopped at the time limit)"`` if not.

    ``res`` is a :class:`regionwalk.Regions` (uses ``count``, ``complete``,
    ``stop_reason``, ``certified`` and ``stats``).
    """
    count = f"{res.count:,}"
    if res.complete:
        return count
    if res.stop_reason != "complete":
        return f"at least {count} ({_STOP_WORDS.get(res.stop_reason, res.stop_reason)})"
    stats = res.stats
    hint = "; a smaller --tol may certify it" if stats.get("witness_failures", 0) else ""
    return (f"{count}, not certified ({stats.get('undecided', 0)} facet test(s) hit an LP limit, "
            f"{stats.get('witness_failures', 0)} crossing(s) failed to land: the count may be off{hint})")


def exit_status(complete: bool) -> int:
    """``EXIT_OK`` for an exact count, ``EXIT_INCOMPLETE`` for a lower bound or an uncertified count."""
    return EXIT_OK if complete else EXIT_INCOMPLETE
