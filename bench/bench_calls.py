"""What a call costs beside its regions: small balls, where the walk is tens of regions.

1. Per net and radius (balls around one uniform point of [0,1]^d, as
   compare_builds.py): the second call in a fresh process (the protocol of
   compare_builds.py), and the best of many repeated calls; how much of it is
   the walk itself (`_core.walk`), the reduction and restriction, and Python.
2. A walk with another Python thread busy beside it, against its quiet time:
   the walk runs on the caller's thread and takes the GIL only to poll for Ctrl-C.

    OPENBLAS_NUM_THREADS=1 python bench/bench_calls.py [--processes 9]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CASES = [((784, 64, 64, 1), 0.1), ((784, 32, 32, 1), 0.1), ((100, 32, 32, 1), 0.1), ((100, 32, 32, 1), 0.2)]

CHILD = r"""
import json, sys, time
import numpy as np
import regionwalk as rw
from regionwalk import walk as W
from regionwalk.nets import random_mlp

widths, radius = json.loads(sys.argv[1])
net = random_mlp(tuple(widths), seed=2)
ball = rw.Ball(np.random.default_rng(7).uniform(0, 1, size=widths[0]), radius)
kw = dict(threads=1, store_points=False)
rw.enumerate_regions(net, ball, max_regions=200, **kw)  # warm-up, as compare_builds.py
t = time.perf_counter()
res = rw.enumerate_regions(net, ball, **kw)
second = time.perf_counter() - t

def best(f, n=200):
    b = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        f()
        b = min(b, time.perf_counter() - t)
    return b

core_net, core_dom, y0, _ = W._core_problem(net, ball, ball.center)
print(json.dumps({"regions": res.count, "dim": core_dom.dim, "second": second,
                  "call": best(lambda: rw.enumerate_regions(net, ball, **kw)),
                  "walk": best(lambda: rw._core.walk(core_net, core_dom, y0, **kw)),
                  "problem": best(lambda: W._core_problem(net, ball, ball.center))}))
"""

BUSY = r"""
import threading, time
import numpy as np
import regionwalk as rw
from regionwalk.nets import random_mlp

net = random_mlp((8, 32, 32, 1), seed=1)
ball = rw.Ball(np.zeros(8), 1.0)
kw = dict(threads=1, max_regions=30000, store_points=False, engine="walk")
rw.enumerate_regions(net, ball, **kw)

def timed():
    t = time.perf_counter()
    rw.enumerate_regions(net, ball, **kw)
    return time.perf_counter() - t

quiet = min(timed() for _ in range(3))
stop = False

def busy():
    x = 0
    while not stop:
        x += 1

th = threading.Thread(target=busy)
th.start()
loud = min(timed() for _ in range(3))
stop = True
th.join()
print(f"a 30,000-region walk: quiet {quiet:.3f} s, beside a busy Python thread {loud:.3f} s ({loud / quiet:.2f} x)")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, default=9, help="fresh processes per case (the second call's median)")
    args = ap.parse_args()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    print(f"{'net':>10} {'radius':>6} {'regions':>7} {'walk dim':>8} {'2nd call ms':>11} {'repeated ms':>11} "
          f"{'walk ms':>8} {'set-up ms':>9} {'python ms':>9}")
    for widths, radius in CASES:
        runs = [json.loads(subprocess.run([sys.executable, "-c", CHILD, json.dumps([widths, radius])], env=env,
                                          capture_output=True, text=True, check=True).stdout)
                for _ in range(args.processes)]
        r = {k: statistics.median(run[k] for run in runs) for k in ("second", "call", "walk", "problem")}
        name = "-".join(map(str, widths[:2])) + f"x{len(widths) - 2}"
        print(f"{name:>10} {radius:>6} {runs[0]['regions']:>7} {runs[0]['dim']:>8} {1e3 * r['second']:>11.3f} "
              f"{1e3 * r['call']:>11.3f} {1e3 * r['walk']:>8.3f} {1e3 * r['problem']:>9.3f} "
              f"{1e3 * (r['call'] - r['walk'] - r['problem']):>9.3f}")
    print(subprocess.run([sys.executable, "-c", BUSY], env=env, capture_output=True, text=True, check=True).stdout)


if __name__ == "__main__":
    main()
