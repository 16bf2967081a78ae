"""Walks that outgrow one machine or one sitting (issue 19): Ray against local threads,
the projected speed-up at 8-128 workers, bytes per region, checkpoint costs.

    python -W ignore bench/bench_scale.py                 # everything (a few minutes)
    python -W ignore bench/bench_scale.py --only ray      # ray | project | memory | checkpoint
    python -W ignore bench/bench_scale.py --quick         # smaller walks

1. ray: one walk of a few seconds (4-24x2, unit box) on local threads (1, 2) and on
   Ray with 1 and 2 workers (a local runtime started before timing, warmed up);
   patterns compared bit for bit.
2. project: the same walk split into tasks as the Ray driver splits it for W
   workers, W = 1 ... 128. A trace of the real walk (each region's expand time,
   from the core's Expander in this process, and its neighbours) is replayed by a
   discrete-event model of the driver: at most 2W tasks in flight, batches of
   frontier/(2W) items (1 to 256), W workers, a per-task Ray latency measured with
   no-op tasks, and the driver's own cost per task and per neighbour measured in the
   Ray run of part 1 (least squares over its tasks). The model is checked against
   the measured 1- and 2-worker runs. Duplicates: neighbours shipped back per region.
3. memory: peak resident bytes per region, each walk in a fresh process: 6-16x2 in
   the unit box counting and with witness points, locally and on Ray (the driver's
   Python visited set), and 784-64-64 in a ball of radius 0.2.
4. checkpoint: state size and write / read+verify times per region for the 6-16x2
   walk stopped at several sizes, and a full walk checkpointing every 2 s against
   none.
"""

from __future__ import annotations

import argparse
import heapq
import json
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

import numpy as np

import regionwalk as rw
from regionwalk import _core
from regionwalk import checkpoint as ck
from regionwalk import ray_backend
from regionwalk.nets import random_mlp
from regionwalk.walk import _core_problem

WORKERS = (1, 2, 8, 16, 32, 64, 128)


def ray_net(quick: bool):
    widths = (3, 24, 24, 1) if quick else (4, 24, 24, 1)
    return random_mlp(widths, seed=0), rw.Box(-np.ones(widths[0]), np.ones(widths[0])), "-".join(map(str, widths[:-1]))


# -- 1. Ray against local threads -----------------------------------------------------------


class DriverClock:
    """Times the Ray driver's own work: each task's collect (get + dedup) and each submit."""

    def __init__(self):
        self.collect: list[tuple[float, int]] = []  # (seconds, neighbours returned)
        self.submit: list[float] = []
        self.add: list[tuple[float, int]] = []  # (seconds, neighbours) of the visited-set update
        self._orig = (ray_backend._Driver._collect, ray_backend._Driver._submit, ray_backend._Walk.add_batch)

    def __enter__(self):
        clock = self
        collect, submit, add = self._orig

        def timed_collect(drv, ref, regions):
            known, found, t = drv.walk.stats["skipped_known"], len(drv.walk.visited), time.perf_counter()
            collect(drv, ref, regions)
            shipped = drv.walk.stats["skipped_known"] - known + len(drv.walk.visited) - found
            clock.collect.append((time.perf_counter() - t, shipped))

        def timed_add(walk, exp, regions):
            t = time.perf_counter()
            out = add(walk, exp, regions)
            clock.add.append((time.perf_counter() - t, len(exp.ends)))
            return out

        def timed_submit(drv, remote, problem):
            before, t = drv.walk.stats["tasks"], time.perf_counter()
            submit(drv, remote, problem)
            if drv.walk.stats["tasks"] > before:
                clock.submit.append((time.perf_counter() - t) / (drv.walk.stats["tasks"] - before))

        ray_backend._Driver._collect, ray_backend._Driver._submit = timed_collect, timed_submit
        ray_backend._Walk.add_batch = timed_add
        return self

    def __exit__(self, *exc):
        ray_backend._Driver._collect, ray_backend._Driver._submit, ray_backend._Walk.add_batch = self._orig

    def costs(self) -> tuple[float, float]:
        """Driver seconds per task (submit, get, counters: all of a task's handling but the
        visited-set update) and per neighbour shipped back (the visited-set update)."""
        add_s = sum(a for a, _ in self.add)
        per_nb = add_s / max(1, sum(n for _, n in self.add))
        per_task = (sum(c for c, _ in self.collect) - add_s) / max(1, len(self.collect))
        return float(per_task + np.median(self.submit)), float(per_nb)


