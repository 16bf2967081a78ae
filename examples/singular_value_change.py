"""Singular values of adjacent regions against the Mirsky bound, over widths (Johansson 2022, fig. 2.3).

For one-hidden-layer nets with ``n_c = 10`` outputs at PyTorch's default
initialisation, the walk finds the regions in a box, ``res.adjacency()`` the
pairs that share a facet, and for every pair the squared change of the
singular values ``sum_i (sigma_i - sigma'_i)^2`` is set against
``||W_R - W_R'||_F^2`` (Mirsky; Johansson's eq. 2.7: it must never exceed it)
and against the expected bound ``C^2 n_c / n_1`` with ``C = 1/3`` (eq. 2.13).

    python examples/singular_value_change.py [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import regionwalk as rw


def edge_changes(width: int, n_in: int, n_out: int, max_regions: int) -> tuple[np.ndarray, np.ndarray]:
    torch.manual_seed(width)
    model = torch.nn.Sequential(torch.nn.Linear(n_in, width), torch.nn.ReLU(), torch.nn.Linear(width, n_out))
    net = rw.Network.from_torch(model)
    res = rw.enumerate_regions(net, rw.Box(-np.ones(n_in), np.ones(n_in)), max_regions=max_regions, threads=1)
    g = res.geometry()
    edges, _ = res.adjacency()
    sv, jac = g.singular_values, g.jacobian
    i, j = edges[:, 0], edges[:, 1]
    change = ((sv[i] - sv[j]) ** 2).sum(axis=1)
    frob = ((jac[i] - jac[j]) ** 2).sum(axis=(1, 2))
    return change, frob


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer widths and regions (a smoke test)")
    ap.add_argument("--out", default=".", help="folder for singular_value_change.png")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n_in, n_out = 3, 10
    widths, cap = ((4, 8, 16), 60) if args.quick else ((4, 8, 16, 32, 64, 128), 400)
    rows = []
    print(f"{'width':>6} {'edges':>6} {'mean change':>12} {'mean |E|_F^2':>13} {'C^2 n_c/n_1':>12} {'worst ratio':>11}")
    for w in widths:
        change, frob = edge_changes(w, n_in, n_out, cap)
        assert np.all(change <= frob * (1 + 1e-9) + 1e-15), "Mirsky's bound failed"
        expected = (1 / 3) ** 2 * n_out / w
        rows.append((w, change.mean(), frob.mean(), expected))
        print(f"{w:>6} {len(change):>6} {change.mean():>12.4g} {frob.mean():>13.4g} {expected:>12.4g} "
              f"{np.max(change / frob):>11.3f}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = np.array(rows)
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.loglog(r[:, 0], r[:, 1], "o-", label="mean sum (sigma - sigma')^2 over adjacent pairs")
    ax.loglog(r[:, 0], r[:, 2], "s--", label="mean ||W_R - W_R'||_F^2 (Mirsky)")
    ax.loglog(r[:, 0], r[:, 3], ":", label="C^2 n_c / n_1 (eq. 2.13)")
    ax.set(xlabel="hidden width n_1", ylabel="squared change")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "singular_value_change.png", dpi=110)


if __name__ == "__main__":
    main()
