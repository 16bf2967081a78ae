from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True, scope="session")
def _ctrl_c_raises():
    """The Ctrl-C tests send SIGINT to this process or to a child. A runner started in
    the background (a shell's ``&``, ``nohup``) ignores SIGINT, and children inherit
    that: their walks would run to the end (one grew to 6.7 GB). For the session,
    SIGINT raises KeyboardInterrupt here, as in a terminal, and children start with
    the default action."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) != signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


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


@pytest.fixture
def box_model_file(tmp_path):
    """A torch 4-8-8-1 ReLU model saved to a file, and the CLI's arguments for the box
    [-1, 1]^4 with JSON output and no progress line."""
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(),
                                torch.nn.Linear(8, 1)).double()
    path = tmp_path / "m.pt"
    torch.save(model, path)
    return str(path), ["--box", *["-1"] * 4, *["1"] * 4, "--json", "--quiet"]
