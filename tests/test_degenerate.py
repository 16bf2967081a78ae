"""Degenerate nets count exactly: pruned neurons and dead layers, bias-free nets,
integer and ternary weights, rescaled neurons (DESIGN.md section 1, zero neurons).

A neuron whose pre-activation is identically zero on a region is inactive there
(bit 0) and splits nothing; deleting a neuron that is zero everywhere changes no
count, and neither does rescaling a neuron by a positive factor. Each family is
checked against oracles that share no code with the walk: the reference walker
(HiGHS / Clarabel), the 2D clipping partition with its areas, and sampling.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from oracles import reference_walk

import regionwalk as rw
from regionwalk.polygons import partition_2d


def _as_set(patterns):
    return {tuple(p) for p in np.asarray(patterns).tolist()}


# --- the families -----------------------------------------------------------

def gaussian(widths, seed):
    rng = np.random.default_rng(seed)
    ws = [rng.normal(size=(o, i)) / np.sqrt(i) for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.normal(scale=0.5, size=o) for o in widths[1:]]
    return ws, bs


def pruned(widths, seed, per_layer=1):
    """Gaussian, with `per_layer` neurons of every hidden layer pruned (zero row and bias)."""
    ws, bs = gaussian(widths, seed)
    rng = np.random.default_rng(seed + 1)
    for w, b in zip(ws[:-1], bs[:-1]):
        for k in rng.choice(len(b), size=min(per_layer, len(b)), replace=False):
            w[k], b[k] = 0.0, 0.0
    return ws, bs


def dead_layer(widths, seed):
    """Gaussian with the last hidden layer's inputs all zero: it is constant everywhere."""
    ws, bs = gaussian(widths, seed)
    ws[-2][:] = 0.0
    return ws, bs


def bias_free(widths, seed):
    """torch's own initialisation of nn.Linear(bias=False) layers."""
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(i, o, bias=False).double() for i, o in zip(widths[:-1], widths[1:])]
    ws = [layer.weight.detach().numpy().copy() for layer in layers]
    return ws, [np.zeros(o) for o in widths[1:]]


def ternary(widths, seed):
    """Weights in {-1, 0, 1}, biases in {0, 1}: many exact cancellations."""
    rng = np.random.default_rng(seed)
    ws = [rng.integers(-1, 2, size=(o, i)).astype(float) for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.integers(0, 2, size=o).astype(float) for o in widths[1:]]
    return ws, bs


def integer(widths, seed):
    rng = np.random.default_rng(seed)
    ws = [rng.integers(-2, 3, size=(o, i)).astype(float) for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.integers(-1, 2, size=o).astype(float) for o in widths[1:]]
    return ws, bs


FAMILIES = {"pruned": pruned, "dead_layer": dead_layer, "bias_free": bias_free,
            "ternary": ternary, "integer": integer}


def _domain(kind, d):
    if kind == "box":
        return rw.Box(-np.ones(d), np.ones(d)), ("box", -np.ones(d), np.ones(d))
    if kind == "offbox":
        lo, hi = np.full(d, 0.2), np.full(d, 1.7)
        lo[0] = -0.4
        return rw.Box(lo, hi), ("box", lo, hi)
    if kind == "ball":
        c = np.full(d, 0.15)
        return rw.Ball(c, 1.2), ("ball", c, 1.2)
    return None, ("whole",)


def _seed(dom, d):
    return dom.center if dom is not None else np.full(d, 0.05)


# --- the cases ------------------------------------------------------

def test_a_later_neuron_zero_on_a_quadrant_is_inactive_there_and_found_from_any_seed():
    net = rw.Network([[[1., 0.], [0., 1.]], [[1., 1.]], [[1.]]], [[0.1, 0.2], [0.], [0.]])
    box = rw.Box([-1, -1], [1, 1])
    for seed in (None, [-0.5, -0.5], [0.5, -0.5]):
        res = rw.enumerate_regions(net, box, seed=seed, threads=1)
        assert res.count == 4 and res.complete and res.certified
        # the quadrant x < -0.1, y < -0.2 has every neuron off, the layer-2 one included
        assert (False, False, False) in _as_set(res.patterns)


