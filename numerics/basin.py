"""Exact basin values of two-layer ReLU networks (SS16 §4, Definition 2, Lemmas 1–2).

SS16's network is N_n(W, v)(x) = Σ_j v_j [⟨w_j, x⟩]_+ with W ∈ R^{n×d}, v ∈ R^n (n neurons) and
the objective L_S(W, v) = (1/m) Σ_t ℓ(N(x_t), y_t) over m samples x_t (rows of X ∈ R^{m×d}).

**Basin partition (Definition 2, claim SS16.Def2-indexing).** A sign pattern is a pair (A, b) with
A ∈ {−1,+1}^{n×m} — one sign per *neuron × sample*; the paper prints n×d, an erratum — and
b ∈ {−1,+1}^n. The basin B^{A,b} is the closure of
{(W, v) : sign⟨w_j, x_t⟩ = a_{j,t}, sign v_j = b_j  ∀ j, t}.

**Basin value as a convex program (Lemma 1, claim SS16.Lemma1).** On B^{A,b},
v_j [⟨w_j,x_t⟩]_+ = [a_{j,t} = +1]·⟨u_j, x_t⟩ with u_j = v_j w_j, and (W, v) ↦ U is onto
C = Π_j b_j·K_j, K_j = {w : a_{j,t}⟨w, x_t⟩ ≥ 0 ∀t} (closed polyhedral cones). Hence

    Bas(B^{A,b}) = min_{U ∈ C} (1/m) Σ_t ℓ(p_t, y_t),   p_t = Σ_{j : a_{j,t} = +1} ⟨u_j, x_t⟩,

a convex program. The minimiser U is lifted back by v_j = b_j·√‖u_j‖, w_j = u_j / v_j
(‖w_j‖ = |v_j|); a neuron with u_j = 0 is lifted to (w_j, v_j) = (0, 0), which lies in the closure
of the basin because the basin is a product over neurons of (open cone) × (open half-line) and
both factors contain 0 in their closure when the basin is non-empty. The engine evaluates the
lifted network with :func:`numerics.network.forward` and checks that its loss equals the value.

**Certificate.** With the explicit constraints p = Σ_j Q_j u_j (multiplier λ) and G_j u_j ≥ 0
(multipliers z_j ≥ 0), where Q_j has rows [a_{j,t}=+1]·x_t and G_j has rows b_j a_{j,t} x_t,
the Lagrange dual value is −h*(λ) with h(p) = (1/m) Σ_t ℓ(p_t, y_t), valid when the
stationarity residual max_j ‖Q_jᵀλ − G_jᵀz_j‖ vanishes. The certificate records the duality gap
h(p) + h*(λ), that residual, the primal feasibility residual max(0, −G_j u_j) (relative to
‖x_t‖·‖u_j‖), the solver and its status.

Three interchangeable solve paths, agreeing to 1e-7 (tests/test_basin_engine.py):

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

import math
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Callable, Literal, Union

import cvxpy as cp
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linprog

from numerics.network import check_data, forward

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
LossName = Literal["squared", "absolute", "logistic", "hinge"]
#: A user loss: ``f(p, y)`` → a CVXPY expression of shape (m,), the per-sample losses ℓ(p_t, y_t),
#: convex in p (DCP), with ``y`` a :class:`cvxpy.Parameter`. The objective is (1/m)·Σ_t of it.
UserLoss = Callable[[cp.Expression, cp.Expression], cp.Expression]
Loss = Union[LossName, UserLoss]
Method = Literal["auto", "cvxpy", "direct", "nnls"]

BUILTIN_LOSSES: tuple[str, ...] = ("squared", "absolute", "logistic", "hinge")
#: Clarabel's own stopping tolerances (tol_gap_abs = tol_gap_rel = tol_feas = 1e-8).
CLARABEL_TOL = 1e-8
#: A certificate is accepted when gap ≤ CERT_FACTOR·tol·(1 + |value|) and the residuals ≤ ...
CERT_FACTOR = 100.0
#: The strict-interior LP's margin (rows of X normalised, ‖w‖_∞ ≤ 1) must exceed this.
INTERIOR_MARGIN = 1e-9


class EmptyBasinError(ValueError):
    """The sign pattern (A, b) is not realisable on X: the basin B^{A,b} is empty."""


class SolverError(RuntimeError):
    """The convex program did not end with status "optimal" (or its certificate failed)."""


class BoundaryError(ValueError):
    """(W, v) lies on a basin boundary (⟨w_j, x_t⟩ = 0 or v_j = 0 up to rounding)."""


@dataclass(frozen=True)
class Certificate:
    """Optimality evidence of a basin value (all numbers from explicit constraints' duals)."""

    gap: float  # h(p) + h*(λ): primal value minus Lagrange dual value
    primal_residual: float  # max_j,t max(0, −b_j a_jt⟨u_j,x_t⟩) / (‖x_t‖·max(1,‖u_j‖))
    dual_residual: float  # max_j ‖Q_jᵀλ − G_jᵀz_j‖_∞ / (1 + ‖λ‖_∞·max‖x_t‖)
    solver: str
    status: str
    lift_error: float  # |L_S(lifted W, v) − value|, network evaluated by numerics.network
    lift_tolerance: float  # the bound it must respect (see _lift_tolerance)

    def as_dict(self) -> dict[str, float | str]:
        return dict(self.__dict__)


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


# ----------------------------------------------------------------------------- validation


def _check_X(X: ArrayLike) -> Array:
    X, _ = check_data(X)
    norms = np.linalg.norm(X, axis=1)
    if np.any(norms == 0):
        raise ValueError(f"X: zero data row(s) at index {np.flatnonzero(norms == 0).tolist()}")
    return X


def _check_Xy(X: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
    X = _check_X(X)
    _, y = check_data(X, y)
    assert y is not None
    return X, y


def _check_signs(name: str, a: ArrayLike, shape: tuple[int, ...]) -> IntArray:
    arr = np.asarray(a)
    if arr.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {arr.shape}")
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name}: expected entries ±1, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr.astype(float))):
        raise ValueError(f"{name}: contains NaN or inf")
    if not np.all((arr == 1) | (arr == -1)):
        raise ValueError(f"{name}: entries must be −1 or +1")
    return arr.astype(np.int64)