def _best(fn, runs=2):
    best = None
    for _ in range(runs):
        t = time.perf_counter()
        res = fn()
        wall = time.perf_counter() - t
        best = (wall, res) if best is None or wall < best[0] else best
    return best


def part_ray(quick: bool) -> dict:
    import ray

    net, box, name = ray_net(quick)
    print(f"\n1. Ray against local threads: {name}, unit box (wall seconds, best of 2)")
    print(f"{'backend':<22} {'regions':>8} {'seconds':>8} {'regions/s':>10} {'vs 1 thread':>12} {'same patterns':>14}")
    ref_wall, ref = _best(lambda: rw.enumerate_regions(net, box, threads=1, store_points=False))
    rows = [("local, 1 thread", ref_wall, ref)]
    rows.append(("local, 2 threads", *_best(lambda: rw.enumerate_regions(net, box, threads=2, store_points=False))))
    out = {"local_1": ref_wall, "regions": ref.count}
    clock = None
    for workers in (1, 2):
        ray.shutdown()
        ray_backend.ensure_ray(None, workers)
        rw.enumerate_regions(net, box, threads=workers, backend="ray", max_regions=2000, store_points=False)  # warm
        with DriverClock() as clk:
            wall, res = _best(lambda: rw.enumerate_regions(net, box, threads=workers, backend="ray",
                                                           store_points=False))
        rows.append((f"ray, {workers} worker{'s' if workers > 1 else ''}", wall, res))
        out[f"ray_{workers}"] = wall
        out[f"ray_{workers}_tasks"] = res.stats["tasks"]
        clock = clk if workers == 2 else clock
        out["neighbours_per_region"] = res.stats["neighbours"] / res.count
        out["known_fraction"] = res.stats["skipped_known"] / max(1, res.stats["neighbours"])
    for label, wall, res in rows:
        same = np.array_equal(res.packed, ref.packed)
        print(f"{label:<22} {res.count:>8,} {wall:>8.2f} {res.count / wall:>10,.0f} {ref_wall / wall:>11.2f}x {str(same):>14}")
    out["latency"] = _latency(ray)
    out["c_task"], out["c_nb"] = clock.costs()
    ray.shutdown()
    print(f"neighbours shipped back per region {out['neighbours_per_region']:.2f}, of which already known "
          f"{out['known_fraction']:.1%} (the duplicate overhead of the expand design: each region is reached "
          f"from each of its neighbours)")
    print(f"driver: {out['c_task'] * 1e6:.0f} us per task + {out['c_nb'] * 1e6:.1f} us per neighbour; "
          f"no-op task round trip {out['latency'] * 1e3:.2f} ms")
    return out


def _latency(ray) -> float:
    @ray.remote
    def noop(x):
        return x

    ray.get(noop.remote(0))
    n = 200
    t = time.perf_counter()
    for i in range(n):
        ray.get(noop.remote(i))
    return (time.perf_counter() - t) / n


# -- 2. the projection -------------------------------------------------------------------------


def trace(net, dom, cap=0):
    """The walk as a graph: each region's expand seconds and neighbour ids (seed = 0);
    with ``cap``, the first ``cap`` regions in breadth-first order (later ones are not
    expanded, as under max_regions)."""
    x0 = dom.center if dom is not None else np.zeros(net.input_dim)
    core_net, core_domain, y0, *_ = _core_problem(net, dom, x0)
    exp = _core.Expander(core_net, core_domain, 0.0)
    seed = exp.seed(y0)
    ids = {_core.item_pattern(seed): 0}
    items, cost, nbrs = [seed], [], []
    i = 0
    while i < len(items):
        t = time.perf_counter()
        out = exp.expand(items[i])
        cost.append(time.perf_counter() - t)
        items[i] = b""  # expanded: keep only the graph
        row = []
        for nb in out:
            key = _core.item_pattern(nb)
            if key not in ids and (cap <= 0 or len(items) < cap):
                ids[key] = len(items)
                items.append(nb)
            if key in ids:
                row.append(ids[key])
        nbrs.append(row)
        i += 1
    return np.array(cost), nbrs


