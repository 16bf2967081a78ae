"""Garbage into the compiled core gives Python exceptions, never a crash
(the CI-sized cousin of tests/fuzz/fuzz_core.py)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from regionwalk import _core

floats = st.one_of(st.floats(-4, 4), st.sampled_from([np.nan, np.inf, -np.inf, 1e300, -1e300, 1e-300, 0.0]))


@st.composite
def arrays(draw, shape):
    n = int(np.prod(shape))
    return np.array(draw(st.lists(floats, min_size=n, max_size=n)), dtype=float).reshape(shape)


@st.composite
def raw_inputs(draw):
    d = draw(st.integers(0, 3))
    ws, bs, n_in = [], [], d
    for _ in range(draw(st.integers(0, 3))):
        n_out = draw(st.integers(0, 4))
        k = n_in if draw(st.integers(0, 9)) else draw(st.integers(0, 4))
        ws.append(draw(arrays((n_out, k))))
        bs.append(draw(arrays((n_out if draw(st.integers(0, 9)) else draw(st.integers(0, 4)),))))
        n_in = n_out
    dim = d if draw(st.integers(0, 9)) else draw(st.integers(0, 4))
    return ws, bs, draw(st.floats(-0.5, 1.5)), dim, draw(st.integers(0, 2)), draw(arrays((dim,))), \
        draw(arrays((dim,))), draw(floats), draw(st.integers(1, 3))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(raw_inputs())
def test_core_never_crashes(args):
    ws, bs, alpha, dim, kind, a, b, r, threads = args
    try:
        net = _core.Network(ws, bs, alpha)
        if kind == 0:
            with np.errstate(all="ignore"):
                hi = a + np.abs(b)
            dom = _core.Domain.box(a, hi)
        elif kind == 1:
            dom = _core.Domain.ball(a, float(r))
        else:
            dom = _core.Domain.whole(dim)
        res = _core.walk(net, dom, a, max_regions=100, time_limit=0.5, threads=threads)
        assert res["count"] >= 1
    except (ValueError, TypeError, RuntimeError):
        pass
