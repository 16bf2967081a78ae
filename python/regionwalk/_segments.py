"""Walks that outlive one sitting: the local walk in segments with checkpoints, and the
choice of backend (``enumerate_regions``'s hook calls :func:`run_walk`).

A checkpointed walk runs the core for ``checkpoint_every`` seconds at a time with
``keep_state=True``; after each segment the core's opaque state goes into the
checkpoint file (:mod:`regionwalk.checkpoint`) and the next segment continues
from it. The union of the segments is the uninterrupted walk, so a walk killed
at any moment and resumed from its last checkpoint finds exactly the same
patterns.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from regionwalk import checkpoint as ck

__all__ = ["ScaleOptions", "WalkJob", "scale_options", "run_walk"]

BACKENDS = ("local", "ray")


@dataclass(frozen=True)
class ScaleOptions:
    """Where a walk runs and where it keeps its state (validated by :func:`scale_options`)."""

    backend: str = "local"
    address: str | None = None
    checkpoint: Path | None = None
    every: float = 60.0
    resume: Path | None = None

    @property
    def plain(self) -> bool:
        """A local walk in one piece, as before checkpoints existed."""
        return self.backend == "local" and self.checkpoint is None and self.resume is None


@dataclass(slots=True)
class WalkJob:
    """One walk as ``enumerate_regions`` prepared it: the user's problem, the core's problem
    (core coordinates), the core tolerance, the limits ``(regions, seconds, threads, memory)``
    (``-1``: none) and the progress callback."""

    net: Any
    domain: Any
    x0: np.ndarray
    core_net: Any
    core_domain: Any
    y0: np.ndarray
    tol: float
    limits: tuple[int, float, int, int]
    store_points: bool
    callback: Any = None
    fingerprint: dict[str, str] = field(default_factory=dict)
    subdivide: bool = True  # engine="auto": the box's complex where it answers (plain runs only)


def _path(name: str, value: Any) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)) or not str(os.fspath(value)):
        raise TypeError(f"{name} must be a file path (str or os.PathLike) or None, got {value!r}")
    return Path(os.fspath(value))


PLAIN = ScaleOptions()
"""A local walk in one piece: every argument at its default."""


def scale_options(backend: Any = "local", address: Any = None, checkpoint: Any = None,
                  checkpoint_every: Any = 60.0, resume: Any = None) -> ScaleOptions:
    """Check the backend and checkpoint arguments of ``enumerate_regions`` (one-line errors)."""
    if (backend == "local" and address is None and checkpoint is None and resume is None
            and type(checkpoint_every) is float and checkpoint_every == 60.0):
        return PLAIN  # the defaults, checked once: a small ball's walk is over in less time than the checks
    if backend not in BACKENDS:
        raise ValueError(f"backend must be 'local' or 'ray', got {backend!r}")
    if address is not None and (not isinstance(address, str) or not address.strip()):
        raise TypeError(f"address must be a Ray address such as 'auto' or 'ray://host:10001', or None, "
                        f"got {address!r}")
    if address is not None and backend != "ray":
        raise ValueError("address goes with backend='ray'")
    every = checkpoint_every
    if isinstance(every, bool) or not isinstance(every, (int, float, np.integer, np.floating)) \
            or not (math.isfinite(every) and every > 0):
        raise ValueError(f"checkpoint_every must be a finite number of seconds > 0, got {checkpoint_every!r}")
    ckpt, res = _path("checkpoint", checkpoint), _path("resume", resume)
    if ckpt is not None and not ckpt.parent.is_dir():
        raise ValueError(f"checkpoint: folder {ckpt.parent} does not exist")
    if ckpt is not None and ckpt.is_dir():
        raise ValueError(f"checkpoint must name a file, got the folder {ckpt}")
    return ScaleOptions(backend, address, ckpt, float(every), res)


def run_walk(job: WalkJob, opts: ScaleOptions) -> dict[str, Any]:
    """The core's result dict (``count``, ``patterns``, ``points``, ``stop``, ``stats``,
    ``certified``) of the walk ``job`` run as ``opts`` says: on Ray, or in segments with
    checkpoints (a plain walk is ``enumerate_regions``'s own call of the core)."""
    if opts.plain:
        raise ValueError("run_walk is for walks on Ray or with checkpoints")
    job = replace(job, fingerprint=ck.fingerprint(job.net, job.domain, job.tol))
    if opts.backend == "ray":
        from regionwalk.ray_backend import walk_ray

        return walk_ray(job, opts)
    return _walk_segments(job, opts)


# -- resuming --------------------------------------------------------------------


def load_resume(job: WalkJob, opts: ScaleOptions, kind: str) -> ck.Checkpoint | None:
    """The checkpoint to resume from (``None`` without ``resume``), checked against ``job``."""
    if opts.resume is None:
        return None
    if opts.checkpoint is not None and not opts.resume.exists() and _same_file(opts.resume, opts.checkpoint):
        return None  # "resume=f, checkpoint=f" run again until done: the first run starts afresh
    found = ck.read_checkpoint(opts.resume, job.fingerprint)
    if bool(found.header.get("store_points")) != job.store_points:
        raise ValueError(f"checkpoint {opts.resume} was written with store_points={not job.store_points}; "
                         f"resume it with the same")
    if found.kind not in (kind, "done"):
        other = "backend='ray'" if found.kind == "frontier" else "the local backend"
        raise ValueError(f"checkpoint {opts.resume} was written by {other}; resume it with the same backend")
    return found


def _same_file(a: Path, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def done_raw(found: ck.Checkpoint) -> dict[str, Any]:
    """The result kept in a ``"done"`` checkpoint, as the core returns it."""
    arrays = ck.unpack_arrays(found.payload)
    header = found.header
    points = arrays["points"] if header.get("store_points") else None
    return {"count": int(arrays["packed"].shape[0]), "patterns": arrays["packed"], "points": points,
            "stop": str(header["stop_reason"]), "stats": dict(header["stats"]),
            "certified": bool(header["certified"]), "state": None}


def save(job: WalkJob, opts: ScaleOptions, raw: dict[str, Any], kind: str, payload: bytes | None,
         seconds: float) -> int:
    """Write ``raw``'s walk to ``opts.checkpoint``: its state (``kind``), or, when it ended
    (``payload`` None), the result itself as a ``"done"`` checkpoint. Returns the size."""
    if opts.checkpoint is None:
        return 0
    counters: dict[str, Any] = {"count": int(raw["count"]), "seconds": seconds, "store_points": job.store_points,
                                "stop_reason": str(raw["stop"]), "neurons": int(job.net.hidden_neurons),
                                "input_dim": int(job.net.input_dim), "stats": _json_stats(raw.get("stats", {}))}
    if payload is None:
        kind = "done"
        points = raw["points"] if raw["points"] is not None else np.zeros((0, 0))
        payload = ck.pack_arrays(packed=raw["patterns"], points=points)
        counters["certified"] = bool(raw.get("certified", True))
    return ck.write_checkpoint(opts.checkpoint, kind, payload, job.fingerprint, **counters)


def _json_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in stats.items()
            if isinstance(v, (int, float, str, bool, np.generic))}


# -- the local walk in segments --------------------------------------------------------


@contextlib.contextmanager
def deferred_sigint() -> Iterator[threading.Event]:
    """Ctrl-C inside the block sets the yielded event instead of raising, so that
    bookkeeping (a checkpoint, the visited set) is never cut in half; outside the main
    thread, where handlers cannot be set, nothing changes."""
    pressed = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.set())
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)



