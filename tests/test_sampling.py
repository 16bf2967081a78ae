"""Sampled patterns: a subset of the exact enumeration, uniform in the domain,
deterministic, identical on CPU and CUDA for the same points."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_weights

import regionwalk as rw
from regionwalk.sampling import richness_estimates

import torch


def _set(packed):
    return {tuple(p) for p in np.asarray(packed).tolist()}


@pytest.mark.parametrize("widths,seed", [((2, 10, 10, 1), 0), ((3, 8, 8, 8, 1), 1), ((5, 12, 1), 2), ((8, 10, 6, 1), 3)],
                         ids=str)
def test_every_sampled_pattern_is_enumerated_and_distinct_never_exceeds_exact(widths, seed):
    ws, bs = random_weights(widths, seed)
    net = rw.Network(ws, bs)
    d = widths[0]
    for dom in (rw.Box(np.full(d, -1.0), np.full(d, 1.0)), rw.Ball(np.full(d, 0.1), 0.7)):
        exact = rw.enumerate_regions(net, dom)
        s = rw.sample_patterns(net, dom, 30000, seed=seed)
        assert _set(s.patterns) <= _set(exact.packed)
        assert s.count <= exact.count and s.frequencies.sum() == 30000
        assert np.array_equal(rw.sample_patterns(net, dom, 30000, seed=seed).patterns, s.patterns)


def test_user_points_and_bool_patterns_match_the_network():
    net = rw.Network(*random_weights((3, 7, 7, 1), 4))
    pts = np.random.default_rng(0).normal(size=(5000, 3))
    s = rw.sample_patterns(net, None, 0, points=pts)
    assert _set(s.patterns_bool) == {tuple(p) for p in net.patterns(pts).tolist()}


def test_large_budget_finds_every_region_of_non_negligible_size_in_2d():
    from oracles import chebyshev_radius

    net = rw.Network(*random_weights((2, 12, 12, 1), 5))
    box = rw.Box([-1, -1], [1, 1])
    exact = rw.enumerate_regions(net, box)
    found = _set(rw.sample_patterns(net, box, 200_000, seed=1).patterns_bool)
    for p in exact.patterns:
        if tuple(p.tolist()) not in found:
            # a missed region must be tiny: no disc of radius 0.01 fits in it
            assert chebyshev_radius(net.weights, net.biases, p, box.lo, box.hi) < 0.01


@pytest.mark.parametrize("d", [1, 2, 5, 20])
def test_ball_samples_are_uniform_in_volume(d):
    from scipy import stats

    from regionwalk.sampling import _draw

    gen = torch.Generator().manual_seed(d)
    ball = rw.Ball(np.full(d, 3.0), 2.0)
    x = _draw(ball, 20000, gen, torch.device("cpu")).numpy()
    r = np.linalg.norm(x - 3.0, axis=1) / 2.0
    assert r.max() < 1.0
    # P(R <= r) = r^d for the uniform distribution in a d-ball
    assert stats.kstest(r, lambda t: np.clip(t, 0, 1) ** d).pvalue > 1e-3
    # directions are isotropic: the mean direction is near zero
    u = (x - 3.0) / np.linalg.norm(x - 3.0, axis=1, keepdims=True)
    assert np.abs(u.mean(axis=0)).max() < 0.05


def test_richness_estimators_on_hand_worked_frequencies():
    est = richness_estimates(np.array([1, 1, 1, 2, 5]), n=10)  # S=5, f1=3, f2=1
    assert est["distinct"] == 5
    assert est["chao1"] == pytest.approx(5 + 0.9 * 3 * 2 / 4)
    assert est["jackknife1"] == pytest.approx(5 + 3 * 0.9)
    assert est["jackknife2"] == pytest.approx(5 + 3 * 17 / 10 - 64 / 90)


def test_compare_sampling_rows_and_plot(tmp_path):
    net = rw.Network(*random_weights((2, 8, 8, 1), 6))
    rows = rw.compare_sampling(net, rw.Box([-1, -1], [1, 1]), budgets=[100, 10000])
    assert [r["budget"] for r in rows] == [100, 10000]
    assert all(0 < r["fraction_found"] <= 1 and r["exact"] == rows[0]["exact"] for r in rows)
    from regionwalk.sampling import plot_sampling

    plot_sampling(rows, str(tmp_path / "s.png"))
    assert (tmp_path / "s.png").stat().st_size > 1000


def test_bad_sampling_input():
    net = rw.Network(*random_weights((2, 4, 1), 7))
    with pytest.raises(ValueError, match="Box or a Ball"):
        rw.sample_patterns(net, None, 10)
    with pytest.raises(ValueError, match="n_samples"):
        rw.sample_patterns(net, rw.Box([0, 0], [1, 1]), 0)
    with pytest.raises(ValueError, match="dimension"):
        rw.sample_patterns(net, rw.Box([0], [1]), 10)
    with pytest.raises(ValueError, match="shape"):
        rw.sample_patterns(net, None, 0, points=np.zeros((3, 5)))
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            rw.sample_patterns(net, rw.Box([0, 0], [1, 1]), 10, device="cuda")


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cpu_and_cuda_give_identical_patterns_for_the_same_points():
    net = rw.Network(*random_weights((6, 32, 32, 1), 8))
    pts = np.random.default_rng(1).uniform(-1, 1, size=(200_000, 6))
    cpu = rw.sample_patterns(net, None, 0, points=pts, device="cpu")
    gpu = rw.sample_patterns(net, None, 0, points=pts, device="cuda")
    assert np.array_equal(cpu.patterns, gpu.patterns) and np.array_equal(cpu.frequencies, gpu.frequencies)


def test_sample_cli(tmp_path, capsys):
    import json

    from regionwalk.cli import main

    m = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.ReLU(), torch.nn.Linear(6, 1))
    torch.save(m, tmp_path / "m.pt")
    out_png = tmp_path / "p.png"
    assert main(["sample", str(tmp_path / "m.pt"), "--box", "-1", "-1", "1", "1", "--budgets", "100", "1000",
                 "--plot", str(out_png), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and out_png.exists()
    assert main(["sample", str(tmp_path / "m.pt"), "--all"]) == 2
