"""Regions along paths: exact pieces against the walk on the 1-D restriction, closed forms and sampling."""

from __future__ import annotations

import numpy as np
import pytest

import regionwalk as rw
from regionwalk.nets import random_mlp, tent_map


def restrict_to_segment(net: rw.Network, x0: np.ndarray, x1: np.ndarray) -> rw.Network:
    """The network on the segment x0 + t (x1 - x0), t in [0, 1]: first layer W_1 (x1 - x0), b_1 + W_1 x_0.

    Not by arc length: dividing by |x1 - x0| rounds, and a neuron that is exactly 0 along an
    integer segment (W u = 0) would get a slope of 1e-17 and a sign the path does not have."""
    w0, b0 = net.weights[0], net.biases[0]
    return rw.Network([w0 @ (x1 - x0)[:, None], *net.weights[1:]], [b0 + w0 @ x0, *net.biases[1:]], alpha=net.alpha)


def walk_on_segment(net: rw.Network, x0: np.ndarray, x1: np.ndarray) -> rw.Regions:
    return rw.enumerate_regions(restrict_to_segment(net, x0, x1), rw.Box([0.0], [1.0]), threads=1)


def pattern_set(p: np.ndarray) -> set[bytes]:
    return {np.packbits(row).tobytes() for row in np.asarray(p, dtype=bool)}


def sampled_runs(net: rw.Network, pts: np.ndarray, n: int) -> tuple[int, np.ndarray]:
    """Pattern changes seen by a forward pass at n points along the polyline (a lower bound)."""
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    s = np.linspace(0, seg.sum(), n)
    k = np.clip(np.searchsorted(np.cumsum(seg), s, side="right"), 0, len(seg) - 1)
    off = np.r_[0, np.cumsum(seg)][k]
    x = pts[k] + ((s - off) / seg[k])[:, None] * (pts[k + 1] - pts[k])
    pat = net.patterns(x)
    return 1 + int(np.any(pat[1:] != pat[:-1], axis=1).sum()), pat


def degenerate_nets() -> list[tuple[str, rw.Network]]:
    pruned = random_mlp((3, 8, 6, 1), seed=4)
    w, b = list(pruned.weights), list(pruned.biases)
    w[0] = w[0].copy(); b[0] = b[0].copy(); w[1] = w[1].copy(); b[1] = b[1].copy()
    w[0][2] = 0.0; b[0][2] = 0.0          # a pruned first-layer neuron
    w[1][:, 4] = 0.0; w[1][3] = 0.0; b[1][3] = 0.0  # a pruned second-layer neuron, one input cut
    bias_free = random_mlp((3, 7, 7, 1), seed=5)
    rng = np.random.default_rng(6)
    ints = rw.Network([rng.integers(-2, 3, (6, 3)), rng.integers(-2, 3, (5, 6)), np.ones((1, 5))],
                      [rng.integers(-1, 2, 6), rng.integers(-1, 2, 5), [0.0]])
    return [
        ("pruned", rw.Network(w, b)),
        ("bias-free", rw.Network(bias_free.weights, [np.zeros_like(x) for x in bias_free.biases])),
        ("leaky", random_mlp((3, 10, 10, 1), seed=7, alpha=0.1)),
        ("integer", ints),
        ("deep", random_mlp((3, 6, 6, 6, 6, 1), seed=8)),
    ]


@pytest.mark.parametrize("layers", range(1, 11))
def test_tent_map_has_2_to_the_L_pieces(layers):
    p = rw.count_along(tent_map(layers), [[0.0], [1.0]])
    assert p.pieces == p.distinct == 2**layers
    np.testing.assert_allclose(p.breakpoints, np.arange(1, 2**layers) / 2**layers, atol=1e-12)
    assert p.patterns.shape == (2**layers, 2 * layers)
    assert p.length == 1.0 and p.density == 2**layers


