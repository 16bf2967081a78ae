"""The walk agrees with an independent reference walker (highspy / cvxpy) on
counts and on the exact set of patterns, for random nets in all three domains."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_weights
from oracles import reference_walk

import regionwalk as rw
from regionwalk import _core

SHAPES = [
    (1, 5, 4, 1),
    (2, 6, 1),
    (2, 4, 4, 4, 1),
    (3, 5, 4, 1),
    (2, 3, 3, 3, 3, 1),
    (4, 6, 1),
    (5, 4, 3, 1),
    (6, 4, 1),
]


def _as_set(patterns):
    return {tuple(p.tolist()) for p in patterns}


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("kind", ["box", "ball", "whole"])
def test_walk_matches_reference_walker(shape, kind):
    ws, bs = random_weights(shape, seed=sum(shape) + len(kind))
    d = shape[0]
    net = rw.Network(ws, bs)
    center = np.full(d, 0.1)
    if kind == "box":
        dom, ref_dom = rw.Box(center - 1, center + 1), ("box", center - 1, center + 1)
    elif kind == "ball":
        radius = 0.9 if d <= 3 else 0.5  # the SOCP reference walker is slow: fewer regions
        dom, ref_dom = rw.Ball(center, radius), ("ball", center, radius)
    else:
        dom, ref_dom = None, ("whole",)
    res = rw.enumerate_regions(net, dom, seed=center, threads=1)
    ref = reference_walk(ws, bs, ref_dom, center)
    assert res.complete
    assert res.count == len(ref)
    assert _as_set(res.patterns) == ref


@pytest.mark.parametrize("shape", [(4, 8, 6, 1), (5, 6, 6, 1), (6, 8, 1)], ids=str)
def test_sampled_patterns_are_enumerated_in_high_dimensional_balls(shape):
    ws, bs = random_weights(shape, seed=7)
    net = rw.Network(ws, bs)
    d = shape[0]
    center = np.full(d, 0.2)
    dom = rw.Ball(center, 0.8)
    res = rw.enumerate_regions(net, dom)
    rng = np.random.default_rng(0)
    g = rng.normal(size=(20000, d))
    pts = center + 0.8 * g / np.linalg.norm(g, axis=1, keepdims=True) * rng.random((20000, 1)) ** (1 / d)
    sampled = _as_set(net.patterns(pts))
    assert sampled <= _as_set(res.patterns)


@pytest.mark.parametrize("kind", ["box", "ball", "whole"])
def test_proofs_carried_between_regions_keep_the_walk_exact(kind):
    # Deeper nets in 4-6 dimensions: most facet tests are answered by LP
    # certificates carried over from the region walked from, unchanged or
    # re-checked, which must never hide a facet the reference walker finds.
    # (Boxes in d = 3..5 take the clipping path, with no LPs: d = 6 here, and
    # the walk asked for: the box's complex would answer without one.)
    shape = {"box": (6, 7, 6, 1), "ball": (5, 6, 5, 1), "whole": (4, 5, 5, 1)}[kind]
    ws, bs = random_weights(shape, seed=11)
    d = shape[0]
    net = rw.Network(ws, bs)
    center = np.full(d, -0.1)
    if kind == "box":
        dom, ref_dom = rw.Box(center - 1, center + 1), ("box", center - 1, center + 1)
    elif kind == "ball":
        dom, ref_dom = rw.Ball(center, 0.6), ("ball", center, 0.6)
    else:
        dom, ref_dom = None, ("whole",)
    res = rw.enumerate_regions(net, dom, seed=center, threads=1, engine="walk")
    assert res.stats["inherited_proofs"] > 0
    # Proofs whose rows changed across the facet are re-checked with the new
    # region's forms: LP duals bounded over the box. (Not in the whole space,
    # where no box bounds the check, nor in the ball, whose facet tests end in
    # Lagrangian bounds of the projection that carry only unchanged.)
    assert (res.stats["rechecked_proofs"] > 0) == (kind == "box")
    assert _as_set(res.patterns) == reference_walk(ws, bs, ref_dom, center)


@pytest.mark.parametrize("shape", [(4, 8, 8, 1), (5, 10, 10, 1), (4, 6, 6, 6, 1)])
@pytest.mark.parametrize("kind", ["box", "ball"])
@pytest.mark.parametrize("threads", [1, 2])
def test_no_carried_proof_hides_a_facet(shape, kind, threads):
    # Each region has many neighbours, so a wrong "no facet" often goes
    # unnoticed in the count; the audit solves the LP of every facet test
    # that a proof carried from the region walked from settled (unchanged or
    # re-checked with the new region's forms), or mailed to it by a neighbour
    # expanded first (on two threads, often by the other thread), and counts
    # contradictions.
    if kind == "box":
        shape = (6, *shape[1:])  # boxes in d = 3..5 take the clipping path, with no LPs
    ws, bs = random_weights(shape, seed=3)
    net = rw.Network(ws, bs)
    d = shape[0]
    center = np.full(d, 0.05)
    dom = rw.Box(center - 1, center + 1) if kind == "box" else rw.Ball(center, 1.0)
    raw = _core.walk(net._core, dom._to_core(), center, threads=threads, store_points=False, audit_proofs=True)
    stats = raw["stats"]
    assert stats["inherited_proofs"] > 0
    assert (stats["rechecked_proofs"] > 0) == (kind == "box")  # the ball's proofs carry only unchanged
    assert stats["proof_errors"] == 0
