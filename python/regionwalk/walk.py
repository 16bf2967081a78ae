"""Exact enumeration of the regions that meet a domain (DESIGN.md sections 2-3)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regionwalk import _core
from regionwalk.domains import Ball, Box, Domain
from regionwalk.network import Network

__all__ = ["Regions", "enumerate_regions", "count_regions", "unpack_patterns", "IncompleteWarning"]

ProgressCallback = Callable[[int, float], None]


class IncompleteWarning(RuntimeWarning):
    """A count stopped at a limit: it is a lower bound, not the exact count."""


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
        False when the walk stopped at ``max_regions`` or ``time_limit``: then
        ``count`` is a lower bound.
    packed
        Patterns packed into uint64 words, shape ``(count, ceil(N / 64))``,
        sorted; bit ``j`` of word ``j // 64`` is neuron ``j``.
    points
        One witness point strictly inside each region and the domain, shape
        ``(count, d)`` (``None`` when not stored). A float64 forward pass at a
        witness reproduces its pattern.
    stop_reason
        ``"complete"``, ``"max_regions"`` or ``"time_limit"``.
    seconds
        Wall time of the walk.
    stats
        Counters of the walk (LPs solved, facet tests, facets found,
        neighbours skipped as already known, facet tests settled by LP
        certificates inherited unchanged from the region walked from
        (``inherited_proofs``) or re-checked with this region's forms
        (``rechecked_proofs``), ...).
    """

    count: int
    complete: bool
    packed: np.ndarray
    points: np.ndarray | None
    neurons: int
    stop_reason: str
    seconds: float
    stats: dict[str, Any] = field(repr=False)
    network: Network | None = field(default=None, repr=False)
    domain: Domain = field(default=None, repr=False)

    def polygons(self, bbox: Box | None = None) -> list[np.ndarray]:
        """Each region's polygon inside the domain, for networks with 2 inputs.

        Counter-clockwise vertices, in the order of ``patterns``. For a ball the
        circle is an inscribed 720-gon (for plotting); for the whole space pass
        ``bbox``. See :mod:`regionwalk.polygons` for exact areas.
        """
        from regionwalk.polygons import region_polygon

        if self.network is None:
            raise ValueError("this result does not know its network")
        return [region_polygon(self.network, p, self.domain, bbox=bbox) for p in self.patterns]

    @property
    def patterns(self) -> np.ndarray:
        """Activation patterns as bools, shape ``(count, N)``, in sorted order."""
        return unpack_patterns(self.packed, self.neurons)

    @property
    def regions_per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")


def _row_space(w: np.ndarray) -> np.ndarray:
    """Orthonormal basis (d x r) of the row space of the first layer."""
    _, s, vt = np.linalg.svd(w, full_matrices=False)
    rank = int(np.sum(s > s.max(initial=0.0) * max(w.shape) * np.finfo(float).eps)) if s.size else 0
    return vt[:rank].T


