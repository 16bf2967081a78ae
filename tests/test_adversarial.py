"""Adversarial nets. The tolerance policy (README, "What exact means") decides
each answer: a facet is crossed when its piece in the domain keeps a margin
> tol (default 1e-9 x the domain's scale); hyperplanes within tol of each other
across the domain are one."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

import regionwalk as rw
from regionwalk.nets import random_mlp

BOX = rw.Box([-1, -1], [1, 1])


def _lines(w, b):
    w = np.asarray(w, dtype=float)
    return rw.Network([w, np.ones((1, len(w)))], [np.asarray(b, dtype=float), [0.0]])


@pytest.mark.parametrize("gap,expected", [(1e-2, 3), (1e-6, 3), (1e-8, 3), (1e-11, 2), (0.0, 2)])
def test_parallel_lines_a_gap_apart(gap, expected):
    # x = 0 and x = gap: a slab thinner than tol (1e-9) is not a region of its own
    res = rw.enumerate_regions(_lines([[1, 0], [1, 0]], [0.0, -gap]), BOX)
    assert res.count == expected


@pytest.mark.parametrize("angle", [1e-2, 1e-4, 1e-6])
def test_nearly_parallel_lines_crossing_inside(angle):
    # two lines through (0.3, 0) at a tiny angle: four wedges, two of them thin
    w = [[1.0, 0.0], [np.cos(angle), np.sin(angle)]]
    b = [-0.3, -0.3 * np.cos(angle)]
    assert rw.count_regions(_lines(w, b), BOX) == 4


@pytest.mark.parametrize("d,m", [(2, 20), (3, 8), (4, 7)])
def test_many_hyperplanes_through_one_point(d, m):
    # a central arrangement in general position otherwise: 2 sum_{j<d} C(m-1, j) regions
    rng = np.random.default_rng(m)
    w = rng.normal(size=(m, d))
    p = np.full(d, 0.1)
    net = rw.Network([w, np.ones((1, m))], [-w @ p, [0.0]])
    expected = 2 * sum(comb(m - 1, j) for j in range(d))
    assert rw.count_regions(net, rw.Box(np.full(d, -1.0), np.full(d, 1.0))) == expected
    assert rw.count_regions(net, None) == expected


@pytest.mark.parametrize("seed", range(3))
def test_huge_and_tiny_weights_do_not_change_the_partition(seed):
    # scaling hidden neuron k by s_k > 0 and its outgoing weights by 1/s_k keeps the function
    base = random_mlp((3, 8, 8, 1), seed=seed)
    rng = np.random.default_rng(seed)
    s1, s2 = 10.0 ** rng.uniform(-6, 6, size=8), 10.0 ** rng.uniform(-6, 6, size=8)
    w0, w1, w2 = base.weights
    b0, b1, b2 = base.biases
    scaled = rw.Network([s1[:, None] * w0, s2[:, None] * w1 / s1[None, :], w2 / s2[None, :]],
                        [s1 * b0, s2 * b1, b2])
    for dom in (rw.Box(np.full(3, -1.0), np.full(3, 1.0)), rw.Ball(np.zeros(3), 0.8), None):
        a, b = rw.enumerate_regions(base, dom), rw.enumerate_regions(scaled, dom)
        assert a.count == b.count and np.array_equal(a.packed, b.packed)


def test_dead_layer_stops_all_further_splits():
    net = random_mlp((2, 10, 6, 5, 1), seed=7)
    ws, bs = list(net.weights), list(net.biases)
    bs[1] = np.full(6, -1e3)  # the second layer is dead on the box
    dead = rw.Network(ws, bs)
    first_only = rw.Network([ws[0], np.ones((1, 10))], [bs[0], [0.0]])
    assert rw.count_regions(dead, BOX) == rw.count_regions(first_only, BOX)


@pytest.mark.parametrize("offset,expected", [(0.0, 1), (1e-12, 1), (1e-3, 2), (-1e-3, 1)])
def test_ball_tangent_to_a_hyperplane(offset, expected):
    # the line x = r - offset against the open ball of radius r at 0: tangent (offset 0)
    # or a cap thinner than tol (1e-12) meets no interior region; a 1e-3 cap does
    r = 0.5
    net = _lines([[1.0, 0.0], [0.0, 1.0]], [-(r - offset), -5.0])
    assert rw.count_regions(net, rw.Ball([0.0, 0.0], r)) == expected


@pytest.mark.parametrize("center", [[1e4, -1e4], [-3e5, 2e5]])
def test_domains_far_from_the_origin(center):
    net0 = random_mlp((2, 10, 10, 1), seed=8)
    c = np.array(center)
    # the same net moved to c: first-layer bias absorbs the shift
    moved = rw.Network(list(net0.weights), [net0.biases[0] - net0.weights[0] @ c, *net0.biases[1:]])
    for dom0, dom in ((rw.Ball([0, 0], 0.7), rw.Ball(c, 0.7)), (rw.Box([-1, -1], [1, 1]), rw.Box(c - 1, c + 1))):
        assert rw.count_regions(moved, dom) == rw.count_regions(net0, dom0)


def _scaled_deep_net(seed: int) -> tuple[rw.Network, rw.Network, rw.Ball]:
    """A gaussian 5-2-4-10-1 net with every weight and bias times 1e4, and the net of the
    same partition with O(1) entries: layer l's pre-activations are 1e4^l times its."""
    rng = np.random.default_rng(seed)
    widths = (5, 2, 4, 10, 1)
    ws = [rng.normal(size=(o, i)) for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.normal(scale=0.5, size=o) for o in widths[1:]]
    ball = rw.Ball(rng.normal(scale=0.3, size=5), 1.0)
    scaled = rw.Network([1e4 * w for w in ws], [1e4 * b for b in bs])
    same = rw.Network(ws, [b / 1e4**layer for layer, b in enumerate(bs)])
    return scaled, same, ball


def test_crossings_that_fail_at_the_default_tol_land_with_a_smaller_one():
    # Scaling every bias with its weights leaves layer l's bias 1e-4^(l-1) of what it
    # was in effect: the later layers' hyperplanes nearly meet in points, with regions
    # thinner than the default tol between them. Crossings into them fail: not
    # certified, and the warning says what to try. At tol 1e-11 they are walked.
    scaled, same, ball = _scaled_deep_net(0)
    with pytest.warns(rw.IncompleteWarning, match="smaller tol"):
        rough = rw.enumerate_regions(scaled, ball)
    assert rough.stats["witness_failures"] > 0 and not rough.certified and not rough.complete
    fine = rw.enumerate_regions(scaled, ball, tol=1e-11)
    finer = rw.enumerate_regions(scaled, ball, tol=1e-13)
    assert fine.complete and finer.complete and fine.count > rough.count
    found = _packed(fine.packed)
    assert found == _packed(finer.packed)
    assert found == _packed(rw.enumerate_regions(same, ball, tol=1e-11).packed)
    assert _packed(rough.packed) <= found
    assert _packed(rw.sample_patterns(scaled, ball, 100_000, seed=1).patterns) <= found


def _packed(rows: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in rows}