def check_pattern(X: Array, A: ArrayLike, b: ArrayLike) -> tuple[IntArray, IntArray]:
    """Validate (A, b) for data X (m × d): A ∈ {±1}^{n×m} (neurons × samples), b ∈ {±1}^n."""
    A_arr = np.asarray(A)
    if A_arr.ndim != 2:
        raise ValueError(f"A: expected a 2-d array (neurons × samples), got shape {A_arr.shape}")
    if A_arr.shape[1] != X.shape[0]:
        raise ValueError(
            f"A: expected shape (n, m) = (n, {X.shape[0]}) — one sign per neuron and sample "
            f"(SS16.Def2-indexing), got {A_arr.shape}"
        )
    if A_arr.shape[0] == 0:
        raise ValueError("A: zero neurons")
    A_int = _check_signs("A", A_arr, A_arr.shape)
    b_int = _check_signs("b", b, (A_arr.shape[0],))
    return A_int, b_int


def _check_loss(loss: Loss, y: Array) -> None:
    if callable(loss):
        return
    if loss not in BUILTIN_LOSSES:
        raise ValueError(f"loss: expected one of {BUILTIN_LOSSES} or a callable, got {loss!r}")
    if loss in ("logistic", "hinge") and not np.all(np.abs(y) == 1):
        raise ValueError(f"y: the {loss} loss needs labels in {{−1, +1}}")


def _loss_key(loss: Loss) -> str:
    """A printable name of the loss (user losses: ``user:<qualname>``)."""
    return loss if isinstance(loss, str) else f"user:{getattr(loss, '__qualname__', 'loss')}"


def _loss_token(loss: Loss) -> Loss:
    """The cache key of a loss: its name, or the callable itself (held by the cache, so its id
    can never be reused by another function while the entry lives)."""
    return loss


# ----------------------------------------------------------------------------- sign patterns


def sign_pattern(W: ArrayLike, v: ArrayLike, X: ArrayLike) -> tuple[IntArray, IntArray]:
    """The basin (A, b) of (W, v): a_{j,t} = sign⟨w_j, x_t⟩ (n × m), b_j = sign v_j (SS16 Def. 2).

    A point whose sign is not certified — ⟨w_j,x_t⟩ within the dot product's rounding bound
    d·ε·Σ_i |w_ji x_ti| of 0, or v_j = 0 — is on a boundary and raises :class:`BoundaryError`.
    """
    X = _check_X(X)
    W = np.asarray(W, dtype=float)
    v = np.asarray(v, dtype=float)
    if W.ndim != 2 or W.shape[1] != X.shape[1]:
        raise ValueError(f"W: expected shape (n, {X.shape[1]}), got {W.shape}")
    if v.shape != (W.shape[0],):
        raise ValueError(f"v: expected shape ({W.shape[0]},), got {v.shape}")
    if W.shape[0] == 0:
        raise ValueError("W: zero neurons")
    if not np.all(np.isfinite(W)):
        raise ValueError("W: contains NaN or inf")
    if not np.all(np.isfinite(v)):
        raise ValueError("v: contains NaN or inf")
    Z = W @ X.T
    rounding = X.shape[1] * np.finfo(float).eps * (np.abs(W) @ np.abs(X).T)
    on = np.abs(Z) <= rounding
    if np.any(on):
        j, t = np.argwhere(on)[0]
        raise BoundaryError(
            f"W: ⟨w_{j}, x_{t}⟩ = {Z[j, t]!r} is within rounding of 0: (W, v) is on a basin boundary"
        )
    if np.any(v == 0):
        raise BoundaryError(f"v: v_{int(np.flatnonzero(v == 0)[0])} = 0: (W, v) is on a basin boundary")
    return np.where(Z > 0, 1, -1).astype(np.int64), np.where(v > 0, 1, -1).astype(np.int64)


