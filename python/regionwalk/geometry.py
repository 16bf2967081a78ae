"""Per-region geometry: the affine map, its rank and singular values, slopes,
Chebyshev balls, volumes and irredundant half-spaces of every region.

On the region of pattern ``s`` the network is ``F(x) = W_R x + b_R`` with
``W_R = W_K D_{K-1} W_{K-1} ... D_1 W_1`` (Johansson 2022, eq. 2.2; ``D_l`` is
the diagonal of slopes: 1 for an active neuron, ``alpha`` for an inactive one).

* ``rank``: numerical rank of ``W_R``: singular values above ``rank_tol``,
  by default ``10 eps max(d, n_out, n_1, ..., n_L) prod_l ||W_l||_2`` (an
  upper bound of every ``||W_R||`` times a rounding allowance), so a ``W_R``
  that is zero up to rounding has rank 0.
* ``rank_bound``: Johansson's eq. 2.3, ``min(n_0, n_out, min_l trace(Z_l))``,
  ``trace(Z_l)`` the active neurons of layer l (all ``n_l`` for LeakyReLU,
  whose ``D_l`` is invertible). Always ``>= rank``; equal for random weights.
* ``slope(p)``: the operator norm ``||W_R||_{p->p}`` (Johansson's p-slope):
  largest singular value (p = 2), largest column sum (p = 1), largest row sum
  (p = inf) of ``|W_R|``.
* ``inradius``/``chebyshev_center``: the largest Euclidean ball inside
  ``region ∩ domain``: an LP (HiGHS) for a box or the whole space, a
  second-order cone program (Clarabel) for a ball. In the whole space an
  unbounded ball has radius ``inf`` and centre NaN.
* ``volume``: exact (Qhull on the vertices) when ``region ∩ domain`` is a
  polytope and ``d <= 6``: a box, or a bounded region of the whole space;
  NaN for a ball, an unbounded region, or ``d > 6``.

Neurons whose local form is zero on a region bound nothing and are left out.
On a :class:`~regionwalk.Plane` the map, rank, singular values and slopes are
those of the network on its input space; Chebyshev balls, volumes (areas) and
half-spaces are in plane coordinates (the network restricted to the plane).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from regionwalk import _forms
from regionwalk._polytope import Constraints, FacetLP, chebyshev_many, coincident_groups, domain_scale, max_margin, region_constraints
from regionwalk.domains import Ball, Box, Domain
from regionwalk.network import Network
from regionwalk.plane import Plane

__all__ = ["RegionGeometry", "Facet", "MEASURES", "region_facets", "halfspaces", "chebyshev", "check_measures",
           "compute_measures", "with_measures"]

MAX_VOLUME_DIM = 6

MEASURES = ("rank", "rank_bound", "slope", "slope_1", "slope_inf", "sigma_min", "singular_values",
            "active", "inradius", "volume")
"""Names accepted by :meth:`RegionGeometry.measure` and ``enumerate_regions(measures=...)``."""


@dataclass(frozen=True)
class Facet:
    """One facet of ``region ∩ domain``: ``normal . x <= offset`` (unit normal, pointing out).

    ``neurons`` are the hidden neurons whose hyperplanes hold it (several when
    they coincide on the region; empty for a face of a box domain); ``point``
    lies in its relative interior at distance ``margin`` from every other
    hyperplane of the region and from the domain's boundary.
    """

    normal: np.ndarray
    offset: float
    neurons: tuple[int, ...]
    point: np.ndarray
    margin: float


def polytope_frame(net: Network, domain: Any) -> tuple[Network, Domain]:
    """The network and domain whose regions are the polytopes: on a plane, the restricted net and its box."""
    if isinstance(domain, Plane):
        return domain.restrict(net), domain.box
    return net, domain


def _candidate(cons: Constraints, k: int) -> bool:
    """False when row k's hyperplane misses the open domain (it can then be no facet)."""
    if cons.neuron[k] < 0:
        return True
    g, h = cons.G[k], cons.h[k]
    dom = cons.domain
    if isinstance(dom, Box):
        return abs(g @ dom.center - h) < np.abs(g) @ (0.5 * (dom.hi - dom.lo))
    if isinstance(dom, Ball):
        return abs(g @ dom.center - h) < dom.radius
    return True


