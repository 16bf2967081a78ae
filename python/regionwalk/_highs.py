"""HiGHS behind the core's solver seam (DESIGN.md section 2.7): a reference backend for tests.

``_core.walk(..., solver=solve)``, ``_core.Expander`` and ``_core.facet_test`` accept
:func:`solve` in place of the dense active-set method; the walk then asks HiGHS (through
highspy) every facet LP. It is slow (a fresh model per LP) and meant for cross-checks.
"""

from __future__ import annotations

import numpy as np

__all__ = ["solve"]


def solve(A: np.ndarray, b: np.ndarray, c: np.ndarray, v: np.ndarray,
          equality: np.ndarray) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, int]:
    """Maximise ``c.v`` subject to ``A v <= b`` (rows flagged in ``equality``: ``A v = b``).

    Returns ``(status, v, active, multipliers, iterations)``: at an optimum the rows whose
    multipliers are non-zero (equalities always) with ``c = A[active].T @ multipliers``.
    """
    import highspy

    m, n = A.shape
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")  # presolve reports some unbounded LPs as infeasible
    inf = highspy.kHighsInf
    h.addVars(n, np.full(n, -inf), np.full(n, inf))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), -np.asarray(c, dtype=float))  # HiGHS minimises
    idx = np.arange(n, dtype=np.int32)
    for i in range(m):
        lower = b[i] if equality[i] else -inf
        h.addRow(float(lower), float(b[i]), n, idx, np.ascontiguousarray(A[i], dtype=float))
    h.run()
    status = h.getModelStatus()
    iterations = int(h.getInfo().simplex_iteration_count)
    if status == highspy.HighsModelStatus.kUnbounded:
        return "unbounded", np.asarray(v, dtype=float), np.zeros(0, np.int64), np.zeros(0), iterations
    if status != highspy.HighsModelStatus.kOptimal:
        return "iteration_limit", np.asarray(v, dtype=float), np.zeros(0, np.int64), np.zeros(0), iterations
    sol = h.getSolution()
    x = np.array(sol.col_value, dtype=float)
    # For "min -c.v, A v <= b" the row duals y satisfy -c = A^T y with y <= 0 on tight rows.
    mult = -np.array(sol.row_dual, dtype=float)
    active = np.flatnonzero(equality | (np.abs(mult) > 1e-12))
    return "optimal", x, active.astype(np.int64), mult[active], iterations