def interior_margin(X: ArrayLike, a: ArrayLike) -> tuple[float, Array]:
    """LP max s s.t. a_t⟨w, x_t/‖x_t‖⟩ ≥ s ∀t, ‖w‖_∞ ≤ 1, s ≤ 1; returns (s*, w*).

    The open cone {w : a_t⟨w,x_t⟩ > 0 ∀t} is non-empty iff s* > 0 (it is a cone, so any
    strict point can be scaled into the box); s* ≤ INTERIOR_MARGIN is treated as empty.
    """
    X = _check_X(X)
    a = _check_signs("a", a, (X.shape[0],))
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    d = X.shape[1]
    # variables (w, s); minimise −s; rows: −a_t x̂_tᵀ w + s ≤ 0
    A_ub = np.hstack([-(a[:, None] * Xn), np.ones((X.shape[0], 1))])
    res = linprog(
        np.r_[np.zeros(d), -1.0],
        A_ub=A_ub,
        b_ub=np.zeros(X.shape[0]),
        bounds=[(-1.0, 1.0)] * d + [(None, 1.0)],
        method="highs",
    )
    if res.status != 0:
        raise SolverError(f"interior LP: HiGHS status {res.status} ({res.message})")
    return float(-res.fun), np.asarray(res.x[:d], dtype=float)


_NONEMPTY_CACHE: "OrderedDict[tuple, bool]" = OrderedDict()
_CACHE_SIZE = 1 << 16


def _neuron_nonempty(X: Array, a: IntArray, xkey: bytes) -> bool:
    key = (xkey, a.tobytes())
    hit = _NONEMPTY_CACHE.get(key)
    if hit is not None:
        return hit
    ok = interior_margin(X, a)[0] > INTERIOR_MARGIN
    _NONEMPTY_CACHE[key] = ok
    if len(_NONEMPTY_CACHE) > _CACHE_SIZE:
        _NONEMPTY_CACHE.popitem(last=False)
    return ok


def basin_is_nonempty(X: ArrayLike, A: ArrayLike, b: ArrayLike) -> bool:
    """True iff B^{A,b} has an interior point: per neuron j an LP finds w with a_{j,t}⟨w,x_t⟩ > 0.

    (b only constrains sign v_j, which is always realisable; it is validated, not used.)
    """
    X = _check_X(X)
    A, b = check_pattern(X, A, b)
    xkey = X.tobytes()
    return all(_neuron_nonempty(X, A[j], xkey) for j in range(A.shape[0]))


# ----------------------------------------------------------------------------- losses


def _loss_elementwise_np(loss: Loss, p: Array, y: Array) -> Array:
    """ℓ(p_t, y_t) per sample, in NumPy (user losses: their CVXPY expression on constants)."""
    if loss == "squared":
        return (p - y) ** 2
    if loss == "absolute":
        return np.abs(p - y)
    if loss == "logistic":
        return np.logaddexp(0.0, -y * p)
    if loss == "hinge":
        return np.maximum(0.0, 1.0 - y * p)
    val = loss(cp.Constant(p), cp.Constant(y)).value  # type: ignore[operator]
    return np.broadcast_to(np.asarray(val, dtype=float), p.shape).copy()


def objective_value(loss: Loss, p: ArrayLike, y: ArrayLike) -> float:
    """h(p) = (1/m) Σ_t ℓ(p_t, y_t), SS16's L_S as a function of the predictions."""
    p = np.asarray(p, dtype=float)
    return float(np.mean(_loss_elementwise_np(loss, p, np.asarray(y, dtype=float))))


def _loss_cvx(loss: Loss, p: cp.Expression, y: cp.Parameter) -> cp.Expression:
    if loss == "squared":
        return cp.square(p - y)
    if loss == "absolute":
        return cp.abs(p - y)
    if loss == "logistic":
        return cp.logistic(-cp.multiply(y, p))
    if loss == "hinge":
        return cp.pos(1 - cp.multiply(y, p))
    return loss(p, y)  # type: ignore[operator]


