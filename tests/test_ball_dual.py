"""The ball's facet test by the dual projection (Goldfarb-Idnani): every
verdict agrees with an independent second-order cone program (cvxpy with
Clarabel), on general and degenerate nets, and the walks it drives find
exactly the reference walker's regions, also in many dimensions."""

from __future__ import annotations

import numpy as np
import pytest

import regionwalk as rw
from regionwalk import _core
from conftest import random_weights
from oracles import _facet_margin_socp, forms, reference_walk

TOL = 1e-9


def _as_set(patterns) -> set[tuple[bool, ...]]:
    return {tuple(bool(b) for b in p) for p in np.asarray(patterns)}


def _degenerate(kind: str, widths: tuple[int, ...], seed: int):
    ws, bs = random_weights(widths, seed=seed)
    if kind == "integer":
        rng = np.random.default_rng(seed)
        ws = [rng.integers(-2, 3, size=w.shape).astype(float) for w in ws]
        bs = [rng.integers(-1, 2, size=b.shape).astype(float) for b in bs]
    elif kind == "bias-free":
        bs = [np.zeros_like(b) for b in bs]
    elif kind == "duplicated":  # coincident hyperplanes in the first layer
        ws[0][1], bs[0][1] = ws[0][0], bs[0][0]
        ws[0][2], bs[0][2] = -2.0 * ws[0][0], -2.0 * bs[0][0]
    return ws, bs


def _socp_verdict(ws, bs, pattern, j, center, radius):
    """Facet or not by the SOCP: None where the margin is too close to tol to tell."""
    A, c = forms(ws, bs, 0.0, pattern)
    sigma = np.where(pattern, 1.0, -1.0)
    norms = np.linalg.norm(A, axis=1)
    if norms[j] < 1e-9:
        return False
    live = [k for k in range(len(c)) if k != j and norms[k] > 1e-9]
    # j's coincident partners (same hyperplane) are excluded from the margin, as in the walk.
    unit = A / np.maximum(norms, 1e-300)[:, None]
    off = c / np.maximum(norms, 1e-300)
    same = [k for k in live if abs(abs(unit[k] @ unit[j]) - 1) < 1e-9
            and abs(off[k] - np.sign(unit[k] @ unit[j]) * off[j]) < 1e-9]
    others = [k for k in live if k not in same]
    t, _ = _facet_margin_socp(A, c, sigma, j, others, center, radius)
    if abs(t) < 1e-6:
        return None
    return t > 0


@pytest.mark.parametrize("kind,widths,radius", [
    ("general", (5, 6, 5, 1), 1.0),
    ("general", (9, 8, 6, 1), 0.7),
    ("integer", (4, 5, 5, 1), 1.5),
    ("bias-free", (4, 6, 5, 1), 0.8),
    ("duplicated", (5, 6, 5, 1), 1.0),
], ids=str)
def test_every_ball_facet_verdict_agrees_with_an_socp(kind, widths, radius):
    ws, bs = _degenerate(kind, widths, seed=9)
    net = rw.Network(ws, bs)
    d = widths[0]
    center = np.full(d, 0.1)
    dom = _core.Domain.ball(center, radius)
    res = _core.walk(net._core, dom, center, threads=1, store_points=False)
    patterns = rw.walk.unpack_patterns(res["patterns"], net.hidden_neurons)
    rng = np.random.default_rng(0)
    decided = 0
    for p in patterns[rng.choice(len(patterns), size=min(10, len(patterns)), replace=False)]:
        for j in range(net.hidden_neurons):
            facet, margin, point = _core.facet_test(net._core, dom, p, j, tol=TOL)
            want = _socp_verdict(ws, bs, p, j, center, radius)
            if want is None:
                continue
            assert facet == want, (p.astype(int), j, margin)
            if facet:  # the witness: on j's hyperplane, inside the ball
                A, c = forms(ws, bs, 0.0, p)
                assert abs(A[j] @ point + c[j]) <= 1e-9 * max(1.0, np.linalg.norm(A[j]))
                assert np.linalg.norm(point - center) < radius - margin * (1 - 1e-9)
            decided += 1
    assert decided > 20


# (Integer and bias-free nets in balls: tests/test_degenerate.py, same oracle.)
@pytest.mark.parametrize("kind", ["general", "duplicated"])
def test_ball_walks_equal_the_reference_walker(kind):
    widths = (4, 6, 5, 1)
    ws, bs = _degenerate(kind, widths, seed=4)
    net = rw.Network(ws, bs)
    center = np.full(4, 0.05)
    res = rw.enumerate_regions(net, rw.Ball(center, 0.9), seed=center, threads=1)
    ref = reference_walk(ws, bs, ("ball", center, 0.9), center)
    assert res.complete and res.certified
    assert _as_set(res.patterns) == _as_set(sorted(ref))


def test_a_ball_in_many_dimensions_keeps_every_sampled_pattern():
    # 40 inputs, the ball around a point: most hyperplanes miss it, most
    # facet tests end in the dual's bound. Sampling is a lower bound.
    ws, bs = random_weights((40, 12, 10, 1), seed=2)
    net = rw.Network(ws, bs)
    center = np.random.default_rng(1).uniform(-0.5, 0.5, size=40)
    dom = rw.Ball(center, 1.2)
    res = rw.enumerate_regions(net, dom, threads=1)
    assert res.complete and res.certified and res.count > 50
    assert _as_set(rw.sample_patterns(net, dom, 20_000).patterns_bool) <= _as_set(res.patterns)


def test_carried_ball_proofs_never_hide_a_facet():
    # The audit re-decides, from scratch, every facet test that a proof
    # carried from the region walked from settled.
    ws, bs = random_weights((6, 10, 10, 1), seed=3)
    net = rw.Network(ws, bs)
    center = np.full(6, 0.05)
    raw = _core.walk(net._core, rw.Ball(center, 1.0)._to_core(), center, threads=1, store_points=False,
                     audit_proofs=True)
    assert raw["stats"]["inherited_proofs"] > 0 and raw["stats"]["proof_errors"] == 0
