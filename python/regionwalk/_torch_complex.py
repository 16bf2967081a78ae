"""A box's regions from its whole complex, built with torch on any device (a GPU).

The algorithm is the compiled complex's (``cpp/include/regionwalk/subdivide.hpp``,
edge subdivision after Berzins, ICML 2023), written as whole-array steps that a
GPU runs in parallel: every vertex's values by one batched forward pass per
layer, every crossed edge split at once, the cut's own edges paired by sorting
hashes of their 2-faces' sign vectors, and the cells read off their lowest
vertices along a fixed direction (checked against their highest ones).

Vertices carry a sign per constraint (``int8``: neurons first, then the box's
faces ``lo_q, hi_q``; 0 where the vertex is tight, 1 for a neuron not yet cut)
and the sorted list of their ``d`` tight constraints; edges live in slots,
``nbr[v, 2 r + side]`` being v's neighbour off its r-th tight constraint on
that side (-1: none, as off a box face outwards). A cut knows every slot it
fills, so no step searches for an edge's ends. The box is the core's unit box
``[-1, 1]^d``.

It answers only on a complex in general position and checks that as it goes,
as the compiled complex does: a vertex on (or within rounding of) a neuron's
zero set, a 2-face not crossed exactly twice, a vertex without its edges, an
edge level along the direction, a cell whose interior point does not give its
pattern with margin ``tol``, or a pattern read twice each raise
:class:`Refused`; the caller then hands the box to the compiled engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MIN_DIM, MAX_DIM = 3, 8
_NEAR = 1e-10  # a value this small against the size of the terms it sums counts as 0


class Refused(Exception):
    """The complex is not in general position (or past its memory): walk the box instead."""


@dataclass(frozen=True)
class BoxComplex:
    """The cells of a complex: packed patterns ``(count, words)`` uint64 in sorted order,
    interior points ``(count, d)`` in the unit box, and the complex's vertex count."""

    patterns: np.ndarray
    points: np.ndarray
    vertices: int


def box_complex(weights: list[np.ndarray], biases: list[np.ndarray], alpha: float, tol: float, device: Any,
                max_bytes: int) -> BoxComplex:
    """The regions of the net (hidden layers ``weights``, ``biases``; leak ``alpha``) in
    ``[-1, 1]^d``, on torch ``device``. Raises :class:`Refused` (with the reason)."""
    return _Complex(weights, biases, alpha, tol, device, max_bytes).run()


