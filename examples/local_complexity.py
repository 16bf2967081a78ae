"""Local complexity during training: exact region counts around every training point.

Trains a small MLP on two moons (generated with numpy) and, at several epochs,
counts the regions exactly in the L2 ball of one radius around every training
point and around as many random points of the data's bounding box, with one
call to ``rw.local_counts`` per set. Beside the exact counts: the local
analytic bound and a sampled count (distinct patterns among k uniform samples
per ball), and the share of balls that the margin alone proves to hold a
single region. Writes two plots: the mean against the epoch, and the
distribution of the exact counts at each epoch.

    python examples/local_complexity.py [--quick] [--out DIR] [--radius R] [--threads N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import regionwalk as rw
from moons import at_epochs, two_moons  # examples/moons.py, beside this script


def measure(net: rw.Network, points: np.ndarray, radius: float, samples: int, threads: int | None) -> dict:
    lc = rw.local_counts(net, points, radius, threads=threads, samples=samples)
    return {"counts": lc.counts, "bound": float(np.mean(lc.bounds.astype(float))),
            "sampled": float(np.mean(lc.sampled)), "single": float(np.mean(~lc.walked)),
            "margin": float(np.median(lc.margins)), "seconds": lc.seconds}


def train(args: argparse.Namespace) -> list[dict]:
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    n = 120 if args.quick else 500
    x, y = two_moons(n, rng)
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y)[:, None]
    width = 12 if args.quick else 24
    model = torch.nn.Sequential(torch.nn.Linear(2, width), torch.nn.ReLU(), torch.nn.Linear(width, width),
                                torch.nn.ReLU(), torch.nn.Linear(width, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    random_pts = rng.uniform(x.min(axis=0), x.max(axis=0), size=x.shape)
    epochs = [0, 10, 40] if args.quick else [0, 10, 25, 50, 100, 200, 400]
    samples = 50 if args.quick else 500
    rows = []
    for ep in at_epochs(model, opt, xt, yt, epochs):
        net = rw.Network.from_torch(model)
        row = {"epoch": ep, "train": measure(net, x, args.radius, samples, args.threads),
               "random": measure(net, random_pts, args.radius, samples, args.threads)}
        rows.append(row)
        tr, ra = row["train"], row["random"]
        print(f"epoch {ep:4d}  train: exact {tr['counts'].mean():6.2f} sampled {tr['sampled']:6.2f} "
              f"bound {tr['bound']:9.3g} one-region {tr['single']:5.1%}  |  random: exact {ra['counts'].mean():6.2f} "
              f"one-region {ra['single']:5.1%}  ({tr['seconds'] + ra['seconds']:.2f} s for {2 * n} balls)",
              flush=True)
    return rows


def plot(rows: list[dict], radius: float, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    eps = [r["epoch"] for r in rows]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for key, mark in (("train", "o"), ("random", "s")):
        ax.plot(eps, [r[key]["counts"].mean() for r in rows], mark + "-", label=f"exact, {key} points")
        ax.plot(eps, [r[key]["sampled"] for r in rows], mark + ":", label=f"sampled, {key} points")
        ax.plot(eps, [r[key]["bound"] for r in rows], mark + "--", label=f"local bound, {key} points")
    ax.set_yscale("log"); ax.set_xlabel("epoch"); ax.set_ylabel(f"regions in a ball of radius {radius} (mean)")
    ax.legend(fontsize=7); fig.tight_layout(); fig.savefig(out / "local_complexity_mean.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 4))
    pos = np.arange(len(rows))
    for key, shift, color in (("train", -0.18, "C0"), ("random", 0.18, "C1")):
        parts = ax.violinplot([r[key]["counts"] for r in rows], positions=pos + shift, widths=0.33,
                              showmedians=True)
        for body in parts["bodies"]:
            body.set_facecolor(color)
        ax.plot([], [], color=color, label=f"{key} points")
    ax.set_xticks(pos, [str(e) for e in eps]); ax.set_xlabel("epoch")
    ax.set_ylabel("exact regions per ball"); ax.legend(fontsize=8)
    fig.tight_layout(); fig.savefig(out / "local_complexity_distribution.png", dpi=120); plt.close(fig)
    print(f"plots: {out / 'local_complexity_mean.png'}, {out / 'local_complexity_distribution.png'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer epochs, points and samples (a smoke test)")
    ap.add_argument("--out", default=".", help="folder for the PNG plots")
    ap.add_argument("--radius", type=float, default=0.1)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot(train(args), args.radius, out)


if __name__ == "__main__":
    main()
