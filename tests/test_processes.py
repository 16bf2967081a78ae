"""Networks, domains and results cross process boundaries: they pickle, and worker
processes (forked after the parent has walked) find the same patterns."""

from __future__ import annotations

import multiprocessing as mp
import pickle

import numpy as np

import regionwalk as rw
from regionwalk.nets import random_mlp

NETS = [random_mlp((3, 8, 6, 1), seed=s) for s in range(3)]
BALL = rw.Ball(np.full(3, 0.1), 1.0)


def _packed(net: rw.Network) -> bytes:
    return np.ascontiguousarray(rw.enumerate_regions(net, BALL, threads=1).packed).tobytes()


def test_a_network_pickles_as_its_weights_and_walks_the_same():
    net = rw.Network(list(NETS[0].weights), list(NETS[0].biases), alpha=0.1)
    back = pickle.loads(pickle.dumps(net))
    assert back.alpha == net.alpha and all(np.array_equal(a, b) for a, b in zip(back.weights, net.weights))
    assert _packed(back) == _packed(net)
    res = rw.enumerate_regions(net, BALL)
    again = pickle.loads(pickle.dumps(res))
    assert again.count == res.count and np.array_equal(again.packed, res.packed)


def test_forked_workers_find_the_parents_patterns():
    here = [_packed(net) for net in NETS]  # the parent walks first: forks happen after
    with mp.get_context("fork").Pool(2) as pool:
        there = pool.map_async(_packed, NETS).get(timeout=120)
    assert there == here
