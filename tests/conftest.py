from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))


def random_weights(widths, seed, bias_scale=0.5):
    rng = np.random.default_rng(seed)
    ws, bs = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        ws.append(rng.normal(size=(n_out, n_in)) / np.sqrt(n_in))
        bs.append(rng.normal(scale=bias_scale, size=n_out))
    return ws, bs


@pytest.fixture
def small_net():
    import regionwalk as rw

    ws, bs = random_weights((2, 8, 8, 1), seed=3)
    return rw.Network(ws, bs)
