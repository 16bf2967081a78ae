"""Boxes of 3 to 8 inputs are answered by the whole complex (edge subdivision,
``engine="auto"``) where it is in general position, and by the walk elsewhere.

Either way the regions are the reference walker's (HiGHS LPs, one per neuron
and region), every sampled pattern is among them and every witness point lies
in its region. Degenerate nets (a vertex on a neuron's zero set) are refused by
the complex and walked; limits the complex cannot honour (regions, time, a
checkpoint) and other domains go to the walk.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest
from conftest import random_weights
from oracles import reference_walk

import regionwalk as rw
from regionwalk.nets import random_mlp


def _as_set(patterns):
    return {tuple(p) for p in np.asarray(patterns).tolist()}


def _odd_box(d, seed):
    """Off-centre, with unequal sides."""
    rng = np.random.default_rng(seed)
    centre = rng.normal(scale=0.2, size=d)
    half = rng.uniform(0.5, 1.2, size=d)
    return centre, rw.Box(centre - half, centre + half)


def _answered_by_complex(res):
    """By the compiled complex, or (``enumerate_regions(device=...)``) by the torch one."""
    answered = res.stats["subdivision_vertices"] > 0 and res.stats["subdivision_refusals"] == 0
    assert (res.engine == ("complex" if res.device is None else f"complex (torch on {res.device})")) == answered
    return answered


@pytest.mark.parametrize("shape,seed", [((3, 9, 9, 1), 0), ((4, 7, 7, 7, 1), 1), ((5, 9, 6, 1), 2),
                                        ((6, 8, 6, 1), 3), ((7, 9, 1), 4), ((8, 7, 5, 1), 5)], ids=str)
def test_the_complex_finds_the_reference_walkers_regions(shape, seed):
    ws, bs = random_weights(shape, seed=seed)
    net = rw.Network(ws, bs)
    centre, box = _odd_box(shape[0], seed)
    res = rw.enumerate_regions(net, box, threads=1)
    assert _answered_by_complex(res) and res.complete and res.certified
    assert _as_set(res.patterns) == reference_walk(ws, bs, ("box", box.lo, box.hi), centre)


@pytest.mark.parametrize("widths,alpha", [((3, 12, 12, 12, 1), 0.0), ((5, 10, 10, 1), 0.1), ((8, 12, 8, 1), 0.0)],
                         ids=str)
def test_the_complex_gives_the_walks_patterns_bit_for_bit(widths, alpha):
    net = random_mlp(widths, seed=7, alpha=alpha)
    centre, box = _odd_box(widths[0], 7)
    auto = rw.enumerate_regions(net, box, threads=1)
    walk = rw.enumerate_regions(net, box, threads=1, engine="walk")
    assert _answered_by_complex(auto) and walk.stats["subdivision_vertices"] == 0
    assert auto.count == walk.count and np.array_equal(auto.packed, walk.packed)


def test_witness_points_lie_inside_their_regions_and_the_box():
    net = random_mlp((6, 10, 10, 1), seed=3)
    centre, box = _odd_box(6, 3)
    res = rw.enumerate_regions(net, box)
    assert _answered_by_complex(res)
    assert np.array_equal(net.patterns(res.points), res.patterns)
    assert box.contains(res.points).all()


def test_every_sampled_pattern_is_among_the_regions():
    net = random_mlp((8, 12, 10, 1), seed=4)
    box = rw.Box(-np.ones(8), np.ones(8))
    res = rw.enumerate_regions(net, box)
    assert _answered_by_complex(res)
    x = np.random.default_rng(0).uniform(-1, 1, size=(50_000, 8))
    assert _as_set(net.patterns(x)) <= _as_set(res.patterns)


def _duplicated(shape, seed):
    ws, bs = random_weights(shape, seed=seed)
    ws[0][1], bs[0][1] = 2.0 * ws[0][0], 2.0 * bs[0][0]  # the same hyperplane, rescaled
    return ws, bs


def _bias_free(shape, seed):
    ws, bs = random_weights(shape, seed=seed)
    return ws, [0.0 * b for b in bs]


def _integer(shape, seed):
    rng = np.random.default_rng(seed)
    ws = [rng.integers(-2, 3, size=(o, i)).astype(float) for i, o in zip(shape[:-1], shape[1:])]
    bs = [rng.integers(-1, 2, size=o).astype(float) for o in shape[1:]]
    return ws, bs


@pytest.mark.parametrize("family", [_duplicated, _bias_free, _integer], ids=lambda f: f.__name__[1:])
def test_degenerate_nets_are_walked_and_count_exactly(family):
    shape = (3, 7, 6, 1)
    ws, bs = family(shape, seed=2)
    net = rw.Network(ws, bs)
    box = rw.Box(-np.ones(3), np.ones(3))  # holds the bias-free net's common point, the integer net's corners
    res = rw.enumerate_regions(net, box, threads=1)
    # a vertex of the complex lies on a neuron's zero set: refused, then walked
    assert res.stats["subdivision_refusals"] == 1 and res.stats["subdivision_vertices"] == 0
    assert res.engine.startswith("walk (the complex refused: ") and "zero set" in res.refusal
    assert res.complete
    assert _as_set(res.patterns) == reference_walk(ws, bs, ("box", box.lo, box.hi), np.full(3, 0.013))


@pytest.mark.parametrize("device", [None, "cpu"])  # the compiled complex, the torch one
def test_a_neuron_zero_everywhere_splits_nothing_in_the_complex(device):
    ws, bs = random_weights((4, 8, 8, 1), seed=6)
    ws[0][3], bs[0][3] = 0.0, 0.0
    ws[1][5], bs[1][5] = 0.0, 0.0
    net = rw.Network(ws, bs)
    box = rw.Box(-np.ones(4), np.ones(4))
    res = rw.enumerate_regions(net, box, threads=1, device=device)
    assert _answered_by_complex(res) and res.device == device
    assert not res.patterns[:, 3].any() and not res.patterns[:, 8 + 5].any()
    assert _as_set(res.patterns) == reference_walk(ws, bs, ("box", box.lo, box.hi), np.zeros(4))


@pytest.mark.parametrize("device", [None, "cpu"])  # the torch complex refuses too, then the compiled one
def test_a_region_thinner_than_tol_sends_the_box_to_the_walk(device):
    ws, bs = random_weights((3, 6, 1), seed=8)
    ws[0][1], bs[0][1] = ws[0][0], bs[0][0] + 1e-6 * np.linalg.norm(ws[0][0])  # a slab 1e-6 thick
    net = rw.Network(ws, bs)
    box = rw.Box(-np.ones(3), np.ones(3))
    thin = rw.enumerate_regions(net, box, tol=1e-5, device=device)
    assert thin.stats["subdivision_refusals"] == 1 and thin.refusal is not None and thin.device is None
    walked = rw.enumerate_regions(net, box, tol=1e-5, engine="walk")
    assert np.array_equal(thin.packed, walked.packed)
    thick = rw.enumerate_regions(net, box, tol=1e-9, device=device)
    assert _answered_by_complex(thick) and thick.device == device


@pytest.mark.parametrize("device", [None, "cpu"])  # neither the compiled nor the torch complex
@pytest.mark.parametrize("case", ["max_regions", "time_limit", "ball", "two_inputs", "engine_walk", "whole"])
def test_the_walk_answers_where_the_complex_does_not_apply(case, device):
    d = 2 if case == "two_inputs" else 4
    net = random_mlp((d, 8, 8, 1), seed=1)
    box = rw.Box(-np.ones(d), np.ones(d))
    kwargs = {"max_regions": {"max_regions": 10**6}, "time_limit": {"time_limit": 60.0},
              "engine_walk": {"engine": "walk"}}.get(case, {})
    domain = {"ball": rw.Ball(np.zeros(d), 1.0), "whole": None}.get(case, box)
    res = rw.enumerate_regions(net, domain, device=device, **kwargs)
    assert res.stats["subdivision_vertices"] == 0 and res.stats["subdivision_refusals"] == 0
    assert res.complete and res.engine == "walk" and res.device is None


def test_engine_must_be_auto_or_walk():
    net = random_mlp((3, 4, 1), seed=0)
    with pytest.raises(ValueError, match="engine must be 'auto' or 'walk'"):
        rw.enumerate_regions(net, rw.Box(-np.ones(3), np.ones(3)), engine="complex")


def test_a_complex_past_the_memory_limit_goes_to_the_walk():
    net = random_mlp((5, 12, 12, 1), seed=2)
    box = rw.Box(-np.ones(5), np.ones(5))
    full = rw.enumerate_regions(net, box, store_points=False)
    assert _answered_by_complex(full)
    with pytest.warns(rw.IncompleteWarning):
        res = rw.enumerate_regions(net, box, store_points=False, max_memory=100_000)
    assert res.stats["subdivision_refusals"] == 1 and res.stop_reason == "memory"
    assert res.refusal == "past its memory budget"
    assert _as_set(res.patterns) <= _as_set(full.patterns)


@pytest.mark.skipif(os.name != "posix", reason="needs SIGINT")
def test_ctrl_c_stops_the_complex_promptly_with_no_partial_regions():
    net = random_mlp((7, 16, 16, 1), seed=0)  # about 6 s for the complex on one core
    box = rw.Box(-np.ones(7), np.ones(7))
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.perf_counter()
    timer.start()
    with pytest.raises(rw.Interrupted) as info:
        rw.enumerate_regions(net, box, threads=1)
    assert time.perf_counter() - start < 1.5
    assert info.value.partial.count == 0 and info.value.partial.stop_reason == "interrupted"
    assert info.value.partial.engine == "complex (interrupted)"


def test_threads_give_the_same_complex_patterns_and_points():
    # big enough for the cuts and the reading to run on several threads
    net = random_mlp((6, 12, 12, 1), seed=9)
    box = rw.Box(-np.ones(6), np.ones(6))
    one = rw.enumerate_regions(net, box, threads=1)
    assert _answered_by_complex(one) and one.stats["subdivision_vertices"] > 90_000
    for n in (2, 3):
        many = rw.enumerate_regions(net, box, threads=n)
        assert np.array_equal(many.packed, one.packed) and np.array_equal(many.points, one.points)


def test_the_cli_counts_the_same_with_either_engine(box_model_file, capsys):
    import json

    from regionwalk.cli import main

    path, box = box_model_file
    counts = []
    for engine in ("auto", "walk"):
        assert main(["count", str(path), *box, "--engine", engine]) == 0
        counts.append(json.loads(capsys.readouterr().out))
    assert counts[0]["count"] == counts[1]["count"] > 1
    assert counts[0]["engine"] == "complex" and counts[1]["engine"] == "walk"
    assert main(["count", str(path), *box, "--engine", "complex"]) == 2
    assert "--engine" in capsys.readouterr().err
