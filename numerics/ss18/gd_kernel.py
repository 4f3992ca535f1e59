"""Compiled (Numba) GD steps on F for a batch of runs (REV.ss18-table): the inner loop of
:func:`numerics.ss18.dynamics.gradient_descent`.

Same formulas as :func:`numerics.ss18.objective._loss_grad` (closed-form F and ∇F; θ from arccos
where |cos θ| ≤ 0.99, from the chord ‖û ∓ v̂‖ for nearly (anti)parallel pairs), evaluated one run
at a time without temporaries, and the stopping rules checked in the same loop, so a run costs
no Python overhead per iteration. Results agree with the NumPy path to rounding (tested), not
bitwise (summation order differs). Deterministic: each run's arithmetic depends only on that run.
"""

from __future__ import annotations

import math

import numba
import numpy as np

RUNNING = -1
PAUSED = -2  # stopped at an offer point (evaluated, checks passed, not yet updated)
_NEAR = 0.99
_TWO_PI = 2.0 * math.pi


@numba.njit(cache=True, fastmath=False)
def _theta_s(c, x, y, sign_ok):
    """θ and sin θ between unit vectors x, y with x·y = c (the objective's _angles rule)."""
    if abs(c) <= _NEAR:
        cc = min(max(c, -1.0), 1.0)
        return math.acos(cc), math.sqrt(1.0 - cc * cc)
    sg = 1.0 if c > 0 else -1.0
    e2 = 0.0
    for t in range(x.shape[0]):
        q = x[t] - sg * y[t]
        e2 += q * q
    e = math.sqrt(e2)
    half = 2.0 * math.asin(min(e / 2.0, 1.0))
    th = half if sg > 0 else math.pi - half
    return th, e * math.sqrt(max(1.0 - e * e / 4.0, 0.0))


@numba.njit(cache=True, fastmath=False)
def norms_and_units(M, norms, units):
    """Row norms ‖M_i‖ (into ``norms``) and unit rows M_i/‖M_i‖ (into ``units``)."""
    for i in range(M.shape[0]):
        s2 = 0.0
        for t in range(M.shape[1]):
            s2 += M[i, t] * M[i, t]
        norms[i] = math.sqrt(s2)
        for t in range(M.shape[1]):
            units[i, t] = M[i, t] / norms[i]


@numba.njit(cache=True, fastmath=False)
def loss_grad_one(w, V, Vh, b, vconst, G, U, a, coef, ident):
    """F(w) and ∇F(w) (into G) for one run w (n, d); U, a, coef are work arrays."""
    n, d = w.shape
    k = V.shape[0]
    norms_and_units(w, a, U)
    for i in range(n):
        for t in range(d):
            G[i, t] = math.pi * w[i, t]  # the diagonal pair: (π − 0)·w_i, s = 0
        coef[i] = 0.0
    F2 = 0.0  # 2π·(½Σ_{i,i'} a a' k − Σ a b k)
    for i in range(n):
        F2 += 0.5 * a[i] * a[i] * math.pi
        for i2 in range(i + 1, n):
            c = 0.0
            for t in range(d):
                c += U[i, t] * U[i2, t]
            th, s = _theta_s(c, U[i], U[i2], True)
            pt = math.pi - th
            F2 += a[i] * a[i2] * (s + pt * c)
            coef[i] += a[i2] * s
            coef[i2] += a[i] * s
            for t in range(d):
                G[i, t] += pt * w[i2, t]
                G[i2, t] += pt * w[i, t]
        for j in range(k):
            if ident:  # v_j = e_j: cos θ is a coordinate of û_i, and (π − θ)v_j touches one entry
                c = U[i, j]
            else:
                c = 0.0
                for t in range(d):
                    c += U[i, t] * Vh[j, t]
            th, s = _theta_s(c, U[i], Vh[j], True)
            pt = math.pi - th
            F2 -= a[i] * b[j] * (s + pt * c)
            coef[i] -= b[j] * s
            if ident:
                G[i, j] -= pt
            else:
                for t in range(d):
                    G[i, t] -= pt * V[j, t]
    for i in range(n):
        for t in range(d):
            G[i, t] = (G[i, t] + coef[i] * U[i, t]) / _TWO_PI
    return F2 / _TWO_PI + vconst


