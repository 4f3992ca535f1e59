"""Safran & Shamir (2018)'s population objective for ReLU teacher–student nets (claim REV.ss18-table).

The objective (REV §3, Figure 4, after Safran & Shamir 2018) for a student W = (w_1, …, w_n) and a
teacher V = (v_1, …, v_k), inputs x ~ N(0, I_d):

    F(W) = ½·E[(Σ_i [w_iᵀx]_+ − Σ_j [v_jᵀx]_+)²]
         = ½·Σ_{i,i'} g(w_i, w_i') − Σ_{i,j} g(w_i, v_j) + ½·Σ_{j,j'} g(v_j, v_j'),

with the degree-1 arc-cosine kernel (θ = ∠(w, v) ∈ [0, π])

    g(w, v) = E[[wᵀx]_+[vᵀx]_+] = ‖w‖‖v‖·(sin θ + (π − θ)·cos θ)/(2π).

Derivation (checked in tests/test_ss18_numerics.py with SymPy and against Monte Carlo): only the
projection of x on span(w, v) matters; in polar coordinates (r, φ) of that plane with w along
φ = 0 and v along φ = θ the density is e^{−r²/2}/(2π), both ReLUs are active for
φ ∈ (θ − π/2, π/2), and ∫_0^∞ r³e^{−r²/2}dr = 2, so
g = ‖w‖‖v‖/π · ∫_{θ−π/2}^{π/2} cos φ cos(φ − θ) dφ = ‖w‖‖v‖(sin θ + (π − θ)cos θ)/(2π).

Derivatives (for w ≠ 0, v ≠ 0; ŵ = w/‖w‖, c = cos θ, s = sin θ):

    ∂_w g      = (1/2π)·[‖v‖·s·ŵ + (π − θ)·v]                    (∂_w g(w, w) = w/2)
    ∂²_ww g    = (‖v‖/(2π‖w‖))·[s·(I − ŵŵᵀ) + ppᵀ/s],   p = v̂ − c·ŵ (‖p‖ = s)
    ∂²_wv g    = (1/2π)·[(π − θ)·I + c·s·v̂v̂ᵀ − c·qqᵀ/s + s·(v̂qᵀ + qv̂ᵀ)],   q = ŵ − c·v̂

(ppᵀ/s and qqᵀ/s have norm s and tend to 0 as s → 0: F is C² away from zero neurons), hence

    ∇_{w_i}F = Σ_{i'} ∂_w g(w_i, w_i') − Σ_j ∂_w g(w_i, v_j),
    ∇²F: block (i, i) = I/2 + Σ_{i'≠i} ∂²_ww g(w_i, w_i') − Σ_j ∂²_ww g(w_i, v_j),
         block (i, i') = ∂²_wv g(w_i, w_i')  (i ≠ i').

Angles: the GD inner loop takes θ = arccos(ûᵀv̂) where |ûᵀv̂| ≤ 0.99 and the chord formula
θ = 2·arcsin(‖û ∓ v̂‖/2) for nearly (anti)parallel pairs, where arccos of a float64 dot product
loses half the digits of θ; the Hessian and :func:`kernel` use θ = 2·atan2(‖û − v̂‖, ‖û + v̂‖).
(F and ∇F are in fact insensitive to that loss to first order — ∂_θ of the bracket in ∂_w g is
−‖v‖ s n, so an error Δθ ≈ θ costs ≈ ‖v‖θ² — but θ and s themselves stay accurate this way.)

This is the population loss (an expectation in closed form), not the empirical loss of
``numerics.network``; the two share no formula.

The experiment (:func:`gradient_descent`, :func:`run_experiment`): W entries i.i.d. N(0, 1/d),
full-batch GD with step 0.1, a run whose gradient norm passes 1e4 restarts from its initial point
with half the step, a run stops when max_i ‖∇_{w_i}F‖ ≤ 1e-9 and is *bad* when then F ≥ 1e-3.
Runs that reach neither end within the iteration cap are reported as not converged, never
counted silently.

The certificate of a bad end point (REV.local-min-certificate): :func:`third_derivative_bound`
bounds |d³/dt³ F| on a ball from per-pair Lipschitz bounds of the Hessian blocks (derived by
hand in its docstring; tests compare it with finite-difference third derivatives), and
:func:`taylor_certificate` evaluates the Taylor interval (t_−, t_+) of the review.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

__all__ = [
    "TABLE_N_EQ_K",
    "TABLE_N_EQ_K_PLUS_1",
    "UNREADABLE_ROWS",
    "kernel",
    "kernel_angle",
    "teacher",
    "loss",
    "loss_and_gradient",
    "gradient",
    "hessian",
    "initial_weights",
    "GDResult",
    "gradient_descent",
    "ExperimentResult",
    "run_experiment",
    "distinct_points",
    "third_derivative_bound",
    "taylor_certificate",
]

TWO_PI = 2.0 * np.pi

# ------------------------------------------------------------------ the table, as transcribed
# REV's Figure 4 (cited from Safran & Shamir 2018), OCR lines as they stand in the seed
# (001_f3a8f3668e711d70.txt) → (k, n, percent of runs converging to a local minimum).
# n = k: every row k = 6..20 is present; k = 20 reads "20 | 20 01%" — the percentage is
# unreadable (a digit group is lost), so it is not transcribed. k = 6 reads "6 16 03%": the
# "|" became "1" and the decimal point was lost as in "10| 10 34 6%" → 0.3% (3% is the other
# reading; both are recorded, the primary reading is checked).
TABLE_N_EQ_K: dict[int, float] = {
    6: 0.3,  # "6 16 03%"   (alternative reading 3%)
    7: 5.5,  # "7 |7 5.5%"
    8: 12.6,  # "8 |8 12.6%"
    9: 21.8,  # "9 |9 21.8%"
    10: 34.6,  # "10| 10 34 6%"  (decimal point read as a space)
    11: 45.5,  # "1l 45.5%"  (k = 11 from the row order; the n column was lost)
    12: 58.5,  # "12|12 58.5%"
    13: 73.0,  # "13113 73%"  (13 | 13)
    14: 73.6,  # "14 | 14 73.6%"
    15: 80.3,  # "15|15 80.3%"
    16: 85.1,  # "16|16| 85.1%"
    17: 89.7,  # "17 | 17 89.7%"
    18: 90.0,  # "18 | 18 90%"
    19: 93.4,  # "19|19 93.4%"
}
# n = k + 1: rows present for k = 8, 10..19 ("151 16 10.1%" is 15 | 16). No row for k = 6, 7, 9
# or 20 appears in the seed (whether they were 0% and omitted, or lost, is not legible).
TABLE_N_EQ_K_PLUS_1: dict[int, float] = {
    8: 0.1,  # "8 |9 0.1%"
    10: 0.1,  # "10 | 11 0.1%"
    11: 0.1,  # "11|12 0.1%"
    12: 0.3,  # "12 [ 13 0.3%"
    13: 1.5,  # "13 | 14 1.5%"
    14: 5.5,  # "14 | 15 5.5%"
    15: 10.1,  # "151 16 10.1%"
    16: 18.0,  # "16 | 17 18%"
    17: 20.9,  # "17 | 18 20.9%"
    18: 36.9,  # "18 | 19 36.9%"
    19: 49.1,  # "19 | 20 49.1%"
}
UNREADABLE_ROWS: dict[tuple[int, int], str] = {
    (20, 20): "OCR '20 | 20 01%': the percentage lost a digit group — unreadable",
    (6, 7): "no row in the seed",
    (7, 8): "no row in the seed",
    (9, 10): "no row in the seed (between '8 |9' and '10 | 11')",
    (20, 21): "no row in the seed",
}


# ------------------------------------------------------------------ input validation
def _as_weights(W: ArrayLike, name: str = "W") -> Array:
    arr = np.asarray(W, dtype=float)
    if arr.ndim < 2 or arr.shape[-1] < 1 or arr.shape[-2] < 1:
        raise ValueError(f"{name}: need shape (..., n, d) with n, d ≥ 1, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite entries")
    if np.any(np.linalg.norm(arr, axis=-1) == 0.0):
        raise ValueError(f"{name}: a zero neuron (F is not differentiable there)")
    return arr


def teacher(k: int, d: int | None = None) -> Array:
    """The teacher of the table: v_j = e_j ∈ R^d, j = 1..k (d = k by default)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k: teacher width must be a positive integer, got {k!r}")
    d = int(k) if d is None else d
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < k:
        raise ValueError(f"d: need an integer d ≥ k = {k}, got {d!r}")
    return np.eye(int(k), int(d))


