"""Compiled (Numba) GD steps on F, one run at a time (REV.ss18-table), and the stopping rules
every path applies: the one-run path of :func:`numerics.ss18.dynamics.gradient_descent` (the lane
path, :mod:`numerics.ss18.gd_lanes`, evaluates many runs at once, bit for bit like this one).

Same formulas as :func:`numerics.ss18.objective._loss_grad` (closed-form F and ∇F; θ from arccos
where |cos θ| ≤ 0.99, from the chord ‖û ∓ v̂‖ for nearly (anti)parallel pairs), evaluated one run
at a time without temporaries, and the stopping rules checked in the same loop, so a run costs
no Python overhead per iteration. Results agree with the NumPy path to rounding (tested), not
bitwise (summation order differs; acos is :func:`acos_poly`, ≤ 1 ulp like libm's, but without a
call, so the angle loops vectorize). Deterministic: each run's arithmetic depends only on that run.

Where the time went (benchmarks/README.md): array slices passed to helpers (each one a reference
count increment and decrement), Python's division-by-zero checks (``error_model="numpy"`` drops
them: a zero neuron gives a non-finite F, which the restart rule already handles), and the libm
acos of every pair; removing the three makes an iteration ≈ 1.5× faster at k = n = 14.
"""

from __future__ import annotations

import math

import numba
import numpy as np

RUNNING = -1
PAUSED = -2  # stopped at an offer point (evaluated, checks passed, not yet updated)
_NEAR = 0.99
_TWO_PI = 2.0 * math.pi


# asin(y) = y + y·z·P(z), z = y² ∈ [0, 1/4]: P interpolates (asin(√z)/√z − 1)/z at the 13
# Chebyshev nodes of [0, 1/4]. Recipe (mpmath, 40 digits; re-derived and compared bit for bit in
# tests/test_ss18_kernels_acos.py): nodes z_q = (1 + cos(π(q + ½)/13))/8, solve the Vandermonde
# system, round each coefficient to double. Relative error of the interpolant ≤ 6e-18 on [0, 1/4],
# far below the ≤ 1 ulp of its float evaluation (measured against mpmath: ≤ 1 ulp, like libm).
_ASIN_P = (0.16666666666666669, 0.07499999999998433, 0.04464285714635543, 0.030381944138531247,
           0.02237217294214989, 0.017352392720869973, 0.013971212973552933, 0.011479177415184906,
           0.01032281435018578, 0.005457506718640358, 0.01740087944269402, -0.014851887071247204,
           0.028757851367421566)
_P0, _P1, _P2, _P3, _P4, _P5, _P6, _P7, _P8, _P9, _P10, _P11, _P12 = _ASIN_P
_PIO2 = 0.5 * math.pi


@numba.njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def acos_poly(x):
    """acos(x) for x ∈ [−1, 1] without a libm call, so a loop of it vectorizes: |x| ≤ ½ as
    π/2 − asin(x); |x| > ½ as 2·asin(√((1 − |x|)/2)) (1 − |x| is exact there), reflected for x < 0.
    Both branches are computed and one is selected (no data-dependent jump)."""
    ax = abs(x)
    small = ax <= 0.5
    half = 0.5 * (1.0 - ax)
    r = math.sqrt(half)
    z = x * x if small else half
    y = ax if small else r
    p = _P12  # Horner, written out: a loop over a tuple would not unroll into the vectorized loop
    p = p * z + _P11
    p = p * z + _P10
    p = p * z + _P9
    p = p * z + _P8
    p = p * z + _P7
    p = p * z + _P6
    p = p * z + _P5
    p = p * z + _P4
    p = p * z + _P3
    p = p * z + _P2
    p = p * z + _P1
    p = p * z + _P0
    a = y + y * (z * p)
    sa = a if x >= 0.0 else -a
    big = 2.0 * a if x > 0.0 else math.pi - 2.0 * a
    return _PIO2 - sa if small else big


@numba.njit(cache=True, fastmath=False, error_model="numpy")
def _angles(C, lo, hi, X, i, Y, TH, S):
    """θ and sin θ (into TH, S) for the cosines C[lo:hi] between row i of X and rows lo..hi−1 of Y
    (unit vectors), by the objective's _angles rule: acos for |c| ≤ 0.99 (a vectorized pass), the
    chord ‖x ∓ y‖ for nearly (anti)parallel pairs (a second pass over the rare rest)."""
    for j in range(lo, hi):
        cc = min(max(C[j], -1.0), 1.0)
        TH[j] = acos_poly(cc)
        S[j] = math.sqrt(1.0 - cc * cc)
    for j in range(lo, hi):
        c = C[j]
        if abs(c) > _NEAR:
            sg = 1.0 if c > 0 else -1.0
            e2 = 0.0
            for t in range(X.shape[1]):
                q = X[i, t] - sg * Y[j, t]
                e2 += q * q
            e = math.sqrt(e2)
            half = 2.0 * math.asin(min(e / 2.0, 1.0))
            TH[j] = half if sg > 0 else math.pi - half
            S[j] = e * math.sqrt(max(1.0 - e * e / 4.0, 0.0))


