"""Lee margins around training points over epochs: do region edges move away from the data?

Trains a small MLP on noisy two moons (full-batch gradient descent with momentum) and, at each recorded epoch, computes
``rw.margin(net, X, p)`` (Lee, Alvarez-Melis, Jaakkola 2019: the radius of the
largest L_p ball around each point inside its region; for p = 2 the exact
distance to the region's edge, Johansson's d*) at the training points and at
random points of the same box. Zhu, Lin and Tang (2020) report that regions
near the data change during training; here the median margins are printed and
plotted per epoch for p = 2 and p = inf.

    python examples/margins_training.py [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import regionwalk as rw
from moons import two_moons  # examples/moons.py, beside this script


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer epochs (a smoke test)")
    ap.add_argument("--out", default=".", help="folder for margins_training.png")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    x, y = two_moons(400, rng, np.float64)
    rand = rng.uniform(x.min(axis=0), x.max(axis=0), size=(400, 2))
    model = torch.nn.Sequential(torch.nn.Linear(2, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(),
                                torch.nn.Linear(32, 1)).double()
    params = list(model.parameters())
    bufs = [torch.zeros_like(q) for q in params]
    xt, yt = torch.tensor(x), torch.tensor(y)[:, None]
    record = [0, 10, 30] if args.quick else [0, 10, 25, 50, 100, 200, 400, 800]
    rows = []
    for epoch in range(record[-1] + 1):
        if epoch in record:
            net = rw.Network.from_torch(model)
            row = [epoch]
            for p in (2, np.inf):
                row += [float(np.median(rw.margin(net, x, p=p))), float(np.median(rw.margin(net, rand, p=p)))]
            rows.append(row)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xt), yt)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():  # full-batch gradient descent with momentum 0.9 (torch.optim.SGD's update)
            for q, g, b in zip(params, grads, bufs):
                b.mul_(0.9).add_(g)
                q.sub_(0.05 * b)
    print(f"{'epoch':>5} {'train L2':>9} {'random L2':>9} {'train Linf':>10} {'random Linf':>11}   (median margins)")
    for r in rows:
        print(f"{r[0]:>5} {r[1]:>9.4f} {r[2]:>9.4f} {r[3]:>10.4f} {r[4]:>11.4f}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = np.array(rows)
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.plot(r[:, 0], r[:, 1], "o-", label="training points, p = 2")
    ax.plot(r[:, 0], r[:, 2], "o--", label="random points, p = 2")
    ax.plot(r[:, 0], r[:, 3], "s-", label="training points, p = inf")
    ax.plot(r[:, 0], r[:, 4], "s--", label="random points, p = inf")
    ax.set(xlabel="epoch", ylabel="median margin (Lee et al.)", yscale="log")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "margins_training.png", dpi=110)


if __name__ == "__main__":
    main()
