"""Exact 2D geometry: region polygons, and a partition by polygon clipping.

:func:`partition_2d` cuts the domain layer by layer with each neuron's line
(Sutherland-Hodgman, no LP), so it shares nothing with the walk and serves as
an oracle. For a ball it partitions the bounding box and keeps the cells whose
distance to the centre is below the radius; :func:`disc_polygon_area` gives
the exact area of a convex polygon inside the disc (straight pieces as
triangles, arcs as circular sectors), so areas add up to ``pi r^2`` up to
rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regionwalk.domains import Ball, Box, Domain
from regionwalk.network import Network

__all__ = ["Cell", "partition_2d", "region_polygon", "polygon_area", "disc_polygon_area", "point_polygon_distance"]


def polygon_area(poly: np.ndarray) -> float:
    """Signed area (positive for counter-clockwise vertices)."""
    if len(poly) < 3:
        return 0.0
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _clip(poly: np.ndarray, a: np.ndarray, c: float) -> np.ndarray:
    """The part of a convex polygon where a.x + c >= 0 (Sutherland-Hodgman)."""
    if len(poly) == 0:
        return poly
    f = poly @ a + c
    out = []
    n = len(poly)
    for i in range(n):
        p, q, fp, fq = poly[i], poly[(i + 1) % n], f[i], f[(i + 1) % n]
        if fp >= 0:
            out.append(p)
        if (fp >= 0) != (fq >= 0):
            t = fp / (fp - fq)
            out.append(p + t * (q - p))
    return np.array(out).reshape(-1, 2)


def _box_polygon(box: Box) -> np.ndarray:
    (x0, y0), (x1, y1) = box.lo, box.hi
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)


def point_polygon_distance(p: np.ndarray, poly: np.ndarray) -> float:
    """Distance from a point to a convex polygon (0 inside)."""
    n = len(poly)
    inside = True
    best = np.inf
    for i in range(n):
        a, b = poly[i], poly[(i + 1) % n]
        e = b - a
        if e[0] * (p[1] - a[1]) - e[1] * (p[0] - a[0]) < 0:
            inside = False
        t = np.clip(np.dot(p - a, e) / max(np.dot(e, e), 1e-300), 0.0, 1.0)
        best = min(best, float(np.linalg.norm(p - (a + t * e))))
    return 0.0 if inside else best


def disc_polygon_area(poly: np.ndarray, center: np.ndarray, radius: float) -> float:
    """Exact area of a counter-clockwise convex polygon inside the disc."""
    total = 0.0
    r2 = radius * radius
    pts = poly - center
    n = len(pts)
    for i in range(n):
        a, b = pts[i], pts[(i + 1) % n]
        d = b - a
        qa, qb, qc = d @ d, 2 * (a @ d), a @ a - r2
        ts = [0.0, 1.0]
        disc = qb * qb - 4 * qa * qc
        if qa > 0 and disc > 0:
            s = np.sqrt(disc)
            ts += [t for t in ((-qb - s) / (2 * qa), (-qb + s) / (2 * qa)) if 0.0 < t < 1.0]
        ts.sort()
        for t0, t1 in zip(ts[:-1], ts[1:]):
            p, q = a + t0 * d, a + t1 * d
            cross = p[0] * q[1] - p[1] * q[0]
            # The piece crosses no circle point: it lies inside when both ends do
            # (its midpoint could touch the circle: an edge tangent to it is outside).
            if max(np.linalg.norm(p), np.linalg.norm(q)) <= radius * (1 + 1e-12):
                total += 0.5 * cross  # a triangle with the centre
            else:
                total += 0.5 * r2 * np.arctan2(cross, p @ q)  # a circular sector
    return float(total)


@dataclass(frozen=True)
class Cell:
    pattern: np.ndarray  # (N,) bool
    polygon: np.ndarray  # (k, 2) counter-clockwise vertices
    area: float          # area inside the domain (exact for the disc)


def _vanishing(w: np.ndarray, b: np.ndarray, m: np.ndarray, v: np.ndarray, a: np.ndarray,
               c: np.ndarray) -> np.ndarray:
    """Neurons whose pre-activation ``a.x + c`` is identically zero on a cell: exactly, or
    cancelled to rounding (below 1e-10 of the summed terms' sizes, so rescaling a neuron
    changes nothing)."""
    size_a = np.abs(w) @ np.abs(m).max(axis=1)
    size_c = np.abs(w) @ np.abs(v) + np.abs(b)
    return (np.abs(a).max(axis=1) <= 1e-10 * size_a) & (np.abs(c) <= 1e-10 * size_c)


def partition_2d(net: Network, domain: Box | Ball, area_tol: float = 1e-12) -> list[Cell]:
    """All regions of a 2-input network that meet the domain, by clipping.

    Cells with area below ``area_tol`` times the domain's area are dropped.
    """
    if net.input_dim != 2:
        raise ValueError(f"partition_2d needs a network with 2 inputs, got {net.input_dim}")
    if isinstance(domain, Box):
        start, total = _box_polygon(domain), domain.volume
    elif isinstance(domain, Ball):
        start = _box_polygon(Box(domain.center - domain.radius, domain.center + domain.radius))
        total = np.pi * domain.radius**2
    else:
        raise ValueError("partition_2d needs a Box or a Ball")
    min_area = area_tol * total
    # Each cell carries the affine map x -> M x + v of its current layer's input.
    cells: list[tuple[np.ndarray, list[bool], np.ndarray, np.ndarray]] = [(start, [], np.eye(2), np.zeros(2))]
    for w, b in zip(net.weights[:-1], net.biases[:-1]):
        nxt = []
        for poly, bits, m, v in cells:
            a_all, c_all = w @ m, w @ v + b
            zero = _vanishing(w, b, m, v, a_all, c_all)
            parts: list[tuple[np.ndarray, list[bool]]] = [(poly, [])]
            for a, c, z in zip(a_all, c_all, zero):
                split = []
                for p, pb in parts:
                    if z:  # identically zero on the cell: inactive, splits nothing
                        split.append((p, pb + [False]))
                        continue
                    pos, neg = _clip(p, a, c), _clip(p, -a, -c)
                    if polygon_area(pos) > min_area:
                        split.append((pos, pb + [True]))
                    if polygon_area(neg) > min_area:
                        split.append((neg, pb + [False]))
                parts = split
            for p, pb in parts:
                s = np.where(pb, 1.0, net.alpha)
                nxt.append((p, bits + pb, s[:, None] * a_all, s * c_all))
        cells = nxt
    out = []
    for poly, bits, _, _ in cells:
        if isinstance(domain, Ball):
            if point_polygon_distance(domain.center, poly) >= domain.radius:
                continue
            area = disc_polygon_area(poly, domain.center, domain.radius)
            if area <= min_area:
                continue
        else:
            area = polygon_area(poly)
        out.append(Cell(np.array(bits, dtype=bool), poly, area))
    return out


def region_polygon(net: Network, pattern: np.ndarray, domain: Domain, bbox: Box | None = None,
                   circle_vertices: int = 720) -> np.ndarray:
    """Counter-clockwise polygon of one region inside the domain (2 inputs).

    For a ball the disc is replaced by an inscribed ``circle_vertices``-gon (for
    plotting); for the whole space pass ``bbox``.
    """
    if net.input_dim != 2:
        raise ValueError("polygons need a network with 2 inputs")
    if isinstance(domain, Box):
        poly = _box_polygon(domain)
    elif isinstance(domain, Ball):
        t = np.linspace(0, 2 * np.pi, circle_vertices, endpoint=False)
        poly = domain.center + domain.radius * np.c_[np.cos(t), np.sin(t)]
    elif bbox is not None:
        poly = _box_polygon(bbox)
    else:
        raise ValueError("the whole space has unbounded regions: pass bbox=rw.Box(lo, hi)")
    a, c = net._core.local_forms(np.asarray(pattern, dtype=bool))
    sigma = np.where(pattern, 1.0, -1.0)
    for k in range(len(c)):
        if np.any(a[k] != 0):
            poly = _clip(poly, sigma[k] * a[k], sigma[k] * c[k])
    return poly
