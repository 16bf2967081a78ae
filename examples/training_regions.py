"""Regions around training points vs random points, and during training.

Trains a small MLP on a 2D two-moons dataset and, at several epochs, counts the
regions exactly in L2 balls around training points and around random points of
the same bounding box, beside the local bound (unstable-neuron product). Writes
two PNG plots and prints the table.

    python examples/training_regions.py [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import regionwalk as rw
from moons import at_epochs, two_moons  # examples/moons.py, beside this script
from regionwalk import bounds


def mean_counts(net: rw.Network, centers: np.ndarray, radius: float) -> tuple[float, float]:
    exact, bound = [], []
    for c in centers:
        ball = rw.Ball(c, radius)
        exact.append(rw.count_regions(net, ball, threads=1))
        bound.append(bounds.unstable_product(net, ball))
    return float(np.mean(exact)), float(np.mean(bound))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer epochs and points (a smoke test)")
    ap.add_argument("--out", default=".", help="folder for the PNG plots")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    x, y = two_moons(400, rng)
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y)[:, None]
    model = torch.nn.Sequential(torch.nn.Linear(2, 24), torch.nn.ReLU(), torch.nn.Linear(24, 24), torch.nn.ReLU(),
                                torch.nn.Linear(24, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    epochs = [0, 20, 100] if args.quick else [0, 25, 50, 100, 200, 400]
    radii = [0.05, 0.1, 0.2] if args.quick else [0.02, 0.05, 0.1, 0.2, 0.4]
    n_centers = 4 if args.quick else 12
    train_c = x[rng.choice(len(x), n_centers, replace=False)]
    lo, hi = x.min(axis=0), x.max(axis=0)
    random_c = rng.uniform(lo, hi, size=(n_centers, 2))

    by_epoch = []
    for ep in at_epochs(model, opt, xt, yt, epochs):
        net = rw.Network.from_torch(model)
        row = {"epoch": ep}
        for r in radii:
            row[("train", r)] = mean_counts(net, train_c, r)
            row[("random", r)] = mean_counts(net, random_c, r)
        by_epoch.append(row)
        cells = "  ".join(f"r={r}: train {row[('train', r)][0]:6.1f} random {row[('random', r)][0]:6.1f}"
                          f" (bound {row[('train', r)][1]:.0f})" for r in radii)
        print(f"epoch {ep:4d}  {cells}", flush=True)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    final = by_epoch[-1]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(radii, [final[("train", r)][0] for r in radii], "o-", label="exact, balls at training points")
    ax.plot(radii, [final[("random", r)][0] for r in radii], "s-", label="exact, balls at random points")
    ax.plot(radii, [final[("train", r)][1] for r in radii], "o--", label="local bound, training points")
    ax.plot(radii, [final[("random", r)][1] for r in radii], "s--", label="local bound, random points")
    ax.set_xscale("log"); ax.set_yscale("log")
    ax.set_xlabel("radius"); ax.set_ylabel("regions (mean over centres)")
    ax.set_title(f"2-24-24-1 on two moons, epoch {final['epoch']}")
    ax.legend(fontsize=8); fig.tight_layout(); fig.savefig(out / "regions_vs_radius.png", dpi=120); plt.close(fig)

    r = radii[len(radii) // 2]
    fig, ax = plt.subplots(figsize=(6, 4))
    eps = [row["epoch"] for row in by_epoch]
    ax.plot(eps, [row[("train", r)][0] for row in by_epoch], "o-", label=f"exact, training points (r={r})")
    ax.plot(eps, [row[("random", r)][0] for row in by_epoch], "s-", label=f"exact, random points (r={r})")
    ax.plot(eps, [row[("train", r)][1] for row in by_epoch], "o--", label="local bound, training points")
    ax.set_yscale("log"); ax.set_xlabel("epoch"); ax.set_ylabel("regions (mean over centres)")
    ax.legend(fontsize=8); fig.tight_layout(); fig.savefig(out / "regions_vs_epoch.png", dpi=120); plt.close(fig)
    print(f"plots: {out / 'regions_vs_radius.png'}, {out / 'regions_vs_epoch.png'}")


if __name__ == "__main__":
    main()
