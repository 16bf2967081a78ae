#!/usr/bin/env bash
# The GPU measurements of issue 20, in one call on a lent device machine (never in CI).
# From the repository root, with the peer's three files in the ignored folder .peer
# (see bench/RESULTS.md, "A box's complex on a torch device"), carried with the call:
#   device run: bash bench/gpu_check.sh        carry: [".peer"]
# Builds the core for the machine's Python, checks the torch complex on CUDA against
# the compiled one (patterns, witnesses), then issue 20's table with both complexes
# and, if .peer is there, edge subdivision on CUDA. Output also goes to $OUT.
set -euo pipefail
export PYTHONUNBUFFERED=1 OPENBLAS_NUM_THREADS=1
out="${OUT:-/tmp}"
python3 -m pip install -q --no-build-isolation --no-deps --target /tmp/site .
export PYTHONPATH=/tmp/site
nvidia-smi --query-gpu=name,memory.total --format=csv | tee "$out/gpu.txt"
python3 - <<'PY' 2>&1 | tee "$out/cuda_patterns.txt"
import numpy as np, regionwalk as rw
from regionwalk.nets import random_mlp
for widths, alpha in [((3, 9, 9, 9, 1), 0.0), ((5, 10, 8, 1), 0.1), ((8, 12, 12, 1), 0.0)]:
    net = random_mlp(widths, seed=1, alpha=alpha)
    box = rw.Box(-np.ones(widths[0]), np.ones(widths[0]))
    compiled = rw.enumerate_regions(net, box)
    gpu = rw.enumerate_regions(net, box, device="cuda")
    same = np.array_equal(gpu.packed, compiled.packed)
    witnesses = np.array_equal(net.patterns(gpu.points), gpu.patterns)
    print(widths, alpha, gpu.engine, gpu.count, "same patterns" if same else "PATTERNS DIFFER",
          "witnesses hold" if witnesses else "WITNESSES FAIL")
PY
peer=()
if [ -f .peer/edge_subdivision.py ]; then peer=(--edge-subdivision .peer --edge-device cuda); fi
python3 bench/compare_peers.py --skip-relucent --device cuda "${peer[@]}" \
    --cases 3-16x3 4-16x3 6-16x2 8-12x2 8-16x2 2>&1 | tee "$out/peers_cuda.txt"
