"""Loading model files safely: ``torch.load(weights_only=True)`` or safetensors.

A file holds either a whole module (its layers tell the activation) or a
state dict, which records weights only: then the caller names the activation
(``activation=`` / ``--activation``); regionwalk never guesses it.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from regionwalk.network import Network

__all__ = ["load_model", "network_from_state_dict"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_GLOBAL = re.compile(r"GLOBAL ([A-Za-z_][\w.]*)")


def _numpy(value: Any) -> np.ndarray:
    return np.asarray(value.detach().cpu().double().numpy() if hasattr(value, "detach") else value)


def network_from_state_dict(state: Mapping[str, Any], alpha: float = 0.0) -> Network:
    """An MLP from a state dict of Linear layers (``*.weight`` 2-D, ``*.bias``), in key order.

    ``alpha`` is the activation's negative slope (0 for ReLU); a state dict does
    not record it.
    """
    weights, biases = [], []
    for key, value in state.items():
        if not isinstance(key, str) or not key.endswith("weight"):
            continue
        if isinstance(value, Mapping):
            raise ValueError(f"entry '{key}' is a nested dict: pass the model's own state_dict(), "
                             "not a checkpoint that holds it")
        w = _numpy(value)
        if w.ndim != 2:
            raise ValueError(
                f"state dict entry '{key}' has shape {tuple(w.shape)}: only Linear layers can be rebuilt "
                "from a state dict; save the whole module (torch.save(model)) instead"
            )
        b = state.get(key[: -len("weight")] + "bias")
        weights.append(w)
        biases.append(np.zeros(w.shape[0]) if b is None else _numpy(b))
    if not weights:
        raise ValueError("the state dict holds no Linear layer weights ('*.weight' entries)")
    if len(weights) == 1:
        raise ValueError(
            "the state dict holds a single Linear layer: an affine map with no hidden layer has exactly one "
            "linear region on any domain, so there is nothing to count"
        )
    return Network(weights, biases, alpha=alpha)


def _slope(activation: str | None, negative_slope: float | None) -> float | None:
    """The activation's negative slope asked for (None when not given)."""
    if activation is None:
        if negative_slope is not None:
            raise ValueError("negative_slope (--negative-slope) goes with activation='leaky_relu'")
        return None
    if activation not in ("relu", "leaky_relu"):
        raise ValueError(f"activation must be 'relu' or 'leaky_relu', got {activation!r}")
    if activation == "relu":
        if negative_slope not in (None, 0, 0.0):
            raise ValueError("negative_slope (--negative-slope) goes with activation='leaky_relu', not 'relu'")
        return 0.0
    slope = 0.01 if negative_slope is None else float(negative_slope)
    if not (np.isfinite(slope) and 0.0 <= slope < 1.0):
        raise ValueError(f"negative_slope must satisfy 0 <= slope < 1, got {negative_slope}")
    return slope


def _needs_activation(p: Path) -> ValueError:
    return ValueError(
        f"{p} holds a state dict, which records weights but not the activation: pass --activation relu or "
        "--activation leaky_relu --negative-slope S (in Python: load_model(path, activation='relu' or "
        "'leaky_relu', negative_slope=S)), or save the whole module with torch.save(model)"
    )


def _unpickling_message(p: Path, exc: BaseException) -> str:
    """One paragraph: what in the file could not be loaded safely, and what to do."""
    text = _ANSI.sub("", str(exc))
    found = _GLOBAL.search(text)
    name = found.group(1) if found else "an object"
    if name.startswith("torch.nn.modules."):
        return (
            f"cannot load {p}: it holds a torch module of type {name.rsplit('.', 1)[-1]} ({name}), which "
            "regionwalk does not support (it handles Linear, Conv1d/Conv2d, AvgPool1d/2d, BatchNorm1d/2d, "
            "Flatten, Identity, Dropout, ReLU and LeakyReLU). Only piecewise-linear networks have linear regions; "
            "replace the layer or export the supported part of the network."
        )
    return (
        f"cannot load {p} safely: it stores {name}, which is not a torch layer regionwalk knows, and loading it "
        "would run code from the file. Save a state dict instead (torch.save(model.state_dict(), path)) and pass "
        "--activation, or, for a file you made yourself, pass --trust-pickle (trust_pickle=True) to load it with "
        "weights_only=False; its classes must then be importable."
    )


