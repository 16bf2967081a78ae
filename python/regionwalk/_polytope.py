"""One region as a polytope: its half-spaces, facet tests, Chebyshev ball (private).

A region ``P(s)`` within a domain is ``{x : G x <= h}`` with unit rows: one per
hidden neuron whose local form is not zero (``-sigma_j a_j x <= sigma_j c_j``,
divided by ``||a_j||``), plus the box's faces for a box domain, plus
``||x - center|| <= radius`` for a ball (kept apart: it is not linear).
Linear programs go to HiGHS (highspy), second-order cone programs to Clarabel.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from regionwalk._forms import nonzero_rows
from regionwalk.domains import Ball, Box, Domain
from regionwalk.network import Network

_INF = float("inf")


@dataclass(frozen=True)
class Constraints:
    """``G x <= h`` with unit rows; ``neuron[k]`` is the hidden neuron of row k, -1 for a box face."""

    G: np.ndarray
    h: np.ndarray
    neuron: np.ndarray
    domain: Domain

    @property
    def dim(self) -> int:
        return int(self.G.shape[1])


def domain_scale(domain: Domain) -> float:
    """Half the smallest box side, the radius, or 1 (the walk's scale for ``tol``)."""
    if isinstance(domain, Box):
        return float(0.5 * np.min(domain.hi - domain.lo))
    if isinstance(domain, Ball):
        return float(domain.radius)
    return 1.0


def region_constraints(net: Network, pattern: np.ndarray, domain: Domain) -> Constraints:
    """The unit half-spaces of the region of ``pattern`` (zero forms left out) and of a box domain."""
    a, c = net._core.local_forms(np.ascontiguousarray(pattern, dtype=bool))
    keep = nonzero_rows(net, pattern, a)
    sigma = np.where(pattern, 1.0, -1.0)[keep]
    norms = np.linalg.norm(a[keep], axis=1)
    G = -(sigma / norms)[:, None] * a[keep]
    h = sigma * c[keep] / norms
    neuron = np.flatnonzero(keep)
    if isinstance(domain, Box):
        d = net.input_dim
        G = np.vstack([G, np.eye(d), -np.eye(d)])
        h = np.concatenate([h, domain.hi, -domain.lo])
        neuron = np.concatenate([neuron, np.full(2 * d, -1)])
    return Constraints(G, h, neuron.astype(np.int64), domain)


def coincident_groups(cons: Constraints, rel: float = 1e-9) -> np.ndarray:
    """Label of each row; rows whose unit half-spaces coincide share a label."""
    m = len(cons.h)
    label = np.arange(m)
    if m == 0:
        return label
    scale = max(1.0, float(np.max(np.abs(cons.h))))
    for k in range(m):
        if label[k] != k:
            continue
        same = (np.max(np.abs(cons.G[k + 1:] - cons.G[k]), axis=1) <= rel) & (
            np.abs(cons.h[k + 1:] - cons.h[k]) <= rel * scale)
        idx = np.flatnonzero(same) + k + 1
        label[idx[label[idx] == idx]] = k
    return label


_BANNER_SHOWN = False


def new_highs() -> Any:
    """A silent ``highspy.Highs``: the first one of a process prints a banner on
    file descriptor 1 (stdout), which would spoil the CLI's JSON; it goes to /dev/null."""
    import highspy

    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")  # presolve may report an unbounded LP as infeasible
    return h


def _highs_model(G: np.ndarray, h: np.ndarray, eq: np.ndarray, t_coef: np.ndarray, t_cap: float) -> Any:
    """HiGHS model of: max t s.t. G_k x + t_coef_k t <= h_k (== h_k where eq), t <= t_cap."""
    import highspy

    m, d = G.shape
    h_ = new_highs()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = d + 1, m
    cost = np.zeros(d + 1)
    cost[d] = -1.0
    lp.col_cost_ = cost
    lp.col_lower_ = np.full(d + 1, -highspy.kHighsInf)
    upper = np.full(d + 1, highspy.kHighsInf)
    upper[d] = t_cap if np.isfinite(t_cap) else highspy.kHighsInf
    lp.col_upper_ = upper
    lower = np.full(m, -highspy.kHighsInf)
    lower[eq] = h[eq]
    lp.row_lower_, lp.row_upper_ = lower, h.astype(float)
    full = np.hstack([G, t_coef[:, None]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = d + 1, m
    lp.a_matrix_.start_ = np.arange(0, (d + 1) * m + 1, d + 1, dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(d + 1, dtype=np.int32), m)
    lp.a_matrix_.value_ = full.reshape(-1)
    h_.passModel(lp)
    return h_


def _highs_solve(h_: Any) -> tuple[str, np.ndarray | None]:
    import highspy

    h_.run()
    status = h_.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return "optimal", np.array(h_.getSolution().col_value)
    if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return "unbounded", None
    return "infeasible", None


def _highs_max_last(G: np.ndarray, h: np.ndarray, eq: np.ndarray, t_coef: np.ndarray,
                    t_cap: float) -> tuple[str, np.ndarray | None]:
    """max t s.t. G_k x + t_coef_k t <= h_k (== h_k where eq), t <= t_cap; returns (status, [x, t])."""
    return _highs_solve(_highs_model(G, h, eq, t_coef, t_cap))


class FacetLP:
    """The facet LPs of one region in one warm-started HiGHS model (box or whole space).

    ``solve(k, drop)`` makes row k an equality without margin, drops the rows
    in ``drop`` (hyperplanes that coincide with k), solves, and restores.
    """

    def __init__(self, cons: Constraints, t_cap: float) -> None:
        m = len(cons.h)
        self.cons = cons
        self.h = _highs_model(cons.G, cons.h, np.zeros(m, dtype=bool), np.ones(m), t_cap)

    def solve(self, k: int, drop: np.ndarray) -> tuple[str, np.ndarray | None]:
        import highspy

        inf, d, hk = highspy.kHighsInf, self.cons.dim, float(self.cons.h[k])
        dropped = np.flatnonzero(drop)
        for r in dropped:
            self.h.changeRowBounds(int(r), -inf, inf)
        self.h.changeRowBounds(int(k), hk, hk)
        self.h.changeCoeff(int(k), d, 0.0)
        try:
            return _highs_solve(self.h)
        finally:
            self.h.changeCoeff(int(k), d, 1.0)
            self.h.changeRowBounds(int(k), -inf, hk)
            for r in dropped:
                self.h.changeRowBounds(int(r), -inf, float(self.cons.h[r]))


def _clarabel_max_last(G: np.ndarray, h: np.ndarray, eq: np.ndarray, t_coef: np.ndarray, center: np.ndarray,
                       radius: float) -> tuple[str, np.ndarray | None]:
    """The same with ``||x - center|| + t <= radius`` (a second-order cone)."""
    import clarabel
    from scipy import sparse

    m, d = G.shape
    ineq = ~eq
    rows = [np.hstack([G[eq], np.zeros((int(eq.sum()), 1))]),
            np.hstack([G[ineq], t_coef[ineq][:, None]])]
    soc = np.zeros((d + 1, d + 1))
    soc[0, d] = 1.0                      # s_0 = radius - t
    soc[1:, :d] = -np.eye(d)             # s_i = x_i - center_i
    A = sparse.csc_matrix(np.vstack(rows + [soc]))
    b = np.concatenate([h[eq], h[ineq], [radius], -center])
    q = np.zeros(d + 1)
    q[d] = -1.0
    cones = [clarabel.ZeroConeT(int(eq.sum())), clarabel.NonnegativeConeT(int(ineq.sum())),
             clarabel.SecondOrderConeT(d + 1)]
    cones = [cn for cn, k in zip(cones, (int(eq.sum()), int(ineq.sum()), 1)) if k > 0]
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    sol = clarabel.DefaultSolver(sparse.csc_matrix((d + 1, d + 1)), q, A, b, cones, settings).solve()
    if str(sol.status) in ("Solved", "AlmostSolved"):
        return "optimal", np.array(sol.x)
    return "infeasible", None


def max_margin(cons: Constraints, eq: np.ndarray | None = None, skip: np.ndarray | None = None,
               t_cap: float = _INF) -> tuple[str, np.ndarray | None]:
    """Largest ``t`` with a point ``x`` at distance ``>= t`` inside every row (and the ball).

    Rows in ``eq`` hold with equality (no margin), rows in ``skip`` are dropped.
    Returns ``(status, [x, t])`` with status ``optimal``, ``unbounded`` or ``infeasible``.
    """
    m = len(cons.h)
    eq = np.zeros(m, dtype=bool) if eq is None else eq
    keep = np.ones(m, dtype=bool) if skip is None else ~skip
    G, h, e = cons.G[keep], cons.h[keep], eq[keep]
    coef = np.where(e, 0.0, 1.0)
    if isinstance(cons.domain, Ball):
        return _clarabel_max_last(G, h, e, coef, cons.domain.center, cons.domain.radius)
    return _highs_max_last(G, h, e, coef, t_cap)


def chebyshev_many(conss: list[Constraints]) -> list[tuple[str, np.ndarray | None]]:
    """:func:`max_margin` of many regions (box or whole space) as one block-diagonal LP.

    The blocks share no variable, so the optimum of the sum is each block's
    optimum; one HiGHS call replaces many (about half the time per region). A
    block LP that is unbounded (a region of the whole space with room for any
    ball) is solved again region by region.
    """
    import highspy

    if not conss:
        return []
    d = conss[0].dim
    rows = np.array([len(c.h) for c in conss])
    total = int(rows.sum())
    width = d + 1
    col0 = np.repeat(np.arange(len(conss)) * width, rows)
    values = np.vstack([np.hstack([c.G, np.ones((len(c.h), 1))]) for c in conss]).reshape(-1)
    h_ = new_highs()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = width * len(conss), total
    cost = np.zeros(width * len(conss))
    cost[d::width] = -1.0
    lp.col_cost_ = cost
    lp.col_lower_ = np.full(width * len(conss), -highspy.kHighsInf)
    lp.col_upper_ = np.full(width * len(conss), highspy.kHighsInf)
    lp.row_lower_ = np.full(total, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([c.h for c in conss]).astype(float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = width * len(conss), total
    lp.a_matrix_.start_ = np.arange(0, total * width + 1, width, dtype=np.int32)
    lp.a_matrix_.index_ = (col0[:, None] + np.arange(width)[None, :]).astype(np.int32).reshape(-1)
    lp.a_matrix_.value_ = values
    h_.passModel(lp)
    status, sol = _highs_solve(h_)
    if status != "optimal" or sol is None:
        return [max_margin(c) for c in conss]
    return [("optimal", sol[i * width:(i + 1) * width]) for i in range(len(conss))]
