"""``local_counts(..., backend="ray")``: the balls' walks as Ray tasks.

The driver does the shared set-up (margins, bounds, samples, the reduced
biases), then sends the balls that need a walk in batches to Ray tasks. Each
task rebuilds the network and its ball reduction once per worker process and
walks its balls one after the other, single-threaded, exactly as the local
backend does; a task whose worker died is retried (a walk is pure, so a retry
gives the same counts). With no ``address`` a local Ray runtime with
``threads`` CPUs is started (see :func:`regionwalk.ray_backend.ensure_ray`).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from regionwalk import _core

__all__ = ["run_ray"]

_WORKER_CACHE: dict[str, Any] = {}
"""Per worker process: the ball reduction of the network last seen, by fingerprint."""


def _fingerprint(weights: list[np.ndarray], biases: list[np.ndarray], alpha: float) -> str:
    h = hashlib.sha256(repr(alpha).encode())
    for a in (*weights, *biases):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def walk_balls(net_arrays: tuple[list[np.ndarray], list[np.ndarray], float, str],
               items: list[tuple[int, np.ndarray, float, np.ndarray | None]],
               limits: tuple[float, int, float]) -> list[tuple[int, int, str, bool, float]]:
    """Walk the balls ``(index, centre, radius, reduced bias)``; returns
    ``(index, count, stop, certified, seconds)`` per ball (run in a Ray task)."""
    from regionwalk._ball_reduce import BallReduction
    from regionwalk.network import Network

    weights, biases, alpha, key = net_arrays
    reduction = _WORKER_CACHE.get(key)
    if reduction is None:
        _WORKER_CACHE.clear()
        reduction = _WORKER_CACHE[key] = BallReduction(Network(weights, biases, alpha))
    tol, max_regions, time_limit = limits
    out = []
    for i, center, radius, bias in items:
        core_net, domain, seed = reduction.problem(center, radius, bias)
        raw = _core.walk(core_net, domain, seed, tol=tol, max_regions=max_regions, time_limit=time_limit,
                         threads=1, store_points=False)
        st = raw["stats"]
        certain = bool(raw.get("certified", True)) and not (st["undecided"] or st["witness_failures"])
        out.append((i, int(raw["count"]), str(raw["stop"]), certain, float(st["seconds"])))
    return out


def _batches(todo: list[int], workers: int) -> list[list[int]]:
    """About eight batches per worker, dealt round-robin from the largest-bound-first
    order so that each batch gets a share of the large balls."""
    n = max(1, min(len(todo), 8 * workers))
    return [todo[k::n] for k in range(n) if todo[k::n]]


def _as_raw(count: int, stop: str, certain: bool, seconds: float) -> dict[str, Any]:
    stats = {"undecided": 0, "witness_failures": 0 if certain else 1, "seconds": seconds}
    return {"count": count, "stop": stop, "certified": certain, "stats": stats}


def run_ray(runner: Any, todo: list[int], address: str | None, threads: int, report: Any) -> bool:
    """Walk the balls ``todo`` of ``runner`` (a ``local._Runner``) on Ray, recording
    into its arrays; returns True when Ctrl-C stopped it (pending tasks cancelled)."""
    from regionwalk.ray_backend import MAX_RETRIES, ensure_ray

    if not todo:
        return False
    ray = ensure_ray(address, threads if address is None else None)
    workers = threads if address is None else max(1, int(ray.cluster_resources().get("CPU", 1)))
    walker = runner.walker
    net = walker.reduction.net
    weights, biases = list(net.weights), list(net.biases)
    net_ref = ray.put((weights, biases, net.alpha, _fingerprint(weights, biases, net.alpha)))
    limits = (walker.tol, walker.max_regions, walker.time_limit)
    task = ray.remote(max_retries=MAX_RETRIES)(walk_balls)
    pending = {}
    for batch in _batches(todo, workers):
        items = [(i, runner.x[i], float(runner.radii[i]), runner.biases.get(i)) for i in batch]
        pending[task.remote(net_ref, items, limits)] = batch
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1, timeout=0.25)
            for ref in done:
                del pending[ref]
                for i, count, stop, certain, seconds in ray.get(ref):
                    runner._record(i, _as_raw(count, stop, certain, seconds))
            report(runner.done)
    except KeyboardInterrupt:
        for ref in pending:
            ray.cancel(ref, force=True)
        return True
    return False