@numba.njit(cache=True, fastmath=False)
def _grad_norms(G):
    """(max_i ‖G_i‖², ‖G‖) of a gradient (n, d)."""
    gmax2 = 0.0
    g2 = 0.0
    for i in range(G.shape[0]):
        gi = 0.0
        for t in range(G.shape[1]):
            gi += G[i, t] * G[i, t]
        g2 += gi
        gmax2 = max(gmax2, gi)
    return gmax2, math.sqrt(g2)


@numba.njit(cache=True, fastmath=False)
def advance(W, W0, eta, F_prev, skip_inc, it, restarts, incr, status, F_out, gmax_out, gtot_out,
            V, vconst, m, tol, bad_loss, use_bad, blowup, max_restarts, max_iter, inc_tol):
    """Advance every RUNNING/PAUSED run by up to ``m`` GD steps, in place.

    Per run and iteration: evaluate F, ∇F at W; if ‖∇F‖ > blowup or not finite, restart from W0
    with half the step (at most ``max_restarts`` times, else stop NOT_CONVERGED = 2); count a rise
    of F beyond inc_tol·max(1, |F_prev|); stop CONVERGED = 0 when max_i ‖∇_{w_i}F‖ ≤ tol, GOOD = 1
    when F < bad_loss (if ``use_bad``), NOT_CONVERGED = 2 when it ≥ max_iter; after m steps pause
    (PAUSED) at an evaluated, not yet updated point (the caller may offer it to the certifier;
    the next call re-evaluates it without counting a rise twice)."""
    R, n, d = W.shape
    k = V.shape[0]
    b = np.empty(k)
    Vh = np.empty((k, d))
    norms_and_units(V, b, Vh)
    ident = k == d
    for j in range(k):
        for t in range(d):
            if V[j, t] != (1.0 if j == t else 0.0):
                ident = False
    G = np.empty((n, d))
    U = np.empty((n, d))
    a = np.empty(n)
    coef = np.empty(n)
    for r in range(R):
        if status[r] != RUNNING and status[r] != PAUSED:
            continue
        status[r] = RUNNING
        for s_ in range(m + 1):
            F = loss_grad_one(W[r], V, Vh, b, vconst, G, U, a, coef, ident)
            gmax2, gtot = _grad_norms(G)
            if not (gtot <= blowup) or not math.isfinite(F):
                if restarts[r] < max_restarts:
                    W[r, :, :] = W0[r]
                    eta[r] *= 0.5
                    restarts[r] += 1
                    F_prev[r] = np.inf
                    skip_inc[r] = False
                    F = loss_grad_one(W[r], V, Vh, b, vconst, G, U, a, coef, ident)
                    gmax2, gtot = _grad_norms(G)
                else:
                    status[r] = 2
                    F_out[r] = F
                    gmax_out[r] = math.sqrt(gmax2)
                    gtot_out[r] = gtot
                    break
            if not skip_inc[r] and F > F_prev[r] + inc_tol * max(1.0, abs(F_prev[r])):
                incr[r] += 1
            skip_inc[r] = False
            F_out[r] = F
            gmax_out[r] = math.sqrt(gmax2)
            gtot_out[r] = gtot
            if gmax_out[r] <= tol:
                status[r] = 0
                break
            if use_bad and F < bad_loss:
                status[r] = 1
                break
            if it[r] >= max_iter:
                status[r] = 2
                break
            if s_ == m:
                status[r] = PAUSED
                skip_inc[r] = True
                break
            for i in range(n):
                for t in range(d):
                    W[r, i, t] -= eta[r] * G[i, t]
            F_prev[r] = F
            it[r] += 1
