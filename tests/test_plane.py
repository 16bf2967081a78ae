"""Regions on a plane through the input space: the walk on the restricted 2-input net, clipping, areas."""

from __future__ import annotations

import numpy as np
import pytest

import regionwalk as rw
from regionwalk.nets import random_mlp
from regionwalk.polygons import partition_2d, polygon_area


def restricted(net: rw.Network, origin: np.ndarray, u: np.ndarray, v: np.ndarray) -> rw.Network:
    """(a, b) -> net(origin + a u + b v), built here without regionwalk.plane."""
    w0, b0 = net.weights[0], net.biases[0]
    return rw.Network([w0 @ np.c_[u, v], *net.weights[1:]], [b0 + w0 @ origin, *net.biases[1:]], alpha=net.alpha)


def pattern_set(p: np.ndarray) -> set[bytes]:
    return {np.packbits(row).tobytes() for row in np.asarray(p, dtype=bool)}


def nets() -> list[tuple[str, rw.Network]]:
    base = random_mlp((6, 10, 8, 2), seed=3)
    w, b = [x.copy() for x in base.weights], [x.copy() for x in base.biases]
    w[0][1] = 0.0; b[0][1] = 0.0; w[1][2] = 0.0; b[1][2] = 0.0
    bias_free = random_mlp((6, 9, 9, 1), seed=4)
    return [
        ("random", random_mlp((6, 12, 12, 1), seed=1)),
        ("deep", random_mlp((9, 8, 8, 8, 3), seed=2)),
        ("pruned", rw.Network(w, b)),
        ("bias-free", rw.Network(bias_free.weights, [np.zeros_like(x) for x in bias_free.biases])),
        ("leaky", random_mlp((6, 10, 10, 1), seed=5, alpha=0.2)),
    ]


@pytest.mark.parametrize("name,net", nets(), ids=lambda v: v if isinstance(v, str) else "")
def test_plane_count_equals_walk_and_clipping_on_restricted_net(name, net):
    rng = np.random.default_rng(7)
    d = net.input_dim
    x = rng.normal(size=(3, d))
    if name == "bias-free":
        x[0] = 0.0  # the plane through the origin, where every first-layer hyperplane passes
    pl = rw.Plane.through(*x, margin=0.3)
    res = rw.enumerate_regions(net, pl, threads=1)
    net2 = restricted(net, pl.origin, pl.u, pl.v)
    box = rw.Box(pl.lo, pl.hi)
    ref = rw.enumerate_regions(net2, box, threads=1)
    cells = partition_2d(net2, box)
    assert res.count == ref.count == len(cells)
    assert pattern_set(res.patterns) == pattern_set(ref.patterns) == pattern_set([c.pattern for c in cells])
    # Witness points live in the input space, on the plane, in their regions.
    assert res.points.shape == (res.count, d)
    assert np.all(pl.contains(res.points))
    np.testing.assert_array_equal(net.patterns(res.points), res.patterns)
    # Polygons (plane coordinates) tile the rectangle.
    areas = [polygon_area(p) for p in res.polygons()]
    assert min(areas) > 0
    assert sum(areas) == pytest.approx(float(np.prod(pl.hi - pl.lo)), rel=1e-10)


def test_non_orthonormal_plane_coordinates():
    net = random_mlp((5, 10, 10, 1), seed=9)
    rng = np.random.default_rng(1)
    origin, u, v = rng.normal(size=(3, 5))
    v = 3.0 * v + 2.0 * u  # skewed, not unit
    pl = rw.Plane(origin, u, v, [-1.0, -0.5], [2.0, 0.5])
    res = rw.enumerate_regions(net, pl, threads=1)
    ref = rw.enumerate_regions(restricted(net, origin, u, v), rw.Box([-1.0, -0.5], [2.0, 0.5]), threads=1)
    assert pattern_set(res.patterns) == pattern_set(ref.patterns)
    # Sampled points of the rectangle, mapped by the formula, never show a pattern not enumerated.
    ab = rng.uniform([-1.0, -0.5], [2.0, 0.5], size=(20000, 2))
    seen = net.patterns(origin + ab[:, :1] * u + ab[:, 1:] * v)
    assert pattern_set(seen) <= pattern_set(res.patterns)
    np.testing.assert_allclose(pl.coords(pl.to_input(ab[:5])), ab[:5], atol=1e-12)
    assert sum(polygon_area(p) for p in res.polygons()) == pytest.approx(3.0, rel=1e-10)


