"""Exact enumeration of the regions that meet a domain: the C++ core walks the region
adjacency graph from the seed's region (README, "What exact means here")."""

from __future__ import annotations

import inspect
import math
import numbers
import operator
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regionwalk import _core, _torch_complex
from regionwalk._segments import WalkJob, run_walk, scale_options
from regionwalk.domains import Ball, Box, Domain
from regionwalk.geometry import check_measures, with_measures
from regionwalk.memory import parse_memory
from regionwalk.network import Network
from regionwalk.plane import Plane

__all__ = ["Regions", "enumerate_regions", "count_regions", "unpack_patterns", "IncompleteWarning", "Interrupted"]

ProgressCallback = Callable[..., None]
"""``progress(regions, seconds)`` or ``progress(regions, seconds, frontier)``."""

INT64_MAX = 2**63 - 1
PROGRESS_INTERVAL = 0.5
"""Seconds between progress reports."""


class IncompleteWarning(RuntimeWarning):
    """A count is not exact: a limit or the memory stopped the walk (it is a lower bound), or some
    facet test or crossing was uncertain (``Regions.certified`` is False)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a walk; ``partial`` is what it found by then.

    A subclass of ``KeyboardInterrupt``, so code that does not expect it still
    stops as on any Ctrl-C. ``partial`` is a :class:`Regions` with
    ``complete=False`` and ``stop_reason="interrupted"``.
    """

    def __init__(self, partial: Regions) -> None:
        super().__init__(f"walk interrupted after {partial.count} regions")
        self.partial = partial


def unpack_patterns(packed: np.ndarray, neurons: int) -> np.ndarray:
    """Unpack ``(n, words)`` uint64 patterns (bit j of word j // 64) into ``(n, neurons)`` bools."""
    packed = np.ascontiguousarray(packed, dtype="<u8")
    bits = np.unpackbits(packed.view(np.uint8).reshape(len(packed), -1), axis=1, bitorder="little")
    return bits[:, :neurons].astype(bool)


