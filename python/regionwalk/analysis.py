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
    return x.to(device=dev, dtype=dtype)  # NaN/inf are caught in the first layer's pre-activations


def _check_finite(z: "torch.Tensor") -> None:
    """NaN or inf in a point always reaches its first-layer pre-activations (inf * 0 is NaN)."""
    import torch

    if not bool(torch.isfinite(z).all()):
        raise ValueError("X contains NaN or inf")


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
            z, slopes = _forms.forward(net, lay, x[start:start + rows])
            _check_finite(z)
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


def _early_gram(lay: list, slopes: list) -> tuple["torch.Tensor", "torch.Tensor"]:
    """L2 norms of the forms of every hidden layer but the last, through Gram matrices
    ``G_l = A_l A_l^T`` (cost independent of d), and the last hidden layer's input Gram
    matrix (shared by all points when it is the first layer's)."""
    w1 = lay[0][0]
    n = slopes[0].shape[0]
    g = w1 @ w1.T
    parts = [(w1 * w1).sum(dim=1).expand(n, w1.shape[0])]
    for (w, _), s in zip(lay[1:-2], slopes[:-2]):
        m = w * s[:, None, :]
        mg = m @ g
        parts.append((mg * m).sum(dim=2))
        g = mg @ m.transpose(1, 2)
    return _forms._cat(parts).clamp_min(0.0).sqrt(), g


def _last_layer_candidates(lay: list, slopes: list, g: "torch.Tensor", z_last: "torch.Tensor",
                           best: "torch.Tensor") -> tuple["torch.Tensor", "torch.Tensor", "torch.Tensor"]:
    """Neurons of the last hidden layer that may beat ``best``: ``||a_j|| <= ||W_j o s|| ||A||_2``
    bounds their distance from below; the rest cannot be nearer. Returns point and neuron
    indices and the candidates' squared norms."""
    import torch

    w, s = lay[-2][0], slopes[-2]
    if g.dim() == 2:
        a_norm = torch.linalg.matrix_norm(g, 2).sqrt()
    else:  # ||A||_2 <= ||A||_F
        a_norm = g.diagonal(dim1=1, dim2=2).sum(dim=1).clamp_min(0.0).sqrt()[:, None]
    upper = ((s * s) @ (w * w).T).sqrt() * a_norm * (1.0 + 1e-9)
    low = z_last.abs() / upper
    p_idx, j_idx = torch.nonzero(~(low >= best[:, None]), as_tuple=True)
    vec = w[j_idx] * s[p_idx]
    vg = vec @ g if g.dim() == 2 else torch.bmm(vec[:, None, :], g[p_idx])[:, 0, :]
    return p_idx, j_idx, (vg * vec).sum(dim=1)


def _gram_margin(net: Network, lay: list, z: "torch.Tensor", slopes: list) -> "torch.Tensor":
    """Lee's p = 2 radius through Gram matrices; points with forms near zero are redone by forms."""
    import torch

    early, g = _early_gram(lay, slopes)
    n_last = net.widths[-1] if len(net.widths) > 1 else 0
    n_early = early.shape[1]
    dist = torch.where(early > 0, z[:, :n_early].abs() / torch.where(early > 0, early, 1.0), float("inf"))
    best = dist.min(dim=1).values
    top = early.max(dim=1).values
    shaky = ((early <= 1e-6 * top[:, None]) & (early > 0)).any(dim=1)
    if n_last:
        p_idx, j_idx, sq = _last_layer_candidates(lay, slopes, g, z[:, n_early:], best)
        exact_zero = ~(lay[-2][0][j_idx] * slopes[-2][p_idx]).ne(0).any(dim=1)
        norm = sq.clamp_min(0.0).sqrt()
        shaky[p_idx[(norm <= 1e-6 * top[p_idx]) & ~exact_zero]] = True
        d_c = torch.where(exact_zero | (norm == 0), float("inf"), z[p_idx, n_early + j_idx].abs() / norm)
        best = best.scatter_reduce(0, p_idx, d_c, reduce="amin")
    if bool(shaky.any()):
        idx = torch.nonzero(shaky).flatten()
        norms, flat = _norms_by_forms(net, lay, [s[idx] for s in slopes], 2.0)
        best[idx] = _min_distance(z[idx], norms, flat)
    return best


def _min_distance(z: "torch.Tensor", norms: "torch.Tensor", flat: "torch.Tensor") -> "torch.Tensor":
    import torch

    live = ~flat & (norms > 0)
    dist = torch.where(live, z.abs() / torch.where(live, norms, torch.ones_like(norms)),
                       torch.full_like(norms, float("inf")))
    return dist.min(dim=1).values


def _qnorm(a: "torch.Tensor", q: float) -> "torch.Tensor":
    if q == 1.0:
        return a.abs().sum(dim=-1)
    return a.abs().amax(dim=-1) if q == float("inf") else a.norm(dim=-1)