@pytest.mark.parametrize("dom", [rw.Box([-1], [1]), rw.Ball([0.0], 1.0), None], ids=["box", "ball", "whole"])
def test_a_pruned_first_layer_neuron_splits_nothing(dom):
    net = rw.Network([[[1.], [0.]], [[1., 1.]]], [[0.5, 0.], [0.]])
    res = rw.enumerate_regions(net, dom, threads=1)
    assert res.count == 2 and res.complete
    assert not res.patterns[:, 1].any()


def test_pruning_a_neuron_counts_as_deleting_it():
    ws, bs = gaussian((2, 6, 6, 1), seed=0)
    ws[0][2], bs[0][2] = 0.0, 0.0
    deleted = rw.Network([np.delete(ws[0], 2, 0), np.delete(ws[1], 2, 1), ws[2]],
                         [np.delete(bs[0], 2), bs[1], bs[2]])
    box = rw.Box([-1, -1], [1, 1])
    full = rw.enumerate_regions(rw.Network(ws, bs), box)
    short = rw.enumerate_regions(deleted, box)
    assert full.count == short.count > 1
    assert _as_set(np.delete(full.patterns, 2, 1)) == _as_set(short.patterns)


@pytest.mark.parametrize("factor", [1e-15, 1e-8, 1e-3, 1e3, 1e8, 1e15])
def test_rescaling_one_neuron_changes_no_count(factor):
    base = rw.Network([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0.5], [0]])
    scaled = rw.Network([[[1, 0], [0, factor]], [[1, 1]]], [[0, 0.5 * factor], [0]])
    box = rw.Box([-1, -1], [1, 1])
    assert rw.count_regions(scaled, box) == rw.count_regions(base, box) == 4


@pytest.mark.parametrize("layer", [0, 1])
@pytest.mark.parametrize("factor", [1e-15, 1e-6, 1e6, 1e15])
def test_rescaling_a_neuron_of_a_deep_net_keeps_every_pattern(layer, factor):
    # ReLU(f z) = f ReLU(z): with its outgoing weights divided by f, the net
    # computes the same function, so the partition is the same.
    ws, bs = gaussian((3, 6, 6, 1), seed=4)
    ws2, bs2 = [w.copy() for w in ws], [b.copy() for b in bs]
    ws2[layer][1] *= factor
    bs2[layer][1] *= factor
    ws2[layer + 1][:, 1] /= factor
    box = rw.Box(-np.ones(3), np.ones(3))
    a = rw.enumerate_regions(rw.Network(ws, bs), box)
    b = rw.enumerate_regions(rw.Network(ws2, bs2), box)
    assert a.complete and b.complete
    assert np.array_equal(a.packed, b.packed)


def test_a_box_thinner_than_its_coordinates_keeps_its_precision():
    net = rw.Network([[[1., 1.]], [[1.]]], [[-0.3], [0.]])
    res = rw.enumerate_regions(net, rw.Box([0, 0], [1e-16, 1]))
    assert res.count == 2 and res.complete
    assert np.all((res.points[:, 0] > 0) & (res.points[:, 0] < 1e-16))


def test_complete_means_certified(monkeypatch):
    # A walk that ran to its end but hit a solver limit on the way is not complete.
    from regionwalk import _core
    real = _core.walk

    def uncertain(*args, **kwargs):
        raw = real(*args, **kwargs)
        raw["stats"]["undecided"] = 1
        raw["certified"] = False
        return raw

    monkeypatch.setattr(_core, "walk", uncertain)
    net = rw.Network([[[1., 0.], [0., 1.]], [[1., 1.]]], [[0., 0.], [0.]])
    with pytest.warns(rw.IncompleteWarning):
        res = rw.enumerate_regions(net, rw.Box([-1, -1], [1, 1]))
    assert res.stop_reason == "complete" and not res.certified and not res.complete


# --- the families against the oracles ---------------------------------------

