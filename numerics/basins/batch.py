"""Many basin values at once (SS16 Lemma 1, claim SS16.Lemma1): the batched, certified NNLS path.

Same mathematics as :mod:`numerics.basins` (read its docstring): for the squared loss,

    Bas(B^{A,b}) = min_{c ≥ 0} (1/m)‖M c − y‖²,   M = [b_j [X g]_+]_{j, g ∈ rays(K_j)},

with rays(K_j) the generators of K_j = {w : a_{j,t}⟨w, x_t⟩ ≥ 0 ∀t}, i.e. the rays g of the
arrangement {⟨w, x_t⟩ = 0} compatible with row j of A (computed once per X by
numerics.basins.rays._RaySquared). What changes here is only *how* it is computed, for a batch of
patterns (A_i, b_i), i = 1..N, on the same (X, y):

* the generators of every neuron row are found with one vectorised bitmask test (rays are
  pre-grouped by their signs on the first q samples, so a row only tests the ~0.6^q share of
  rays compatible with its prefix);
* Lawson–Hanson is run for all N problems in lock-step in NumPy: one column enters (or leaves)
  the passive set of each unfinished problem per step, the passive Gram matrices are kept up to
  date column by column and solved together (batched LU), finished problems drop out. The
  entering column is chosen on a float32 copy of the columns and its gradient confirmed in
  float64; termination (no column with a positive float64 gradient) is always decided in
  float64, and optimality by the certificate;
* the certificate of :func:`numerics.basins.certificate._certify` is computed for all of them at once, on the
  original (unscaled) data: primal residual max(0, −b_j a_jt⟨u_j, x_t⟩), Farkas dual residual
  max over every generator g of every K_j of −b_j⟨Q_jᵀλ, g⟩ with λ = (2/m)(p − y), duality gap
  h(p) + h*(λ), and the lift check (network loss of the lifted (W, v), evaluated with
  numerics.network.batched_predict, equals the value within numerics.basins.certificate._lift_tolerance);
* a problem whose lock-step solve does not finish, or whose certificate fails, is re-solved on
  its own by :func:`numerics.basins.value.basin_value` with ``method="direct"`` (Clarabel), which raises
  SolverError if that certificate fails too. Every returned value carries a certificate.

Non-emptiness (``check_nonempty=True``): the open cone of row j is non-empty iff every sample t
is strict (a_t⟨g, x_t⟩ > 0) for some generator g of K_j — then w̄ = Σ g is a strict interior
point, which is checked numerically with the same margin as numerics.basins.patterns.interior_margin's
LP. Rows that fail the witness test are decided by that LP. An empty basin raises
EmptyBasinError naming the pattern's index, or with ``on_empty="skip"`` is listed in
``BasinBatch.empty`` and has no value at all (never a placeholder number).

Caveat (as for numerics.basins.value's ``method="nnls"``): the generators come from the arrangement's
rays, kept when their r−1 normals have σ_min > 1e-10·σ_max; data degenerate at that level could
lose a generator, and then the value and its Farkas check would both refer to a smaller cone.
Use numerics.basins.value.basin_value(method="direct") for nearly degenerate data.

Other losses than the squared one are solved basin by basin with numerics.basins.value.basin_value.
``processes > 1`` splits the batch into one large chunk per process of a reusable loky pool
(joblib), so start-up is paid once per session; each worker computes the rays of X once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from numerics.basins.certificate import CERT_FACTOR, Certificate, _lift_tolerances, lift
from numerics.basins.checks import _check_signs, _check_Xy
from numerics.basins.errors import EmptyBasinError
from numerics.basins.losses import Loss, _check_loss, _loss_elementwise_np
from numerics.basins.patterns import INTERIOR_MARGIN, _neuron_nonempty, sign_patterns
from numerics.basins.programs import CLARABEL_TOL
from numerics.basins.rays import _generators, _ray_program
from numerics.basins.value import BasinMinimum, basin_value
from numerics.network import batched_predict

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Lock-step Lawson–Hanson: give up after _MAX_STEPS·m + 20 steps (the problem is then re-solved
#: by Clarabel; at n = 10, m = 20, d = 5 a problem needs ≈ 2m steps).
_MAX_STEPS = 6
#: Lawson–Hanson stops when no column has ⟨column, residual⟩ > _LH_TOL·max‖column‖·‖y‖. The
#: passive solves use normal equations (error ∝ cond²·ε), so this is not set at machine
#: precision; optimality is decided by the certificate (dual residual ≤ 1e-6 relative) anyway.
_LH_TOL = 1e-10


@dataclass(frozen=True)
class BasinBatch:
    """Certified basin values of a batch. Row i refers to input pattern ``index[i]``.

    ``values[i]`` = Bas(B^{A,b}) of pattern ``index[i]``; ``U, W, v`` (N × n × d, N × n) a
    minimiser and its lift; ``predictions`` (N × m); certificate fields per row (see
    numerics.basins.certificate.Certificate); ``solver[i]`` says which path produced row i. ``empty`` lists
    the input indices whose basin is empty (only with ``on_empty="skip"``; they have no row).
    """

    values: Array
    U: Array
    W: Array
    v: Array
    predictions: Array
    gap: Array
    primal_residual: Array
    dual_residual: Array
    lift_error: Array
    lift_tolerance: Array
    solver: tuple[str, ...]
    index: IntArray
    empty: IntArray

    def certificate(self, i: int) -> Certificate:
        """The certificate of row i as a numerics.basins.certificate.Certificate."""
        return Certificate(
            gap=float(self.gap[i]), primal_residual=float(self.primal_residual[i]),
            dual_residual=float(self.dual_residual[i]), solver=self.solver[i], status="optimal",
            lift_error=float(self.lift_error[i]), lift_tolerance=float(self.lift_tolerance[i]),
        )

    def __len__(self) -> int:
        return int(self.values.shape[0])


# ----------------------------------------------------------------------------- input


def _stack_patterns(X: Array, patterns: object) -> tuple[IntArray, IntArray]:
    """Accept a sequence of (A, b) pairs or a pair (A: N × n × m, b: N × n) of stacked arrays."""
    if isinstance(patterns, tuple) and len(patterns) == 2 and np.asarray(patterns[0]).ndim == 3:
        A, b = np.asarray(patterns[0]), np.asarray(patterns[1])
    else:
        pats = list(patterns)  # type: ignore[call-overload]
        if not pats:
            raise ValueError("patterns: no patterns given")
        if any(not isinstance(p, (tuple, list)) or len(p) != 2 for p in pats):
            raise ValueError("patterns: expected (A, b) pairs or a pair of stacked arrays")
        shapes = {np.asarray(p[0]).shape for p in pats}
        if len(shapes) != 1:
            raise ValueError(f"patterns: every A must have the same shape (n, m), got {sorted(shapes)}")
        A = np.stack([np.asarray(p[0]) for p in pats])
        b = np.stack([np.asarray(p[1]) for p in pats]) if len({np.shape(p[1]) for p in pats}) == 1 else None
        if b is None:
            raise ValueError("patterns: every b must have shape (n,)")
    if A.ndim != 3 or A.shape[0] == 0:
        raise ValueError(f"patterns: expected A of shape (N, n, m) with N ≥ 1, got {A.shape}")
    if A.shape[2] != X.shape[0]:
        raise ValueError(
            f"patterns: A must be neurons × samples, (n, {X.shape[0]}) per pattern "
            f"(SS16.Def2-indexing), got {A.shape[1:]}"
        )
    if A.shape[1] == 0:
        raise ValueError("patterns: zero neurons")
    A = _check_signs("A", A, A.shape)
    b = _check_signs("b", b, A.shape[:2])
    return A, b


# ----------------------------------------------------------------------------- lock-step NNLS


def _lawson_hanson(M: Array, y: Array, ncols: IntArray) -> tuple[Array, IntArray, NDArray[np.bool_]]:
    """min_{c ≥ 0} ‖Mᵀc − y‖ for a stack M (N × k × m, column i of problem β is M[β, i]), all
    problems stepped together. Returns (coefficients on slots N × S, slot columns N × S (−1 =
    free), finished flag N). Passive sets hold ≤ S = m columns (they stay independent).

    Finished problems are dropped from the working arrays whenever they are ≥ 30 % of them, so
    each step touches only the columns of unfinished problems."""
    N, k, m = M.shape
    S = m
    out_x = np.zeros((N, S))
    out_slots = np.full((N, S), -1, dtype=np.int64)
    out_ok = np.zeros(N, dtype=bool)
    if N == 0 or k == 0:  # no problem, or no column anywhere: c = 0 is optimal (p = 0)
        out_ok[:] = True
        return out_x, out_slots, out_ok
    orig = np.arange(N)
    slots = np.full((N, S), -1, dtype=np.int64)
    xs = np.zeros((N, S))
    gram = np.zeros((N, S, S))
    gram[:, np.arange(S), np.arange(S)] = 1.0  # free slots: identity rows
    rhs = np.zeros((N, S))
    Ms = np.zeros((N, S, m))  # the passive columns, by slot (free slots: 0)
    blocked = np.arange(k)[None, :] >= ncols[:, None]  # padding or passive: cannot enter
    p = np.zeros((N, m))
    need_add = np.ones(N, dtype=bool)
    just_added = np.zeros(N, dtype=bool)
    last_slot = np.zeros(N, dtype=np.int64)
    done = np.zeros(N, dtype=bool)
    ok = np.zeros(N, dtype=bool)
    colscale = np.sqrt(np.max(np.einsum("bkm,bkm->bk", M, M), axis=1, initial=0.0))
    tol = _LH_TOL * np.maximum(colscale, 1e-300) * max(float(np.linalg.norm(y)), 1e-300)
    My = M @ y  # N × k: ⟨column, y⟩
    M32 = M.astype(np.float32)
    ar_s = np.arange(S)
    for _ in range(_MAX_STEPS * S + 20):
        if done.any():  # write back finished problems; compact when they are many
            fin = np.flatnonzero(done)
            out_x[orig[fin]], out_slots[orig[fin]], out_ok[orig[fin]] = xs[fin], slots[fin], ok[fin]
            if fin.size >= 0.3 * done.size or fin.size == done.size:
                keep = np.flatnonzero(~done)
                if keep.size == 0:
                    return out_x, out_slots, out_ok
                orig, M, M32, My, slots, xs, gram, rhs, Ms, blocked, p = (
                    orig[keep], M[keep], M32[keep], My[keep], slots[keep], xs[keep], gram[keep], rhs[keep],
                    Ms[keep], blocked[keep], p[keep])
                need_add, just_added, last_slot, tol = need_add[keep], just_added[keep], last_slot[keep], tol[keep]
                done, ok = done[keep], ok[keep]
        B = done.size
        live = ~done
        # ---- one column enters the passive set of the problems that asked for it
        ia = np.flatnonzero(need_add & live)
        if ia.size:
            r = y[None, :] - p
            # choose the entering column on a float32 copy (half the memory traffic), confirm its
            # gradient in float64; only where float32 sees no positive gradient is the full
            # float64 gradient computed (termination is always decided in float64)
            r32 = r.astype(np.float32)
            w = np.matmul(M32, r32[:, :, None])[:, :, 0] if ia.size > 0.5 * B else \
                np.matmul(M32[ia], r32[ia, :, None])[:, :, 0]
            j = np.argmax(w[ia] if w.shape[0] == B else w, axis=1)
            # padding columns are 0 and passive ones ≈ 0 after an exact passive solve, so the
            # float32 pick needs no mask; a blocked or non-positive pick is redone in float64
            wmax = np.einsum("bm,bm->b", M[ia, j], r[ia])
            recheck = np.flatnonzero((wmax <= tol[ia]) | blocked[ia, j])
            if recheck.size:
                rb_ = ia[recheck]
                w64 = np.matmul(M[rb_], r[rb_, :, None])[:, :, 0]
                w64[blocked[rb_]] = -np.inf
                j[recheck] = np.argmax(w64, axis=1)
                wmax[recheck] = w64[np.arange(recheck.size), j[recheck]]
            fin = wmax <= tol[ia]
            done[ia[fin]] = True
            ok[ia[fin]] = True
            ig, jg = ia[~fin], j[~fin]
            free = slots[ig] < 0
            has = free.any(axis=1)
            done[ig[~has]] = True  # more than m passive columns: numerically degenerate
            ig, jg, free = ig[has], jg[has], free[has]
            s = np.argmax(free, axis=1)
            slots[ig, s] = jg
            blocked[ig, jg] = True
            just_added[ig] = True
            last_slot[ig] = s
            col = M[ig, jg]  # the entering columns
            Ms[ig, s] = col
            g = np.einsum("bsm,bm->bs", Ms[ig], col)
            gram[ig, s, :] = g
            gram[ig, :, s] = g
            rhs[ig, s] = My[ig, jg]
        act = np.flatnonzero(~done)
        if act.size == 0:
            continue
        # ---- solve the passive least-squares problems (normal equations, batched LU)
        used = slots[act] >= 0
        width = int(np.max(np.where(used, ar_s[None, :] + 1, 0)))
        used = used[:, :width]
        try:
            z = np.linalg.solve(gram[act, :width, :width], rhs[act, :width, None])[:, :, 0]
        except np.linalg.LinAlgError:
            z = np.stack([_safe_solve(gram[i, :width, :width], rhs[i, :width]) for i in act])
        z = np.where(used, z, 0.0)
        bad = ~np.all(np.isfinite(z), axis=1)
        done[act[bad]] = True
        feas = np.all((z > 0) | ~used, axis=1) & ~bad
        fa = act[feas]  # feasible: accept, ask for the next column
        xs[fa, :width] = z[feas]
        need_add[fa] = True
        just_added[fa] = False
        inf_ = ~feas & ~bad
        ib = act[inf_]
        if ib.size:  # infeasible: move towards z until a coefficient hits 0, drop it
            zb, xb, ub = z[inf_], xs[ib, :width], used[inf_]
            # the column that just entered has a non-positive coefficient: impossible in exact
            # arithmetic (its gradient was > 0); numerically a cycle — give up, re-solve elsewhere
            cyc = just_added[ib] & (zb[np.arange(ib.size), np.minimum(last_slot[ib], width - 1)] <= 0)
            done[ib[cyc]] = True
            neg = ub & (zb <= 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(neg, xb / (xb - zb), np.inf)
            alpha = np.min(ratio, axis=1)
            xn = xb + alpha[:, None] * (zb - xb)
            argm = np.argmin(ratio, axis=1)
            drop = ub & ((xn <= 0) | (np.arange(width)[None, :] == argm[:, None]))
            xn[drop] = 0.0
            xs[ib, :width] = xn
            rr, cc = np.nonzero(drop)
            bb = ib[rr]
            blocked[bb, slots[bb, cc]] = False
            slots[bb, cc] = -1
            Ms[bb, cc] = 0.0
            gram[bb, cc, :] = 0.0
            gram[bb, :, cc] = 0.0
            gram[bb, cc, cc] = 1.0
            rhs[bb, cc] = 0.0
            need_add[ib] = False
            just_added[ib] = False
        p[act] = np.einsum("bsm,bs->bm", Ms[act], xs[act])
    live = np.flatnonzero(~done)  # out of steps: unfinished (ok stays False)
    fin = np.flatnonzero(done)
    out_x[orig[fin]], out_slots[orig[fin]], out_ok[orig[fin]] = xs[fin], slots[fin], ok[fin]
    out_x[orig[live]], out_slots[orig[live]] = xs[live], slots[live]
    return out_x, out_slots, out_ok


def _safe_solve(G: Array, r: Array) -> Array:
    try:
        return np.linalg.solve(G, r)
    except np.linalg.LinAlgError:
        return np.full(r.shape, np.nan)


# ----------------------------------------------------------------------------- the batch


def _solve_chunk(X: Array, y: Array, A: IntArray, b: IntArray, check_nonempty: bool) -> dict:
    """Squared-loss basin values of the patterns (A, b) (N × n × m, N × n); see module docstring."""
    N, n, m = A.shape
    d = X.shape[1]
    sx = float(np.linalg.norm(X, axis=1).max())
    ymax = float(np.abs(y).max())
    sy = ymax if 0.0 < ymax < 1.0 else 1.0
    Xs, ys = X / sx, y / sy
    back = sy / sx
    prog = _ray_program(Xs, Xs.tobytes())
    K = prog.G.shape[0]
    grow_, gray, covered = _generators(prog, A)  # (row = i·n + j, ray) pairs
    covered = covered.reshape(N, n)
    xnorm = np.linalg.norm(X, axis=1)
    empty = np.zeros(N, dtype=bool)
    lp_fallback = np.zeros(N, dtype=bool)
    if check_nonempty:
        Xhat = X / xnorm[:, None]
        ind = sp.csr_matrix((np.ones(grow_.size), (grow_, gray)), shape=(N * n, K))
        wbar = np.asarray(ind @ prog.G).reshape(N, n, d)  # Σ of the generators: a witness
        marg = np.min(A * (wbar @ Xhat.T), axis=2) / np.maximum(np.max(np.abs(wbar), axis=2), 1e-300)
        witnessed = (covered == (1 << m) - 1) & (marg > INTERIOR_MARGIN)
        xkey = X.tobytes()
        for i, j in zip(*np.nonzero(~witnessed)):  # no ray witness: the LP decides
            if not _neuron_nonempty(X, A[i, j], xkey):
                empty[i] = True
            else:  # realisable, yet the rays do not show it: the ray set is unreliable here
                lp_fallback[i] = True
    # neurons with equal (A_j, b_j) are merged: only the first of a group gets columns
    key = ((A > 0).astype(np.int64) @ prog.bits) * 2 + (b > 0)
    eq = key[:, :, None] == key[:, None, :]
    rep = np.argmax(eq, axis=2)
    count = eq.sum(axis=2)
    is_rep = rep == np.arange(n)[None, :]
    bi_all, nj_all = grow_ // n, grow_ % n
    keepc = is_rep[bi_all, nj_all] & ~empty[bi_all] & (prog.pos[gray] != 0)  # inactive rays add nothing
    bi, nj, ray = bi_all[keepc], nj_all[keepc], gray[keepc]
    ncols = np.bincount(bi, minlength=N).astype(np.int64)
    start = np.r_[0, np.cumsum(ncols)[:-1]]
    pos_in = np.arange(bi.size) - start[bi]
    k = max(int(ncols.max(initial=0)), 1)  # ≥ 1: a padding column (ray K, image 0) at least
    col_ray = np.full((N, k), K, dtype=np.int64)
    col_neuron = np.zeros((N, k), dtype=np.int64)
    col_ray[bi, pos_in] = ray
    col_neuron[bi, pos_in] = nj
    images = np.concatenate([prog.images, np.zeros((m, 1))], axis=1)  # m × (K+1)
    sign = np.take_along_axis(b, col_neuron, axis=1).astype(float)
    M = images.T[col_ray] * sign[..., None]  # N × k × m
    solve = ~empty & ~lp_fallback
    xs, slots, fin = _lawson_hanson(M if solve.all() else M[solve], ys, ncols[solve])
    # ---- U from the passive coefficients (scaled), split equally within merged groups
    S = slots.shape[1]
    idx = np.flatnonzero(solve)
    used = slots >= 0
    sl = np.where(used, slots, 0)
    sray = np.where(used, col_ray[idx[:, None], sl], K)
    sneu = col_neuron[idx[:, None], sl]
    G1 = np.r_[prog.G, np.zeros((1, d))]
    coef = np.where(used, xs, 0.0)
    onehot = (sneu[..., None] == np.arange(n)) & used[..., None]  # B × S × n
    Ur = np.einsum("bsn,bs,bsd->bnd", onehot, coef, G1[sray]) * b[idx][..., None]
    U = np.zeros((N, n, d))
    U[idx] = np.take_along_axis(Ur, rep[idx][..., None], axis=1) / count[idx][..., None]
    U *= back
    # ---- certificate, on the original data (numerics.basins.certificate._certify, vectorised)
    Apos = (A > 0).astype(float)
    Z = U @ X.T  # N × n × m: ⟨u_j, x_t⟩
    p = np.einsum("bnt,bnt->bt", Apos, Z)
    value = np.mean((p - y) ** 2, axis=1)
    GU = (b[..., None] * A) * Z
    unorm = np.linalg.norm(U, axis=2)
    primal = np.max(np.maximum(0.0, -GU) / (xnorm[None, None, :] * np.maximum(1.0, unorm)[..., None]), axis=(1, 2))
    lam = (2.0 / m) * (p - y)
    s_ = m * lam
    hstar = np.mean(s_ * y + s_ * s_ / 4.0, axis=1)
    gap = value + hstar
    QtL = np.einsum("bnt,bt,td->bnd", Apos, lam, X)  # Q_jᵀλ
    slopes = b[bi, nj] * np.einsum("cd,cd->c", prog.G[ray], QtL[bi, nj])
    worst = np.zeros(N)
    np.maximum.at(worst, bi, -slopes)
    dual = worst / (1.0 + np.max(np.abs(lam), axis=1) * float(np.max(xnorm)))
    delta = np.sum(np.abs(GU) * (GU < 0), axis=1)
    bound = CERT_FACTOR * CLARABEL_TOL
    good = np.zeros(N, dtype=bool)
    good[idx] = fin
    good &= (np.abs(gap) <= bound * (1.0 + np.abs(value))) & (primal <= bound) & (dual <= bound)
    # ---- lift (numerics.basins.certificate.lift, row-wise) and evaluate the network (numerics.network)
    W, v = lift(U.reshape(N * n, d), b.reshape(N * n))
    W, v = W.reshape(N, n, d), v.reshape(N, n)
    ltol = _lift_tolerances(p, y, delta, value)
    lift_err = np.full(N, math.nan)
    gi = np.flatnonzero(good)
    if gi.size:  # θ_i = (v_1, w_1, …, v_n, w_n), the packing of numerics.network.pack
        thetas = np.concatenate([v[gi, :, None], W[gi]], axis=2).reshape(gi.size, -1)
        lifted = batched_predict(thetas, X, "relu")
        lift_err[gi] = np.abs(np.mean(_loss_elementwise_np("squared", lifted, y), axis=1) - value[gi])
    good &= lift_err <= ltol
    solver = ["NNLS (lock-step Lawson–Hanson, batched) over arrangement rays"] * N
    # ---- fall back, basin by basin, to Clarabel (raises SolverError if that fails as well)
    for i in np.flatnonzero(~good & ~empty):
        bm = basin_value(X, y, A[i], b[i], method="direct", check_nonempty=False, cache=False)
        c = bm.certificate
        value[i], U[i], W[i], v[i], p[i] = bm.value, bm.U, bm.W, bm.v, bm.predictions
        gap[i], primal[i], dual[i] = c.gap, c.primal_residual, c.dual_residual
        lift_err[i], ltol[i] = c.lift_error, c.lift_tolerance
        why = "batched NNLS unfinished" if i not in set(idx[fin].tolist()) else "batched NNLS certificate failed"
        solver[i] = f"{c.solver}; {why}, re-solved"
    return dict(values=value, U=U, W=W, v=v, predictions=p, gap=gap, primal_residual=primal,
                dual_residual=dual, lift_error=lift_err, lift_tolerance=ltol, solver=solver, empty=empty)


_POOL_CHUNK_MIN = 64


def _run(X: Array, y: Array, A: IntArray, b: IntArray, check_nonempty: bool, processes: int,
         chunk: int) -> dict:
    N = A.shape[0]
    if processes <= 1 or N < 2 * _POOL_CHUNK_MIN:
        parts = [np.arange(s, min(s + chunk, N)) for s in range(0, N, chunk)]
        outs = [_solve_chunk(X, y, A[ix], b[ix], check_nonempty) for ix in parts]
    else:
        pool = _pool(processes)
        nparts = max(processes, -(-N // chunk))
        nparts = ((nparts + processes - 1) // processes) * processes
        parts = [ix for ix in np.array_split(np.arange(N), nparts) if ix.size]
        futs = [pool.submit(_solve_chunk, X, y, A[ix], b[ix], check_nonempty) for ix in parts]
        outs = [f.result() for f in futs]
    out = {key: np.concatenate([o[key] for o in outs]) for key in outs[0] if key != "solver"}
    out["solver"] = tuple(s for o in outs for s in o["solver"])
    return out


def _pool(processes: int):
    """joblib's reusable loky pool: workers live 5 idle minutes, one BLAS thread each.

    Taken through joblib (not loky directly): loky keeps one process-wide executor, and the one
    joblib's ``Parallel`` (numerics.montecarlo) reuses must be joblib's memmapping executor.
    """
    from joblib.executor import get_memmapping_executor

    one = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    return get_memmapping_executor(processes, timeout=300, env=one)


def warm_pool(X: ArrayLike, y: ArrayLike, n: int, processes: int = 2) -> None:
    """Start the worker pool and let every worker compute the rays of X once (not a solve API)."""
    X, y = _check_Xy(X, y)
    rng = np.random.default_rng(0)
    W = rng.normal(size=(n, X.shape[1]))
    A, b = np.where(W @ X.T > 0, 1, -1)[None], np.ones((1, n), dtype=np.int64)
    pool = _pool(processes)
    list(pool.map(_solve_chunk, *zip(*[(X, y, A, b, False)] * (2 * processes))))


def basin_values(
    X: ArrayLike,
    y: ArrayLike,
    patterns: Sequence[tuple[ArrayLike, ArrayLike]] | tuple[ArrayLike, ArrayLike],
    loss: Loss = "squared",
    *,
    check_nonempty: bool = True,
    on_empty: str = "raise",
    processes: int = 1,
    chunk: int = 512,
) -> BasinBatch:
    """Bas(B^{A_i,b_i}) for a batch of patterns on one data set (claim SS16.Lemma1), certified.

    ``patterns``: a sequence of (A, b) pairs (A: n × m neurons × samples, b: n), or a pair of
    stacked arrays (N × n × m, N × n). Every value agrees with numerics.basins.value.basin_value
    (tests/test_basin_batch.py) and carries a certificate. An empty basin raises EmptyBasinError
    naming its index (``on_empty="raise"``) or is listed in ``.empty`` without a value
    (``on_empty="skip"``). A failed certificate falls back to Clarabel and raises SolverError if
    that fails too. ``processes`` > 1 uses a reusable loky pool, ``chunk`` patterns per task.
    """
    X, y = _check_Xy(X, y)
    _check_loss(loss, y)
    if on_empty not in ("raise", "skip"):
        raise ValueError(f"on_empty: expected 'raise' or 'skip', got {on_empty!r}")
    if int(processes) < 1:
        raise ValueError(f"processes: expected ≥ 1, got {processes!r}")
    if int(chunk) < 1:
        raise ValueError(f"chunk: expected ≥ 1, got {chunk!r}")
    A, b = _stack_patterns(X, patterns)
    return _batch(X, y, A, b, loss, check_nonempty, on_empty, int(processes), int(chunk))


def basin_values_at(
    X: ArrayLike,
    y: ArrayLike,
    Ws: ArrayLike,
    vs: ArrayLike,
    loss: Loss = "squared",
    *,
    processes: int = 1,
    chunk: int = 512,
) -> BasinBatch:
    """Bas(W_i, v_i) for a stack of points (Ws: N × n × d, vs: N × n): numerics.basins.value.basin_value_at
    for many points. The points witness that their basins are non-empty (no emptiness test);
    a point on a boundary raises BoundaryError naming its index."""
    X, y = _check_Xy(X, y)
    _check_loss(loss, y)
    if int(processes) < 1:
        raise ValueError(f"processes: expected ≥ 1, got {processes!r}")
    if int(chunk) < 1:
        raise ValueError(f"chunk: expected ≥ 1, got {chunk!r}")
    A, b = sign_patterns(Ws, vs, X)
    return _batch(X, y, A, b, loss, False, "raise", int(processes), int(chunk))


def _batch(X: Array, y: Array, A: IntArray, b: IntArray, loss: Loss, check_nonempty: bool,
           on_empty: str, processes: int, chunk: int) -> BasinBatch:
    N = A.shape[0]
    if loss == "squared" and X.shape[0] <= 62:
        out = _run(X, y, A, b, check_nonempty, processes, chunk)
    else:  # other losses (or m > 62 sign bits): basin by basin through numerics.basins.value
        mins: list[BasinMinimum | None] = []
        for i in range(N):
            try:
                mins.append(basin_value(X, y, A[i], b[i], loss, method="auto", check_nonempty=check_nonempty))
            except EmptyBasinError:
                mins.append(None)
        shape_u = (N, A.shape[1], X.shape[1])
        out = dict(
            values=np.array([bm.value if bm else math.nan for bm in mins]),
            U=np.array([bm.U if bm else np.zeros(shape_u[1:]) for bm in mins]).reshape(shape_u),
            W=np.array([bm.W if bm else np.zeros(shape_u[1:]) for bm in mins]).reshape(shape_u),
            v=np.array([bm.v if bm else np.zeros(A.shape[1]) for bm in mins]).reshape(N, A.shape[1]),
            predictions=np.array([bm.predictions if bm else np.zeros(X.shape[0]) for bm in mins]),
            empty=np.array([bm is None for bm in mins]),
            solver=tuple(bm.certificate.solver if bm else "" for bm in mins),
        )
        for f in ("gap", "primal_residual", "dual_residual", "lift_error", "lift_tolerance"):
            out[f] = np.array([getattr(bm.certificate, f) if bm else math.nan for bm in mins])
    empty = np.flatnonzero(out["empty"])
    if empty.size and on_empty == "raise":
        raise EmptyBasinError(
            f"patterns: pattern {int(empty[0])} (of {empty.size} empty) is not realisable on X: basin empty"
        )
    keep = np.flatnonzero(~out["empty"])
    return BasinBatch(
        values=out["values"][keep], U=out["U"][keep], W=out["W"][keep], v=out["v"][keep],
        predictions=out["predictions"][keep], gap=out["gap"][keep],
        primal_residual=out["primal_residual"][keep], dual_residual=out["dual_residual"][keep],
        lift_error=out["lift_error"][keep], lift_tolerance=out["lift_tolerance"][keep],
        solver=tuple(out["solver"][i] for i in keep), index=keep.astype(np.int64), empty=empty.astype(np.int64),
    )
