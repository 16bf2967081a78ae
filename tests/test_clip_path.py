"""The box clipping path in d = 3..5 (the core's PolytopeClip): the region's
vertices by clipping the box, no LP, with every near-degenerate region handed
to the facet LPs. Counts and patterns must equal the reference walker's (HiGHS
LPs, no code shared with the walk), on generic and on degenerate nets.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracles import _facet_margin_lp, forms_and_flat, reference_walk

import regionwalk as rw
from regionwalk import _core


def _as_set(patterns):
    return {tuple(p) for p in np.asarray(patterns).tolist()}


def _gaussian(widths, seed):
    rng = np.random.default_rng(seed)
    ws = [rng.normal(size=(o, i)) / np.sqrt(i) for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.normal(scale=0.5, size=o) for o in widths[1:]]
    return ws, bs


def _walk(ws, bs, lo, hi, threads=1):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no uncertified step
        return rw.enumerate_regions(rw.Network(ws, bs), rw.Box(lo, hi), threads=threads)


@pytest.mark.parametrize("shape", [(3, 7, 6, 1), (4, 6, 5, 1), (5, 6, 4, 1)], ids=str)
@pytest.mark.parametrize("box", ["centred", "offset"])
def test_generic_nets_equal_the_reference_walker_without_lps(shape, box):
    ws, bs = _gaussian(shape, seed=sum(shape))
    d = shape[0]
    lo, hi = (-np.ones(d), np.ones(d)) if box == "centred" else (np.full(d, -0.3), np.full(d, 1.4))
    res = _walk(ws, bs, lo, hi)
    ref = reference_walk(ws, bs, ("box", lo, hi), 0.5 * (lo + hi))
    assert res.complete and res.certified
    assert res.count == len(ref) and _as_set(res.patterns) == ref
    # The facets came from the clipped polytopes: (almost) no facet LP was
    # solved, where the LP path solves several per region.
    assert res.stats["lp_solves"] < 0.2 * res.count


def _packed(bits):
    words = np.packbits(np.pad(bits, (0, -len(bits) % 64)).reshape(-1, 64)[:, ::-1], axis=1)
    return words[:, ::-1].tobytes()


def _lp_neighbours(ws, bs, pattern, lo, hi, tol=1e-7):
    """The patterns across each facet of a region, by one HiGHS LP per neuron."""
    p = np.asarray(pattern, bool)
    A, c, flat = forms_and_flat(ws, bs, 0.0, p)
    sigma = np.where(p, 1.0, -1.0)
    live = [k for k in range(len(p)) if not flat[k]]
    found = set()
    for j in live:
        others = [k for k in live if k != j]
        t, x = _facet_margin_lp(A, c, sigma, j, others, (lo, hi), 1.0)
        if t > tol:
            across = x + 0.5 * t * (-sigma[j]) * A[j] / np.linalg.norm(A[j])
            h = across
            bits = []
            for w, b in zip(ws[:-1], bs[:-1]):
                z = w @ h + b
                bits.append(z > 0)
                h = np.maximum(z, 0.0)
            found.add(_packed(np.concatenate(bits)))
    return found


@pytest.mark.parametrize("d,width", [(3, 9), (4, 9), (5, 9), (6, 100)])
def test_each_region_has_exactly_the_facets_of_its_lps(d, width):
    # Per region, not only per walk: a facet missed by the clipping (a wrong
    # "no facet") would hide a neighbour that the walk may still reach from
    # elsewhere. The Expander's neighbours must be the LPs' (generic net: no
    # coincident hyperplanes, so each facet flips one first-layer neuron).
    # (In d = 6 the path takes regions of many rows only: 100 neurons, the
    # first 20 regions found.)
    ws, bs = _gaussian((d, width, 1), seed=20 + d)
    net = rw.Network(ws, bs)
    lo, hi = -np.ones(d), np.ones(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rw.IncompleteWarning)
        res = rw.enumerate_regions(net, rw.Box(lo, hi), max_regions=20 if d == 6 else None, threads=1)
    ex = _core.Expander(net._core, rw.Box(lo, hi)._to_core())
    items = [ex.seed(point) for point in res.points]  # (seeding solves LPs of its own)
    seeded = ex.stats["lp_solves"]
    for pattern, item in zip(res.patterns, items):
        got = {_core.item_pattern(nb) for nb in ex.expand(item)}
        assert got == _lp_neighbours(ws, bs, pattern, lo, hi)
    # The LP path would solve one or more LPs per candidate (about `width`
    # per region); in d = 6 thin facets and refused regions still take a few.
    assert ex.stats["lp_solves"] - seeded < (0.2 if d < 6 else 10) * res.count


def _bias_free(widths, seed):
    ws, _ = _gaussian(widths, seed)
    return ws, [np.zeros(o) for o in widths[1:]]


def _integer(widths, seed):
    rng = np.random.default_rng(seed)
    ws = [rng.integers(-2, 3, size=(o, i)).astype(float) for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.integers(-1, 2, size=o).astype(float) for o in widths[1:]]
    return ws, bs


def _ternary(widths, seed):
    rng = np.random.default_rng(seed)
    ws = [rng.integers(-1, 2, size=(o, i)).astype(float) for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.integers(0, 2, size=o).astype(float) for o in widths[1:]]
    return ws, bs


def _duplicated(widths, seed):
    """Each first-layer neuron twice (the copy scaled by 2), so every hyperplane is doubled."""
    ws, bs = _gaussian(widths, seed)
    ws[0] = np.vstack([ws[0], 2.0 * ws[0]])
    bs[0] = np.concatenate([bs[0], 2.0 * bs[0]])
    ws[1] = np.hstack([ws[1], ws[1]])
    return ws, bs


def _zero_neurons(widths, seed):
    """One pruned neuron per hidden layer (zero row and bias) and a later one that
    vanishes on the all-off quadrant of the first layer."""
    ws, bs = _gaussian(widths, seed)
    for w, b in zip(ws[:-1], bs[:-1]):
        w[0], b[0] = 0.0, 0.0
    ws[1][1] = np.abs(ws[1][1])
    bs[1][1] = 0.0
    return ws, bs


FAMILIES = {"bias_free": _bias_free, "integer": _integer, "ternary": _ternary,
            "duplicated": _duplicated, "zero_neurons": _zero_neurons}


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("d", [3, 4])
def test_degenerate_families_stay_exact_and_certified(family, d):
    # Coincident and parallel hyperplanes, vertices with more than d tight
    # constraints, hyperplanes through the box's corners: the clipping path
    # must refuse those regions (the LPs then decide), never miscount.
    ws, bs = FAMILIES[family]((d, 5, 4, 1), seed=3 + d)
    lo, hi = -np.ones(d), np.ones(d)
    res = _walk(ws, bs, lo, hi)
    ref = reference_walk(ws, bs, ("box", lo, hi), np.full(d, 0.05))
    assert res.complete and res.certified
    assert _as_set(res.patterns) == ref


def test_sampled_patterns_are_all_enumerated_in_5d():
    ws, bs = _gaussian((5, 12, 10, 1), seed=9)
    net = rw.Network(ws, bs)
    box = rw.Box(-np.ones(5), np.ones(5))
    res = rw.enumerate_regions(net, box)
    assert res.complete
    pts = np.random.default_rng(1).uniform(-1, 1, size=(40000, 5))
    assert _as_set(net.patterns(pts)) <= _as_set(res.patterns)


def test_one_and_two_threads_give_the_same_patterns():
    ws, bs = _gaussian((4, 10, 8, 1), seed=5)
    lo, hi = -np.ones(4), np.ones(4)
    one, two = _walk(ws, bs, lo, hi, threads=1), _walk(ws, bs, lo, hi, threads=2)
    assert one.complete and two.complete
    assert np.array_equal(one.packed, two.packed)
