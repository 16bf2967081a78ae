"""Limits give results marked incomplete; threads change nothing but speed;
Ctrl-C stops the walk promptly."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest
from conftest import random_weights

import regionwalk as rw
from regionwalk.nets import random_mlp

BIG = random_mlp((8, 32, 32, 1), seed=1)
BIG_BALL = rw.Ball(np.zeros(8), 1.0)


def test_max_regions_returns_exactly_that_many_marked_incomplete(small_net):
    res = rw.enumerate_regions(small_net, rw.Box([-1, -1], [1, 1]), max_regions=5)
    assert res.count == 5 and not res.complete and res.stop_reason == "max_regions"
    assert res.patterns.shape[0] == 5 and res.points.shape[0] == 5


def test_a_cap_one_below_the_count_is_never_complete_on_two_threads():
    # Two threads can pass the cap together and drain the walk; the result,
    # cut back to the cap, must then say it stopped there (a race: many tries).
    net = rw.Network(*random_weights((4, 6, 5, 1), seed=3))
    ball = rw.Ball(np.full(4, 0.1), 1.0)
    total = rw.enumerate_regions(net, ball, threads=2).count
    for _ in range(1000):
        res = rw.enumerate_regions(net, ball, threads=2, max_regions=total - 1, store_points=False)
        assert res.count == total - 1 and res.stop_reason == "max_regions" and not res.complete


def test_time_limit_stops_early_and_is_marked_incomplete():
    t = time.perf_counter()
    res = rw.enumerate_regions(BIG, BIG_BALL, time_limit=0.3, threads=1)
    assert time.perf_counter() - t < 2.0
    assert not res.complete and res.stop_reason == "time_limit" and res.count > 0


def test_count_regions_warns_when_a_limit_stops_it(small_net):
    with pytest.warns(rw.IncompleteWarning):
        n = rw.count_regions(small_net, rw.Box([-1, -1], [1, 1]), max_regions=3)
    assert n == 3


@pytest.mark.parametrize("widths,domain", [
    ((2, 24, 24, 24, 1), rw.Box([-1, -1], [1, 1])),
    ((3, 12, 12, 1), rw.Ball([0, 0, 0], 1.0)),
    ((4, 10, 10, 1), None),
])
def test_threads_give_identical_patterns(widths, domain):
    net = random_mlp(widths, seed=11)
    one = rw.enumerate_regions(net, domain, threads=1)
    for n in (2, 4):
        many = rw.enumerate_regions(net, domain, threads=n)
        assert many.count == one.count
        assert np.array_equal(many.packed, one.packed)


def test_a_walk_past_the_caches_equals_the_complex():
    # 114,736 regions: the visited set outgrows a core's caches (past 1 MiB the
    # walk prefetches its lookups), on one thread and on two; the box's
    # complex (vertices and edges, no walk) is the independent answer.
    net = random_mlp((3, 64, 64, 1), seed=0)
    box = rw.Box(-np.ones(3), np.ones(3))
    complex_ = rw.enumerate_regions(net, box, store_points=False)
    for threads in (1, 2):
        walked = rw.enumerate_regions(net, box, threads=threads, engine="walk", store_points=False)
        assert walked.complete and walked.count == complex_.count > 100_000
        assert np.array_equal(walked.packed, complex_.packed)


@pytest.mark.skipif(os.name != "posix", reason="needs SIGINT")
def test_ctrl_c_interrupts_the_walk_within_a_second():
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        rw.enumerate_regions(BIG, BIG_BALL, threads=2)
    assert time.perf_counter() - start < 1.3


def test_progress_callback_is_called_on_long_runs():
    seen = []
    rw.enumerate_regions(BIG, BIG_BALL, time_limit=1.2, progress=lambda n, s: seen.append((n, s)))
    assert len(seen) >= 1 and all(n >= 1 for n, _ in seen)
