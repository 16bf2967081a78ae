"""Property tests (hypothesis) over shapes, seeds, domains and scales."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regionwalk as rw
from regionwalk import bounds as B
from regionwalk.nets import random_mlp
from regionwalk.polygons import partition_2d

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

widths_2d = st.lists(st.integers(1, 10), min_size=1, max_size=3)
scales = st.sampled_from([1e-3, 1.0, 1e3])


@SETTINGS
@given(hidden=widths_2d, seed=st.integers(0, 10**6), ball=st.booleans(), scale=scales,
       offset=st.floats(-100, 100), size=st.floats(0.01, 5.0))
def test_2d_walk_equals_the_clipping_partition(hidden, seed, ball, scale, offset, size):
    net0 = random_mlp((2, *hidden, 1), seed=seed)
    # scale the input space: x -> x / scale keeps the partition's combinatorics
    net = rw.Network([net0.weights[0] / scale, *net0.weights[1:]], list(net0.biases))
    c = np.array([offset, -offset / 2]) * scale
    dom = rw.Ball(c, size * scale) if ball else rw.Box(c - size * scale, c + 0.5 * size * scale)
    cells = partition_2d(net, dom)
    res = rw.enumerate_regions(net, dom, threads=1)
    assert res.count == len(cells)
    assert {tuple(p) for p in res.patterns.tolist()} == {tuple(x.pattern.tolist()) for x in cells}


@SETTINGS
@given(d=st.integers(1, 6), hidden=st.lists(st.integers(1, 8), min_size=1, max_size=3),
       seed=st.integers(0, 10**6), radius=st.floats(0.01, 3.0))
def test_sampled_patterns_are_enumerated_and_bounds_hold(d, hidden, seed, radius):
    net = random_mlp((d, *hidden, 1), seed=seed)
    dom = rw.Ball(np.zeros(d), radius)
    res = rw.enumerate_regions(net, dom, threads=2)
    assert np.array_equal(net.patterns(res.points), res.patterns)
    sampled = rw.sample_patterns(net, dom, 4000, seed=seed)
    assert {tuple(p) for p in sampled.patterns.tolist()} <= {tuple(p) for p in res.packed.tolist()}
    for name, fn in B.BOUNDS.items():
        value = fn(net, dom)
        assert value is None or value >= res.count, name


# --- degenerate families (DESIGN.md section 1, zero neurons) -----------------

def _family_net(family, widths, seed, alpha):
    """Weights of one degenerate family: hypothesis draws nets beyond Gaussian ones."""
    rng = np.random.default_rng(seed)
    shapes = list(zip(widths[1:], widths[:-1]))
    if family in ("ternary", "integer"):
        top = 1 if family == "ternary" else 3
        ws = [rng.integers(-top, top + 1, size=s).astype(float) for s in shapes]
        bs = [rng.integers(0 if family == "ternary" else -top, 2, size=s[0]).astype(float) for s in shapes]
    else:
        ws = [rng.normal(size=s) / np.sqrt(s[1]) for s in shapes]
        bs = [rng.normal(scale=0.5, size=s[0]) * (family != "bias_free") for s in shapes]
    if family == "pruned":
        for w, b in zip(ws[:-1], bs[:-1]):
            k = rng.integers(len(b))
            w[k], b[k] = 0.0, 0.0
    if family == "rescaled":
        l = rng.integers(len(ws) - 1)
        k = rng.integers(len(bs[l]))
        f = 10.0 ** rng.uniform(-12, 12)
        ws[l][k] *= f
        bs[l][k] *= f
        ws[l + 1][:, k] /= f
    return rw.Network(ws, bs, alpha=alpha)


families = st.sampled_from(["pruned", "bias_free", "ternary", "integer", "rescaled"])


@SETTINGS
@given(family=families, hidden=st.lists(st.integers(1, 7), min_size=1, max_size=3),
       seed=st.integers(0, 10**6), ball=st.booleans(), leaky=st.booleans())
def test_2d_walk_of_degenerate_nets_equals_the_clipping_partition(family, hidden, seed, ball, leaky):
    net = _family_net(family, (2, *hidden, 1), seed, 0.1 if leaky else 0.0)
    dom = rw.Ball([0.3, -0.2], 1.3) if ball else rw.Box([0.1, -1.2], [1.4, 0.9])
    cells = partition_2d(net, dom)
    res = rw.enumerate_regions(net, dom, threads=1)
    assert res.complete
    assert {tuple(p) for p in res.patterns.tolist()} == {tuple(x.pattern.tolist()) for x in cells}


@SETTINGS
@given(family=families, d=st.integers(1, 4), hidden=st.lists(st.integers(2, 6), min_size=1, max_size=3),
       seed=st.integers(0, 10**6), layer=st.integers(0, 2), kind=st.sampled_from(["box", "ball", "whole"]))
def test_deleting_an_all_zero_neuron_changes_no_pattern(family, d, hidden, seed, layer, kind):
    net = _family_net(family, (d, *hidden, 1), seed, 0.0)
    layer = layer % len(hidden)
    ws, bs = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    k = seed % hidden[layer]
    ws[layer][k], bs[layer][k] = 0.0, 0.0  # prune neuron k of that layer: zero everywhere
    pruned = rw.Network(ws, bs)
    short = rw.Network([np.delete(ws[layer], k, 0) if i == layer else np.delete(w, k, 1) if i == layer + 1 else w
                        for i, w in enumerate(ws)],
                       [np.delete(b, k) if i == layer else b for i, b in enumerate(bs)])
    dom = {"box": rw.Box(np.full(d, -0.7), np.full(d, 1.1)), "ball": rw.Ball(np.full(d, 0.2), 0.9), "whole": None}[kind]
    a = rw.enumerate_regions(pruned, dom, threads=1)
    b = rw.enumerate_regions(short, dom, threads=1)
    assert a.complete and b.complete
    bit = sum(hidden[:layer]) + k
    assert not a.patterns[:, bit].any()
    assert {tuple(p) for p in np.delete(a.patterns, bit, 1).tolist()} == {tuple(p) for p in b.patterns.tolist()}
