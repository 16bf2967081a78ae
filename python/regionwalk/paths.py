"""Exact regions along paths: the pieces of constant activation pattern on a polyline.

A ReLU network restricted to a segment ``x(t) = x_0 + t (x_1 - x_0)`` is a
network with one input ``t``: its first layer is ``z_1(t) = z_1(x_0) + t
(z_1(x_1) - z_1(x_0))``. The segment is cut exactly, layer by layer: each
layer's pre-activations are affine between the current knots (the ends of the
segment and every crossing found so far), so each neuron crosses zero at most
once between two knots, at ``t = t_a + (t_b - t_a) z_a / (z_a - z_b)``; the
crossings become knots and the next layer is evaluated there. This is the walk
along the segment with the local forms (on each piece ``z_j(t) = z_j(t_a) +
(t - t_a) a_j . u``), done for all pieces and all segments of a batch at once.
No sampling is involved.

Tolerance and zero-neuron policy (the same as :func:`regionwalk.enumerate_regions`):

- a pre-activation within rounding of zero (``64 eps`` times the size of the
  terms that sum to it) is zero;
- a neuron whose pre-activation is identically zero on a piece, because it is
  pruned, or because the path runs inside its (bent) hyperplane, is inactive
  there (bit 0), as the exact forward pass gives (a bit is set only when the
  pre-activation is ``> 0``), and splits nothing;
- a piece counts only when its arc length exceeds ``tol`` (default ``1e-9``
  times half the length of the path's shortest segment, which is what the walk
  uses on the segment as the 1-D box ``[0, L]``); a shorter piece is given to
  its neighbours, split at its middle;
- consecutive pieces with equal patterns (e.g. on either side of a polyline
  vertex, or around a dropped piece) are one piece.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regionwalk.network import Network

__all__ = ["PathRegions", "PathCounts", "count_along", "count_along_many"]

_SNAP = 64.0 * np.finfo(np.float64).eps
_DEFAULT_RTOL = 1e-9


# ---------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class PathRegions:
    """The pieces of constant activation pattern along one path.

    Attributes
    ----------
    pieces
        Maximal intervals of constant pattern with positive length (longer than
        ``tol``), in path order. For a closed path the piece through the start
        is counted once.
    distinct
        Number of distinct patterns met (a path can enter a region twice).
    breakpoints
        Arc-length positions where the pattern changes. Open path: shape
        ``(pieces - 1,)``, piece ``i`` runs from ``edges[i]`` to
        ``edges[i + 1]`` with ``edges = [0, *breakpoints, length]``. Closed
        path: a loop has as many changes as pieces (none when ``pieces == 1``),
        shape ``(pieces,)``, all in ``[0, length)``; piece ``i`` runs from
        ``breakpoints[i]`` to ``breakpoints[i + 1]``, the last one wrapping
        round through the start.
    patterns
        ``(pieces, N)`` bool activation patterns, in the order of the pieces.
    length
        Arc length of the path (the closing segment included when closed).
    closed
        Whether the path returns to its first point.
    tol
        The absolute arc-length tolerance that was used.
    """

    pieces: int
    distinct: int
    breakpoints: np.ndarray
    patterns: np.ndarray
    length: float
    closed: bool
    tol: float = field(repr=False)

    @property
    def density(self) -> float:
        """Pieces per unit arc length, ``pieces / length``."""
        return self.pieces / self.length

    def __repr__(self) -> str:
        return (f"PathRegions(pieces={self.pieces}, distinct={self.distinct}, length={self.length:.6g}, "
                f"density={self.density:.6g}, closed={self.closed})")

    @property
    def transitions(self) -> int:
        """Pattern changes along the path (Novak et al. 2018): ``len(breakpoints)``."""
        return int(self.breakpoints.size)


@dataclass(frozen=True)
class PathCounts:
    """Counts for a batch of paths (see :func:`count_along_many`); arrays of shape ``(n,)``."""

    pieces: np.ndarray
    distinct: np.ndarray
    length: np.ndarray
    closed: bool

    @property
    def density(self) -> np.ndarray:
        """Pieces per unit arc length."""
        return self.pieces / self.length

    def __len__(self) -> int:
        return int(self.pieces.size)

    def __repr__(self) -> str:
        mean = float(self.pieces.mean()) if self.pieces.size else 0.0
        return f"PathCounts(paths={len(self)}, mean pieces={mean:.4g}, closed={self.closed})"


# ---------------------------------------------------------------------------
# the exact cut of a batch of segments


def _snap(z: np.ndarray, h_absmax: np.ndarray, w_abs: np.ndarray, b_abs: np.ndarray) -> np.ndarray:
    """Set to 0 the pre-activations within rounding of zero (in place)."""
    thr = _SNAP * (h_absmax[:, None] * w_abs[None, :] + b_abs[None, :])
    z[np.abs(z) <= thr] = 0.0
    return z


def _insert_crossings(f: np.ndarray, seg: np.ndarray, zs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Add a knot wherever the last layer of ``zs`` changes sign between two knots."""
    z = zs[-1]
    za, zb = z[:-1], z[1:]
    cross = ((za < 0) & (zb > 0)) | ((za > 0) & (zb < 0))
    cross &= (seg[:-1] == seg[1:])[:, None]
    ka, jj = np.nonzero(cross)
    if ka.size == 0:
        return f, seg, zs
    frac = za[ka, jj] / (za[ka, jj] - zb[ka, jj])
    order = np.lexsort((frac, ka))  # new knots in path order (ka is sorted already)
    ka, jj, frac = ka[order], jj[order], frac[order]
    f_new = f[ka] + frac * (f[ka + 1] - f[ka])
    # Scatter old and new knots into place: knot i moves up by the new knots before it.
    k_old, k_new = len(f), len(ka)
    dest_old = np.arange(k_old) + np.searchsorted(ka, np.arange(k_old), side="left")
    dest_new = ka + 1 + np.arange(k_new)
    out_f = np.empty(k_old + k_new)
    out_f[dest_old], out_f[dest_new] = f, f_new
    out_seg = np.empty(k_old + k_new, dtype=seg.dtype)
    out_seg[dest_old], out_seg[dest_new] = seg, seg[ka]
    out_z = []
    for zk in zs:
        o = np.empty((k_old + k_new, zk.shape[1]))
        o[dest_old] = zk
        o[dest_new] = zk[ka] + frac[:, None] * (zk[ka + 1] - zk[ka])
        out_z.append(o)
    out_z[-1][dest_new, jj] = 0.0  # the crossing neuron is exactly zero there
    return out_f, out_seg, out_z