class _Complex:
    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray], alpha: float, tol: float, device: Any,
                 max_bytes: int) -> None:
        import torch

        self.torch, self.dev = torch, device
        self.ws = [torch.as_tensor(w, dtype=torch.float64, device=device) for w in weights]
        self.bs = [torch.as_tensor(b, dtype=torch.float64, device=device) for b in biases]
        self.alpha, self.tol, self.max_bytes = float(alpha), float(tol), int(max_bytes)
        self.d = int(weights[0].shape[1])
        self.n = sum(int(w.shape[0]) for w in weights)
        if not MIN_DIM <= self.d <= MAX_DIM:
            raise Refused(f"not a box of {MIN_DIM} to {MAX_DIM} dimensions")
        # Two independent linear hashes of sign vectors (wrapping int64 sums): the first
        # sorts the 2-faces' records, the second must agree on every pair as well.
        gen = torch.Generator().manual_seed(20)
        self.salt = torch.randint(-(2**62), 2**62, (2, self.n + 2 * self.d), generator=gen).to(device)
        self._bounds()

    # -- set-up ---------------------------------------------------------------------
    def _bounds(self) -> None:
        """Per neuron over the box: a bound on |grad z| (``lip``) and the values that count as 0."""
        leak = max(1.0, abs(self.alpha))
        lips: list[Any] = []
        sizes: list[Any] = []
        for l, (w, b) in enumerate(zip(self.ws, self.bs)):
            if l == 0:
                lip, size = w.norm(dim=1), b.abs() + w.abs().sum(1)
            else:
                lip, size = w.abs() @ (leak * lips[-1]), b.abs() + w.abs() @ (leak * sizes[-1])
            lips.append(lip)
            sizes.append(size)
        self.lip = self.torch.cat(lips)
        self.near = _NEAR * self.torch.cat(sizes)

    def _start_box(self) -> None:
        """The corners of ``[-1, 1]^d`` (bit q of a corner's index: on face hi_q) and its edges."""
        torch, d, n = self.torch, self.d, self.n
        idx = torch.arange(2**d, device=self.dev)
        bits = (idx[:, None] >> torch.arange(d, device=self.dev)) & 1
        self.x = (2.0 * bits - 1.0).to(torch.float64)
        self.s = torch.ones(2**d, n + 2 * d, dtype=torch.int8, device=self.dev)
        self.t = n + 2 * torch.arange(d, device=self.dev) + bits  # tight on lo_q or hi_q, sorted by q
        self.s.scatter_(1, self.t, 0)
        self.hash = self._full_hash(self.s)
        self.nbr = torch.full((2**d, 2 * d), -1, dtype=torch.int64, device=self.dev)
        self.nbr[:, 1::2] = idx[:, None] ^ (1 << torch.arange(d, device=self.dev))  # inwards off face q

    def _full_hash(self, signs: Any) -> Any:
        """Both hashes of each row of ``signs`` ``(V, 2)``; kept up to date as vertices come."""
        return (signs.long()[:, None, :] * self.salt).sum(2)

    def _layer_values(self, l: int) -> None:
        """Every vertex's values of layer ``l``'s neurons, by a forward pass."""
        h = self.x
        for w, b in zip(self.ws[:l], self.bs[:l]):
            h = self._act(h @ w.T + b)
        self.z = h @ self.ws[l].T + self.bs[l]

    def _act(self, z: Any) -> Any:
        return z.clamp(min=0) if self.alpha == 0 else self.torch.where(z > 0, z, self.alpha * z)

    # -- the cuts ---------------------------------------------------------------------
    def run(self) -> BoxComplex:
        self._start_box()
        k = 0
        for l, w in enumerate(self.ws):
            self._layer_values(l)
            for j in range(w.shape[0]):
                self._cut(k, j)
                k += 1
                if self._bytes() > self.max_bytes:
                    raise Refused("past its memory budget")
        self.z = None
        patterns, points = self._read_cells()
        return BoxComplex(patterns, points, len(self.x))

    def _bytes(self) -> int:
        v, c = self.x.shape[0], self.s.shape[1]
        width = 0 if self.z is None else self.z.shape[1]
        return v * (32 * self.d + c + 8 * width + 16)

    def _cut(self, k: int, j: int) -> None:
        """Cut by neuron ``k`` (``j``-th of its layer): a vertex on every edge it crosses,
        then the cut's own edges."""
        torch, z = self.torch, self.z[:, j]
        if bool((z.abs() <= self.near[k]).any()):
            if bool((z == 0).all()):  # zero on every vertex, so on every cell: inactive everywhere
                self.s[:, k] = -1
                self.hash -= 2 * self.salt[:, k]  # was 1, as for a neuron not yet cut
                return
            raise Refused(f"a vertex lies on (or within rounding of) neuron {k}'s zero set")
        up = z > 0
        self.s[:, k] = torch.where(up, 1, -1).to(torch.int8)
        self.hash += (self.s[:, k].long() - 1)[:, None] * self.salt[:, k]  # was 1, as for a neuron not yet cut
        count, nbr = len(self.x), self.nbr
        ends = nbr.clamp(min=0)
        crossed = (nbr > torch.arange(count, device=self.dev)[:, None]) & (up[ends] != up[:, None])  # each edge once
        ca, slot_a = crossed.nonzero(as_tuple=True)
        m = len(ca)
        if m == 0:
            return
        cb = nbr[ca, slot_a]
        back = nbr[cb] == ca[:, None]
        if not bool((back.sum(1) == 1).all()):
            raise Refused("an edge held in more than one slot")
        slot_b = back.long().argmax(1)
        frac = (z[ca] / (z[ca] - z[cb]))[:, None]
        xm = self.x[ca] + frac * (self.x[cb] - self.x[ca])
        zm = self.z[ca] + frac * (self.z[cb] - self.z[ca])
        zm[:, j] = 0.0
        sm = (self.s[ca] + self.s[cb]).sign()  # an end's tight constraint takes the other end's side
        sm[:, k] = 0
        tight = sm == 0
        if not bool((tight.sum(1) == self.d).all()):
            raise Refused(f"an edge crossed by neuron {k} is not on {self.d - 1} constraints")
        tm = tight.nonzero()[:, 1].view(m, self.d)
        # The new vertex's signs are ca's but off its tight constraint across the edge (cb's
        # side) and at neuron k (0): its hashes follow from ca's.
        dropped = self.t[ca, slot_a // 2]
        hm = (self.hash[ca] + self.salt[:, dropped].T * (2 * (slot_a % 2) - 1)[:, None]
              - self.salt[:, k] * self.s[ca, k].long()[:, None])
        ids = torch.arange(count, count + m, device=self.dev)
        rows = torch.arange(m, device=self.dev)
        new = torch.full((m, 2 * self.d), -1, dtype=torch.int64, device=self.dev)
        at_k = 2 * (tm == k).long().argmax(1)
        new[rows, at_k + up[ca].long()] = ca  # off neuron k, on each end's side
        new[rows, at_k + up[cb].long()] = cb
        nbr[ca, slot_a], nbr[cb, slot_b] = ids, ids
        self._link(k, hm, tm, new)
        self.nbr = torch.cat([nbr, new])
        self.x = torch.cat([self.x, xm])
        self.z = torch.cat([self.z, zm])
        self.s = torch.cat([self.s, sm])
        self.t = torch.cat([self.t, tm])
        self.hash = torch.cat([self.hash, hm])

    def _link(self, k: int, hm: Any, tm: Any, new: Any) -> None:
        """The cut's own edges, into the new vertices' slots ``new``: the two new vertices
        on each 2-face it crosses. A new vertex's 2-faces drop one of its edge's
        constraints, on either side (a box face: inside only): their sign vectors'
        hashes (the vertex's ``hm`` and that one sign) are sorted and must pair up
        exactly, under both hashes."""
        torch, d, n = self.torch, self.d, self.n
        m = len(hm)
        other = tm != k
        cols = tm[other].view(m, d - 1)
        at = torch.arange(d, device=self.dev).expand(m, -1)[other].view(m, d - 1)
        side = torch.tensor([-1, 1], device=self.dev)
        ok = ((cols < n)[:, :, None] | (side > 0)).flatten()
        keys = [(hm[:, h, None, None] + self.salt[h][cols][:, :, None] * side).flatten()[ok] for h in (0, 1)]
        vertex = torch.arange(m, device=self.dev)[:, None, None].expand(-1, d - 1, 2).flatten()[ok]
        slot = (2 * at[:, :, None] + (side > 0)).flatten()[ok]
        order = torch.argsort(keys[0])
        h = keys[0][order]
        p, q = order[0::2], order[1::2]
        if len(h) % 2 or not bool((h[0::2] == h[1::2]).all()) or bool((h[1:-1:2] == h[2::2]).any()) \
                or not bool((keys[1][p] == keys[1][q]).all()):
            raise Refused(f"a 2-face not crossed exactly twice by neuron {k}")
        first = len(self.x)
        new[vertex[p], slot[p]] = first + vertex[q]
        new[vertex[q], slot[q]] = first + vertex[p]

    # -- the cells ------------------------------------------------------------------------
    def _read_cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Each cell off its lowest vertex along a fixed direction, and again off its
        highest: both readings must give the same patterns, each once."""
        torch, d = self.torch, self.d
        q = torch.arange(1, d + 1, dtype=torch.float64, device=self.dev)
        direction = 0.3 + (0.5 + 1.3 * q * q).sin().abs()
        height = self.x @ (direction / direction.norm())
        nbr = self._slots()
        there = nbr >= 0
        climb = height[nbr.clamp(min=0)] - height[:, None]
        if not bool((climb.abs() > 1e-12 * height.abs().max())[there].all()):
            raise Refused("an edge level along the direction")
        rise, fall = there & (climb > 0), there & (climb < 0)
        low, low_points = self._cells(rise, nbr)
        high, _ = self._cells(fall, nbr, points=False)
        low, low_points = _sorted(low, low_points)
        if len(low) != len(high) or (len(low) and not np.array_equal(low, _sorted(high)[0])):
            raise Refused("the cells read off lowest and highest vertices differ")
        if len(low) > 1 and bool((low[1:] == low[:-1]).all(1).any()):
            raise Refused("a pattern found twice")
        assert low_points is not None
        return low, low_points

    def _slots(self) -> Any:
        """The slots, checked: every one filled, but a box face's outer one."""
        need = self.torch.ones_like(self.nbr, dtype=self.torch.bool)
        need[:, 0::2] = self.t < self.n
        if not bool(((self.nbr >= 0) == need).all()):
            raise Refused("a vertex misses an edge")
        return self.nbr

    def _cells(self, rise: Any, nbr: Any, points: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """The cells whose lowest vertex (along ``rise``) is v: one per choice of a rising
        edge for each tight constraint. Packed patterns and, if asked, interior points
        (the centroid of v and the chosen edges' far ends), checked by a forward pass."""
        torch, d, n = self.torch, self.d, self.n
        up = rise[:, 0::2].long() | (rise[:, 1::2].long() << 1)  # (V, d): bit s when slot (r, s) rises
        choices = torch.where(up == 3, 2, torch.where(up == 0, 0, 1)).prod(1)
        v = torch.repeat_interleave(torch.arange(len(up), device=self.dev), choices)
        rest = torch.arange(len(v), device=self.dev) - (torch.cumsum(choices, 0) - choices)[v]
        pattern = self.s[v, :n] > 0
        point = self.x[v].clone() if points else None
        rows = torch.arange(len(v), device=self.dev)
        for r in range(d):
            ur = up[v, r]
            side = torch.where(ur == 3, rest & 1, (ur == 2).long())
            rest = torch.where(ur == 3, rest >> 1, rest)
            col = self.t[v, r]
            neuron = col < n
            pattern[rows[neuron], col[neuron]] = side[neuron].bool()
            if point is not None:
                point += self.x[nbr[v, 2 * r + side]]
        if point is not None:
            point /= d + 1
            self._check_cells(pattern, point)
        packed = _pack(torch, pattern)
        return packed, None if point is None else point.cpu().numpy()

    def _check_cells(self, pattern: Any, point: Any) -> None:
        """Each interior point keeps a margin ``> tol`` from the box and gives its pattern
        with margin ``tol`` (a neuron's bound ``lip``, or its local form's norm)."""
        if not bool((1.0 - point.abs() > self.tol).all()):
            raise Refused("a cell thinner than tol")
        z = self._preactivations(point)
        if not bool(((z > 0) == pattern).all()):
            raise Refused("a cell's interior point has another pattern")
        close = z.abs() <= self.lip * self.tol + self.near
        rows = close.any(1).nonzero()[:, 0]
        if len(rows) == 0:
            return
        norm = self._form_norms(pattern[rows])
        zr = z[rows]
        fine = (zr.abs() > norm * self.tol + self.near) | ((zr == 0) & (norm == 0))
        if not bool((fine | ~close[rows]).all()):
            raise Refused("a cell thinner than tol")

    def _preactivations(self, x: Any) -> Any:
        out, h = [], x
        for w, b in zip(self.ws, self.bs):
            z = h @ w.T + b
            out.append(z)
            h = self._act(z)
        return self.torch.cat(out, 1)

    def _form_norms(self, pattern: Any) -> Any:
        """``|grad z_k|`` of every neuron on each pattern's region ``(m, n)``."""
        torch = self.torch
        grads, g, at = [], None, 0
        for w in self.ws:
            g = w.expand(len(pattern), -1, -1) if g is None else w @ g
            grads.append(g.norm(dim=2))
            on = pattern[:, at:at + w.shape[0]]
            slope = torch.where(on, 1.0, self.alpha).to(torch.float64)
            g = slope[:, :, None] * g
            at += w.shape[0]
        return torch.cat(grads, 1)


def _pack(torch: Any, pattern: Any) -> np.ndarray:
    """Bool patterns ``(m, n)`` as uint64 words (bit j of word j // 64)."""
    m, n = pattern.shape
    words = (n + 63) // 64
    bits = torch.zeros(m, words * 64, dtype=torch.int64, device=pattern.device)
    bits[:, :n] = pattern.long()
    powers = torch.ones(64, dtype=torch.int64, device=pattern.device) << torch.arange(64, device=pattern.device)
    packed = (bits.view(m, words, 64) * powers).sum(2)
    return packed.cpu().numpy().view(np.uint64)


def _sorted(packed: np.ndarray, points: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Patterns in the core's order (by words, first word first), points alongside."""
    order = np.lexsort(packed.T[::-1]) if len(packed) else np.arange(0)
    return packed[order], None if points is None else points[order]


# -- the walk's entry ------------------------------------------------------------------------
_STATS = ("regions_expanded", "facet_tests", "facets_found", "skipped_visited", "inherited_proofs",
          "rechecked_proofs", "proof_errors", "lp_solves", "lp_iterations", "qp_solves", "undecided",
          "witness_failures", "stable_neurons", "subdivision_vertices", "subdivision_refusals")


def resolve_device(device: Any) -> Any:
    """``device`` as a torch device, or a one-line ``ValueError``."""
    from regionwalk.sampling import _resolve_device

    if not isinstance(device, str):
        raise TypeError(f"device must be a torch device name such as 'cuda', 'cuda:1' or 'cpu', got {device!r}")
    try:
        return _resolve_device(device)
    except RuntimeError:
        raise ValueError(
            f"device must be a torch device name such as 'cuda', 'cuda:1' or 'cpu', got {device!r}") from None


def applies(domain: Any, limits: tuple[int, float, int, int]) -> bool:
    """The device's complex answers a box of 3 to 8 inputs walked with no region or time limit."""
    from regionwalk.domains import Box

    return isinstance(domain, Box) and MIN_DIM <= domain.dim <= MAX_DIM and limits[0] < 0 and limits[1] < 0


def device_raw(net: Any, domain: Any, tol: float, max_memory: int, store_points: bool,
               device: Any) -> tuple[dict[str, Any] | None, str]:
    """The walk's raw result from the box's complex on ``device``, in the core's unit
    box (``tol`` there; 0: the core's default), or ``(None, why)`` when it refused."""
    import time

    weights, biases = _unit_box_layers(net, domain)
    start = time.perf_counter()
    try:
        cx = box_complex(weights, biases, net.alpha, tol or 1e-9, device, _budget(device, max_memory))
    except Refused as why:
        return None, str(why)
    except KeyboardInterrupt:
        return _raw(np.zeros((0, (net.hidden_neurons + 63) // 64), np.uint64), None, "interrupted",
                    time.perf_counter() - start, 0, "cancelled"), "cancelled"
    except MemoryError:
        return None, "out of memory"
    except RuntimeError as err:  # torch's out-of-memory errors (CUDA's, the CPU allocator's)
        if "out of memory" not in str(err) and "can't allocate memory" not in str(err):
            raise
        return None, "out of memory on the device"
    points = cx.points if store_points else None
    return _raw(cx.patterns, points, "complete", time.perf_counter() - start, cx.vertices, None), ""


def _raw(patterns: np.ndarray, points: np.ndarray | None, stop: str, seconds: float, vertices: int,
         refusal: str | None) -> dict[str, Any]:
    stats: dict[str, Any] = dict.fromkeys(_STATS, 0)
    stats.update(subdivision_vertices=vertices, subdivision_refusals=int(refusal is not None), seconds=seconds)
    return {"count": len(patterns), "patterns": patterns, "points": points, "stop": stop, "certified": True,
            "bytes": patterns.nbytes, "stats": stats, "subdivision_refusal": refusal, "state": None}


def _unit_box_layers(net: Any, domain: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The hidden layers with the box mapped onto ``[-1, 1]^d``, as ``_core.reduce`` maps it."""
    half = 0.5 * (domain.hi - domain.lo)
    centre = 0.5 * (domain.hi + domain.lo)
    w, b = net.weights[0], net.biases[0].copy()
    for q in range(w.shape[1]):
        b += w[:, q] * centre[q]
    return [w * half, *net.weights[1:-1]], [b, *net.biases[1:-1]]


def _budget(device: Any, max_memory: int) -> int:
    """The complex's own bytes: ``max_memory``, else a quarter of the device's free
    memory (of the machine's on the CPU): a cut briefly holds its arrays twice."""
    if max_memory > 0:
        return max_memory
    import os

    import torch

    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0]) // 4
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4
