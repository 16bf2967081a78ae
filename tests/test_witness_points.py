"""Every witness point lies strictly inside its region and the domain."""

from __future__ import annotations

import numpy as np
import pytest

import regionwalk as rw
from regionwalk.nets import random_mlp


@pytest.mark.parametrize(
    "widths,domain",
    [
        ((2, 16, 16, 1), rw.Box([-1, -1], [1, 1])),
        ((3, 10, 10, 1), rw.Ball([0.1, 0.0, -0.2], 0.7)),
        ((4, 8, 8, 1), None),
        ((30, 12, 12, 1), rw.Ball(np.linspace(-1, 1, 30), 0.5)),  # walks in the 12-dim row space
    ],
    ids=["box", "ball", "whole", "ball-reduced"],
)
def test_points_reproduce_their_patterns_inside_the_domain(widths, domain):
    net = random_mlp(widths, seed=len(widths))
    res = rw.enumerate_regions(net, domain)
    assert res.points.shape == (res.count, widths[0])
    assert np.array_equal(net.patterns(res.points), res.patterns)
    z = net.preactivations(res.points)
    assert np.all(np.abs(z) > 0)
    if domain is not None:
        assert np.all(domain.contains(res.points))
    assert len({tuple(p) for p in res.patterns.tolist()}) == res.count


def test_patterns_are_sorted_and_packed_consistently(small_net):
    res = rw.enumerate_regions(small_net, rw.Box([-1, -1], [1, 1]))
    packed = [tuple(r) for r in res.packed.tolist()]
    assert packed == sorted(packed)
    assert res.patterns.shape == (res.count, small_net.hidden_neurons)


def test_count_regions_stores_no_points(small_net):
    res = rw.enumerate_regions(small_net, rw.Box([-1, -1], [1, 1]), store_points=False)
    assert res.points is None
    assert res.count == rw.count_regions(small_net, rw.Box([-1, -1], [1, 1]))
