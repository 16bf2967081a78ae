"""Command-line options of walks that outgrow one machine or one sitting:
``--checkpoint``, ``--checkpoint-every``, ``--resume``, ``--max-memory``,
``--backend``, ``--address`` (used by ``regionwalk count``)."""

from __future__ import annotations

import argparse
from typing import Any

from regionwalk._cli_common import positive_float

__all__ = ["add_scale_args", "scale_kwargs"]


def _memory(text: str) -> int:
    from regionwalk.memory import parse_memory

    try:
        return parse_memory(text, "--max-memory")
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("--max-memory must be", "must be")) from None


def add_scale_args(p: argparse.ArgumentParser) -> None:
    """Add the checkpoint, memory and backend options to a walking subcommand."""
    g = p.add_argument_group("long walks")
    g.add_argument("--checkpoint", metavar="FILE", default=None,
                   help="keep the walk's state in FILE (e.g. walk.rwck), rewritten atomically every "
                        "--checkpoint-every seconds, on Ctrl-C and at the end")
    g.add_argument("--checkpoint-every", type=positive_float, default=60.0, metavar="SEC",
                   help="seconds between checkpoints (default 60)")
    g.add_argument("--resume", metavar="FILE", default=None,
                   help="continue the walk kept in FILE (same model, domain and --tol); with --checkpoint FILE "
                        "too it keeps checkpointing, and a FILE not written yet starts the walk afresh")
    g.add_argument("--max-memory", type=_memory, default=None, metavar="SIZE",
                   help="stop before the walk holds about SIZE (e.g. 4GiB, 500MB, or bytes): the count is "
                        "then a lower bound")
    g.add_argument("--backend", choices=("local", "ray"), default="local",
                   help="local threads (default) or Ray tasks (pip install 'regionwalk[ray]')")
    g.add_argument("--address", default=None, metavar="ADDR",
                   help="with --backend ray: the cluster to join ('auto', 'ray://host:10001'); "
                        "default: a local Ray runtime with --threads CPUs")


def scale_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of :func:`regionwalk.enumerate_regions` from these options; a
    ``ValueError`` when Ray is asked for but not installed, or ``--address`` lacks ``--backend ray``."""
    backend = getattr(args, "backend", "local")
    if getattr(args, "address", None) is not None and backend != "ray":
        raise ValueError("--address goes with --backend ray")
    if backend == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ValueError("--backend ray needs Ray, which is not installed: pip install 'regionwalk[ray]'") from None
    return {
        "checkpoint": getattr(args, "checkpoint", None),
        "checkpoint_every": getattr(args, "checkpoint_every", 60.0),
        "resume": getattr(args, "resume", None),
        "max_memory": getattr(args, "max_memory", None),
        "backend": backend,
        "address": getattr(args, "address", None),
    }