def _conjugate(loss: Loss, lam: Array, y: Array) -> tuple[float, Array]:
    """h*(λ) = (1/m)Σ_t ℓ*(m λ_t; y_t) for the built-in losses, after projecting λ onto dom h*.

    squared ℓ*(s) = s y + s²/4; absolute ℓ*(s) = s y on |s| ≤ 1; logistic (y = ±1)
    ℓ*(s) = q log q + (1−q) log(1−q) with q = −s y ∈ [0, 1]; hinge (y = ±1) ℓ*(s) = s y on
    s y ∈ [−1, 0]. Returns (h*(λ'), λ') with λ' the projected multiplier.
    """
    m = lam.size
    s = m * lam
    if loss == "squared":
        return float(np.mean(s * y + s * s / 4.0)), lam
    if loss == "absolute":
        s = np.clip(s, -1.0, 1.0)
        return float(np.mean(s * y)), s / m
    if loss == "logistic":
        q = np.clip(-s * y, 0.0, 1.0)
        ent = np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0) + np.where(
            q < 1, (1 - q) * np.log(np.where(q < 1, 1 - q, 1.0)), 0.0
        )
        return float(np.mean(ent)), -q * y / m
    if loss == "hinge":
        c = np.clip(s * y, -1.0, 0.0)
        return float(np.mean(c)), c * y / m
    raise TypeError("no closed-form conjugate for a user loss")


class _UserConjugate:
    """h*(λ) = sup_p λᵀp − (1/m)Σ ℓ(p_t, y_t) for a user loss, one DPP problem per (m, loss)."""

    def __init__(self, loss: UserLoss, m: int) -> None:
        self.p = cp.Variable(m)
        self.lam = cp.Parameter(m)
        self.y = cp.Parameter(m)
        obj = self.lam @ self.p - cp.sum(loss(self.p, self.y)) / m
        self.prob = cp.Problem(cp.Maximize(obj))

    def __call__(self, lam: Array, y: Array) -> float:
        self.lam.value, self.y.value = lam, y
        self.prob.solve(solver=cp.CLARABEL)
        if self.prob.status != "optimal":
            return math.inf
        return float(self.prob.value)


# ----------------------------------------------------------------------------- the programs


def _pattern_data(X: Array, A: IntArray, b: IntArray) -> tuple[Array, Array]:
    """Q (n × m × d): rows [a_jt = +1]·x_t;  G (n × m × d): rows b_j a_jt x_t."""
    M = (A > 0).astype(float)
    Q = M[:, :, None] * X[None, :, :]
    G = (b[:, None] * A).astype(float)[:, :, None] * X[None, :, :]
    return Q, G


class BasinProgram:
    """The basin convex program for fixed (n, m, d, loss), compiled once (DPP) and re-solved.

    Parameters: Q_j, G_j (m × d, one per neuron) and y (m). Variables u_j ∈ R^d and p ∈ R^m.
    Explicit constraints: ``link``: p = Σ_j Q_j u_j, ``cone[j]``: G_j u_j ≥ 0.
    """

    def __init__(self, n: int, m: int, d: int, loss: Loss) -> None:
        self.n, self.m, self.d, self.loss = n, m, d, loss
        self.u = [cp.Variable(d, name=f"u{j}") for j in range(n)]
        self.p = cp.Variable(m, name="p")
        self.Q = [cp.Parameter((m, d), name=f"Q{j}") for j in range(n)]
        self.G = [cp.Parameter((m, d), name=f"G{j}") for j in range(n)]
        self.y = cp.Parameter(m, name="y")
        self.cone = [self.G[j] @ self.u[j] >= 0 for j in range(n)]
        self.link = self.p == cp.sum([self.Q[j] @ self.u[j] for j in range(n)])
        objective = cp.Minimize(cp.sum(_loss_cvx(loss, self.p, self.y)) / m)
        self.problem = cp.Problem(objective, [*self.cone, self.link])
        if not self.problem.is_dcp(dpp=False):
            raise ValueError("loss: the loss is not convex in the prediction (not DCP)")
        self.dpp = self.problem.is_dpp()

    def solve(self, Q: Array, G: Array, y: Array) -> tuple[Array, Array, Array, Array, str]:
        """(U, p, λ, Z, status) with λ the multiplier of p = ΣQ_j u_j, Z (n × m) those of G u ≥ 0."""
        for j in range(self.n):
            self.Q[j].value = Q[j]
            self.G[j].value = G[j]
        self.y.value = y
        try:
            self.problem.solve(solver=cp.CLARABEL, ignore_dpp=not self.dpp)
        except cp.error.SolverError as exc:
            raise SolverError(f"Clarabel failed: {exc}") from exc
        status = self.problem.status
        if status != "optimal":
            raise SolverError(f"basin program: solver status {status!r} (only 'optimal' is accepted)")
        U = np.array([self.u[j].value for j in range(self.n)], dtype=float)
        lam = -np.asarray(self.link.dual_value, dtype=float)  # CVXPY: L = h + ν(p − QU) ⇒ λ = −ν
        Z = np.array([self.cone[j].dual_value for j in range(self.n)], dtype=float)
        return U, np.asarray(self.p.value, dtype=float), lam, Z, status


