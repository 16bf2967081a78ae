"""Bad input raises a clear ValueError/TypeError naming the problem."""

from __future__ import annotations

import numpy as np
import pytest

import regionwalk as rw


def _ok_layers():
    return [np.ones((3, 2)), np.ones((1, 3))], [np.zeros(3), np.zeros(1)]


@pytest.mark.parametrize(
    "weights,biases,match",
    [
        ([np.ones((3, 2)), np.ones((1, 4))], [np.zeros(3), np.zeros(1)], "takes 4 inputs"),
        ([np.ones((3, 2)), np.ones((1, 3))], [np.zeros(2), np.zeros(1)], "bias 0"),
        ([np.ones((3, 2))], [np.zeros(3)], "at least one hidden layer"),
        ([], [], "at least one hidden layer"),
        ([np.ones((3, 2)), np.ones((1, 3))], [np.zeros(3)], "bias vectors"),
        ([np.full((3, 2), np.nan), np.ones((1, 3))], [np.zeros(3), np.zeros(1)], "NaN or inf"),
        ([np.ones((3, 2)), np.ones((1, 3))], [np.array([0, np.inf, 0]), np.zeros(1)], "NaN or inf"),
        ([np.ones(3), np.ones((1, 3))], [np.zeros(3), np.zeros(1)], "2-D"),
        ([np.ones((0, 2)), np.ones((1, 0))], [np.zeros(0), np.zeros(1)], "non-empty"),
    ],
)
def test_bad_networks_are_rejected(weights, biases, match):
    with pytest.raises(ValueError, match=match):
        rw.Network(weights, biases)


def test_bad_alpha():
    w, b = _ok_layers()
    with pytest.raises(ValueError, match="alpha"):
        rw.Network(w, b, alpha=1.5)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: rw.Ball([0, 0], 0.0), "radius"),
        (lambda: rw.Ball([0, 0], -1), "radius"),
        (lambda: rw.Ball([0, np.nan], 1), "NaN"),
        (lambda: rw.Ball([0, 0], np.inf), "radius"),
        (lambda: rw.Box([0, 0], [1, 0]), "empty box"),
        (lambda: rw.Box([0, 0], [1, 1, 1]), "differ"),
        (lambda: rw.Box([], []), "empty"),
        (lambda: rw.Box([0, np.inf], [1, 1]), "NaN or inf"),
    ],
)
def test_bad_domains_are_rejected(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_domain_of_wrong_dimension(small_net):
    with pytest.raises(ValueError, match="dimension 3"):
        rw.enumerate_regions(small_net, rw.Ball([0, 0, 0], 1.0))


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"seed": [5.0, 5.0]}, "outside"),
        ({"seed": [0.0]}, "shape"),
        ({"seed": [np.nan, 0]}, "NaN"),
        ({"max_regions": 0}, "max_regions"),
        ({"time_limit": -1}, "time_limit"),
        ({"threads": 0}, "threads"),
        ({"tol": -1.0}, "tol"),
    ],
)
def test_bad_walk_arguments(small_net, kwargs, match):
    with pytest.raises(ValueError, match=match):
        rw.enumerate_regions(small_net, rw.Box([-1, -1], [1, 1]), **kwargs)


def test_wrong_types(small_net):
    with pytest.raises(TypeError, match="Network"):
        rw.enumerate_regions("net", None)
    with pytest.raises(TypeError, match="Box, a Ball"):
        rw.enumerate_regions(small_net, (0, 1))


def test_core_rejects_bad_shapes_without_crashing():
    from regionwalk import _core

    with pytest.raises(ValueError):
        _core.Network([np.ones((3, 2)), np.ones((1, 4))], [np.zeros(3), np.zeros(1)])
    net = _core.Network([np.ones((3, 2)), np.ones((1, 3))], [np.zeros(3), np.zeros(1)])
    with pytest.raises(ValueError):
        _core.walk(net, _core.Domain.box(np.zeros(3), np.ones(3)), np.full(3, 0.5))
    with pytest.raises(ValueError):
        _core.walk(net, _core.Domain.box(np.zeros(2), np.ones(2)), np.full(2, 5.0))
    with pytest.raises(ValueError):
        _core.Domain.ball(np.zeros(2), -1.0)
