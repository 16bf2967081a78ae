"""Eriksson (2022) in small: region density along a data curve during training, against curvature.

A ReLU net is fitted to a function on a helix whose radius (and so curvature)
varies along it. Every few epochs the exact number of linear regions along
the data curve (a fine polyline through it) and along straight chords between
data points is counted with ``rw.count_along`` / ``rw.count_along_many``, and
reported as regions per unit length. At the end the density on short arcs of
the curve is set beside the curve's curvature there.

    python examples/region_density_curves.py [--quick] [--out DIR]

Writes ``density_vs_epoch.png`` and ``density_vs_curvature.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import regionwalk as rw


def helix(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points of a helix with radius 1 + 0.7 sin(t / 2) on t in [0, 4 pi], and the parameter."""
    t = np.linspace(0, 4 * np.pi, n)
    r = 1.0 + 0.7 * np.sin(t / 2)
    return np.c_[r * np.cos(t), r * np.sin(t), 0.25 * t], t


def curvature(x: np.ndarray) -> np.ndarray:
    """Curvature |x' x x''| / |x'|^3 of a finely sampled curve, by finite differences."""
    d1 = np.gradient(x, axis=0)
    d2 = np.gradient(d1, axis=0)
    return np.linalg.norm(np.cross(d1, d2), axis=1) / np.linalg.norm(d1, axis=1) ** 3


def model(seed: int = 0) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(3, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(),
                               torch.nn.Linear(32, 1)).double()


def densities(net: rw.Network, curve: np.ndarray, chords: np.ndarray, arcs: list[np.ndarray]) -> tuple[float, float, np.ndarray]:
    """Regions per unit length along the curve, mean over the chords, and on each arc."""
    along = rw.count_along(net, curve).density
    straight = float(np.mean(rw.count_along_many(net, chords).density))
    local = rw.count_along_many(net, arcs).density
    return along, straight, local


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="a few epochs only (smoke test)")
    ap.add_argument("--out", default=".", help="directory for the plots")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    epochs, every = (60, 20) if args.quick else (1500, 100)

    curve, t = helix(2000)
    x_train = torch.as_tensor(curve[::10])
    y_train = torch.as_tensor(np.sin(3 * t[::10]))[:, None]
    rng = np.random.default_rng(0)
    chords = curve[rng.integers(0, len(curve), size=(200, 2))]
    chords = chords[np.linalg.norm(chords[:, 0] - chords[:, 1], axis=1) > 0.1]
    arcs = [curve[i:i + 101] for i in range(0, len(curve) - 100, 100)]
    kappa = np.array([curvature(curve)[i:i + 101].mean() for i in range(0, len(curve) - 100, 100)])

    net_torch = model()
    opt = torch.optim.Adam(net_torch.parameters(), lr=3e-3)
    history = []
    local0 = None
    for epoch in range(epochs + 1):
        if epoch % every == 0:
            net = rw.Network.from_torch(net_torch)
            along, straight, local = densities(net, curve, chords, arcs)
            local0 = local if local0 is None else local0
            with torch.no_grad():
                loss = float(torch.mean((net_torch(x_train) - y_train) ** 2))
            history.append((epoch, along, straight, loss))
            print(f"epoch {epoch:5d}  loss {loss:.4f}  regions/length: curve {along:.2f}, chords {straight:.2f}")
        opt.zero_grad()
        torch.mean((net_torch(x_train) - y_train) ** 2).backward()
        opt.step()
    plot(out, np.array(history), kappa, local0, local)


def plot(out: Path, history: np.ndarray, kappa: np.ndarray, local0: np.ndarray | None, local: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(history[:, 0], history[:, 1], "o-", label="along the data curve (helix)")
    ax.plot(history[:, 0], history[:, 2], "s-", label="along straight chords between data points")
    ax.set_xlabel("epoch")
    ax.set_ylabel("linear regions per unit length (exact)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "density_vs_epoch.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(kappa, local, label="after training")
    if local0 is not None:
        ax.scatter(kappa, local0, marker="x", label="at initialisation")
    r = np.corrcoef(kappa, local - (local0 if local0 is not None else 0))[0, 1]
    ax.set_title(f"density change vs curvature: Pearson r = {r:.2f}")
    ax.set_xlabel("curvature of the arc")
    ax.set_ylabel("regions per unit length on the arc")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "density_vs_curvature.png", dpi=120)
    plt.close(fig)
    print(f"plots written to {out}; correlation of density change with curvature: {r:.2f}")


if __name__ == "__main__":
    main()
