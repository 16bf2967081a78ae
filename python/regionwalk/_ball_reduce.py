"""Balls in the first layer's row space, built as the core's ``reduce`` builds them.

``enumerate_regions`` walks a ball ``B(c, r)`` in ``R^d`` as the ball ``B(0, r)``
in the first layer's row space (dimension ``rank W_1 < d``), with the first
layer ``W_1 U`` and bias ``b_1 + W_1 c`` (``_core.reduce``). For many balls of one
network the basis ``U`` and ``W_1 U`` are the same: they are computed once here,
and the biases for all centres at once. Sums run in the core's order (over the
input coordinate, no fused multiply-add), so every reduced problem is the one
``_core.reduce`` would give, to the bit, and each walk the one
``count_regions`` runs (both then restrict the ball to the span of its unstable
neurons, ``_core.restrict_ball``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from regionwalk import _core
from regionwalk.network import Network

__all__ = ["BallReduction"]


class BallReduction:
    """The shared part of ``_core.reduce`` for balls around many centres of ``net``."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.basis = net._row_space()
        r = self.basis.shape[1]
        self.rank = r if 0 < r < net.input_dim else 0
        self.w0 = net._row_weight() if self.rank else None
        # The reduced network for every centre but the first layer's bias, built once: a
        # ball's is this one with its bias (a copy, where building it anew from the arrays
        # derives every layer again: milliseconds for 512-wide layers).
        self._reduced = None if self.w0 is None else _core.Network(
            [self.w0, *net.weights[1:]], [np.zeros(self.w0.shape[0]), *net.biases[1:]], net.alpha)

    def biases(self, centres: np.ndarray) -> np.ndarray:
        """``b_1 + W_1 c`` for each centre ``(m, d)``, summed in the core's order: ``(m, n_1)``."""
        w, b = self.net.weights[0], self.net.biases[0]
        out = np.broadcast_to(b, (len(centres), len(b))).copy()
        for q in range(w.shape[1]):
            out += np.multiply.outer(centres[:, q], w[:, q])
        return out

    def problem(self, center: np.ndarray, radius: float, bias: np.ndarray | None) -> tuple[Any, Any, np.ndarray]:
        """Core network, core domain and seed (the centre) of the ball ``B(center, radius)``,
        restricted as ``enumerate_regions`` restricts it (``_core.restrict_ball``; ``bias``
        from :meth:`biases`, unused when there is no reduction)."""
        net = self.net
        if not self.rank:
            core_net, domain, seed = net._core, _core.Domain.ball(center, radius), center
        else:
            assert self._reduced is not None and bias is not None
            core_net = self._reduced.with_first_bias(bias)
            domain, seed = _core.Domain.ball(np.zeros(self.rank), radius), np.zeros(self.rank)
        restricted = _core.restrict_ball(core_net, domain)
        if restricted is None:
            return core_net, domain, seed
        return restricted[0], restricted[1], np.zeros(restricted[1].dim)
