"""Local complexity: exact region counts in a ball around every data point.

One call counts the regions in the L2 ball of a given radius around each row
of ``X`` (Zhu, Lin, Tang 2020 count regions in a sphere around training points),
beside Lee's L2 margin at each point, the local analytic bound and, if asked, a
sampled count. The set-up is shared by all balls: the forward pass, the local
forms' norms, the stability proofs and the sampled patterns are computed for
every point at once; the first layer's row-space basis once. Balls that the
margin (or the bound) proves to hold one region need no walk; the rest are
walked by single-threaded compiled walks, several at a time on a thread pool
(the walk releases the GIL), or in Ray tasks (``backend="ray"``).
"""

from __future__ import annotations

import numbers
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regionwalk import _core
from regionwalk._local_batch import NetSetup, local_bounds, margins_and_preactivations, net_setup, sampled_counts
from regionwalk.network import Network

try:  # the walk's Ctrl-C exception, when this version of walk.py has it
    from regionwalk.walk import Interrupted as _InterruptedBase
except ImportError:  # pragma: no cover
    _InterruptedBase = KeyboardInterrupt  # type: ignore[assignment,misc]

__all__ = ["LocalCounts", "LocalInterrupted", "local_counts"]

LocalProgress = Callable[[int, int, float], None]
"""``progress(balls_done, balls_total, seconds)``."""

_POLL = 0.05  # seconds between a running walk's checks for a stop request


@dataclass(frozen=True)
class LocalCounts:
    """Exact region counts in a ball around each of ``n`` points.

    Attributes
    ----------
    counts
        ``(n,)`` int64: regions meeting the open ball ``B(x_i, radii[i])``, exactly
        :func:`regionwalk.count_regions` of that ball when ``complete[i]``.
    complete
        ``(n,)`` bool. False where a per-ball limit, Ctrl-C or an uncertified step
        stopped the walk: that count is a lower bound (0 for a ball not started).
    bounds
        ``(n,)`` object array of Python ints (exact, no overflow): per ball,
        ``min(bounds.unstable_product(net, ball), bounds.serra2018(net))``, the
        unstable-neuron product with stability proven by interval arithmetic and
        propagated balls (after Zhu, Lin, Tang 2020), capped by the global bound.
        Always ``>=`` the exact count. ``bounds.astype(float)`` for plotting.
    sampled
        ``(n,)`` int64 distinct patterns among ``samples`` uniform points in each
        ball (a lower bound on the count), or ``None`` when ``samples=0``.
    margins
        ``(n,)`` Lee's L2 margin at each point: ``min_j |z_j(x)| / ||a_j(x)||_2``
        over neurons with a nonzero local form (``inf`` if none): the distance
        from ``x`` to the edge of its region. Where ``margins >= radii`` the ball
        holds one region and was not walked.
    radii
        ``(n,)`` the radius of each ball.
    walked
        ``(n,)`` bool: a walk was run (neither the margin nor the bound proved a
        single region).
    stop_reasons
        ``(n,)`` str: ``"complete"``, ``"max_regions"``, ``"time_limit"``,
        ``"interrupted"``, ``"memory"``, or ``"not_run"`` (a partial result).
    walk_seconds
        ``(n,)`` wall time of each ball's walk (0 where none ran).
    seconds
        Wall time of the whole call.
    """

    counts: np.ndarray
    complete: np.ndarray
    bounds: np.ndarray
    sampled: np.ndarray | None
    margins: np.ndarray
    radii: np.ndarray
    walked: np.ndarray
    stop_reasons: np.ndarray
    walk_seconds: np.ndarray
    seconds: float
    stats: dict[str, Any] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.counts)

    def __repr__(self) -> str:
        n = len(self.counts)
        mean = f"{self.counts.mean():.3g}" if n else "-"
        return (f"LocalCounts(n={n}, mean_count={mean}, complete={int(np.sum(self.complete))}/{n}, "
                f"walked={int(np.sum(self.walked))}, sampled={self.sampled is not None}, "
                f"seconds={self.seconds:.3g})")

    @property
    def all_complete(self) -> bool:
        """True when every count is exact."""
        return bool(np.all(self.complete))

    @property
    def balls_per_second(self) -> float:
        return len(self.counts) / self.seconds if self.seconds > 0 else float("inf")


