"""Random walks of degenerate nets, this build against another, pattern by
pattern: a change that should not change any count is checked on hundreds of
nets the tests do not hold (integer weights, no biases, duplicated, parallel
and zero neurons, weights scaled by 1e-4..1e4; boxes off-centre, thin and
unequal; balls of several radii). Prints the walks whose patterns differ.
With --engines, this build's two engines instead: the box's complex
(engine="auto", no region cap) against the walk (engine="walk"); with
--engines --device DEV, the complex built with torch on DEV against the
compiled one (both engine="auto", no region cap).

    pip install --no-build-isolation --no-deps --target /tmp/base_site <old checkout>
    python bench/stress_builds.py --base /tmp/base_site --domain box --walks 300 [--seed 3]
    python bench/stress_builds.py --engines --walks 300 --min-dim 3 --max-dim 8 [--threads 2]
    python bench/stress_builds.py --engines --device cpu --walks 300 --min-dim 3 --max-dim 8
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import hashlib, json, os, sys
if os.environ.get("RW_COMPARE_BASE"):
    sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("_editable_skbc_")]
import numpy as np
import regionwalk as rw

def net_of(rng, d):
    widths = [d] + [int(rng.integers(2, 13)) for _ in range(int(rng.integers(1, 4)))] + [1]
    fam = str(rng.choice(["general", "integer", "bias-free", "duplicated", "parallel", "zero", "scaled"]))
    ws = [rng.normal(size=(o, i)) for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.normal(scale=0.5, size=o) for o in widths[1:]]
    if fam == "integer":
        ws, bs = [np.round(1.5 * w) for w in ws], [np.round(b) for b in bs]
    elif fam == "bias-free":
        bs = [0.0 * b for b in bs]
    elif fam == "duplicated" and widths[1] > 2:
        ws[0][1], bs[0][1], ws[0][2], bs[0][2] = ws[0][0], bs[0][0], -ws[0][0], -bs[0][0]
    elif fam == "parallel" and widths[1] > 2:
        ws[0][1], bs[0][1], ws[0][2], bs[0][2] = 2 * ws[0][0], bs[0][0] + 0.3, ws[0][0], bs[0][0] + 1e-7
    elif fam == "zero":
        ws[0][0], bs[0][0] = 0.0, 0.0
    elif fam == "scaled":
        s = 10.0 ** rng.integers(-4, 5)
        ws, bs = [s * w for w in ws], [s * b for b in bs]
    return fam, widths, rw.Network(ws, bs)

def domain_of(rng, kind, d, fam):
    c = np.zeros(d) if fam == "bias-free" and rng.random() < 0.5 else rng.normal(scale=0.3, size=d)
    if kind == "ball":
        return rw.Ball(c, float(rng.choice([0.05, 0.3, 1.0, 2.0])))
    if rng.random() < 0.3:
        half = rng.choice([0.05, 0.5, 1.0, 3.0], size=d)
    else:
        half = np.full(d, float(rng.choice([0.1, 1.0, 2.0])))
    return rw.Box(c - half, c + half)

kind, seed, walks, lo, hi, cap, engine, threads, device = json.loads(sys.argv[1])
top = np.random.default_rng(seed)
out = {"core": rw._core.__file__}
for i in range(walks):
    rng = np.random.default_rng(top.integers(1 << 31))
    d = int(rng.integers(lo, hi + 1))
    fam, widths, net = net_of(rng, d)
    dom = domain_of(rng, kind, d, fam)
    try:
        kw = {} if engine is None else {"engine": engine}
        if device is not None:
            kw["device"] = device
        res = rw.enumerate_regions(net, dom, threads=threads, store_points=False, max_regions=cap, **kw)
        h = hashlib.sha1(np.packbits(res.patterns, axis=1).tobytes()).hexdigest()[:12]
        out[str(i)] = [fam, widths, res.count, bool(res.complete), bool(res.certified), h]
        out["complex"] = out.get("complex", 0) + (res.stats.get("subdivision_vertices", 0) > 0)
        out["device"] = out.get("device", 0) + (getattr(res, "device", None) is not None)
    except Exception as e:  # reported, not fatal: a crash is a finding too
        out[str(i)] = [fam, widths, "error", str(e)[:100]]
print(json.dumps(out))
"""


def run(site: str | None, args: argparse.Namespace, engine: str | None = None, device: str | None = None) -> dict:
    env = dict(os.environ)
    if site:
        env["PYTHONPATH"] = site + os.pathsep + env.get("PYTHONPATH", "")
        env["RW_COMPARE_BASE"] = "1"
    cap = None if args.engines else args.cap
    spec = [args.domain, args.seed, args.walks, args.min_dim, args.max_dim, cap, engine, args.threads, device]
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", help="site directory of the build to compare against")
    ap.add_argument("--engines", action="store_true", help="compare this build's complex with its walk")
    ap.add_argument("--domain", choices=["box", "ball"], default="box")
    ap.add_argument("--walks", type=int, default=300)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--min-dim", type=int, default=3)
    ap.add_argument("--max-dim", type=int, default=6)
    ap.add_argument("--cap", type=int, default=30_000, help="regions per walk at most")
    ap.add_argument("--threads", type=int, default=1, help="threads of every walk (both builds or engines)")
    ap.add_argument("--device", help="with --engines: the torch complex on this device against the compiled one")
    args = ap.parse_args()
    if args.engines == (args.base is not None):
        raise SystemExit("give either --base SITE or --engines")
    if args.device and not args.engines:
        raise SystemExit("--device goes with --engines")
    if args.engines:
        this, base = run(None, args, "auto", args.device), run(None, args, "auto" if args.device else "walk")
        this.pop("core"), base.pop("core")
        if args.device:
            print(f"the torch complex answered {this.pop('device', 0)} walks, the compiled one {base.pop('complex', 0)}")
        else:
            print(f"the complex answered {this.pop('complex', 0)} walks")
        for v in (this, base):
            v.pop("complex", None), v.pop("device", None)
    else:
        this, base = run(None, args), run(args.base, args)
        if this.pop("core") == base.pop("core"):
            raise SystemExit("both builds import the same core: check --base")
        for v in (this, base):
            v.pop("complex", None), v.pop("device", None)
    # Threads stopped at the region cap keep whichever regions they reached
    # first: such walks agree only in their count.
    def capped(v: list) -> bool:
        return args.threads > 1 and v[2] == args.cap and not v[3]

    differ = [k for k in this if this[k] != base[k] and not (capped(this[k]) and this[k][:5] == base[k][:5])]
    regions = sum(v[2] for v in this.values() if v[2] != "error")
    stopped = sum(capped(v) for v in this.values())
    print(f"{len(this)} walks, {regions} regions; {len(differ)} differ" +
          (f" ({stopped} stopped at the cap compared by count)" if stopped else ""))
    for k in differ:
        print(f"  walk {k}: this {this[k]}\n           base {base[k]}")
    bad = [v for v in this.values() if v[2] == "error" or not v[4]]
    print(f"errors or uncertified walks in this build: {len(bad)}")
    for v in bad[:10]:
        print(f"  {v}")


if __name__ == "__main__":
    main()
