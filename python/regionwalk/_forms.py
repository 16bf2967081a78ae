"""Batched local affine forms of a network, in torch (private helpers).

Under an activation pattern every hidden neuron ``j`` is the affine function
``z_j(x) = a_j . x + c_j`` and the network is ``F(x) = W_R x + b_R``
(DESIGN.md section 1). These helpers compute them for a batch of patterns or
points at once; :mod:`regionwalk.analysis` and :mod:`regionwalk.geometry`
build on them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from regionwalk.network import CANCEL, Network, forward_cancel

if TYPE_CHECKING:
    import torch

SUSPECT = 1e-9
"""Zero forms, by the core's rule (``Network::find_vanishing``): a neuron's form
``a_j`` vanishes on a region when ``||a_j||_2 <= SUSPECT * max_k ||a_k||_2`` and
``max_q |a_jq| <= CANCEL * sum_k |W_jk| slope_k max_q |a_kq|`` (the sizes of the
terms summed into it; 0 in the first layer, whose forms are exact). Such a
neuron is constant on the region and bounds nothing."""

_BATCH_BYTES = 64 * 2**20


def torch_device(device: Any) -> "torch.device":
    """``device`` as a ``torch.device``; ``ValueError`` when it cannot be used."""
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be a torch device such as 'cpu' or 'cuda', got {device!r}") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} asked for CUDA but torch sees no CUDA device")
    return dev


def layers(net: Network, device: "torch.device", dtype: "torch.dtype") -> list[tuple["torch.Tensor", "torch.Tensor"]]:
    """The weights and biases of ``net`` as tensors on ``device``."""
    import torch

    return [(torch.as_tensor(w, dtype=dtype, device=device), torch.as_tensor(b, dtype=dtype, device=device))
            for w, b in zip(net.weights, net.biases)]


def batch_rows(net: Network, per_row_floats: int, batch_size: int | None) -> int:
    """Rows per batch: ``batch_size`` if given, else what keeps a batch near 64 MiB."""
    if batch_size is not None:
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        return int(batch_size)
    return max(1, _BATCH_BYTES // (8 * max(1, per_row_floats)))


def slopes_from_patterns(net: Network, patterns: "torch.Tensor") -> list["torch.Tensor"]:
    """Per hidden layer, the activation slope of each neuron: 1 if its bit is set, else ``alpha``."""
    out, start = [], 0
    for n in net.widths:
        bits = patterns[:, start:start + n]
        one = bits.to(dtype=_float_of(patterns))
        out.append(one + net.alpha * (1.0 - one))
        start += n
    return out


def _float_of(t: "torch.Tensor") -> "torch.dtype":
    import torch

    return t.dtype if t.dtype.is_floating_point else torch.float64


def zero_cancelled(z: "torch.Tensor", h: "torch.Tensor", w: "torch.Tensor", b: "torch.Tensor",
                   abs_row_sums: "torch.Tensor | None" = None) -> "torch.Tensor":
    """Pre-activations that cancelled to rounding set to exactly 0, as :meth:`Network.preactivations`
    does (``abs_row_sums``: ``w.abs().sum(1)``, when the caller keeps it)."""
    import torch
    import torch.linalg

    cancel = forward_cancel(w.shape[1])
    sums = w.abs().sum(dim=1) if abs_row_sums is None else abs_row_sums
    bound = b.abs() + sums * torch.linalg.vector_norm(h, ord=float("inf"), dim=1, keepdim=True)
    suspect = (z != 0) & (z.abs() <= cancel * bound)
    if not bool(suspect.any()):
        return z
    size = h.abs() @ w.abs().T + b.abs()
    return torch.where(suspect & (z.abs() <= cancel * size), torch.zeros_like(z), z)


def forward(net: Network, lay: list, x: "torch.Tensor") -> tuple["torch.Tensor", list["torch.Tensor"]]:
    """Pre-activations ``(n, N)`` of every hidden neuron at ``x`` and the slopes of each layer."""
    z_all, slopes = [], []
    h = x
    for w, b in lay[:-1]:
        z = zero_cancelled(h @ w.T + b, h, w, b)
        s = (z > 0).to(z.dtype)
        s = s + net.alpha * (1.0 - s)
        z_all.append(z)
        slopes.append(s)
        h = z * s
    return (z_all[0].new_zeros((x.shape[0], 0)) if not z_all else _cat(z_all)), slopes


def _cat(ts: list["torch.Tensor"]) -> "torch.Tensor":
    import torch

    return torch.cat(ts, dim=1)


def _left(w: "torch.Tensor", a: "torch.Tensor") -> "torch.Tensor":
    """``w @ a[i]`` for every ``i`` as one matrix product (not a batch of small ones)."""
    import torch

    return torch.einsum("jk,nkd->njd", w, a)


def hidden_forms(lay: list, slopes: list["torch.Tensor"]) -> tuple["torch.Tensor", "torch.Tensor"]:
    """Forms of every hidden neuron under the slopes: ``a`` of shape ``(n, N, d)``, ``c`` of shape ``(n, N)``."""
    w1, b1 = lay[0]
    n = slopes[0].shape[0]
    rows_a, rows_c = [w1.expand(n, *w1.shape)], [b1.expand(n, b1.shape[0])]
    a, c = None, rows_c[0]
    for (w, b), s in zip(lay[1:-1], slopes[:-1]):
        if a is None:  # the first layer's forms are shared: one product (n * n_2, n_1) @ W_1
            a = ((w * s[:, None, :]).reshape(-1, w.shape[1]) @ w1).reshape(n, w.shape[0], w1.shape[1])
        else:
            a = _left(w, s[:, :, None] * a)
        c = (s * c) @ w.T + b
        rows_a.append(a)
        rows_c.append(c)
    return _cat(rows_a), _cat(rows_c)


def output_map(lay: list, slopes: list["torch.Tensor"]) -> tuple["torch.Tensor", "torch.Tensor"]:
    """The network's affine map under the slopes: ``W_R`` ``(n, n_out, d)`` and ``b_R`` ``(n, n_out)``.

    The product ``W_K D_{K-1} W_{K-1} ... D_1 W_1`` is taken from the output
    side when the output is narrower than the input, from the input side otherwise.
    """
    n = slopes[0].shape[0]
    c = lay[0][1].expand(n, lay[0][1].shape[0])
    for (w, b), s in zip(lay[1:], slopes):
        c = (s * c) @ w.T + b
    n_out, d = lay[-1][0].shape[0], lay[0][0].shape[1]
    if n_out <= d:
        m = lay[-1][0] * slopes[-1][:, None, :]
        for (w, _), s in zip(reversed(lay[1:-1]), reversed(slopes[:-1])):
            m = (m @ w) * s[:, None, :]
        return m @ lay[0][0], c
    m = _left(lay[1][0], slopes[0][:, :, None] * lay[0][0])  # a network has >= 2 layers
    for (w, _), s in zip(lay[2:], slopes[1:]):
        m = _left(w, s[:, :, None] * m)
    return m, c


def _term_sizes(net: Network, slopes: list[Any], ainf: Any, absw: list[Any]) -> Any:
    """Per neuron, ``sum_k |W_jk| slope_k max_q |a_kq|`` (zero in the first layer)."""
    parts, start = [ainf[..., :net.widths[0]] * 0.0], 0
    for l in range(1, len(net.widths)):
        n_prev = net.widths[l - 1]
        parts.append((slopes[l - 1] * ainf[..., start:start + n_prev]) @ absw[l].T)
        start += n_prev
    return parts


def flat_rows(net: Network, slopes: list["torch.Tensor"], a: "torch.Tensor") -> "torch.Tensor":
    """``(n, N)`` mask of the forms that vanish on each region (see :data:`SUSPECT`); ``a`` is ``(n, N, d)``."""
    import torch

    norms = a.norm(dim=2)
    ainf = a.abs().amax(dim=2) if a.shape[2] else torch.zeros_like(norms)
    absw = [torch.as_tensor(np.abs(w), dtype=a.dtype, device=a.device) for w in net.weights]
    size = torch.cat(_term_sizes(net, slopes, ainf, absw), dim=-1)
    suspect = norms <= SUSPECT * norms.max(dim=1, keepdim=True).values
    return suspect & (ainf <= CANCEL * size)


def nonzero_rows(net: Network, pattern: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Mask of the rows of one region's forms ``a`` (N, d) that do not vanish (see :data:`SUSPECT`)."""
    s = np.where(pattern, 1.0, net.alpha)
    slopes, start = [], 0
    for n in net.widths:
        slopes.append(s[start:start + n])
        start += n
    norms = np.linalg.norm(a, axis=1)
    ainf = np.abs(a).max(axis=1, initial=0.0)
    size = np.concatenate(_term_sizes(net, slopes, ainf, [np.abs(w) for w in net.weights]))
    flat = (norms <= SUSPECT * norms.max(initial=0.0)) & (ainf <= CANCEL * size)
    return ~flat
