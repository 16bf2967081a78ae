"""``enumerate_regions(device=...)`` builds a box's complex with torch on that device
(a GPU where there is one; the CPU here) and gives the compiled complex's patterns.

The torch complex shares no code with the compiled one: agreement, pattern for
pattern, with it and with the reference walker (HiGHS LPs) on random and
degenerate nets is the evidence. Where it refuses (a degenerate net, its memory
budget) or does not apply (other domains, limits: ``test_subdivision.py`` with
``device="cpu"``), the compiled core answers as without ``device``; bad devices
get one-line errors. The CUDA test runs only where torch sees a GPU.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from conftest import random_weights
from oracles import reference_walk
from test_degenerate import FAMILIES
from test_subdivision import _odd_box as odd_box

import regionwalk as rw
from regionwalk import _torch_complex
from regionwalk.nets import random_mlp


def _as_set(patterns):
    return {tuple(p) for p in np.asarray(patterns).tolist()}


def _odd_box(d, seed):
    """Off-centre, with unequal sides (the compiled complex's tests' boxes)."""
    return odd_box(d, seed)[1]


def _compiled_and_torch(net, box, **kwargs):
    compiled = rw.enumerate_regions(net, box, threads=1, **kwargs)
    on_device = rw.enumerate_regions(net, box, device="cpu", **kwargs)
    return compiled, on_device


@pytest.mark.parametrize("widths,alpha,seed", [((3, 9, 9, 9, 1), 0.0, 0), ((4, 10, 8, 1), 0.1, 1),
                                               ((5, 9, 7, 1), 0.0, 2), ((6, 8, 6, 1), 0.0, 3),
                                               ((7, 9, 1), 0.2, 4), ((8, 7, 5, 1), 0.0, 5)], ids=str)
def test_the_torch_complex_gives_the_compiled_complexs_patterns(widths, alpha, seed):
    net = random_mlp(widths, seed=seed, alpha=alpha)
    box = _odd_box(widths[0], seed)
    compiled, on_device = _compiled_and_torch(net, box)
    assert compiled.engine == "complex" and on_device.engine == "complex (torch on cpu)"
    assert on_device.device == "cpu" and on_device.complete and on_device.certified
    assert on_device.count == compiled.count and np.array_equal(on_device.packed, compiled.packed)
    assert on_device.stats["subdivision_vertices"] == compiled.stats["subdivision_vertices"]
    # each witness lies in the box and gives its own pattern
    assert box.contains(on_device.points).all()
    assert np.array_equal(net.patterns(on_device.points), on_device.patterns)


def test_the_torch_complex_finds_the_reference_walkers_regions():
    ws, bs = random_weights((4, 7, 6, 1), seed=11)
    net = rw.Network(ws, bs)
    box = _odd_box(4, 11)
    res = rw.enumerate_regions(net, box, device="cpu")
    assert res.device == "cpu"
    assert _as_set(res.patterns) == reference_walk(ws, bs, ("box", box.lo, box.hi), 0.5 * (box.lo + box.hi))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_degenerate_nets_are_refused_or_counted_exactly(family):
    """Pruned, dead, bias-free, ternary and integer nets: where the torch complex answers,
    it is the compiled complex and the reference walker; where it refuses, so does the
    compiled complex, and the walk answers."""
    for widths, seed in (((3, 6, 5, 4, 1), 11), ((4, 5, 5, 1), 12)):
        ws, bs = FAMILIES[family](widths, seed)
        net = rw.Network(ws, bs)
        d = widths[0]
        box = rw.Box(-0.8 * np.ones(d), 1.1 * np.ones(d))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compiled, on_device = _compiled_and_torch(net, box)
        assert (on_device.device is not None) == (compiled.engine == "complex")
        assert on_device.complete and np.array_equal(on_device.packed, compiled.packed)
        assert _as_set(on_device.patterns) == reference_walk(ws, bs, ("box", box.lo, box.hi), 0.15 * (box.lo + box.hi))


def test_a_vertex_on_a_zero_set_is_refused_with_its_reason():
    ws, bs = random_weights((3, 7, 6, 1), seed=2)
    net = rw.Network(ws, [0.0 * b for b in bs])  # every first-layer plane through the box's centre
    raw, why = _torch_complex.device_raw(net, rw.Box(-np.ones(3), np.ones(3)), 0.0, -1, False, torch.device("cpu"))
    assert raw is None and "zero set" in why


def test_past_its_memory_budget_the_compiled_core_answers():
    net = random_mlp((5, 12, 12, 1), seed=2)
    box = rw.Box(-np.ones(5), np.ones(5))
    raw, why = _torch_complex.device_raw(net, box, 0.0, 100_000, False, torch.device("cpu"))
    assert raw is None and why == "past its memory budget"
    full = rw.enumerate_regions(net, box, store_points=False, device="cpu")
    assert full.device == "cpu"
    with pytest.warns(rw.IncompleteWarning):
        res = rw.enumerate_regions(net, box, store_points=False, max_memory=100_000, device="cpu")
    assert res.device is None and res.stop_reason == "memory"  # the compiled core, under the same limit
    assert _as_set(res.patterns) <= _as_set(full.patterns)


def test_ctrl_c_in_the_torch_complex_returns_no_partial_regions(monkeypatch):
    calls = []
    cut = _torch_complex._Complex._cut

    def interrupted_on_the_third_cut(self, k, j):
        calls.append(k)
        if len(calls) == 3:
            raise KeyboardInterrupt
        cut(self, k, j)

    monkeypatch.setattr(_torch_complex._Complex, "_cut", interrupted_on_the_third_cut)
    net = random_mlp((4, 8, 8, 1), seed=0)
    with pytest.raises(rw.Interrupted) as info:
        rw.enumerate_regions(net, rw.Box(-np.ones(4), np.ones(4)), device="cpu")
    assert info.value.partial.count == 0 and info.value.partial.stop_reason == "interrupted"
    assert info.value.partial.engine == "complex (interrupted)"


@pytest.mark.parametrize("device,error,match", [
    ("gpu", ValueError, "device must be a torch device name such as 'cuda'"),
    (3, TypeError, "device must be a torch device name"),
])
def test_a_bad_device_is_named_in_one_line(device, error, match):
    net = random_mlp((3, 4, 1), seed=0)
    with pytest.raises(error, match=match) as info:
        rw.enumerate_regions(net, rw.Box(-np.ones(3), np.ones(3)), device=device)
    assert "\n" not in str(info.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_a_clear_error():
    net = random_mlp((3, 4, 1), seed=0)
    with pytest.raises(ValueError, match="torch sees no CUDA device"):
        rw.enumerate_regions(net, rw.Box(-np.ones(3), np.ones(3)), device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_cuda_the_patterns_are_the_compiled_complexs():
    net = random_mlp((6, 12, 12, 1), seed=9)
    box = _odd_box(6, 9)
    compiled = rw.enumerate_regions(net, box)
    on_gpu = rw.enumerate_regions(net, box, device="cuda")
    assert on_gpu.engine.startswith("complex (torch on cuda")
    assert np.array_equal(on_gpu.packed, compiled.packed)
    assert np.array_equal(net.patterns(on_gpu.points), on_gpu.patterns)


def test_the_cli_builds_the_complex_on_the_device_it_is_given(box_model_file, capsys):
    import json

    from regionwalk.cli import main

    path, box = box_model_file
    counts = []
    for extra in ([], ["--device", "cpu"]):
        assert main(["count", str(path), *box, *extra]) == 0
        counts.append(json.loads(capsys.readouterr().out))
    assert counts[0]["count"] == counts[1]["count"] > 1
    assert counts[0]["engine"] == "complex" and counts[1]["engine"] == "complex (torch on cpu)"
    assert main(["count", str(path), *box, "--device", "tpu9"]) == 2
    assert "device" in capsys.readouterr().err


def test_the_vertices_hashes_follow_their_signs():
    """A new vertex's hashes are derived from one end's, not summed afresh: after every
    cut they must still be the hashes of the signs it holds."""
    ws, bs = random_weights((5, 9, 7, 1), seed=3)
    ws[1][2], bs[1][2] = 0.0, 0.0  # a neuron zero everywhere is set inactive, hashes too
    net = rw.Network(ws, bs)
    box = _odd_box(5, 3)
    weights, biases = _torch_complex._unit_box_layers(net, box)
    cx = _torch_complex._Complex(weights, biases, 0.0, 1e-9, torch.device("cpu"), 1 << 30)
    cut = cx._cut
    checked = []

    def cut_and_check(k, j):
        cut(k, j)
        assert torch.equal(cx.hash, cx._full_hash(cx.s))
        checked.append(k)

    cx._cut = cut_and_check
    cx.run()
    assert len(checked) == 16 and len(cx.x) > 2**5