# ------------------------------------------------------------------ the kernel
def _angle(u: Array, vh: Array) -> Array:
    """The angle between unit vectors (last axis), θ = 2·atan2(‖u − v̂‖, ‖u + v̂‖): accurate near
    0 and π, where arccos(uᵀv̂) loses half the digits."""
    return 2.0 * np.arctan2(np.linalg.norm(u - vh, axis=-1), np.linalg.norm(u + vh, axis=-1))


def _pair_geometry(U: Array, Vh: Array) -> tuple[Array, Array, Array]:
    """θ, sin θ, cos θ between unit rows U (..., n, d) and Vh (..., m, d) → each (..., n, m)."""
    theta = _angle(U[..., :, None, :], Vh[..., None, :, :])
    return theta, np.sin(theta), np.cos(theta)


def kernel_angle(theta: ArrayLike) -> Array:
    """(sin θ + (π − θ)cos θ)/(2π): g(w, v) for unit w, v at angle θ."""
    t = np.asarray(theta, dtype=float)
    return (np.sin(t) + (np.pi - t) * np.cos(t)) / TWO_PI


def kernel(w: ArrayLike, v: ArrayLike) -> Array:
    """g(w, v) = E_{x~N(0,I)}[[wᵀx]_+[vᵀx]_+] = ‖w‖‖v‖(sin θ + (π − θ)cos θ)/(2π) (broadcast over rows)."""
    w = np.asarray(w, dtype=float)
    v = np.asarray(v, dtype=float)
    if w.shape[-1] != v.shape[-1]:
        raise ValueError(f"v: dimension {v.shape[-1]} differs from w's {w.shape[-1]}")
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(v))):
        raise ValueError("w, v: contain NaN or infinite entries")
    a = np.linalg.norm(w, axis=-1)
    b = np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(a[..., None] > 0, w / np.where(a > 0, a, 1.0)[..., None], 0.0)
        vh = np.where(b[..., None] > 0, v / np.where(b > 0, b, 1.0)[..., None], 0.0)
    return a * b * kernel_angle(_angle(u, vh))


