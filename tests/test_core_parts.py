"""The walk's parts alone (DESIGN.md section 2.8): the expand step without a
walk, a walk continued from its saved state, and the solver seam with HiGHS
as a second backend, each against the whole walk or an independent solver."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_weights

import regionwalk as rw
from regionwalk import _core
from regionwalk._highs import solve as highs

CASES = [
    ((3, 6, 5, 1), "box"),
    ((2, 7, 6, 1), "ball"),
    ((4, 6, 5, 1), "ball"),
    ((3, 5, 5, 1), "whole"),
]


def _problem(widths, kind, seed=3, zero_neuron=False):
    ws, bs = random_weights(widths, seed=seed)
    if zero_neuron:  # a pruned neuron: the parts follow the zero-neuron rule too
        ws[0][1], bs[0][1] = 0.0, 0.0
    net = rw.Network(ws, bs)
    d = widths[0]
    dom = {"box": _core.Domain.box(-np.ones(d), np.ones(d)), "ball": _core.Domain.ball(np.full(d, 0.1), 1.0),
           "whole": _core.Domain.whole(d)}[kind]
    seed_point = np.full(d, 0.05)
    return net, dom, seed_point


def _walk(net, dom, seed, **kw):
    return _core.walk(net._core, dom, seed, **kw)


@pytest.mark.parametrize("widths,kind", CASES)
def test_the_expander_alone_reaches_every_region_of_the_walk(widths, kind):
    net, dom, seed = _problem(widths, kind, zero_neuron=kind == "box")
    ex = _core.Expander(net._core, dom)
    first = ex.seed(seed)
    found = {_core.item_pattern(first): first}
    todo = [first]
    while todo:
        for nb in ex.expand(todo.pop()):
            key = _core.item_pattern(nb)
            if key not in found:
                found[key] = nb
                todo.append(nb)
    walked = _walk(net, dom, seed)
    assert {np.frombuffer(k, dtype="<u8").tobytes() for k in found} == {p.tobytes() for p in walked["patterns"]}
    # each item's witness point reproduces its pattern by a forward pass
    for key, item in found.items():
        bits = net.patterns(_core.item_point(item)[None])[0]
        packed = np.packbits(np.pad(bits, (0, -len(bits) % 64)).reshape(-1, 64)[:, ::-1], axis=1)
        assert packed[:, ::-1].tobytes() == key


@pytest.mark.parametrize("widths,kind", CASES)
@pytest.mark.parametrize("threads", [1, 2])
def test_a_walk_continued_from_its_state_equals_the_uninterrupted_walk(widths, kind, threads):
    net, dom, seed = _problem(widths, kind)
    whole = _walk(net, dom, seed, threads=threads)
    for cut in (1, 7, whole["count"] // 2, whole["count"] - 1):
        part = _walk(net, dom, seed, threads=threads, max_regions=cut, keep_state=True)
        assert part["stop"] == "max_regions" and part["state"] is not None
        rest = _walk(net, dom, seed, threads=threads, state=part["state"], keep_state=True)
        assert rest["stop"] == "complete" and rest["state"] is None
        assert np.array_equal(rest["patterns"], whole["patterns"])
        # the witness points of both segments reproduce their patterns
        assert np.array_equal(np.asarray(net.patterns(rest["points"])), rw.walk.unpack_patterns(rest["patterns"], net.hidden_neurons))


def test_a_state_of_another_walk_or_damaged_bytes_is_refused():
    net, dom, seed = _problem((3, 6, 5, 1), "box")
    state = _walk(net, dom, seed, max_regions=10, keep_state=True)["state"]
    other, _, _ = _problem((3, 7, 5, 1), "box")
    with pytest.raises(ValueError, match="walk state"):
        _walk(other, dom, seed, state=state)
    for damaged in (state[:-3], state[:40], b"XXXX" + state[4:], state + b"\0"):
        with pytest.raises(ValueError):
            _walk(net, dom, seed, state=damaged)
    with pytest.raises(ValueError, match="frontier item"):
        _core.Expander(net._core, dom).expand(b"\1\0\0\0")


@pytest.mark.parametrize("widths,kind", [*CASES, ((6, 6, 5, 1), "box")])
def test_highs_behind_the_solver_seam_walks_to_the_same_patterns(widths, kind):
    net, dom, seed = _problem(widths, kind, seed=5)
    dense = _walk(net, dom, seed, threads=1)
    ref = _walk(net, dom, seed, threads=2, solver=highs)
    assert ref["certified"] and np.array_equal(dense["patterns"], ref["patterns"])
    # The seam is reached only where no faster test decides: not in 2D nor in
    # boxes of d = 3..5 (clipping), nor in balls (the dual projection).
    if (kind == "box" and widths[0] > 5) or kind == "whole":
        assert ref["stats"]["lp_solves"] > 0


@pytest.mark.parametrize("widths,kind", CASES)
def test_dense_and_highs_agree_on_random_facet_lps(widths, kind):
    net, dom, seed = _problem(widths, kind, seed=9)
    patterns = rw.walk.unpack_patterns(_walk(net, dom, seed)["patterns"], net.hidden_neurons)
    rng = np.random.default_rng(0)
    tested = 0
    for p in patterns[rng.choice(len(patterns), size=min(12, len(patterns)), replace=False)]:
        for j in range(net.hidden_neurons):
            a_facet, a_margin, _ = _core.facet_test(net._core, dom, p, j)
            b_facet, b_margin, _ = _core.facet_test(net._core, dom, p, j, solver=highs)
            assert a_facet == b_facet
            if np.isfinite(a_margin) and not a_facet:  # both at the LP optimum: the same margin
                assert a_margin == pytest.approx(b_margin, abs=1e-7)
            tested += 1
    assert tested > 30


def test_a_solver_that_fails_stops_the_walk_with_its_error():
    net, dom, seed = _problem((3, 6, 5, 1), "box")

    def broken(*args):
        raise ZeroDivisionError("solver broke")

    with pytest.raises(ZeroDivisionError, match="solver broke"):
        _walk(net, dom, seed, solver=broken)


def test_reduce_with_the_cached_row_space_is_the_same_to_the_bit():
    # Balls and the whole space are walked in the first layer's row space;
    # its QR is computed once per Network and passed to reduce.
    ws, bs = random_weights((40, 12, 8, 1), seed=4)
    net = rw.Network(ws, bs)
    center = np.random.default_rng(2).normal(size=40)
    for dom in (_core.Domain.ball(center, 0.7), _core.Domain.whole(40)):
        fresh = _core.reduce(net._core, dom)
        for cached in (_core.reduce(net._core, dom, net._row_space()),
                       _core.reduce(net._core, dom, net._row_space(), net._row_weight())):
            assert np.array_equal(fresh[2], cached[2]) and np.array_equal(fresh[4], cached[4])
            zero = np.zeros(net.hidden_neurons, dtype=bool)  # local forms of every layer
            for a, b in zip(fresh[0].local_forms(zero), cached[0].local_forms(zero)):
                assert np.array_equal(a, b)
    assert net._row_space() is net._row_space() and net._row_weight() is net._row_weight()
    with pytest.raises(ValueError, match="basis must have shape"):
        _core.reduce(net._core, _core.Domain.ball(center, 0.7), np.zeros((39, 12)))
    with pytest.raises(ValueError, match="weight must have shape"):
        _core.reduce(net._core, _core.Domain.ball(center, 0.7), net._row_space(), np.zeros((11, 12)))


def test_a_network_with_another_first_bias_is_the_one_built_with_it():
    """``with_first_bias`` copies what was derived from the weights: it must be the
    network built from the arrays with that bias, and refuse what they would refuse."""
    from regionwalk.nets import random_mlp

    net = random_mlp((6, 9, 7, 1), seed=5, alpha=0.1)
    rng = np.random.default_rng(5)
    bias = rng.normal(size=9)
    base = _core.Network(net.weights, net.biases, net.alpha)
    copied = base.with_first_bias(bias)
    built = _core.Network(net.weights, [bias, *net.biases[1:]], net.alpha)
    for x in rng.normal(size=(20, 6)):
        assert np.array_equal(copied.pattern_of(x), built.pattern_of(x))
        pattern = built.pattern_of(x)
        for got, want in zip(copied.local_forms(pattern), built.local_forms(pattern)):
            assert np.array_equal(got, want)
    # the copy is its own: the base keeps its bias
    x = rng.normal(size=6)
    assert np.array_equal(base.pattern_of(x), _core.Network(net.weights, net.biases, net.alpha).pattern_of(x))
    assert np.array_equal(base.local_forms(np.ones(16, bool))[1],
                          _core.Network(net.weights, net.biases, net.alpha).local_forms(np.ones(16, bool))[1])
    with pytest.raises(ValueError, match="bias must have length 9"):
        base.with_first_bias(np.zeros(8))
    with pytest.raises(ValueError, match="NaN or inf"):
        base.with_first_bias(np.full(9, np.nan))
