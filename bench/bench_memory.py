"""Peak memory per region of a walk, counting only (no witness points) and
enumerating with points, each in a fresh process so that peaks do not mix:

    python bench/bench_memory.py            # 6-16x2 box (188k regions) and a 1M-region count
    python bench/bench_memory.py --quick    # the first net only

Peak memory is the process's peak resident set (ru_maxrss) minus its resident
set once the network is built, divided by the regions found. It includes the
visited set, the frontier (patterns, points, carried LP certificates) and the
result arrays handed to Python.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
import numpy as np
import regionwalk as rw
from regionwalk.examples import random_mlp
widths, store, max_regions, threads = json.loads(sys.argv[1])
net = random_mlp(tuple(widths), seed=0)
d = net.input_dim
box = rw.Box(np.full(d, -1.0), np.full(d, 1.0))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
t = time.perf_counter()
res = rw.enumerate_regions(net, box, threads=threads, store_points=store,
                           max_regions=max_regions if max_regions > 0 else None)
secs = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"regions": res.count, "complete": res.complete, "seconds": secs,
                  "delta_bytes": (peak - base) * 1024}))
"""


def measure(widths, store, max_regions=0, threads=1):
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps([list(widths), store, max_regions, threads])],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cases = [((6, 16, 16, 1), 0, 1)]
    if not args.quick:
        cases.append(((5, 32, 32, 1), 1_000_000, 2))
    print(f"{'net, box [-1,1]^d':<20} {'mode':<18} {'regions':>9} {'complete':>8} {'seconds':>8} "
          f"{'peak MiB':>9} {'bytes/region':>13}")
    for widths, max_regions, threads in cases:
        name = "-".join(map(str, widths[:-1]))
        modes = [("count (no points)", False)]
        if max_regions == 0:
            modes.append(("enumerate + points", True))
        for mode, store in modes:
            r = measure(widths, store, max_regions, threads)
            per = r["delta_bytes"] / max(1, r["regions"])
            print(f"{name:<20} {mode:<18} {r['regions']:>9,} {str(r['complete']):>8} {r['seconds']:>8.1f} "
                  f"{r['delta_bytes'] / 2**20:>9.1f} {per:>13.0f}")


if __name__ == "__main__":
    main()
