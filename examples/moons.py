"""The two-moons data set the training examples share (generated with numpy: nothing to download)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np


def two_moons(n: int, rng: np.random.Generator, dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """``n`` noisy points on two interleaved half circles, centred, and their 0/1 labels."""
    t = rng.uniform(0, np.pi, n)
    upper = np.c_[np.cos(t), np.sin(t)]
    lower = np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
    x = np.where((np.arange(n) % 2 == 0)[:, None], upper, lower) + rng.normal(scale=0.08, size=(n, 2))
    return x - x.mean(axis=0), (np.arange(n) % 2).astype(dtype)


def at_epochs(model: Any, opt: Any, x: Any, y: Any, epochs: list[int]) -> Iterator[int]:
    """Trains ``model`` with the logistic loss, full batch, and yields each of the ascending
    ``epochs`` once that many steps are done (0: before any)."""
    import torch

    done = 0
    for ep in epochs:
        for _ in range(ep - done):
            opt.zero_grad()
            torch.nn.functional.binary_cross_entropy_with_logits(model(x), y).backward()
            opt.step()
        done = ep
        yield ep
