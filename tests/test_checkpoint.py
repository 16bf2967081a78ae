"""Checkpoints: the file format refuses every damaged or foreign file, and a walk killed
with SIGKILL at any moment resumes to exactly the patterns of an uninterrupted walk."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import regionwalk as rw
from regionwalk import checkpoint as ck
from regionwalk.nets import random_mlp

NET = random_mlp((3, 12, 12, 1), seed=1)
BOX = rw.Box(-np.ones(3), np.ones(3))
FP = ck.fingerprint(NET, BOX, 0.0)


# -- the file format ------------------------------------------------------------------


def _written(tmp_path, payload=b"state" * 50):
    path = tmp_path / "w.rwck"
    ck.write_checkpoint(path, "core", payload, FP, count=7, seconds=1.25, store_points=True)
    return path


def test_round_trip_keeps_payload_and_counters(tmp_path):
    path = _written(tmp_path)
    found = ck.read_checkpoint(path, FP)
    assert found.kind == "core" and found.payload == b"state" * 50
    assert found.count == 7 and found.seconds == 1.25 and found.header["store_points"] is True
    data = path.read_bytes()
    assert data.startswith(ck.MAGIC) and hashlib.sha256(data[:-32]).digest() == data[-32:]


def test_write_leaves_no_temporary_file_and_replaces_the_old_one(tmp_path):
    _written(tmp_path, b"old")
    path = _written(tmp_path, b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["w.rwck"]
    assert ck.read_checkpoint(path, FP).payload == b"new"


@pytest.mark.parametrize("keep", [0, 3, 8, 15, 40, -33, -1])
def test_a_truncated_file_is_refused(tmp_path, keep):
    path = _written(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:keep] if keep >= 0 else data[:keep])
    with pytest.raises(ValueError, match="truncated") as info:
        ck.read_checkpoint(path, FP)
    assert "\n" not in str(info.value)


def test_every_single_bit_flip_is_refused(tmp_path):
    path = _written(tmp_path, b"x" * 16)
    data = path.read_bytes()
    for i in range(len(data)):
        damaged = bytearray(data)
        damaged[i] ^= 1 << (i % 8)
        path.write_bytes(bytes(damaged))
        with pytest.raises(ValueError, match="corrupted|not a regionwalk checkpoint|format version|truncated"):
            ck.read_checkpoint(path, FP)


def test_appended_bytes_are_refused(tmp_path):
    path = _written(tmp_path)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ValueError, match="corrupted"):
        ck.read_checkpoint(path, FP)


def test_another_file_and_a_missing_file_are_refused(tmp_path):
    other = tmp_path / "other.bin"
    other.write_bytes(b"PK\x03\x04 not a checkpoint at all")
    with pytest.raises(ValueError, match="not a regionwalk checkpoint"):
        ck.read_checkpoint(other, FP)
    with pytest.raises(ValueError, match="no checkpoint file"):
        ck.read_checkpoint(tmp_path / "absent.rwck", FP)


@pytest.mark.parametrize("other,what", [
    (ck.fingerprint(random_mlp((3, 12, 12, 1), seed=2), BOX, 0.0), "another network"),
    (ck.fingerprint(rw.Network(NET.weights, NET.biases, alpha=0.1), BOX, 0.0), "another network"),
    (ck.fingerprint(NET, rw.Box(-np.ones(3), 2 * np.ones(3)), 0.0), "another domain"),
    (ck.fingerprint(NET, rw.Ball(np.zeros(3), 1.0), 0.0), "another domain"),
    (ck.fingerprint(NET, None, 0.0), "another domain"),
    (ck.fingerprint(NET, BOX, 1e-7), "another tolerance"),
])
def test_a_checkpoint_of_another_walk_is_refused(tmp_path, other, what):
    path = _written(tmp_path)
    with pytest.raises(ValueError, match=what):
        ck.read_checkpoint(path, other)


def test_fingerprint_sees_one_ulp_in_any_weight():
    ws = [w.copy() for w in NET.weights]
    ws[1][3, 4] = np.nextafter(ws[1][3, 4], np.inf)
    assert ck.fingerprint(rw.Network(ws, NET.biases), BOX, 0.0)["network"] != FP["network"]
    assert ck.fingerprint(rw.Network(NET.weights, NET.biases), BOX, 0.0) == FP


def test_arrays_round_trip_and_pickles_are_refused():
    packed = np.arange(12, dtype=np.uint64).reshape(4, 3)
    out = ck.unpack_arrays(ck.pack_arrays(packed=packed, points=np.ones((4, 2))))
    assert np.array_equal(out["packed"], packed) and out["packed"].dtype == np.uint64
    with pytest.raises(ValueError):
        ck.unpack_arrays(ck.pack_arrays(obj=np.array([{"a": 1}], dtype=object)))


def test_unknown_kind_is_refused_on_write(tmp_path):
    with pytest.raises(ValueError, match="kind"):
        ck.write_checkpoint(tmp_path / "x.rwck", "other", b"", FP)


# -- the arguments ----------------------------------------------------------------------


@pytest.mark.parametrize("kwargs,match", [
    ({"checkpoint_every": 0}, "checkpoint_every"),
    ({"checkpoint_every": float("inf")}, "checkpoint_every"),
    ({"checkpoint_every": "60"}, "checkpoint_every"),
    ({"checkpoint_every": True}, "checkpoint_every"),
    ({"backend": "dask"}, "backend must be 'local' or 'ray'"),
    ({"address": "auto"}, "address goes with backend='ray'"),
    ({"checkpoint": "/no/such/folder/w.rwck"}, "does not exist"),
    ({"checkpoint": 5}, "checkpoint must be a file path"),
    ({"checkpoint": "."}, "must name a file"),
    ({"resume": b"w.rwck"}, "resume must be a file path"),
])
def test_bad_arguments_are_refused_before_walking(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        rw.enumerate_regions(NET, BOX, **kwargs)


def test_resume_of_a_missing_file_is_a_value_error_unless_it_is_the_checkpoint_to_write(tmp_path):
    with pytest.raises(ValueError, match="no checkpoint file"):
        rw.enumerate_regions(NET, BOX, resume=tmp_path / "absent.rwck")
    with pytest.raises(ValueError, match="no checkpoint file"):
        rw.enumerate_regions(NET, BOX, resume=tmp_path / "absent.rwck", checkpoint=tmp_path / "other.rwck")
    # the same call repeated until done: the first finds no file and starts afresh
    path = tmp_path / "w.rwck"
    first = rw.enumerate_regions(NET, BOX, max_regions=40, resume=path, checkpoint=path)
    second = rw.enumerate_regions(NET, BOX, resume=str(path), checkpoint=path)
    assert first.count == 40 and second.complete
    assert np.array_equal(second.packed, rw.enumerate_regions(NET, BOX).packed)


def test_fsync_of_the_folder_is_done(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    _written(tmp_path)
    assert len(synced) == 2  # the file, then its folder


# -- walks in segments -------------------------------------------------------------------

# A walk of about 3 s on one thread (260k regions), so that three sittings of
# a checkpoint or two each are killed before it ends.
KILL_NET = random_mlp((3, 80, 80, 1), seed=0)
KILL_BOX = rw.Box(-np.ones(3), np.ones(3))
CHILD = r"""
import sys
import numpy as np
import regionwalk as rw
from regionwalk.nets import random_mlp
path, resume = sys.argv[1], sys.argv[2] == "1"
net = random_mlp((3, 80, 80, 1), seed=0)
print("walking", flush=True)
rw.enumerate_regions(net, rw.Box(-np.ones(3), np.ones(3)), threads=1, checkpoint=path, checkpoint_every=0.2,
                     resume=path if resume else None)
