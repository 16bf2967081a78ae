"""res.geometry(), res.halfspaces(i), res.adjacency(), res.to_networkx() against
autograd, LPs and cone programs written here, and the 2D clipping partition."""

from __future__ import annotations

import numpy as np
import pytest

import regionwalk as rw
from geometry_oracles import (autograd_forms, chebyshev_ball_socp, chebyshev_box_lp, lp_max, region_rows)
from regionwalk.nets import random_mlp
from regionwalk.polygons import partition_2d


def pruned(widths, seed, alpha=0.0):
    net = random_mlp(widths, seed=seed, alpha=alpha)
    ws, bs = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    ws[0][1] = 0.0                 # a pruned first-layer neuron (bias stays: constant)
    ws[1][0], bs[1][0] = 0.0, 0.0  # a pruned second-layer neuron: identically zero
    return rw.Network(ws, bs, alpha=alpha)


def bias_free(widths, seed):
    net = random_mlp(widths, seed=seed)
    return rw.Network(net.weights, [np.zeros_like(b) for b in net.biases])


CASES = {
    "relu_2d": (random_mlp((2, 6, 5, 3), seed=1), rw.Box([-1, -1], [1, 1])),
    "leaky_3d": (random_mlp((3, 5, 4, 2), seed=2, alpha=0.2), rw.Box([-1] * 3, [1] * 3)),
    "pruned_2d": (pruned((2, 6, 5, 2), seed=3), rw.Box([-1, -1], [1, 1])),
    "bias_free_2d": (bias_free((2, 5, 4, 2), seed=4), rw.Box([-1, -0.5], [1, 1.5])),
    "ball_3d": (random_mlp((3, 5, 4, 2), seed=5), rw.Ball([0.1, 0.0, -0.1], 1.0)),
}
RESULTS = {k: rw.enumerate_regions(net, dom) for k, (net, dom) in CASES.items()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_jacobian_offset_slopes_and_singular_values_match_autograd(case):
    res = RESULTS[case]
    net = res.network
    g = res.geometry(batch_size=5)
    n_out, d = net.weights[-1].shape[0], net.input_dim
    assert g.jacobian.shape == (res.count, n_out, d) and g.offset.shape == (res.count, n_out)
    assert g.singular_values.shape == (res.count, min(n_out, d))
    for i, x in enumerate(res.points):
        _, _, jac, off, _ = autograd_forms(net, x)
        np.testing.assert_allclose(g.jacobian[i], jac, atol=1e-12)
        np.testing.assert_allclose(g.offset[i], off, atol=1e-12)
        sv = np.linalg.svd(jac, compute_uv=False)
        np.testing.assert_allclose(g.singular_values[i], sv, atol=1e-12)
        for p, order in ((1, 1), (2, 2), (np.inf, np.inf)):
            np.testing.assert_allclose(g.slope(p)[i], np.linalg.norm(jac, order), rtol=1e-12, atol=1e-15)
        assert g.rank[i] == np.linalg.matrix_rank(jac)
    assert np.all(np.diff(g.singular_values, axis=1) <= 0)
    assert np.all(g.rank <= g.rank_bound)


@pytest.mark.parametrize("widths", [(3, 5, 4, 2), (4, 3, 6, 5), (5, 6, 2, 6, 4), (2, 8, 8, 3)])
def test_rank_bound_is_the_rank_at_initialisation(widths):
    """Johansson eq. 2.3: random weights give rank(W_R) = min(n_0, n_out, min_l active_l)."""
    net = random_mlp(widths, seed=sum(widths))
    res = rw.enumerate_regions(net, rw.Box([-2] * widths[0], [2] * widths[0]), max_regions=400)
    g = res.geometry()
    np.testing.assert_array_equal(g.rank, g.rank_bound)
    active = [res.patterns[:, a:b].sum(1) for a, b in zip(np.cumsum((0, *widths[1:-2])), np.cumsum(widths[1:-1]))]
    expect = np.minimum(min(widths[0], widths[-1]), np.min(active, axis=0))
    np.testing.assert_array_equal(g.rank_bound, expect)
    assert len(np.unique(g.rank)) > 1 or widths == (2, 8, 8, 3)


def test_rank_bound_leaky_and_pruned():
    g = RESULTS["leaky_3d"].geometry()
    assert np.all(g.rank_bound == 2)  # D_l invertible: min(n_0, n_out, widths)
    np.testing.assert_array_equal(g.rank, 2)
    g = RESULTS["pruned_2d"].geometry()
    assert np.all(g.rank <= g.rank_bound)


@pytest.mark.parametrize("case", ["relu_2d", "leaky_3d", "pruned_2d", "bias_free_2d"])
def test_chebyshev_ball_against_an_lp(case):
    res = RESULTS[case]
    g = res.geometry()
    dom = res.domain
    for i, x in enumerate(res.points):
        G, h = region_rows(res.network, x, res.patterns[i])
        r, _ = chebyshev_box_lp(G, h, dom.lo, dom.hi)
        assert g.inradius[i] == pytest.approx(r, rel=1e-7, abs=1e-10)
        c = g.chebyshev_center[i]  # centres need not be unique: check that the ball fits
        assert np.all(G @ c + g.inradius[i] <= h + 1e-9)
        assert np.all(c - g.inradius[i] >= dom.lo - 1e-9) and np.all(c + g.inradius[i] <= dom.hi + 1e-9)


def test_chebyshev_ball_in_a_ball_domain_against_cvxpy():
    res = RESULTS["ball_3d"]
    g = res.geometry()
    dom = res.domain
    for i in range(0, res.count, max(1, res.count // 12)):
        G, h = region_rows(res.network, res.points[i], res.patterns[i])
        r, _ = chebyshev_ball_socp(G, h, dom.center, dom.radius)
        assert g.inradius[i] == pytest.approx(r, rel=1e-6, abs=1e-8)
        c = g.chebyshev_center[i]
        assert np.linalg.norm(c - dom.center) + g.inradius[i] <= dom.radius + 1e-7
    assert np.all(np.isnan(g.volume))


@pytest.mark.parametrize("d,widths", [(2, (2, 6, 5, 1)), (3, (3, 6, 4, 1)), (4, (4, 5, 4, 2)), (5, (5, 6, 4, 1))])
def test_volumes_add_up_to_the_box(d, widths):
    net = pruned(widths, seed=10 + d)
    box = rw.Box(-np.ones(d), np.linspace(0.5, 1.5, d))
    res = rw.enumerate_regions(net, box)
    vol = res.geometry().volume
    assert np.all(vol > 0)
    assert vol.sum() == pytest.approx(box.volume, rel=1e-8)


@pytest.mark.parametrize("case", ["relu_2d", "pruned_2d", "bias_free_2d"])
def test_volumes_match_the_clipped_polygons(case):
    res = RESULTS[case]
    area = {c.pattern.tobytes(): c.area for c in partition_2d(res.network, res.domain)}
    vol = res.geometry().volume
    assert len(area) == res.count
    for p, v in zip(res.patterns, vol):
        assert v == pytest.approx(area[p.tobytes()], rel=1e-9, abs=1e-14)


def test_whole_space_bounded_and_unbounded_regions():
    """Three lines around a triangle: the triangle is bounded (exact area), the rest are not."""
    w1 = np.array([[0.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    b1 = np.array([0.0, 1.0, 1.0])  # y > 0, x + y < 1, y < x + 1: the triangle (-1,0), (1,0), (0,1)
    net = rw.Network([w1, np.ones((1, 3))], [b1, np.zeros(1)])
    res = rw.enumerate_regions(net, None)
    g = res.geometry()
    tri = np.flatnonzero(np.all(res.patterns == [True, True, True], axis=1))
    assert res.count == 7 and len(tri) == 1
    assert g.volume[tri[0]] == pytest.approx(1.0, rel=1e-12)
    assert np.isnan(np.delete(g.volume, tri)).all()
    assert np.isinf(np.delete(g.inradius, tri)).all()
    assert g.inradius[tri[0]] == pytest.approx(1.0 / (1.0 + np.sqrt(2.0)), rel=1e-9)  # triangle inradius


@pytest.mark.parametrize("case", ["relu_2d", "leaky_3d", "pruned_2d", "bias_free_2d"])
def test_halfspaces_describe_the_region_and_are_irredundant(case):
    res = RESULTS[case]
    net, dom = res.network, res.domain
    rng = np.random.default_rng(0)
    pts = rng.uniform(dom.lo, dom.hi, size=(3000, net.input_dim))
    pats = net.patterns(pts)
    for i in range(0, res.count, max(1, res.count // 8)):
        A, b = res.halfspaces(i)
        in_region = np.all(pats == res.patterns[i], axis=1)
        in_poly = np.all(pts @ A.T <= b[None, :], axis=1)
        assert np.array_equal(in_region, in_poly)
        for k in range(len(b)):  # dropping row k lets the polytope grow past it
            others = np.delete(np.arange(len(b)), k)
            status, sol = lp_max(A[k], A[others], b[others], [(None, None)] * net.input_dim)
            assert status == 3 or A[k] @ sol > b[k] + 1e-9


def two_d_edges(net, box):
    """Edges of the clipped partition: step off the midpoint of every polygon edge."""
    cells = partition_2d(net, box)
    index = {c.pattern.tobytes(): i for i, c in enumerate(cells)}
    edges = set()
    for i, c in enumerate(cells):
        poly = c.polygon
        for p, q in zip(poly, np.roll(poly, -1, axis=0)):
            if np.linalg.norm(q - p) < 1e-7:
                continue
            mid, t = 0.5 * (p + q), (q - p) / np.linalg.norm(q - p)
            y = mid + 1e-7 * np.array([t[1], -t[0]])  # counter-clockwise polygon: outward normal
            if not box.contains(y)[0]:
                continue
            j = index[net.patterns(y)[0].tobytes()]
            if j != i:
                edges.add((min(i, j), max(i, j)))
    return {(cells[i].pattern.tobytes(), cells[j].pattern.tobytes()) for i, j in edges}


@pytest.mark.parametrize("case", ["relu_2d", "pruned_2d", "bias_free_2d"])
def test_adjacency_matches_the_clipped_partition(case):
    res = RESULTS[case]
    edges, flipped = res.adjacency()
    got = {tuple(sorted((res.patterns[i].tobytes(), res.patterns[j].tobytes()))) for i, j in edges}
    expect = {tuple(sorted(e)) for e in two_d_edges(res.network, res.domain)}
    assert got == expect


@pytest.mark.parametrize("case", sorted(CASES))
def test_adjacency_edges_flip_their_neurons_across_a_facet(case):
    import networkx as nx

    res = RESULTS[case]
    net = res.network
    adj = res.adjacency()
    assert adj.edges.shape[1] == 2 and np.all(adj.edges[:, 0] < adj.edges[:, 1])
    for (i, j), flips, pt in zip(adj.edges, adj.flipped, adj.points):
        np.testing.assert_array_equal(np.flatnonzero(res.patterns[i] ^ res.patterns[j]), flips)
        # pt is on the facet: the flipped neurons vanish there, every other bounding neuron keeps its sign
        a, c, _, _, z = autograd_forms(net, pt)
        assert np.all(np.abs(z[flips]) <= 1e-9 * (1 + np.abs(c[flips])))
        # and a short step either way lands in the two regions
        normal = a[flips[0]] / np.linalg.norm(a[flips[0]])
        sides = {net.patterns(pt + s * 1e-7 * normal)[0].tobytes() for s in (-1, 1)}
        assert sides == {res.patterns[i].tobytes(), res.patterns[j].tobytes()}
    graph = res.to_networkx()
    assert graph.number_of_nodes() == res.count and graph.number_of_edges() == len(adj.edges)
    assert nx.is_connected(graph)


def test_measures_at_walk_time_equal_the_geometry():
    net, dom = CASES["leaky_3d"]
    res = rw.enumerate_regions(net, dom, measures=("rank", "slope", "slope_inf", "inradius", "volume"))
    g = res.geometry()
    np.testing.assert_array_equal(res.measures["rank"], g.rank)
    np.testing.assert_allclose(res.measures["slope"], g.slope(2))
    np.testing.assert_allclose(res.measures["slope_inf"], g.slope("inf"))
    np.testing.assert_allclose(res.measures["inradius"], g.inradius)
    assert res.measures["volume"].sum() == pytest.approx(dom.volume, rel=1e-9)
    with pytest.raises(ValueError, match="unknown measure.*accepted: rank"):
        rw.enumerate_regions(net, dom, measures=("rank", "ranks"))


def test_geometry_bad_input():
    res = RESULTS["relu_2d"]
    with pytest.raises(ValueError, match="p must be 1, 2 or inf"):
        res.geometry().slope(3)
    with pytest.raises(ValueError, match="region index"):
        res.halfspaces(res.count)
    with pytest.raises(ValueError, match="device"):
        res.geometry(device="nonsense")


def test_whole_space_adjacency_of_lines_in_general_position():
    """m lines in general position: m^2 edges (each line cut into m pieces), 1 + m + C(m, 2) regions."""
    rng = np.random.default_rng(11)
    m = 5
    net = rw.Network([rng.normal(size=(m, 2)), rng.normal(size=(1, m))], [rng.normal(size=m), np.zeros(1)])
    res = rw.enumerate_regions(net, None)
    assert res.count == 1 + m + m * (m - 1) // 2
    edges, flipped = res.adjacency()
    assert len(edges) == m * m
    assert all(len(f) == 1 for f in flipped)
    assert np.array_equal(np.bincount([int(f[0]) for f in flipped]), np.full(m, m))


def test_ball_halfspaces_hold_on_the_region_inside_the_ball():
    res = RESULTS["ball_3d"]
    net, dom = res.network, res.domain
    rng = np.random.default_rng(1)
    v = rng.normal(size=(4000, 3))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    pts = dom.center + dom.radius * rng.uniform(size=(4000, 1)) ** (1 / 3) * v
    pats = net.patterns(pts)
    for i in range(0, res.count, max(1, res.count // 6)):
        A, b = res.halfspaces(i)
        in_region = np.all(pats == res.patterns[i], axis=1)
        assert np.array_equal(in_region, np.all(pts @ A.T <= b, axis=1))


def test_tent_map_grid_hyperplanes_on_the_box_faces():
    """The 2-D tent map (L = 2) cuts the unit square into a 4 x 4 grid; its first neurons'
    hyperplanes coincide with the box faces x_i = 0, which are faces, not crossings."""
    from regionwalk.nets import tent_map

    net = tent_map(2, dim=2)
    res = rw.enumerate_regions(net, rw.Box([0, 0], [1, 1]))
    assert res.count == 16
    for i in range(res.count):
        A, b = res.halfspaces(i)
        assert len(b) == 4  # a grid cell: four sides, none doubled
        for axis in np.eye(2):
            upper, lower = b[np.isclose(A @ axis, 1.0)], -b[np.isclose(A @ axis, -1.0)]
            assert len(upper) == len(lower) == 1 and upper[0] - lower[0] == pytest.approx(0.25)
    edges, flipped = res.adjacency()
    assert len(edges) == 24  # 2 x 4 x 3 shared sides of the grid
    assert res.geometry().volume == pytest.approx(np.full(16, 1 / 16))


def test_volume_is_nan_past_six_dimensions():
    net = random_mlp((7, 4, 1), seed=13)
    res = rw.enumerate_regions(net, rw.Box(-np.ones(7), np.ones(7)))
    g = res.geometry()
    assert np.isnan(g.volume).all() and np.all(np.isfinite(g.inradius)) and np.all(g.inradius > 0)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_margin_at_the_chebyshev_centre_is_the_inradius(alpha):
    """Two routes to one number: Lee's closed form at the centre and the Chebyshev LP.
    In the whole space the largest ball touches the region's edge, so they are equal;
    in a box the ball also keeps off the box, so the margin can only be larger."""
    net = random_mlp((3, 6, 5, 1), seed=14, alpha=alpha)
    res = rw.enumerate_regions(net, None)
    g = res.geometry()
    finite = np.isfinite(g.inradius)
    assert finite.any()
    m = rw.margin(net, g.chebyshev_center[finite])
    np.testing.assert_allclose(m, g.inradius[finite], rtol=1e-7)
    box = rw.Box(-np.ones(3), np.ones(3))
    res = rw.enumerate_regions(net, box)
    g = res.geometry()
    assert np.all(rw.margin(net, g.chebyshev_center) >= g.inradius * (1 - 1e-7))


def test_to_networkx_without_networkx_says_so(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "networkx", None)  # import networkx now raises ImportError
    with pytest.raises(ImportError, match="to_networkx needs networkx: pip install networkx"):
        RESULTS["relu_2d"].to_networkx()