def simulate(cost, nbrs, workers, c_task, c_nb, latency):
    """Makespan of the driver's schedule with ``workers`` workers (seconds)."""
    frontier, seen = deque([0]), {0}
    free = [0.0] * workers  # when each worker is next free
    heapq.heapify(free)
    running: list[tuple[float, int, list[int]]] = []  # (finish, seq, batch)
    clock, seq, busy = 0.0, 0, 0.0
    done_items, done_seconds = 0, 0.0
    while frontier or running:
        while frontier and len(running) < 2 * workers:
            per_item = done_seconds / done_items if done_items else None
            size = ray_backend.batch_size(len(frontier), workers, per_item, c_task)
            batch = [frontier.popleft() for _ in range(size)]
            start = max(clock, heapq.heappop(free))
            finish = start + latency + float(cost[batch].sum())
            heapq.heappush(free, finish)
            heapq.heappush(running, (finish, seq, batch))
            seq += 1
        finish, _, batch = heapq.heappop(running)
        clock = max(clock, finish)
        done_items, done_seconds = done_items + len(batch), done_seconds + float(cost[batch].sum())
        returned = {n for b in batch for n in nbrs[b]}
        clock += c_task + c_nb * len(returned)
        busy += c_task + c_nb * len(returned)
        for n in returned:
            if n not in seen:
                seen.add(n)
                frontier.append(n)
    return clock, busy / clock, seq


def projection_cases(quick: bool):
    net, box, name = ray_net(quick)
    x784 = np.random.default_rng(7).uniform(0, 1, size=784)
    six = random_mlp((6, 16, 16, 1), seed=0), rw.Box(-np.ones(6), np.ones(6))
    return [(f"{name}, unit box", net, box, 0),
            *([] if quick else [("6-16-16, unit box", *six, 0)]),
            ("784-64-64, ball r=0.2 (first regions)", random_mlp((784, 64, 64, 1), seed=2), rw.Ball(x784, 0.2),
             800 if quick else 4000)]


def part_project(quick: bool, measured: dict | None) -> None:
    if measured is None:
        measured = {"c_task": 3.5e-4, "c_nb": 3.1e-6, "latency": 1.5e-3}
        print("(driver costs not measured in this run: 350 us per task, 3.1 us per neighbour, 1.5 ms latency)")
    print(f"\n2. Projected speed-up (driver {measured['c_task'] * 1e6:.0f} us/task + {measured['c_nb'] * 1e6:.1f} "
          f"us/neighbour, task latency {measured['latency'] * 1e3:.2f} ms, batches of "
          f"at least max({ray_backend.TASK_SECONDS * 1e3:g} ms, 2 W x driver time per task) of expand time, at most "
          f"{ray_backend.MAX_BATCH} items)")
    for label, net, dom, cap in projection_cases(quick):
        cost, nbrs = trace(net, dom, cap)
        total = float(cost.sum())
        print(f"{label}: {len(cost):,} regions, expand {total:.2f} s in all ({total / len(cost) * 1e6:,.0f} us "
              f"per region, one process), {np.mean([len(n) for n in nbrs]):.2f} neighbours per region")
        print(f"{'workers':>8} {'tasks':>7} {'projected s':>12} {'vs 1 worker':>12} {'efficiency':>11} "
              f"{'driver busy':>12}")
        base = None
        for w in WORKERS:
            t, busy, tasks = simulate(cost, nbrs, w, measured["c_task"], measured["c_nb"], measured["latency"])
            base = base or t
            print(f"{w:>8} {tasks:>7,} {t:>12.3f} {base / t:>11.2f}x {base / t / w:>10.0%} "
                  f"{busy:>11.0%}")
    if "ray_1" in measured:
        print(f"measured for the first net on this machine: 1 worker {measured['ray_1']:.2f} s, 2 workers "
              f"{measured['ray_2']:.2f} s (2 cores shared by the driver, the workers and other jobs)")


# -- 3. memory ---------------------------------------------------------------------------------