_PROGRAMS: dict[tuple, BasinProgram] = {}
_USER_CONJ: dict[tuple, _UserConjugate] = {}


def basin_program(n: int, m: int, d: int, loss: Loss) -> BasinProgram:
    """The compiled program for (n, m, d, loss) (built on first use, then reused)."""
    key = (n, m, d, _loss_token(loss))
    prog = _PROGRAMS.get(key)
    if prog is None:
        prog = _PROGRAMS[key] = BasinProgram(n, m, d, loss)
    return prog


class _DirectSquared:
    """Squared loss in Clarabel's form, sparsity fixed per (n, m, d); only values change.

    x = (u_1, …, u_n, r) ∈ R^{nd+m}; minimise ½xᵀPx with P = diag(0, (2/m)I) = (1/m)‖r‖²;
    rows 0..m−1 (zero cone):  Σ_j Q_j u_j − r = y    (multiplier λ)
    rows m..m+nm−1 (≥ 0):     −G_j u_j + s = 0, s ≥ 0 (multipliers z_j ≥ 0).
    """

    def __init__(self, n: int, m: int, d: int) -> None:
        import clarabel

        self.n, self.m, self.d = n, m, d
        nd = n * d
        self.P = sp.csc_matrix(
            (np.full(m, 2.0 / m), (np.arange(nd, nd + m), np.arange(nd, nd + m))),
            shape=(nd + m, nd + m),
        )
        self.q = np.zeros(nd + m)
        # Column k = j·d + i of u holds Q_j[:, i] (rows 0..m−1) then −G_j[:, i] (rows m + j·m + t).
        rows_q = np.tile(np.arange(m), nd)
        rows_g = (m + np.repeat(np.arange(n), d * m) * m + np.tile(np.arange(m), nd)).astype(np.int64)
        u_rows = np.stack([rows_q.reshape(nd, m), rows_g.reshape(nd, m)], axis=1).reshape(nd, 2 * m)
        r_rows = np.arange(m)[:, None]
        self.indices = np.concatenate([u_rows.ravel(), r_rows.ravel()]).astype(np.int64)
        self.indptr = np.r_[np.arange(nd + 1) * 2 * m, 2 * m * nd + np.arange(1, m + 1)].astype(np.int64)
        self.shape = (m + n * m, nd + m)
        self.cones = [clarabel.ZeroConeT(m), clarabel.NonnegativeConeT(n * m)]
        st = clarabel.DefaultSettings()
        st.verbose = False
        st.presolve_enable = False
        st.chordal_decomposition_enable = False
        self.settings = st
        self._clarabel = clarabel

    def solve(self, Q: Array, G: Array, y: Array) -> tuple[Array, Array, Array, Array, str]:
        n, m, d = self.n, self.m, self.d
        # per column (j, i): Q_j[:, i] then −G_j[:, i]
        qcols = Q.transpose(0, 2, 1).reshape(n * d, m)
        gcols = -G.transpose(0, 2, 1).reshape(n * d, m)
        data = np.concatenate([np.hstack([qcols, gcols]).ravel(), np.full(m, -1.0)])
        A = sp.csc_matrix((data, self.indices, self.indptr), shape=self.shape)
        bvec = np.concatenate([y, np.zeros(n * m)])
        solver = self._clarabel.DefaultSolver(self.P, self.q, A, bvec, self.cones, self.settings)
        sol = solver.solve()
        status = str(sol.status)
        if status != "Solved":
            raise SolverError(f"basin program (direct Clarabel): status {status!r} (only 'Solved' is accepted)")
        x = np.asarray(sol.x)
        z = np.asarray(sol.z)
        U = x[: n * d].reshape(n, d)
        p = x[n * d :] + y
        return U, p, z[:m].copy(), z[m:].reshape(n, m), "optimal"


_DIRECT: dict[tuple, _DirectSquared] = {}


def _direct_program(n: int, m: int, d: int) -> _DirectSquared:
    key = (n, m, d)
    prog = _DIRECT.get(key)
    if prog is None:
        prog = _DIRECT[key] = _DirectSquared(n, m, d)
    return prog


