"""Analytic bounds: published reference values, hand-worked cases, and the rule
that every bound is >= the exact count on every network."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_weights

import regionwalk as rw
from regionwalk import bounds as B


@pytest.mark.parametrize("widths,value", [
    ((4, 3, 3), 42), ((3, 2, 4, 4), 172), ((2, 1, 5), 7), ((5, 3, 3, 3), 211), ((2, 10), 56),
    ((1, 3, 3, 3), 64), ((784, 5, 17), 35443), ((784, 11, 11), 2449868),
])
def test_serra2018_reference_values(widths, value):
    assert B.serra2018(widths) == value


@pytest.mark.parametrize("widths,value", [((4, 3, 3), 64), ((3, 2, 4, 4), 484), ((5, 3, 3, 3), 512)])
def test_montufar2017_reference_values(widths, value):
    assert B.montufar2017(widths) == value


def test_hand_worked_small_cases():
    # 3 lines in the plane: 1 + 3 + 3 = 7 regions at most; 2^3 patterns.
    assert B.zaslavsky(3, 2) == 7 and B.montufar2014((2, 3)) == 8 and B.serra2018((2, 3)) == 7
    # One input, two layers of 3: Theorem 5 gives (3+1)(3+1) = 16, Theorem 1 gives 16 too.
    assert B.serra2018_one_input((1, 3, 3)) == 16 and B.serra2018((1, 3, 3)) == 16
    assert B.serra2018_one_input((2, 3, 3)) is None and B.serra2018_one_input((1, 2, 3)) is None
    # Lines x = 0, y = 0, x + y = 1/2: all three cross the ball of radius 1 at 0, and the
    # pairs meet at (0,0), (0,1/2), (1/2,0): all inside, so 1 + 3 + 3 = 7 regions there.
    net = rw.Network([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0, 1.0]]], [[0.0, 0.0, -0.5], [0.0]])
    assert B.local_arrangement(net, rw.Ball([0, 0], 1.0)) == 7 == rw.count_regions(net, rw.Ball([0, 0], 1.0))
    # In the ball of radius 0.3 at (0.05, 0.05) the line x + y = 1/2 (distance 0.283) still
    # crosses, but the vertices (0, 1/2) and (1/2, 0) are outside: 1 + 3 + 1 = 5.
    small = rw.Ball([0.05, 0.05], 0.3)
    assert B.local_arrangement(net, small) == 5 == rw.count_regions(net, small)
    assert B.local_zaslavsky(net, small) == 7


def test_bounds_are_exact_python_ints_for_wide_nets():
    v = B.montufar2014((784, 1000, 1000, 1000))
    assert isinstance(v, int) and v == 2**3000
    assert isinstance(B.serra2018((784, 200, 200)), int) and B.serra2018((784, 200, 200)) > 2**300


CASES = [
    ((2, 8, 8, 1), 0), ((2, 12, 1), 1), ((3, 6, 6, 6, 1), 2), ((4, 8, 6, 1), 3), ((1, 5, 5, 5, 1), 4),
    ((5, 6, 6, 1), 5), ((2, 16, 8, 1), 6),
]


@pytest.mark.parametrize("widths,seed", CASES, ids=str)
@pytest.mark.parametrize("radius", [1e-3, 0.1, 0.5, 2.0, 50.0])
def test_every_bound_is_at_least_the_exact_count_in_balls(widths, seed, radius):
    ws, bs = random_weights(widths, seed)
    net = rw.Network(ws, bs)
    center = np.random.default_rng(seed).normal(scale=0.3, size=widths[0])
    rows = rw.validate_bounds(net, rw.Ball(center, radius))
    exact = rows[0]["value"]
    assert rows[0]["complete"]
    for r in rows[1:]:
        assert r["value"] >= exact, r
        assert r["ratio"] == r["value"] / exact


@pytest.mark.parametrize("widths,seed", CASES, ids=str)
@pytest.mark.parametrize("half", [1e-3, 0.3, 3.0])
def test_every_bound_is_at_least_the_exact_count_in_boxes_and_the_whole_space(widths, seed, half):
    ws, bs = random_weights(widths, seed)
    net = rw.Network(ws, bs)
    d = widths[0]
    for dom in (rw.Box(np.full(d, -half), np.full(d, half)), None):
        rows = rw.validate_bounds(net, dom)
        assert all(r["value"] >= rows[0]["value"] for r in rows)


def test_bounds_hold_for_a_trained_network():
    import torch
    torch.manual_seed(0)
    x = torch.rand(256, 2) * 2 - 1
    y = ((x[:, 0] ** 2 + x[:, 1] ** 2) < 0.5).float()[:, None]  # a disc
    m = torch.nn.Sequential(torch.nn.Linear(2, 12), torch.nn.ReLU(), torch.nn.Linear(12, 12), torch.nn.ReLU(),
                            torch.nn.Linear(12, 1))
    opt = torch.optim.Adam(m.parameters(), lr=0.02)
    for _ in range(150):
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(m(x), y).backward()
        opt.step()
    net = rw.Network.from_torch(m)
    for dom in (rw.Ball(x[0].numpy(), 0.3), rw.Box([-1, -1], [1, 1]), None):
        rows = rw.validate_bounds(net, dom)
        assert all(r["value"] >= rows[0]["value"] for r in rows)


@pytest.mark.parametrize("d,m,seed", [(2, 9, 0), (3, 8, 1), (4, 7, 2)])
def test_one_layer_local_arrangement_equals_the_exact_count(d, m, seed):
    rng = np.random.default_rng(seed)
    net = rw.Network([rng.normal(size=(m, d)), np.ones((1, m))], [rng.normal(scale=0.6, size=m), [0.0]])
    c = rng.normal(scale=0.2, size=d)
    for dom in (rw.Ball(c, 0.4), rw.Ball(c, 1.5), rw.Box(c - 0.5, c + 0.7), None):
        assert B.local_arrangement(net, dom) == rw.count_regions(net, dom)


@pytest.mark.parametrize("seed", range(4))
def test_local_bounds_are_monotone_in_the_radius(seed):
    ws, bs = random_weights((3, 10, 10, 1), seed)
    net = rw.Network(ws, bs)
    radii = [1e-4, 1e-2, 0.1, 0.3, 1.0, 3.0, 10.0]
    for fn in (B.unstable_product, B.propagated_ball):
        values = [fn(net, rw.Ball(np.zeros(3), r)) for r in radii]
        assert values == sorted(values)
    # with a radius that covers every hyperplane, the local bound is the global product form
    assert B.unstable_product(net, rw.Ball(np.zeros(3), 1e6)) <= B.montufar2017(net)


def test_tiny_ball_has_one_region_and_tight_local_bounds():
    ws, bs = random_weights((4, 10, 10, 1), 9)
    net = rw.Network(ws, bs)
    dom = rw.Ball(np.full(4, 0.123), 1e-7)
    assert rw.count_regions(net, dom) == 1
    assert B.unstable_product(net, dom) == 1


def test_bounds_cli(tmp_path, capsys):
    import torch
    import json

    from regionwalk.cli import main

    m = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.ReLU(), torch.nn.Linear(6, 1))
    torch.save(m, tmp_path / "m.pt")
    assert main(["bounds", str(tmp_path / "m.pt"), "--ball", "0", "0", "--radius", "0.5", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["bound"] == "exact" and {"local_arrangement", "serra2018", "montufar2014"} <= {r["bound"] for r in rows}
    assert main(["bounds", str(tmp_path / "m.pt"), "--all"]) == 0
    assert "serra2018" in capsys.readouterr().out
