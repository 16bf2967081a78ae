"""How far sampled pattern counts fall below the exact count, by budget.

    python examples/sampling_vs_exact.py [--device cuda] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import regionwalk as rw
from regionwalk.nets import random_mlp
from regionwalk.sampling import plot_sampling


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", default=".")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    net = random_mlp((4, 16, 16, 1), seed=3)
    dom = rw.Ball(np.zeros(4), 1.0)
    budgets = [10**2, 10**3, 10**4] if args.quick else [10**2, 10**3, 10**4, 10**5, 10**6]
    rows = rw.compare_sampling(net, dom, budgets=budgets, device=args.device)
    for r in rows:
        print(f"{r['budget']:>8} samples: {r['distinct']:>6} distinct, Chao1 {r['chao1']:8.1f}, "
              f"exact {r['exact']}, found {r['fraction_found']:.1%}")
    path = Path(args.out) / "sampling_vs_exact.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    plot_sampling(rows, str(path), title="4-16-16-1 in the unit ball")
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