class _RaySquared:
    """Squared loss as non-negative least squares over the arrangement's rays (``method="nnls"``).

    In the row space of X every closed cone K_j is pointed and generated by the rays g of the
    arrangement (1-dim intersections of r−1 hyperplanes x_t^⊥) compatible with row j of A
    (numerics.arrangement). With u_j = b_j Σ_k c_k g_k, c ≥ 0, and Q_j g = [Xg]_+ on K_j,

        Bas = min_{c ≥ 0} (1/m)‖M c − y‖²,  M = [b_j [X g_k]_+]_{j, k compatible},

    solved by Lawson–Hanson (scipy.optimize.nnls), which ends on an exact active set. Dual
    certificate: λ = (2/m)(p − y); by Farkas, λ is dual feasible iff b_j⟨Q_jᵀλ, g⟩ ≥ 0 for every
    generator g of K_j, and the gap h(p) + h*(λ) equals λᵀp. One instance per data matrix X
    (the rays cost C(m, r−1) small SVDs, once); compatibility is a bitmask test per neuron.

    Caveat: a line is kept when its r−1 normals have σ_min > 1e-10·σ_max and a sign is 0 when
    |⟨g, x_t⟩| ≤ 1e-10‖x_t‖; data that degenerate at that level could lose a generator, and then
    both the value and its Farkas check would refer to a smaller cone. The direct path has no such
    caveat; use it for nearly degenerate data.
    """

    def __init__(self, X: Array) -> None:
        from numerics.arrangement import _rays, _row_space

        m = X.shape[0]
        if m > 62:
            raise ValueError("method: 'nnls' needs m ≤ 62 samples (64-bit sign masks)")
        r, V = _row_space(X)
        self.G, S = _rays(X, X @ V, V, r)  # K × d unit rays, K × m signs in {−1, 0, 1}
        bits = (np.int64(1) << np.arange(m, dtype=np.int64)).astype(np.int64)
        self.pos = (S > 0).astype(np.int64) @ bits
        self.neg = (S < 0).astype(np.int64) @ bits
        self.bits = bits
        # m × K: [⟨g, x_t⟩]_+, with the entries on the ray's own hyperplanes set to exactly 0
        # (rounding there, ~1e-16, would otherwise invite huge NNLS coefficients)
        self.images = np.where(S.T > 0, X @ self.G.T, 0.0)
        self.m, self.d = m, X.shape[1]
        self._compat: "OrderedDict[bytes, NDArray[np.int64]]" = OrderedDict()

    def compatible(self, a: IntArray) -> NDArray[np.int64]:
        key = a.tobytes()
        idx = self._compat.get(key)
        if idx is None:
            P = np.int64((a > 0).astype(np.int64) @ self.bits)
            # compatible rays that are active on some sample (the others add nothing to p)
            idx = np.flatnonzero(((self.pos & ~P) == 0) & ((self.neg & P) == 0) & (self.pos != 0))
            self._compat[key] = idx
            if len(self._compat) > _CACHE_SIZE:
                self._compat.popitem(last=False)
        return idx

    def solve(self, A: IntArray, b: IntArray, y: Array) -> tuple[Array, Array, Array, list[Array]]:
        """(U, p, λ, generators): U feasible by construction, generators[j] (k_j × d) the rays
        of K_j used; the certificate (_certify) checks λ against them itself."""
        from scipy.optimize import nnls

        n, m = A.shape[0], self.m
        missing = [j for j in range(n) if A[j].tobytes() not in self._compat]
        if missing:  # one vectorised bitmask test for every uncached row
            P = (A[missing] > 0).astype(np.int64) @ self.bits
            ok = ((self.pos[None, :] & ~P[:, None]) == 0) & ((self.neg[None, :] & P[:, None]) == 0)
            ok &= (self.pos != 0)[None, :]
            for row, j in enumerate(missing):
                self._compat[A[j].tobytes()] = np.flatnonzero(ok[row])
            while len(self._compat) > _CACHE_SIZE:
                self._compat.popitem(last=False)
        idx = [self.compatible(A[j]) for j in range(n)]
        gens = [self.G[i] for i in idx]
        M = np.hstack([b[j] * self.images[:, idx[j]] for j in range(n)] + [np.zeros((m, 0))])
        if M.shape[1] == 0:  # no neuron is active on any sample: p = 0
            return np.zeros((n, self.d)), np.zeros(m), (2.0 / m) * (-y), gens
        c, _ = nnls(M, y, maxiter=50 * M.shape[1])
        U = np.zeros((n, self.d))
        start = 0
        for j in range(n):
            k = idx[j].size
            U[j] = b[j] * (c[start : start + k] @ self.G[idx[j]])
            start += k
        p = M @ c
        lam = (2.0 / m) * (p - y)
        return U, p, lam, gens


_RAYS: "OrderedDict[bytes, _RaySquared]" = OrderedDict()


def _ray_program(X: Array, xkey: bytes) -> _RaySquared:
    prog = _RAYS.get(xkey)
    if prog is None:
        prog = _RAYS[xkey] = _RaySquared(X)
        if len(_RAYS) > 16:
            _RAYS.popitem(last=False)
    return prog


# ----------------------------------------------------------------------------- certificate & lift


