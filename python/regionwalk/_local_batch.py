"""Batched per-point quantities for :func:`regionwalk.local_counts`.

Everything here works on many points at once with numpy: the forward pass, the
local forms' norms (Lee's L2 margin), the stable-neuron proofs behind the local
bound in each ball, and the distinct patterns among points sampled in each
ball. Work is chunked to a memory budget.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from math import comb

import numpy as np

from regionwalk._ball_reduce import BallReduction
from regionwalk.network import Network

__all__ = ["NetSetup", "net_setup", "margins_and_preactivations", "local_bounds", "sampled_counts"]

_BUDGET = 64 * 2**20  # bytes of scratch per chunk


def _chunks(n: int, per_item: int) -> Iterator[slice]:
    step = max(1, _BUDGET // max(1, per_item))
    for lo in range(0, n, step):
        yield slice(lo, min(n, lo + step))


@dataclass(frozen=True)
class NetSetup:
    """What every ball of one network shares, computed once per network.

    ``reduction``: the first layer's row space and ``W_1 U`` as the walk reduces
    balls (:class:`regionwalk._ball_reduce.BallReduction`); ``a1``: ``W_1`` in the
    coordinates the local forms are computed in (``W_1 U`` when ``d > n_1``: every
    local form ``a_j`` is a combination of rows of ``W_1``, so its norm is the same in
    any orthonormal basis of their span, and the forms stay ``(n_l, r)`` with
    ``r <= n_1`` however large the input); ``spectral``: ``||W_l||_2`` of the hidden
    layers; ``cap``: the global Serra 2018 bound.
    """

    reduction: BallReduction
    a1: np.ndarray
    spectral: tuple[float, ...]
    cap: int


_SETUPS: "weakref.WeakKeyDictionary[Network, NetSetup]" = weakref.WeakKeyDictionary()


def net_setup(net: Network) -> NetSetup:
    """The shared set-up of ``net``, cached while the network lives (networks are immutable)."""
    setup = _SETUPS.get(net)
    if setup is None:
        from regionwalk.bounds import serra2018

        w1 = net.weights[0]
        reduction = BallReduction(net)
        a1 = w1 if w1.shape[1] <= w1.shape[0] else w1 @ reduction.basis
        spectral = tuple(float(np.linalg.norm(w, 2)) for w in net.weights[:-1])
        setup = NetSetup(reduction=reduction, a1=a1, spectral=spectral, cap=serra2018(net))
        _SETUPS[net] = setup
    return setup


def _ratios(z: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """``|z| / norms`` where the norm is not zero, ``inf`` elsewhere."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(norms > 0, np.abs(z) / np.where(norms > 0, norms, 1.0), np.inf)


def _next_forms(w: np.ndarray, slope: np.ndarray, a1: np.ndarray, forms: np.ndarray | None) -> np.ndarray:
    """Forms ``(n_out, p, r)`` of the next layer from the previous layer's (``None``: the shared ``a1``)."""
    p = len(slope)
    prev = a1[:, None, :] if forms is None else forms
    scaled = prev * slope.T[:, :, None]
    n_prev, r = scaled.shape[0], scaled.shape[2]
    return (w @ scaled.reshape(n_prev, p * r)).reshape(w.shape[0], p, r)


def _last_layer(w: np.ndarray, z: np.ndarray, slope: np.ndarray, a1: np.ndarray, forms: np.ndarray | None,
                norms: np.ndarray, best: np.ndarray, spectral0: float) -> np.ndarray:
    """Smallest ``|z_j| / ||a_j||`` over the last hidden layer, per point, or ``inf``.

    Only neurons that can beat ``best`` get their form: ``||a_j|| = ||sum_k w_jk s_k a_k||``
    is at most ``sum_k |w_jk| s_k ||a_k||`` (and ``||w_j * s|| ||W_1||_2`` after the first
    layer), so ``|z_j|`` over that bound is a lower bound on the neuron's distance.
    """
    ub = (slope * norms) @ np.abs(w).T
    if forms is None:
        ub = np.minimum(ub, np.sqrt((slope * slope) @ (w * w).T) * spectral0)
    lower = _ratios(z, ub * (1.0 + 1e-9))
    pts, neurons = np.nonzero(lower < best[:, None])
    out = np.full(len(z), np.inf)
    r = a1.shape[1]
    for sl in _chunks(len(pts), 8 * (w.shape[1] + 1) * (r + 1)):
        pi, ji = pts[sl], neurons[sl]
        m = w[ji] * slope[pi]
        a = m @ a1 if forms is None else np.einsum("ck,kcr->cr", m, forms[:, pi, :])
        np.minimum.at(out, pi, _ratios(z[pi, ji], np.sqrt(np.einsum("cr,cr->c", a, a))))
    return out


