"""A ball is walked in the span S of its unstable neurons' fixed forms
(``_core.restrict_ball``): every region meeting the ball is a cylinder over its
slice by ``c + S``, so the slice has the same regions with the same margins.
Checked where the restriction really cuts dimensions (high-dimensional inputs,
balls small enough for stable neurons), against the reference walker (SOCPs in
the full input space), against the core's walk of the unrestricted problem, and
by witness points; on the degenerate families too."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import regionwalk as rw
from regionwalk import _core
from regionwalk.walk import unpack_patterns
from oracles import reference_walk
from test_degenerate import FAMILIES, gaussian

FAMILIES = {**FAMILIES, "gaussian": gaussian}


def _as_set(patterns):
    return {tuple(p) for p in np.asarray(patterns).tolist()}


def _restricted_dim(net: rw.Network, ball: rw.Ball) -> int:
    """The dimension the walk runs in (the row space's when there is no restriction)."""
    core_net, core_dom = _core.reduce(net._core, ball._to_core())[:2]
    restricted = _core.restrict_ball(core_net, core_dom)
    return core_dom.dim if restricted is None else restricted[1].dim


def _unrestricted(net: rw.Network, ball: rw.Ball) -> set:
    """The core's walk of the row-space problem, with no restriction."""
    core_net, core_dom, origin, _, basis = _core.reduce(net._core, ball._to_core())[:5]
    seed = np.zeros(core_dom.dim) if basis is not None else ball.center
    raw = _core.walk(core_net, core_dom, seed, threads=1, store_points=False)
    assert raw["stop"] == "complete" and raw["certified"]
    return _as_set(unpack_patterns(raw["patterns"], net.hidden_neurons))


def _ball_with_stable_neurons(net: rw.Network, seed: int, radius: float) -> rw.Ball:
    rng = np.random.default_rng(seed)
    return rw.Ball(rng.uniform(-0.5, 0.5, size=net.input_dim), radius)


@pytest.mark.parametrize("alpha", [0.0, 0.2], ids=["relu", "leaky"])
@pytest.mark.parametrize("widths, where, radius", [((16, 10, 6, 1), 0, 0.2), ((9, 6, 5, 4, 1), 0, 0.2)], ids=str)
def test_a_small_ball_in_many_dimensions_has_the_reference_walkers_regions(widths, where, radius, alpha):
    ws, bs = gaussian(widths, seed=sum(widths))
    net = rw.Network(ws, bs, alpha=alpha)
    ball = _ball_with_stable_neurons(net, where, radius)
    assert _restricted_dim(net, ball) < widths[1]  # the restriction cuts dimensions here
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = rw.enumerate_regions(net, ball, threads=1)
    ref = reference_walk(ws, bs, ("ball", ball.center, ball.radius), ball.center, alpha=alpha)
    assert res.complete and res.count >= 3
    assert _as_set(res.patterns) == ref


def _three_cuts_in_72_dimensions(alpha: float):
    """A 100-72-72-1 net whose first layer is active (linear) over a ball, and whose
    second layer's hyperplanes all miss the ball but three, though bound propagation
    proves none of them stable: the walk runs in 72 dimensions (where long rows take
    the wide products and the dual projection's floors) for a handful of regions."""
    rng = np.random.default_rng(5)
    d, n1, n2, r = 100, 72, 72, 0.3
    c = rng.uniform(-0.5, 0.5, d)
    w1, b1 = rng.normal(size=(n1, d)) / np.sqrt(d), np.full(n1, 10.0)
    w2 = rng.normal(size=(n2, n1)) / np.sqrt(n1)
    g = w2 @ w1  # the second layer's hyperplanes in x, over the ball
    t = rng.uniform(1.3, 3.0, n2) * rng.choice([-1.0, 1.0], n2)  # offsets in radii: misses ...
    t[:3] = rng.uniform(-0.4, 0.4, 3)  # ... but three cuts
    b2 = t * r * np.linalg.norm(g, axis=1) - w2 @ (w1 @ c + b1)
    ws, bs = [w1, w2, rng.normal(size=(1, n2))], [b1, b2, np.zeros(1)]
    return rw.Network(ws, bs, alpha=alpha), rw.Ball(c, r), g[:3], (g @ c + w2 @ b1 + b2)[:3]


@pytest.mark.parametrize("alpha", [0.0, 0.2], ids=["relu", "leaky"])
def test_a_ball_walked_in_72_dimensions_has_the_arrangements_regions(alpha):
    net, ball, a, z = _three_cuts_in_72_dimensions(alpha)
    assert _restricted_dim(net, ball) >= 64
    # The exact count of three hyperplanes in the ball (DESIGN.md section 4):
    # one region, plus one per subset whose flat meets the open ball.
    exact = 1
    for k in (1, 2, 3):
        for s in itertools.combinations(range(3), k):
            a_s, z_s = a[list(s)], z[list(s)]
            exact += np.linalg.norm(a_s.T @ np.linalg.solve(a_s @ a_s.T, z_s)) < ball.radius
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = rw.enumerate_regions(net, ball, threads=1)
    assert res.complete and res.count == exact >= 5
    sampled = rw.sample_patterns(net, ball, 20_000, seed=2)
    assert _as_set(sampled.patterns_bool) <= _as_set(res.patterns)
    varying = np.flatnonzero(res.patterns.min(axis=0) != res.patterns.max(axis=0))
    assert list(varying) == [72, 73, 74]  # the three cutting neurons, nothing else
    for i in range(res.count):  # each witness inside the ball, with its region's pattern
        x = res.points[i]
        assert np.linalg.norm(x - ball.center) < ball.radius
        assert np.array_equal(net.patterns(x[None])[0], res.patterns[i])


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("alpha", [0.0, 0.2], ids=["relu", "leaky"])
def test_degenerate_families_in_small_balls_equal_the_unrestricted_walk(family, alpha):
    widths = (10, 8, 6, 1) if family != "dead_layer" else (10, 8, 6, 5, 1)
    ws, bs = FAMILIES[family](widths, seed=len(family))
    net = rw.Network(ws, bs, alpha=alpha)
    seen_cut = False
    for i, radius in enumerate((0.1, 0.3, 0.6)):
        ball = _ball_with_stable_neurons(net, i, radius)
        seen_cut = seen_cut or _restricted_dim(net, ball) < min(widths[0], widths[1])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res = rw.enumerate_regions(net, ball, threads=2)
        assert res.complete
        assert _as_set(res.patterns) == _unrestricted(net, ball)
        # each witness lies in the ball and has its region's pattern
        assert np.all(np.linalg.norm(res.points - ball.center, axis=1) < ball.radius)
        np.testing.assert_array_equal(net.patterns(res.points), res.patterns)
    assert seen_cut


@pytest.mark.parametrize("family, radius", [("bias_free", 0.3), ("integer", 0.1), ("ternary", 0.2)])
def test_degenerate_families_in_small_balls_equal_the_reference_walker(family, radius):
    widths = (8, 6, 5, 1)
    ws, bs = FAMILIES[family](widths, seed=3)
    net = rw.Network(ws, bs)
    ball = rw.Ball(np.full(8, 0.4), radius)
    assert _restricted_dim(net, ball) < 6
    res = rw.enumerate_regions(net, ball, threads=1)
    assert res.complete
    assert _as_set(res.patterns) == reference_walk(ws, bs, ("ball", ball.center, ball.radius), ball.center)


def test_a_ball_where_every_neuron_is_stable_is_one_region_walked_on_a_line():
    ws, bs = gaussian((30, 10, 10, 1), seed=2)
    net = rw.Network(ws, bs)
    ball = rw.Ball(np.full(30, 0.3), 1e-6)
    assert _restricted_dim(net, ball) == 1
    res = rw.enumerate_regions(net, ball)
    assert res.complete and res.count == 1
    np.testing.assert_array_equal(res.patterns[0], net.patterns(ball.center)[0])
    assert np.linalg.norm(res.points[0] - ball.center) < 1e-6


@pytest.mark.parametrize("factor", [1e-12, 1e12])
def test_rescaling_an_unstable_neuron_changes_no_pattern(factor):
    ws, bs = gaussian((16, 8, 8, 1), seed=5)
    net = rw.Network(ws, bs)
    ball = _ball_with_stable_neurons(net, 2, 0.3)
    z = net.preactivations(ball.center)[0, :8]
    k = int(np.argmin(np.abs(z) / np.linalg.norm(ws[0], axis=1)))  # the most likely unstable first-layer neuron
    scaled_w, scaled_b = [w.copy() for w in ws], [b.copy() for b in bs]
    scaled_w[0][k] *= factor
    scaled_b[0][k] *= factor
    scaled_w[1][:, k] /= factor
    base = rw.enumerate_regions(net, ball)
    res = rw.enumerate_regions(rw.Network(scaled_w, scaled_b), ball)
    assert res.complete and base.complete and base.count > 1
    np.testing.assert_array_equal(res.packed, base.packed)


def test_only_balls_with_fewer_unstable_neurons_than_dimensions_are_restricted():
    ws, bs = gaussian((4, 8, 8, 1), seed=1)
    net = rw.Network(ws, bs)
    assert _core.restrict_ball(net._core, _core.Domain.box(-np.ones(4), np.ones(4))) is None
    assert _core.restrict_ball(net._core, _core.Domain.whole(4)) is None
    assert _core.restrict_ball(net._core, _core.Domain.ball(np.zeros(4), 10.0)) is None  # all unstable
    small = _core.restrict_ball(net._core, _core.Domain.ball(np.full(4, 0.3), 0.05))
    assert small is not None
    core_net, dom, span = small
    assert dom.dim == span.shape[1] < 4 and core_net.input_dim == dom.dim
    np.testing.assert_allclose(span.T @ span, np.eye(dom.dim), atol=1e-14)
    with pytest.raises(ValueError, match="dimension"):
        _core.restrict_ball(net._core, _core.Domain.ball(np.zeros(3), 1.0))


def test_a_seed_off_the_slice_starts_in_its_own_region():
    ws, bs = gaussian((20, 6, 6, 1), seed=8)
    net = rw.Network(ws, bs)
    ball = _ball_with_stable_neurons(net, 3, 0.4)
    assert _restricted_dim(net, ball) < 6
    rng = np.random.default_rng(9)
    seed = ball.center + 0.3 * rng.normal(size=20) / np.sqrt(20)
    from_centre = rw.enumerate_regions(net, ball)
    from_seed = rw.enumerate_regions(net, ball, seed=seed)
    np.testing.assert_array_equal(from_seed.packed, from_centre.packed)


def test_neurons_of_fixed_sign_are_left_out_of_the_walk_and_their_bits_put_back():
    from regionwalk.walk import _core_problem

    ws, bs = gaussian((30, 12, 12, 1), seed=6)
    ball = rw.Ball(np.full(30, 0.1), 0.15)
    kept = {}
    for alpha in (0.0, 0.2):
        net = rw.Network(ws, bs, alpha=alpha)
        core_net = _core_problem(net, ball, ball.center)[0]
        kept[alpha] = core_net.hidden_neurons
        res = rw.enumerate_regions(net, ball)
        assert res.complete and res.count > 1 and res.patterns.shape[1] == net.hidden_neurons
        assert _as_set(res.patterns) == _unrestricted(net, ball)
        np.testing.assert_array_equal(net.patterns(res.points), res.patterns)
        assert res.stats["stable_neurons"] >= net.hidden_neurons - core_net.hidden_neurons
    # ReLU leaves out the first layer's neurons never > 0; leaky keeps them (they output alpha z)
    assert kept[0.0] < kept[0.2] < 24