def lift(U: ArrayLike, b: ArrayLike) -> tuple[Array, Array]:
    """(W, v) with v_j w_j = u_j, sign v_j = b_j, ‖w_j‖ = |v_j| = √‖u_j‖; u_j = 0 ↦ (0, 0)."""
    U = np.asarray(U, dtype=float)
    b = np.asarray(b, dtype=float)
    norms = np.linalg.norm(U, axis=1)
    v = b * np.sqrt(norms)
    W = np.zeros_like(U)
    nz = norms > 0
    W[nz] = U[nz] / v[nz, None]
    v = np.where(nz, v, 0.0)
    return W, v


def _lift_tolerance(loss: Loss, p: Array, y: Array, delta: Array, value: float) -> float:
    """Bound on |h(p + Δ) − h(p)| for |Δ_t| ≤ δ_t, valid for any convex ℓ, plus rounding.

    For convex ℓ and |Δ| ≤ δ: |ℓ(p+Δ) − ℓ(p)| ≤ max(|ℓ(p+δ) − ℓ(p)|, |ℓ(p−δ) − ℓ(p)|).
    δ_t = Σ_j |⟨u_j, x_t⟩|·[constraint (j, t) violated] is how far the lifted network's ReLUs
    can differ from the basin's linear pieces; rounding adds 1e-12·(1 + |value| + mean p²).
    """
    base = _loss_elementwise_np(loss, p, y)
    up = np.abs(_loss_elementwise_np(loss, p + delta, y) - base)
    down = np.abs(_loss_elementwise_np(loss, p - delta, y) - base)
    return float(np.mean(np.maximum(up, down))) + 1e-12 * (1.0 + abs(value) + float(np.mean(p * p)))


def _lift_tolerances(p: Array, y: Array, delta: Array, value: Array) -> Array:
    """_lift_tolerance for the squared loss, one per row of p, δ (N × m) and value (N,), as used
    by numerics.basin_batch (the same bound, evaluated row by row)."""
    base = (p - y) ** 2
    up = np.abs((p + delta - y) ** 2 - base)
    down = np.abs((p - delta - y) ** 2 - base)
    return np.mean(np.maximum(up, down), axis=-1) + 1e-12 * (1.0 + np.abs(value) + np.mean(p * p, axis=-1))


def _certify(
    X: Array, y: Array, A: IntArray, b: IntArray, loss: Loss, U: Array, p_solver: Array, lam: Array,
    Z: Array | None, status: str, solver: str, generators: list[Array] | None = None,
) -> tuple[float, Certificate, Array]:
    """Certificate from the multipliers: λ of p = ΣQ_j u_j and Z of G_j u_j ≥ 0; or, for the
    NNLS path (Z = None), λ checked against the generators g of every K_j (Farkas: λ is dual
    feasible iff b_j⟨Q_jᵀλ, g⟩ ≥ 0 for all of them), computed here from the original data."""
    Q, G = _pattern_data(X, A, b)
    p = np.einsum("jtd,jd->t", Q, U)
    value = objective_value(loss, p, y)
    xnorm = np.linalg.norm(X, axis=1)
    unorm = np.linalg.norm(U, axis=1)
    GU = np.einsum("jtd,jd->jt", G, U)  # b_j a_jt ⟨u_j, x_t⟩, must be ≥ 0
    viol = np.maximum(0.0, -GU)
    primal_res = float(np.max(viol / (xnorm[None, :] * np.maximum(1.0, unorm)[:, None])))
    if isinstance(loss, str):
        hstar, lam = _conjugate(loss, lam, y)
    else:
        key = (X.shape[0], _loss_token(loss))
        conj = _USER_CONJ.get(key)
        if conj is None:
            conj = _USER_CONJ[key] = _UserConjugate(loss, X.shape[0])
        hstar = conj(lam, y)
    if Z is not None:
        Zp = np.maximum(Z, 0.0)
        stat = np.einsum("jtd,t->jd", Q, lam) - np.einsum("jtd,jt->jd", G, Zp)
        dual_res = float(np.max(np.abs(stat)) / (1.0 + np.max(np.abs(lam)) * np.max(xnorm)))
    else:
        assert generators is not None
        QtL = np.einsum("jtd,t->jd", Q, lam)  # Q_jᵀλ
        worst = 0.0
        for j, R in enumerate(generators):
            if R.shape[0]:
                slopes = b[j] * (R @ QtL[j])  # the rays are unit vectors (numerics.arrangement._rays)
                worst = max(worst, float(-slopes.min()))
        dual_res = worst / (1.0 + float(np.max(np.abs(lam))) * float(np.max(xnorm)))
    gap = value + hstar
    delta = np.sum(np.abs(GU) * (GU < 0), axis=0)
    tol = _lift_tolerance(loss, p, y, delta, value)
    cert = Certificate(
        gap=float(gap), primal_residual=primal_res, dual_residual=dual_res, solver=solver,
        status=status, lift_error=math.nan, lift_tolerance=tol,
    )
    bound = CERT_FACTOR * CLARABEL_TOL
    if not (abs(cert.gap) <= bound * (1.0 + abs(value)) and primal_res <= bound and dual_res <= bound):
        raise SolverError(
            f"basin program: certificate failed (gap {cert.gap:.3e}, primal residual "
            f"{primal_res:.3e}, dual residual {dual_res:.3e}; allowed {bound:.0e}·scale)"
        )
    return value, cert, p