def _chunk_margins(net: Network, z: np.ndarray, a1: np.ndarray, spectral0: float) -> np.ndarray:
    """Margins ``(p,)`` of one chunk of points from their pre-activations ``z`` ``(p, N)``.

    The slopes come from ``z`` as ``Network.preactivations`` gives it (sums that
    cancel to rounding read exactly 0), so the forms are those of the pattern the
    walk sees at each point. Every layer's forms but the last are computed in full
    (``(n_l, p, r)``); the last layer's only for neurons that can be the nearest.
    """
    layers = _split(net, z)
    best = np.full(len(z), np.inf)
    forms: np.ndarray | None = None  # forms of the previous layer; None while that is the shared first layer
    norms = np.broadcast_to(np.linalg.norm(net.weights[0], axis=1), layers[0].shape)
    best = np.minimum(best, _ratios(layers[0], norms).min(axis=1, initial=np.inf))
    for k in range(1, len(layers)):
        w, zk = net.weights[k], layers[k]
        slope = np.where(layers[k - 1] > 0, 1.0, net.alpha)
        if k == len(layers) - 1:
            return np.minimum(best, _last_layer(w, zk, slope, a1, forms, norms, best, spectral0))
        forms = _next_forms(w, slope, a1, forms)
        norms = np.sqrt(np.einsum("ipr,ipr->pi", forms, forms))
        best = np.minimum(best, _ratios(zk, norms).min(axis=1, initial=np.inf))
    return best


def margins_and_preactivations(net: Network, x: np.ndarray, setup: NetSetup) -> tuple[np.ndarray, np.ndarray]:
    """Hidden pre-activations ``(n, N)`` and Lee's L2 margin ``(n,)`` at each point.

    The margin is ``min_j |z_j(x)| / ||a_j(x)||_2`` over the neurons whose local
    form ``a_j(x)`` is not zero (``inf`` when there is none): the open ball of that
    radius around ``x`` lies inside the region of ``x``'s pattern.
    """
    a1 = setup.a1
    n = len(x)
    z = np.empty((n, net.hidden_neurons))
    margin = np.empty(n)
    per_point = 8 * (2 * max(net.widths) * a1.shape[1] + 3 * net.hidden_neurons + net.input_dim)
    for sl in _chunks(n, per_point):
        z[sl] = net.preactivations(x[sl])
        margin[sl] = _chunk_margins(net, z[sl], a1, setup.spectral[0])
    return z, margin


def _split(net: Network, values: np.ndarray) -> list[np.ndarray]:
    return np.split(values, np.cumsum(net.widths)[:-1], axis=1)


