"""GD on F for many runs at once, the runs in the vector lanes (REV.ss18-table): the fast path of
:func:`numerics.ss18.dynamics.gradient_descent`.

:func:`numerics.ss18.gd_kernel.loss_grad_one` evaluates one run; its loops are over neurons and
coordinates (1–20 long), too short to fill the vector units. Here a block of L runs is stored
with the run innermost (arrays (n, d, L)), and every operation of ``loss_grad_one`` becomes a
loop over the L lanes, which the compiler vectorizes. Each lane performs exactly the operations
of ``loss_grad_one`` in the same order (the same sums over t, the same :func:`acos_poly`, the
same chord rule for nearly (anti)parallel pairs), so F and ∇F are **bitwise** those of the
one-run kernel (tested), and a run's trajectory does not depend on which path, lane or block
evaluated it. The stopping rules are the one-run kernel's own functions (``record``,
``restart``, …), applied lane by lane; a lane whose run stops or pauses takes the next live run.

Widths (measured, k = n = d = 14, per run evaluation): one-run kernel 6.3 µs; lanes L = 1:
16.7 µs, 4: 6.5 µs, 16: 3.9 µs, 20: 3.0 µs, 32: 2.5 µs, 64: 2.7 µs, 128: 2.9 µs. The compiled
vector body takes :data:`VECTOR` = 16 lanes at a time (4 doubles × 4 interleaved), the rest of
a block runs lane by lane (≈ 4× slower per lane), and L > 32 leaves L2. Hence blocks of at most
:data:`LANES` = 32 lanes, padded to a multiple of 16 with idle lanes (they cost no more than a
remainder would), and the one-run kernel below :data:`MIN_LANES` = 12 live runs (a 16-lane pass
costs ≈ 16 × 3.9 = 63 µs, ten one-run evaluations as much).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from numerics.ss18.gd_kernel import (
    _NEAR, _TWO_PI, PAUSED, RUNNING, _grad_norms, acos_poly, advance as advance_one, give_up, loss_grad_one,
    must_restart, one_run_work, record, restart, stepped, teacher_parts,
)

LANES = 32
VECTOR = 16
MIN_LANES = 12


@numba.njit(cache=True, fastmath=False, error_model="numpy")
def _acos_pass(C, lo, hi, TH, S):
    """θ = acos_poly(clamped c) and sin θ for rows lo..hi−1 of C, every lane (the vector pass)."""
    L = C.shape[1]
    for j in range(lo, hi):
        for l in range(L):
            cc = min(max(C[j, l], -1.0), 1.0)
            TH[j, l] = acos_poly(cc)
            S[j, l] = math.sqrt(1.0 - cc * cc)


@numba.njit(cache=True, fastmath=False, error_model="numpy")
def _near(C, lo, hi, U, i, Y, TH, S):
    """The chord rule ‖û_i ∓ y_j‖ for the nearly (anti)parallel pairs among rows lo..hi−1 of C
    (Y: the student units U, or the teacher units copied into every lane); rare, lane by lane."""
    L = C.shape[1]
    for j in range(lo, hi):
        for l in range(L):
            c = C[j, l]
            if abs(c) > _NEAR:
                sg = 1.0 if c > 0 else -1.0
                e2 = 0.0
                for t in range(U.shape[1]):
                    q = U[i, t, l] - sg * Y[j, t, l]
                    e2 += q * q
                e = math.sqrt(e2)
                half = 2.0 * math.asin(min(e / 2.0, 1.0))
                TH[j, l] = half if sg > 0 else math.pi - half
                S[j, l] = e * math.sqrt(max(1.0 - e * e / 4.0, 0.0))


@numba.njit(cache=True, fastmath=False, error_model="numpy")
def loss_grad_lanes(w, V, Vh, VhL, b, vconst, ident, G, U, a, coef, C, TH, S, F):
    """F (into F, (L,)) and ∇F (into G, (n, d, L)) of the L runs w (n, d, L): lane by lane the
    operations of :func:`~numerics.ss18.gd_kernel.loss_grad_one`, in its order. VhL (k, d, L):
    the teacher's unit rows Vh in every lane. U (n, d, L), a and coef (n, L), C, TH, S
    (max(n, k), L) are work arrays."""
    n, d, L = w.shape
    k = V.shape[0]
    for i in range(n):
        for l in range(L):
            a[i, l] = 0.0
        for t in range(d):
            for l in range(L):
                a[i, l] += w[i, t, l] * w[i, t, l]
        for l in range(L):
            a[i, l] = math.sqrt(a[i, l])
        for t in range(d):
            for l in range(L):
                U[i, t, l] = w[i, t, l] / a[i, l]
                G[i, t, l] = math.pi * w[i, t, l]
        for l in range(L):
            coef[i, l] = 0.0
    for l in range(L):
        F[l] = 0.0  # 2π·(½Σ a a' k − Σ a b k) until the last line
    for i in range(n):
        for l in range(L):
            F[l] += 0.5 * a[i, l] * a[i, l] * math.pi
        for i2 in range(i + 1, n):
            for l in range(L):
                C[i2, l] = 0.0
        for t in range(d):
            for i2 in range(i + 1, n):
                for l in range(L):
                    C[i2, l] += U[i, t, l] * U[i2, t, l]
        _acos_pass(C, i + 1, n, TH, S)
        _near(C, i + 1, n, U, i, U, TH, S)
        for i2 in range(i + 1, n):
            for l in range(L):
                c, s = C[i2, l], S[i2, l]
                pt = math.pi - TH[i2, l]
                F[l] += a[i, l] * a[i2, l] * (s + pt * c)
                coef[i, l] += a[i2, l] * s
                coef[i2, l] += a[i, l] * s
            for t in range(d):
                for l in range(L):
                    pt = math.pi - TH[i2, l]
                    G[i, t, l] += pt * w[i2, t, l]
                    G[i2, t, l] += pt * w[i, t, l]
        for j in range(k):
            if ident:  # v_j = e_j: cos θ is a coordinate of û_i
                for l in range(L):
                    C[j, l] = U[i, j, l]
            else:
                for l in range(L):
                    C[j, l] = 0.0
                for t in range(d):
                    for l in range(L):
                        C[j, l] += U[i, t, l] * Vh[j, t]
        _acos_pass(C, 0, k, TH, S)
        _near(C, 0, k, U, i, VhL, TH, S)
        for j in range(k):
            for l in range(L):
                c, s = C[j, l], S[j, l]
                pt = math.pi - TH[j, l]
                F[l] -= a[i, l] * b[j] * (s + pt * c)
                coef[i, l] -= b[j] * s
            if ident:  # (π − θ)v_j touches one entry
                for l in range(L):
                    G[i, j, l] -= math.pi - TH[j, l]
            else:
                for t in range(d):
                    for l in range(L):
                        G[i, t, l] -= (math.pi - TH[j, l]) * V[j, t]
    for i in range(n):
        for t in range(d):
            for l in range(L):
                G[i, t, l] = (G[i, t, l] + coef[i, l] * U[i, t, l]) / _TWO_PI
    for l in range(L):
        F[l] = F[l] / _TWO_PI + vconst


@numba.njit(cache=True, fastmath=False, error_model="numpy")
def lanes_of(M, L):
    """M (r, c) copied into each of L lanes: (r, c, L)."""
    out = np.empty((M.shape[0], M.shape[1], L))
    for i in range(M.shape[0]):
        for t in range(M.shape[1]):
            for l in range(L):
                out[i, t, l] = M[i, t]
    return out


@numba.njit(cache=True, fastmath=False, error_model="numpy")
def _grad_norms_lanes(G, gmax2, gtot):
    """Per lane: max_i ‖G_i‖² and ‖G‖, summed in :func:`~numerics.ss18.gd_kernel._grad_norms`' order."""
    n, d, L = G.shape
    for l in range(L):
        gmax2[l] = 0.0
        gtot[l] = 0.0
    for i in range(n):
        for l in range(L):
            gi = 0.0
            for t in range(d):
                gi += G[i, t, l] * G[i, t, l]
            gtot[l] += gi
            gmax2[l] = max(gmax2[l], gi)
    for l in range(L):
        gtot[l] = math.sqrt(gtot[l])