# ------------------------------------------------------------------ loss and gradient
def _check_teacher(W: Array, V: ArrayLike) -> Array:
    V = np.asarray(V, dtype=float)
    if V.ndim != 2 or V.shape[1] != W.shape[-1] or V.shape[0] < 1:
        raise ValueError(f"V: need shape (k, d={W.shape[-1]}), got {V.shape}")
    if not np.all(np.isfinite(V)) or np.any(np.linalg.norm(V, axis=1) == 0):
        raise ValueError("V: needs finite, nonzero teacher neurons")
    return V


def _angles(C: Array, A: Array, B: Array, near: float = 0.99) -> tuple[Array, Array]:
    """θ and sin θ for the dot products C[..., i, j] = A[..., i, :]·B[..., j, :] of unit rows.

    |c| ≤ ``near``: θ = arccos c, s = √(1 − c²); an error δ ≲ d·u in c moves θ by ≤ δ/√(1 − near²)
    ≈ 7δ and s by ≤ 7δ — below 1e-13 for d ≤ 40, far below the 1e-9 gradient tolerance.
    |c| > ``near`` (nearly (anti)parallel, where arccos loses half the digits): from the chord
    e = ‖a ∓ b‖, computed to full relative accuracy, θ = 2·arcsin(e/2) (or π − that) and
    s = e·√(1 − e²/4).
    """
    Cc = np.minimum(np.maximum(C, -1.0), 1.0)
    theta = np.arccos(Cc)
    s = np.sqrt(1.0 - Cc * Cc)
    mask = np.abs(C) > near
    if mask.any():
        idx = np.nonzero(mask)
        a = A[idx[:-1]] if A.ndim == C.ndim else A[idx[-2]]
        b = B[idx[:-2] + (idx[-1],)] if B.ndim == C.ndim else B[idx[-1]]
        sign = np.sign(C[idx])[:, None]
        e = np.sqrt(((a - sign * b) ** 2).sum(-1))
        half = 2.0 * np.arcsin(np.minimum(e / 2.0, 1.0))
        theta[idx] = np.where(sign[:, 0] > 0, half, np.pi - half)
        s[idx] = e * np.sqrt(np.maximum(1.0 - e * e / 4.0, 0.0))
    return theta, s


def _teacher_constant(V: Array) -> float:
    """½·Σ_{j,j'} g(v_j, v_j') (the part of F that does not depend on W)."""
    return 0.5 * float(sum(kernel(v1, v2) for v1 in V for v2 in V))


