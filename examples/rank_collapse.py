"""Rank of the local affine map at training points during training (Johansson 2022, fig. 2.2).

Trains the same two-hidden-layer MLP with SGD (momentum 0.8) at a moderate and
at a too large learning rate on a synthetic 10-class problem, and records at
every epoch the rank of ``W_R`` on the regions of the training points
(``rw.RegionGeometry(...).rank``, exact numerical rank) beside Johansson's
bound ``min(n_0, n_out, active neurons per layer)`` and the loss. Under the
large rate neurons die and the rank falls early, before the loss says much.

    python examples/rank_collapse.py [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import regionwalk as rw


def blobs(n: int, dim: int, classes: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    centers = rng.normal(scale=2.0, size=(classes, dim))
    y = rng.integers(0, classes, n)
    return centers[y] + rng.normal(size=(n, dim)), y


def ranks_at(model: torch.nn.Sequential, x: np.ndarray) -> tuple[float, float]:
    net = rw.Network.from_torch(model)
    g = rw.RegionGeometry(net, net.patterns(x))
    return float(g.rank.mean()), float(g.rank_bound.mean())


def sgd_momentum_step(params: list, grads: tuple, bufs: list, lr: float, momentum: float) -> None:
    """torch.optim.SGD's update (b <- m b + g, p <- p - lr b), written out: torch.optim
    imports its compiler on first use, seconds this short example does without."""
    with torch.no_grad():
        for q, g, b in zip(params, grads, bufs):
            b.mul_(momentum).add_(g)
            q.sub_(lr * b)


def train(lr: float, x: np.ndarray, y: np.ndarray, widths: tuple[int, ...], epochs: int,
          classes: int) -> list[tuple[int, float, float, float]]:
    torch.manual_seed(0)
    dims = (x.shape[1], *widths)
    layers: list[torch.nn.Module] = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(dims[-1], classes)).double()
    params = list(model.parameters())
    bufs = [torch.zeros_like(q) for q in params]
    xt, yt = torch.tensor(x), torch.tensor(y)
    history = []
    for epoch in range(epochs + 1):
        with torch.no_grad():
            loss = float(torch.nn.functional.cross_entropy(model(xt), yt))
        if not np.isfinite(loss):
            break
        rank, bound = ranks_at(model, x)
        history.append((epoch, loss, rank, bound))
        for idx in torch.randperm(len(x)).split(32):
            grads = torch.autograd.grad(torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx]), params)
            sgd_momentum_step(params, grads, bufs, lr, 0.8)
    return history


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="a smaller net and fewer epochs (a smoke test)")
    ap.add_argument("--out", default=".", help="folder for rank_collapse.png")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    classes, dim = 10, 20
    widths, epochs, n = ((32, 32), 5, 300) if args.quick else ((200, 200), 40, 3000)
    x, y = blobs(n, dim, classes, np.random.default_rng(0))
    runs = {lr: train(lr, x, y, widths, epochs, classes) for lr in (0.01, 0.3)}
    print(f"{'lr':>6} {'epoch':>5} {'loss':>9} {'mean rank':>9} {'mean bound':>10}")
    for lr, hist in runs.items():
        for epoch, loss, rank, bound in hist:
            print(f"{lr:>6} {epoch:>5} {loss:>9.4f} {rank:>9.2f} {bound:>10.2f}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for lr, hist in runs.items():
        h = np.array(hist)
        axes[0].plot(h[:, 0], h[:, 1], label=f"lr={lr}")
        axes[1].plot(h[:, 0], h[:, 2], label=f"rank, lr={lr}")
        axes[1].plot(h[:, 0], h[:, 3], ":", label=f"bound, lr={lr}")
    axes[0].set(xlabel="epoch", ylabel="training loss", yscale="log")
    axes[1].set(xlabel="epoch", ylabel="mean rank of W_R at training points")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.suptitle(f"rank collapse under a too large learning rate ({dim}-{widths[0]}-{widths[1]}-{classes})")
    fig.tight_layout()
    fig.savefig(out / "rank_collapse.png", dpi=110)


if __name__ == "__main__":
    main()