def region_facets(net: Network, pattern: Any, domain: Domain = None, tol: float | None = None,
                  skip_neurons: Any = ()) -> list[Facet]:
    """The irredundant facets of one region within the domain.

    A row is a facet when some point of it, inside the open domain, keeps a
    margin ``> tol`` from every other hyperplane of the region and from the
    domain's boundary (the walk's rule; ``tol`` defaults to ``1e-9`` times the
    domain's scale). One LP (a cone program for a ball) per candidate row.
    Rows of neurons in ``skip_neurons`` are not tested (they stay constraints).
    """
    pat = np.asarray(pattern, dtype=bool)
    net, domain = polytope_frame(net, domain)
    cons = region_constraints(net, pat, domain)
    scale = domain_scale(domain)
    tol = 1e-9 * scale if tol is None else float(tol)
    labels = coincident_groups(cons)
    skip = set(int(j) for j in skip_neurons)
    lp = None if isinstance(domain, Ball) or len(labels) == 0 else FacetLP(cons, scale)
    out = []
    for k in np.flatnonzero(labels == np.arange(len(labels))):
        group = labels == k
        # a hyperplane that coincides with a box face on the region lies on the
        # domain's boundary: a face of region ∩ box, crossed by nothing inside
        on_face = bool(np.any(cons.neuron[group] < 0))
        neurons = () if on_face else tuple(int(j) for j in cons.neuron[group])
        if (neurons and skip.issuperset(neurons)) or not (on_face or _candidate(cons, int(k))):
            continue
        eq = np.zeros(len(labels), dtype=bool)
        eq[k] = True
        if lp is not None:
            status, sol = lp.solve(int(k), group & ~eq)
        else:
            status, sol = max_margin(cons, eq=eq, skip=group & ~eq, t_cap=scale)
        if status == "optimal" and sol is not None and sol[-1] > tol:
            out.append(Facet(cons.G[k].copy(), float(cons.h[k]), neurons, sol[:-1], float(sol[-1])))
    return out


def halfspaces(net: Network, pattern: Any, domain: Domain = None, tol: float | None = None,
               return_neurons: bool = False) -> tuple[np.ndarray, ...]:
    """Irredundant ``A x <= b`` of one region within the domain (unit rows).

    Rows are the region's facets, then (for a box) the box faces that are
    facets of ``region ∩ box``. A ball's own boundary is not linear and is not
    a row: intersect with the ball yourself. With ``return_neurons`` a third
    array gives each row's first neuron (``-1`` for a box face).
    """
    facets = region_facets(net, pattern, domain, tol)
    d = polytope_frame(net, domain)[0].input_dim
    A = np.array([f.normal for f in facets]).reshape(-1, d)
    b = np.array([f.offset for f in facets], dtype=float)
    if return_neurons:
        return A, b, np.array([f.neurons[0] if f.neurons else -1 for f in facets], dtype=np.int64)
    return A, b


_CHEBYSHEV_BLOCK = 64


def _ball_of(status: str, sol: np.ndarray | None, d: int, no_rows: bool) -> tuple[float, np.ndarray]:
    if no_rows or status == "unbounded":
        return float("inf"), np.full(d, np.nan)
    if sol is None:
        return float("nan"), np.full(d, np.nan)
    return float(sol[-1]), sol[:-1]


def chebyshev(net: Network, pattern: Any, domain: Domain = None) -> tuple[float, np.ndarray]:
    """Radius and centre of the largest Euclidean ball inside ``region ∩ domain``."""
    net, domain = polytope_frame(net, domain)
    cons = region_constraints(net, np.asarray(pattern, dtype=bool), domain)
    if len(cons.h) == 0:
        return _ball_of("unbounded", None, net.input_dim, True)
    return _ball_of(*max_margin(cons), net.input_dim, False)


def _bounding_box(cons: Constraints) -> tuple[np.ndarray, np.ndarray] | None:
    """Coordinate bounds of ``{G x <= h}``, or None when it is unbounded."""
    from scipy.optimize import linprog

    d = cons.dim
    lo, hi = np.empty(d), np.empty(d)
    for i in range(d):
        for sign, store in ((1.0, lo), (-1.0, hi)):
            c = np.zeros(d)
            c[i] = sign
            r = linprog(c, A_ub=cons.G, b_ub=cons.h, bounds=[(None, None)] * d, method="highs")
            if r.status != 0:
                return None
            store[i] = sign * r.fun
    return lo, hi