def _check_lift(X: Array, y: Array, loss: Loss, W: Array, v: Array, value: float, cert: Certificate) -> Certificate:
    """Evaluate the lifted network (numerics.network.forward, ReLU) and compare with the value."""
    lifted = objective_value(loss, forward(v, W, X, "relu"), y)
    err = abs(lifted - value)
    if not err <= cert.lift_tolerance:
        raise SolverError(
            f"lift check failed: network loss {lifted!r} vs basin value {value!r} "
            f"(tolerance {cert.lift_tolerance:.3e})"
        )
    return replace(cert, lift_error=float(err))


# ----------------------------------------------------------------------------- public API


def canonical_pattern(A: IntArray, b: IntArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Merge neurons with equal (A_j, b_j) and sort them: (A', b', representative, group).

    Merging is exact: b_j K_j is a convex cone, so u_i + u_j stays in it and any point of it
    splits as (u, 0). ``group[j]`` is the row of the merged pattern that neuron j belongs to.
    """
    rows = np.concatenate([b[:, None], A], axis=1)
    order = np.lexsort(rows.T[::-1])  # lexicographic order of the rows (b_j first)
    srt = rows[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = np.any(srt[1:] != srt[:-1], axis=1)
    uniq = srt[new]
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return uniq[:, 1:].copy(), uniq[:, 0].copy(), np.arange(uniq.shape[0]), inverse


_VALUE_CACHE: "OrderedDict[tuple, tuple]" = OrderedDict()


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
    Clarabel on hand-compiled data), "nnls" (squared loss only, Lawson–Hanson over the
    arrangement's rays, see _RaySquared; fastest for small m) or "auto" (direct for squared,
    cvxpy otherwise). All paths give the same value to 1e-7 (tests/test_basin_engine.py).
    Neurons with equal (A_j, b_j) are merged before solving and split equally afterwards.
    """
    X, y = _check_Xy(X, y)
    A, b = check_pattern(X, A, b)
    _check_loss(loss, y)
    if method not in ("auto", "cvxpy", "direct", "nnls"):
        raise ValueError(f"method: expected 'auto', 'cvxpy', 'direct' or 'nnls', got {method!r}")
    if method in ("direct", "nnls") and loss != "squared":
        raise ValueError(f"method: {method!r} is implemented for the squared loss only")
    path = "direct" if method == "auto" and loss == "squared" else ("cvxpy" if method == "auto" else method)
    xkey = X.tobytes()
    if check_nonempty:
        for j in range(A.shape[0]):
            if not _neuron_nonempty(X, A[j], xkey):
                raise EmptyBasinError(
                    f"A: row {j} (neuron {j}) is not a realisable sign pattern on X: basin empty"
                )
    Ac, bc, _, group = canonical_pattern(A, b)
    key = (xkey, y.tobytes(), _loss_token(loss), path, Ac.tobytes(), bc.tobytes())
    hit = _VALUE_CACHE.get(key) if cache else None
    if hit is None:
        n, m, d = Ac.shape[0], X.shape[0], X.shape[1]
        # Solve on rescaled data (conditioning): X' = X/s leaves every sign, hence the basin,
        # unchanged, and u' = s·u gives the same predictions; for the squared loss also y' = y/σ
        # (value/σ², u/σ, multipliers/σ). The certificate is computed on the original data.
        sx = float(np.linalg.norm(X, axis=1).max())
        # small targets (squared loss) are scaled up to max|y| = 1, so the solver's absolute
        # tolerance becomes relative to them; large ones are left alone (the acceptance test is
        # already relative to the value there)
        ymax = float(np.abs(y).max())
        sy = ymax if loss == "squared" and 0.0 < ymax < 1.0 else 1.0
        Xs, ys = X / sx, y / sy
        back = sy / sx  # U = back·U'
        fallback = ""
        if path == "nnls":
            U, p, lam, gens = _ray_program(Xs, Xs.tobytes()).solve(Ac, bc, ys)
            try:
                value, cert, p = _certify(
                    X, y, Ac, bc, loss, back * U, sy * p, sy * lam, None, "optimal",
                    "NNLS (Lawson–Hanson) over arrangement rays", generators=gens,
                )
                U = back * U
            except SolverError as exc:
                # Lawson–Hanson can end on a numerically singular passive set (seen ~1 in 300 at
                # n=10, m=20, d=5); its certificate then fails and the basin is re-solved by Clarabel
                fallback = "; NNLS certificate failed, re-solved"
                del exc
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