def _interval_signs(net: Network, z: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Interval arithmetic over each ball, as ``Network.stable_signs`` does in the core:
    the first layer exactly (``z_j +- r ||w_j||``), later layers by intervals."""
    alpha = net.alpha
    signs, lo, hi = [], None, None
    for k, (w, b, zk) in enumerate(zip(net.weights[:-1], net.biases[:-1], _split(net, z))):
        if k == 0:
            reach = radii[:, None] * np.linalg.norm(w, axis=1)[None, :]
            zl, zu = zk - reach, zk + reach
        else:
            wp, wn = np.maximum(w, 0.0), np.minimum(w, 0.0)
            zl = lo @ wp.T + hi @ wn.T + b
            zu = hi @ wp.T + lo @ wn.T + b
        guard = 1e-12 * (np.abs(zl) + np.abs(zu))
        inactive = (zu < -guard) | ((zu == 0) & (zl == 0))
        signs.append(np.where(zl > guard, 1, np.where(inactive, -1, 0)))
        lo = np.where(zl > 0, zl, alpha * zl)
        hi = np.where(zu > 0, zu, alpha * zu)
    return np.concatenate(signs, axis=1).astype(np.int8)


def _ball_signs(net: Network, z: np.ndarray, radii: np.ndarray, spectral: tuple[float, ...]) -> np.ndarray:
    """Propagated balls (see ``bounds._propagated_ball_signs``), for every point at once."""
    signs = []
    scale = radii.copy()
    for w, zk, norm in zip(net.weights[:-1], _split(net, z), spectral):
        reach = scale[:, None] * np.linalg.norm(w, axis=1)[None, :]
        signs.append(np.where(zk - reach > 0, 1, np.where(zk + reach <= 0, -1, 0)))
        scale = scale * norm
    return np.concatenate(signs, axis=1).astype(np.int8)


def _partial_sum(u: int, k: int) -> int:
    return sum(comb(u, j) for j in range(min(k, u) + 1))


def _product(net: Network, signs: np.ndarray, cap: int) -> np.ndarray:
    """``min(bounds._unstable_product_from_signs, cap)`` for each row of ``signs``, as an
    object array of Python ints; computed once per distinct (unstable, active) profile."""
    layers = _split(net, signs)
    unstable = np.stack([np.sum(s == 0, axis=1) for s in layers], axis=1)
    if net.alpha > 0:
        active = np.tile(np.array(net.widths), (len(signs), 1))
    else:
        active = np.stack([np.sum(s >= 0, axis=1) for s in layers], axis=1)
    table = np.hstack([unstable, active]).astype(np.int64)
    base = max(net.widths) + 1
    if base ** table.shape[1] < 2**62:  # one integer key per row: a 1-D unique is much faster
        keys = table @ (base ** np.arange(table.shape[1], dtype=np.int64))
        _, first, where = np.unique(keys, return_index=True, return_inverse=True)
        profiles = table[first]
    else:
        profiles, where = np.unique(table, axis=0, return_inverse=True)
    values = np.empty(len(profiles), dtype=object)
    n_layers = len(layers)
    for i, row in enumerate(profiles.tolist()):
        value, rank = 1, net.input_dim
        for u, a in zip(row[:n_layers], row[n_layers:]):
            value *= _partial_sum(u, min(rank, u))
            rank = min(rank, a)
        values[i] = min(value, cap)
    return values[np.asarray(where).reshape(-1)]


def local_bounds(net: Network, z: np.ndarray, radii: np.ndarray, setup: NetSetup) -> np.ndarray:
    """Per ball: ``min(unstable_product, serra2018)``, an object array of Python ints.

    ``unstable_product`` is :func:`regionwalk.bounds.unstable_product` (neurons not
    proven stable by interval arithmetic or propagated balls), computed for all balls
    at once from the pre-activations ``z`` at their centres.
    """
    interval = _interval_signs(net, z, radii)
    best = np.where(interval != 0, interval, _ball_signs(net, z, radii, setup.spectral)).astype(np.int8)
    return _product(net, best, setup.cap)


def _patterns_words(net: Network, x: np.ndarray) -> np.ndarray:
    """Activation patterns of points (as ``Network.patterns``) packed into uint64 words, ``(n, words)``."""
    packed = np.packbits(net.preactivations(x) > 0, axis=1, bitorder="little")
    pad = (-packed.shape[1]) % 8
    if pad:
        packed = np.pad(packed, ((0, 0), (0, pad)))
    return np.ascontiguousarray(packed).view("<u8")


def _distinct_per_group(groups: np.ndarray, words: np.ndarray, n_groups: int) -> np.ndarray:
    """Number of distinct rows of ``words`` within each group id."""
    order = np.lexsort((*words.T[::-1], groups))
    g, w = groups[order], words[order]
    new = np.ones(len(g), dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | np.any(w[1:] != w[:-1], axis=1)
    return np.bincount(g[new], minlength=n_groups)


def sampled_counts(net: Network, x: np.ndarray, radii: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Distinct patterns among ``k`` points drawn uniformly (in volume) in each ball."""
    rng = np.random.default_rng(seed)
    n, d = x.shape
    out = np.zeros(n, dtype=np.int64)
    per_ball = 8 * k * (2 * d + 2 * max(net.widths) + net.hidden_neurons)
    for sl in _chunks(n, per_ball):
        p = sl.stop - sl.start
        g = rng.standard_normal((p, k, d))
        g /= np.linalg.norm(g, axis=2, keepdims=True)
        r = radii[sl, None, None] * rng.random((p, k, 1)) ** (1.0 / d)
        pts = (x[sl, None, :] + r * g).reshape(p * k, d)
        groups = np.repeat(np.arange(p), k)
        out[sl] = _distinct_per_group(groups, _patterns_words(net, pts), p)
    return out