def test_axis_plane_of_a_2_input_net_is_the_box():
    net = random_mlp((2, 16, 16, 1), seed=0)
    pl = rw.Plane([0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [-1.0, -1.0], [1.0, 1.0])
    res = rw.enumerate_regions(net, pl, threads=1)
    ref = rw.enumerate_regions(net, rw.Box([-1, -1], [1, 1]), threads=1)
    assert pattern_set(res.patterns) == pattern_set(ref.patterns)
    assert rw.count_regions(net, pl, threads=1) == ref.count
    square = rw.Plane([0.0, 0.0], [1.0, 0.0], [0.0, 1.0], -1, 1)  # numbers stand for both coordinates
    assert square.lo.tolist() == [-1, -1] and square.hi.tolist() == [1, 1]


def test_plane_through_three_points():
    rng = np.random.default_rng(2)
    x1, x2, x3 = rng.normal(size=(3, 7))
    pl = rw.Plane.through(x1, x2, x3, margin=0.25)
    ab = pl.coords(np.stack([x1, x2, x3]))
    np.testing.assert_allclose(ab[0], [0, 0], atol=1e-12)
    np.testing.assert_allclose(ab[1], [np.linalg.norm(x2 - x1), 0], atol=1e-12)
    assert ab[2, 1] > 0
    np.testing.assert_allclose(pl.to_input(ab), [x1, x2, x3], atol=1e-12)
    np.testing.assert_allclose(pl.basis.T @ pl.basis, np.eye(2), atol=1e-12)  # lengths of the input space
    span = ab.max(axis=0) - ab.min(axis=0)
    np.testing.assert_allclose(pl.lo, ab.min(axis=0) - 0.25 * span.max())
    np.testing.assert_allclose(pl.hi, ab.max(axis=0) + 0.25 * span.max())
    assert pl.contains(np.stack([x1, x2, x3])).all()
    assert not pl.contains(x1 + 1e-3 * rng.normal(size=7))[0]


def test_seed_in_plane_coordinates():
    net = random_mlp((4, 8, 8, 1), seed=3)
    pl = rw.Plane(np.zeros(4), np.eye(4)[0], np.eye(4)[1], [0.0, 0.0], [2.0, 1.0])
    a = rw.enumerate_regions(net, pl, threads=1)
    b = rw.enumerate_regions(net, pl, seed=[1.9, 0.1], threads=1)
    assert pattern_set(a.patterns) == pattern_set(b.patterns)
    with pytest.raises(ValueError, match="seed"):
        rw.enumerate_regions(net, pl, seed=[3.0, 0.5], threads=1)
    with pytest.raises(ValueError, match="seed"):
        rw.enumerate_regions(net, pl, seed=np.zeros(4), threads=1)


@pytest.mark.parametrize("call,match", [
    (lambda: rw.Plane([0.0, 0.0, 0.0], [1, 0, 0], [2, 0, 0], [0, 0], [1, 1]), "linearly independent"),
    (lambda: rw.Plane([0.0, 0.0, 0.0], [1, 0, 0], [0, 1, 0], [0, 0], [1, 0]), "lo < hi"),
    (lambda: rw.Plane([0.0, 0.0, 0.0], [1, 0], [0, 1, 0], [0, 0], [1, 1]), "plane u"),
    (lambda: rw.Plane([0.0], [1], [1], [0, 0], [1, 1]), "dimension >= 2"),
    (lambda: rw.Plane([0.0, np.nan], [1, 0], [0, 1], [0, 0], [1, 1]), "NaN"),
    (lambda: rw.Plane.through([0, 0, 0], [1, 1, 1], [2, 2, 2]), "collinear"),
    (lambda: rw.Plane.through([0, 0, 0], [0, 0, 0], [2, 2, 1]), "different points"),
    (lambda: rw.Plane.through([0, 0, 0], [1, 0, 0], [0, 1, 0], margin=-1), "margin"),
    (lambda: rw.enumerate_regions(random_mlp((4, 3, 1)), rw.Plane.through(*np.eye(3))), "dimension 3"),
    (lambda: rw.Box([0, -1], [0, 1]), "rw.Plane"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
