"""Checkpoints: the file format refuses every damaged or foreign file, and a walk killed
with SIGKILL at any moment resumes to exactly the patterns of an uninterrupted walk."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

import regionwalk as rw
from regionwalk import checkpoint as ck
from regionwalk.examples import random_mlp

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
        for bit in (0, 7):
            damaged = bytearray(data)
            damaged[i] ^= 1 << bit
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
    ({"resume": b"w.rwck"}, "resume must be a file path"),
])
def test_bad_arguments_are_refused_before_walking(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        rw.enumerate_regions(NET, BOX, **kwargs)


def test_resume_of_a_missing_file_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="no checkpoint file"):
        rw.enumerate_regions(NET, BOX, resume=tmp_path / "absent.rwck")


def test_fsync_of_the_folder_is_done(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    _written(tmp_path)
    assert len(synced) == 2  # the file, then its folder