def polytope_volume(cons: Constraints, interior: np.ndarray) -> float:
    """Volume of the bounded polytope ``{G x <= h}`` with a strictly interior point."""
    d = cons.dim
    if d == 1:
        g = cons.G[:, 0]
        upper = np.min(cons.h[g > 0] / g[g > 0])
        lower = np.max(cons.h[g < 0] / g[g < 0])
        return float(max(upper - lower, 0.0))
    from scipy.spatial import ConvexHull, HalfspaceIntersection, QhullError

    try:
        pts = HalfspaceIntersection(np.hstack([cons.G, -cons.h[:, None]]), interior).intersections
    except (QhullError, ValueError):
        return float("nan")
    try:
        return float(ConvexHull(pts).volume)
    except (QhullError, ValueError):
        pass
    # A vertex where more than d hyperplanes meet comes once per dual facet, and
    # Qhull can fail on the copies: merge them (to 1e-10 of the polytope's size).
    step = 1e-10 * float(np.ptp(pts, axis=0).max()) or 1e-300
    pts = np.unique(np.round(pts / step), axis=0) * step
    for options in (None, "Q12", "QJ"):  # joggling (QJ) last: exact only up to ~1e-11
        try:
            return float(ConvexHull(pts, qhull_options=options).volume)
        except (QhullError, ValueError):
            continue
    return float("nan")


def region_volume(net: Network, pattern: Any, domain: Domain, center: np.ndarray, radius: float) -> float:
    """Exact volume of ``region ∩ domain`` when it is a polytope in ``d <= 6``; NaN otherwise."""
    net, domain = polytope_frame(net, domain)
    d = net.input_dim
    if isinstance(domain, Ball) or d > MAX_VOLUME_DIM or not np.isfinite(radius) or radius <= 0:
        return float("nan")
    cons = region_constraints(net, np.asarray(pattern, dtype=bool), domain)
    if domain is None:
        box = _bounding_box(cons)
        if box is None:
            return float("nan")
        lo, hi = box
        pad = 1.0 + np.abs(lo) + np.abs(hi)
        cons = Constraints(np.vstack([cons.G, np.eye(d), -np.eye(d)]),
                           np.concatenate([cons.h, hi + pad, -(lo - pad)]), cons.neuron, None)
    return polytope_volume(cons, center)


