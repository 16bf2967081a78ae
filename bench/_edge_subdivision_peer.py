"""Berzins' edge subdivision (ICML 2023) as an optional peer of `compare_peers.py`.

The peer is not a dependency: it is imported from a checkout of its repository,
given as a path, in a forked child process (torch on CPU, float64, one thread)
that the parent ends after a timeout. Get a checkout (outside this repository):

    git clone https://github.com/arturs-berzins/relu_edge_subdivision /some/dir

Edge subdivision returns the complex's vertices (coordinates, and sign vectors
over the 2d box faces then the neurons, layer by layer) and its edges, but no
cells. The cells are counted here at their lowest vertices. Along a random
direction in which no edge is level, every cell (a bounded convex polytope) has
exactly one lowest vertex. At a vertex with d zero signs, each zero column
carries a line of the complex: the edges where that sign leaves zero, one per
side (only the inward side for a box face). The 2^d cells around the vertex
pick one side per line, and the vertex is lowest in a cell exactly when all of
that cell's d edges rise. A vertex thus adds the product, over its zero
columns, of the number of rising edges on that line: 1 for a straight line,
and 0, 1 or 2 where a deeper neuron's zero set bends. The vertices' sign
vectors also give an independent check on small nets: the cells are the
distinct sign vectors made by setting each zero to +1 or -1 (box zeros +1).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np

SIGN_CHECK_BYTES = 200_000_000  # complexes checked by sign vectors as well
CLONE_HINT = "git clone https://github.com/arturs-berzins/relu_edge_subdivision PATH; --edge-subdivision PATH"


@dataclass(frozen=True)
class EdgeResult:
    """Edge subdivision on one net: cells, best subdivision seconds, counting seconds,
    complex size, runs taken, and vertices without exactly d zero signs."""

    regions: int
    seconds: float
    count_seconds: float
    vertices: int
    edges: int
    runs: int
    degenerate: int
    by_signs: int | None  # the count from sign vectors alone, on small complexes
    peak_mib: float  # the child's peak resident memory


def checkout_version(path: str) -> str:
    """The checkout's commit hash (short), or 'unknown' when git cannot tell."""
    try:
        out = subprocess.run(["git", "-C", path, "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def _direction(vs, edges, seed: int):
    """Heights of the vertices along a random direction along which no edge is
    level (a direction orthogonal to a hyperplane would tie its vertices)."""
    import torch

    rng = np.random.default_rng(seed)
    for _ in range(100):
        height = vs @ torch.from_numpy(rng.normal(size=vs.shape[1])).to(vs.dtype)
        rise = (height[edges[:, 1]] - height[edges[:, 0]]).abs()
        if len(edges) == 0 or rise.min() > 1e-12 * height.abs().max():  # far above rounding
            return height
    raise ValueError("no direction found along which every edge rises or falls")


def count_cells(vs, edges, v_sv, seed: int = 20230607, chunk: int = 1 << 20) -> int:
    """Cells of the complex, counted at their lowest vertices in a random direction
    (module docstring): each vertex adds the product, over its zero columns, of
    the number of its edges leaving that column's zero set upwards (0, 1 or 2)."""
    import torch

    height = _direction(vs, edges, seed)
    zeros = v_sv == 0
    cols = v_sv.shape[1]
    keys = []
    for lo in range(0, len(edges), chunk):
        e = edges[lo:lo + chunk]
        for a, b in ((e[:, 0], e[:, 1]), (e[:, 1], e[:, 0])):
            up = height[b] > height[a]
            a, b = a[up], b[up]
            dropped = (zeros[a] & ~zeros[b]).to(torch.uint8).argmax(1)  # the zero column the edge leaves
            keys.append(a * cols + dropped)
    lines, rays = torch.unique(torch.cat(keys), return_counts=True)
    vertex = lines // cols
    up_lines = torch.bincount(vertex, minlength=len(vs))
    two_ways = torch.bincount(vertex[rays == 2], minlength=len(vs))
    full = up_lines == zeros.sum(1)
    return int((2 ** two_ways[full]).sum())


def count_cells_by_signs(v_sv, d: int) -> int:
    """Cells as distinct neuron sign vectors made by setting each vertex's d zeros
    to +1 or -1 (box zeros to +1 only): memory V * 2^d * columns bytes."""
    import itertools

    import torch

    zero_cols = (v_sv == 0).nonzero()[:, 1].view(len(v_sv), d)
    combos = torch.tensor(list(itertools.product((1, -1), repeat=d)), dtype=v_sv.dtype)
    signs = v_sv[:, None, :].repeat(1, len(combos), 1)
    signs.scatter_(2, zero_cols[:, None, :].expand(-1, len(combos), -1), combos.expand(len(v_sv), -1, -1))
    cells = signs.flatten(end_dim=1)
    inside = ~(cells[:, : 2 * d] == -1).any(1)
    return len(torch.unique(cells[inside][:, 2 * d:], dim=0))


def degenerate_vertices(v_sv, d: int) -> int:
    """Vertices without exactly d zero signs (the count above assumes none)."""
    return int(((v_sv == 0).sum(1) != d).sum())


def _float64_net(weights, biases, checkout: str):
    """The checkout's `NN.Net` over the hidden layers only (the output neuron's
    zero set is no region boundary), float64, taking its float32 corner inputs."""
    import torch

    sys.path.insert(0, checkout)
    from NN import Net

    class Float64Net(Net):
        def eval_block(self, x, device="cpu"):
            return super().eval_block(x.to(torch.float64), device)

    hidden_w, hidden_b = weights[:-1], biases[:-1]
    net = Float64Net([hidden_w[0].shape[1]] + [w.shape[0] for w in hidden_w])
    with torch.no_grad():
        for fc, w, b in zip(net.fcs, hidden_w, hidden_b):
            fc.weight.copy_(torch.from_numpy(np.asarray(w, dtype=np.float64)))
            fc.bias.copy_(torch.from_numpy(np.asarray(b, dtype=np.float64)))
    return net


def _worker(weights, biases, half: float, checkout: str, memory_gb: float, queue, device: str = "cpu") -> None:
    if device == "cpu":  # CUDA maps far more address space than it uses
        resource.setrlimit(resource.RLIMIT_AS, (int(memory_gb * 2**30),) * 2)
    import torch

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    net = _float64_net(weights, biases, checkout).to(device)
    import edge_subdivision

    best, runs = np.inf, 0
    while runs < 3 and (runs == 0 or best < 5.0):  # best of 3 for runs under 5 s
        t = time.perf_counter()
        with torch.no_grad():
            vs, edges, v_sv = edge_subdivision.skeletal_subdivision(
                net, bbox=(-half, half), device=device, verbose=False)
        if device != "cpu":
            torch.cuda.synchronize()
        best, runs = min(best, time.perf_counter() - t), runs + 1
    vs, edges, v_sv = vs.cpu(), edges.cpu(), v_sv.cpu()
    t = time.perf_counter()
    regions = count_cells(vs, edges, v_sv)
    count_seconds = time.perf_counter() - t
    d = net.ks[0]
    degenerate = degenerate_vertices(v_sv, d)
    small = degenerate == 0 and len(v_sv) * 2**d * v_sv.shape[1] < SIGN_CHECK_BYTES
    by_signs = count_cells_by_signs(v_sv, d) if small else None
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(EdgeResult(regions, best, count_seconds, len(vs), len(edges), runs, degenerate, by_signs, peak_mib))


def run_edge_subdivision(net, half: float, checkout: str | None, timeout: float,
                         memory_gb: float, device: str = "cpu") -> tuple[EdgeResult | None, str]:
    """Edge subdivision on the box ``[-half, half]^d`` in a child process (forked on
    the CPU, spawned for CUDA) on torch ``device``: the result, or None and why not
    (no checkout, timeout, failure)."""
    if checkout is None:
        return None, f"not run ({CLONE_HINT})"
    if not os.path.isfile(os.path.join(checkout, "edge_subdivision.py")):
        return None, f"no edge_subdivision.py in {checkout} ({CLONE_HINT})"
    ctx = mp.get_context("fork" if device == "cpu" else "spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_worker, args=(net.weights, net.biases, half, checkout, memory_gb, q, device))
    p.start()
    p.join(timeout)
    if p.is_alive():
        p.terminate()
        p.join()
        return None, f"timeout > {timeout:g} s"
    if q.empty():
        return None, f"failed (exit code {p.exitcode}, its error above; memory limit {memory_gb:g} GiB)"
    return q.get(), ""