print("finished", flush=True)
"""


@pytest.fixture(scope="module")
def kill_reference():
    return rw.enumerate_regions(KILL_NET, KILL_BOX, threads=2)


def _count(path, fp):
    try:
        return ck.read_checkpoint(path, fp).count
    except ValueError:  # not written yet
        return 0


@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
def test_sigkill_at_several_moments_then_resume_gives_the_uninterrupted_patterns(tmp_path, kill_reference):
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "walk.rwck"
    fp = ck.fingerprint(KILL_NET, KILL_BOX, 0.0)
    counts = [0]
    for i, delay in enumerate((0.0, 0.07, 0.15)):  # killed three times, each run resuming the last
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path), "1" if i else "0"],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "walking\n"
        while proc.poll() is None and _count(path, fp) <= counts[-1]:  # wait for a new checkpoint
            time.sleep(0.01)
        time.sleep(delay)  # then kill at some moment after it: mid-walk or mid-write
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL, "the walk ended before it was killed: use a longer one"
        found = ck.read_checkpoint(path, fp)  # always a whole file, whatever the moment of the kill
        assert found.kind == "core"
        counts.append(found.count)
    counts = counts[1:]
    assert 0 < counts[0] < counts[1] < counts[2] < kill_reference.count  # each sitting moved on
    assert all(p.name == "walk.rwck" or p.name.endswith(".tmp") for p in tmp_path.iterdir())  # a kill mid-write
    res = rw.enumerate_regions(KILL_NET, KILL_BOX, threads=1, resume=path)
    assert res.complete and res.count == kill_reference.count
    assert np.array_equal(res.packed, kill_reference.packed)
    assert np.array_equal(KILL_NET.patterns(res.points), res.patterns)  # each witness lies in its region


@pytest.mark.parametrize("domain,widths", [
    (rw.Box(-np.ones(3), np.ones(3)), (3, 16, 16, 1)),
    (rw.Ball(np.full(4, 0.1), 0.8), (4, 14, 14, 1)),
    (None, (3, 10, 10, 1)),
    # walked in the span of its unstable neurons, the neurons of fixed sign left out
    (rw.Ball(np.full(40, 0.2), 0.1), (40, 16, 16, 1)),
], ids=["box", "ball", "whole", "restricted-ball"])
def test_a_walk_stopped_at_max_regions_resumes_to_the_full_walk(tmp_path, domain, widths):
    net = random_mlp(widths, seed=4 if widths[0] < 40 else 2)
    full = rw.enumerate_regions(net, domain, threads=1)
    path = tmp_path / "w.rwck"
    first = rw.enumerate_regions(net, domain, threads=1, max_regions=full.count // 3, checkpoint=path)
    assert first.count == full.count // 3 and first.stop_reason == "max_regions"
    second = rw.enumerate_regions(net, domain, threads=2, max_regions=2 * full.count // 3, resume=path,
                                  checkpoint=path)
    assert second.count == 2 * full.count // 3 and second.stop_reason == "max_regions"
    assert {r.tobytes() for r in first.packed} <= {r.tobytes() for r in second.packed}
    last = rw.enumerate_regions(net, domain, threads=1, resume=path, checkpoint=path)
    assert last.complete and np.array_equal(last.packed, full.packed)
    assert np.array_equal(net.patterns(last.points), last.patterns)
    # the finished walk is kept: resuming it again returns it without walking
    again = rw.enumerate_regions(net, domain, resume=path)
    assert again.complete and np.array_equal(again.packed, full.packed)
    assert np.array_equal(again.points, last.points)
    assert ck.read_checkpoint(path, ck.fingerprint(net, domain, 0.0)).kind == "done"


def test_segments_keep_progress_and_time_limit_across_checkpoints(tmp_path, kill_reference):
    seen = []
    path = tmp_path / "w.rwck"
    res = rw.enumerate_regions(KILL_NET, KILL_BOX, threads=1, checkpoint=path, checkpoint_every=0.05,
                               time_limit=0.3, progress=lambda n, s, f: seen.append((n, s)))
    assert res.stop_reason == "time_limit" and 0 < res.count < kill_reference.count
    assert 0.3 <= res.seconds < 5
    assert seen  # segments shorter than the progress interval still report
    counts, seconds = zip(*seen)
    assert list(counts) == sorted(counts) and list(seconds) == sorted(seconds)  # one clock over segments
    found = ck.read_checkpoint(path, ck.fingerprint(KILL_NET, KILL_BOX, 0.0))
    assert found.count == res.count and found.kind == "core"
    more = rw.enumerate_regions(KILL_NET, KILL_BOX, threads=1, resume=path, time_limit=0.2)
    assert more.count > res.count and more.seconds > res.seconds


@pytest.mark.skipif(os.name != "posix", reason="needs SIGINT")
def test_ctrl_c_writes_a_checkpoint_that_resumes(tmp_path, kill_reference):
    import signal
    import threading

    path = tmp_path / "w.rwck"
    threading.Timer(0.4, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    with pytest.raises(rw.Interrupted) as info:
        rw.enumerate_regions(KILL_NET, KILL_BOX, threads=1, checkpoint=path, checkpoint_every=30)
    part = info.value.partial
    assert part.stop_reason == "interrupted" and 0 < part.count < kill_reference.count
    found = ck.read_checkpoint(path, ck.fingerprint(KILL_NET, KILL_BOX, 0.0))
    assert found.count == part.count  # written at the Ctrl-C, not 30 s later
    res = rw.enumerate_regions(KILL_NET, KILL_BOX, threads=2, resume=path)
    assert res.complete and np.array_equal(res.packed, kill_reference.packed)


@pytest.mark.parametrize("change,match", [
    ({"net": random_mlp((3, 16, 16, 1), seed=5)}, "another network"),
    ({"domain": rw.Box(-np.ones(3), np.full(3, 1.5))}, "another domain"),
    ({"domain": rw.Ball(np.zeros(3), 1.0)}, "another domain"),
    ({"tol": 1e-6}, "another tolerance"),
    ({"store_points": False}, "store_points"),
])
def test_resume_refuses_a_checkpoint_of_another_walk(tmp_path, change, match):
    net, box = random_mlp((3, 16, 16, 1), seed=4), rw.Box(-np.ones(3), np.ones(3))
    path = tmp_path / "w.rwck"
    rw.enumerate_regions(net, box, max_regions=50, checkpoint=path)
    kwargs = {"net": net, "domain": box, "resume": path, **change}
    with pytest.raises(ValueError, match=match):
        rw.enumerate_regions(kwargs.pop("net"), kwargs.pop("domain"), **kwargs)


def test_resume_refuses_a_damaged_checkpoint_of_a_real_walk(tmp_path):
    net, box = random_mlp((3, 16, 16, 1), seed=4), rw.Box(-np.ones(3), np.ones(3))
    path = tmp_path / "w.rwck"
    rw.enumerate_regions(net, box, max_regions=50, checkpoint=path)
    data = path.read_bytes()
    for damaged, match in ((data[: len(data) // 2], "truncated"),
                           (data[:-40] + bytes([data[-40] ^ 0x10]) + data[-39:], "corrupted")):
        path.write_bytes(damaged)
        with pytest.raises(ValueError, match=match):
            rw.enumerate_regions(net, box, resume=path)


def test_checkpoints_on_a_plane(tmp_path):
    net = random_mlp((5, 16, 16, 1), seed=2)
    plane = rw.Plane(np.zeros(5), np.eye(5)[0], np.eye(5)[1], -1.0, 1.0)
    full = rw.enumerate_regions(net, plane, threads=1)
    path = tmp_path / "p.rwck"
    rw.enumerate_regions(net, plane, max_regions=full.count // 2, checkpoint=path)
    res = rw.enumerate_regions(net, plane, resume=path)
    assert res.complete and np.array_equal(res.packed, full.packed) and res.domain is plane


def test_cli_checkpoint_and_resume(tmp_path, capsys):
    import json

    import torch

    from regionwalk.cli import main

    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
                                torch.nn.ReLU(), torch.nn.Linear(16, 1))
    torch.save(model, tmp_path / "m.pt")
    base = ["count", str(tmp_path / "m.pt"), "--box", "-1", "-1", "-1", "1", "1", "1", "--json", "-q"]
    assert main(base) == 0
    full = json.loads(capsys.readouterr().out)["count"]
    path = str(tmp_path / "w.rwck")
    assert main([*base, "--max-regions", "100", "--checkpoint", path, "--checkpoint-every", "0.5"]) == 3
    assert json.loads(capsys.readouterr().out)["count"] == 100
    assert main([*base, "--resume", path, "--checkpoint", path]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == full
    data = (tmp_path / "w.rwck").read_bytes()
    (tmp_path / "w.rwck").write_bytes(data[:-1])
    assert main([*base, "--resume", path]) == 2
    err = capsys.readouterr().err
    assert "truncated" in err and err.count("\n") == 1
    assert main([*base, "--tol", "1e-6", "--resume", str(tmp_path / "absent.rwck")]) == 2
    assert "no checkpoint file" in capsys.readouterr().err
    assert main([*base, "--checkpoint-every", "0"]) == 2
    assert main([*base, "--address", "auto"]) == 2
    assert "--backend ray" in capsys.readouterr().err


def _family(seed: int, kind: int) -> rw.Network:
    """Random small nets, some LeakyReLU, pruned (zero rows) or bias-free."""
    rng = np.random.default_rng(seed)
    d, h = int(rng.integers(2, 4)), int(rng.integers(4, 9))
    net = random_mlp((d, h, h, 1), seed=seed)
    ws, bs = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    if kind == 1:
        ws[0][0] = 0.0
    if kind == 2:
        bs = [np.zeros_like(b) for b in bs]
    return rw.Network(ws, bs, alpha=0.2 if kind == 3 else 0.0)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), kind=st.integers(0, 3), where=st.sampled_from(["box", "ball", "whole"]),
       cut=st.floats(0.05, 0.95))
def test_property_any_stop_then_resume_equals_the_uninterrupted_walk(tmp_path_factory, seed, kind, where, cut):
    net = _family(seed, kind)
    d = net.input_dim
    domain = {"box": rw.Box(-np.ones(d), np.ones(d)), "ball": rw.Ball(np.full(d, 0.1), 1.0), "whole": None}[where]
    full = rw.enumerate_regions(net, domain, threads=1)
    if full.count < 2:
        return
    path = tmp_path_factory.mktemp("ck") / "w.rwck"
    part = rw.enumerate_regions(net, domain, threads=1, max_regions=max(1, int(cut * full.count)), checkpoint=path)
    assert part.stop_reason in ("max_regions", "complete")
    res = rw.enumerate_regions(net, domain, threads=2, resume=path)
    assert res.complete and np.array_equal(res.packed, full.packed)


def test_segments_shorter_than_one_expansion_still_finish(tmp_path):
    # the core can stop a segment before it expands anything: segments then grow
    full = rw.enumerate_regions(NET, BOX, threads=1)
    res = rw.enumerate_regions(NET, BOX, threads=1, checkpoint=tmp_path / "w.rwck", checkpoint_every=1e-9)
    assert res.complete and np.array_equal(res.packed, full.packed)


def test_a_deadline_passed_while_writing_stops_the_walk(tmp_path, monkeypatch, kill_reference):
    import time

    from regionwalk import _segments

    real_save = _segments.save

    def slow_save(*args, **kwargs):  # the first write outlasts the time limit
        if not getattr(slow_save, "done", False):
            slow_save.done = True
            time.sleep(0.4)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(_segments, "save", slow_save)
    res = rw.enumerate_regions(KILL_NET, KILL_BOX, threads=1, checkpoint=tmp_path / "w.rwck",
                               checkpoint_every=0.05, time_limit=0.3)
    assert res.stop_reason == "time_limit" and res.count < kill_reference.count and res.seconds < 2
