"""Import feed-forward torch modules as a :class:`~regionwalk.network.Network`.

Affine modules (Linear, Conv1d/2d, AvgPool1d/2d, BatchNorm1d/2d in eval mode,
Flatten, Identity, Dropout in eval mode) between two activations are folded
into one dense layer by probing them with basis vectors; ReLU and LeakyReLU
separate the layers. Anything else is rejected with its name and type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from regionwalk.network import Network

__all__ = ["network_from_torch", "SUPPORTED_MODULES"]


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - torch is a dependency
        raise ImportError("importing torch models needs torch: pip install torch") from exc
    return torch


def _module_kinds() -> tuple[tuple[type, ...], tuple[type, ...]]:
    nn = _torch().nn
    affine = (
        nn.Linear, nn.Conv1d, nn.Conv2d, nn.AvgPool1d, nn.AvgPool2d,
        nn.BatchNorm1d, nn.BatchNorm2d, nn.Flatten, nn.Identity, nn.Dropout,
    )
    return affine, (nn.ReLU, nn.LeakyReLU)


def SUPPORTED_MODULES() -> tuple[type, ...]:  # noqa: N802 - reads as a constant
    """The torch module classes that can be imported."""
    affine, act = _module_kinds()
    nn = _torch().nn
    return (*affine, *act, nn.Sequential)


def _steps(model: Any) -> list[tuple[str, Any]]:
    """The model as an ordered chain of (name, callable) steps."""
    torch = _torch()
    nn = torch.nn
    affine, act = _module_kinds()
    if isinstance(model, affine + act):
        return [(type(model).__name__, model)]  # a lone layer
    if isinstance(model, nn.Sequential):
        steps: list[tuple[str, Any]] = []
        for name, child in model.named_children():
            if isinstance(child, nn.Sequential):
                steps += [(f"{name}.{n}", m) for n, m in _steps(child)]
            else:
                steps.append((name, child))
        return steps
    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ValueError(
            f"cannot import {type(model).__name__}: it is not an nn.Sequential and torch.fx cannot trace it "
            f"into a chain of layers ({exc.__class__.__name__}: {first}); rebuild it as an nn.Sequential of "
            "supported layers"
        ) from None
    modules = dict(model.named_modules())
    steps = []
    previous = None
    functional = {
        torch.relu: nn.ReLU(), torch.nn.functional.relu: nn.ReLU(),
        torch.flatten: nn.Flatten(), torch.nn.functional.leaky_relu: None,
    }
    for node in graph.nodes:
        if node.op in ("placeholder", "output"):
            if node.op == "output" and node.args[0] is not previous:
                raise ValueError("the traced model is not a simple chain of layers")
            if node.op == "placeholder":
                previous = node
            continue
        ins = [a for a in node.args if hasattr(a, "op")]
        if len(ins) != 1 or ins[0] is not previous:
            raise ValueError(f"unsupported graph structure at '{node.name}': only a chain of layers can be imported")
        if node.op == "call_module":
            steps.append((str(node.target), modules[str(node.target)]))
        elif node.op in ("call_function", "call_method") and (
            node.target in functional or node.target in ("relu", "flatten")
        ):
            if node.target is torch.nn.functional.leaky_relu:
                slope = node.kwargs.get("negative_slope", node.args[1] if len(node.args) > 1 else 0.01)
                steps.append((node.name, nn.LeakyReLU(float(slope))))
            elif node.target in ("flatten", torch.flatten):
                start = node.kwargs.get("start_dim", node.args[1] if len(node.args) > 1 else 0)
                if start not in (0, 1):
                    raise ValueError(f"'{node.name}': only flatten from dim 0 or 1 is supported")
                steps.append((node.name, nn.Flatten()))
            else:
                steps.append((node.name, nn.ReLU()))
        else:
            raise ValueError(f"unsupported operation '{node.name}' ({node.op} {node.target}) in the traced model")
        previous = node
    return steps


def _infer_input_shape(steps: list[tuple[str, Any]]) -> tuple[int, ...]:
    nn = _torch().nn
    for name, m in steps:
        if isinstance(m, nn.Linear):
            return (m.in_features,)
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.AvgPool1d, nn.AvgPool2d, nn.BatchNorm2d)):
            raise ValueError(f"'{name}' ({type(m).__name__}) needs input_shape, e.g. (channels, height, width)")
    raise ValueError("cannot infer the input shape: pass input_shape")


def network_from_torch(model: Any, input_shape: Sequence[int] | None = None) -> Network:
    """Convert a feed-forward torch module into a :class:`Network`.

    Parameters
    ----------
    model
        An ``nn.Sequential`` (nested ones are flattened) or a module that
        ``torch.fx`` can trace into a chain of supported layers.
    input_shape
        Shape of one input without the batch dimension, e.g. ``(1, 28, 28)``;
        needed when the model starts with a convolution or pooling.

    Raises
    ------
    ValueError
        Naming the module and its type when a layer is not supported (MaxPool,
        GELU, attention ...), when BatchNorm/Dropout are in training mode, when
        LeakyReLU slopes differ, or when the model has no activation.
    """
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got {type(model).__name__}")
    import copy

    affine, act = _module_kinds()
    # Work on a copy: folding casts modules to float64, which must not touch the caller's model.
    steps = _steps(copy.deepcopy(model))
    for name, m in steps:
        if not isinstance(m, affine + act):
            raise ValueError(
                f"unsupported module '{name}' of type {type(m).__name__}: regionwalk handles Linear, "
                "Conv1d/Conv2d, AvgPool, BatchNorm (eval), Flatten, Identity, Dropout (eval), ReLU and LeakyReLU"
            )
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.Dropout)) and m.training:
            raise ValueError(f"module '{name}' ({type(m).__name__}) is in training mode: call model.eval() first")
    shape = tuple(int(s) for s in input_shape) if input_shape is not None else _infer_input_shape(steps)

    weights: list[np.ndarray] = []
    biases: list[np.ndarray] = []
    slopes: set[float] = set()
    block: list[Any] = []
    cur_shape = shape

    def fold(block: list[Any], in_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
        # f(x) = J x + f(0): evaluate on 0 and on the basis vectors, in float64.
        n = int(np.prod(in_shape))
        probe = torch.cat([torch.zeros(1, n, dtype=torch.float64), torch.eye(n, dtype=torch.float64)])
        h = probe.reshape(n + 1, *in_shape)
        with torch.no_grad():
            for m in block:
                h = m.double()(h) if hasattr(m, "double") else m(h)
        out_shape = tuple(h.shape[1:])
        flat = h.reshape(n + 1, -1).numpy()
        bias = flat[0].copy()
        return (flat[1:] - bias).T.copy(), bias, out_shape

    for name, m in steps:
        if isinstance(m, act):
            slopes.add(float(m.negative_slope) if isinstance(m, torch.nn.LeakyReLU) else 0.0)
            w, b, cur_shape_new = fold(block, cur_shape)
            weights.append(w)
            biases.append(b)
            cur_shape = cur_shape_new
            block = []
        else:
            block.append(m)
    if not weights:
        raise ValueError(
            f"the model ({', '.join(type(m).__name__ for _, m in steps) or 'empty'}) has no ReLU/LeakyReLU: it is "
            "an affine map, which has exactly one linear region on any domain; regionwalk counts the regions of "
            "networks with at least one hidden ReLU or LeakyReLU layer"
        )
    if len(slopes) > 1:
        raise ValueError(f"all activations must share one slope, got {sorted(slopes)}")
    w, b, _ = fold(block, cur_shape)  # the output layer (identity if the model ends in an activation)
    weights.append(w)
    biases.append(b)
    return Network(weights, biases, alpha=slopes.pop())