def _next_layer(net: Network, layer: int, z: np.ndarray) -> np.ndarray:
    """Pre-activations of hidden layer ``layer`` from those of the layer before."""
    h = np.where(z > 0, z, net.alpha * z)
    w, b = net.weights[layer], net.biases[layer]
    out = h @ w.T + b
    return _snap(out, np.abs(h).max(axis=1, initial=0.0), np.abs(w).sum(axis=1), np.abs(b))


def _cut_segments(net: Network, z_start: np.ndarray, z_end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact pieces of a batch of segments, from first-layer pre-activations at their ends.

    Returns the segment index of each piece, its parameter interval ``[f0, f1]``
    in ``[0, 1]`` (``(P, 2)``) and its pattern ``(P, N)``. The first layer is
    affine along the whole segment, so its values are not carried with the
    knots; the later layers' are (each is affine between knots).
    """
    s = len(z_start)
    f = np.tile([0.0, 1.0], s)
    seg = np.repeat(np.arange(s), 2)
    z = np.empty((2 * s, z_start.shape[1]))
    z[0::2], z[1::2] = z_start, z_end
    f, seg, (z,) = _insert_crossings(f, seg, [z])
    carried: list[np.ndarray] = []
    for layer in range(1, len(net.weights) - 1):
        f, seg, carried = _insert_crossings(f, seg, [*carried, _next_layer(net, layer, z)])
        z = carried[-1]
    a = np.flatnonzero(seg[:-1] == seg[1:])
    sa = seg[a]
    mid = 0.5 * (f[a] + f[a + 1])
    first = (z_start[sa] + mid[:, None] * (z_end[sa] - z_start[sa])) > 0
    pattern = np.concatenate([first] + [(zk[a] + zk[a + 1]) > 0 for zk in carried], axis=1)
    return sa, np.stack([f[a], f[a + 1]], axis=1), pattern


def _first_layer(net: Network, vertices: np.ndarray) -> np.ndarray:
    """First-layer pre-activations at points ``(k, d)``, snapped to zero within rounding."""
    w, b = net.weights[0], net.biases[0]
    z = vertices @ w.T + b
    return _snap(z, np.abs(vertices).max(axis=1, initial=0.0), np.abs(w).sum(axis=1), np.abs(b))


# ---------------------------------------------------------------------------
# from pieces of segments to pieces of paths


def _pack(patterns: np.ndarray) -> np.ndarray:
    """Patterns as rows of bytes, for equality tests."""
    return np.packbits(patterns, axis=1) if patterns.shape[1] else np.zeros((len(patterns), 1), np.uint8)


def _merge_equal(pid: np.ndarray, start: np.ndarray, end: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Indices of the first piece of each run of equal patterns; ``end`` extended in place."""
    new = np.ones(len(pid), dtype=bool)
    new[1:] = (pid[1:] != pid[:-1]) | np.any(keys[1:] != keys[:-1], axis=1)
    first = np.flatnonzero(new)
    last = np.r_[first[1:], len(pid)] - 1
    end[first] = end[last]
    return first


def _drop_short(pid: np.ndarray, start: np.ndarray, end: np.ndarray, tol: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Indices of the pieces longer than ``tol`` of their path; gaps split at their middle.

    A path whose pieces are all short keeps its longest one. ``start``/``end``
    are updated in place for the kept pieces.
    """
    span = end - start
    keep = span > tol[pid]
    lonely = np.bincount(pid[keep], minlength=len(tol)) == 0
    if np.any(lonely):
        order = np.lexsort((span, pid))
        last_of_path = order[np.r_[pid[order][1:] != pid[order][:-1], True]]
        keep[last_of_path[lonely[pid[last_of_path]]]] = True
    idx = np.flatnonzero(keep)
    p = pid[idx]
    same = p[1:] == p[:-1]
    mid = 0.5 * (end[idx[:-1]] + start[idx[1:]])
    end[idx[:-1][same]] = mid[same]
    start[idx[1:][same]] = mid[same]
    firsts = idx[np.r_[True, ~same]]
    lasts = idx[np.r_[~same, True]]
    start[firsts] = 0.0
    end[lasts] = length[pid[lasts]]
    return idx


@dataclass
class _Pieces:
    """Pieces of a batch of paths, in path order: path id, arc-length interval, pattern."""

    pid: np.ndarray
    start: np.ndarray
    end: np.ndarray
    patterns: np.ndarray

    def take(self, idx: np.ndarray) -> "_Pieces":
        return _Pieces(self.pid[idx], self.start[idx], self.end[idx], self.patterns[idx])


def _segments(verts: list[np.ndarray], closed: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All vertices stacked ``(k, d)``, the path of each, and the index of each segment's first vertex."""
    if closed:
        verts = [np.vstack([v, v[:1]]) for v in verts]
    v = np.concatenate(verts)
    vp = np.repeat(np.arange(len(verts)), [len(x) for x in verts])
    return v, vp, np.flatnonzero(vp[:-1] == vp[1:])


def _cut_paths(net: Network, verts: list[np.ndarray], closed: bool, tol: float | None,
               first_index: int = 0) -> tuple[_Pieces, np.ndarray, np.ndarray]:
    """Exact pieces of every path (merged, short pieces dropped), their lengths and tolerances."""
    n = len(verts)
    v, vp, a = _segments(verts, closed)
    lens = np.linalg.norm(v[a + 1] - v[a], axis=1)
    length = np.bincount(vp[a], weights=lens, minlength=n)
    if np.any(length <= 0):
        bad = first_index + int(np.flatnonzero(length <= 0)[0])
        raise ValueError(f"path {bad} has zero length: its points all coincide")
    offs = np.cumsum(lens) - lens
    offs -= (np.cumsum(length) - length)[vp[a]]  # arc length at each segment's start, within its path
    nz = lens > 0
    if tol is None:
        shortest = np.full(n, np.inf)
        np.minimum.at(shortest, vp[a][nz], lens[nz])
        tols = _DEFAULT_RTOL * 0.5 * shortest
    else:
        tols = np.full(n, float(tol))
    a, offs, lens = a[nz], offs[nz], lens[nz]
    z = _first_layer(net, v)
    seg, fr, pat = _cut_segments(net, z[a], z[a + 1])
    spid, soff, slen = vp[a][seg], offs[seg], lens[seg]
    pieces = _Pieces(spid, soff + fr[:, 0] * slen, soff + fr[:, 1] * slen, pat)
    # A segment's end meets the next one's start exactly; a path ends at its length.
    ends = np.r_[spid[1:] != spid[:-1], True]
    pieces.end[ends] = length[spid[ends]]
    pieces.start[1:][~ends[:-1]] = pieces.end[:-1][~ends[:-1]]
    first = _merge_equal(pieces.pid, pieces.start, pieces.end, _pack(pieces.patterns))
    pieces = pieces.take(first)
    kept = _drop_short(pieces.pid, pieces.start, pieces.end, tols, length)
    pieces = pieces.take(kept)
    first = _merge_equal(pieces.pid, pieces.start, pieces.end, _pack(pieces.patterns))
    return pieces.take(first), length, tols


# ---------------------------------------------------------------------------
# public functions


def _check_path(net: Network, points: Any, name: str) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    d = net.input_dim
    if pts.ndim != 2 or pts.shape[0] < 2 or pts.shape[1] != d:
        raise ValueError(f"{name} must have shape (m, {d}) with m >= 2 points, got {np.shape(points)}")
    if not np.all(np.isfinite(pts)):
        raise ValueError(f"{name} contains NaN or inf")
    return pts


def _check_common(net: Network, tol: float | None) -> None:
    if not isinstance(net, Network):
        raise TypeError(f"net must be a regionwalk.Network, got {type(net).__name__}")
    if tol is not None and not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be finite and > 0, got {tol}")


def _wraps(p: _Pieces, keys: np.ndarray, n: int) -> np.ndarray:
    """Per path: True when its last piece has the first one's pattern (a closed path's one piece)."""
    counts = np.bincount(p.pid, minlength=n)
    firsts = np.r_[0, np.cumsum(counts)[:-1]]
    lasts = np.cumsum(counts) - 1
    return (counts > 1) & np.all(keys[firsts] == keys[lasts], axis=1)


def count_along(net: Network, points: Any, closed: bool = False, *, tol: float | None = None) -> PathRegions:
    """Exact pieces of constant activation pattern along the polyline through ``points``.

    Parameters
    ----------
    net
        The network.
    points
        ``(m, d)`` vertices of the polyline, ``m >= 2``; repeated points are skipped.
    closed
        Also walk the segment from the last point back to the first.
    tol
        Absolute arc-length tolerance: a piece counts only when it is longer.
        Default ``1e-9`` times half the length of the shortest segment, as for
        :func:`regionwalk.enumerate_regions` on the segment as a 1-D box.

    Returns
    -------
    PathRegions
        ``.pieces``, ``.distinct``, ``.breakpoints``, ``.patterns``, ``.length``,
        ``.density``.

    Notes
    -----
    Exact, not sampled: each segment is cut layer by layer at the zeros of
    the pre-activations, which are affine between the cuts found so far.
    Hyperplanes met at one point, or run along, follow the walk's policy: a
    pre-activation within rounding of zero is zero; a neuron identically zero
    on a piece (pruned, or the path runs inside its hyperplane) is inactive
    there (bit 0, as the exact forward pass gives) and splits nothing; a piece
    no longer than ``tol`` does not count (its neighbours share it, split at
    its middle); consecutive pieces with equal patterns, at a vertex or around
    a dropped piece, are one piece; on a closed path the piece through the
    start counts once.

    Raises
    ------
    ValueError
        On points of the wrong shape, NaN/inf, a path of zero length or a bad ``tol``.
    """
    _check_common(net, tol)
    pts = _check_path(net, points, "points")
    p, length, tols = _cut_paths(net, [pts], bool(closed), tol)
    keys = _pack(p.patterns)
    patterns, bps = p.patterns, p.start[1:]
    if closed and p.pid.size > 1:
        if _wraps(p, keys, 1)[0]:
            patterns, bps = np.concatenate([patterns[1:-1], patterns[:1]]), p.start[1:]
        else:
            bps = p.start
    distinct = int(np.unique(keys, axis=0).shape[0])
    return PathRegions(
        pieces=int(len(patterns)), distinct=distinct, breakpoints=np.array(bps, dtype=np.float64),
        patterns=patterns, length=float(length[0]), closed=bool(closed), tol=float(tols[0]),
    )


class _PathSource:
    """Paths given as an ``(n, m, d)`` array or a list of ``(m_i, d)`` arrays, checked batch by batch."""

    def __init__(self, net: Network, paths: Any) -> None:
        self.net = net
        self.array: Any = None
        self.items: list[Any] = []
        if isinstance(paths, (list, tuple)):
            self.items = list(paths)
            self.sizes = np.array([np.shape(p)[0] if np.ndim(p) == 2 else 0 for p in self.items], dtype=np.int64)
        else:
            if not hasattr(paths, "shape") or not hasattr(paths, "dtype"):
                paths = np.asarray(paths, dtype=np.float64)
            d = net.input_dim
            if paths.ndim != 3 or paths.shape[1] < 2 or paths.shape[2] != d:
                raise ValueError(f"paths must have shape (n, m, {d}) with m >= 2, or be a list of (m_i, {d}) "
                                 f"arrays; got shape {tuple(paths.shape)}")
            self.array = paths
            self.sizes = np.full(paths.shape[0], paths.shape[1], dtype=np.int64)

    def __len__(self) -> int:
        return int(self.sizes.size)

    def batch(self, start: int, stop: int) -> list[np.ndarray]:
        if self.array is not None:
            block = np.asarray(self.array[start:stop], dtype=np.float64)
            if not np.all(np.isfinite(block)):
                raise ValueError("paths contain NaN or inf")
            return list(block)
        return [_check_path(self.net, self.items[i], f"paths[{i}]") for i in range(start, stop)]


def _distinct_per_path(pid: np.ndarray, patterns: np.ndarray, n: int) -> np.ndarray:
    """Number of distinct patterns per path, by 64-bit hashes of the patterns."""
    words = patterns.shape[1] // 64 + 1
    bits = np.zeros((len(patterns), words * 64), dtype=bool)
    bits[:, : patterns.shape[1]] = patterns
    packed = np.packbits(bits, axis=1, bitorder="little").view("<u8")
    mult = np.random.default_rng(0x5EED).integers(1, 2**63, size=(2, words), dtype=np.uint64) | np.uint64(1)
    with np.errstate(over="ignore"):
        h1 = (packed * mult[0]).sum(axis=1, dtype=np.uint64)
        h2 = (packed * mult[1]).sum(axis=1, dtype=np.uint64)
    order = np.lexsort((h2, h1, pid))
    p, a, b = pid[order], h1[order], h2[order]
    new = np.r_[True, (p[1:] != p[:-1]) | (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    return np.bincount(p[new], minlength=n)


def count_along_many(
    net: Network,
    paths: Any,
    closed: bool = False,
    *,
    tol: float | None = None,
    batch_segments: int | None = None,
) -> PathCounts:
    """Exact piece counts for many paths at once (vectorised over paths and pieces).

    Parameters
    ----------
    net
        The network.
    paths
        ``(n, m, d)`` array of ``n`` polylines of ``m`` points (``m = 2``: segments),
        or a list of ``(m_i, d)`` arrays. An array is read a batch at a time
        (float32 input is not copied whole).
    closed, tol
        As for :func:`count_along`; the default ``tol`` is per path.
    batch_segments
        Segments cut together (memory grows with it times the pieces per
        segment times the hidden neurons); default about ``2**18 / N``.

    Returns
    -------
    PathCounts
        ``.pieces``, ``.distinct``, ``.length``, ``.density``: arrays of shape ``(n,)``,
        equal to :func:`count_along` on each path.
    """
    _check_common(net, tol)
    src = _PathSource(net, paths)
    n = len(src)
    if batch_segments is None:
        batch_segments = max(16, 2**18 // max(1, net.hidden_neurons))
    if int(batch_segments) < 1:
        raise ValueError(f"batch_segments must be >= 1, got {batch_segments}")
    pieces = np.zeros(n, dtype=np.int64)
    distinct = np.zeros(n, dtype=np.int64)
    length = np.zeros(n)
    ends = np.cumsum(src.sizes)
    start = 0
    while start < n:
        base = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, base + int(batch_segments), side="right")))
        p, lens, _ = _cut_paths(net, src.batch(start, stop), bool(closed), tol, start)
        k = stop - start
        counts = np.bincount(p.pid, minlength=k)
        if closed:
            counts = counts - _wraps(p, _pack(p.patterns), k)
        pieces[start:stop] = counts
        distinct[start:stop] = _distinct_per_path(p.pid, p.patterns, k)
        length[start:stop] = lens
        start = stop
    return PathCounts(pieces=pieces, distinct=distinct, length=length, closed=bool(closed))
