"""The regions of a small image model on the plane through three digits, at initialisation and trained.

Uses scikit-learn's 8x8 digits when scikit-learn is installed (it is not a
dependency of regionwalk); otherwise a built-in seeded stand-in: ten smooth
random 8x8 class templates plus noise. A 64-32-32-10 ReLU MLP is drawn on the
plane through one image each of classes 0, 1 and 2 (``rw.Plane.through``),
coloured by predicted class, with the exact region count, before and after
training.

    python examples/plane_through_digits.py [--quick] [--out DIR]

Writes ``plane_digits.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import regionwalk as rw


def digits() -> tuple[np.ndarray, np.ndarray, str]:
    """(images (n, 64) in [0, 1], labels, source name)."""
    try:
        from sklearn.datasets import load_digits  # optional
    except ImportError:
        rng = np.random.default_rng(0)
        raw = rng.normal(size=(10, 10, 10))
        kernel = np.outer([1, 2, 1], [1, 2, 1]) / 16.0
        templates = np.stack([
            np.array([[np.sum(r[i:i + 3, j:j + 3] * kernel) for j in range(8)] for i in range(8)]) for r in raw])
        templates = (templates - templates.min()) / (templates.max() - templates.min())
        labels = np.repeat(np.arange(10), 60)
        x = templates[labels].reshape(-1, 64) + 0.15 * rng.normal(size=(600, 64))
        return np.clip(x, 0, 1), labels, "built-in seeded stand-in digits"
    d = load_digits()
    return d.data / 16.0, d.target, "scikit-learn 8x8 digits"


def train(model: torch.nn.Module, x: np.ndarray, y: np.ndarray, epochs: int) -> float:
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
    with torch.no_grad():
        return float((model(xt).argmax(1) == yt).double().mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="a few epochs only (smoke test)")
    ap.add_argument("--out", default=".", help="directory for the plot")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    x, y, source = digits()
    three = np.stack([x[np.flatnonzero(y == k)[0]] for k in (0, 1, 2)])
    plane = rw.Plane.through(*three, margin=0.3)

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(),
                                torch.nn.Linear(32, 10)).double()
    before = rw.enumerate_regions(rw.Network.from_torch(model), plane)
    acc = train(model, x, y, 30 if args.quick else 400)
    after = rw.enumerate_regions(rw.Network.from_torch(model), plane)
    print(f"{source}: {before.count} regions on the plane at initialisation, {after.count} after training "
          f"(training accuracy {acc:.1%})")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    for ax, res, when in zip(axes, (before, after), ("at initialisation", "after training")):
        rw.plot_regions(res, color_by="class", points=three, ax=ax)
        ax.set_title(f"{when}: {res.count} regions")
        for (a, b), k in zip(plane.coords(three), (0, 1, 2)):
            ax.annotate(f"digit {k}", (a, b), textcoords="offset points", xytext=(6, 6))
    fig.suptitle(f"64-32-32-10 ReLU net on the plane through three images ({source})")
    fig.tight_layout()
    fig.savefig(out / "plane_digits.png", dpi=110)
    plt.close(fig)
    print(f"plot written to {out / 'plane_digits.png'}")


if __name__ == "__main__":
    main()
