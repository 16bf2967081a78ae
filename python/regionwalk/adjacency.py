"""The region adjacency graph: which regions share a facet, and which neurons flip across it.

For every region the irredundant facets within the domain are found by one LP
per candidate hyperplane (:func:`regionwalk.geometry.region_facets`); from a
point in the relative interior of each facet a float64 forward pass a short
step outside reads off the neighbour's pattern, so the flipped neurons are
observed, not assumed (hyperplanes that coincide on a region flip together,
or not, as the network says). A facet whose neighbour is not among the given
patterns (an incomplete walk) gives no edge; a box face gives none.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from regionwalk.domains import Domain
from regionwalk.geometry import Facet, polytope_frame, region_facets
from regionwalk.network import Network

__all__ = ["Adjacency", "adjacency", "to_networkx", "require_networkx"]


class Adjacency(tuple):
    """``(edges, flipped)``: unpacks as a pair.

    Attributes
    ----------
    edges
        ``(E, 2)`` int64 region indices ``i < j`` (rows sorted) of regions that share a facet.
    flipped
        List of ``E`` int arrays: the neurons whose bits differ across each edge.
    points
        ``(E, d)``: a point in the relative interior of each shared facet (in
        plane coordinates on a :class:`~regionwalk.Plane`).
    """

    edges: np.ndarray
    flipped: list[np.ndarray]
    points: np.ndarray

    def __new__(cls, edges: np.ndarray, flipped: list[np.ndarray], points: np.ndarray) -> "Adjacency":
        obj = super().__new__(cls, (edges, flipped))
        obj.edges, obj.flipped, obj.points = edges, flipped, points
        return obj

    def flipped_mask(self, neurons: int) -> np.ndarray:
        """The flipped neurons as an ``(E, neurons)`` boolean matrix."""
        mask = np.zeros((len(self.flipped), neurons), dtype=bool)
        for e, f in enumerate(self.flipped):
            mask[e, f] = True
        return mask

    def __repr__(self) -> str:
        return f"Adjacency(edges={len(self.edges)})"


def _cross(net: Network, pattern: np.ndarray, facet: Facet) -> np.ndarray | None:
    """The pattern just outside ``facet``: only neurons of the facet may flip, at least one must."""
    group = np.zeros(pattern.shape[0], dtype=bool)
    group[list(facet.neurons)] = True
    step = 0.5 * facet.margin
    for _ in range(40):
        q = net.patterns(facet.point + step * facet.normal)[0]
        diff = q ^ pattern
        if diff.any() and not (diff & ~group).any():
            return q
        step *= 0.5
    return None


def adjacency(net: Network, patterns: Any, domain: Domain = None, *, tol: float | None = None) -> Adjacency:
    """Edges between the given regions that share a facet inside the domain.

    Parameters
    ----------
    net, domain
        The network and the domain the regions were found in.
    patterns
        ``(count, N)`` activation patterns (e.g. ``Regions.patterns``).
    tol
        Facet margin tolerance (default ``1e-9`` times the domain's scale, as the walk).

    Notes
    -----
    One LP per region and candidate hyperplane (a cone program for a ball);
    a facet found from one side is not tested again from the other.
    """
    pats = np.asarray(patterns, dtype=bool)
    net, domain = polytope_frame(net, domain)  # on a plane: plane coordinates
    index = {p.tobytes(): i for i, p in enumerate(pats)}
    known: list[set[int]] = [set() for _ in range(len(pats))]
    found: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for i, pat in enumerate(pats):
        for f in region_facets(net, pat, domain, tol, skip_neurons=known[i]):
            if not f.neurons:
                continue
            q = _cross(net, pat, f)
            j = index.get(q.tobytes()) if q is not None else None
            if j is None or j == i:
                continue
            flips = np.flatnonzero(q ^ pat)
            known[j].update(int(n) for n in flips)
            found.setdefault((min(i, j), max(i, j)), (flips, f.point))
    keys = sorted(found)
    edges = np.array(keys, dtype=np.int64).reshape(-1, 2)
    return Adjacency(edges, [found[k][0] for k in keys],
                     np.array([found[k][1] for k in keys]).reshape(-1, net.input_dim))


def require_networkx() -> Any:
    """The ``networkx`` module, or an ``ImportError`` that says how to get it."""
    try:
        import networkx
    except ImportError:
        raise ImportError("to_networkx needs networkx: pip install networkx") from None
    return networkx


def to_networkx(patterns: Any, adj: Adjacency, points: Any = None) -> Any:
    """The adjacency graph as a ``networkx.Graph``.

    Nodes are region indices with attribute ``pattern`` (and ``point`` when
    ``points`` is given); edges carry ``neurons`` (the flipped neurons, a tuple)
    and ``point`` (a point of the shared facet).
    """
    nx = require_networkx()
    pats = np.asarray(patterns, dtype=bool)
    g = nx.Graph()
    for i, p in enumerate(pats):
        if points is not None:
            g.add_node(i, pattern=p, point=np.asarray(points[i]))
        else:
            g.add_node(i, pattern=p)
    for (i, j), flips, pt in zip(adj.edges, adj.flipped, adj.points):
        g.add_edge(int(i), int(j), neurons=tuple(int(n) for n in flips), point=pt)
    return g
