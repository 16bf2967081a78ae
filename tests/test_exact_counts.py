"""Counts that are known in closed form, and degenerate nets."""

from __future__ import annotations

import numpy as np
import pytest
from oracles import one_layer_count_in_ball, zaslavsky_count

import regionwalk as rw
from regionwalk.nets import random_mlp, tent_map


@pytest.mark.parametrize("layers", [1, 2, 3, 5, 8, 10])
def test_tent_map_has_two_to_the_L_regions_on_the_unit_interval(layers):
    res = rw.enumerate_regions(tent_map(layers), rw.Box([0.0], [1.0]))
    assert res.complete and res.count == 2**layers


@pytest.mark.parametrize("layers", [1, 2, 3, 4])
def test_product_tent_map_has_four_to_the_L_regions_on_the_unit_square(layers):
    net = tent_map(layers, dim=2)
    assert rw.count_regions(net, rw.Box([0, 0], [1, 1])) == 4**layers


@pytest.mark.parametrize("d,m,seed", [(1, 7, 0), (2, 10, 1), (3, 9, 2), (4, 8, 3), (5, 7, 4), (6, 8, 5)])
def test_one_layer_whole_space_matches_zaslavsky(d, m, seed):
    rng = np.random.default_rng(seed)
    net = rw.Network([rng.normal(size=(m, d)), rng.normal(size=(1, m))], [rng.normal(size=m), [0.0]])
    assert rw.count_regions(net, None) == zaslavsky_count(m, d)


@pytest.mark.parametrize("d,m,radius", [(2, 12, 0.7), (3, 10, 1.0), (4, 9, 0.8)])
def test_one_layer_in_a_ball_matches_the_flat_count(d, m, radius):
    rng = np.random.default_rng(d * m)
    w, b = rng.normal(size=(m, d)), rng.normal(scale=0.7, size=m)
    net = rw.Network([w, np.ones((1, m))], [b, [0.0]])
    center = rng.normal(scale=0.2, size=d)
    assert rw.count_regions(net, rw.Ball(center, radius)) == one_layer_count_in_ball(w, b, center, radius)


def test_duplicated_neurons_count_once_and_flip_together():
    rng = np.random.default_rng(1)
    w, b = rng.normal(size=(6, 2)), rng.normal(size=6)
    # neuron 6 duplicates neuron 0, neuron 7 is neuron 1 scaled, neuron 8 is -neuron 2
    w2 = np.vstack([w, w[0], 3 * w[1], -w[2]])
    b2 = np.concatenate([b, [b[0], 3 * b[1], -b[2]]])
    plain = rw.Network([w, np.ones((1, 6))], [b, [0.0]])
    dup = rw.Network([w2, np.ones((1, 9))], [b2, [0.0]])
    box = rw.Box([-2, -2], [2, 2])
    res = rw.enumerate_regions(dup, box)
    assert res.count == rw.count_regions(plain, box)
    p = res.patterns
    assert np.all(p[:, 6] == p[:, 0]) and np.all(p[:, 7] == p[:, 1]) and np.all(p[:, 8] != p[:, 2])


def test_dead_neurons_and_zero_rows_are_never_facets():
    rng = np.random.default_rng(2)
    w = rng.normal(size=(5, 2))
    w[3] = 0.0  # a zero row: constant neuron
    b = rng.normal(size=5)
    b[3] = -1.0
    w2 = np.vstack([rng.normal(size=(3, 5)), np.zeros((1, 5))])  # a dead second-layer neuron
    b2 = np.array([0.1, -0.2, 0.3, -5.0])
    net = rw.Network([w, w2, np.ones((1, 4))], [b, b2, [0.0]])
    box = rw.Box([-1, -1], [1, 1])
    res = rw.enumerate_regions(net, box)
    assert not res.patterns[:, 3].any() and not res.patterns[:, 8].any()
    ref = rw.Network([np.delete(w, 3, 0), np.delete(w2[:3], 3, 1), np.ones((1, 3))],
                     [np.delete(b, 3), b2[:3], [0.0]])
    assert res.count == rw.count_regions(ref, box)


def test_seed_on_a_boundary_gives_the_same_regions():
    net = random_mlp((2, 8, 8, 1), seed=4)
    box = rw.Box([-1, -1], [1, 1])
    base = rw.enumerate_regions(net, box)
    # a seed exactly on a first-layer hyperplane and one on a vertex of two
    w, b = net.weights[0], net.biases[0]
    on_line = -b[0] * w[0] / (w[0] @ w[0])
    vertex = np.linalg.solve(w[:2], -b[:2])
    for seed in (on_line, vertex):
        if box.contains(seed)[0]:
            res = rw.enumerate_regions(net, box, seed=seed)
            assert res.count == base.count
            assert np.array_equal(res.packed, base.packed)


def test_regions_grow_with_the_domain():
    net = random_mlp((3, 10, 10, 1), seed=5)
    counts = [rw.count_regions(net, rw.Ball(np.zeros(3), r)) for r in (0.05, 0.2, 0.5, 1.0)]
    assert counts == sorted(counts) and counts[0] >= 1
    assert rw.count_regions(net, None) >= counts[-1]


def test_leaky_relu_walk_matches_sampling_and_relu_pattern_sets_differ():
    net = random_mlp((2, 6, 6, 1), seed=6, alpha=0.1)
    box = rw.Box([-1, -1], [1, 1])
    res = rw.enumerate_regions(net, box)
    pts = np.random.default_rng(0).uniform(-1, 1, size=(50000, 2))
    sampled = {tuple(p) for p in net.patterns(pts).tolist()}
    assert sampled <= {tuple(p) for p in res.patterns.tolist()}
