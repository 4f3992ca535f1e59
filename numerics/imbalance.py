"""The escape eigenspace of gradient flow at the origin and the initial imbalance vector C(θ̄).

Claims ZBZ24.imbalance, ZBZ24.Thm2 (and the set-up of ZBZ24.ratio/separation/condensation).

For f_θ(x) = Σ_k a_k σ(w_kᵀx) with σ(0) = 0 and L = (1/2n) Σ_i (f_θ(x_i) − y_i)², the flow
dθ/dt = −∇L(θ) linearizes at θ = 0 to dθ/dt = −∇²L(0)·θ, and −∇²L(0) is block-diagonal over
neurons with block σ'(0)·[[0, zᵀ], [z, 0]], z = (1/n) Σ_i y_i x_i (the data vector). Its
eigenvalues are

* λ₁ = |σ'(0)|·‖z‖ (multiplicity m), eigenvectors e_k = (1, s·ẑ)/√2 in block k, s = sgn σ'(0);
* −λ₁ (multiplicity m), eigenvectors (1, −s·ẑ)/√2 in block k;
* 0 (multiplicity m(d − 1)): (0, v) with v ⊥ z in block k.

So λ₂ (the second-largest *distinct* eigenvalue of −∇²L(0), which sets the rate of Theorem 3)
is 0 when d ≥ 2 and −λ₁ when d = 1. The initial imbalance vector is the coordinate vector of
θ̄'s projection on the escape eigenspace span{e_k}:

    C_k(θ̄) = ⟨e_k, θ̄⟩ = (a_k + s·w_kᵀẑ)/√2.

The flow from εθ̄ spends the time T_ε = log(1/(ε‖C‖))/λ₁ near the origin, where it grows as
ε·e^{λ₁t}·Σ_k C_k e_k; :func:`escape_time` returns that shift.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.network import Activation, check_data, get_activation

Array = NDArray[np.float64]


def sigma_prime_zero(activation: str | Activation = "tanh") -> float:
    """σ'(0) of the activation."""
    return float(get_activation(activation).df(np.zeros(1))[0])


def data_vector(X: ArrayLike, y: ArrayLike) -> Array:
    """z = (1/n) Σ_i y_i x_i (ZBZ24's data vector, with the 1/(2n) normalization of L)."""
    X, y = check_data(X, y)
    return X.T @ y / X.shape[0]


def _unit_z(X: Array, y: Array) -> Array:
    z = data_vector(X, y)
    nz = float(np.linalg.norm(z))
    if not np.isfinite(nz) or nz <= 1e-14 * max(1.0, float(np.abs(X).max()) * float(np.abs(y).max())):
        raise ValueError("y: the data vector z = (1/n)Σ y_i x_i is 0 — the origin is not a strict saddle")
    return z / nz


def escape_rates(X: ArrayLike, y: ArrayLike, activation: str | Activation = "tanh") -> tuple[float, float]:
    """(λ₁, λ₂): the largest and second-largest distinct eigenvalues of −∇²L(0).

    λ₁ = |σ'(0)|·‖z‖; λ₂ = 0 if d ≥ 2, else −λ₁. ValueError when σ'(0)·z = 0 (no escape).
    """
    X, y = check_data(X, y)
    s1 = sigma_prime_zero(activation)
    if s1 == 0.0:
        raise ValueError("activation: σ'(0) = 0 — the origin is not a strict saddle")
    _unit_z(X, y)
    lam1 = abs(s1) * float(np.linalg.norm(data_vector(X, y)))
    lam2 = 0.0 if X.shape[1] >= 2 else -lam1
    return lam1, lam2


def escape_basis(X: ArrayLike, y: ArrayLike, m: int, activation: str | Activation = "tanh") -> Array:
    """E ∈ R^{m(d+1) × m}: orthonormal columns e_k = (1, sgn(σ'(0))·ẑ)/√2 in block k, 0 elsewhere."""
    X, y = check_data(X, y)
    if int(m) != m or m < 1:
        raise ValueError(f"m: expected a positive integer width, got {m!r}")
    d = X.shape[1]
    s = math.copysign(1.0, sigma_prime_zero(activation))
    if sigma_prime_zero(activation) == 0.0:
        raise ValueError("activation: σ'(0) = 0 — the origin is not a strict saddle")
    zhat = _unit_z(X, y)
    E = np.zeros((m * (d + 1), m))
    for k in range(m):
        E[k * (d + 1), k] = 1.0 / math.sqrt(2.0)
        E[k * (d + 1) + 1 : (k + 1) * (d + 1), k] = s * zhat / math.sqrt(2.0)
    return E


