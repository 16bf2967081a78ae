"""Oracles that share no code with the walk: a slow reference walker (highspy
for LPs, cvxpy for the ball), exact one-layer arrangement counts, and sampling."""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np


def forms(weights, biases, alpha, pattern):
    """Local forms (A, c) of every hidden neuron, by plain numpy."""
    A, c, _ = forms_and_flat(weights, biases, alpha, pattern)
    return A, c


def forms_and_flat(weights, biases, alpha, pattern):
    """Local forms (A, c) and, per neuron, whether its form vanishes on the region.

    A form vanishes when it is exactly zero or cancels to rounding: below
    1e-10 of the summed terms' sizes (|W| times the previous forms' sizes), so
    rescaling a neuron never changes the verdict. Such a neuron is constant on
    the region and bounds nothing (DESIGN.md section 1, zero neurons).
    """
    a, c = weights[0].copy(), biases[0].copy()
    size = np.zeros(len(c))  # the first layer's forms are exact
    rows_a, rows_c, flat = [a], [c], [~np.any(a != 0, axis=1)]
    start = 0
    for w, b in zip(weights[1:-1], biases[1:-1]):
        n = a.shape[0]
        s = np.where(pattern[start:start + n], 1.0, alpha)
        start += n
        size = np.abs(w) @ (s * np.abs(a).max(axis=1))
        a, c = w @ (s[:, None] * a), w @ (s * c) + b
        rows_a.append(a)
        rows_c.append(c)
        flat.append(np.abs(a).max(axis=1) <= 1e-10 * size)
    return np.vstack(rows_a), np.concatenate(rows_c), np.concatenate(flat)


def _facet_margin_lp(A, c, sigma, j, others, box, cap):
    """max t s.t. a_j x + c_j = 0, sigma_k z_k >= t |a_k| (k in others), box margin t."""
    import highspy

    d = A.shape[1]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    lo = [-inf] * d + [-inf]
    hi = [inf] * d + [cap]
    h.addVars(d + 1, np.array(lo), np.array(hi))
    h.changeColCost(d, -1.0)  # minimise -t
    def add(row, lb, ub):
        idx = np.nonzero(row)[0].astype(np.int32)
        h.addRow(lb, ub, len(idx), idx, row[idx])
    if j is not None:
        row = np.zeros(d + 1)
        row[:d] = A[j]
        add(row, -c[j], -c[j])
    for k in others:
        nk = np.linalg.norm(A[k])
        row = np.zeros(d + 1)
        row[:d] = sigma[k] * A[k]
        row[d] = -nk
        add(row, -sigma[k] * c[k], inf)
    if box is not None:
        lo_b, hi_b = box
        for i in range(d):
            row = np.zeros(d + 1); row[i] = 1.0; row[d] = 1.0
            add(row, -inf, hi_b[i])
            row = np.zeros(d + 1); row[i] = -1.0; row[d] = 1.0
            add(row, -inf, -lo_b[i])
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return -np.inf, None
    sol = np.array(h.getSolution().col_value)
    return sol[d], sol[:d]


def _facet_margin_socp(A, c, sigma, j, others, center, radius):
    import cvxpy as cp

    d = A.shape[1]
    x, t = cp.Variable(d), cp.Variable()
    cons = [cp.norm(x - center) <= radius - t, t <= radius]
    if j is not None:
        cons.append(A[j] @ x + c[j] == 0)
    for k in others:
        cons.append(sigma[k] * (A[k] @ x + c[k]) >= t * np.linalg.norm(A[k]))
    prob = cp.Problem(cp.Maximize(t), cons)
    prob.solve(solver=cp.CLARABEL)
    if prob.status not in ("optimal", "optimal_inaccurate"):
        return -np.inf, None
    return float(t.value), np.asarray(x.value)


