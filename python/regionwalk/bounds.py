"""Analytic upper bounds on the number of linear regions.

Every function returns a Python ``int`` (exact, no overflow for wide nets) and
is an upper bound on the exact count of :func:`regionwalk.count_regions` for
the same network and domain. Global bounds ignore the domain (Montufar et al.
2014; Montufar 2017; Serra, Tjandraatmadja, Ramalingam 2018); local bounds use
it to discard neurons that cannot change sign there (after Zhu, Lin, Tang 2020,
arXiv 2007.06803, and interval bound propagation, Gowal et al. 2018). Each
bound's description and reference are in :data:`BOUND_INFO`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import combinations
from math import comb, prod
from typing import Any

import numpy as np

from regionwalk.domains import Ball, Box, Domain
from regionwalk.network import Network

__all__ = [
    "zaslavsky",
    "montufar2014",
    "montufar2017",
    "serra2018",
    "serra2018_one_input",
    "local_zaslavsky",
    "local_arrangement",
    "propagated_ball",
    "propagated_box",
    "unstable_product",
    "stable_neurons",
    "validate_bounds",
    "bound_rows",
    "plot_bounds",
    "BOUNDS",
    "BOUND_INFO",
]


def _partial_binomial_sum(n: int, k: int) -> int:
    """sum_{j=0}^{k} C(n, j)."""
    return sum(comb(n, j) for j in range(max(-1, min(k, n)) + 1))


def zaslavsky(m: int, d: int) -> int:
    """Regions of ``m`` hyperplanes in general position in ``R^d``: ``sum_{j<=d} C(m, j)``.

    Zaslavsky (1975); the maximum over all arrangements of ``m`` hyperplanes.
    """
    return _partial_binomial_sum(int(m), int(d))


def _dims(net: Network | Sequence[int]) -> tuple[int, tuple[int, ...]]:
    if isinstance(net, Network):
        return net.input_dim, net.widths
    widths = tuple(int(w) for w in net)
    return widths[0], widths[1:]


def montufar2014(net: Network | Sequence[int], domain: Domain = None) -> int:
    """``2^N``: at most one region per activation pattern (Montufar et al. 2014)."""
    _, widths = _dims(net)
    return 2 ** sum(widths)


def montufar2017(net: Network | Sequence[int], domain: Domain = None) -> int:
    """``prod_l sum_{j=0}^{d_l} C(n_l, j)``, ``d_l = min(n_0, n_1, ..., n_l)``.

    Montufar (2017), the product form; e.g. ``(4,3,3) -> 64``, ``(3,2,4,4) -> 484``.
    """
    n0, widths = _dims(net)
    out, d = 1, n0
    for n in widths:
        d = min(d, n)
        out *= _partial_binomial_sum(n, d)
    return out


def _serra_sum(n0: int, widths: Sequence[int], caps: Sequence[int] | None = None) -> int:
    """sum over (j_1..j_L), 0 <= j_l <= min(n_0, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l), of prod C(n_l, j_l).

    ``caps`` (default ``widths``) bounds each layer's rank term ``n_l - j_l``.
    """
    widths = tuple(widths)
    caps = tuple(caps) if caps is not None else widths

    @lru_cache(maxsize=None)
    def go(layer: int, limit: int) -> int:
        if layer == len(widths):
            return 1
        n = widths[layer]
        total = 0
        for j in range(min(limit, n) + 1):
            total += comb(n, j) * go(layer + 1, min(limit, caps[layer] - j))
        return total

    return go(0, n0)


def serra2018(net: Network | Sequence[int], domain: Domain = None) -> int:
    """Serra, Tjandraatmadja, Ramalingam (2018), Theorem 1, for the whole space.

    ``sum_{(j_1..j_L) in J} prod_l C(n_l, j_l)`` with
    ``J = {0 <= j_l <= min(n_0, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l)}``; tight for
    one hidden layer. E.g. ``(4,3,3) -> 42``, ``(784,11,11) -> 2449868``.
    """
    n0, widths = _dims(net)
    return _serra_sum(n0, widths)


def serra2018_one_input(net: Network | Sequence[int], domain: Domain = None) -> int | None:
    """Serra et al. (2018), Theorem 5: with ``n_0 = 1`` and every ``n_l >= 3`` the
    maximum is ``prod_l (n_l + 1)``. ``None`` where it does not apply."""
    n0, widths = _dims(net)
    if n0 != 1 or min(widths) < 3:
        return None
    return prod(n + 1 for n in widths)


# -- stability over a domain ------------------------------------------------

def _propagated_ball_signs(net: Network, ball: Ball) -> np.ndarray:
    """Signs proven by propagated balls: ``h_l(B(c, r)) ⊂ B(h_l(c), r prod_{k<=l} ||W_k||_2)``
    because the activation is 1-Lipschitz."""
    signs = []
    h = ball.center.astype(float)
    radius = ball.radius
    for w, b in zip(net.weights[:-1], net.biases[:-1]):
        z = w @ h + b
        reach = radius * np.linalg.norm(w, axis=1)
        signs.append(np.where(z - reach > 0, 1, np.where(z + reach <= 0, -1, 0)))
        radius *= float(np.linalg.norm(w, 2))
        h = np.where(z > 0, z, net.alpha * z)
    return np.concatenate(signs).astype(np.int8)


def stable_neurons(net: Network, domain: Domain, method: str = "best") -> np.ndarray:
    """Per hidden neuron: +1 active, -1 inactive on the whole domain, 0 unproven.

    ``method``: ``"interval"`` (interval arithmetic, exact in the first layer),
    ``"ball"`` (propagated spectral-norm balls, balls only) or ``"best"`` (either).
    """
    if domain is None:
        return np.zeros(net.hidden_neurons, dtype=np.int8)
    interval = np.asarray(net._core.stable_signs(domain._to_core()), dtype=np.int8)
    if method == "interval":
        return interval
    if not isinstance(domain, Ball):
        if method == "ball":
            raise ValueError("propagated-ball stability needs a Ball domain")
        return interval
    ball = _propagated_ball_signs(net, domain)
    if method == "ball":
        return ball
    return np.where(interval != 0, interval, ball).astype(np.int8)


def _layer_split(net: Network, values: np.ndarray) -> list[np.ndarray]:
    return np.split(values, np.cumsum(net.widths)[:-1])


def _unstable_product_from_signs(net: Network, signs: np.ndarray) -> int:
    """prod_l sum_{j=0}^{min(n_0, min_{k<l} a_k, u_l)} C(u_l, j): u_l unproven neurons of
    layer l, a_k neurons of layer k that can be active (all of them for LeakyReLU)."""
    out, rank = 1, net.input_dim
    for layer in _layer_split(net, signs):
        u = int(np.sum(layer == 0))
        out *= _partial_binomial_sum(u, min(rank, u))
        active = len(layer) if net.alpha > 0 else int(np.sum(layer >= 0))
        rank = min(rank, active)
    return out


def propagated_ball(net: Network, domain: Domain) -> int | None:
    """Local bound in a ball (after Zhu, Lin, Tang 2020): the unstable-neuron product
    with stability proven by spectral-norm propagated balls. ``None`` unless a Ball."""
    if not isinstance(domain, Ball):
        return None
    return _unstable_product_from_signs(net, stable_neurons(net, domain, "ball"))


def propagated_box(net: Network, domain: Domain) -> int | None:
    """Local bound in a box: the unstable-neuron product with stability proven by
    interval arithmetic propagated layer by layer over the box (exact in the first
    layer; Gowal et al. 2018 for the propagation). ``None`` unless a Box."""
    if not isinstance(domain, Box):
        return None
    return _unstable_product_from_signs(net, stable_neurons(net, domain, "interval"))


def unstable_product(net: Network, domain: Domain) -> int:
    """``prod_l sum_{j=0}^{min(n_0, min_{k<l} a_k, u_l)} C(u_l, j)`` with ``u_l`` the neurons
    of layer ``l`` that neither interval arithmetic nor propagated balls prove stable
    on the domain (for the whole space every neuron counts; then this is Montufar 2017
    with ranks bounded by the active counts)."""
    return _unstable_product_from_signs(net, stable_neurons(net, domain, "best"))


def local_zaslavsky(net: Network, domain: Domain) -> int | None:
    """One hidden layer: ``sum_{j<=d} C(m_K, j)``, ``m_K`` the hyperplanes meeting the
    domain (``|w.c + b| < r ||w||`` for a ball, an interval test for a box)."""
    if len(net.widths) != 1:
        return None
    m = int(np.sum(stable_neurons(net, domain, "interval") == 0)) if domain is not None else _nonzero_rows(net)
    return zaslavsky(m, net.input_dim)


def _nonzero_rows(net: Network) -> int:
    return int(np.sum(np.linalg.norm(net.weights[0], axis=1) > 0))


def _flat_meets(ws: np.ndarray, bs: np.ndarray, domain: Domain) -> bool:
    """Does the flat {W_S x + b_S = 0} meet the open domain?"""
    if domain is None:
        return np.linalg.matrix_rank(np.column_stack([ws, bs])) == np.linalg.matrix_rank(ws)
    if np.linalg.matrix_rank(ws) < len(ws):
        return False  # not in general position: such flats add nothing here
    if isinstance(domain, Ball):
        r = ws @ domain.center + bs
        dist = np.linalg.norm(ws.T @ np.linalg.solve(ws @ ws.T, r))
        return bool(dist < domain.radius)
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    d = ws.shape[1]
    lo, hi = domain.lo, domain.hi
    # max t s.t. W_S x = -b_S, lo + t <= x <= hi - t
    h.addVars(d + 1, np.concatenate([lo, [-highspy.kHighsInf]]), np.concatenate([hi, [highspy.kHighsInf]]))
    h.changeColCost(d, -1.0)
    for row, b in zip(ws, bs):
        h.addRow(-b, -b, d, np.arange(d, dtype=np.int32), row)
    for i in range(d):
        h.addRow(-highspy.kHighsInf, hi[i], 2, np.array([i, d], dtype=np.int32), np.array([1.0, 1.0]))
        h.addRow(lo[i], highspy.kHighsInf, 2, np.array([i, d], dtype=np.int32), np.array([1.0, -1.0]))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return False
    return bool(h.getSolution().col_value[d] > 1e-12)


def local_arrangement(net: Network, domain: Domain, max_subsets: int = 200_000) -> int | None:
    """One hidden layer: ``sum_{j=0}^{d} N_j``, ``N_j`` the ``j``-subsets of neurons whose
    flat meets the open domain. Exact in general position (deletion-restriction holds
    in any open convex set) and an upper bound otherwise. ``None`` for deeper nets or
    when more than ``max_subsets`` subsets would have to be tested."""
    if len(net.widths) != 1:
        return None
    signs = stable_neurons(net, domain, "interval") if domain is not None else np.zeros(net.widths[0])
    live = [k for k in np.flatnonzero(signs == 0) if np.linalg.norm(net.weights[0][k]) > 0]
    d = net.input_dim
    if sum(comb(len(live), j) for j in range(1, d + 1)) > max_subsets:
        return None
    w, b = net.weights[0], net.biases[0]
    total = 1 + len(live)
    for size in range(2, d + 1):
        for subset in combinations(live, size):
            idx = list(subset)
            total += _flat_meets(w[idx], b[idx], domain)
    return total


BOUNDS: dict[str, Callable[[Network, Domain], int | None]] = {
    "local_arrangement": local_arrangement,
    "local_zaslavsky": local_zaslavsky,
    "unstable_product": unstable_product,
    "propagated_ball": propagated_ball,
    "propagated_box": propagated_box,
    "serra2018": lambda net, dom: serra2018(net),
    "serra2018_one_input": lambda net, dom: serra2018_one_input(net),
    "montufar2017": lambda net, dom: montufar2017(net),
    "montufar2014": lambda net, dom: montufar2014(net),
}
"""Every bound by name: ``f(net, domain) -> int`` or ``None`` where it does not apply."""


_SERRA = "Serra, Tjandraatmadja, Ramalingam 2018, ICML"
_MONTUFAR = "Montufar 2017, SampTA"
_ZASLAVSKY = "Zaslavsky 1975, Mem. AMS 154"

BOUND_INFO: dict[str, tuple[str, str]] = {
    "exact": ("regions found by the exact walk of the region adjacency graph", "regionwalk"),
    "local_arrangement": (
        "one hidden layer: 1 + number of j-subsets (j = 1..d) of hyperplanes whose flat meets the domain; "
        "exact in general position", f"{_ZASLAVSKY}, deletion-restriction in an open convex set"),
    "local_zaslavsky": (
        "one hidden layer: sum_{j<=d} C(m, j) over the m hyperplanes that meet the domain", _ZASLAVSKY),
    "unstable_product": (
        "prod_l sum_{j<=min(d, active ranks, u_l)} C(u_l, j), u_l = neurons of layer l not proven stable "
        "on the domain (intervals or propagated balls)", f"{_MONTUFAR}; {_SERRA}"),
    "propagated_ball": (
        "the unstable-neuron product, stability proven by the ball propagated with spectral norms "
        "(the activation is 1-Lipschitz)", "after Zhu, Lin, Tang 2020, arXiv 2007.06803"),
    "propagated_box": (
        "the unstable-neuron product, stability proven by intervals propagated over the box",
        f"interval bound propagation, Gowal et al. 2018, arXiv 1810.12715; {_MONTUFAR}"),
    "serra2018": (
        "whole space: sum over j_l <= min(d, n_1 - j_1, ..., n_l) of prod_l C(n_l, j_l); tight for one layer",
        f"{_SERRA}, Theorem 1"),
    "serra2018_one_input": (
        "one input and every width >= 3: prod_l (n_l + 1), the maximum", f"{_SERRA}, Theorem 5"),
    "montufar2017": (
        "whole space: prod_l sum_{j<=d_l} C(n_l, j), d_l = min(n_0, ..., n_l)", _MONTUFAR),
    "montufar2014": (
        "2^N: at most one region per activation pattern of the N hidden neurons",
        "Montufar, Pascanu, Cho, Bengio 2014, NeurIPS"),
}
"""Per bound name (and ``"exact"``): ``(one-line description, reference)``.

