"""The network object: dense affine layers with a ReLU / LeakyReLU between them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from regionwalk import _core

if TYPE_CHECKING:
    import torch

__all__ = ["Network", "zero_cancelled", "forward_cancel", "CANCEL"]

CANCEL = 1e-11
"""A local form below this fraction of the sum of its terms' sizes has cancelled to rounding
(the core's rule for forms, judged once per region)."""


def forward_cancel(fan_in: int) -> float:
    """A forward pass's sum of ``fan_in`` terms and a bias below this fraction of its terms'
    sizes has cancelled to rounding: a few times that rounding error (the core's rule)."""
    return 16.0 * float(np.sqrt(fan_in + 1.0)) * float(np.finfo(np.float64).eps)


def zero_cancelled(z: np.ndarray, h: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``z = h @ w.T + b`` with the entries that cancelled to rounding set to exactly 0.

    The cheap bound ``|b| + sum|w| max|h|`` clears almost every entry; the few
    left get their own ``|b| + |w| @ |h|``.
    """
    cancel = forward_cancel(w.shape[1])
    bound = np.abs(b) + np.abs(w).sum(axis=1) * np.abs(h).max(axis=1, keepdims=True, initial=0.0)
    suspect = (z != 0) & (np.abs(z) <= cancel * bound)
    if suspect.any():
        rows = np.flatnonzero(suspect.any(axis=1))
        size = np.abs(h[rows]) @ np.abs(w).T + np.abs(b)
        z = z.copy()
        sub = z[rows]
        sub[suspect[rows] & (np.abs(sub) <= cancel * size)] = 0.0
        z[rows] = sub
    return z



class Network:
    """A piecewise-linear network ``x -> W_K s(... s(W_1 x + b_1) ...) + b_K``.

    Parameters
    ----------
    weights, biases
        One ``(n_out, n_in)`` matrix and one ``(n_out,)`` vector per affine layer,
        the output layer included. Every layer but the last is followed by the
        activation.
    alpha
        Slope of the activation for negative inputs: 0 for ReLU, ``0 < alpha < 1``
        for LeakyReLU.

    Raises
    ------
    ValueError
        On inconsistent shapes, NaN/inf entries, fewer than two layers or a bad alpha.
    """

    def __init__(
        self,
        weights: Sequence[Any],
        biases: Sequence[Any],
        alpha: float = 0.0,
    ) -> None:
        if len(weights) != len(biases):
            raise ValueError(f"got {len(weights)} weight matrices but {len(biases)} bias vectors")
        if len(weights) < 2:
            raise ValueError(
                "a network needs at least one hidden layer and an output layer "
                f"(got {len(weights)} affine layer(s))"
            )
        ws: list[np.ndarray] = []
        bs: list[np.ndarray] = []
        for i, (w, b) in enumerate(zip(weights, biases)):
            w = np.array(w, dtype=np.float64)
            b = np.array(b, dtype=np.float64).reshape(-1) if np.ndim(b) else np.array([b], dtype=np.float64)
            if w.ndim != 2 or w.size == 0:
                raise ValueError(f"weight {i} must be a non-empty 2-D array, got shape {w.shape}")
            if b.shape != (w.shape[0],):
                raise ValueError(f"bias {i} must have shape ({w.shape[0]},), got {b.shape}")
            if i > 0 and w.shape[1] != ws[-1].shape[0]:
                raise ValueError(
                    f"weight {i} takes {w.shape[1]} inputs but layer {i - 1} has {ws[-1].shape[0]} outputs"
                )
            if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
                raise ValueError(f"layer {i} contains NaN or inf")
            ws.append(w)
            bs.append(b)
        if not (0.0 <= float(alpha) < 1.0):
            raise ValueError(f"alpha must satisfy 0 <= alpha < 1, got {alpha}")
        self.weights: tuple[np.ndarray, ...] = tuple(ws)
        self.biases: tuple[np.ndarray, ...] = tuple(bs)
        self.alpha = float(alpha)
        self._core = _core.Network(list(ws), list(bs), self.alpha)
        self._row_basis: np.ndarray | None = None
        self._row_weights: np.ndarray | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as its weights, biases and alpha (for multiprocessing and Ray); the
        compiled network and the cached row space are rebuilt on the other side."""
        return (Network, (list(self.weights), list(self.biases), self.alpha))

    def _row_space(self) -> np.ndarray:
        """Orthonormal basis ``(d, r)`` of the first layer's row space, computed once:
        balls and the whole space are walked in it, and its QR is most of a
        784-input ball's set-up (``_core.reduce`` takes it as ``basis``)."""
        if getattr(self, "_row_basis", None) is None:
            w = np.ascontiguousarray(self.weights[0], dtype=np.float64)
            self._row_basis = np.asarray(_core.row_space(w))
        assert self._row_basis is not None
        return self._row_basis

    def _row_weight(self) -> np.ndarray:
        """The first layer's weights in the row space's coordinates ``(n_1, r)``, computed
        once (``_core.row_weight``): with the basis, all of a ball's reduction but its bias."""
        if getattr(self, "_row_weights", None) is None:
            self._row_weights = np.asarray(_core.row_weight(self._core, self._row_space()))
        assert self._row_weights is not None
        return self._row_weights

    # -- shape -------------------------------------------------------------
    @property
    def input_dim(self) -> int:
        """Input dimension ``n_0``."""
        return int(self.weights[0].shape[1])

    @property
    def widths(self) -> tuple[int, ...]:
        """Hidden widths ``(n_1, ..., n_L)``."""
        return tuple(int(w.shape[0]) for w in self.weights[:-1])

    @property
    def hidden_neurons(self) -> int:
        """Total hidden neurons ``N``; the length of an activation pattern."""
        return int(self._core.hidden_neurons)

    def __repr__(self) -> str:
        act = "ReLU" if self.alpha == 0 else f"LeakyReLU({self.alpha})"
        dims = (self.input_dim, *self.widths, int(self.weights[-1].shape[0]))
        return f"Network({' -> '.join(map(str, dims))}, {act})"

    # -- evaluation --------------------------------------------------------
    def _forward(self, x: Any) -> tuple[list[np.ndarray], np.ndarray]:
        """Every hidden layer's pre-activations and the last hidden layer's output: the one
        forward pass of the Python layer (the compiled core and torch sampling have their own).

        A sum that cancels to rounding (below ``forward_cancel(fan_in)`` of the sum of its
        terms' sizes) is exactly 0: a neuron identically zero on a region (pruned,
        bias-free, integer cancellations) reads 0 there, never a stray sign.
        """
        h = self._check_points(x)
        zs = []
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            z = zero_cancelled(h @ w.T + b, h, w, b)
            zs.append(z)
            h = np.where(z > 0, z, self.alpha * z)
        return zs, h

    def preactivations(self, x: Any) -> np.ndarray:
        """Pre-activations of every hidden neuron, shape ``(n, N)``, in float64 (see ``_forward``)."""
        return np.concatenate(self._forward(x)[0], axis=1)

    def patterns(self, x: Any) -> np.ndarray:
        """Activation patterns (bit set when the pre-activation is > 0), shape ``(n, N)``."""
        return self.preactivations(x) > 0

    def __call__(self, x: Any) -> np.ndarray:
        """Network output for points ``x`` of shape ``(n, d)``."""
        return self._forward(x)[1] @ self.weights[-1].T + self.biases[-1]

    def local_map(self, pattern: Any) -> tuple[np.ndarray, np.ndarray]:
        """The affine map ``F_s(x) = A x + c`` of the network on a pattern's region."""
        p = np.asarray(pattern, dtype=bool)
        a, c = self._core.local_forms(p)
        # Last hidden layer's forms through its activation, then the output layer.
        off = self.hidden_neurons - self.widths[-1]
        s = np.where(p[off:], 1.0, self.alpha)
        w, b = self.weights[-1], self.biases[-1]
        return w @ (s[:, None] * a[off:]), w @ (s * c[off:]) + b

    def _check_points(self, x: Any) -> np.ndarray:
        h = np.atleast_2d(np.asarray(x, dtype=np.float64))
        if h.ndim != 2 or h.shape[1] != self.input_dim:
            raise ValueError(f"points must have shape (n, {self.input_dim}), got {np.shape(x)}")
        return h

    # -- import ------------------------------------------------------------
    @classmethod
    def from_torch(cls, model: "torch.nn.Module", input_shape: Sequence[int] | None = None) -> "Network":
        """Import a feed-forward torch module (see :func:`regionwalk.torch_import.network_from_torch`)."""
        from regionwalk.torch_import import network_from_torch

        return network_from_torch(model, input_shape=input_shape)