CHILD = r"""
import json, sys, time, warnings
import numpy as np
import regionwalk as rw
from regionwalk.nets import random_mlp
warnings.simplefilter("ignore")
case, store, backend, cap = json.loads(sys.argv[1])
if case == "784":
    net = random_mlp((784, 64, 64, 1), seed=2)
    dom = rw.Ball(np.random.default_rng(7).uniform(0, 1, size=784), 0.2)
else:
    net = random_mlp((6, 16, 16, 1), seed=0)
    dom = rw.Box(-np.ones(6), np.ones(6))
if backend == "ray":
    from regionwalk import ray_backend
    ray_backend.ensure_ray(None, 2)
    rw.enumerate_regions(net, dom, backend="ray", max_regions=200, threads=2)
def status(key):  # kB from /proc/self/status
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
import gc; gc.collect()
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
base = status("VmRSS")
t = time.perf_counter()
res = rw.enumerate_regions(net, dom, threads=2, store_points=store, backend=backend,
                           max_regions=cap if cap > 0 else None)
secs = time.perf_counter() - t
peak = status("VmHWM")
print(json.dumps({"regions": res.count, "complete": res.complete, "seconds": secs,
                  "delta_bytes": peak - base}))
"""


def part_memory(quick: bool) -> None:
    print("\n3. Peak memory per region (fresh process each; peak RSS (VmHWM, reset before the walk) over the RSS "
          "before it; Ray: the driver process only)")
    print(f"{'case':<34} {'mode':<20} {'regions':>9} {'seconds':>8} {'peak MiB':>9} {'bytes/region':>13}")
    cap784 = 3000 if quick else 0
    cases = [("6-16x2, box [-1,1]^6", "6", False, "local", 0), ("6-16x2, box [-1,1]^6", "6", True, "local", 0),
             ("6-16x2, box [-1,1]^6", "6", False, "ray", 0), ("6-16x2, box [-1,1]^6", "6", True, "ray", 0),
             ("784-64-64, ball r=0.2", "784", False, "local", cap784),
             ("784-64-64, ball r=0.2", "784", True, "local", cap784)]
    for label, case, store, backend, cap in cases:
        out = subprocess.run([sys.executable, "-c", CHILD, json.dumps([case, store, backend, cap])],
                             check=True, capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        mode = f"{backend}, {'points' if store else 'count'}"
        print(f"{label:<34} {mode:<20} {r['regions']:>9,} {r['seconds']:>8.1f} {r['delta_bytes'] / 2**20:>9.1f} "
              f"{r['delta_bytes'] / max(1, r['regions']):>13.0f}")


# -- 4. checkpoints ------------------------------------------------------------------------------


def part_checkpoint(quick: bool) -> None:
    net, box = random_mlp((6, 16, 16, 1), seed=0), rw.Box(-np.ones(6), np.ones(6))
    core_net, core_domain, y0, *_ = _core_problem(net, box, box.center)
    fp = ck.fingerprint(net, box, 0.0)
    print("\n4. Checkpoints of the 6-16x2 walk (unit box), stopped at a region count")
    print(f"{'regions':>9} {'points':>7} {'file MiB':>9} {'bytes/region':>13} {'write s':>8} "
          f"{'read+verify s':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.rwck"
        for cap in ((20_000, 60_000) if quick else (20_000, 60_000, 120_000)):
            for store in (False, True):
                raw = _core.walk(core_net, core_domain, y0, threads=2, max_regions=cap, store_points=store,
                                 keep_state=True)
                t = time.perf_counter()
                size = ck.write_checkpoint(path, "core", raw["state"], fp, count=cap, store_points=store)
                tw = time.perf_counter() - t
                t = time.perf_counter()
                ck.read_checkpoint(path, fp)
                tr = time.perf_counter() - t
                print(f"{cap:>9,} {str(store):>7} {size / 2**20:>9.1f} {size / cap:>13.0f} {tw:>8.3f} {tr:>14.3f}")
        if not quick:
            t = time.perf_counter()
            plain = rw.count_regions(net, box, threads=2)
            tp = time.perf_counter() - t
            t = time.perf_counter()
            with_ck = rw.count_regions(net, box, threads=2, checkpoint=path, checkpoint_every=2.0)
            tc = time.perf_counter() - t
            print(f"full walk, 2 threads: {plain:,} regions in {tp:.1f} s; checkpointing every 2 s: {with_ck:,} in "
                  f"{tc:.1f} s ({tc / tp - 1:+.0%})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=("ray", "project", "memory", "checkpoint"), default=None)
    args = ap.parse_args()
    measured = None
    if args.only in (None, "ray", "project"):
        measured = part_ray(args.quick)
    if args.only in (None, "project"):
        part_project(args.quick, measured)
    if args.only in (None, "memory"):
        part_memory(args.quick)
    if args.only in (None, "checkpoint"):
        part_checkpoint(args.quick)


if __name__ == "__main__":
    main()