def _default_seed(domain: Domain, dim: int) -> np.ndarray:
    if isinstance(domain, Box):
        return domain.center.copy()
    if isinstance(domain, Ball):
        return domain.center.copy()
    return np.zeros(dim)


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
) -> Regions:
    """Enumerate, exactly, every region of ``net`` whose interior meets ``domain``.

    Parameters
    ----------
    net
        The network.
    domain
        ``Box``, ``Ball``, or ``None`` for the whole input space.
    seed
        A point of the domain to start from (default: its centre, or the origin).
    max_regions, time_limit
        Stop after this many regions or seconds; the result is then marked
        ``complete=False``.
    threads
        Worker threads (default: all cores). Counts and patterns do not depend on it.
    tol
        Absolute tolerance: a region counts when it is reached across a facet
        whose piece inside the domain keeps a margin ``> tol`` from every other
        hyperplane and the domain's boundary; its witness then holds a ball of
        radius ``> tol / 2``. Default ``1e-9`` times the domain's scale (half
        the smallest box side, the radius, or 1).
    store_points
        Keep one witness point per region (memory ``count * d`` floats).
    progress
        ``True`` prints progress to stderr; a callable gets ``(regions, seconds)``
        about twice a second.

    Raises
    ------
    ValueError
        On a domain of the wrong dimension, a seed outside the domain, or bad limits.
    KeyboardInterrupt
        On Ctrl-C; the walk stops within a fraction of a second.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a regionwalk.Network, got {type(net).__name__}")
    if domain is not None and not isinstance(domain, (Box, Ball)):
        raise TypeError(f"domain must be a Box, a Ball or None, got {type(domain).__name__}")
    d = net.input_dim
    if domain is not None and domain.dim != d:
        raise ValueError(f"domain has dimension {domain.dim} but the network takes {d} inputs")
    if max_regions is not None and int(max_regions) < 1:
        raise ValueError(f"max_regions must be >= 1, got {max_regions}")
    if time_limit is not None and not (float(time_limit) > 0):
        raise ValueError(f"time_limit must be > 0 seconds, got {time_limit}")
    if tol is not None and not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be finite and > 0, got {tol}")
    nthreads = int(threads) if threads is not None else (os.cpu_count() or 1)
    if nthreads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")

    x0 = _default_seed(domain, d) if seed is None else np.asarray(seed, dtype=np.float64).reshape(-1)
    if x0.shape != (d,):
        raise ValueError(f"seed must have shape ({d},), got {np.shape(seed)}")
    if not np.all(np.isfinite(x0)):
        raise ValueError("seed contains NaN or inf")
    if domain is not None and not domain.contains(x0)[0]:
        raise ValueError("seed lies outside the open domain")

    # Ball and whole space are rotation invariant: walk in the row space of the
    # first layer (exact: nothing else of x reaches the network).
    basis = None
    origin = np.zeros(d)
    core_net = net._core
    core_domain = domain._to_core() if domain is not None else _core.Domain.whole(d)
    y0 = x0
    if not isinstance(domain, Box):
        u = _row_space(net.weights[0])
        if 0 < u.shape[1] < d:
            basis = u
            origin = domain.center if isinstance(domain, Ball) else np.zeros(d)
            w0 = net.weights[0] @ u
            b0 = net.biases[0] + net.weights[0] @ origin
            core_net = _core.Network([w0, *net.weights[1:]], [b0, *net.biases[1:]], net.alpha)
            r = u.shape[1]
            core_domain = _core.Domain.ball(np.zeros(r), domain.radius) if isinstance(domain, Ball) else _core.Domain.whole(r)
            y0 = u.T @ (x0 - origin)

    callback: ProgressCallback | None
    if progress is True:
        from regionwalk._progress import stderr_progress

        callback = stderr_progress()
    elif callable(progress):
        callback = progress
    else:
        callback = None

    raw = _core.walk(
        core_net,
        core_domain,
        y0,
        tol=float(tol) if tol is not None else 0.0,
        max_regions=int(max_regions) if max_regions is not None else -1,
        time_limit=float(time_limit) if time_limit is not None else -1.0,
        threads=nthreads,
        store_points=store_points,
        progress=callback,
    )
    if progress is True and callback is not None:
        callback(int(raw["count"]), float(raw["stats"]["seconds"]), final=True)  # type: ignore[call-arg]
    points = raw["points"]
    if points is not None and basis is not None:
        points = origin + points @ basis.T
    stats = dict(raw["stats"])
    if stats["undecided"] or stats["witness_failures"]:
        warnings.warn(
            f"{stats['undecided']} facet test(s) hit an iteration limit and "
            f"{stats['witness_failures']} crossing(s) failed to land in a region: "
            "the count may be off for nearly degenerate geometry; try a larger tol",
            RuntimeWarning,
            stacklevel=2,
        )
    return Regions(
        count=int(raw["count"]),
        complete=raw["stop"] == "complete",
        packed=raw["patterns"],
        points=points,
        neurons=net.hidden_neurons,
        stop_reason=str(raw["stop"]),
        seconds=float(stats["seconds"]),
        stats=stats,
        network=net,
        domain=domain,
    )


def count_regions(net: Network, domain: Domain = None, **kwargs: Any) -> int:
    """Number of regions of ``net`` meeting ``domain`` (see :func:`enumerate_regions`).

    Witness points are not stored. If a limit stops the walk, an
    :class:`IncompleteWarning` says that the number is a lower bound.
    """
    kwargs.setdefault("store_points", False)
    res = enumerate_regions(net, domain, **kwargs)
    if not res.complete:
        warnings.warn(
            f"walk stopped at {res.stop_reason}: {res.count} is a lower bound", IncompleteWarning, stacklevel=2
        )
    return res.count
