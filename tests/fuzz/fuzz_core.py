"""Coverage-guided fuzzing of the binding layer with atheris: arbitrary shapes,
values (NaN, inf, huge, tiny), domains, seeds and limits must give a Python
exception or a result, never a crash or a hang.

    pip install atheris
    python tests/fuzz/fuzz_core.py -max_total_time=300
"""

from __future__ import annotations

import sys

import atheris
import numpy as np

with atheris.instrument_imports():
    from regionwalk import _core

EXPECTED = (ValueError, TypeError, RuntimeError)


@atheris.instrument_func
def values(fdp: atheris.FuzzedDataProvider, n: int) -> np.ndarray:
    out = np.empty(n)
    for i in range(n):
        k = fdp.ConsumeIntInRange(0, 9)
        out[i] = fdp.ConsumeFloat() if k == 0 else fdp.ConsumeFloatInRange(-4.0, 4.0)
    return out


REACHED = {"walk": 0, "runs": 0}


@atheris.instrument_func
def one_input(data: bytes) -> None:
    REACHED["runs"] += 1
    fdp = atheris.FuzzedDataProvider(data)
    d = fdp.ConsumeIntInRange(0, 4)
    n_layers = fdp.ConsumeIntInRange(0, 4)
    ws, bs = [], []
    n_in = d
    for _ in range(n_layers):
        n_out = fdp.ConsumeIntInRange(0, 6)
        n_in_declared = n_in if fdp.ConsumeIntInRange(0, 15) else fdp.ConsumeIntInRange(0, 6)
        ws.append(values(fdp, n_out * n_in_declared).reshape(n_out, n_in_declared))
        bs.append(values(fdp, n_out if fdp.ConsumeIntInRange(0, 15) else fdp.ConsumeIntInRange(0, 6)))
        n_in = n_out
    try:
        net = _core.Network(ws, bs, fdp.ConsumeFloatInRange(-0.5, 1.5))
        dim = d if fdp.ConsumeIntInRange(0, 15) else fdp.ConsumeIntInRange(0, 5)
        kind = fdp.ConsumeIntInRange(0, 2)
        if kind == 0:
            lo = values(fdp, dim)
            dom = _core.Domain.box(lo, lo + np.abs(values(fdp, dim)))
        elif kind == 1:
            dom = _core.Domain.ball(values(fdp, dim), float(values(fdp, 1)[0]))
        else:
            dom = _core.Domain.whole(dim)
        seed = values(fdp, dim if fdp.ConsumeIntInRange(0, 15) else fdp.ConsumeIntInRange(0, 5))
        _core.walk(net, dom, seed, tol=abs(float(values(fdp, 1)[0])) * 1e-9, max_regions=200, time_limit=0.5,
                   threads=fdp.ConsumeIntInRange(1, 3), store_points=bool(fdp.ConsumeIntInRange(0, 1)))
        REACHED["walk"] += 1
        net.stable_signs(dom)
        net.local_forms(np.zeros(net.hidden_neurons, dtype=bool))
    except EXPECTED:
        pass


if __name__ == "__main__":
    import atexit

    atexit.register(lambda: print(f"walks completed: {REACHED['walk']} of {REACHED['runs']} runs", file=sys.stderr))
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