def _loss_grad(
    W: Array, V: Array, want_grad: bool = True, vconst: float | None = None
) -> tuple[Array, Array | None]:
    """F and ∇F for W of shape (R, n, d) (no validation: the GD loop's inner call).

    Uses dot products (one matmul per pair type) and :func:`_angles`; the diagonal pairs
    (θ = 0, s = 0) are set exactly. ``vconst`` = :func:`_teacher_constant` (V), if precomputed.
    """
    a = np.sqrt((W * W).sum(-1))  # (R, n)
    U = W / a[..., None]
    b = np.sqrt((V * V).sum(-1))  # (k,)
    Vh = V / b[:, None]
    C_ww = U @ np.swapaxes(U, -1, -2)
    C_wv = U @ Vh.T
    n = W.shape[-2]
    diag = np.arange(n)
    C_ww[..., diag, diag] = 0.0  # keep the (known) diagonal out of the near-parallel branch
    th_ww, s_ww = _angles(C_ww, U, U)
    th_ww[..., diag, diag] = 0.0
    s_ww[..., diag, diag] = 0.0
    C_ww[..., diag, diag] = 1.0
    th_wv, s_wv = _angles(C_wv, U, Vh)
    pi_ww = np.pi - th_ww
    pi_wv = np.pi - th_wv
    k_ww = s_ww + pi_ww * C_ww  # 2π·g for unit vectors
    k_wv = s_wv + pi_wv * C_wv
    if vconst is None:
        vconst = _teacher_constant(V)
    F = (
        0.5 * ((k_ww @ a[..., None])[..., 0] * a).sum(-1) - ((k_wv @ b) * a).sum(-1)
    ) / TWO_PI + vconst
    if not want_grad:
        return F, None
    coef = s_ww @ a[..., None] - s_wv @ b[:, None]  # (R, n, 1)
    G = coef * U + pi_ww @ W - pi_wv @ V
    return F, G / TWO_PI


def loss_and_gradient(W: ArrayLike, V: ArrayLike) -> tuple[Array, Array]:
    """(F(W), ∇F(W)) for W of shape (n, d) or a batch (R, n, d); V is the teacher (k, d)."""
    W = _as_weights(W)
    V = _check_teacher(W, V)
    batch = W.reshape((-1,) + W.shape[-2:])
    F, G = _loss_grad(batch, V)
    return F.reshape(W.shape[:-2]), G.reshape(W.shape)


def loss(W: ArrayLike, V: ArrayLike) -> Array:
    """F(W) = ½E[(Σ_i[w_iᵀx]_+ − Σ_j[v_jᵀx]_+)²], closed form (batch over leading axes)."""
    W = _as_weights(W)
    V = _check_teacher(W, V)
    F, _ = _loss_grad(W.reshape((-1,) + W.shape[-2:]), V, want_grad=False)
    return F.reshape(W.shape[:-2])


def gradient(W: ArrayLike, V: ArrayLike) -> Array:
    """∇F(W), shape of W: ∇_{w_i}F = (1/2π)Σ_{i'}[‖w_i'‖s ŵ_i + (π−θ)w_i'] − (1/2π)Σ_j[‖v_j‖s ŵ_i + (π−θ)v_j]."""
    return loss_and_gradient(W, V)[1]


# ------------------------------------------------------------------ Hessian
def _outer_over_s(p: Array, s: float) -> Array:
    """ppᵀ/s for ‖p‖ = s (→ 0 as s → 0; set to 0 below 1e-300)."""
    return np.outer(p, p) / s if s > 1e-300 else np.zeros((p.size, p.size))


def _frame(w: Array, v: Array) -> tuple[float, float, Array, Array, float, float, float]:
    """‖w‖, ‖v‖, ŵ, v̂, θ, sin θ, cos θ for one pair of non-zero vectors."""
    a, b = np.linalg.norm(w), np.linalg.norm(v)
    u, vh = w / a, v / b
    th = float(_angle(u, vh))
    return a, b, u, vh, th, np.sin(th), np.cos(th)


def _hess_ww(w: Array, v: Array) -> Array:
    """∂²_ww g(w, v) = (‖v‖/(2π‖w‖))·[s(I − ŵŵᵀ) + ppᵀ/s], p = v̂ − cŵ."""
    a, b, u, vh, th, s, c = _frame(w, v)
    p = vh - c * u
    return (b / (TWO_PI * a)) * (s * (np.eye(w.size) - np.outer(u, u)) + _outer_over_s(p, s))