@dataclass(frozen=True)
class Regions:
    """The regions of a network that meet a domain.

    Attributes
    ----------
    count
        Number of regions found; exact when ``complete``.
    complete
        True when the count is exact: the walk ran to its end
        (``stop_reason == "complete"``) and is ``certified``. False when it
        stopped at ``max_regions``, ``time_limit``, Ctrl-C or out of memory
        (then ``count`` is a lower bound), or was not certified.
    packed
        Patterns packed into uint64 words, shape ``(count, ceil(N / 64))``,
        sorted; bit ``j`` of word ``j // 64`` is neuron ``j``.
    points
        One witness point strictly inside each region and the domain, shape
        ``(count, d)`` (``None`` when not stored). A float64 forward pass at a
        witness reproduces its pattern.
    stop_reason
        ``"complete"``, ``"max_regions"``, ``"time_limit"``, ``"interrupted"``
        (Ctrl-C) or ``"memory"`` (an allocation failed).
    seconds
        Wall time of the walk.
    stats
        Counters of the walk (LPs solved, facet tests, facets found,
        neighbours skipped as already known, facet tests settled by LP
        proofs carried unchanged from the region walked from or mailed by a
        neighbour expanded first (``inherited_proofs``) or re-checked with
        this region's forms
        (``rechecked_proofs``), facet tests that hit an LP limit
        (``undecided``), crossings that failed to land (``witness_failures``) ...).
    certified
        False when some facet test hit an LP limit or a crossing failed to land
        in a region (``stats["undecided"]``, ``stats["witness_failures"]``):
        then the count may be off, even if the walk ran to its end.
    """

    count: int
    complete: bool
    packed: np.ndarray
    points: np.ndarray | None
    neurons: int
    stop_reason: str
    seconds: float
    stats: dict[str, Any] = field(repr=False)
    certified: bool = True
    network: Network | None = field(default=None, repr=False)
    domain: Domain = field(default=None, repr=False)
    measures: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    """Per-region measures asked for with ``enumerate_regions(measures=...)``, by name."""
    refusal: str | None = field(default=None, repr=False)
    """Why the box's complex handed the box to the walk (None where it did not)."""
    device: str | None = field(default=None, repr=False)
    """The torch device whose complex answered (``enumerate_regions(device=...)``); None: the compiled core."""

    def __repr__(self) -> str:
        pts = "None" if self.points is None else f"{self.points.shape}"
        return (
            f"Regions(count={self.count}, complete={self.complete}, certified={self.certified}, "
            f"stop_reason={self.stop_reason!r}, neurons={self.neurons}, points={pts}, "
            f"seconds={self.seconds:.3g})"
        )

    def polygons(self, bbox: Box | None = None) -> list[np.ndarray]:
        """Each region's polygon inside the domain, for networks with 2 inputs.

        Counter-clockwise vertices, in the order of ``patterns``. For a ball the
        circle is an inscribed 720-gon (for plotting); for the whole space pass
        ``bbox``. See :mod:`regionwalk.polygons` for exact areas.
        """
        from regionwalk.polygons import region_polygon

        if self.network is None:
            raise ValueError("this result does not know its network")
        net, dom = self.network, self.domain
        if isinstance(dom, Plane):  # polygons in plane coordinates
            net, dom = dom.restrict(net), dom.box
        return [region_polygon(net, p, dom, bbox=bbox) for p in self.patterns]

    @property
    def engine(self) -> str:
        """Which engine answered: ``"complex"`` (the box's whole complex, see
        ``enumerate_regions(engine=...)``), ``"complex (torch on cuda:0)"`` (that
        complex built on a torch device, ``enumerate_regions(device=...)``),
        ``"walk"``, or ``"walk (the complex
        refused: ...)"`` when the complex met a degenerate net, a region thinner
        than ``tol`` or its memory budget and handed the box to the walk (the
        reason also in ``refusal``); ``"complex (interrupted)"`` when Ctrl-C
        stopped the complex before it was done."""
        if self.stats.get("subdivision_vertices", 0) > 0:
            return f"complex (torch on {self.device})" if self.device else "complex"
        if not self.stats.get("subdivision_refusals", 0):
            return "walk"
        if self.refusal == "cancelled":  # Ctrl-C while the complex was being built: nothing was walked
            return "complex (interrupted)"
        return f"walk (the complex refused: {self.refusal})" if self.refusal else "walk (the complex refused)"

    @property
    def patterns(self) -> np.ndarray:
        """Activation patterns as bools, shape ``(count, N)``, in sorted order."""
        return unpack_patterns(self.packed, self.neurons)

    @property
    def regions_per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")

    # -- per-region analysis (regionwalk.geometry, regionwalk.adjacency) --------
    def _net(self) -> Network:
        if self.network is None:
            raise ValueError("this result does not know its network")
        return self.network

    def geometry(self, *, device: Any = "cpu", batch_size: int | None = None,
                 rank_tol: float | None = None) -> Any:
        """Per-region arrays in the order of ``patterns``: see :class:`regionwalk.geometry.RegionGeometry`."""
        from regionwalk.geometry import RegionGeometry

        return RegionGeometry(self._net(), self.patterns, self.domain, device=device, batch_size=batch_size,
                              rank_tol=rank_tol)

    def halfspaces(self, i: int, *, tol: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(A, b)``: the irredundant facets ``A x <= b`` of region ``i`` within the domain (:func:`regionwalk.geometry.halfspaces`)."""
        from regionwalk.geometry import halfspaces

        if not -self.count <= int(i) < self.count:
            raise ValueError(f"region index must be in [0, {self.count}), got {i}")
        return halfspaces(self._net(), self.patterns[int(i)], self.domain, tol)  # type: ignore[return-value]

    def adjacency(self, *, tol: float | None = None) -> Any:
        """``(edges, flipped)`` of regions sharing a facet: see :func:`regionwalk.adjacency.adjacency`."""
        from regionwalk.adjacency import adjacency

        return adjacency(self._net(), self.patterns, self.domain, tol=tol)

    def to_networkx(self, *, tol: float | None = None) -> Any:
        """The region adjacency graph as a ``networkx.Graph`` (networkx must be installed)."""
        from regionwalk.adjacency import require_networkx, to_networkx

        require_networkx()  # before the LPs of the adjacency
        return to_networkx(self.patterns, self.adjacency(tol=tol), self.points)


def _row_space(w: np.ndarray) -> np.ndarray:
    """Orthonormal basis (d x r) of the row space of the first layer (the core's QR)."""
    return _core.row_space(np.ascontiguousarray(w, dtype=np.float64))


def _default_seed(domain: Domain, dim: int) -> np.ndarray:
    if isinstance(domain, Box):
        return domain.center.copy()
    if isinstance(domain, Ball):
        return domain.center.copy()
    return np.zeros(dim)


class _NotANumberOfThatKind(TypeError, ValueError):
    """A limit of the wrong kind (``2.5`` for a count, a string, a bool): both a TypeError and a ValueError."""


def _as_int(name: str, value: Any, lo: int = 1, hi: int = INT64_MAX) -> int:
    """``value`` as an int in ``[lo, hi]``; a whole float (``1e6``) passes, ``2.5`` or ``True`` do not."""
    accepted = f"an integer from {lo} to {'2**63-1' if hi == INT64_MAX else hi}"
    if isinstance(value, (bool, np.bool_)):
        raise _NotANumberOfThatKind(f"{name} must be {accepted}, got {value!r}")
    try:
        out = operator.index(value)
    except TypeError:
        if not (isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer()):
            raise _NotANumberOfThatKind(f"{name} must be {accepted}, got {value!r}") from None
        out = int(value)
    if not lo <= out <= hi:
        raise ValueError(f"{name} must be {accepted}, got {value!r}")
    return out


def _as_float(name: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise _NotANumberOfThatKind(f"{name} must be a number > 0, got {value!r}")
    out = float(value)
    if not out > 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    return out


def _check_limits(max_regions: Any, time_limit: Any, threads: Any, tol: Any, scale: float) -> tuple[int, float, int, float]:
    """The walk's limits as the core takes them (-1: none), with one-line errors naming the argument."""
    regions = -1 if max_regions is None else _as_int("max_regions", max_regions)
    seconds = -1.0 if time_limit is None else _as_float("time_limit", time_limit)
    if not math.isfinite(seconds):
        seconds = -1.0  # an infinite time limit is no limit
    nthreads = (os.cpu_count() or 1) if threads is None else _as_int("threads", threads, 1, 4096)
    abs_tol = 0.0
    if tol is not None:
        abs_tol = _as_float("tol", tol)
        if not (math.isfinite(abs_tol) and abs_tol < scale):
            raise ValueError(
                f"tol must be finite, > 0 and below the domain's scale {scale:g} (half the smallest box side, "
                f"the ball's radius, or 1 for the whole space), got {tol!r}"
            )
    return regions, seconds, nthreads, abs_tol


def _positional_arity(fn: Callable[..., Any]) -> int:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 3
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return 3
    return sum(p.kind in kinds for p in params)


def _progress_callback(progress: bool | ProgressCallback) -> Callable[[int, float, int], None] | None:
    """The core's 3-argument callback; 2-argument callables ``(regions, seconds)`` still work."""
    if progress is True:
        from regionwalk._progress import stderr_progress

        return stderr_progress()
    if progress is False or progress is None:
        return None
    if not callable(progress):
        raise TypeError(f"progress must be True, False or a callable, got {type(progress).__name__}")
    if _positional_arity(progress) >= 3:
        return progress
    user = progress

    def two_arguments(regions: int, seconds: float, frontier: int = -1) -> None:
        user(regions, seconds)

    return two_arguments


def _warn_if_uncertain(raw: dict[str, Any], stats: dict[str, Any], tol: float) -> None:
    """``tol``: the walk's tolerance in the input's units (for the hint)."""
    if raw["stop"] == "memory":
        warnings.warn(f"the walk ran out of memory after {raw['count']} regions: the count is a lower bound",
                      IncompleteWarning, stacklevel=3)
    if not raw.get("certified", True):
        # A crossing fails where regions about as thin as tol meet: a smaller tol walks
        # them (the stress nets whose crossings failed were certified at tol / 100).
        hint = (f"; a smaller tol (this walk's: {tol:.3g}) may certify it" if stats["witness_failures"] else "")
        warnings.warn(
            f"the count {raw['count']} is not certified: {stats['undecided']} facet test(s) hit an LP iteration "
            f"limit and {stats['witness_failures']} crossing(s) failed to land in a region, so it may be off "
            f"for nearly degenerate geometry{hint}",
            IncompleteWarning,
            stacklevel=3,
        )


def _core_problem(net: Network, domain: Domain, x0: np.ndarray) -> tuple[Any, Any, np.ndarray, "_CoreFrame"]:
    """Core network, core domain and seed in the coordinates the core walks in: a box
    as the unit box, a ball or the whole space in the row space of the first layer
    (``_core.reduce``), and a ball further in the span of its unstable neurons' fixed
    forms (``restrict=True``, as ``_core.restrict_ball``). Both are exact: nothing else
    of x reaches the network, or bounds a region in the ball.

    Returns ``(core_net, core_domain, y0, frame)``; ``frame.to_input`` maps the core's
    points back to the input space.
    """
    if isinstance(domain, Box):
        core_net, core_domain, origin, scale = _core.reduce(net._core, domain._to_core())[:4]
        assert scale is not None  # a box is walked as the unit box
        return core_net, core_domain, (x0 - origin) / scale, _CoreFrame(origin, scale=scale)
    core_domain = domain._to_core() if isinstance(domain, Ball) else _core.Domain.whole(net.input_dim)
    core_net, core_domain, origin, _, basis, _, span = _core.reduce(  # (basis, weight, restrict)
        net._core, core_domain, net._row_space(), net._row_weight(), isinstance(domain, Ball))
    y0 = x0 if basis is None else _project(basis, x0 - origin)
    if span is None or not isinstance(domain, Ball):
        return core_net, core_domain, y0, _CoreFrame(origin, basis)
    centre = domain.center if basis is None else np.zeros(basis.shape[1])  # the ball's centre in y
    return core_net, core_domain, _project(span, y0 - centre), _CoreFrame(origin, basis, centre, span)


def _project(basis: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``basis.T @ v``; the seed is most often the ball's centre, ``v`` then 0."""
    return basis.T @ v if v.any() else np.zeros(basis.shape[1])


@dataclass(slots=True)
class _CoreFrame:
    """The input point of a core point z: ``origin + scale * z`` (a box), or
    ``origin + basis @ (centre + span @ z)`` (``basis``: the row space, ``span``: a
    ball's restriction; either may be absent)."""

    origin: np.ndarray
    basis: np.ndarray | None = None
    centre: np.ndarray | None = None
    span: np.ndarray | None = None
    scale: np.ndarray | None = None

    def to_input(self, z: np.ndarray) -> np.ndarray:
        """Core points ``(n, s)`` as input points ``(n, d)`` (a new array, or ``z`` itself)."""
        if self.scale is not None:
            return z * self.scale + self.origin
        if self.span is not None:
            z = z @ self.span.T
            z += self.centre
        if self.basis is not None:
            z = z @ self.basis.T  # then shifted in place: no second (count, d) array
            z += self.origin
        return z


def _seed_point(net: Network, domain: Domain, seed: Any) -> np.ndarray:
    d = net.input_dim
    if seed is None and not isinstance(domain, Box):
        return _default_seed(domain, d)  # a ball's centre or the origin: finite and inside
    x0 = _default_seed(domain, d) if seed is None else np.asarray(seed, dtype=np.float64).reshape(-1)
    if x0.shape != (d,):
        raise ValueError(f"seed must have shape ({d},), got {np.shape(seed)}")
    if not np.all(np.isfinite(x0)):
        raise ValueError("seed contains NaN or inf")
    if domain is not None and not domain.contains(x0)[0]:
        raise ValueError("seed lies outside the open domain")
    return x0


class seed_errors:  # noqa: N801 (used as a context manager, like contextlib's)
    """The core's "no full-dimensional region at the seed" as a ValueError a user can act on
    (a plain class: a generator-based context manager costs a small ball's walk 2-3 us)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if kind is RuntimeError and "seed point" in str(exc):
            raise ValueError(
                "no region around the seed point keeps a margin > tol: tol is too large for this domain, "
                "or the seed sits on regions thinner than tol; pass a smaller tol"
            ) from None


def _run_core(core_net: Any, core_domain: Any, y0: np.ndarray, tol: float, limits: tuple[int, float, int, int],
              store_points: bool, callback: Any, **options: Any) -> dict[str, Any]:
    """``_core.walk``; ``options`` is ``state=..., keep_state=...`` for a walk in segments, or
    ``subdivide=...`` (the box's complex first, where it applies)."""
    regions, seconds, nthreads, memory = limits
    with seed_errors():
        return _core.walk(core_net, core_domain, y0, tol=tol, max_regions=regions, time_limit=seconds,
                          threads=nthreads, store_points=store_points, progress=callback,
                          progress_interval=PROGRESS_INTERVAL, max_memory=memory, **options)


def enumerate_regions(
    net: Network,
    domain: Domain = None,
    seed: Any = None,
    max_regions: int | None = None,
    time_limit: float | None = None,
    threads: int | None = None,
    *,
    tol: float | None = None,
    store_points: bool = True,
    progress: bool | ProgressCallback = False,
    measures: Any = (),
    max_memory: int | str | None = None,
    backend: str = "local",
    address: str | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: float = 60.0,
    resume: str | os.PathLike[str] | None = None,
    engine: str = "auto",
    device: str | None = None,
) -> Regions:
    """Enumerate, exactly, every region of ``net`` whose interior meets ``domain``.

    Parameters
    ----------
    net
        The network.
    domain
        ``Box``, ``Ball``, ``Plane`` (a rectangle on a plane through the input
        space; ``seed`` and ``tol`` then in plane coordinates), or ``None`` for
        the whole input space.
    seed
        A point of the domain to start from (default: its centre, or the origin).
    max_regions
        Stop after this many regions: an integer from 1 to 2**63-1. The result
        is then marked ``complete=False`` with ``stop_reason="max_regions"``.
    time_limit
        Stop after this many seconds (> 0); ``stop_reason="time_limit"``.
    threads
        Worker threads, an integer >= 1 (default: all cores). Counts and
        patterns do not depend on it. The walk starts on the calling thread
        and brings in the others once it has run a quarter of a millisecond
        with regions waiting: a shorter walk never starts them.
    tol
        Absolute tolerance, finite, > 0 and below the domain's scale: a region
        counts when it is reached across a facet whose piece inside the domain
        keeps a margin ``> tol`` from every other hyperplane and the domain's
        boundary; its witness then holds a ball of radius ``> tol / 2``.
        Default ``1e-9`` times the domain's scale (half the smallest box side,
        the radius, or 1).
    store_points
        Keep one witness point per region (memory ``count * d`` floats).
    progress
        ``True`` prints regions found, rate, frontier and elapsed time to
        stderr; a callable gets ``(regions, seconds, frontier)`` (or
        ``(regions, seconds)`` if it takes two arguments) about twice a second.
    measures
        Names from :data:`regionwalk.geometry.MEASURES` (e.g. ``("rank", "slope")``):
        per-region values computed in batches from the patterns after the walk,
        kept in ``Regions.measures`` (no Jacobians are kept).
    max_memory
        Stop once the walk's patterns, points and frontier take about this many
        bytes: an integer >= 1 or a size such as ``"4GiB"`` or ``"500MB"``
        (:func:`regionwalk.memory.parse_memory`); ``stop_reason="memory"``, as
        when an allocation fails.
    backend
        ``"local"`` (threads of this process) or ``"ray"``: the expand step runs
        in Ray tasks (``pip install "regionwalk[ray]"``); same patterns, bit for
        bit. See :mod:`regionwalk.ray_backend`.
    address
        With ``backend="ray"``: the cluster to join (``"auto"``,
        ``"ray://host:10001"``); ``None`` starts a local Ray runtime with
        ``threads`` CPUs, kept for later walks of this process.
    checkpoint
        A file to keep the walk's state in (``.rwck``), rewritten atomically
        every ``checkpoint_every`` seconds, on Ctrl-C, at a limit and at the
        end (then it holds the result). See :mod:`regionwalk.checkpoint`.
    checkpoint_every
        Seconds between checkpoints (> 0, default 60).
    resume
        A checkpoint to continue from: the walk goes on from its state and
        ends with the patterns of an uninterrupted walk (a finished one returns
        its result). A file from another network, domain or ``tol``, or a
        truncated or corrupted one, is refused with a ``ValueError``. Pass the
        same path as ``checkpoint`` to keep checkpointing (then a file not yet
        written means a fresh start, so one call can be repeated until the walk
        is done; a missing file is an error otherwise). ``time_limit``
        counts this call's time; ``max_regions`` and ``max_memory`` the whole
        walk's; ``seconds`` in the result adds up all calls.
    engine
        ``"auto"`` (default): a box of 3 to 8 inputs, walked locally with no
        ``max_regions``, ``time_limit`` or checkpoint, is first cut into its
        whole complex (vertices and edges, one neuron after another) and its
        regions read off it; a degenerate net (a vertex on a neuron's zero set,
        a region thinner than ``tol``) or one past the complex's memory budget
        goes to the walk. Same regions either way; the complex answers
        all at once (progress shows 0 regions until it is done) and Ctrl-C
        there returns no partial regions. ``stats["subdivision_vertices"]`` is
        the complex's size when it answered. ``"walk"``: always the walk.
    device
        ``None`` (default): the compiled core on the CPU's threads. A torch
        device (``"cuda"``, ``"cuda:1"``, ``"cpu"``): where ``engine="auto"``
        would build a box's complex, it is built with torch on that device
        (whole-array steps, the same checks, the same patterns), and
        ``Regions.engine`` says so; anything else, or a complex that device
        refuses (degenerate, past ``max_memory`` or a quarter of the device's
        free memory), goes to the compiled core as without it. On ``"cpu"`` it is
        slower than the compiled complex: it is there for machines with a GPU.

    Returns
    -------
    Regions
        ``complete`` is True only for an exact, certified count. When memory
        runs out the partial result comes back with ``stop_reason="memory"``
        and an :class:`IncompleteWarning`; an uncertified count also warns.

    Raises
    ------
    TypeError, ValueError
        On a domain of the wrong dimension, a seed outside the domain, or bad
        limits (each message names the argument and the accepted range).
    Interrupted
        On Ctrl-C (SIGINT): the walk stops within a fraction of a second and
        the exception's ``partial`` attribute holds the regions found so far
        (``complete=False``, ``stop_reason="interrupted"``). ``Interrupted`` is a
        ``KeyboardInterrupt``, so unprepared code stops as usual.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a regionwalk.Network, got {type(net).__name__}")
    if engine not in ("auto", "walk"):
        raise ValueError(f"engine must be 'auto' or 'walk', got {engine!r}")
    torch_device = None if device is None else _torch_complex.resolve_device(device)
    measure_names = check_measures(measures) if measures else ()
    if isinstance(domain, Plane):  # the 2-input net restricted to the plane, walked in its box
        from regionwalk.plane import enumerate_on_plane

        return with_measures(enumerate_on_plane(net, domain, seed, max_regions=max_regions, time_limit=time_limit,
                                                threads=threads, tol=tol, store_points=store_points,
                                                progress=progress, max_memory=max_memory, backend=backend,
                                                address=address, checkpoint=checkpoint,
                                                checkpoint_every=checkpoint_every, resume=resume, engine=engine),
                                measure_names)
    if domain is not None and not isinstance(domain, (Box, Ball)):
        raise TypeError(f"domain must be a Box, a Ball, a Plane or None, got {type(domain).__name__}")
    if domain is not None and domain.dim != net.input_dim:
        raise ValueError(f"domain has dimension {domain.dim} but the network takes {net.input_dim} inputs")
    opts = scale_options(backend, address, checkpoint, checkpoint_every, resume)
    x0 = _seed_point(net, domain, seed)
    core_net, core_domain, y0, frame = _core_problem(net, domain, x0)
    # Lengths shrink by `shrink` into the core's coordinates (the unit box).
    shrink = 1.0 / float(np.min(0.5 * (domain.hi - domain.lo))) if isinstance(domain, Box) else 1.0
    regions, seconds, nthreads, abs_tol = _check_limits(
        max_regions, time_limit, threads, tol, float(core_domain.scale) / shrink)
    abs_tol *= shrink
    callback = None if progress is False else _progress_callback(progress)
    memory = -1 if max_memory is None else parse_memory(max_memory)
    limits = (regions, seconds, nthreads, memory)
    raw, answered = None, None
    if torch_device is not None and engine == "auto" and opts.plain and _torch_complex.applies(domain, limits):
        raw, _ = _torch_complex.device_raw(net, domain, abs_tol, memory, store_points, torch_device)
        answered = None if raw is None else str(torch_device)
    if raw is None and opts.plain:  # the local walk in one piece
        raw = _run_core(core_net, core_domain, y0, abs_tol, limits, store_points, callback, subdivide=engine == "auto")
    elif raw is None:  # on Ray, or in segments with checkpoints
        raw = run_walk(WalkJob(net, domain, x0, core_net, core_domain, y0, abs_tol, limits, store_points, callback,
                               subdivide=engine == "auto"), opts)
    if progress is True and callback is not None:
        callback(int(raw["count"]), float(raw["stats"]["seconds"]), -1, final=True)  # type: ignore[call-arg]
    points = None if raw["points"] is None else frame.to_input(raw["points"])
    stats = raw["stats"]
    certified = bool(raw.get("certified", not (stats["undecided"] or stats["witness_failures"])))
    res = Regions(
        count=int(raw["count"]),
        complete=raw["stop"] == "complete" and certified,
        packed=raw["patterns"],
        points=points,
        neurons=net.hidden_neurons,
        stop_reason=str(raw["stop"]),
        seconds=float(stats["seconds"]),
        stats=stats,
        certified=certified,
        network=net,
        domain=domain,
        refusal=raw.get("subdivision_refusal"),
        device=answered,
    )
    if res.stop_reason == "interrupted":
        raise Interrupted(res)
    _warn_if_uncertain(raw, stats, (abs_tol or 1e-9 * float(core_domain.scale)) / shrink)
    return with_measures(res, measure_names) if measure_names else res


def count_regions(net: Network, domain: Domain = None, **kwargs: Any) -> int:
    """Number of regions of ``net`` meeting ``domain`` (see :func:`enumerate_regions`).

    Witness points are not stored. If a limit stops the walk, an
    :class:`IncompleteWarning` says that the number is a lower bound. Ctrl-C
    raises :class:`Interrupted` with the partial :class:`Regions` in ``partial``.
    """
    kwargs.setdefault("store_points", False)
    res = enumerate_regions(net, domain, **kwargs)
    if res.stop_reason in ("max_regions", "time_limit"):
        warnings.warn(
            f"walk stopped at {res.stop_reason}: {res.count} is a lower bound", IncompleteWarning, stacklevel=2
        )
    return res.count
