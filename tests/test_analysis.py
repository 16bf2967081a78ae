"""rw.local_affine and rw.margin against torch.autograd and LPs written here."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import regionwalk as rw
from geometry_oracles import autograd_forms, live_rows, lp_max
from regionwalk.nets import random_mlp


def degenerate_nets():
    """A pruned neuron, a bias-free net, an integer cancellation, LeakyReLU."""
    pruned = random_mlp((3, 6, 5, 2), seed=4)
    ws, bs = [w.copy() for w in pruned.weights], [b.copy() for b in pruned.biases]
    ws[0][2] = 0.0
    ws[1][:, 4] = 0.0
    ws[1][3] = 0.0
    bs[1][3] = 0.7  # constant, positive: active, bounds nothing
    free = random_mlp((3, 5, 4, 1), seed=5)
    # Two copies of one neuron, then a neuron that takes their difference:
    # its form cancels exactly wherever both are on.
    w1 = np.array([[1.0, 2.0, -1.0], [1.0, 2.0, -1.0], [0.0, 1.0, 1.0]])
    w2 = np.array([[1.0, -1.0, 0.0], [1.0, 1.0, 1.0]])
    return {
        "pruned": rw.Network(ws, bs),
        "bias_free": rw.Network(free.weights, [np.zeros_like(b) for b in free.biases]),
        "cancel": rw.Network([w1, w2, np.ones((1, 2))], [np.array([0.5, 0.5, -0.2]), np.zeros(2), np.zeros(1)]),
        "leaky": random_mlp((3, 6, 5, 2), seed=6, alpha=0.1),
        "plain": random_mlp((4, 7, 6, 3), seed=7),
        "wide_out": random_mlp((2, 5, 4, 6), seed=1, alpha=0.05),  # n_out > d: the product from the input side
    }


NETS = degenerate_nets()


@pytest.mark.parametrize("name", sorted(NETS))
def test_local_affine_is_the_autograd_jacobian(name):
    net = NETS[name]
    X = np.random.default_rng(1).normal(size=(25, net.input_dim))
    A, c = rw.local_affine(net, X, batch_size=7)
    assert A.shape == (25, net.weights[-1].shape[0], net.input_dim) and c.shape == (25, net.weights[-1].shape[0])
    for x, a, cc in zip(X, A, c):
        _, _, jac, off, _ = autograd_forms(net, x)
        np.testing.assert_allclose(a, jac, atol=1e-12)
        np.testing.assert_allclose(cc, off, atol=1e-12)
    np.testing.assert_allclose(np.einsum("noi,ni->no", A, X) + c, net(X), atol=1e-12)


def test_local_affine_torch_in_torch_out():
    net = NETS["plain"]
    X = torch.randn(10, net.input_dim, dtype=torch.float64)
    A, c = rw.local_affine(net, X, device="cpu")
    assert isinstance(A, torch.Tensor) and A.dtype == torch.float64
    A2, _ = rw.local_affine(net, X.numpy())
    np.testing.assert_array_equal(A.numpy(), A2)


def lee_radius_lp(net, x, p):
    """Largest L_p ball around x inside its region, as an LP in r written out per p.

    p = 2: sigma_j z_j(x) >= r ||a_j||_2 per bounding neuron. p = 1 and inf: the
    ball is a polytope and lies in the region iff its vertices do, so the rows
    are the vertices x + r v (v = +-e_i, or v in {-1, 1}^d): no dual norm used.
    """
    a, c, _, _, z = autograd_forms(net, x)
    pattern = z > 0
    keep = live_rows(a, c, pattern)
    sigma = np.where(pattern, 1.0, -1.0)[keep]
    a, z = a[keep], z[keep]
    if len(z) == 0:
        return np.inf
    d = len(x)
    if p == 2:
        dirs_rows = [np.linalg.norm(a, axis=1)]
    elif p == 1:
        dirs_rows = [-sigma * (a @ v) for v in np.vstack([np.eye(d), -np.eye(d)])]
    else:
        dirs_rows = [-sigma * (a @ np.array(v)) for v in itertools.product((-1.0, 1.0), repeat=d)]
    # sigma z + r * (sigma a.v) >= 0  <=>  coef * r <= sigma z with coef = -(sigma a.v)
    A_ub = np.concatenate(dirs_rows)[:, None]
    b_ub = np.tile(sigma * z, len(dirs_rows))
    status, sol = lp_max([1.0], A_ub, b_ub, [(0, None)])
    return np.inf if status == 3 else sol[0]


@pytest.mark.parametrize("name", sorted(NETS))
@pytest.mark.parametrize("p", [1, 2, np.inf])
def test_margin_is_the_lp_radius(name, p):
    net = NETS[name]
    X = np.random.default_rng(2).normal(size=(12, net.input_dim))
    m = rw.margin(net, X, p=p)
    expect = np.array([lee_radius_lp(net, x, p) for x in X])
    np.testing.assert_allclose(m, expect, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["plain", "leaky", "cancel", "bias_free"])
def test_margin_is_the_distance_to_the_edge(name):
    """A step of 0.999 m toward the nearest hyperplane stays in the region; 1.001 m leaves it."""
    net = NETS[name]
    X = np.random.default_rng(3).normal(size=(15, net.input_dim))
    m = rw.margin(net, X)
    for x, r in zip(X, m):
        a, c, _, _, z = autograd_forms(net, x)
        keep = live_rows(a, c, z > 0)
        dist = np.where(keep, np.abs(z) / np.where(keep, np.linalg.norm(a, axis=1), 1.0), np.inf)
        j = int(np.argmin(dist))
        u = -np.sign(z[j]) * a[j] / np.linalg.norm(a[j])
        inside = net.patterns(x + 0.999 * r * u)[0]
        outside = net.patterns(x + 1.001 * r * u)[0]
        assert np.array_equal(inside, z > 0)
        assert not np.array_equal(outside, z > 0)
        rng = np.random.default_rng(0)
        v = rng.normal(size=(200, net.input_dim))
        v *= 0.999 * r / np.linalg.norm(v, axis=1, keepdims=True)
        assert (net.patterns(x + v) == (z > 0)).all()


def test_margin_of_a_wide_input_net_gram_route_matches_the_lp():
    """More inputs than neurons: the p = 2 norms come from Gram matrices."""
    net = random_mlp((40, 6, 5, 3), seed=8)
    ws = [w.copy() for w in net.weights]
    ws[1][2] = 0.0  # a pruned second-layer neuron
    net = rw.Network(ws, net.biases)
    X = np.random.default_rng(4).normal(size=(10, 40))
    expect = np.array([lee_radius_lp(net, x, 2) for x in X])
    np.testing.assert_allclose(rw.margin(net, X), expect, rtol=1e-9)
    np.testing.assert_allclose(rw.margin(net, X, batch_size=3, dtype=torch.float32), expect, rtol=1e-4)


def test_margin_ignores_neurons_that_vanish_on_the_all_off_cone():
    """Bias-free: where every first-layer neuron is off, later neurons are 0 and bound nothing."""
    base = NETS["bias_free"]
    w1 = base.weights[0].copy()
    w1[:, 0] = np.abs(w1[:, 0]) + 2.0  # every neuron is off where x_0 << 0
    net = rw.Network([w1, *base.weights[1:]], [np.zeros(len(b)) for b in base.biases])
    rng = np.random.default_rng(5)
    pts = rng.normal(size=(400, 3)) - [3.0, 0.0, 0.0]
    off = pts[(pts @ w1.T < 0).all(axis=1)][:5]
    assert len(off) == 5
    m = rw.margin(net, off)
    first = np.min(np.abs(off @ w1.T) / np.linalg.norm(w1, axis=1), axis=1)
    np.testing.assert_allclose(m, first, rtol=1e-12)


def test_margin_bad_input():
    net = NETS["plain"]
    with pytest.raises(ValueError, match="p must be 1, 2 or inf"):
        rw.margin(net, np.zeros((1, 4)), p=3)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 4\)"):
        rw.margin(net, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        rw.local_affine(net, np.full((1, 4), np.nan))
    with pytest.raises(ValueError, match="batch_size"):
        rw.margin(net, np.zeros((1, 4)), batch_size=0)
    with pytest.raises(TypeError, match="Network"):
        rw.margin("net", np.zeros((1, 4)))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    net = NETS["leaky"]
    X = np.random.default_rng(6).normal(size=(50, 3))
    A, c = rw.local_affine(net, X, device="cuda")
    A0, c0 = rw.local_affine(net, X)
    np.testing.assert_allclose(A, A0, atol=1e-12)
    np.testing.assert_allclose(rw.margin(net, X, device="cuda"), rw.margin(net, X), rtol=1e-10)


@pytest.mark.parametrize("widths,alpha", [((30, 6, 5, 4, 2), 0.0), ((30, 5, 6, 2), 0.1), ((30, 8, 1), 0.0)])
def test_margin_gram_route_deeper_leaky_and_one_layer(widths, alpha):
    net = random_mlp(widths, seed=9, alpha=alpha)
    X = np.random.default_rng(7).normal(size=(8, widths[0]))
    expect = np.array([lee_radius_lp(net, x, 2) for x in X])
    np.testing.assert_allclose(rw.margin(net, X), expect, rtol=1e-9)


def test_margin_gram_route_bias_free_all_off_cone():
    """Wide bias-free net: on the all-off cone the second layer is identically zero."""
    rng = np.random.default_rng(8)
    w1 = rng.normal(size=(5, 30))
    w1[:, 0] = np.abs(w1[:, 0]) + 3.0
    net = rw.Network([w1, rng.normal(size=(4, 5)), rng.normal(size=(1, 4))], [np.zeros(5), np.zeros(4), np.zeros(1)])
    X = rng.normal(size=(50, 30)) * 0.3 - 2.0 * np.eye(30)[0]
    X = X[(X @ w1.T < 0).all(axis=1)]
    assert len(X) >= 5
    first = np.min(np.abs(X @ w1.T) / np.linalg.norm(w1, axis=1), axis=1)
    np.testing.assert_allclose(rw.margin(net, X), first, rtol=1e-12)


@pytest.mark.parametrize("p", [1, 2, np.inf])
@pytest.mark.parametrize("widths,alpha", [((3, 6, 5, 4, 2), 0.0), ((4, 5, 6, 5, 1), 0.2)])
def test_margin_three_hidden_layers(widths, alpha, p):
    """The last layer is pruned by a triangle-inequality bound; deeper forms are per point."""
    net = random_mlp(widths, seed=12, alpha=alpha)
    ws = [w.copy() for w in net.weights]
    ws[2][1] = 0.0  # a pruned third-layer neuron
    net = rw.Network(ws, net.biases, alpha=alpha)
    X = np.random.default_rng(9).normal(size=(10, widths[0]))
    expect = np.array([lee_radius_lp(net, x, p) for x in X])
    np.testing.assert_allclose(rw.margin(net, X, p=p), expect, rtol=1e-9)