References: Zaslavsky, Facing up to arrangements, Mem. AMS 154 (1975); Montufar,
Pascanu, Cho, Bengio, On the number of linear regions of deep neural networks,
NeurIPS 2014; Montufar, Notes on the number of linear regions of deep neural
networks, SampTA 2017; Serra, Tjandraatmadja, Ramalingam, Bounding and counting
linear regions of deep neural networks, ICML 2018; Gowal et al., On the
effectiveness of interval bound propagation for training verifiably robust
models, arXiv 1810.12715 (2018); Zhu, Lin, Tang, Bounding the number of linear
regions in local area for neural networks with ReLU activations, arXiv
2007.06803 (2020).
"""


def bound_rows(net: Network, domain: Domain = None, regions: Any = None) -> list[dict[str, Any]]:
    """Each applicable bound as a row, beside the count in ``regions`` if given.

    Parameters
    ----------
    regions
        A :class:`~regionwalk.Regions` result for ``net`` and ``domain`` (possibly
        stopped early), or None for bounds only.

    Returns
    -------
    list of dict
        ``{"bound", "value", "exact", "ratio", "seconds", "description", "reference"}``;
        with ``regions`` the first row is the count itself (``bound == "exact"``, with
        ``complete``, ``certified`` and ``stop_reason``; ``value`` is a lower bound
        when not complete). Without it ``exact`` and ``ratio`` are None.

    Raises
    ------
    RuntimeError
        If a bound falls below a complete exact count (which would be a bug).
    """
    exact = regions.count if regions is not None else None
    rows: list[dict[str, Any]] = []
    if regions is not None:
        desc, ref = BOUND_INFO["exact"]
        rows.append({"bound": "exact", "value": exact, "exact": exact, "ratio": 1.0, "seconds": regions.seconds,
                     "complete": regions.complete, "certified": regions.certified,
                     "stop_reason": regions.stop_reason, "description": desc, "reference": ref})
    for name, fn in BOUNDS.items():
        t = time.perf_counter()
        value = fn(net, domain)
        seconds = time.perf_counter() - t
        if value is None:
            continue
        if exact is not None and regions.complete and value < exact:
            raise RuntimeError(f"bound {name} = {value} is below the exact count {exact}: please report this")
        desc, ref = BOUND_INFO[name]
        rows.append({"bound": name, "value": int(value), "exact": exact,
                     "ratio": value / exact if exact else None, "seconds": seconds,
                     "description": desc, "reference": ref})
    return rows


def validate_bounds(net: Network, domain: Domain = None, **walk_kwargs: Any) -> list[dict[str, Any]]:
    """Each applicable bound beside the exact count (see :func:`bound_rows` for the rows).

    ``walk_kwargs`` go to :func:`~regionwalk.enumerate_regions` (``max_regions``,
    ``time_limit``, ``threads``, ``progress`` ...). The first row is the exact
    count (``bound == "exact"``); its ``complete`` is False when a limit stopped
    the walk, and then its value is a lower bound. Raises ``RuntimeError`` if a
    bound falls below a complete exact count (which would be a bug).
    """
    from regionwalk.walk import enumerate_regions

    res = enumerate_regions(net, domain, store_points=False, **walk_kwargs)
    return bound_rows(net, domain, res)


def _log10(value: int) -> float:
    from math import log10

    return log10(value) if value > 0 else 0.0


def plot_bounds(rows: Sequence[dict[str, Any]], path: str, title: str = "") -> None:
    """PNG of each bound (rows of :func:`bound_rows`) against the exact count, on a log
    scale (powers of ten; Python ints beyond float range are drawn too)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter, MaxNLocator
    except ImportError as exc:  # pragma: no cover
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from exc
    bounds = [r for r in rows if r["bound"] != "exact"]
    exact = next((r for r in rows if r["bound"] == "exact"), None)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(bounds) + 1.6))
    logs = [_log10(r["value"]) for r in bounds]
    ax.barh([r["bound"] for r in bounds], logs, color="tab:blue")
    for y, (r, v) in enumerate(zip(bounds, logs)):
        text = f"{r['value']:,}" if r["value"] < 10**9 else f"~1e{v:.1f}"
        ax.text(v, y, " " + text, va="center", fontsize=7)
    ax.set_xlim(0, max([*logs, 1.0]) * 1.18)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if exact is not None:
        label = (f"exact count ({exact['value']:,})" if exact["complete"]
                 else f"lower bound on the count ({exact['value']:,}, walk stopped early)")
        ax.axvline(_log10(exact["value"]), color="k", lw=1.5, ls="-" if exact["complete"] else ":", label=label)
        ax.legend(fontsize=8, loc="lower right")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"$10^{{{v:g}}}$"))
    ax.set_xlabel("regions (log scale)")
    ax.set_title(title or "upper bounds against the exact count")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