@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("kind", ["box", "offbox", "ball", "whole"])
@pytest.mark.parametrize("alpha", [0.0, 0.2], ids=["relu", "leaky"])
def test_degenerate_families_match_the_reference_walker(family, kind, alpha):
    widths = (2, 5, 4, 1) if family != "dead_layer" else (3, 5, 4, 1)
    ws, bs = FAMILIES[family](widths, seed=len(family) + len(kind))
    d = widths[0]
    dom, ref_dom = _domain(kind, d)
    net = rw.Network(ws, bs, alpha=alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no uncertified step
        res = rw.enumerate_regions(net, dom, seed=_seed(dom, d), threads=1)
    ref = reference_walk(ws, bs, ref_dom, _seed(dom, d), alpha=alpha)
    assert res.complete
    assert _as_set(res.patterns) == ref


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("alpha", [0.0, 0.1], ids=["relu", "leaky"])
def test_degenerate_families_in_2d_equal_the_clipping_partition(family, alpha):
    ws, bs = FAMILIES[family]((2, 8, 8, 1), seed=7)
    net = rw.Network(ws, bs, alpha=alpha)
    for dom in (rw.Box([-1.5, -1], [1, 2]), rw.Ball([0.3, -0.2], 1.5)):
        cells = partition_2d(net, dom)
        res = rw.enumerate_regions(net, dom, threads=2)
        assert res.complete
        assert _as_set(res.patterns) == _as_set([c.pattern for c in cells])
        total = dom.volume if isinstance(dom, rw.Box) else np.pi * dom.radius**2
        assert sum(c.area for c in cells) == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("width,seed", [(6, 0), (10, 1), (16, 2)])
def test_every_sampled_pattern_of_a_degenerate_net_is_enumerated(family, width, seed):
    ws, bs = FAMILIES[family]((3, width, width, 1), seed=seed)
    net = rw.Network(ws, bs)
    dom = rw.Box([0.2, -1.0, -0.5], [1.5, 0.5, 1.0])  # off the origin: bias-free cones meet it too
    res = rw.enumerate_regions(net, dom)
    assert res.complete
    assert np.array_equal(net.patterns(res.points), res.patterns)  # witnesses reproduce their patterns
    sampled = rw.sample_patterns(net, dom, 20000, seed=seed)
    assert _as_set(sampled.patterns) <= _as_set(res.packed)


@pytest.mark.parametrize("seed", range(4))
def test_bias_free_torch_nets_find_the_all_off_cone(seed):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8, bias=False), torch.nn.ReLU(),
                                torch.nn.Linear(8, 8, bias=False), torch.nn.ReLU(),
                                torch.nn.Linear(8, 1, bias=False))
    net = rw.Network.from_torch(model)
    dom = rw.Box([0.2, -1.0], [1.5, 0.5])
    res = rw.enumerate_regions(net, dom)
    cells = partition_2d(net, dom)
    assert _as_set(res.patterns) == _as_set([c.pattern for c in cells])
    # the whole space of a bias-free net is a fan of cones around the origin
    whole = rw.enumerate_regions(net, None)
    assert whole.complete and whole.count >= res.count


