"""Pictures of the regions on a 2-D domain: a plane through the input space or a 2-input box/ball.

:func:`plot_regions` fills each region's polygon (from ``Regions.polygons()``,
in plane coordinates for a :class:`~regionwalk.plane.Plane`), draws the
boundaries, marks data points and adds a colour bar when it colours by a
value. matplotlib is imported only here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from regionwalk.domains import Ball
from regionwalk.network import Network
from regionwalk.plane import Plane
from regionwalk.polygons import polygon_area

__all__ = ["plot_regions", "COLOR_BY"]

COLOR_BY = ("pattern", "rank", "output", "class")


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plot_regions needs matplotlib: pip install matplotlib") from exc
    return plt


def _clip(poly: np.ndarray, a: np.ndarray, c: float) -> np.ndarray:
    """The part of a convex polygon where ``a . x + c >= 0``."""
    if len(poly) == 0:
        return poly
    f = poly @ a + c
    out = []
    for i in range(len(poly)):
        j = (i + 1) % len(poly)
        if f[i] >= 0:
            out.append(poly[i])
        if (f[i] >= 0) != (f[j] >= 0):
            out.append(poly[i] + f[i] / (f[i] - f[j]) * (poly[j] - poly[i]))
    return np.array(out).reshape(-1, 2)


def _plane_net(res: Any) -> Network:
    """The network in the picture's coordinates (restricted to the plane for a Plane)."""
    net = res.network
    return res.domain.restrict(net) if isinstance(res.domain, Plane) else net


def _class_cells(net2: Network, patterns: np.ndarray, polys: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Each region cut, exactly, by the argmax of the outputs (``output > 0`` for one output)."""
    cells, labels = [], []
    for pat, poly in zip(patterns, polys):
        a, c = net2.local_map(pat)
        if a.shape[0] == 1:
            a, c = np.vstack([-a, a]), np.r_[-c, c]  # class 1 where the output is > 0
        for k in range(a.shape[0]):
            part = poly
            for j in range(a.shape[0]):
                if j != k and len(part):
                    part = _clip(part, a[k] - a[j], float(c[k] - c[j]))
            if len(part) >= 3 and polygon_area(part) > 0:
                cells.append(part)
                labels.append(k)
    return cells, np.array(labels, dtype=float)


def _ranks(net: Network, patterns: np.ndarray) -> np.ndarray:
    """Rank of the network's Jacobian (in the full input space) on each region."""
    out = np.empty(len(patterns))
    for i, pat in enumerate(patterns):
        a, _ = net.local_map(pat)
        out[i] = np.linalg.matrix_rank(a) if np.any(a) else 0
    return out


def _points_2d(res: Any, points: Any) -> np.ndarray:
    pts = np.atleast_2d(np.asarray(points, dtype=np.float64))
    dom = res.domain
    if isinstance(dom, Plane):
        if pts.shape[1] == dom.dim:
            return dom.coords(pts)
        if pts.shape[1] == 2:
            return pts
        raise ValueError(f"points must have shape (k, {dom.dim}) (input space) or (k, 2) (plane), got {pts.shape}")
    if pts.shape[1] != 2:
        raise ValueError(f"points must have shape (k, 2), got {pts.shape}")
    return pts


def _limits(res: Any, polys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    dom = res.domain
    if isinstance(dom, Plane):
        return dom.lo, dom.hi
    allv = np.vstack([p for p in polys if len(p)])
    return allv.min(axis=0), allv.max(axis=0)


def _fill(ax: Any, res: Any, polys: list[np.ndarray], color_by: str, output_index: int, cmap: Any) -> Any:
    """Fill the regions; return the mappable for a colour bar (None for patterns)."""
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import BoundaryNorm, ListedColormap

    plt = _pyplot()
    pats = res.patterns
    if color_by == "pattern":
        order = np.random.default_rng(0).permutation(len(polys)) % 20
        colours = plt.get_cmap(cmap or "tab20")(order)
        ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="face", linewidths=0.2))
        return None
    if color_by == "output":
        net2 = _plane_net(res)
        n_out = net2.weights[-1].shape[0]
        if not 0 <= output_index < n_out:
            raise ValueError(f"output_index must be in [0, {n_out}), got {output_index}")
        lo, hi = _limits(res, polys)
        n = 400  # the output is evaluated at every pixel of a 400 x 400 grid
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n))
        grid = np.c_[gx.ravel(), gy.ravel()]
        vals = net2(grid)[:, output_index].reshape(n, n)
        if isinstance(res.domain, Ball):  # pixels outside the disc stay blank
            outside = np.linalg.norm(grid - res.domain.center, axis=1) > res.domain.radius
            vals = np.ma.masked_array(vals, mask=outside.reshape(n, n))
        return ax.imshow(vals, origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]), cmap=cmap or "viridis",
                         interpolation="bilinear", aspect="auto")
    if color_by == "rank":
        vals = _ranks(res.network, pats)
        cells = polys
        r_lo, r_hi = (int(vals.min()), int(vals.max())) if len(vals) else (0, 0)
        base = plt.get_cmap(cmap or "viridis")
        norm = BoundaryNorm(np.arange(r_lo - 0.5, r_hi + 1.5), base.N)
    else:
        net2 = _plane_net(res)
        cells, vals = _class_cells(net2, pats, polys)
        classes = max(2, net2.weights[-1].shape[0])  # class k has the same colour in every picture
        base = ListedColormap(plt.get_cmap(cmap or ("tab10" if classes <= 10 else "tab20"))(np.arange(classes) % 20))
        norm = BoundaryNorm(np.arange(-0.5, classes + 0.5), classes)
    coll = PolyCollection(cells, array=vals, cmap=base, norm=norm, edgecolors="face", linewidths=0.2)
    ax.add_collection(coll)
    return coll