class LocalInterrupted(_InterruptedBase):  # type: ignore[misc,valid-type]
    """Ctrl-C stopped :func:`local_counts`; ``partial`` is a :class:`LocalCounts`
    with the counts found so far (unfinished balls have ``complete=False``)."""

    partial: LocalCounts  # type: ignore[assignment]

    def __init__(self, partial: LocalCounts) -> None:
        done = int(np.sum(partial.stop_reasons != "not_run"))
        KeyboardInterrupt.__init__(self, f"local_counts interrupted after {done} of {len(partial)} balls")
        self.partial = partial


# -- input ---------------------------------------------------------------------

def _points(net: Network, X: Any) -> np.ndarray:
    if hasattr(X, "detach"):
        X = X.detach().cpu().numpy()
    x = np.asarray(X, dtype=np.float64)
    d = net.input_dim
    if x.ndim > 2 and x.size and x[0].size == d:  # (n, *input_shape), e.g. images for a conv net
        x = x.reshape(len(x), d)
    if x.ndim != 2 or x.shape[1] != d:
        raise ValueError(f"X must have shape (n, {d}) or (n, *input_shape): one point per row, "
                         f"got shape {np.shape(X)}")
    if not np.all(np.isfinite(x)):
        raise ValueError("X contains NaN or inf")
    return np.ascontiguousarray(x)


def _radii(radius: Any, n: int) -> np.ndarray:
    if hasattr(radius, "detach"):
        radius = radius.detach().cpu().numpy()
    r = np.asarray(radius, dtype=np.float64)
    if r.ndim == 0:
        r = np.full(n, float(r))
    elif r.shape != (n,):
        raise ValueError(f"radius must be a scalar or have shape ({n},) (one per point), got shape {r.shape}")
    if not np.all(np.isfinite(r) & (r > 0)):
        raise ValueError("radius must be finite and > 0 (every entry)")
    return r