def _hess_wv(w: Array, v: Array) -> Array:
    """∂²_wv g(w, v) = (1/2π)[(π − θ)I + cs·v̂v̂ᵀ − c·qqᵀ/s + s(v̂qᵀ + qv̂ᵀ)], q = ŵ − cv̂."""
    a, b, u, vh, th, s, c = _frame(w, v)
    q = u - c * vh
    M = (np.pi - th) * np.eye(w.size) + c * s * np.outer(vh, vh) - c * _outer_over_s(q, s)
    M += s * (np.outer(vh, q) + np.outer(q, vh))
    return M / TWO_PI


def hessian(W: ArrayLike, V: ArrayLike) -> Array:
    """∇²F(W) in closed form, (nd × nd), coordinates ordered (w_1, …, w_n) (W of shape (n, d))."""
    W = _as_weights(W)
    if W.ndim != 2:
        raise ValueError(f"W: the Hessian takes one point of shape (n, d), got {W.shape}")
    V = _check_teacher(W, V)
    n, d = W.shape
    H = np.zeros((n * d, n * d))
    for i in range(n):
        block = 0.5 * np.eye(d)
        for i2 in range(n):
            if i2 != i:
                block += _hess_ww(W[i], W[i2])
                H[i * d:(i + 1) * d, i2 * d:(i2 + 1) * d] = _hess_wv(W[i], W[i2])
        for j in range(V.shape[0]):
            block -= _hess_ww(W[i], V[j])
        H[i * d:(i + 1) * d, i * d:(i + 1) * d] = block
    return H


# ------------------------------------------------------------------ the experiment
def initial_weights(runs: int, n: int, d: int, seed: int) -> Array:
    """R × n × d initial weights, entries i.i.d. N(0, 1/d), from ``default_rng(seed)``."""
    for name, val in (("runs", runs), ("n", n), ("d", d)):
        if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 1:
            raise ValueError(f"{name}: must be a positive integer, got {val!r}")
    rng = np.random.default_rng(seed)
    return rng.standard_normal((runs, n, d)) / np.sqrt(d)


# F is a sum of ≤ (n + k)² kernel terms of size ≲ max ‖w‖‖v‖ (≈ 1 along these runs); with unit
# roundoff 1.1e-16 its float64 value is off by ≲ 1600·2.2e-16 ≈ 4e-13 for n + k ≤ 40, so a rise
# below 1e-12·max(1, |F|) is rounding, not ascent.
INCREASE_TOL = 1e-12

# status codes of a run
CONVERGED = 0  # max_i ‖∇_{w_i}F‖ ≤ tol
GOOD_EARLY = 1  # F < bad_loss reached on a monotone trajectory (stopped there)
NOT_CONVERGED = 2  # iteration cap reached first
STATUS_NAMES = {CONVERGED: "converged", GOOD_EARLY: "good_early", NOT_CONVERGED: "not_converged"}


@dataclass
class GDResult:
    """End of R gradient-descent runs (arrays indexed by run)."""

    W: Array  # end points (R, n, d)
    loss: Array  # F at the end points
    grad_max: Array  # max_i ‖∇_{w_i}F‖ at the end points
    status: NDArray[np.int64]  # CONVERGED / GOOD_EARLY / NOT_CONVERGED
    iterations: NDArray[np.int64]
    restarts: NDArray[np.int64]  # step halvings (restart from W0) per run
    step: Array  # final step per run
    loss_increases: NDArray[np.int64]  # iterations where F went up (monotonicity check)


