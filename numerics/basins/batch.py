"""Many basin values at once (SS16 Lemma 1, claim SS16.Lemma1): the batched, certified NNLS path.

Same mathematics as :mod:`numerics.basins` (read its docstring): for the squared loss,

    Bas(B^{A,b}) = min_{c ≥ 0} (1/m)‖M c − y‖²,   M = [b_j [X g]_+]_{j, g ∈ rays(K_j)},

with rays(K_j) the generators of K_j = {w : a_{j,t}⟨w, x_t⟩ ≥ 0 ∀t}, i.e. the rays g of the
arrangement {⟨w, x_t⟩ = 0} compatible with row j of A (computed once per X by
numerics.basins.rays). What changes here is only *how* it is computed, for a batch of patterns
(A_i, b_i), i = 1..N, on the same (X, y):

* the generators of every neuron row are found with one vectorised bitmask test
  (numerics.basins.rays._generators) and the columns of all N problems are built at once;
* each NNLS is solved as the projection of y onto the polar cone {λ : Mᵀλ ≤ 0} by DAQP
  (numerics.basins.polar): a strictly convex m-variable QP, its multipliers are c;
* the certificate of numerics.basins.certificate._certify is computed for all of them at once,
  on the original (unscaled) data: primal residual max(0, −b_j a_jt⟨u_j, x_t⟩), Farkas dual
  residual max over every generator g of every K_j of −b_j⟨Q_jᵀλ, g⟩ with λ = (2/m)(p − y),
  duality gap h(p) + h*(λ), and the lift check (network loss of the lifted (W, v), evaluated
  with numerics.network.batched_predict, equals the value within the certificate's
  _lift_tolerance). The acceptance thresholds are the single-basin ones (CERT_FACTOR·CLARABEL_TOL);
* a problem for which DAQP reports no optimal projection, or whose certificate fails, is
  re-solved on its own by :func:`numerics.basins.value.basin_value` with ``method="direct"``
  (Clarabel), which raises SolverError if that certificate fails too. Every fallback is counted:
  ``BasinBatch.fallback[i]`` holds the reason ("" when the batched path certified row i on its
  own), ``BasinBatch.n_fallbacks`` the count; tests require 0 on generic data.

Non-emptiness (``check_nonempty=True``): the open cone of row j is non-empty iff every sample t
is strict (a_t⟨g, x_t⟩ > 0) for some generator g of K_j (numerics.basins.rays._witnessed). Rows
that fail the witness test are decided by the interior LP. An empty basin raises
EmptyBasinError naming the pattern's index, or with ``on_empty="skip"`` is listed in
``BasinBatch.empty`` and has no value at all (never a placeholder number).

Caveat (as for numerics.basins.value's ``method="nnls"``): the generators come from the
arrangement's rays, kept when their r−1 normals have σ_min > 1e-10·σ_max; data degenerate at
that level could lose a generator, and then the value and its Farkas check would both refer to
a smaller cone. Use numerics.basins.basin_value(method="direct") for nearly degenerate data.

Other losses than the squared one, and data whose rays are too many to enumerate
(numerics.basins.rays.rays_affordable: m > 62 or C(m, r−1) > RAY_LIMIT), are solved basin by
basin with numerics.basins.value.basin_value (Clarabel). ``processes > 1`` splits the batch into one large chunk per
process of a reusable loky pool (joblib), so start-up is paid once per session; each worker
computes the rays of X once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.basins.certificate import (
    Certificate,
    _accepted,
    _dual_scale,
    _lift_delta,
    _lift_tolerances,
    _primal_residual,
    lift,
)
from numerics.basins.checks import _check_count, _check_signs, _check_Xy
from numerics.basins.errors import EmptyBasinError
from numerics.basins.losses import Loss, _check_loss, _loss_elementwise_np
from numerics.basins.patterns import _neuron_nonempty, sign_patterns
from numerics.basins.polar import polar_nnls
from numerics.basins.rays import _generators, _ray_program, _witnessed, rays_affordable
from numerics.basins.value import BasinMinimum, basin_value
from numerics.network import batched_predict

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

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
    fallback: tuple[str, ...]

    def certificate(self, i: int) -> Certificate:
        """The certificate of row i as a numerics.basins.certificate.Certificate."""
        return Certificate(
            gap=float(self.gap[i]), primal_residual=float(self.primal_residual[i]),
            dual_residual=float(self.dual_residual[i]), solver=self.solver[i], status="optimal",
            lift_error=float(self.lift_error[i]), lift_tolerance=float(self.lift_tolerance[i]),
        )

    @property
    def n_fallbacks(self) -> int:
        """How many rows the batched path did not certify itself (re-solved by Clarabel)."""
        return sum(1 for f in self.fallback if f)

    def fallback_counts(self) -> dict[str, int]:
        """Fallbacks by reason ({} when every row was certified by the batched path)."""
        out: dict[str, int] = {}
        for f in self.fallback:
            if f:
                out[f] = out.get(f, 0) + 1
        return out

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
    grow_, gray, covered = _generators(prog, A)  # (row = i·n + j, ray) pairs
    xnorm = np.linalg.norm(X, axis=1)
    empty = np.zeros(N, dtype=bool)
    fallback = [""] * N
    if check_nonempty:
        witnessed = _witnessed(prog, X, A, grow_, gray, covered)
        xkey = X.tobytes()
        for i, j in zip(*np.nonzero(~witnessed)):  # no ray witness: the LP decides
            if not _neuron_nonempty(X, A[i, j], xkey):
                empty[i] = True
            elif not fallback[i]:  # realisable, yet the rays do not show it: the ray set is unreliable
                fallback[i] = "rays do not witness a realisable row"
    # neurons with equal (A_j, b_j) are merged: only the first of a group gets columns
    key = ((A > 0).astype(np.int64) @ prog.bits) * 2 + (b > 0)
    eq = key[:, :, None] == key[:, None, :]
    rep = np.argmax(eq, axis=2)
    count = eq.sum(axis=2)
    is_rep = rep == np.arange(n)[None, :]
    bi_all, nj_all = grow_ // n, grow_ % n
    solve = ~empty & np.array([not f for f in fallback])
    keepc = is_rep[bi_all, nj_all] & solve[bi_all] & (prog.pos[gray] != 0)  # inactive rays add nothing
    bi, nj, ray = bi_all[keepc], nj_all[keepc], gray[keepc]  # sorted by basin
    start = np.searchsorted(bi, np.arange(N + 1))
    sgn = b[bi, nj].astype(float)
    MT = prog.images_T[ray] * sgn[:, None]  # one row per column of every basin's M
    coef = np.zeros(bi.size)
    for i in np.flatnonzero(solve):
        s, e = start[i], start[i + 1]
        c, why = polar_nnls(MT[s:e], ys)
        if c is None:
            fallback[i] = why
        else:
            coef[s:e] = c
    # ---- U from the coefficients (scaled), split equally within merged groups
    Ur = np.zeros((N * n, d))
    seg = bi * n + nj  # sorted: the generators of one neuron row are contiguous
    if seg.size:
        first = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
        Ur[seg[first]] = np.add.reduceat((sgn * coef)[:, None] * prog.G[ray], first, axis=0)
    Ur = Ur.reshape(N, n, d)
    U = np.take_along_axis(Ur, rep[..., None], axis=1) / count[..., None]
    U *= back
    # ---- certificate, on the original data (numerics.basins.certificate._certify, vectorised)
    Apos = (A > 0).astype(float)
    Z = U @ X.T  # N × n × m: ⟨u_j, x_t⟩
    p = np.einsum("bnt,bnt->bt", Apos, Z)
    value = np.mean((p - y) ** 2, axis=1)
    GU = (b[..., None] * A) * Z
    unorm = np.linalg.norm(U, axis=2)
    primal = _primal_residual(GU, xnorm, unorm)
    lam = (2.0 / m) * (p - y)
    s_ = m * lam
    hstar = np.mean(s_ * y + s_ * s_ / 4.0, axis=1)
    gap = value + hstar
    QtL = np.einsum("bnt,bt,td->bnd", Apos, lam, X)  # Q_jᵀλ
    slopes = sgn * np.einsum("cd,cd->c", prog.G[ray], QtL[bi, nj])
    worst = np.zeros(N)
    if bi.size:  # the largest Farkas violation of every basin (its generators are contiguous)
        first = np.flatnonzero(np.r_[True, bi[1:] != bi[:-1]])
        worst[bi[first]] = np.maximum(0.0, np.maximum.reduceat(-slopes, first))
    dual = worst / _dual_scale(lam, float(np.max(xnorm)))
    delta = _lift_delta(GU, d)
    good = np.array([not f for f in fallback]) & ~empty & _accepted(gap, value, primal, dual)
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
    lift_ok = lift_err <= ltol
    for i in np.flatnonzero(~good & ~empty & np.array([not f for f in fallback])):
        fallback[i] = (f"certificate failed (gap {gap[i]:.1e}, primal {primal[i]:.1e}, dual {dual[i]:.1e})")
    for i in np.flatnonzero(good & ~lift_ok):
        fallback[i] = f"lift check failed ({lift_err[i]:.1e} > {ltol[i]:.1e})"
    good &= lift_ok
    solver = ["NNLS over arrangement rays (DAQP polar projection, batched)"] * N
    # ---- fall back, basin by basin, to Clarabel (raises SolverError if that fails as well)
    for i in np.flatnonzero(~good & ~empty):
        bm = basin_value(X, y, A[i], b[i], method="direct", check_nonempty=False, cache=False)
        c = bm.certificate
        value[i], U[i], W[i], v[i], p[i] = bm.value, bm.U, bm.W, bm.v, bm.predictions
        gap[i], primal[i], dual[i] = c.gap, c.primal_residual, c.dual_residual
        lift_err[i], ltol[i] = c.lift_error, c.lift_tolerance
        solver[i] = f"{c.solver}; batched path: {fallback[i]}, re-solved"
    return dict(values=value, U=U, W=W, v=v, predictions=p, gap=gap, primal_residual=primal,
                dual_residual=dual, lift_error=lift_err, lift_tolerance=ltol, solver=solver, empty=empty,
                fallback=fallback)


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
    out = {key: np.concatenate([o[key] for o in outs]) for key in outs[0] if key not in ("solver", "fallback")}
    out["solver"] = tuple(s for o in outs for s in o["solver"])
    out["fallback"] = tuple(s for o in outs for s in o["fallback"])
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
    processes, chunk = _check_count("processes", processes), _check_count("chunk", chunk)
    A, b = _stack_patterns(X, patterns)
    return _batch(X, y, A, b, loss, check_nonempty, on_empty, processes, chunk)


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
    processes, chunk = _check_count("processes", processes), _check_count("chunk", chunk)
    A, b = sign_patterns(Ws, vs, X)
    return _batch(X, y, A, b, loss, False, "raise", processes, chunk)


def _batch(X: Array, y: Array, A: IntArray, b: IntArray, loss: Loss, check_nonempty: bool,
           on_empty: str, processes: int, chunk: int) -> BasinBatch:
    N = A.shape[0]
    if loss == "squared" and rays_affordable(X):
        out = _run(X, y, A, b, check_nonempty, processes, chunk)
    else:  # other losses, or rays too many (rays_affordable): basin by basin through numerics.basins.value
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
            fallback=("",) * N,  # no batched path for these: nothing fell back
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
        fallback=tuple(out["fallback"][i] for i in keep),
    )