def test_tent_map_polyline_and_closed_path():
    net = tent_map(4)
    # Vertices inside pieces and on breakpoints change nothing.
    assert rw.count_along(net, [[0.0], [0.3], [0.5], [1.0]]).pieces == 16
    # There and back: the piece at the turn is one piece; closed, the piece at the start too.
    there_back = rw.count_along(net, [[0.0], [1.0], [0.0]])
    assert there_back.pieces == 31 and there_back.distinct == 16 and there_back.length == 2.0
    loop = rw.count_along(net, [[0.0], [1.0]], closed=True)
    assert loop.pieces == 30 and loop.transitions == 30 and loop.length == 2.0
    # Closed path convention: piece i runs from breakpoints[i] to breakpoints[i + 1].
    ends = np.r_[loop.breakpoints[1:], loop.breakpoints[0] + loop.length]
    mids = 0.75 * loop.breakpoints + 0.25 * ends  # not the turning points
    x = np.where(mids % 2 < 1, mids % 2, 2 - mids % 2)[:, None]
    np.testing.assert_array_equal(net.patterns(x), loop.patterns)


def test_tent_map_diagonal_in_2d():
    # (4^L regions in the square; the diagonal meets 2^L of them, each once.)
    net = tent_map(3, dim=2)
    p = rw.count_along(net, [[0.0, 0.0], [1.0, 1.0]])
    assert p.pieces == 8
    np.testing.assert_allclose(p.breakpoints, np.sqrt(2) * np.arange(1, 8) / 8, atol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_segment_equals_walk_on_restricted_net(seed):
    rng = np.random.default_rng(seed)
    d = 2 + seed % 4
    net = random_mlp((d, 12, 10, 8, 1), seed=seed)
    for _ in range(4):
        x0, x1 = rng.normal(size=(2, d)) * 1.5
        p = rw.count_along(net, [x0, x1])
        ref = walk_on_segment(net, x0, x1)
        assert p.pieces == ref.count == p.distinct
        assert pattern_set(p.patterns) == pattern_set(ref.patterns)
        assert len(p.breakpoints) == p.pieces - 1
        assert np.all(np.diff(p.breakpoints) > 0)


@pytest.mark.parametrize("name,net", degenerate_nets(), ids=lambda v: v if isinstance(v, str) else "")
def test_degenerate_nets_equal_walk(name, net):
    rng = np.random.default_rng(11)
    segments = [rng.normal(size=(2, 3)) for _ in range(4)]
    v = rng.normal(size=3)
    segments.append(np.array([-v, v]))            # through the origin: bias-free hyperplanes all meet there
    segments.append(np.array([[0.0, 0, 0], [1, 0, 0]]))  # from a point where integer hyperplanes meet
    for x0, x1 in segments:
        p = rw.count_along(net, [x0, x1])
        ref = walk_on_segment(net, x0, x1)
        assert p.pieces == ref.count, name
        assert pattern_set(p.patterns) == pattern_set(ref.patterns), name


def test_segment_inside_a_hyperplane_reads_the_neuron_as_zero():
    # Neuron 0 is x; the path runs along x = 0 (inside its hyperplane); neuron 1 is y.
    net = rw.Network([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0, 1.0]]], [[0.0, 0.0, 0.5], [0.0]])
    p = rw.count_along(net, [[0.0, -1.0], [0.0, 1.0]])
    assert p.pieces == 3
    np.testing.assert_allclose(p.breakpoints, [-0.5 + 1, 1.0])
    assert not p.patterns[:, 0].any()
    np.testing.assert_array_equal(p.patterns[:, 1:], [[0, 0], [0, 1], [1, 1]])
    # Along a bent hyperplane of layer 2: its neuron 0 is relu(x) - relu(y), zero on the diagonal.
    net2 = rw.Network([[[1.0, 0.0], [0.0, 1.0]], [[1.0, -1.0], [1.0, 0.0]], [[1.0, 1.0]]],
                      [[0.0, 0.0], [0.0, 0.0], [0.0]])
    q = rw.count_along(net2, [[-1.0, -1.0], [2.0, 2.0]])
    np.testing.assert_array_equal(q.patterns, [[0, 0, 0, 0], [1, 1, 0, 1]])
    np.testing.assert_allclose(q.breakpoints, [np.sqrt(2)])