def reference_walk(weights, biases, domain, seed_point, alpha=0.0, tol=1e-7, max_regions=20000, partial=False):
    """Breadth-first walk over patterns with one LP/SOCP per neuron and region.

    domain: ("box", lo, hi) | ("ball", center, radius) | ("whole",)
    Returns the set of patterns as tuples of bools.
    """
    def pattern_at(x):
        return exact_pattern(weights, biases, alpha, x)

    def margin(A, cc, sigma, j, others):
        if domain[0] == "ball":
            return _facet_margin_socp(A, cc, sigma, j, others, np.asarray(domain[1]), domain[2])
        box = (np.asarray(domain[1]), np.asarray(domain[2])) if domain[0] == "box" else None
        return _facet_margin_lp(A, cc, sigma, j, others, box, 1.0)

    def full_dimensional(s):
        p = np.array(s)
        A, cc, flat = forms_and_flat(weights, biases, alpha, p)
        live = [k for k in range(len(p)) if not flat[k]]
        return margin(A, cc, np.where(p, 1.0, -1.0), None, live)[0] > tol

    # A seed on a hyperplane (the origin of a bias-free net) may have a
    # lower-dimensional "region": start from a random point nearby instead.
    rng = np.random.default_rng(0)
    start = pattern_at(seed_point)
    for size in np.geomspace(1e-6, 1e-2, 20):
        if full_dimensional(start):
            break
        start = pattern_at(np.asarray(seed_point, float) + size * rng.normal(size=len(seed_point)))
    seen = {start}
    queue = [start]
    while queue:
        s = queue.pop()
        p = np.array(s)
        A, cc, flat = forms_and_flat(weights, biases, alpha, p)
        sigma = np.where(p, 1.0, -1.0)
        norms = np.linalg.norm(A, axis=1)
        live = [k for k in range(len(p)) if not flat[k]]
        for j in live:
            # neurons whose hyperplane is the same as j's on this region
            same = []
            for k in live:
                M = np.vstack([np.append(A[j], cc[j]), np.append(A[k], cc[k])])
                if np.linalg.matrix_rank(M, tol=1e-9 * np.abs(M).max()) == 1:
                    same.append(k)
            others = [k for k in live if k not in same]
            t, x = margin(A, cc, sigma, j, others)
            if t <= tol:
                continue
            # the neighbour's pattern: a point just across the hyperplane
            normal = -sigma[j] * A[j] / norms[j]
            for step in (0.5 * t, 0.25 * t, 0.1 * t, 0.01 * t):
                nb = pattern_at(x + step * normal)
                if nb != s:
                    break
            if nb not in seen:
                seen.add(nb)
                queue.append(nb)
                if len(seen) >= max_regions:
                    if partial:
                        return seen
                    raise RuntimeError("reference walk too large")
    return seen


def exact_pattern(weights, biases, alpha, x):
    """The pattern at x, in floats, or in exact rational arithmetic where some
    pre-activation is within rounding of 0: a neuron that cancels exactly on a
    region (integer weights, duplicated paths) must read as off there, not as
    the sign of its rounding error."""
    h = np.asarray(x, float)
    bits = []
    for w, b in zip(weights[:-1], biases[:-1]):
        z = w @ h + b
        if np.any(np.abs(z) <= 1e-9 * (np.abs(w) @ np.abs(h) + np.abs(b))):
            return _exact_pattern(weights, biases, alpha, x)
        bits.append(z > 0)
        h = np.where(z > 0, z, alpha * z)
    return tuple(np.concatenate(bits).tolist())


def _exact_pattern(weights, biases, alpha, x):
    from fractions import Fraction

    a = Fraction(float(alpha))
    h = [Fraction(float(v)) for v in x]
    bits = []
    for w, b in zip(weights[:-1], biases[:-1]):
        z = [sum((Fraction(float(wk)) * hk for wk, hk in zip(row, h)), Fraction(float(bi))) for row, bi in zip(w, b)]
        bits += [v > 0 for v in z]
        h = [v if v > 0 else a * v for v in z]
    return tuple(bits)


def zaslavsky_count(m: int, d: int) -> int:
    """Regions of m hyperplanes in general position in R^d."""
    return sum(comb(m, j) for j in range(d + 1))


def one_layer_count_in_ball(w, b, center, radius):
    """Exact count for a one-hidden-layer net in a ball, general position:
    sum over subsets S (|S| <= d) whose flat meets the open ball."""
    m, d = w.shape
    total = 1
    for size in range(1, d + 1):
        for S in combinations(range(m), size):
            WS, bS = w[list(S)], b[list(S)]
            # distance from the centre to the flat {W_S x + b_S = 0}
            r = WS @ center + bS
            dist = np.linalg.norm(WS.T @ np.linalg.solve(WS @ WS.T, r))
            total += dist < radius
    return int(total)


def chebyshev_radius(weights, biases, pattern, lo, hi, alpha=0.0):
    """Radius of the largest ball inside a region and a box (highspy LP)."""
    A, c, flat = forms_and_flat(weights, biases, alpha, np.asarray(pattern))
    sigma = np.where(pattern, 1.0, -1.0)
    live = [k for k in range(len(c)) if not flat[k]]
    t, _ = _facet_margin_lp(A, c, sigma, None, live, (np.asarray(lo), np.asarray(hi)), np.inf)
    return t