def imbalance_vector(theta_bar: ArrayLike, X: ArrayLike, y: ArrayLike, activation: str | Activation = "tanh") -> Array:
    """C(θ̄) with C_k = (a_k + sgn(σ'(0))·w_kᵀẑ)/√2 (ZBZ24.imbalance). θ̄ may be (p,) or (B, p)."""
    X, y = check_data(X, y)
    theta_bar = np.asarray(theta_bar, dtype=float)
    p = theta_bar.shape[-1]
    d = X.shape[1]
    if p % (d + 1):
        raise ValueError(f"theta_bar: length {p} is not a multiple of d + 1 = {d + 1}")
    if not np.all(np.isfinite(theta_bar)):
        raise ValueError("theta_bar: contains NaN or inf")
    E = escape_basis(X, y, p // (d + 1), activation)
    return theta_bar @ E


def init_with_imbalance(
    C: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    orthogonal: ArrayLike | None = None,
    activation: str | Activation = "tanh",
) -> Array:
    """θ̄ = Σ_k C_k e_k + (I − EEᵀ)·v: the given imbalance vector C plus the part of ``orthogonal``
    (v ∈ R^{m(d+1)}, default 0) orthogonal to the escape eigenspace."""
    C = np.asarray(C, dtype=float)
    if C.ndim != 1 or C.size == 0 or not np.all(np.isfinite(C)):
        raise ValueError(f"C: expected a finite 1-d array, got shape {C.shape}")
    E = escape_basis(X, y, C.size, activation)
    theta = E @ C
    if orthogonal is not None:
        v = np.asarray(orthogonal, dtype=float)
        if v.shape != theta.shape or not np.all(np.isfinite(v)):
            raise ValueError(f"orthogonal: expected a finite array of shape {theta.shape}, got {v.shape}")
        theta = theta + v - E @ (E.T @ v)
    return theta


def escape_time(eps: float, C_norm: float, lam1: float) -> float:
    """T_ε = log(1/(ε‖C‖))/λ₁: the time the linearized flow from εθ̄ needs to reach size ~1."""
    if not (eps > 0 and C_norm > 0 and lam1 > 0):
        raise ValueError(f"eps, C_norm, lam1: need positive values, got {eps}, {C_norm}, {lam1}")
    return math.log(1.0 / (eps * C_norm)) / lam1


class RateFit(NamedTuple):
    """Least-squares fit log10 D = α·log10 ε + β with a t-interval for α from the residuals."""

    exponent: float  # α
    intercept: float  # β
    stderr: float  # standard error of α from the residuals
    half_width: float  # t_{1−δ/2, K−2}·stderr, δ = 1 − confidence
    confidence: float
    residuals: Array  # log10 D − fit


def fit_rate(eps: ArrayLike, dist: ArrayLike, confidence: float = 0.999) -> RateFit:
    """Fit D(ε) ≈ A·ε^α on a log–log scale (ZBZ24.imbalance/Thm2: α = 1 − λ₂/λ₁ predicted).

    The interval α ± t_{1−δ/2, K−2}·se(α) comes from the fit's residuals (K = number of ε's ≥ 3).
    """
    from scipy import stats

    e = np.asarray(eps, dtype=float)
    D = np.asarray(dist, dtype=float)
    if e.ndim != 1 or e.shape != D.shape or e.size < 3:
        raise ValueError(f"eps, dist: need two 1-d arrays of equal length ≥ 3, got {e.shape}, {D.shape}")
    if not (np.all(e > 0) and np.all(np.isfinite(e))):
        raise ValueError("eps: need positive finite scales")
    if not (np.all(D > 0) and np.all(np.isfinite(D))):
        raise ValueError("dist: need positive finite distances (a zero distance has no logarithm)")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: expected 0 < confidence < 1, got {confidence}")
    x, v = np.log10(e), np.log10(D)
    A = np.vstack([x, np.ones_like(x)]).T
    (alpha, beta), *_ = np.linalg.lstsq(A, v, rcond=None)
    res = v - (alpha * x + beta)
    dof = x.size - 2
    s2 = float(res @ res) / dof if dof > 0 else 0.0
    se = math.sqrt(s2 / float(((x - x.mean()) ** 2).sum()))
    hw = float(stats.t.ppf(1 - (1 - confidence) / 2, dof)) * se
    return RateFit(float(alpha), float(beta), se, hw, confidence, res)