def test_path_inside_a_hyperplane_with_rounding():
    # The hyperplane a.x = 0 with a = (0.1, 0.2, 0.3): along it, float pre-activations are
    # rounding noise of either sign; they must neither split the path nor set the bit.
    a = np.array([0.1, 0.2, 0.3])
    net = rw.Network([a[None, :], [[1.0]]], [[0.0], [0.0]])
    rng = np.random.default_rng(3)
    basis = np.linalg.svd(a[None, :])[2][1:]
    for _ in range(20):
        x0, x1 = rng.normal(size=(2, 2)) @ basis * 100
        p = rw.count_along(net, [x0, x1])
        assert p.pieces == 1 and not p.patterns.any()


@pytest.mark.parametrize("gap,pieces", [(1e-8, 4), (1e-11, 3)])
def test_tolerance_matches_the_walk(gap, pieces):
    # Breakpoints at 0.5, 1 and 1 + gap on [0, 2]: the default tol is 1e-9 * L / 2.
    net = rw.Network([[[1.0], [1.0], [1.0]], [[1.0, 1.0, 1.0]]], [[-0.5, -1.0, -1.0 - gap], [0.0]])
    p = rw.count_along(net, [[0.0], [2.0]])
    assert p.pieces == pieces == rw.count_regions(net, rw.Box([0.0], [2.0]), threads=1)
    assert rw.count_along(net, [[0.0], [2.0]], tol=1e-12).pieces == 4
    assert p.tol == pytest.approx(1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_dense_sampling_never_finds_more(seed):
    net = random_mlp((5, 16, 16, 1), seed=seed)
    rng = np.random.default_rng(seed)
    pts = rng.normal(size=(4, 5))
    p = rw.count_along(net, pts)
    runs, pats = sampled_runs(net, pts, 20000)
    assert runs <= p.pieces
    assert pattern_set(pats) <= pattern_set(p.patterns)
    assert p.pieces - runs <= 2  # the pieces sampling misses are the very thin ones


def test_many_equals_one_by_one():
    net = random_mlp((4, 10, 10, 2), seed=3, alpha=0.05)
    rng = np.random.default_rng(0)
    paths = rng.normal(size=(40, 3, 4))
    paths[5, 1] = paths[5, 0]  # a repeated point
    for closed in (False, True):
        many = rw.count_along_many(net, paths, closed=closed, batch_segments=7)
        one = [rw.count_along(net, x, closed=closed) for x in paths]
        np.testing.assert_array_equal(many.pieces, [o.pieces for o in one])
        np.testing.assert_array_equal(many.distinct, [o.distinct for o in one])
        np.testing.assert_allclose(many.length, [o.length for o in one])
        np.testing.assert_allclose(many.density, [o.density for o in one])
    ragged = [paths[0], paths[1, :2], np.vstack([paths[2], paths[3]])]
    np.testing.assert_array_equal(rw.count_along_many(net, ragged).pieces,
                                  [rw.count_along(net, x).pieces for x in ragged])
    f32 = rw.count_along_many(net, paths[6:, :2].astype(np.float32))
    assert len(f32) == 34
    with pytest.raises(ValueError, match="path 5 has zero length"):
        rw.count_along_many(net, paths[:, :2], batch_segments=3)


def test_revisited_region_counts_once_in_distinct():
    # |x| - 1 on a line: pieces (-inf,-1), (-1, 0), (0, 1), (1, inf) in the first layer pattern.
    net = rw.Network([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    p = rw.count_along(net, [[-2.0], [2.0], [-2.0]])
    assert p.pieces == 3 and p.distinct == 2
    np.testing.assert_allclose(p.breakpoints, [2.0, 6.0])


@pytest.mark.parametrize("call,match", [
    (lambda n: rw.count_along(n, [[0.0, 0.0]]), "shape"),
    (lambda n: rw.count_along(n, [[0.0], [1.0]]), "shape"),
    (lambda n: rw.count_along(n, [[0.0, 0.0], [np.nan, 1.0]]), "NaN"),
    (lambda n: rw.count_along(n, [[1.0, 1.0], [1.0, 1.0]]), "zero length"),
    (lambda n: rw.count_along(n, [[0.0, 0.0], [1.0, 1.0]], tol=0.0), "tol"),
    (lambda n: rw.count_along_many(n, np.zeros((3, 2, 3))), "shape"),
    (lambda n: rw.count_along_many(n, np.zeros((3, 2, 2)), batch_segments=0), "batch_segments"),
    (lambda n: rw.count_along_many(n, [np.zeros((2, 2)), np.zeros((1, 2))]), r"paths\[1\]"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call(random_mlp((2, 4, 1), seed=0))
    with pytest.raises(TypeError, match="Network"):
        rw.count_along("net", [[0.0], [1.0]])


def point_at(pts: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Points of the polyline at arc lengths s."""
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    ends = np.cumsum(seg)
    k = np.minimum(np.searchsorted(ends, s, side="right"), len(seg) - 1)
    off = ends[k] - seg[k]
    return pts[k] + ((s - off) / seg[k])[:, None] * (pts[k + 1] - pts[k])


@pytest.mark.parametrize("seed", range(4))
def test_each_piece_has_the_forward_pass_pattern_at_its_middle(seed):
    rng = np.random.default_rng(seed)
    net = random_mlp((3, 9, 9, 9, 2), seed=seed, alpha=0.1 * (seed % 2))
    pts = rng.normal(size=(5, 3)) * 2
    p = rw.count_along(net, pts)
    edges = np.r_[0.0, p.breakpoints, p.length]
    np.testing.assert_array_equal(net.patterns(point_at(pts, 0.5 * (edges[:-1] + edges[1:]))), p.patterns)
    # And the pattern changes at every breakpoint: just before and after differ.
    eps = 1e-7 * p.length
    before, after = net.patterns(point_at(pts, p.breakpoints - eps)), net.patterns(point_at(pts, p.breakpoints + eps))
    assert np.all(np.any(before != after, axis=1))


@pytest.mark.parametrize("gap,pieces", [(2e-9, 2), (5e-10, 1)])
def test_tolerance_at_the_ends_matches_the_walk(gap, pieces):
    # One breakpoint `gap` before the end of [0, 2] (tol 1e-9): a thinner end piece does not count.
    net = rw.Network([[[1.0]], [[1.0]]], [[-2.0 + gap], [0.0]])
    assert rw.count_along(net, [[0.0], [2.0]]).pieces == pieces == rw.count_regions(net, rw.Box([0.0], [2.0]), threads=1)
    assert rw.count_along(net, [[2.0], [0.0]]).pieces == pieces


from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(d=st.integers(1, 4), widths=st.lists(st.integers(1, 7), min_size=1, max_size=3),
       seed=st.integers(0, 10**6), leaky=st.booleans(), integer=st.booleans())
@example(d=4, widths=[6, 6, 6], seed=6, leaky=False, integer=True)  # a neuron exactly 0 along the segment
def test_property_segment_equals_walk(d, widths, seed, leaky, integer):
    rng = np.random.default_rng(seed)
    dims = [d, *widths, 1]
    if integer:  # many hyperplanes through common points, zero rows
        ws = [rng.integers(-2, 3, (b, a)).astype(float) for a, b in zip(dims[:-1], dims[1:])]
        bs = [rng.integers(-1, 2, b).astype(float) for b in dims[1:]]
        x0, x1 = rng.integers(-2, 3, (2, d)).astype(float)
        if np.all(x0 == x1):
            x1[0] += 1.0
    else:
        ws = [rng.normal(size=(b, a)) for a, b in zip(dims[:-1], dims[1:])]
        bs = [rng.normal(size=b) for b in dims[1:]]
        x0, x1 = rng.normal(size=(2, d)) * 2
    net = rw.Network(ws, bs, alpha=0.1 if leaky else 0.0)
    p = rw.count_along(net, [x0, x1])
    ref = walk_on_segment(net, x0, x1)
    assert p.pieces == ref.count
    assert pattern_set(p.patterns) == pattern_set(ref.patterns)
    assert rw.count_along_many(net, np.array([[x0, x1]])).pieces[0] == p.pieces