class RegionGeometry:
    """Per-region arrays of a set of regions, in the order of their patterns.

    Fields are computed on first use: the spectral ones (``rank``,
    ``singular_values``, ``slope``) in torch batches from the patterns without
    keeping the Jacobians; ``jacobian``/``offset`` only when asked for; the
    Chebyshev balls and volumes by one convex program per region.

    Parameters
    ----------
    net
        The network.
    patterns
        Activation patterns, ``(count, N)`` bools.
    domain
        The domain the regions were found in (``Box``, ``Ball`` or ``None``).
    device, batch_size
        Torch device and regions per batch for the batched fields.
    rank_tol
        Singular values above this count in ``rank`` (default: see the module doc).
    """

    def __init__(self, net: Network, patterns: Any, domain: Domain = None, *, device: Any = "cpu",
                 batch_size: int | None = None, rank_tol: float | None = None) -> None:
        pats = np.asarray(patterns, dtype=bool)
        if pats.ndim != 2 or pats.shape[1] != net.hidden_neurons:
            raise ValueError(f"patterns must have shape (count, {net.hidden_neurons}), got {pats.shape}")
        if rank_tol is not None and not (np.isfinite(rank_tol) and rank_tol >= 0):
            raise ValueError(f"rank_tol must be finite and >= 0, got {rank_tol}")
        self.network, self.patterns, self.domain = net, pats, domain
        self.device = _forms.torch_device(device)
        self._batch_size = batch_size
        self._rank_tol = rank_tol

    @property
    def count(self) -> int:
        return int(self.patterns.shape[0])

    @property
    def rank_tol(self) -> float:
        """The tolerance of :attr:`rank`."""
        if self._rank_tol is not None:
            return float(self._rank_tol)
        net = self.network
        n_out = net.weights[-1].shape[0]
        big = max(net.input_dim, n_out, *net.widths)
        prod = float(np.prod([np.linalg.norm(w, 2) for w in net.weights]))
        return 10.0 * np.finfo(float).eps * big * prod

    def _batches(self, per_row: int):
        import torch

        rows = _forms.batch_rows(self.network, per_row, self._batch_size)
        lay = _forms.layers(self.network, self.device, torch.float64)
        for s in range(0, self.count, rows):
            pats = torch.as_tensor(self.patterns[s:s + rows], device=self.device)
            yield lay, _forms.slopes_from_patterns(self.network, pats)

    def _output_maps(self):
        net = self.network
        n_out, d, wide = net.weights[-1].shape[0], net.input_dim, max(net.widths)
        # the product runs from the narrower end (see _forms.output_map): its widest intermediate
        per_row = 3 * (n_out * (d + wide) if n_out <= d else wide * d)
        for lay, slopes in self._batches(per_row):
            yield _forms.output_map(lay, slopes)

    @cached_property
    def _affine(self) -> tuple[np.ndarray, np.ndarray]:
        parts = [(w.cpu().numpy(), c.cpu().numpy()) for w, c in self._output_maps()]
        n_out, d = self.network.weights[-1].shape[0], self.network.input_dim
        if not parts:
            return np.zeros((0, n_out, d)), np.zeros((0, n_out))
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    @property
    def jacobian(self) -> np.ndarray:
        """``W_R`` of every region, shape ``(count, n_out, d)``."""
        return self._affine[0]

    @property
    def offset(self) -> np.ndarray:
        """``b_R`` of every region, shape ``(count, n_out)``."""
        return self._affine[1]

    @cached_property
    def _spectrum(self) -> dict[str, np.ndarray]:
        import torch

        sv, s1, sinf = [], [], []
        for w, _ in self._output_maps():
            one = min(w.shape[1], w.shape[2]) == 1  # a row or a column: its norm
            sv.append((w.flatten(1).norm(dim=1)[:, None] if one else torch.linalg.svdvals(w)).cpu().numpy())
            s1.append(w.abs().sum(dim=1).max(dim=1).values.cpu().numpy())
            sinf.append(w.abs().sum(dim=2).max(dim=1).values.cpu().numpy())
        k = min(self.network.weights[-1].shape[0], self.network.input_dim)
        cat = (lambda xs, shape: np.concatenate(xs) if xs else np.zeros(shape))
        return {"sv": cat(sv, (0, k)), "1": cat(s1, (0,)), "inf": cat(sinf, (0,))}

    @property
    def singular_values(self) -> np.ndarray:
        """Singular values of ``W_R``, descending, shape ``(count, min(n_out, d))``."""
        return self._spectrum["sv"]

    @property
    def rank(self) -> np.ndarray:
        """Numerical rank of ``W_R``: singular values above :attr:`rank_tol`, shape ``(count,)``."""
        return np.sum(self.singular_values > self.rank_tol, axis=1).astype(np.int64)

    @property
    def active(self) -> np.ndarray:
        """Active neurons of each hidden layer, shape ``(count, L)``."""
        bounds = np.cumsum((0, *self.network.widths))
        return np.stack([self.patterns[:, a:b].sum(axis=1) for a, b in zip(bounds[:-1], bounds[1:])], axis=1)

    @property
    def rank_bound(self) -> np.ndarray:
        """Johansson's ``min(n_0, n_out, min_l trace(Z_l))`` (eq. 2.3), shape ``(count,)``."""
        net = self.network
        widths = np.broadcast_to(np.array(net.widths), (self.count, len(net.widths)))
        per_layer = self.active if net.alpha == 0 else widths  # LeakyReLU: every D_l is invertible
        cap = min(net.input_dim, net.weights[-1].shape[0])
        return np.minimum(cap, per_layer.min(axis=1, initial=cap)).astype(np.int64)

    def slope(self, p: Any = 2) -> np.ndarray:
        """Operator norm ``||W_R||_{p->p}`` of every region for ``p`` in {1, 2, inf}, shape ``(count,)``."""
        try:
            pf = float(p)
        except (TypeError, ValueError):
            pf = float("nan")
        if pf == 2.0:
            sv = self.singular_values
            return sv[:, 0].copy() if sv.shape[1] else np.zeros(self.count)
        if pf in (1.0, float("inf")):
            return self._spectrum["1" if pf == 1.0 else "inf"].copy()
        raise ValueError(f"p must be 1, 2 or inf, got {p!r}")

    @cached_property
    def _chebyshev(self) -> tuple[np.ndarray, np.ndarray]:
        net, dom = polytope_frame(self.network, self.domain)
        radius = np.empty(self.count)
        centre = np.empty((self.count, net.input_dim))
        if isinstance(dom, Ball):
            for i, pat in enumerate(self.patterns):
                radius[i], centre[i] = chebyshev(net, pat, dom)
            return radius, centre
        for start in range(0, self.count, _CHEBYSHEV_BLOCK):  # LPs in blocks: one HiGHS call each
            conss = [region_constraints(net, p, dom) for p in self.patterns[start:start + _CHEBYSHEV_BLOCK]]
            for i, (c, (status, sol)) in enumerate(zip(conss, chebyshev_many(conss)), start):
                radius[i], centre[i] = _ball_of(status, sol, net.input_dim, len(c.h) == 0)
        return radius, centre

    @property
    def inradius(self) -> np.ndarray:
        """Radius of the largest Euclidean ball inside ``region ∩ domain``, shape ``(count,)``.

        ``inf`` for a region of the whole space that holds balls of any size.
        """
        return self._chebyshev[0]

    @property
    def chebyshev_center(self) -> np.ndarray:
        """Centre of that ball, shape ``(count, d)`` (NaN where the radius is inf)."""
        return self._chebyshev[1]

    @cached_property
    def volume(self) -> np.ndarray:
        """Exact volume of ``region ∩ domain`` (polytopes in ``d <= 6``), NaN otherwise, shape ``(count,)``."""
        if isinstance(self.domain, Ball) or polytope_frame(self.network, self.domain)[0].input_dim > MAX_VOLUME_DIM:
            return np.full(self.count, np.nan)
        radius, centre = self._chebyshev
        return np.array([region_volume(self.network, p, self.domain, c, r)
                         for p, c, r in zip(self.patterns, centre, radius)])

    def measure(self, name: str) -> np.ndarray:
        """One of :data:`MEASURES` by name."""
        getters = {
            "rank": lambda: self.rank, "rank_bound": lambda: self.rank_bound,
            "slope": lambda: self.slope(2), "slope_1": lambda: self.slope(1),
            "slope_inf": lambda: self.slope(np.inf),
            "sigma_min": lambda: self.singular_values[:, -1] if self.singular_values.shape[1] else np.zeros(self.count),
            "singular_values": lambda: self.singular_values, "active": lambda: self.active,
            "inradius": lambda: self.inradius, "volume": lambda: self.volume,
        }
        if name not in getters:
            raise ValueError(f"unknown measure {name!r}; accepted: {', '.join(MEASURES)}")
        return np.asarray(getters[name]())

    def __repr__(self) -> str:
        return f"RegionGeometry(count={self.count}, network={self.network!r})"


