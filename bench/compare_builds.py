"""Speed and patterns of this checkout's build against another build, in one run.

Each build runs in its own subprocess (``PYTHONPATH`` puts its package first);
the builds alternate on every net, best of ``--repeats``, so that a noisy host
slows both alike. Patterns are compared by a hash of the packed array: a
refactor or an optimisation must leave them identical.

    pip install --no-build-isolation --no-deps --target /tmp/base_site <old checkout>
    python bench/compare_builds.py --base /tmp/base_site [--repeats 3] [--quick]
    python bench/compare_builds.py --base /tmp/base_site --this /tmp/this_site   # two installed builds

A call under 20 ms is timed twice: its second call in a fresh process (the table's
figure, on cold caches) and the median of calls repeated for 0.3 s after it (its steady
rate, as a loop over many balls sees it), printed after the verdict.

With ``--this`` both builds are imported the same way. Measured 2026-12-07: the editable
install ran 784-256x2 r = 0.5 in 0.51 s where the same core installed in a site ran it in
0.47 s, in fresh processes alike; so compare sites with sites where a few percent matter.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CASES = {
    # name: (widths, seed, domain kind, domain argument, region cap)
    "2-32x3 box": ((2, 32, 32, 32, 1), 0, "box", 1.0, None),
    "2-64x3 box": ((2, 64, 64, 64, 1), 0, "box", 1.0, None),
    "3-16x3 box": ((3, 16, 16, 16, 1), 0, "box", 1.0, None),
    "4-12x2 box": ((4, 12, 12, 1), 0, "box", 1.0, None),
    "4-16x3 box": ((4, 16, 16, 16, 1), 0, "box", 1.0, None),
    "5-16x2 box": ((5, 16, 16, 1), 0, "box", 1.0, None),
    "6-16x2 box": ((6, 16, 16, 1), 0, "box", 1.0, 60_000),
    "8-12x2 box": ((8, 12, 12, 1), 0, "box", 1.0, 60_000),
    # Uncapped: the box's whole complex answers (a region cap hands a box to the walk).
    "6-16x2 box whole": ((6, 16, 16, 1), 0, "box", 1.0, None),
    "8-12x2 box whole": ((8, 12, 12, 1), 0, "box", 1.0, None),
    "8-16x2 box whole": ((8, 16, 16, 1), 0, "box", 1.0, None),
    # The walk on whole boxes the complex would answer (engine="walk").
    "6-16x2 box walk": ((6, 16, 16, 1), 0, "box_walk", 1.0, None),
    "8-12x2 box walk": ((8, 12, 12, 1), 0, "box_walk", 1.0, None),
    "8-32x2 ball r=1": ((8, 32, 32, 1), 1, "ball", 1.0, 60_000),
    "784-64x2 ball r=0.1": ((784, 64, 64, 1), 2, "ball_at_point", 0.1, None),
    # The high-dimensional balls of issue 20 (around one uniform point of [0, 1]^d).
    "784-64x2 ball r=0.2": ((784, 64, 64, 1), 2, "ball_at_point", 0.2, None),
    "784-32x2 ball r=0.1": ((784, 32, 32, 1), 2, "ball_at_point", 0.1, None),
    "784-32x2 ball r=0.3": ((784, 32, 32, 1), 2, "ball_at_point", 0.3, None),
    "784-32x2 ball r=0.5": ((784, 32, 32, 1), 2, "ball_at_point", 0.5, None),
    "100-32x2 ball r=0.1": ((100, 32, 32, 1), 2, "ball_at_point", 0.1, None),
    "100-32x2 ball r=0.2": ((100, 32, 32, 1), 2, "ball_at_point", 0.2, None),
    "100-32x2 ball r=0.3": ((100, 32, 32, 1), 2, "ball_at_point", 0.3, None),
    "100-32x2 ball r=0.4": ((100, 32, 32, 1), 2, "ball_at_point", 0.4, 30_000),
    "100-32x2 ball r=0.5": ((100, 32, 32, 1), 2, "ball_at_point", 0.5, 30_000),
    # Walks of seconds, for two threads against one (two_threads.py).
    "784-64x2 ball r=0.25": ((784, 64, 64, 1), 2, "ball_at_point", 0.25, None),
    "784-32x2 ball r=0.6": ((784, 32, 32, 1), 2, "ball_at_point", 0.6, None),
    "100-32x3 ball r=0.3": ((100, 32, 32, 32, 1), 2, "ball_at_point", 0.3, None),
    # Wider MNIST-sized nets: long rows, walked in 256 and 512 dimensions (capped).
    "784-256x2 ball r=0.5": ((784, 256, 256, 1), 2, "ball_at_point", 0.5, 3_000),
    "784-512x2 ball r=0.3": ((784, 512, 512, 1), 2, "ball_at_point", 0.3, 2_000),
    # local_counts: small balls around 200 uniform points of [0, 1]^784 (most hold 1-12
    # regions: the per-ball set-up is the cost); the last number is the number of balls.
    "784-512x2 local r=0.0005": ((784, 512, 512, 1), 2, "local", 0.0005, 200),
    "784-512x2 local r=0.002": ((784, 512, 512, 1), 2, "local", 0.002, 200),
    "784-64x2 local r=0.05": ((784, 64, 64, 1), 2, "local", 0.05, 200),
}

CHILD = r"""
import hashlib, json, os, sys, time
if os.environ.get("RW_COMPARE_BASE"):
    # An editable install's import hook sits before PYTHONPATH: drop it, so the base is imported.
    sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("_editable_skbc_")]
