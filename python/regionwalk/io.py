"""Loading model files safely: ``torch.load(weights_only=True)`` or safetensors."""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from regionwalk.network import Network

__all__ = ["load_model", "network_from_state_dict"]


def network_from_state_dict(state: Mapping[str, Any], alpha: float = 0.0) -> Network:
    """An MLP from a state dict of Linear layers (``*.weight`` 2-D, ``*.bias``), in key order."""
    weights, biases = [], []
    for key, value in state.items():
        if not key.endswith("weight"):
            continue
        w = np.asarray(value.detach().cpu().double().numpy() if hasattr(value, "detach") else value)
        if w.ndim != 2:
            raise ValueError(
                f"state dict entry '{key}' has shape {tuple(w.shape)}: only Linear layers can be rebuilt "
                "from a state dict; save the whole module (torch.save(model)) instead"
            )
        bkey = key[: -len("weight")] + "bias"
        b = state.get(bkey)
        b = np.zeros(w.shape[0]) if b is None else np.asarray(b.detach().cpu().double().numpy() if hasattr(b, "detach") else b)
        weights.append(w)
        biases.append(b)
    if len(weights) < 2:
        raise ValueError("the state dict holds fewer than two Linear layers: not a ReLU network")
    return Network(weights, biases, alpha=alpha)


def load_model(path: str | Path, input_shape: Sequence[int] | None = None) -> Network:
    """Load a network from a file without running untrusted code.

    Accepts ``torch.save`` of a module built from supported layers or of a
    state dict of Linear layers (read with ``weights_only=True``), and
    ``.safetensors`` state dicts.

    Raises
    ------
    ValueError
        If the file is missing, not a model, or needs unsafe pickle globals.
    """
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"model file not found: {p}")
    if p.suffix == ".safetensors":
        try:
            from safetensors.numpy import load_file
        except ImportError as exc:
            raise ValueError("reading .safetensors needs the safetensors package") from exc
        try:
            return network_from_state_dict(load_file(str(p)))
        except Exception as exc:
            raise ValueError(f"{p} is not a readable safetensors model: {exc}") from exc

    import zipfile

    import torch

    if not zipfile.is_zipfile(p):
        raise ValueError(f"{p} is not a torch model file (torch.save writes a zip archive)")

    from regionwalk.torch_import import SUPPORTED_MODULES, network_from_torch

    try:
        # Whole modules unpickle only from the layer classes regionwalk supports.
        with torch.serialization.safe_globals(list(SUPPORTED_MODULES())):
            obj = torch.load(p, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as exc:
        raise ValueError(f"refusing to load {p}: it needs objects that are not safe to unpickle ({exc})") from exc
    except Exception as exc:
        raise ValueError(f"{p} is not a torch model file: {exc.__class__.__name__}: {exc}") from exc
    if isinstance(obj, torch.nn.Module):
        return network_from_torch(obj, input_shape=input_shape)
    if isinstance(obj, Mapping):
        return network_from_state_dict(obj)
    raise ValueError(f"{p} holds a {type(obj).__name__}, not a module or a state dict")
