"""Sampled activation patterns: a cheap lower bound on the region count, with
unseen-species estimates of the total (Chao 1987; Burnham & Overton 1978).

Forward passes run in float64 with torch, in batches sized to a memory budget,
on ``cuda`` when asked and present. Patterns are packed into 64-bit words on
the device and deduplicated batch by batch; samples are never all kept.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regionwalk._forms import zero_cancelled
from regionwalk.domains import Ball, Box, Domain
from regionwalk.network import Network
from regionwalk.walk import unpack_patterns

__all__ = [
    "SampleResult", "sample_patterns", "compare_sampling", "with_exact", "richness_estimates", "plot_sampling",
]


def richness_estimates(frequencies: np.ndarray, n: int) -> dict[str, float]:
    """Unseen-species estimates of the number of patterns from their frequencies.

    ``chao1`` (bias-corrected, Chao 1987), ``jackknife1`` and ``jackknife2``
    (Burnham & Overton 1978). ``distinct`` itself is a lower bound on the exact
    count; the estimates are not bounds of either kind.
    """
    f = np.asarray(frequencies)
    s = float(len(f))
    f1, f2 = float(np.sum(f == 1)), float(np.sum(f == 2))
    if n <= 1:
        return {"distinct": s, "chao1": s, "jackknife1": s, "jackknife2": s}
    chao1 = s + (n - 1) / n * f1 * (f1 - 1) / (2 * (f2 + 1))
    jack1 = s + f1 * (n - 1) / n
    jack2 = s + f1 * (2 * n - 3) / n - f2 * (n - 2) ** 2 / (n * (n - 1))
    return {"distinct": s, "chao1": chao1, "jackknife1": jack1, "jackknife2": max(jack2, s)}


@dataclass(frozen=True)
class SampleResult:
    """Distinct activation patterns among sampled points.

    ``count`` is a lower bound on the number of regions meeting the domain.
    """

    n_samples: int
    count: int
    patterns: np.ndarray      # (count, words) uint64, sorted
    frequencies: np.ndarray   # (count,) int64
    neurons: int
    seconds: float
    device: str
    estimates: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"SampleResult(count={self.count}, n_samples={self.n_samples}, neurons={self.neurons}, "
            f"patterns={self.patterns.shape}, device={self.device!r}, seconds={self.seconds:.3g}, "
            f"chao1={self.estimates.get('chao1', float('nan')):.1f})"
        )

    @property
    def patterns_bool(self) -> np.ndarray:
        """Patterns as bools, shape ``(count, N)``."""
        return unpack_patterns(self.patterns, self.neurons)

    @property
    def points_per_second(self) -> float:
        return self.n_samples / self.seconds if self.seconds > 0 else float("inf")


def _torch() -> Any:
    import torch

    return torch


def _resolve_device(device: str) -> Any:
    torch = _torch()
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but torch sees no CUDA device")
    return dev


def _draw(domain: Domain, n: int, gen: Any, dev: Any) -> Any:
    torch = _torch()
    if isinstance(domain, Box):
        lo = torch.as_tensor(domain.lo, dtype=torch.float64, device=dev)
        hi = torch.as_tensor(domain.hi, dtype=torch.float64, device=dev)
        u = torch.rand(n, domain.dim, generator=gen, dtype=torch.float64, device=dev)
        return lo + u * (hi - lo)
    assert isinstance(domain, Ball)
    d = domain.dim
    g = torch.randn(n, d, generator=gen, dtype=torch.float64, device=dev)
    g = g / torch.linalg.vector_norm(g, dim=1, keepdim=True)
    # uniform in volume: the radius is r U^(1/d)
    r = domain.radius * torch.rand(n, 1, generator=gen, dtype=torch.float64, device=dev) ** (1.0 / d)
    return torch.as_tensor(domain.center, dtype=torch.float64, device=dev) + r * g


class _Packer:
    """Forward pass and pattern packing on one device."""

    def __init__(self, net: Network, dev: Any) -> None:
        torch = _torch()
        self.torch = torch
        self.ws = [torch.as_tensor(w, dtype=torch.float64, device=dev) for w in net.weights[:-1]]
        self.bs = [torch.as_tensor(b, dtype=torch.float64, device=dev) for b in net.biases[:-1]]
        self.alpha = net.alpha
        self.abs_sums = [w.abs().sum(dim=1) for w in self.ws]
        self.words = (net.hidden_neurons + 63) // 64
        n = self.words * 64
        shifts = torch.arange(64, device=dev, dtype=torch.int64)
        self.powers = torch.bitwise_left_shift(torch.ones(64, dtype=torch.int64, device=dev), shifts)
        self.pad = n - net.hidden_neurons

    def __call__(self, x: Any) -> Any:
        torch = self.torch
        bits = []
        h = x
        for w, b, sums in zip(self.ws, self.bs, self.abs_sums):
            z = zero_cancelled(torch.addmm(b, h, w.T), h, w, b, sums)
            pos = z > 0
            bits.append(pos)
            h = torch.where(pos, z, self.alpha * z) if self.alpha else torch.relu(z)
        allbits = torch.cat(bits, dim=1)
        if self.pad:
            allbits = torch.nn.functional.pad(allbits, (0, self.pad))
        grouped = allbits.reshape(len(x), self.words, 64).to(torch.int64)
        # Sum of distinct powers of two = bitwise OR; the top bit wraps to the sign (two's complement).
        return (grouped * self.powers).sum(dim=2)


def _merge(keys: Any, counts: Any, new: Any) -> tuple[Any, Any]:
    """Merge a batch of packed patterns into the running (keys, counts), on the device."""
    torch = _torch()
    allk = new if keys is None else torch.cat([keys, new])
    ones = torch.ones(len(new), dtype=torch.int64, device=new.device)
    allc = ones if counts is None else torch.cat([counts, ones])
    if allk.shape[1] == 1:  # one word: a 1-D unique is much faster
        uniq, inv = torch.unique(allk[:, 0], return_inverse=True)
        uniq = uniq[:, None]
    else:
        uniq, inv = torch.unique(allk, dim=0, return_inverse=True)
    summed = torch.zeros(len(uniq), dtype=torch.int64, device=new.device).scatter_add_(0, inv, allc)
    return uniq, summed


def sample_patterns(
    net: Network,
    domain: Domain,
    n_samples: int,
    device: str = "cpu",
    batch_size: int | None = None,
    seed: int = 0,
    *,
    points: Any = None,
    memory_budget: int = 512 * 2**20,
) -> SampleResult:
    """Distinct activation patterns among ``n_samples`` uniform points of ``domain``.

    Parameters
    ----------
    domain
        ``Box`` (uniform) or ``Ball`` (uniform in volume, any dimension). With
        ``points`` given, the domain may be ``None`` and those points are used.
    device
        ``"cpu"`` or ``"cuda"``; float64 on both, so equal points give equal patterns.
    batch_size
        Points per forward pass; default: as many as fit ``memory_budget`` bytes.
    seed
        Seeds the device's generator: the same seed, device and batch size give
        the same result.
    """
    torch = _torch()
    if not isinstance(net, Network):
        raise TypeError(f"net must be a regionwalk.Network, got {type(net).__name__}")
    dev = _resolve_device(device)
    if points is not None:
        pts = np.asarray(points, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != net.input_dim:
            raise ValueError(f"points must have shape (n, {net.input_dim}), got {pts.shape}")
        if not np.all(np.isfinite(pts)):
            raise ValueError("points contain NaN or inf")
        n_total = len(pts)
    else:
        if domain is None:
            raise ValueError("sampling needs a Box or a Ball (the whole space has no uniform distribution) or points")
        if domain.dim != net.input_dim:
            raise ValueError(f"domain has dimension {domain.dim} but the network takes {net.input_dim} inputs")
        n_total = int(n_samples)
        if n_total < 1:
            raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    per_point = 8 * (net.input_dim + 3 * max(net.widths) + 2 * net.hidden_neurons)
    batch = int(batch_size) if batch_size is not None else max(1024, min(1 << 20, memory_budget // per_point))
    if batch < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    gen = torch.Generator(device=dev)
    gen.manual_seed(int(seed))
    pack = _Packer(net, dev)
    keys = counts = None
    start = time.perf_counter()
    with torch.no_grad():
        for lo in range(0, n_total, batch):
            n = min(batch, n_total - lo)
            if points is not None:
                x = torch.as_tensor(pts[lo:lo + n], device=dev)
            else:
                x = _draw(domain, n, gen, dev)
            keys, counts = _merge(keys, counts, pack(x))
        keys_np = keys.cpu().numpy() if keys is not None else np.zeros((0, pack.words), dtype=np.int64)
        counts_np = counts.cpu().numpy() if counts is not None else np.zeros(0, dtype=np.int64)
    seconds = time.perf_counter() - start
    counts = counts_np
    packed_u64 = keys_np.view(np.uint64)
    order = np.lexsort(packed_u64.T[::-1]) if len(packed_u64) else np.zeros(0, dtype=int)
    packed_u64, counts = packed_u64[order], counts[order]
    return SampleResult(
        n_samples=n_total, count=len(packed_u64), patterns=np.ascontiguousarray(packed_u64), frequencies=counts,
        neurons=net.hidden_neurons, seconds=seconds, device=str(dev),
        estimates=richness_estimates(counts, n_total),
    )


def _exact_count(net: Network, domain: Domain, exact: Any, walk_kwargs: dict[str, Any]) -> tuple[int | None, bool | None]:
    """``(count, complete)`` of the exact count: computed (``exact=None``), given as an int
    (taken as exact) or a :class:`~regionwalk.Regions`, or skipped (``exact=False``)."""
    from regionwalk.walk import Regions, enumerate_regions

    if exact is False:
        return None, None
    if isinstance(exact, Regions):
        return exact.count, exact.complete
    if exact is None:
        res = enumerate_regions(net, domain, store_points=False, **walk_kwargs)
        return res.count, res.complete
    if isinstance(exact, bool) or not isinstance(exact, (int, np.integer)) or exact < 1:
        raise TypeError(f"exact must be None, False, a Regions result or a count >= 1, got {exact!r}")
    return int(exact), True


def with_exact(rows: Sequence[dict[str, Any]], count: int | None, complete: bool | None) -> list[dict[str, Any]]:
    """The rows of :func:`compare_sampling` with the exact count set: ``exact`` (None when
    skipped), ``exact_complete`` (False: ``exact`` is only a lower bound) and ``fraction_found``."""
    return [
        {**r, "exact": count, "exact_complete": complete,
         "fraction_found": r["distinct"] / count if count else None}
        for r in rows
    ]


def compare_sampling(
    net: Network,
    domain: Domain,
    budgets: Sequence[int] = (10**3, 10**4, 10**5),
    device: str = "cpu",
    seed: int = 0,
    exact: Any = None,
    **walk_kwargs: Any,
) -> list[dict[str, Any]]:
    """Sampled estimates against the exact count, one row per budget.

    Rows: ``budget, distinct, chao1, jackknife1, jackknife2, exact, exact_complete,
    fraction_found, seconds, points_per_second``.

    Parameters
    ----------
    exact
        ``None`` (default): count with :func:`~regionwalk.enumerate_regions`,
        passing ``walk_kwargs`` (``max_regions``, ``time_limit``, ``threads``,
        ``progress`` ...); a ``Regions`` result or an int: use it; ``False``:
        skip the count (``exact`` and ``fraction_found`` are then None). When a
        limit stopped the count, ``exact_complete`` is False and ``exact`` is a
        lower bound.
    """
    rows = []
    for b in budgets:
        res = sample_patterns(net, domain, int(b), device=device, seed=seed)
        rows.append({
            "budget": int(b), "distinct": res.count,
            "chao1": res.estimates["chao1"], "jackknife1": res.estimates["jackknife1"],
            "jackknife2": res.estimates["jackknife2"],
            "seconds": res.seconds, "points_per_second": res.points_per_second,
        })
    return with_exact(rows, *_exact_count(net, domain, exact, walk_kwargs))


def plot_sampling(rows: Sequence[dict[str, Any]], path: str, title: str = "") -> None:
    """PNG of distinct and estimated counts against the budget, the exact count as a line
    (dotted and labelled "lower bound" when the count stopped early; absent when skipped)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from exc
    budgets = [r["budget"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(budgets, [r["distinct"] for r in rows], "o-", label="distinct patterns (lower bound)")
    ax.plot(budgets, [r["chao1"] for r in rows], "s--", label="Chao1 estimate")
    ax.plot(budgets, [r["jackknife2"] for r in rows], "^--", label="second-order jackknife")
    exact = rows[0].get("exact")
    if exact is not None and rows[0].get("exact_complete", True):
        ax.axhline(exact, color="k", lw=1.5, label=f"exact count ({exact:,})")
    elif exact is not None:
        ax.axhline(exact, color="k", lw=1.5, ls=":", label=f"lower bound on the count ({exact:,}, walk stopped early)")
    ax.set_xscale("log")
    ax.set_xlabel("samples")
    ax.set_ylabel("regions")
    ax.set_title(title or "sampled vs exact region counts")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