@numba.njit(cache=True, fastmath=False, error_model="numpy")
def advance(W, W0, eta, F_prev, skip_inc, it, restarts, incr, status, F_out, gmax_out, gtot_out,
            V, vconst, m, tol, bad_loss, use_bad, blowup, max_restarts, max_iter, inc_tol, lanes, vec_evals):
    """:func:`numerics.ss18.gd_kernel.advance` (same arguments, same effect on every run), with
    the live runs evaluated min(``lanes``, live) at a time, rounded up to a multiple of
    :data:`VECTOR` (the padding lanes idle); with fewer than :data:`MIN_LANES` live runs (or
    ``lanes`` < MIN_LANES) the one-run kernel does it. ``vec_evals[r]`` counts run r's
    evaluations made in the lanes."""
    live = np.flatnonzero((status == RUNNING) | (status == PAUSED))
    if lanes < MIN_LANES or live.size < MIN_LANES:
        advance_one(W, W0, eta, F_prev, skip_inc, it, restarts, incr, status, F_out, gmax_out, gtot_out,
                    V, vconst, m, tol, bad_loss, use_bad, blowup, max_restarts, max_iter, inc_tol)
        return
    R, n, d = W.shape
    k = V.shape[0]
    L = -(-min(lanes, live.size) // VECTOR) * VECTOR
    b, Vh, ident = teacher_parts(V)
    VhL = lanes_of(Vh, L)
    Wl = np.empty((n, d, L))
    G = np.empty((n, d, L))
    U = np.empty((n, d, L))
    a = np.empty((n, L))
    coef = np.empty((n, L))
    C = np.empty((max(n, k), L))
    TH = np.empty((max(n, k), L))
    S = np.empty((max(n, k), L))
    F = np.empty(L)
    gmax2 = np.empty(L)
    gtot = np.empty(L)
    step = np.zeros(L)  # η of a lane that takes its step this round, else 0 (and no update)
    run = np.full(L, -1)  # the run in each lane (−1: idle)
    s_ = np.zeros(L, dtype=np.int64)  # steps taken by the lane's run in this call
    G1, U1, a1, coef1, UT1, work1 = one_run_work(n, d, k)  # for re-evaluating a restarted run
    nxt = 0
    active = 0
    for l in range(L):
        if nxt < live.size:
            r = live[nxt]
            nxt += 1
            run[l] = r
            status[r] = RUNNING
            active += 1
        Wl[:, :, l] = W[live[0]] if run[l] < 0 else W[run[l]]  # an idle lane computes a copy
    while active > 0:
        loss_grad_lanes(Wl, V, Vh, VhL, b, vconst, ident, G, U, a, coef, C, TH, S, F)
        _grad_norms_lanes(G, gmax2, gtot)
        for l in range(L):
            step[l] = 0.0
            r = run[l]
            if r < 0:
                continue
            vec_evals[r] += 1
            Fl, gm2, gt = F[l], gmax2[l], gtot[l]
            go = True
            if must_restart(Fl, gt, blowup):
                if restart(r, eta, restarts, F_prev, skip_inc, max_restarts):
                    Wl[:, :, l] = W0[r]
                    Fl = loss_grad_one(W0[r], V, Vh, b, vconst, G1, U1, a1, coef1, ident, UT1, work1)
                    gm2, gt = _grad_norms(G1)
                    G[:, :, l] = G1
                else:
                    give_up(r, Fl, gm2, gt, status, F_out, gmax_out, gtot_out)
                    go = False
            if go and record(r, Fl, gm2, gt, s_[l], m, F_prev, skip_inc, it, incr, status, F_out, gmax_out,
                             gtot_out, tol, bad_loss, use_bad, max_iter, inc_tol):
                step[l] = eta[r]
                stepped(r, Fl, F_prev, it)
                s_[l] += 1
                continue
            W[r] = Wl[:, :, l]  # the run leaves its lane (stopped or paused): the next one enters
            if nxt < live.size:
                r = live[nxt]
                nxt += 1
                run[l] = r
                status[r] = RUNNING
                s_[l] = 0
                Wl[:, :, l] = W[r]
            else:
                run[l] = -1
                active -= 1
        for i in range(n):
            for t in range(d):
                for l in range(L):
                    if step[l] != 0.0:
                        Wl[i, t, l] -= step[l] * G[i, t, l]