def plot_regions(
    res: Any,
    color_by: str = "pattern",
    points: Any = None,
    ax: Any = None,
    *,
    output_index: int = 0,
    bbox: Any = None,
    cmap: str | None = None,
    edgecolor: str = "black",
    linewidth: float = 0.4,
) -> Any:
    """Draw the regions of a 2-D result: filled polygons, boundaries, data points.

    Parameters
    ----------
    res
        A :class:`~regionwalk.walk.Regions` on a :class:`~regionwalk.plane.Plane`
        (drawn in plane coordinates) or of a 2-input network in a ``Box``/``Ball``
        (``bbox`` needed for the whole space).
    color_by
        ``"pattern"``: one colour per region (qualitative, no colour bar);
        ``"rank"``: rank of the network's Jacobian on the region (in the full
        input space); ``"output"``: the network output ``output_index``,
        evaluated at every pixel of a 400 x 400 grid; ``"class"``: the argmax of
        the outputs (``output > 0`` for one output), each region cut exactly
        along the decision boundary. The last three get a colour bar.
    points
        Points to mark: ``(k, d)`` input points (projected onto a plane) or
        ``(k, 2)`` plane coordinates.
    ax
        A matplotlib ``Axes`` (default: a new figure).
    output_index, bbox, cmap, edgecolor, linewidth
        Output colouring by value, the box for a whole-space result, the
        colour map, and the style of the region boundaries.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (``ax.figure`` to save).

    Raises
    ------
    ValueError
        On an unknown ``color_by``, a result without its network, or a network
        that is not 2-D on the domain.
    ImportError
        When matplotlib is not installed.
    """
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be one of {', '.join(COLOR_BY)}; got {color_by!r}")
    if getattr(res, "network", None) is None:
        raise ValueError("plot_regions needs a result that knows its network (from enumerate_regions)")
    if not isinstance(res.domain, Plane) and res.network.input_dim != 2:
        raise ValueError(f"plot_regions draws planes: the network takes {res.network.input_dim} inputs, so walk a "
                         "rw.Plane (e.g. rw.Plane.through(x1, x2, x3))")
    plt = _pyplot()
    from matplotlib.collections import PolyCollection

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    polys = [p for p in res.polygons(bbox=bbox)]
    mappable = _fill(ax, res, polys, color_by, int(output_index), cmap)
    ax.add_collection(PolyCollection(polys, facecolors="none", edgecolors=edgecolor, linewidths=linewidth))
    if mappable is not None:
        label = {"rank": "rank of the Jacobian", "output": f"output {output_index}", "class": "class"}[color_by]
        bar = ax.figure.colorbar(mappable, ax=ax, label=label)
        if color_by == "rank":
            vals = np.asarray(mappable.get_array())
            bar.set_ticks(np.unique(vals.astype(int)) if vals.size else [])
        elif color_by == "class":
            bar.set_ticks(np.arange(mappable.norm.Ncmap))
    if points is not None:
        pts = _points_2d(res, points)
        ax.scatter(pts[:, 0], pts[:, 1], s=36, c="white", edgecolors="black", linewidths=1.2, zorder=5)
    lo, hi = _limits(res, polys)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")
    coords = "plane coordinates" if isinstance(res.domain, Plane) else "input"
    ax.set_xlabel(f"{coords} 1")
    ax.set_ylabel(f"{coords} 2")
    ax.set_title(f"{res.count} regions")
    return ax