def _number(name: str, value: Any, accepted: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise TypeError(f"{name} must be {accepted}, got {value!r}")
    return float(value)


def _whole(name: str, value: Any, lo: int) -> int:
    """``value`` as an int ``>= lo``; whole floats (``1e6``) pass, ``2.5``, ``True`` or text do not."""
    accepted = f"a whole number from {lo} to 2**63-1"
    v = _number(name, value, accepted)
    if not (np.isfinite(v) and v.is_integer() and lo <= v <= 2**63 - 1):
        raise ValueError(f"{name} must be {accepted}, got {value!r}")
    return int(v)


def _positive(name: str, value: Any) -> float:
    v = _number(name, value, "a finite number > 0")
    if not (np.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v


def _check_options(threads: Any, time_limit: Any, max_regions: Any, samples: Any, tol: Any,
                   backend: Any) -> tuple[int, float | None, int | None, int, float | None]:
    """Validated ``(threads, time_limit, max_regions, samples, tol)``; one-line errors naming the argument."""
    if backend not in ("threads", "local", "ray"):
        raise ValueError(f"backend must be 'threads' (or 'local', the same) or 'ray', got {backend!r}")
    return (
        (os.cpu_count() or 1) if threads is None else _whole("threads", threads, 1),
        None if time_limit is None else _positive("time_limit (seconds per ball)", time_limit),
        None if max_regions is None else _whole("max_regions (per ball)", max_regions, 1),
        _whole("samples", samples, 0),
        None if tol is None else _positive("tol", tol),
    )


# -- one ball ------------------------------------------------------------------

class _BallWalker:
    """Walks one ball as :func:`regionwalk.enumerate_regions` would (the same reduced
    problem, to the bit), with the row-space basis and ``W_1 U`` shared by all balls."""

    def __init__(self, net: Network, setup: NetSetup, tol: float | None, max_regions: int | None,
                 time_limit: float | None, stop: threading.Event) -> None:
        self.reduction = setup.reduction
        self.stop = stop
        self.tol = float(tol) if tol is not None else 0.0
        self.max_regions = int(max_regions) if max_regions is not None else -1
        self.time_limit = float(time_limit) if time_limit is not None else -1.0

    def _poll(self, *_: Any) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt  # the binding stops the walk and returns it as "interrupted"

    def __call__(self, center: np.ndarray, radius: float, bias: np.ndarray | None, threads: int) -> dict[str, Any]:
        core_net, domain, seed = self.reduction.problem(center, radius, bias)
        try:
            return _core.walk(core_net, domain, seed, tol=self.tol, max_regions=self.max_regions,
                              time_limit=self.time_limit, threads=threads, store_points=False,
                              progress=self._poll, progress_interval=_POLL)
        except RuntimeError as exc:
            if "seed point" not in str(exc):
                raise
            raise ValueError(f"no region around the point {center.tolist()[:4]}... keeps a margin > tol "
                             "in its ball: pass a smaller tol") from None


# -- many balls ------------------------------------------------------------------

class _Runner:
    """Walks the listed balls, on ``threads`` workers, into shared result arrays."""

    def __init__(self, walker: _BallWalker, x: np.ndarray, radii: np.ndarray, todo: np.ndarray,
                 threads: int) -> None:
        n = len(x)
        self.walker, self.x, self.radii = walker, x, radii
        reduction = walker.reduction
        self.biases = dict(zip(todo.tolist(), reduction.biases(x[todo]))) if reduction.rank else {}
        self.todo = iter(todo.tolist())
        self.workers = max(1, min(threads, len(todo)))
        self.inner = max(1, threads // max(1, len(todo)))  # spare threads go into the walks
        self.lock = threading.Lock()
        self.counts = np.zeros(n, dtype=np.int64)
        self.complete = np.zeros(n, dtype=bool)
        self.stops = np.full(n, "not_run", dtype=object)
        self.seconds = np.zeros(n)
        self.done = 0
        self.uncertain = 0

    def _next(self) -> int | None:
        with self.lock:
            return next(self.todo, None)

    def _record(self, i: int, raw: dict[str, Any]) -> None:
        st = raw["stats"]
        certain = bool(raw.get("certified", True)) and not (st["undecided"] or st["witness_failures"])
        self.counts[i] = int(raw["count"])
        self.stops[i] = str(raw["stop"])
        self.complete[i] = raw["stop"] == "complete" and certain
        self.seconds[i] = float(st["seconds"])
        with self.lock:
            self.done += 1
            self.uncertain += not certain

    def work(self, report: Callable[[int], None] | None = None) -> None:
        while not self.walker.stop.is_set():
            i = self._next()
            if i is None:
                return
            raw = self.walker(self.x[i], float(self.radii[i]), self.biases.get(i), self.inner)
            self._record(i, raw)
            if raw["stop"] == "interrupted":
                self.walker.stop.set()
            if report is not None:
                report(self.done)

    def run(self, report: Callable[[int], None]) -> bool:
        """Walk every ball; returns True when Ctrl-C stopped it."""
        if self.workers == 1:
            try:
                self.work(report)  # on this thread: the walk itself sees Ctrl-C
            except KeyboardInterrupt:
                self.walker.stop.set()
            return self.walker.stop.is_set()
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = [pool.submit(self.work) for _ in range(self.workers)]
            try:
                while wait(futures, timeout=0.25)[1]:
                    report(self.done)
            except KeyboardInterrupt:
                self.walker.stop.set()
                wait(futures)
            for f in futures:
                f.result()
        return self.walker.stop.is_set()


class _Reporter:
    """Progress over balls, at most four times a second; ``True`` writes to stderr
    (nothing for runs shorter than that)."""

    def __init__(self, progress: bool | LocalProgress, total: int, offset: int, start: float) -> None:
        self.progress, self.total, self.offset, self.start = progress, total, offset, start
        self.last = start
        self.shown = False

    def __call__(self, done: int, final: bool = False) -> None:
        now = time.perf_counter()
        if not self.progress:
            return
        if final and self.progress is True and not self.shown:
            return
        if not final and now - self.last < 0.25:
            return
        self.last, self.shown = now, True
        done += self.offset
        sec = now - self.start
        if callable(self.progress):
            self.progress(done, self.total, sec)
            return
        rate = done / sec if sec > 0 else 0.0
        sys.stderr.write(f"\r  {done:,}/{self.total:,} balls  {sec:7.1f} s  {rate:,.1f} balls/s")
        sys.stderr.write("\n" if final else "")
        sys.stderr.flush()


def local_counts(
    net: Network,
    X: Any,
    radius: Any,
    threads: int | None = None,
    time_limit: float | None = None,
    max_regions: int | None = None,
    samples: int = 0,
    *,
    seed: int = 0,
    tol: float | None = None,
    backend: str = "threads",
    address: str | None = None,
    progress: bool | LocalProgress = False,
) -> LocalCounts:
    """Exact number of regions in the L2 ball of ``radius`` around each row of ``X``.

    Each count is what :func:`regionwalk.count_regions` gives for
    ``Ball(X[i], radius[i])``: the same walk, with the set-up shared. A ball whose
    radius is at most the point's margin (Lee's L2 radius), or whose local bound
    is 1, holds one region and is not walked; such a ball costs a few batched
    forward passes. The rest are walked on ``threads`` worker threads, those with
    the largest bound first.

    Parameters
    ----------
    net
        The network.
    X
        ``(n, d)`` points (numpy array, nested list or CPU torch tensor); ``(n, *input_shape)``
        (images for a conv net) is flattened per point.
    radius
        One radius for every ball, or ``(n,)`` radii, one per point; finite and > 0.
    threads
        Balls walked at the same time, one single-threaded walk per worker thread
        (default: all cores). Counts do not depend on it.
    time_limit, max_regions
        Per ball: a walk that reaches either stops, and its count is a lower bound
        (``complete[i] = False``). ``None``: no limit.
    samples
        If ``k > 0``, also count the distinct patterns among ``k`` points drawn
        uniformly (in volume) in each ball (``.sampled``, a lower bound on each
        count), with numpy's generator seeded by ``seed``.
    tol
        The walk's absolute tolerance (see :func:`regionwalk.enumerate_regions`);
        default ``1e-9`` times each ball's radius.
    backend
        ``"threads"`` (or ``"local"``): a thread pool in this process. ``"ray"``: the
        walks in Ray tasks, batches of balls per task (``pip install "regionwalk[ray]"``);
        with no ``address`` a local Ray runtime with ``threads`` CPUs is started (and
        kept for later calls), with one the driver joins that cluster. Same counts.
    address
        With ``backend="ray"``: the Ray cluster to join (``"auto"``, ``"ray://host:10001"``).
    progress
        ``True`` prints balls done and balls/s to stderr; a callable gets
        ``(balls_done, balls_total, seconds)`` about four times a second.

    Returns
    -------
    LocalCounts
        ``.counts``, ``.complete``, ``.bounds``, ``.sampled``, ``.margins`` ... one per point.

    Raises
    ------
    ValueError, TypeError
        On points of the wrong shape or with NaN, a bad radius or bad options.
    LocalInterrupted
        On Ctrl-C (a ``KeyboardInterrupt``, also a ``regionwalk.Interrupted``):
        ``.partial`` holds what was counted; running walks stop within ~0.1 s.
    """
    start = time.perf_counter()
    if not isinstance(net, Network):
        raise TypeError(f"net must be a regionwalk.Network, got {type(net).__name__}")
    x = _points(net, X)
    radii = _radii(radius, len(x))
    nthreads, time_limit, max_regions, samples, tol = _check_options(threads, time_limit, max_regions, samples,
                                                                     tol, backend)
    if address is not None and backend != "ray":
        raise ValueError(f"address is for backend='ray', got backend={backend!r}")
    if tol is not None and len(radii) and not tol < radii.min():
        raise ValueError(f"tol must be below every ball's radius (smallest {radii.min():g}), got {tol}")

    setup = net_setup(net)
    z, margins = margins_and_preactivations(net, x, setup)
    bnds = local_bounds(net, z, radii, setup)
    sampled = sampled_counts(net, x, radii, samples, int(seed)) if samples else None
    single = (margins >= radii) | (bnds == 1)
    todo = np.flatnonzero(~single)
    todo = todo[np.argsort(-bnds[todo].astype(float), kind="stable")]  # likely-large balls first

    walker = _BallWalker(net, setup, tol, max_regions, time_limit, threading.Event())
    runner = _Runner(walker, x, radii, todo, nthreads)
    report = _Reporter(progress, len(x), int(np.sum(single)), start)
    if backend == "ray":
        from regionwalk._local_ray import run_ray

        interrupted = run_ray(runner, todo.tolist(), address, nthreads, report)
    else:
        interrupted = runner.run(report)
    report(runner.done, final=True)

    runner.counts[single], runner.complete[single], runner.stops[single] = 1, True, "complete"
    result = LocalCounts(
        counts=runner.counts, complete=runner.complete, bounds=bnds, sampled=sampled, margins=margins,
        radii=radii, walked=~single, stop_reasons=runner.stops.astype(str), walk_seconds=runner.seconds,
        seconds=time.perf_counter() - start, stats={"uncertain_walks": runner.uncertain},
    )
    if interrupted:
        raise LocalInterrupted(result)
    if runner.uncertain:
        from regionwalk.walk import IncompleteWarning

        warnings.warn(f"{runner.uncertain} ball(s) had facet tests that hit an iteration limit or crossings "
                      "that failed to land: those counts are not certified and marked incomplete (where "
                      "crossings failed, a smaller tol may certify them)",
                      IncompleteWarning, stacklevel=2)
    return result
