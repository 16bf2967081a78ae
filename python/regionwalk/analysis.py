"""Per-point analysis: the local affine map at a point and Lee's margin.

At a point ``x`` the network is the affine map ``F(x') = A x' + c`` of the
region that holds ``x`` (its activation pattern read off a float64 forward
pass, bit set when the pre-activation is ``> 0``; LeakyReLU neurons that are
off have slope ``alpha``). Lee, Alvarez-Melis and Jaakkola (ICLR 2019): the
largest L_p ball around ``x`` inside its region has radius

    eps_p(x) = min_j |z_j(x)| / ||a_j||_q,      1/p + 1/q = 1,

over the hidden neurons ``j`` with local form ``z_j = a_j . x + c_j``
(Johansson's ``d*``, his eq. 2.1, is ``p = 2``). The region is the
intersection of the half-spaces ``sigma_j z_j >= 0``, and an L_p ball lies in a
half-space exactly when its radius is at most the L_p distance
``|z_j(x)| / ||a_j||_q`` to the boundary, so the formula is exact for every p.
Neurons whose form is zero on the region (pruned rows, the all-off cone of a
bias-free net, integer cancellations) bound
nothing and are left out (the core's rule, :data:`regionwalk._forms.SUSPECT`);
a point no neuron bounds gets ``inf``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from regionwalk import _forms
from regionwalk.network import Network

if TYPE_CHECKING:
    import torch

__all__ = ["local_affine", "margin"]


def _points(net: Network, X: Any, dev: "torch.device", dtype: "torch.dtype") -> "torch.Tensor":
    import torch

    if not isinstance(net, Network):
        raise TypeError(f"net must be a regionwalk.Network, got {type(net).__name__}")
    x = torch.as_tensor(X if isinstance(X, torch.Tensor) else np.asarray(X, dtype=np.float64))
    if x.ndim == 1 and x.shape[0] == net.input_dim:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != net.input_dim:
        raise ValueError(f"X must have shape (n, {net.input_dim}), got {tuple(x.shape)}")
    x = x.to(device=dev, dtype=dtype)
    if not bool(torch.isfinite(x).all()):
        raise ValueError("X contains NaN or inf")
    return x


def _dtype(dtype: Any) -> "torch.dtype":
    import torch

    if dtype is None:
        return torch.float64
    if dtype not in (torch.float64, torch.float32):
        raise ValueError(f"dtype must be torch.float64 or torch.float32, got {dtype!r}")
    return dtype


def _out(t: "torch.Tensor", as_torch: bool) -> Any:
    return t if as_torch else t.detach().cpu().numpy()


def local_affine(net: Network, X: Any, *, device: Any = "cpu", dtype: Any = None,
                 batch_size: int | None = None) -> tuple[Any, Any]:
    """The network's affine map ``F(x') = A x' + c`` on the region of each point.

    Parameters
    ----------
    net
        The network.
    X
        Points, shape ``(n, d)`` (numpy, list or torch tensor).
    device
        Torch device for the computation, e.g. ``"cpu"`` or ``"cuda"``.
    dtype
        ``torch.float64`` (default) or ``torch.float32``.
    batch_size
        Points per batch (default: about 64 MiB of work space per batch).

    Returns
    -------
    A, c
        ``A`` of shape ``(n, n_out, d)`` (the Jacobian ``W_R``) and ``c`` of shape
        ``(n, n_out)`` (``b_R``). Torch tensors on ``device`` when ``X`` is a
        tensor, numpy arrays otherwise.
    """
    import torch

    dev, dt = _forms.torch_device(device), _dtype(dtype)
    x = _points(net, X, dev, dt)
    lay = _forms.layers(net, dev, dt)
    n_out, d = lay[-1][0].shape[0], net.input_dim
    rows = _forms.batch_rows(net, n_out * d + sum(net.widths) * min(d, n_out), batch_size)
    a_parts, c_parts = [], []
    with torch.no_grad():
        for start in range(0, x.shape[0], rows):
            _, slopes = _forms.forward(net, lay, x[start:start + rows])
            a, c = _forms.output_map(lay, slopes)
            a_parts.append(a.contiguous())
            c_parts.append(c)
    a_all = torch.cat(a_parts) if a_parts else x.new_zeros((0, n_out, d))
    c_all = torch.cat(c_parts) if c_parts else x.new_zeros((0, n_out))
    as_torch = isinstance(X, torch.Tensor)
    return _out(a_all, as_torch), _out(c_all, as_torch)


def _dual(p: Any) -> float:
    try:
        pf = float(p)
    except (TypeError, ValueError):
        raise ValueError(f"p must be 1, 2 or inf, got {p!r}") from None
    if pf == 1.0:
        return float("inf")
    if pf == 2.0:
        return 2.0
    if pf == float("inf"):
        return 1.0
    raise ValueError(f"p must be 1, 2 or inf, got {p!r}")


def _norms_by_forms(net: Network, lay: list, slopes: list, q: float) -> tuple["torch.Tensor", "torch.Tensor"]:
    """Dual norms of the forms and the mask of forms that vanish."""
    a, _ = _forms.hidden_forms(lay, slopes)
    norms = a.norm(p=q, dim=2) if q != 1.0 else a.abs().sum(dim=2)
    return norms, _forms.flat_rows(net, slopes, a)


def _norms_by_gram(lay: list, slopes: list) -> "torch.Tensor":
    """L2 norms of the forms through Gram matrices ``G_l = A_l A_l^T`` (cost independent of d)."""
    w1 = lay[0][0]
    n = slopes[0].shape[0]
    g = w1 @ w1.T
    parts = [(w1 * w1).sum(dim=1).expand(n, w1.shape[0])]
    g = g.expand(n, *g.shape)
    hidden = lay[1:-1]
    for i, ((w, _), s) in enumerate(zip(hidden, slopes[:-1])):
        m = w * s[:, None, :]
        mg = m @ g
        parts.append((mg * m).sum(dim=2))
        if i + 1 < len(hidden):
            g = mg @ m.transpose(1, 2)
    return _forms._cat(parts).clamp_min(0.0).sqrt()


def _batch_margin(net: Network, lay: list, x: "torch.Tensor", q: float) -> "torch.Tensor":
    import torch

    z, slopes = _forms.forward(net, lay, x)
    if q == 2.0 and net.input_dim > max(net.widths):
        norms = _norms_by_gram(lay, slopes)
        # Forms far below the largest may vanish (or be rounding-blurred by the
        # Gram route): such points are redone with their forms, by the core's rule.
        flat = torch.zeros_like(norms, dtype=torch.bool)
        shaky = (norms <= 1e-6 * norms.max(dim=1, keepdim=True).values).any(dim=1)
        if bool(shaky.any()):
            idx = torch.nonzero(shaky).flatten()
            norms[idx], flat[idx] = _norms_by_forms(net, lay, [s[idx] for s in slopes], 2.0)
    else:
        norms, flat = _norms_by_forms(net, lay, slopes, q)
    live = ~flat & (norms > 0)
    dist = torch.where(live, z.abs() / torch.where(live, norms, torch.ones_like(norms)),
                       torch.full_like(norms, float("inf")))
    return dist.min(dim=1).values


def margin(net: Network, X: Any, p: Any = 2, *, device: Any = "cpu", dtype: Any = None,
           batch_size: int | None = None) -> Any:
    """Radius of the largest L_p ball around each point inside its region (Lee et al. 2019).

    ``min_j |z_j(x)| / ||a_j||_q`` over the hidden neurons whose local form is
    not zero on the point's region, ``1/p + 1/q = 1``. For ``p = 2`` it is the
    exact Euclidean distance from ``x`` to the edge of its region (Johansson's
    ``d*``); the domain plays no part. A point on a hyperplane gets 0; a point
    whose region no neuron bounds gets ``inf``.

    Parameters
    ----------
    net
        The network.
    X
        Points, shape ``(n, d)``.
    p
        1, 2 or ``inf`` (``float("inf")``, ``np.inf`` or ``"inf"``).
    device, dtype, batch_size
        As in :func:`local_affine`. For ``p = 2`` and more inputs than the widest
        hidden layer the norms come from Gram matrices, at a cost that does not
        grow with ``d``.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        Shape ``(n,)``; a tensor on ``device`` when ``X`` is a tensor.
    """
    import torch

    q = _dual(p)
    dev, dt = _forms.torch_device(device), _dtype(dtype)
    x = _points(net, X, dev, dt)
    lay = _forms.layers(net, dev, dt)
    widest = max(net.widths)
    per_row = widest * widest * 2 if (q == 2.0 and net.input_dim > widest) else net.hidden_neurons * net.input_dim
    rows = _forms.batch_rows(net, per_row, batch_size)
    with torch.no_grad():
        parts = [_batch_margin(net, lay, x[s:s + rows], q) for s in range(0, x.shape[0], rows)]
    out = torch.cat(parts) if parts else x.new_zeros((0,))
    return _out(out, isinstance(X, torch.Tensor))
