"""Oracles for the per-region and per-point analysis that share no code with it:
forms by torch.autograd, convex programs written out with highspy / scipy / cvxpy."""

from __future__ import annotations

import numpy as np
import torch


def preacts_fn(net):
    """x (d,) -> (hidden pre-activations (N,), output (n_out,)) as a torch function."""
    ws = [torch.tensor(w) for w in net.weights]
    bs = [torch.tensor(b) for b in net.biases]

    def f(x):
        zs, h = [], x
        for w, b in zip(ws[:-1], bs[:-1]):
            z = w @ h + b
            zs.append(z)
            h = torch.nn.functional.leaky_relu(z, net.alpha) if net.alpha > 0 else torch.relu(z)
        return torch.cat(zs), ws[-1] @ h + bs[-1]

    return f


def autograd_forms(net, x):
    """(a (N, d), c (N,), J (n_out, d), o (n_out,), z (N,)) at x by autograd (no regionwalk code)."""
    f = preacts_fn(net)
    xt = torch.tensor(np.asarray(x, dtype=float))
    a = torch.autograd.functional.jacobian(lambda y: f(y)[0], xt).numpy()
    jac = torch.autograd.functional.jacobian(lambda y: f(y)[1], xt).numpy()
    z, out = (t.detach().numpy() for t in f(xt))
    return a, z - a @ x, jac, out - jac @ x, z


def live_rows(a, c, pattern):
    """Rows that bound the region: the test's rule is 'form not exactly zero'
    (the test nets zero their dead neurons exactly)."""
    return np.any(a != 0, axis=1)


def region_rows(net, x, pattern):
    """G y <= h (unit rows) for the region of pattern, with the autograd forms at x."""
    a, c, *_ = autograd_forms(net, x)
    keep = live_rows(a, c, pattern)
    sigma = np.where(pattern, 1.0, -1.0)[keep]
    n = np.linalg.norm(a[keep], axis=1)
    return -(sigma / n)[:, None] * a[keep], sigma * c[keep] / n


def lp_max(cost, A_ub, b_ub, bounds, A_eq=None, b_eq=None):
    """max cost.x by highspy through scipy (status, x)."""
    from scipy.optimize import linprog

    r = linprog(-np.asarray(cost), A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs",
                options={"presolve": False})  # presolve may call an unbounded LP infeasible
    return r.status, (r.x if r.status == 0 else None)


def chebyshev_box_lp(G, h, lo, hi):
    """Largest ball in {G y <= h} ∩ box: max r s.t. G y + r <= h, lo + r <= y <= hi - r."""
    d = G.shape[1]
    box_G = np.vstack([np.eye(d), -np.eye(d)])
    box_h = np.concatenate([hi, -lo])
    A = np.vstack([np.hstack([G, np.ones((len(h), 1))]), np.hstack([box_G, np.ones((2 * d, 1))])])
    b = np.concatenate([h, box_h])
    cost = np.zeros(d + 1)
    cost[-1] = 1.0
    status, sol = lp_max(cost, A, b, [(None, None)] * (d + 1))
    assert status == 0
    return sol[-1], sol[:-1]


def chebyshev_ball_socp(G, h, center, radius):
    import cvxpy as cp

    d = G.shape[1]
    y, r = cp.Variable(d), cp.Variable()
    cons = [G @ y + r <= h, cp.norm(y - center) + r <= radius]
    cp.Problem(cp.Maximize(r), cons).solve(solver=cp.CLARABEL)
    return float(r.value), np.asarray(y.value)