@numba.njit(cache=True, fastmath=False, error_model="numpy")
def norms_and_units(M, norms, units):
    """Row norms ‖M_i‖ (into ``norms``) and unit rows M_i/‖M_i‖ (into ``units``)."""
    for i in range(M.shape[0]):
        s2 = 0.0
        for t in range(M.shape[1]):
            s2 += M[i, t] * M[i, t]
        norms[i] = math.sqrt(s2)
        for t in range(M.shape[1]):
            units[i, t] = M[i, t] / norms[i]


@numba.njit(cache=True, fastmath=False, error_model="numpy")
def loss_grad_one(w, V, Vh, b, vconst, G, U, a, coef, ident, UT, work):
    """F(w) and ∇F(w) (into G) for one run w (n, d); U (n, d), a, coef (n,), UT (d, n) and
    work (3, max(n, k)) are work arrays. Cosines of the student pairs (i, i2 > i) are summed over
    t in order, as a dot product would be, with i2 innermost over the transposed units
    (contiguous, vectorizable); angles come from :func:`_angles`."""
    n, d = w.shape
    k = V.shape[0]
    C, TH, S = work[0], work[1], work[2]
    norms_and_units(w, a, U)
    for i in range(n):
        for t in range(d):
            G[i, t] = math.pi * w[i, t]  # the diagonal pair: (π − 0)·w_i, s = 0
            UT[t, i] = U[i, t]
        coef[i] = 0.0
    F2 = 0.0  # 2π·(½Σ_{i,i'} a a' k − Σ a b k)
    for i in range(n):
        F2 += 0.5 * a[i] * a[i] * math.pi
        for i2 in range(i + 1, n):
            C[i2] = 0.0
        for t in range(d):
            uit = U[i, t]
            for i2 in range(i + 1, n):
                C[i2] += uit * UT[t, i2]
        _angles(C, i + 1, n, U, i, U, TH, S)
        for i2 in range(i + 1, n):
            c, s = C[i2], S[i2]
            pt = math.pi - TH[i2]
            F2 += a[i] * a[i2] * (s + pt * c)
            coef[i] += a[i2] * s
            coef[i2] += a[i] * s
            for t in range(d):
                G[i, t] += pt * w[i2, t]
                G[i2, t] += pt * w[i, t]
        for j in range(k):
            if ident:  # v_j = e_j: cos θ is a coordinate of û_i
                C[j] = U[i, j]
            else:
                c = 0.0
                for t in range(d):
                    c += U[i, t] * Vh[j, t]
                C[j] = c
        _angles(C, 0, k, U, i, Vh, TH, S)
        for j in range(k):
            c, s = C[j], S[j]
            pt = math.pi - TH[j]
            F2 -= a[i] * b[j] * (s + pt * c)
            coef[i] -= b[j] * s
            if ident:  # (π − θ)v_j touches one entry
                G[i, j] -= pt
            else:
                for t in range(d):
                    G[i, t] -= pt * V[j, t]
    for i in range(n):
        for t in range(d):
            G[i, t] = (G[i, t] + coef[i] * U[i, t]) / _TWO_PI
    return F2 / _TWO_PI + vconst


@numba.njit(cache=True, fastmath=False, error_model="numpy")
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


@numba.njit(cache=True, fastmath=False, error_model="numpy")
def teacher_parts(V):
    """(b, V̂, ident): the teacher's row norms, unit rows, and whether V is the identity."""
    k, d = V.shape
    b = np.empty(k)
    Vh = np.empty((k, d))
    norms_and_units(V, b, Vh)
    ident = k == d
    for j in range(k):
        for t in range(d):
            if V[j, t] != (1.0 if j == t else 0.0):
                ident = False
    return b, Vh, ident


@numba.njit(cache=True, fastmath=False, error_model="numpy")
def one_run_work(n, d, k):
    """The gradient G and the work arrays (U, a, coef, UT, work) of :func:`loss_grad_one`."""
    return (np.empty((n, d)), np.empty((n, d)), np.empty(n), np.empty(n), np.empty((d, n)),
            np.empty((3, max(n, k))))


