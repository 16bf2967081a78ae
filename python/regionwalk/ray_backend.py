"""``enumerate_regions(..., backend="ray")``: the walk's expand step on Ray workers.

The driver (this process) keeps the visited set (pattern bytes -> region index)
and the frontier of regions still to expand. It ships batches of frontier items
(self-contained bytes: pattern, witness point, carried proofs) to remote tasks;
each task expands its items with the core's ``Expander`` (built once per worker
process) and returns the neighbours found across their facets. The driver keeps
the neighbours whose pattern is new. Expanding is pure, so a task that is
retried after its worker died returns the same neighbours, and the visited set
makes a second copy harmless: no region is lost or counted twice.

With no ``address`` a local Ray runtime is started on this machine (quietly, no
dashboard) and kept for later walks of this process (``ray.shutdown()`` ends
it); with an address the driver joins that cluster, whose nodes need the same
regionwalk installed.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regionwalk import _core
from regionwalk import checkpoint as ck

__all__ = ["walk_ray", "ensure_ray", "MAX_RETRIES"]

MAX_RETRIES = 5
"""Times a task whose worker died is run again."""
MAX_BATCH = 2048
"""Most frontier items in one task."""
MIN_BATCH = 16
"""Fewest frontier items in one task (while the frontier has them) until expand times are known."""
TASK_SECONDS = 0.005
"""Expand time a task should hold at least (while the frontier allows)."""
TASK_OVERHEAD = 0.0005
"""The driver's own seconds per task (submit, get, bookkeeping) until it has measured them
(0.3-2.4 ms measured here): with ``W`` workers a task should hold ``2 W`` times that, or
the driver falls behind."""


def batch_size(frontier: int, workers: int, per_item: float | None = None,
               overhead: float = TASK_OVERHEAD) -> int:
    """Items in the next task: the frontier shared by twice the workers, at most
    ``MAX_BATCH``, and at least ``max(TASK_SECONDS, 2 * workers * overhead)`` of expand
    time at ``per_item`` seconds per item (``MIN_BATCH`` items while unknown)."""
    if not per_item or per_item <= 0:
        lo = MIN_BATCH
    else:
        lo = int(min(MAX_BATCH, max(1.0, max(TASK_SECONDS, 2 * workers * overhead) / per_item)))
    return max(1, min(frontier, max(lo, min(MAX_BATCH, frontier // (2 * workers)))))


_EXPANDERS: dict[str, Any] = {}
"""Per worker process: the Expander of the problem last seen, by fingerprint."""


# -- the runtime -------------------------------------------------------------------


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError('backend="ray" needs Ray, which is not installed: pip install "regionwalk[ray]"') from None
    return ray


def ensure_ray(address: str | None = None, num_cpus: int | None = None) -> Any:
    """The ``ray`` module with a runtime attached: the one already running in this
    process, else a new local runtime (``address=None``, ``num_cpus`` CPUs) or the
    cluster at ``address``."""
    ray = _import_ray()
    if ray.is_initialized():
        return ray
    quiet: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    if address is None:
        ray.init(num_cpus=num_cpus, **quiet)
        return ray
    try:
        ray.init(address=address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"address {address!r}: cannot join a Ray cluster there ({first})") from None
    return ray


# -- the worker side ---------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What a worker needs to rebuild the core problem: the network's arrays, the
    domain, the seed, the core tolerance, and the fingerprint naming them."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    alpha: float
    domain: Any
    x0: np.ndarray
    tol: float
    key: str

    def expander(self) -> Any:
        from regionwalk.network import Network
        from regionwalk.walk import _core_problem

        net = Network(self.weights, self.biases, self.alpha)
        core_net, core_domain, *_ = _core_problem(net, self.domain, self.x0)
        return _core.Expander(core_net, core_domain, self.tol)


def _worker_expander(problem: Problem) -> Any:
    found = _EXPANDERS.get(problem.key)
    if found is None:
        _EXPANDERS.clear()
        found = _EXPANDERS[problem.key] = problem.expander()
    return found


def _crash_once(marker: str | None) -> None:
    """Test hook: the first task to see ``marker`` absent creates it and kills its worker."""
    if marker is not None:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
        os._exit(1)


@dataclass(frozen=True)
class Expanded:
    """What a task returns, packed to cross process boundaries cheaply: the new-to-this-batch
    neighbours' patterns (``width`` bytes each, one blob), their items (one blob cut at
    ``ends``) and witness points (core coordinates), the neighbours found before
    deduplication, the seconds spent expanding, and the core's counters for the batch."""

    patterns: bytes
    width: int
    items: bytes
    ends: list[int]
    points: np.ndarray
    raw: int
    seconds: float
    counters: dict[str, int]

    def item(self, i: int) -> bytes:
        return self.items[self.ends[i - 1] if i else 0:self.ends[i]]


