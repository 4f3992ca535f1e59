"""The value of one basin, certified: :func:`basin_value` and :func:`basin_value_at` (SS16.Lemma1).

Read the package docstring (numerics.basins) for the mathematics. Three interchangeable solve
paths, agreeing to 1e-7 (tests/test_basin_engine.py):

* ``"cvxpy"`` — one parametrised (DPP) CVXPY problem per (n, m, d, loss), compiled once and
  re-solved with Clarabel; every loss.
* ``"direct"`` — squared loss only: the same QP written in Clarabel's conic form
  (min ½xᵀPx s.t. Ax + s = b, s ∈ K) and handed to Clarabel without CVXPY's re-compilation.
* ``"nnls"`` — squared loss only: non-negative least squares over the generators (rays) of the
  cones, certified on the generators (Farkas); if its certificate fails the basin is re-solved
  by the direct path. Fastest for small m (rays cost C(m, r−1) SVDs once per X).

``"auto"`` (the default) is ``"direct"`` for the squared loss and ``"cvxpy"`` otherwise.
Results are cached by (X, y, loss, path, canonical pattern): neurons with equal (A_j, b_j) are
merged and the rows sorted, so permuted or duplicated neurons hit the same entry.

Not attained infima: the logistic loss on a basin that separates the labels has infimum 0 and
no minimiser; the solver then stops at a large U and the certificate (or the status) decides —
a value is only returned when the gap test passes.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.basins.certificate import Certificate, _certify, _check_lift, lift
from numerics.basins.checks import _check_Xy, check_pattern
from numerics.basins.errors import EmptyBasinError, SolverError
from numerics.basins.losses import Loss, _check_loss, _loss_key, _loss_token, objective_value
from numerics.basins.patterns import (
    _CACHE_SIZE,
    _NONEMPTY_CACHE,
    _rows_nonempty,
    _pattern_data,
    canonical_pattern,
    sign_pattern,
)
from numerics.basins.programs import _direct_program, basin_program
from numerics.basins.rays import _generators, _ray_program, _witnessed, rays_affordable
from numerics.network import forward

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
Method = Literal["auto", "cvxpy", "direct", "nnls"]


@dataclass(frozen=True)
class BasinMinimum:
    """Bas(B^{A,b}) with a minimiser: ``U`` (n × d), its lift ``W`` (n × d), ``v`` (n,)."""

    value: float
    U: Array
    W: Array
    v: Array
    A: IntArray
    b: IntArray
    loss: str
    certificate: Certificate
    predictions: Array = field(repr=False)


_VALUE_CACHE: "OrderedDict[tuple, tuple]" = OrderedDict()


def _check_rows_nonempty(X: Array, A: IntArray, witnessed: NDArray[np.bool_] | None = None) -> None:
    """EmptyBasinError naming the first row of A whose open cone is empty.

    Rows shown non-empty by their generators (``witnessed``, numerics.basins.rays._witnessed)
    are not tested again; the others go to the interior LP (one joint LP for all of them,
    numerics.basins.patterns._rows_nonempty), which decides."""
    todo = np.arange(A.shape[0]) if witnessed is None else np.flatnonzero(~witnessed)
    if todo.size:
        ok = _rows_nonempty(X, A[todo], X.tobytes())
        if not ok.all():
            j = int(todo[np.flatnonzero(~ok)[0]])
            raise EmptyBasinError(f"A: row {j} (neuron {j}) is not a realisable sign pattern on X: basin empty")


def clear_caches() -> None:
    """Forget cached basin values and non-emptiness answers (compiled programs are kept)."""
    _VALUE_CACHE.clear()
    _NONEMPTY_CACHE.clear()


def basin_value(
    X: ArrayLike,
    y: ArrayLike,
    A: ArrayLike,
    b: ArrayLike,
    loss: Loss = "squared",
    *,
    method: Method = "auto",
    check_nonempty: bool = True,
    cache: bool = True,
) -> BasinMinimum:
    """Bas(B^{A,b}) = min over the closure of the basin of L_S (claim SS16.Lemma1), certified.

    ``A`` is n × m (neurons × samples), ``b`` has n entries ±1. Raises EmptyBasinError when the
    basin is empty, SolverError when Clarabel does not report optimal or the certificate/lift
    check fails. ``method``: "cvxpy" (compiled DPP problem), "direct" (squared loss only,
    Clarabel on hand-compiled data), "nnls" (squared loss only, NNLS over the arrangement's rays
    solved by DAQP as a polar projection, certified on the generators, Clarabel if that fails;
    see numerics.basins.polar) or "auto" (squared: "nnls" when the rays of X are affordable —
    numerics.basins.rays.rays_affordable — else "direct"; other losses: "cvxpy"). All paths
    give the same value to 1e-7 (tests/test_basin_engine.py).
    Neurons with equal (A_j, b_j) are merged before solving and split equally afterwards.
    """
    X, y = _check_Xy(X, y)
    A, b = check_pattern(X, A, b)
    _check_loss(loss, y)
    if method not in ("auto", "cvxpy", "direct", "nnls"):
        raise ValueError(f"method: expected 'auto', 'cvxpy', 'direct' or 'nnls', got {method!r}")
    if method in ("direct", "nnls") and loss != "squared":
        raise ValueError(f"method: {method!r} is implemented for the squared loss only")
    # "auto": NNLS over the rays (DAQP, certified on the generators) where the rays of X are
    # affordable, else Clarabel on hand-compiled data; other losses: the compiled CVXPY problem
    if method == "auto":
        path = ("nnls" if rays_affordable(X) else "direct") if loss == "squared" else "cvxpy"
    else:
        path = method
    xkey = X.tobytes()
    # Solve on rescaled data (conditioning): X' = X/s leaves every sign, hence the basin,
    # unchanged, and u' = s·u gives the same predictions; for the squared loss also y' = y/σ
    # (value/σ², u/σ, multipliers/σ). The certificate is computed on the original data.
    sx = float(np.linalg.norm(X, axis=1).max())
    Xs = X / sx
    Ac, bc, _, group = canonical_pattern(A, b)
    key = (xkey, y.tobytes(), _loss_token(loss), path, Ac.tobytes(), bc.tobytes())
    hit = _VALUE_CACHE.get(key) if cache else None
    gens = None
    if path == "nnls" and (check_nonempty or hit is None):
        prog = _ray_program(Xs, Xs.tobytes())
        gens = _generators(prog, Ac[None])  # the generators of every K_j, once
    if check_nonempty:
        shown = _witnessed(prog, X, Ac[None], *gens)[0][group] if gens is not None else None
        _check_rows_nonempty(X, A, shown)
    if hit is None:
        n, m, d = Ac.shape[0], X.shape[0], X.shape[1]
        # small targets (squared loss) are scaled up to max|y| = 1, so the solver's absolute
        # tolerance becomes relative to them; large ones are left alone (the acceptance test is
        # already relative to the value there)
        ymax = float(np.abs(y).max())
        sy = ymax if loss == "squared" and 0.0 < ymax < 1.0 else 1.0
        ys = y / sy
        back = sy / sx  # U = back·U'
        fallback = ""
        if path == "nnls":
            try:
                U, p, lam, used = prog.solve(Ac, bc, ys, gens)
                value, cert, p = _certify(
                    X, y, Ac, bc, loss, back * U, sy * p, sy * lam, None, "optimal",
                    "NNLS over arrangement rays (DAQP polar projection)", generators=used,
                )
                U = back * U
            except SolverError as exc:
                # DAQP without an optimal projection, or a candidate whose certificate fails:
                # re-solved by Clarabel, and the certificate's solver field says so
                fallback = f"; NNLS certificate failed, re-solved: {exc}"[:240]
        if path != "nnls" or fallback:
            Q, G = _pattern_data(Xs, Ac, bc)
            if path in ("direct", "nnls"):
                U, p, lam, Z, status = _direct_program(n, m, d).solve(Q, G, ys)
                tag = "CLARABEL (direct" + fallback + ")"
            else:
                U, p, lam, Z, status = basin_program(n, m, d, loss).solve(Q, G, ys)
                tag = "CLARABEL (via CVXPY, DPP)"
            U = back * U
            value, cert, p = _certify(X, y, Ac, bc, loss, U, sy * p, sy * lam, sy * Z, status, tag)
        hit = (value, U, cert, p)
        if cache:
            _VALUE_CACHE[key] = hit
            if len(_VALUE_CACHE) > _CACHE_SIZE:
                _VALUE_CACHE.popitem(last=False)
    value, Uc, cert, p = hit
    counts = np.bincount(group, minlength=Uc.shape[0]).astype(float)
    U = Uc[group] / counts[group][:, None]
    W, v = lift(U, b)
    cert = _check_lift(X, y, loss, W, v, value, cert)
    return BasinMinimum(
        value=value, U=U, W=W, v=v, A=A, b=b, loss=_loss_key(loss), certificate=cert, predictions=p.copy()
    )


def basin_value_at(
    X: ArrayLike,
    y: ArrayLike,
    W: ArrayLike,
    v: ArrayLike,
    loss: Loss = "squared",
    *,
    method: Method = "auto",
    cache: bool = True,
) -> BasinMinimum:
    """Bas(W, v): the value of the basin (W, v) lies in (its interior; boundary → BoundaryError).

    (W, v) itself witnesses that the basin is non-empty, so no interior LP is solved.
    """
    X, y = _check_Xy(X, y)
    A, b = sign_pattern(W, v, X)
    return basin_value(X, y, A, b, loss, method=method, check_nonempty=False, cache=cache)


def network_loss(X: ArrayLike, y: ArrayLike, W: ArrayLike, v: ArrayLike, loss: Loss = "squared") -> float:
    """L_S(W, v) = (1/m) Σ_t ℓ(N(W,v)(x_t), y_t) with the ReLU network of numerics.network."""
    X, y = _check_Xy(X, y)
    return objective_value(loss, forward(np.asarray(v, float), np.asarray(W, float), X, "relu"), y)