def check_measures(measures: Any) -> tuple[str, ...]:
    """``measures`` as a tuple of names; ``ValueError`` naming the accepted ones otherwise."""
    if isinstance(measures, str):
        measures = tuple(m for m in measures.split(",") if m)
    names = tuple(str(m).strip() for m in measures)
    bad = [m for m in names if m not in MEASURES]
    if bad:
        raise ValueError(f"unknown measure(s) {', '.join(map(repr, bad))}; accepted: {', '.join(MEASURES)}")
    return names


def compute_measures(net: Network, patterns: Any, domain: Domain, measures: Any, *, device: Any = "cpu",
                     batch_size: int | None = None) -> dict[str, np.ndarray]:
    """Per-region scalars (and ``singular_values``) by name, computed in batches from the patterns."""
    names = check_measures(measures)
    geo = RegionGeometry(net, patterns, domain, device=device, batch_size=batch_size)
    return {name: geo.measure(name) for name in names}


def with_measures(res: Any, measures: Any) -> Any:
    """``res`` (a :class:`~regionwalk.Regions`) with ``res.measures`` filled in (the walk's hook)."""
    names = check_measures(measures)
    if not names:
        return res
    import dataclasses

    return dataclasses.replace(res, measures=compute_measures(res.network, res.patterns, res.domain, names))
