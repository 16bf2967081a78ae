"""Seeded and deterministic test nets, built in (no download): ``random_mlp``, ``tent_map``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from regionwalk.network import Network

__all__ = ["random_mlp", "tent_map"]


def random_mlp(widths: Sequence[int], seed: int = 0, bias_scale: float = 0.5, alpha: float = 0.0) -> Network:
    """A seeded MLP with He-scaled Gaussian weights: ``widths = (n_0, n_1, ..., n_L, n_out)``."""
    if len(widths) < 3:
        raise ValueError("widths needs an input size, at least one hidden width and an output size")
    rng = np.random.default_rng(seed)
    ws, bs = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        ws.append(rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in)))
        bs.append(rng.normal(0.0, bias_scale, size=n_out))
    return Network(ws, bs, alpha=alpha)


def tent_map(layers: int, dim: int = 1) -> Network:
    """The tent map iterated ``layers`` times, per coordinate.

    Each layer is ``[ReLU(u), ReLU(u - 1/2)]`` with next input ``2a - 4b``; it has
    exactly ``2**layers`` regions on ``(0, 1)`` and ``(2**layers)**dim`` on the cube.
    """
    if layers < 1 or dim < 1:
        raise ValueError("layers and dim must be >= 1")
    eye = np.eye(dim)
    first = np.kron(eye, np.array([[1.0], [1.0]]))
    bias = np.tile([0.0, -0.5], dim)
    mix = np.kron(eye, np.array([[2.0, -4.0], [2.0, -4.0]]))
    ws, bs = [first], [bias]
    for _ in range(layers - 1):
        ws.append(mix)
        bs.append(bias.copy())
    ws.append(np.kron(eye, np.array([[2.0, -4.0]])))
    bs.append(np.zeros(dim))
    return Network(ws, bs)