def gradient_descent(
    W0: ArrayLike,
    V: ArrayLike,
    *,
    step: float = 0.1,
    tol: float = 1e-9,
    max_iter: int = 100_000,
    blowup: float = 1e4,
    bad_loss: float | None = 1e-3,
    max_restarts: int = 30,
) -> GDResult:
    """Full-batch GD on F for a batch of runs W0 (R, n, d), vectorized over runs.

    Each run: W ← W − η∇F(W); if ‖∇F(W)‖ > ``blowup`` (or F, ∇F stop being finite) the run
    restarts from its W0 with η/2; it stops CONVERGED when max_i ‖∇_{w_i}F‖ ≤ ``tol``. With
    ``bad_loss`` set, a run stops GOOD_EARLY as soon as F < bad_loss: GD is then a descent method
    on that run (F never rose along its trajectory beyond rounding — counted in
    ``loss_increases``), so it cannot end at F ≥ bad_loss; the early stop saves the slow
    (degenerate, sublinear) approach to the global minima of the over-specified nets. Runs still
    going after ``max_iter`` iterations, or needing more than ``max_restarts`` halvings, are
    NOT_CONVERGED. A rise of F counts in ``loss_increases`` when it exceeds
    ``INCREASE_TOL``·max(1, |F|) (the rounding of the closed form, see there).
    """
    W0 = _as_weights(W0, "W0")
    if W0.ndim != 3:
        raise ValueError(f"W0: need a batch of shape (R, n, d), got {W0.shape}")
    V = _check_teacher(W0, V)
    if not (np.isfinite(step) and step > 0):
        raise ValueError(f"step: must be positive, got {step!r}")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol: must be positive, got {tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter: must be a positive integer, got {max_iter!r}")
    _, G0 = _loss_grad(W0, V)
    g0 = np.sqrt((G0**2).sum(axis=(-1, -2)))
    if np.any(g0 > blowup):
        raise ValueError(
            f"W0: gradient norm {g0.max():.3g} > blowup = {blowup:g} at the initial point itself; "
            "restarting there with a smaller step could never help"
        )
    vconst = _teacher_constant(V)
    R = W0.shape[0]
    W_end = W0.copy()
    F_end = np.full(R, np.nan)
    g_end = np.full(R, np.nan)
    status = np.full(R, NOT_CONVERGED, dtype=np.int64)
    iters = np.zeros(R, dtype=np.int64)
    restarts = np.zeros(R, dtype=np.int64)
    steps = np.full(R, float(step))
    increases = np.zeros(R, dtype=np.int64)

    ids = np.arange(R)  # runs still going
    W = W0.copy()
    eta = steps.copy()
    F_prev = np.full(R, np.inf)
    it = 0
    while ids.size:
        F, G = _loss_grad(W, V, vconst=vconst)
        gn = np.sqrt((G * G).sum(axis=-1))  # (r, n)
        gtot = np.sqrt((gn * gn).sum(axis=-1))
        broken = (gtot > blowup) | ~(np.isfinite(F) & np.isfinite(gtot))
        blow = broken & (restarts[ids] < max_restarts)
        if np.any(blow):  # restart from the initial point with half the step
            r = ids[blow]
            W[blow] = W0[r]
            eta[blow] *= 0.5
            restarts[r] += 1
            F_prev[blow] = np.inf
            F, G = _loss_grad(W, V, vconst=vconst)
            gn = np.sqrt((G * G).sum(axis=-1))
            broken = broken & ~blow  # the restarted runs are back at W0 (finite, below blowup)
        gmax = gn.max(axis=-1)
        increases[ids] += F > F_prev + INCREASE_TOL * np.maximum(1.0, np.abs(F_prev))
        done_conv = (gmax <= tol) & ~broken
        if bad_loss is None:
            done_good = np.zeros_like(done_conv)
        else:
            done_good = (F < bad_loss) & ~done_conv & ~broken
        done = done_conv | done_good | broken | (it >= max_iter)
        if np.any(done):
            r = ids[done]
            W_end[r] = W[done]
            F_end[r] = F[done]
            g_end[r] = gmax[done]
            iters[r] = it
            steps[r] = eta[done]
            status[r] = np.where(done_conv[done], CONVERGED, np.where(done_good[done], GOOD_EARLY, NOT_CONVERGED))
            keep = ~done
            ids, W, G, F, eta = ids[keep], W[keep], G[keep], F[keep], eta[keep]
        W = W - eta[:, None, None] * G
        F_prev = F
        it += 1
    return GDResult(W_end, F_end, g_end, status, iters, restarts, steps, increases)


@dataclass
class ExperimentResult:
    """One (k, n) row of the table: how the runs ended."""

    k: int
    n: int
    runs: int
    seed: int
    bad: int  # converged with F ≥ bad_loss
    good: int  # converged with F < bad_loss, or reached F < bad_loss early
    not_converged: int  # excluded from the rate (never counted silently)
    decided: int  # bad + good: the denominator of the rate
    restarts: int
    loss_increases: int  # iterations with F rising beyond rounding, over all runs
    loss_increases_good_early: int  # … over the runs classified good early (must be 0)
    max_iterations: int
    bad_losses: list[float] = field(default_factory=list)
    gd: GDResult | None = None

    @property
    def rate(self) -> float:
        return self.bad / self.decided if self.decided else float("nan")

    def summary(self) -> dict:
        return {
            "k": self.k, "n": self.n, "runs": self.runs, "seed": self.seed, "bad": self.bad,
            "good": self.good, "not_converged": self.not_converged, "decided": self.decided,
            "rate": self.rate, "restarts": self.restarts, "loss_increases": self.loss_increases,
            "loss_increases_good_early": self.loss_increases_good_early,
            "max_iterations": self.max_iterations,
            "distinct_bad_losses": sorted({round(x, 9) for x in self.bad_losses}),
        }


def run_experiment(
    k: int,
    n: int,
    runs: int,
    seed: int,
    *,
    max_iter: int = 100_000,
    tol: float = 1e-9,
    bad_loss: float = 1e-3,
    step: float = 0.1,
) -> ExperimentResult:
    """``runs`` GD runs for teacher v_j = e_j (d = k) and student width n; classify the ends."""
    V = teacher(k)
    W0 = initial_weights(runs, n, k, seed)
    res = gradient_descent(W0, V, step=step, tol=tol, max_iter=max_iter, bad_loss=bad_loss)
    conv = res.status == CONVERGED
    bad_mask = conv & (res.loss >= bad_loss)
    good = int(np.sum(conv & (res.loss < bad_loss)) + np.sum(res.status == GOOD_EARLY))
    bad = int(bad_mask.sum())
    return ExperimentResult(
        k=k, n=n, runs=runs, seed=seed, bad=bad, good=good,
        not_converged=int(np.sum(res.status == NOT_CONVERGED)), decided=bad + good,
        restarts=int(res.restarts.sum()), loss_increases=int(res.loss_increases.sum()),
        loss_increases_good_early=int(res.loss_increases[res.status == GOOD_EARLY].sum()),
        max_iterations=int(res.iterations.max()), bad_losses=[float(x) for x in res.loss[bad_mask]],
        gd=res,
    )


def distinct_points(losses: ArrayLike, rel_tol: float = 1e-6) -> list[int]:
    """Indices of the first occurrence of each distinct loss value (relative tolerance ``rel_tol``).

    End points related by a symmetry of F (permuting student neurons; permuting the teacher's
    coordinates together with its neurons) have equal loss, so equal losses are taken as one
    orbit — a proxy: distinct losses certainly are distinct points.
    """
    L = np.asarray(losses, dtype=float)
    chosen: list[int] = []
    for i in np.argsort(L, kind="stable"):
        if all(abs(L[i] - L[j]) > rel_tol * max(abs(L[j]), 1e-300) for j in chosen):
            chosen.append(int(i))
    return sorted(chosen)


# ------------------------------------------------------------------ the Taylor certificate
def _pair_lipschitz(a: float, b: float, mixed: bool) -> tuple[float, float]:
    """Bounds on ‖D ∂²_ww g‖ and ‖D ∂²_wv g‖ along a unit direction (δw, δv) at ‖w‖ ≥ a, ‖v‖ (≤ b
    in numerators, ≥ b in denominators — the caller passes the worst case of each).

    With κ₁ = 1/a + 1/b (|Dθ| ≤ ‖δw‖/‖w‖ + ‖δv‖/‖v‖ ≤ κ₁), ‖Dŵ‖ ≤ 1/a, |Ds|, |Dc| ≤ κ₁ and the
    unit normals n = (v̂ − cŵ)/s, m = (ŵ − cv̂)/s moving at ‖Dn‖, ‖Dm‖ ≤ 3κ₁/s:
      ∂²_ww g = (‖v‖s/(2π‖w‖))·(I − ŵŵᵀ + nnᵀ)          → ‖D‖ ≤ (2/a + 4b/a² + 8bκ₁/a)/(2π);
      ∂²_wv g = ((π − θ)I + s·[c(v̂v̂ᵀ − mmᵀ) + s(v̂mᵀ + mv̂ᵀ)])/(2π) → ‖D‖ ≤ (16κ₁ + 4/b)/(2π).
    (The 1/s of the moving normals cancels against the factor s: the bounds hold up to θ → 0.)
    """
    k1 = 1.0 / a + 1.0 / b
    l_ww = (2.0 / a + 4.0 * b / a**2 + 8.0 * b * k1 / a) / TWO_PI
    l_wv = (16.0 * k1 + 4.0 / b) / TWO_PI if mixed else 0.0
    return l_ww, l_wv


def third_derivative_bound(W: ArrayLike, V: ArrayLike, alpha: float) -> dict:
    """B ≥ |d³/dt³ F(W' + tU)| for every W' in the ball ‖W' − W‖ ≤ α and unit U (REV.local-min-certificate).

    F = Σ_{i<i'} g(w_i, w_i') − Σ_{i,j} g(w_i, v_j) + Σ_i ‖w_i‖²/4 + const; the last terms have
    no third derivative. For a pair term moved along (u_i, u_i') of norm ρ ≤ 1 the third
    derivative is ≤ ρ³·L_pair with L_pair = max(‖D∂²_ww g(w_i, w_i')‖, ‖D∂²_ww g(w_i', w_i)‖) +
    ‖D∂²_wv g‖ (block-matrix norm), and ρ³ ≤ ρ² = ‖u_i‖² + ‖u_i'‖²; a teacher pair moves only
    w_i. Summing, |D³F[U, U, U]| ≤ Σ_i ‖u_i‖²·(Σ_{i'≠i} L_ii' + Σ_j L_ij) ≤ max_i(…) = B. Norms
    on the ball: ‖w_i'‖ ∈ [‖w_i‖ − α, ‖w_i‖ + α]. Requires (ValueError otherwise) every ‖w_i‖ > α
    (no zero neuron in the ball).
    """
    W = _as_weights(W)
    if W.ndim != 2:
        raise ValueError(f"W: one point of shape (n, d), got {W.shape}")
    V = _check_teacher(W, V)
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha: the ball radius must be positive, got {alpha!r}")
    norms = np.linalg.norm(W, axis=1)
    lo, hi = norms - alpha, norms + alpha
    if np.any(lo <= 0):
        raise ValueError(f"alpha: the ball of radius {alpha:g} reaches a zero neuron (min ‖w_i‖ = {norms.min():.3g})")
    bnorm = np.linalg.norm(V, axis=1)
    n = W.shape[0]
    rows = np.zeros(n)
    for i in range(n):
        total = 0.0
        for i2 in range(n):
            if i2 == i:
                continue
            # worst case of each factor: small norms in denominators, large in numerators
            l_ww_1, l_wv = _pair_lipschitz(lo[i], lo[i2], mixed=True)
            l_ww_1 = max(l_ww_1, _pair_lipschitz(lo[i], hi[i2], mixed=False)[0])
            l_ww_2 = max(_pair_lipschitz(lo[i2], lo[i], mixed=False)[0], _pair_lipschitz(lo[i2], hi[i], mixed=False)[0])
            total += max(l_ww_1, l_ww_2) + l_wv
        for j in range(V.shape[0]):
            total += _pair_lipschitz(lo[i], bnorm[j], mixed=False)[0]
        rows[i] = total
    return {"B": float(rows.max()), "alpha": float(alpha), "min_norm_on_ball": float(lo.min())}


def taylor_certificate(eps: float, lam: float, B: float, alpha: float) -> dict:
    """REV.local-min-certificate: with ‖∇F(W)‖ ≤ ε, λ_min(∇²F(W)) ≥ λ > 0 and |third derivative| ≤ B
    on the ball of radius α, F(W + tu) ≥ F(W) − εt + λt²/2 − Bt³/6 > F(W) for t ∈ (t_−, t_+),
    t_∓ = (3λ ∓ √(9λ² − 24Bε))/(2B): a local minimum lies within r of W for any r ∈ (t_−, min(t_+, α)].
    ``certified`` needs 9λ² > 24Bε and t_− < α. With B·α < λ the Hessian stays positive
    definite on the whole ball, so that minimum is strict (and the only critical point there).
    """
    for name, val in (("eps", eps), ("lam", lam), ("B", B), ("alpha", alpha)):
        if not np.isfinite(val) or val < 0:
            raise ValueError(f"{name}: must be finite and ≥ 0, got {val!r}")
    disc = 9.0 * lam**2 - 24.0 * B * eps
    if lam <= 0 or disc <= 0:
        return {"certified": False, "discriminant": disc, "t_minus": None, "t_plus": None}
    root = np.sqrt(disc)
    # the smaller root without cancellation: t_− = 12ε/(3λ + √disc) (product of the roots 6ε/B)
    t_minus = 12.0 * eps / (3.0 * lam + root)
    t_plus = (3.0 * lam + root) / (2.0 * B) if B > 0 else np.inf
    return {
        "certified": bool(t_minus < alpha),
        "discriminant": float(disc), "t_minus": float(t_minus), "t_plus": float(t_plus),
        "radius": float(min(t_plus, alpha)), "strict_on_ball": bool(B * alpha < lam),
    }