# The rules applied to one run after each evaluation, shared by the one-run loop below and the
# lane loop of numerics.ss18.gd_lanes (so both paths classify a run by the same code).

@numba.njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def must_restart(F, gtot, blowup):
    """The blow-up rule: ‖∇F‖ > blowup, or F or ∇F not finite."""
    return not (gtot <= blowup) or not math.isfinite(F)


@numba.njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def restart(r, eta, restarts, F_prev, skip_inc, max_restarts):
    """Restart run r from W0 with half the step, if it has restarts left (the caller copies W0
    and re-evaluates); False when it has none (then the caller stops it with :func:`give_up`)."""
    if restarts[r] >= max_restarts:
        return False
    eta[r] *= 0.5
    restarts[r] += 1
    F_prev[r] = np.inf
    skip_inc[r] = False
    return True


@numba.njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def give_up(r, F, gmax2, gtot, status, F_out, gmax_out, gtot_out):
    """Stop run r NOT_CONVERGED (blown up with no restart left), recording where."""
    status[r] = 2
    F_out[r] = F
    gmax_out[r] = math.sqrt(gmax2)
    gtot_out[r] = gtot


@numba.njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def record(r, F, gmax2, gtot, s_, m, F_prev, skip_inc, it, incr, status, F_out, gmax_out, gtot_out,
           tol, bad_loss, use_bad, max_iter, inc_tol):
    """Count a rise of F, record F and the gradient norms, apply the stopping rules (module
    docstring of :func:`advance`); True when run r takes its GD step (then the caller updates W
    and calls :func:`stepped`)."""
    if not skip_inc[r] and F > F_prev[r] + inc_tol * max(1.0, abs(F_prev[r])):
        incr[r] += 1
    skip_inc[r] = False
    F_out[r] = F
    gmax_out[r] = math.sqrt(gmax2)
    gtot_out[r] = gtot
    if gmax_out[r] <= tol:
        status[r] = 0
        return False
    if use_bad and F < bad_loss:
        status[r] = 1
        return False
    if it[r] >= max_iter:
        status[r] = 2
        return False
    if s_ == m:
        status[r] = PAUSED
        skip_inc[r] = True
        return False
    return True


@numba.njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def stepped(r, F, F_prev, it):
    F_prev[r] = F
    it[r] += 1


@numba.njit(cache=True, fastmath=False, error_model="numpy")
def advance(W, W0, eta, F_prev, skip_inc, it, restarts, incr, status, F_out, gmax_out, gtot_out,
            V, vconst, m, tol, bad_loss, use_bad, blowup, max_restarts, max_iter, inc_tol):
    """Advance every RUNNING/PAUSED run by up to ``m`` GD steps, in place, one run at a time.

    Per run and iteration: evaluate F, ∇F at W; if ‖∇F‖ > blowup or not finite, restart from W0
    with half the step (at most ``max_restarts`` times, else stop NOT_CONVERGED = 2); count a rise
    of F beyond inc_tol·max(1, |F_prev|); stop CONVERGED = 0 when max_i ‖∇_{w_i}F‖ ≤ tol, GOOD = 1
    when F < bad_loss (if ``use_bad``), NOT_CONVERGED = 2 when it ≥ max_iter; after m steps pause
    (PAUSED) at an evaluated, not yet updated point (the caller may offer it to the certifier;
    the next call re-evaluates it without counting a rise twice)."""
    R, n, d = W.shape
    k = V.shape[0]
    b, Vh, ident = teacher_parts(V)
    G, U, a, coef, UT, work = one_run_work(n, d, k)
    for r in range(R):
        if status[r] != RUNNING and status[r] != PAUSED:
            continue
        status[r] = RUNNING
        for s_ in range(m + 1):
            F = loss_grad_one(W[r], V, Vh, b, vconst, G, U, a, coef, ident, UT, work)
            gmax2, gtot = _grad_norms(G)
            if must_restart(F, gtot, blowup):
                if not restart(r, eta, restarts, F_prev, skip_inc, max_restarts):
                    give_up(r, F, gmax2, gtot, status, F_out, gmax_out, gtot_out)
                    break
                W[r, :, :] = W0[r]
                F = loss_grad_one(W[r], V, Vh, b, vconst, G, U, a, coef, ident, UT, work)
                gmax2, gtot = _grad_norms(G)
            if not record(r, F, gmax2, gtot, s_, m, F_prev, skip_inc, it, incr, status, F_out, gmax_out,
                          gtot_out, tol, bad_loss, use_bad, max_iter, inc_tol):
                break
            for i in range(n):
                for t in range(d):
                    W[r, i, t] -= eta[r] * G[i, t]
            stepped(r, F, F_prev, it)
