"""backend="ray": the expand step in Ray tasks of a local runtime (one for the module)
finds the local walk's patterns bit for bit; limits, Ctrl-C, checkpoints and a worker
that dies work as they should."""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
import threading

import numpy as np
import pytest
import ray  # part of the test extra: a missing Ray fails here, it is not skipped

import regionwalk as rw
from regionwalk import checkpoint as ck
from regionwalk import ray_backend
from regionwalk.nets import random_mlp


@pytest.fixture(scope="module", autouse=True)
def runtime():
    ray_backend.ensure_ray(None, 2)
    yield
    ray.shutdown()


def _pruned_leaky():
    net = random_mlp((3, 12, 12, 1), seed=7)
    ws = [w.copy() for w in net.weights]
    ws[0][2] = 0.0  # a pruned neuron: zero everywhere, never a facet
    return rw.Network(ws, [np.zeros_like(b) for b in net.biases], alpha=0.1)


@pytest.mark.parametrize("net,domain", [
    (random_mlp((3, 20, 20, 1), seed=0), rw.Box(-np.ones(3), np.ones(3))),
    (random_mlp((4, 14, 14, 1), seed=0), rw.Ball(np.full(4, 0.1), 0.8)),
    (random_mlp((3, 10, 10, 1), seed=0), None),
    (_pruned_leaky(), rw.Box(-np.ones(3), 2 * np.ones(3))),
    # walked in the span of its unstable neurons, the neurons of fixed sign left out
    (random_mlp((40, 16, 16, 1), seed=2), rw.Ball(np.full(40, 0.2), 0.1)),
], ids=["box", "ball", "whole", "pruned-leaky-bias-free", "restricted-ball"])
def test_ray_finds_the_local_patterns_bit_for_bit(net, domain):
    local = rw.enumerate_regions(net, domain, threads=1)
    dist = rw.enumerate_regions(net, domain, threads=2, backend="ray")
    assert dist.complete and dist.certified and dist.count == local.count
    assert np.array_equal(dist.packed, local.packed)
    assert np.array_equal(net.patterns(dist.points), dist.patterns)  # each witness lies in its region
    if domain is not None:
        assert np.all(domain.contains(dist.points))
    assert dist.stats["tasks"] > 1 and dist.stats["expanded"] == local.count


def test_a_worker_that_dies_is_retried_without_losing_or_doubling_regions(tmp_path, monkeypatch):
    net, box = random_mlp((3, 16, 16, 1), seed=3), rw.Box(-np.ones(3), np.ones(3))
    local = rw.enumerate_regions(net, box, threads=1)
    marker = tmp_path / "crashed"
    monkeypatch.setattr(ray_backend, "walk_ray", functools.partial(ray_backend.walk_ray, crash_marker=str(marker)))
    dist = rw.enumerate_regions(net, box, threads=2, backend="ray")
    assert marker.exists()  # one worker process did exit mid-task
    assert dist.complete and np.array_equal(dist.packed, local.packed)


def test_limits_and_progress_as_locally():
    net, box = random_mlp((3, 20, 20, 1), seed=0), rw.Box(-np.ones(3), np.ones(3))
    full = rw.enumerate_regions(net, box, threads=1, store_points=False)
    seen = []
    part = rw.enumerate_regions(net, box, threads=2, backend="ray", max_regions=500,
                                progress=lambda n, s, f: seen.append(n))
    assert part.count == 500 and part.stop_reason == "max_regions" and not part.complete
    assert all(0 < n <= 500 for n in seen)  # reports, if the walk lasted long enough for one, within the cap
    assert {r.tobytes() for r in part.packed} <= {r.tobytes() for r in full.packed}
    with pytest.warns(rw.IncompleteWarning, match="lower bound"):
        n = rw.count_regions(net, box, threads=2, backend="ray", time_limit=0.05)
    assert 0 < n <= full.count
    with pytest.warns(rw.IncompleteWarning, match="out of memory"):
        mem = rw.enumerate_regions(net, box, backend="ray", max_memory="100KiB", store_points=False)
    assert mem.stop_reason == "memory" and 0 < mem.count < full.count


def test_ray_checkpoints_resume_to_the_full_walk(tmp_path):
    net, ball = random_mlp((4, 14, 14, 1), seed=1), rw.Ball(np.zeros(4), 1.0)
    full = rw.enumerate_regions(net, ball, threads=1)
    path = tmp_path / "ray.rwck"
    part = rw.enumerate_regions(net, ball, threads=2, backend="ray", max_regions=full.count // 2,
                                checkpoint=path, checkpoint_every=0.01)
    assert part.stop_reason == "max_regions"
    assert ck.read_checkpoint(path, ck.fingerprint(net, ball, 0.0)).kind == "frontier"
    with pytest.raises(ValueError, match="backend='ray'"):
        rw.enumerate_regions(net, ball, resume=path)  # the local walk cannot read the Ray driver's state
    found = ck.read_checkpoint(path, ck.fingerprint(net, ball, 0.0))
    res = rw.enumerate_regions(net, ball, threads=2, backend="ray", resume=path, checkpoint=path)
    assert res.complete and np.array_equal(res.packed, full.packed)
    assert np.array_equal(net.patterns(res.points), res.patterns)
    assert res.stats["expanded"] >= full.count  # counters go on from the earlier sitting
    # an earlier sitting's uncertain facet test stays on the record after resuming
    header = {k: v for k, v in found.header.items() if k not in ("kind", "fingerprint", "payload_bytes")}
    header["stats"] = {**header["stats"], "undecided": 1}
    ck.write_checkpoint(path, "frontier", found.payload, found.header["fingerprint"], **header)
    with pytest.warns(rw.IncompleteWarning, match="not certified"):
        again = rw.enumerate_regions(net, ball, threads=2, backend="ray", resume=path)
    assert not again.certified and not again.complete and again.count == full.count


def test_ctrl_c_stops_a_ray_walk_with_its_partial_result():
    net, box = random_mlp((3, 40, 40, 1), seed=0), rw.Box(-np.ones(3), np.ones(3))
    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    with pytest.raises(rw.Interrupted) as info:
        rw.enumerate_regions(net, box, threads=2, backend="ray", store_points=False)
    part = info.value.partial
    assert part.stop_reason == "interrupted" and part.count > 0 and not part.complete


def test_cli_backend_ray(tmp_path, capsys):
    import torch

    from regionwalk.cli import main

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 12), torch.nn.ReLU(), torch.nn.Linear(12, 12),
                                torch.nn.ReLU(), torch.nn.Linear(12, 1))
    torch.save(model, tmp_path / "m.pt")
    args = ["count", str(tmp_path / "m.pt"), "--box", "-1", "-1", "1", "1", "--json", "-q"]
    assert main(args) == 0
    local = json.loads(capsys.readouterr().out)["count"]
    assert main([*args, "--backend", "ray"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == local


def test_a_missing_ray_is_a_clear_error(monkeypatch, tmp_path, capsys):
    from regionwalk.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails
    net = random_mlp((2, 6, 1), seed=0)
    with pytest.raises(ImportError, match=r'pip install "regionwalk\[ray\]"'):
        rw.enumerate_regions(net, rw.Box([-1, -1], [1, 1]), backend="ray")
    import torch

    torch.save(torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1)),
               tmp_path / "m.pt")
    assert main(["count", str(tmp_path / "m.pt"), "--all", "--backend", "ray"]) == 2
    assert "regionwalk[ray]" in capsys.readouterr().err