def _previous_forms(net: Network, lay: list, slopes: list, q: float) -> tuple[Any, "torch.Tensor", "torch.Tensor",
                                                                              "torch.Tensor", "torch.Tensor"]:
    """Forms of every hidden layer but the last: the last of them (shared ``W_1`` when it is the
    first layer), their q-norms and inf-norms, all early norms, and points with forms cancelled
    to rounding (their verdict is left to the exact route)."""
    import torch

    n = slopes[0].shape[0]
    if len(net.widths) == 2:
        w1 = lay[0][0]
        norm = _qnorm(w1, q).expand(n, -1)
        return w1, norm, w1.abs().amax(dim=1).expand(n, -1), norm, torch.zeros(n, dtype=torch.bool, device=w1.device)
    a, _ = _forms.hidden_forms(lay[:-1], slopes[:-1])
    ainf = a.abs().amax(dim=2)
    absw = [w.abs() for w, _ in lay]
    size = _forms._cat(_forms._term_sizes(net, slopes, ainf, absw))[:, :a.shape[1]]
    shaky = ((ainf <= _forms.CANCEL * size) & (ainf > 0)).any(dim=1)
    k = net.widths[-2]
    norm = _qnorm(a, q)
    return a[:, -k:, :], norm[:, -k:], ainf[:, -k:], norm, shaky


def _pruned_margin(net: Network, lay: list, z: "torch.Tensor", slopes: list, q: float) -> "torch.Tensor":
    """Lee's radius with the last hidden layer's forms built only for neurons whose distance bound
    ``|z_j| / sum_k |W_jk| s_k ||a_k||_q`` (triangle inequality) can beat the nearest so far."""
    import torch

    prev, prev_norm, prev_inf, early_norm, shaky = _previous_forms(net, lay, slopes, q)
    n_early = early_norm.shape[1]
    live = early_norm > 0
    best = torch.where(live, z[:, :n_early].abs() / torch.where(live, early_norm, 1.0), float("inf")).min(dim=1).values
    w, s = lay[-2][0], slopes[-2]
    upper = (s * prev_norm) @ w.abs().T * (1.0 + 1e-9)
    p_idx, j_idx = torch.nonzero(~(z[:, n_early:].abs() / upper >= best[:, None]), as_tuple=True)
    vec = w[j_idx] * s[p_idx]
    a_c = vec @ prev if prev.dim() == 2 else torch.bmm(vec[:, None, :], prev[p_idx])[:, 0, :]
    ainf = a_c.abs().amax(dim=1) if a_c.shape[1] else torch.zeros_like(vec[:, 0])
    size = (vec.abs() * prev_inf[p_idx]).sum(dim=1)
    shaky[p_idx[(ainf <= _forms.CANCEL * size) & (ainf > 0)]] = True
    d_c = torch.where(ainf > 0, z[p_idx, n_early + j_idx].abs() / torch.where(ainf > 0, _qnorm(a_c, q), 1.0),
                      float("inf"))
    best = best.scatter_reduce(0, p_idx, d_c, reduce="amin")
    if bool(shaky.any()):
        idx = torch.nonzero(shaky).flatten()
        norms, flat = _norms_by_forms(net, lay, [t[idx] for t in slopes], q)
        best[idx] = _min_distance(z[idx], norms, flat)
    return best


def _batch_margin(net: Network, lay: list, x: "torch.Tensor", q: float) -> "torch.Tensor":
    z, slopes = _forms.forward(net, lay, x)
    _check_finite(z)
    if q == 2.0 and net.input_dim > max(net.widths):
        return _gram_margin(net, lay, z, slopes)
    if len(net.widths) >= 2:
        return _pruned_margin(net, lay, z, slopes, q)
    norms, flat = _norms_by_forms(net, lay, slopes, q)
    return _min_distance(z, norms, flat)


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
    if q == 2.0 and net.input_dim > max(net.widths):  # Gram route: per-point Gram matrices past layer 2
        per_row = net.input_dim + 4 * net.hidden_neurons + 3 * sum(w * w for w in net.widths[1:-1])
    else:  # forms of every layer but the last (the first layer's are shared)
        early = net.hidden_neurons - net.widths[-1] - (net.widths[0] if len(net.widths) == 2 else 0)
        per_row = 3 * (early + 4) * net.input_dim + 4 * net.hidden_neurons
    rows = _forms.batch_rows(net, per_row, batch_size)
    with torch.no_grad():
        parts = [_batch_margin(net, lay, x[s:s + rows], q) for s in range(0, x.shape[0], rows)]
    out = torch.cat(parts) if parts else x.new_zeros((0,))
    return _out(out, isinstance(X, torch.Tensor))
