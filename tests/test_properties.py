"""Property tests (hypothesis) over shapes, seeds, domains and scales."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regionwalk as rw
from regionwalk import bounds as B
from regionwalk.examples import random_mlp
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