@dataclass
class _Progress:
    """The user's progress callback on one clock over all segments: the core's reports
    shifted by the time before the segment, and one report after a segment when the
    core made none for an interval (segments shorter than the interval)."""

    callback: Any
    offset: float = 0.0
    last: float = -math.inf

    def core(self) -> Any:
        if self.callback is None:
            return None

        def report(regions: int, seconds: float, frontier: int = -1) -> None:
            self.last = self.offset + seconds
            self.callback(regions, self.last, frontier)

        return report

    def after_segment(self, regions: int, seconds: float) -> None:
        from regionwalk.walk import PROGRESS_INTERVAL

        if self.callback is not None and seconds - self.last >= PROGRESS_INTERVAL:
            self.last = seconds
            self.callback(regions, seconds, -1)


def _segment(job: WalkJob, state: bytes | None, seconds: float, progress: _Progress) -> dict[str, Any]:
    from regionwalk.walk import _run_core

    regions, _, threads, memory = job.limits
    return _run_core(job.core_net, job.core_domain, job.y0, job.tol, (regions, seconds, threads, memory),
                     job.store_points, progress.core(), state=state, keep_state=True)


def _walk_segments(job: WalkJob, opts: ScaleOptions) -> dict[str, Any]:
    found = load_resume(job, opts, "core")
    if found is not None and found.kind == "done":
        return done_raw(found)
    state = found.payload if found is not None else None
    before = found.seconds if found is not None else 0.0
    limit = job.limits[1]
    start = time.monotonic()
    deadline = start + limit if limit > 0 else math.inf
    every = opts.every if opts.checkpoint is not None else math.inf
    progress = _Progress(job.callback, before)
    shortest, expanded = 0.0, -1
    while True:
        # never <= 0, which the core reads as "no limit": past the deadline it stops at once
        segment = max(min(max(every, shortest), deadline - time.monotonic()), 1e-6)
        progress.offset = before + time.monotonic() - start
        raw = _segment(job, state, segment if math.isfinite(segment) else -1.0, progress)
        if raw["stats"].get("regions_expanded", -2) == expanded:  # a segment too short to expand anything
            shortest = max(2 * shortest, 0.01)
        expanded = raw["stats"].get("regions_expanded", -2)
        with deferred_sigint() as pressed:  # the core stops on Ctrl-C itself; here it waits for the write
            progress.after_segment(int(raw["count"]), before + time.monotonic() - start)
            state = raw.get("state")
            more = raw["stop"] == "time_limit" and state is not None and time.monotonic() < deadline
            save(job, opts, raw, "core", state, before + time.monotonic() - start)
            if pressed.is_set() and more:
                raw["stop"], more = "interrupted", False
        if not more:
            break
    raw["stats"] = {**raw["stats"], "seconds": before + time.monotonic() - start}
    return raw