def expand_batch(problem: Problem, items: list[bytes], crash_marker: str | None = None) -> Expanded:
    """Expand ``items`` with this worker's Expander; each neighbour pattern once per batch."""
    _crash_once(crash_marker)
    expander = _worker_expander(problem)
    before = dict(expander.stats)
    start = time.perf_counter()
    patterns: list[bytes] = []
    out: list[bytes] = []
    seen: set[bytes] = set()
    raw = 0
    for item in items:
        for nb in expander.expand(item):
            raw += 1
            pat = _core.item_pattern(nb)
            if pat not in seen:
                seen.add(pat)
                patterns.append(pat)
                out.append(nb)
    points = np.array([_core.item_point(nb) for nb in out], dtype=np.float64).reshape(len(out), -1)
    seconds = time.perf_counter() - start
    counters = {k: v - before.get(k, 0) for k, v in expander.stats.items() if isinstance(v, int)}
    return Expanded(b"".join(patterns), len(patterns[0]) if patterns else 0, b"".join(out),
                    np.cumsum([len(b) for b in out]).tolist(), points, raw, seconds, counters)


# -- the driver --------------------------------------------------------------------------


@dataclass
class _Walk:
    """The driver's state: visited patterns (and their points), the frontier, counters."""

    words: int
    dim: int
    store_points: bool
    visited: dict[bytes, int] = field(default_factory=dict)
    points: list[np.ndarray] = field(default_factory=list)
    frontier: deque[bytes] = field(default_factory=deque)
    frontier_bytes: int = 0
    stats: dict[str, Any] = field(default_factory=lambda: {"tasks": 0, "tasks_done": 0, "expanded": 0,
                                                           "neighbours": 0, "skipped_known": 0,
                                                           "task_seconds": 0.0, "driver_seconds": 0.0})

    def add(self, pattern: bytes, item: bytes, point: np.ndarray) -> None:
        """Add a region known to be new (the seed)."""
        self.visited[pattern] = len(self.visited)
        if self.store_points:
            self.points.append(np.asarray(point, dtype=np.float64).reshape(1, -1))
        self.push(item)

    def add_batch(self, exp: Expanded, regions: int) -> bool:
        """Add the batch's new regions to the visited set and the frontier; False when
        ``regions`` (> 0) was reached before a new one (the rest is dropped)."""
        width, new_rows, known = exp.width, [], 0
        for i in range(len(exp.ends)):
            key = exp.patterns[i * width:(i + 1) * width]
            if key in self.visited:
                known += 1
                continue
            if 0 < regions <= len(self.visited):
                break
            self.visited[key] = len(self.visited)
            new_rows.append(i)
            self.push(exp.item(i))
        if self.store_points and new_rows:
            self.points.append(exp.points[new_rows])
        self.stats["skipped_known"] += known
        return len(new_rows) + known == len(exp.ends)

    def push(self, item: bytes) -> None:
        self.frontier.append(item)
        self.frontier_bytes += len(item)

    def take(self, n: int) -> list[bytes]:
        batch = [self.frontier.popleft() for _ in range(min(n, len(self.frontier)))]
        self.frontier_bytes -= sum(len(b) for b in batch)
        return batch

    def memory(self) -> int:
        """Bytes held, roughly: keys and dict slots, points, frontier items and their objects."""
        per_region = 8 * self.words + 33 + 100 + (8 * self.dim if self.store_points else 0)
        return len(self.visited) * per_region + self.frontier_bytes + 33 * len(self.frontier)

    def packed(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Patterns as ``(n, words)`` uint64 sorted as the core sorts them, and their points."""
        n = len(self.visited)
        packed = np.frombuffer(b"".join(self.visited), dtype="<u8").reshape(n, self.words).astype(np.uint64)
        order = np.lexsort(packed.T[::-1]) if n else np.zeros(0, dtype=np.intp)
        index = np.fromiter(self.visited.values(), dtype=np.intp, count=n)[order]
        points = None
        if self.store_points:
            pts = np.concatenate(self.points) if self.points else np.zeros((0, self.dim))
            points = pts[index]
        return np.ascontiguousarray(packed[order]), points


def _problem(job: Any) -> Problem:
    net = job.net
    return Problem([np.asarray(w) for w in net.weights], [np.asarray(b) for b in net.biases], float(net.alpha),
                   job.domain, np.asarray(job.x0, dtype=np.float64), float(job.tol),
                   "/".join(job.fingerprint.values()))


def _seed(job: Any, walk: _Walk) -> None:
    from regionwalk.walk import seed_errors

    expander = _core.Expander(job.core_net, job.core_domain, job.tol)
    with seed_errors():
        item = expander.seed(np.asarray(job.y0, dtype=np.float64))
    walk.add(bytes(_core.item_pattern(item)), item, _core.item_point(item))


def _state_payload(walk: _Walk, pending: list[bytes]) -> bytes:
    """The ``"frontier"`` checkpoint payload: visited patterns and points, and the items
    still to expand (the frontier and the batches in flight)."""
    packed, points = walk.packed()
    items = [*pending, *walk.frontier]
    sizes = np.fromiter((len(b) for b in items), dtype=np.int64, count=len(items))
    blob = np.frombuffer(b"".join(items), dtype=np.uint8)
    return ck.pack_arrays(packed=packed, points=points if points is not None else np.zeros((0, walk.dim)),
                          item_sizes=sizes, items=blob)


def _restore(walk: _Walk, payload: bytes) -> None:
    arrays = ck.unpack_arrays(payload)
    packed = np.ascontiguousarray(arrays["packed"], dtype="<u8")
    if packed.ndim != 2 or packed.shape[1] != walk.words:
        raise ValueError("checkpoint's patterns do not match this network's neuron count")
    for i, row in enumerate(packed):
        walk.visited[row.tobytes()] = i
    if walk.store_points:
        walk.points = [np.asarray(arrays["points"], dtype=np.float64).reshape(len(packed), walk.dim)]
    blob = arrays["items"].tobytes()
    offsets = np.concatenate([[0], np.cumsum(arrays["item_sizes"])])
    for lo, hi in zip(offsets[:-1], offsets[1:]):
        walk.push(blob[lo:hi])


@dataclass
class _Driver:
    """Runs the batches: submits, collects, checks limits, reports progress, checkpoints."""

    ray: Any
    job: Any
    opts: Any
    walk: _Walk
    workers: int
    before: float = 0.0
    crash_marker: str | None = None
    in_flight: dict[Any, list[bytes]] = field(default_factory=dict)
    stop: str = "complete"
    capped: bool = False

    def run(self) -> None:
        from regionwalk._segments import deferred_sigint

        limit = self.job.limits[1]
        remote = self.ray.remote(max_retries=MAX_RETRIES, num_cpus=1)(expand_batch)
        problem = self.ray.put(_problem(self.job))
        start = time.monotonic()
        deadline = start + limit if limit > 0 else math.inf
        with deferred_sigint() as pressed:
            self._loop(remote, problem, start, deadline, pressed)

    def _loop(self, remote: Any, problem: Any, start: float, deadline: float, pressed: Any) -> None:
        regions, _, _, memory = self.job.limits
        last_report = last_save = start
        try:
            while self.walk.frontier or self.in_flight:
                if pressed.is_set():
                    self.stop = "interrupted"
                    break
                self._submit(remote, problem)
                for ref in self._ready():
                    self._collect(ref, regions)
                now = time.monotonic()
                self.stop = self._limit(regions, memory, now, deadline)
                if self.stop != "complete":
                    break
                if self.job.callback is not None and now - last_report >= _progress_interval():
                    self.job.callback(len(self.walk.visited), self.before + now - start, self._pending())
                    last_report = now
                if self.opts.checkpoint is not None and now - last_save >= self.opts.every:
                    self.save(self.before + now - start)
                    last_save = time.monotonic()
        except KeyboardInterrupt:
            self.stop = "interrupted"
        except MemoryError:
            self.stop = "memory"
        finally:
            self._cancel()

    def _ready(self) -> list[Any]:
        """The tasks done: waits up to 0.1 s for one, then takes all others done by then."""
        ready, rest = self.ray.wait(list(self.in_flight), num_returns=1, timeout=0.1)
        if ready and rest:
            ready += self.ray.wait(rest, num_returns=len(rest), timeout=0)[0]
        return ready

    def _pending(self) -> int:
        return len(self.walk.frontier) + sum(len(b) for b in self.in_flight.values())

    def _submit(self, remote: Any, problem: Any) -> None:
        start = time.perf_counter()
        stats = self.walk.stats
        while self.walk.frontier and len(self.in_flight) < 2 * self.workers:
            per_item = stats["task_seconds"] / stats["expanded"] if stats["expanded"] else None
            overhead = stats["driver_seconds"] / stats["tasks_done"] if stats["tasks_done"] > 4 else TASK_OVERHEAD
            batch = self.walk.take(batch_size(len(self.walk.frontier), self.workers, per_item, overhead))
            self.in_flight[remote.remote(problem, batch, self.crash_marker)] = batch
            stats["tasks"] += 1
        stats["driver_seconds"] += time.perf_counter() - start

    def _collect(self, ref: Any, regions: int) -> None:
        start = time.perf_counter()
        exp = self.ray.get(ref)
        batch = self.in_flight.pop(ref)
        stats = self.walk.stats
        stats["tasks_done"] += 1
        for key, value in exp.counters.items():
            stats[key] = stats.get(key, 0) + value
        stats["expanded"] += len(batch)
        stats["neighbours"] += exp.raw
        stats["task_seconds"] += exp.seconds
        if not self.walk.add_batch(exp, regions):
            self.capped = True  # a new region beyond max_regions: expand this batch again on resume
            for parent in reversed(batch):
                self.walk.frontier.appendleft(parent)
                self.walk.frontier_bytes += len(parent)
        stats["driver_seconds"] += time.perf_counter() - start

    def _limit(self, regions: int, memory: int, now: float, deadline: float) -> str:
        if self.capped:
            return "max_regions"
        if memory > 0 and self.walk.memory() > memory:
            return "memory"
        if now >= deadline and (self.walk.frontier or self.in_flight):
            return "time_limit"
        return "complete"

    def _cancel(self) -> None:
        """Stop the tasks in flight; their items go back to the front of the frontier."""
        for ref, batch in self.in_flight.items():
            self.ray.cancel(ref)
            for item in reversed(batch):
                self.walk.frontier.appendleft(item)
                self.walk.frontier_bytes += len(item)
        self.in_flight.clear()

    def save(self, seconds: float) -> int:
        from regionwalk._segments import save

        raw = {"count": len(self.walk.visited), "stop": self.stop, "stats": self.walk.stats}
        pending = [b for batch in self.in_flight.values() for b in batch]
        return save(self.job, self.opts, raw, "frontier", _state_payload(self.walk, pending), seconds)


def _progress_interval() -> float:
    from regionwalk.walk import PROGRESS_INTERVAL

    return PROGRESS_INTERVAL


def _words(job: Any) -> int:
    """Words of the patterns the workers walk: the core network's (a restricted ball's is pruned)."""
    return max(1, -(-int(job.core_net.hidden_neurons) // 64))


def walk_ray(job: Any, opts: Any, crash_marker: str | None = None) -> dict[str, Any]:
    """The walk ``job`` (a :class:`regionwalk._segments.WalkJob` with its fingerprint) on
    Ray; returns the core's result dict. ``crash_marker`` is a test hook (see
    :func:`expand_batch`)."""
    from regionwalk._segments import done_raw, load_resume, save

    found = load_resume(job, opts, "frontier")
    if found is not None and found.kind == "done":
        return done_raw(found)
    threads = job.limits[2]
    ray = ensure_ray(opts.address, threads if opts.address is None else None)
    workers = threads if opts.address is None else max(1, int(ray.cluster_resources().get("CPU", 1)))
    walk = _Walk(_words(job), int(np.asarray(job.y0).size), job.store_points)
    if found is not None:
        _restore(walk, found.payload)
        kept = found.header.get("stats", {})  # counters of the earlier sittings (certification included)
        walk.stats.update({k: v for k, v in kept.items()
                           if isinstance(v, (int, float)) and k not in ("seconds", "workers", "regions")})
    else:
        _seed(job, walk)
    driver = _Driver(ray, job, opts, walk, workers, found.seconds if found is not None else 0.0, crash_marker)
    start = time.monotonic()
    driver.run()
    seconds = driver.before + time.monotonic() - start
    packed, points = walk.packed()
    packed, order = _core.full_patterns(job.core_net, packed)  # the user's network's patterns
    if points is not None:
        points = points[order]
    raw = {"count": len(walk.visited), "patterns": packed, "points": points, "stop": driver.stop,
           "stats": {**walk.stats, "seconds": seconds, "workers": workers, "regions": len(walk.visited)},
           "certified": not (walk.stats.get("undecided", 0) or walk.stats.get("witness_failures", 0))}
    if opts.checkpoint is not None:
        save(job, opts, raw, "frontier", None if driver.stop == "complete" else _state_payload(walk, []), seconds)
    return raw
