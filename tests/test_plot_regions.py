"""plot_regions: pixel colours at known points of the saved picture."""

from __future__ import annotations

import numpy as np
import pytest

import regionwalk as rw
from regionwalk.nets import random_mlp

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def pixel(ax, png: np.ndarray, x: float, y: float) -> np.ndarray:
    """RGB in [0, 1] of the saved PNG at data point (x, y)."""
    px, py = ax.transData.transform((x, y))
    return png[int(round(png.shape[0] - py)), int(round(px)), :3]


def edge_distance_px(ax, poly: np.ndarray, c: np.ndarray) -> float:
    """Distance in pixels from c to the polygon's boundary."""
    p, q = ax.transData.transform(poly), ax.transData.transform(np.roll(poly, -1, axis=0))
    x = ax.transData.transform(c)
    t = np.clip(np.einsum("ij,ij->i", x - p, q - p) / np.maximum(np.einsum("ij,ij->i", q - p, q - p), 1e-12), 0, 1)
    return float(np.min(np.linalg.norm(p + t[:, None] * (q - p) - x, axis=1)))


def render(tmp_path, res, color_by, **kw):
    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    rw.plot_regions(res, color_by=color_by, ax=ax, **kw)
    path = tmp_path / f"{color_by}.png"
    fig.savefig(path, dpi=100)
    png = plt.imread(path)
    return fig, ax, png


def half_plane_net() -> rw.Network:
    # Hidden relu(x); output relu(x) - 0.5: regions x < 0 and x > 0, class 1 (output > 0) where x > 0.5.
    return rw.Network([[[1.0, 0.0]], [[1.0]]], [[0.0], [-0.5]])


def test_class_colours_at_known_points(tmp_path):
    res = rw.enumerate_regions(half_plane_net(), rw.Box([-1, -1], [1, 1]), threads=1)
    fig, ax, png = render(tmp_path, res, "class")
    blue, orange = np.array(plt.get_cmap("tab10")(0)[:3]), np.array(plt.get_cmap("tab10")(1)[:3])
    np.testing.assert_allclose(pixel(ax, png, -0.5, 0.3), blue, atol=0.02)
    np.testing.assert_allclose(pixel(ax, png, 0.25, -0.6), blue, atol=0.02)   # region x > 0, still class 0
    np.testing.assert_allclose(pixel(ax, png, 0.8, 0.0), orange, atol=0.02)
    np.testing.assert_allclose(pixel(ax, png, 0.0, 0.5), [0, 0, 0], atol=0.35)  # the boundary x = 0 is drawn
    assert len(fig.axes) == 2  # a colour bar
    plt.close(fig)


def test_output_colours_follow_the_affine_output(tmp_path):
    res = rw.enumerate_regions(half_plane_net(), rw.Box([-1, -1], [1, 1]), threads=1)
    fig, ax, png = render(tmp_path, res, "output")
    vmin, vmax = -0.5, 0.5  # the output's range on the box
    for x in (-0.7, 0.3, 0.75):
        want = plt.get_cmap("viridis")((max(x, 0) - 0.5 - vmin) / (vmax - vmin))[:3]
        np.testing.assert_allclose(pixel(ax, png, x, 0.2), want, atol=0.03)
    plt.close(fig)


def test_pattern_colours_differ_and_points_are_marked(tmp_path):
    net = random_mlp((5, 8, 8, 1), seed=0)
    x = np.random.default_rng(0).normal(size=(3, 5))
    pl = rw.Plane.through(*x)
    res = rw.enumerate_regions(net, pl, threads=1)
    fig, ax, png = render(tmp_path, res, "pattern", points=x)
    ab = pl.coords(x)
    for a, b in ab:
        np.testing.assert_allclose(pixel(ax, png, a, b), [1, 1, 1], atol=0.02)  # white marker centres
    # Away from edges, each region's pixel has its own face colour.
    from matplotlib.collections import PolyCollection

    faces = [c for c in ax.collections if isinstance(c, PolyCollection)][0].get_facecolors()[:, :3]
    polys = res.polygons()
    checked = 0
    for i, poly in enumerate(polys):
        c = poly.mean(axis=0)
        near_marker = np.min(np.linalg.norm(ax.transData.transform(ab) - ax.transData.transform(c), axis=1)) < 10
        if edge_distance_px(ax, poly, c) > 6 and not near_marker:  # well inside a region, off the markers
            np.testing.assert_allclose(pixel(ax, png, *c), faces[i], atol=0.02)
            checked += 1
    assert checked >= 3
    assert len(fig.axes) == 1  # no colour bar for patterns
    plt.close(fig)


def test_rank_colour_bar(tmp_path):
    # One region has rank 0 (everything off), the other rank 1.
    res = rw.enumerate_regions(half_plane_net(), rw.Box([-1, -1], [1, 1]), threads=1)
    fig, ax, png = render(tmp_path, res, "rank")
    assert not np.allclose(pixel(ax, png, -0.5, 0.0), pixel(ax, png, 0.5, 0.0), atol=0.05)
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["0", "1"]
    plt.close(fig)


@pytest.mark.parametrize("kw,match", [
    ({"color_by": "colour"}, "color_by"),
    ({"color_by": "output", "output_index": 3}, "output_index"),
    ({"color_by": "pattern", "points": np.zeros((2, 3))}, "points"),
])
def test_bad_input(kw, match):
    res = rw.enumerate_regions(half_plane_net(), rw.Box([-1, -1], [1, 1]), threads=1)
    with pytest.raises(ValueError, match=match):
        rw.plot_regions(res, **kw)
    plt.close("all")


def test_needs_a_plane_for_more_inputs():
    res = rw.enumerate_regions(random_mlp((3, 4, 1), seed=0), rw.Box([-1] * 3, [1] * 3), threads=1)
    with pytest.raises(ValueError, match="rw.Plane"):
        rw.plot_regions(res)