@pytest.mark.parametrize("family,widths,seed,alpha", [
    ("bias_free", (3, 3, 7, 1), 191080, 0.0),   # cones: facet LPs met degenerate vertices at the apex
    ("ternary", (3, 4, 6, 8, 1), 549324, 0.1),  # integer data: a dependent blocking row stalled the LP
])
def test_degenerate_walks_in_the_whole_space_are_certified(family, widths, seed, alpha):
    from test_properties import _family_net

    net = _family_net(family, widths, seed, alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = rw.enumerate_regions(net, None, threads=1)
    assert res.complete and res.certified
    sampled = rw.sample_patterns(net, rw.Box(-np.full(3, 5.0), np.full(3, 5.0)), 20000)
    assert _as_set(sampled.patterns) <= _as_set(res.packed)


@pytest.mark.parametrize("seed", range(6))
def test_random_degenerate_walks_are_certified(seed):
    from test_properties import _family_net

    rng = np.random.default_rng(seed)
    for family in ("pruned", "bias_free", "ternary", "integer", "rescaled"):
        d = int(rng.integers(1, 5))
        widths = (d, *rng.integers(2, 9, size=rng.integers(1, 4)).tolist(), 1)
        net = _family_net(family, widths, int(rng.integers(10**6)), float(rng.choice([0.0, 0.1])))
        for dom in (rw.Box(np.full(d, 0.3), np.full(d, 2.0)), rw.Ball(np.full(d, 0.1), 1.5), None):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                res = rw.enumerate_regions(net, dom, threads=1, store_points=False)
            assert res.complete, (family, widths, dom)


def test_a_neuron_zero_only_up_to_rounding_is_off_in_the_walk_and_the_exact_oracle():
    # 0.1 h1 + 0.1 h2 - 0.1 h3 with h3 = h1 + h2 on the quadrant x1, x2 > 0: zero
    # there, but a float forward pass reads it as +-1e-17, either sign. A reference
    # walker reading those signs found a region more than there is (found on a
    # 30-input ternary net of four hidden layers, where 71 such patterns appeared).
    ws = [np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.3, -0.7, 1.0]]),
          np.array([[0.1, 0.1, -0.1, 0.0], [0.5, -1.0, 0.7, 0.4]]), np.array([[1.0, 1.0]])]
    bs = [np.array([0.0, 0.0, 0.0, 0.1]), np.array([0.0, 0.05]), np.array([0.0])]
    x = np.random.default_rng(0).uniform(0, 1, size=(500, 2))
    z = 0.1 * x[:, 0] + 0.1 * x[:, 1] - 0.1 * (x[:, 0] + x[:, 1])  # in floats, in this order
    assert (z > 0).any() and (z < 0).any()  # the case: rounding of both signs
    net = rw.Network(ws, bs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = rw.enumerate_regions(net, rw.Box(-np.ones(3), np.ones(3)), threads=1)
    assert res.complete
    assert not res.patterns[(res.points[:, 0] > 0) & (res.points[:, 1] > 0), 4].any()
    assert _as_set(res.patterns) == reference_walk(ws, bs, ("box", -np.ones(3), np.ones(3)), np.full(3, 0.05))


@pytest.mark.parametrize("radius", [0.05, 0.1])
def test_reading_cancelled_sums_as_zero_never_swallows_a_real_preactivation(radius):
    # 784 inputs far from the origin: a forward pass sums large terms, while a
    # witness keeps a margin of only tol = 1e-9 r from its hyperplanes. The
    # zero-reading rule must stay at rounding size, or crossings fail to land.
    from regionwalk.nets import random_mlp

    net = random_mlp((784, 64, 64, 10), seed=2)
    x = np.random.default_rng(0).standard_normal(784)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = rw.enumerate_regions(net, rw.Ball(x, radius), store_points=False)
    loose = rw.enumerate_regions(net, rw.Ball(x, radius), tol=20e-9 * radius, store_points=False)
    assert res.certified and res.complete
    assert res.count >= loose.count > 1


def test_a_bias_free_7d_walk_whose_lp_cycled_is_certified():
    # Found by bench/stress_builds.py (seed 5, walk 244): two facet LPs of this
    # walk went round a 2-cycle (a row blocking a step of length 0, then
    # released at once with a multiplier that rounding made negative) until
    # the iteration limit, leaving the count uncertified. The reference count
    # is the same walk's, and the complex refuses this net (vertices at 0).
    rng = np.random.default_rng(98252300)
    d = int(rng.integers(3, 9))
    widths = [d] + [int(rng.integers(2, 13)) for _ in range(int(rng.integers(1, 4)))] + [1]
    assert str(rng.choice(["general", "integer", "bias-free", "duplicated", "parallel", "zero", "scaled"])) \
        == "bias-free" and widths == [7, 12, 4, 11, 1]
    ws = [rng.normal(size=(o, i)) for i, o in zip(widths[:-1], widths[1:])]
    bs = [0.0 * rng.normal(scale=0.5, size=o) for o in widths[1:]]
    c = np.zeros(d) if rng.random() < 0.5 else rng.normal(scale=0.3, size=d)
    half = rng.choice([0.05, 0.5, 1.0, 3.0], size=d) if rng.random() < 0.3 else np.full(d, float(rng.choice([0.1, 1.0, 2.0])))
    res = rw.enumerate_regions(rw.Network(ws, bs), rw.Box(c - half, c + half), threads=1, store_points=False)
    assert res.stats["undecided"] == 0 and res.certified and res.complete
    assert res.count == 78144