def _torch_load(p: Path, trust_pickle: bool) -> Any:
    import torch

    from regionwalk.torch_import import SUPPORTED_MODULES

    if trust_pickle:
        try:
            return torch.load(p, weights_only=False, map_location="cpu")
        except (AttributeError, ModuleNotFoundError, ImportError) as exc:
            raise ValueError(
                f"cannot load {p} even with --trust-pickle: {_ANSI.sub('', str(exc)).splitlines()[0]}. The "
                "classes the file was saved with must be importable here (define or import them first, or "
                "save a state dict instead)"
            ) from None
        except Exception as exc:
            raise ValueError(f"{p} is not a torch model file: {exc.__class__.__name__}: "
                             f"{_ANSI.sub('', str(exc)).splitlines()[0]}") from None
    try:
        # Whole modules unpickle only from the layer classes regionwalk supports.
        with torch.serialization.safe_globals(list(SUPPORTED_MODULES())):
            return torch.load(p, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as exc:
        raise ValueError(_unpickling_message(p, exc)) from None
    except Exception as exc:
        first = _ANSI.sub("", str(exc)).splitlines()[0] if str(exc) else ""
        raise ValueError(f"{p} is not a torch model file: {exc.__class__.__name__}: {first}") from None


def _check_module_activation(p: Path, net: Network, slope: float | None) -> None:
    if slope is not None and not np.isclose(net.alpha, slope, rtol=0, atol=1e-12):
        have = "ReLU" if net.alpha == 0 else f"LeakyReLU({net.alpha:g})"
        want = "ReLU" if slope == 0 else f"LeakyReLU({slope:g})"
        raise ValueError(f"{p} holds a module with {have} but {want} was asked for (--activation/--negative-slope)")


def load_model(
    path: str | Path,
    input_shape: Sequence[int] | None = None,
    *,
    activation: str | None = None,
    negative_slope: float | None = None,
    trust_pickle: bool = False,
) -> Network:
    """Load a network from a file without running untrusted code.

    Parameters
    ----------
    path
        ``torch.save`` of a module built from supported layers or of a state
        dict of Linear layers (read with ``weights_only=True``), or a
        ``.safetensors`` state dict.
    input_shape
        Input shape without the batch dimension, for modules that start with a convolution.
    activation
        ``"relu"`` or ``"leaky_relu"``. Required for a state dict, which does not
        record the activation; for a module it is checked against its layers.
    negative_slope
        LeakyReLU slope with ``activation="leaky_relu"`` (default 0.01, torch's default).
    trust_pickle
        Load with ``weights_only=False``: needed for modules of custom classes.
        This runs code stored in the file: only for files you made yourself.

    Raises
    ------
    ValueError
        If the file is missing, not a model, a state dict without ``activation``,
        or holds objects that are unsafe to load or unsupported layers.
    """
    slope = _slope(activation, negative_slope)
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"model file not found: {p}")
    if p.suffix == ".safetensors":
        try:
            from safetensors.numpy import load_file
        except ImportError as exc:
            raise ValueError("reading .safetensors needs the safetensors package") from exc
        try:
            state = load_file(str(p))
        except Exception as exc:
            raise ValueError(f"{p} is not a readable safetensors model: {exc}") from None
        if slope is None:
            raise _needs_activation(p)
        return network_from_state_dict(state, alpha=slope)

    import zipfile

    import torch

    if not zipfile.is_zipfile(p):
        raise ValueError(f"{p} is not a torch model file (torch.save writes a zip archive)")
    obj = _torch_load(p, trust_pickle)
    if isinstance(obj, torch.nn.Module):
        from regionwalk.torch_import import network_from_torch

        net = network_from_torch(obj, input_shape=input_shape)
        _check_module_activation(p, net, slope)
        return net
    if isinstance(obj, Mapping):
        if slope is None:
            raise _needs_activation(p)
        return network_from_state_dict(obj, alpha=slope)
    raise ValueError(f"{p} holds a {type(obj).__name__}, not a module or a state dict")