import numpy as np
import regionwalk as rw
from regionwalk.nets import random_mlp
widths, seed, kind, arg, cap, threads = json.loads(sys.argv[1])
net = random_mlp(tuple(widths), seed=seed)
d = widths[0]
# (older builds have no engine argument: passed only where it matters)
engine = {"engine": "walk"} if kind == "box_walk" else {}
if kind in ("box", "box_walk"):
    dom = rw.Box(-np.full(d, arg), np.full(d, arg))
elif kind == "ball":
    dom = rw.Ball(np.zeros(d), arg)
elif kind == "local":  # cap: the number of balls
    x = np.random.default_rng(7).uniform(0, 1, size=(cap, d))
    rw.local_counts(net, x[:4], arg, threads=threads)  # warm-up
    t = time.perf_counter()
    lc = rw.local_counts(net, x, arg, threads=threads)
    wall = time.perf_counter() - t
    print(json.dumps({"count": int(lc.counts.sum()), "seconds": wall, "core": rw._core.__file__,
                      "hash": hashlib.sha1(lc.counts.tobytes()).hexdigest()[:12]}))
    sys.exit()
else:
    dom = rw.Ball(np.random.default_rng(7).uniform(0, 1, size=d), arg)
rw.enumerate_regions(net, dom, threads=threads, max_regions=200, store_points=False, **engine)  # warm-up: BLAS, caches
t = time.perf_counter()
res = rw.enumerate_regions(net, dom, threads=threads, max_regions=cap, store_points=False, **engine)
wall = time.perf_counter() - t
# A call under 20 ms is mostly set-up, and its second call in a process runs on cold
# caches: such calls are also repeated for 0.3 s, and the median is their steady rate.
calls = []
while wall < 0.02 and sum(calls) < 0.3 and len(calls) < 1000:
    t = time.perf_counter()
    rw.enumerate_regions(net, dom, threads=threads, max_regions=cap, store_points=False, **engine)
    calls.append(time.perf_counter() - t)
steady = sorted(calls)[len(calls) // 2] if calls else wall
print(json.dumps({"count": res.count, "seconds": wall, "steady": steady, "core": rw._core.__file__,
                  "tests": res.stats.get("facet_tests", 0),
                  "hash": hashlib.sha1(np.ascontiguousarray(res.packed).tobytes()).hexdigest()[:12]}))
"""


def run(site: str | None, case: tuple, threads: int) -> dict:
    env = dict(os.environ)
    if site:
        env["PYTHONPATH"] = site + os.pathsep + env.get("PYTHONPATH", "")
        env["RW_COMPARE_BASE"] = "1"
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps([*case, threads])], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="site directory of the build to compare against")
    ap.add_argument("--repeats", type=int, default=3, help="best of this many runs per build and net")
    ap.add_argument("--this", default=None, help="site directory of this build (default: the installed package)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", default=None, help="run only the nets whose name contains this")
    args = ap.parse_args()
    print(f"threads {args.threads}, best of {args.repeats}, builds alternating")
    print(f"{'net':<22} {'regions':>8} {'base s':>9} {'this s':>9} {'this/base speed':>16} {'patterns':>9}")
    for name, case in CASES.items():
        if args.only and args.only not in name:
            continue
        base, this = [], []
        for _ in range(args.repeats):
            base.append(run(args.base, case, args.threads))
            this.append(run(args.this, case, args.threads))
        if base[0]["core"] == this[0]["core"]:
            raise SystemExit(f"both builds import the same core ({this[0]['core']}): check --base")
        b = min(r["seconds"] for r in base)
        t = min(r["seconds"] for r in this)
        steady = ""
        if b < 0.02 or t < 0.02:  # repeated calls' medians, best over the processes
            bs, ts = (min(r.get("steady", r["seconds"]) for r in runs) for runs in (base, this))
            steady = f"  repeated: {bs:.6f} / {ts:.6f} s = {bs / ts:.2f} x"
        same = len({r["hash"] for r in base + this}) == 1
        # Threads stopped at a region cap keep whichever regions they reached first.
        capped = case[4] is not None and case[2] != "local" and args.threads > 1
        verdict = "capped" if capped else ("same" if same else "DIFFER")
        print(f"{name:<22} {this[0]['count']:>8} {b:>9.5f} {t:>9.5f} {b / t:>16.3f} {verdict:>9}{steady}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
