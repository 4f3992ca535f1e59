"""SGD on a linear model: iterates, the Azizan–Hassibi energy ratio, the implicit-regularization limit.

Claims REV.sgd-minimax and REV.sgd-implicit-reg (the review's §5, restating Azizan & Hassibi).

Setting (batch size 1, samples visited in the given order, deterministic):

    y_i = x_iᵀw + v_i                        (w: any "true" weight, v_i: the disturbance)
    w_i = w_{i−1} + η·r_i·x_i,   r_i = y_i − x_iᵀw_{i−1}          (the SGD step (8))
    e_{p,i} = x_iᵀw − x_iᵀw_{i−1}            (the prediction error of the unknown part)

Lemma 1 (re-derived, REV.sgd-identity): with w̃_i = w − w_i, w̃_i = w̃_{i−1} − η r_i x_i and
r_i = v_i + e_{p,i}, so

    ‖w̃_{i−1}‖² + η v_i² = ‖w̃_i‖² + η(1 − η‖x_i‖²) r_i² + η e_{p,i}².

Summed over i = 1..T (Lemma 2) this gives the *exact* energy ratio of the minimax problem (11):

    ratio(w, v) = (‖w − w_T‖² + η Σ e_{p,i}²) / (‖w − w_0‖² + η Σ v_i²)
                = 1 − η Σ_i (1 − η‖x_i‖²) r_i² / (‖w − w_0‖² + η Σ v_i²).

So ratio ≤ 1 whenever η ≤ 1/‖x_i‖² for every i, and ratio = 1 exactly when every innovation
r_i vanishes — the maximizing disturbance v_i = −x_iᵀ(w − w_0) (SGD never moves, w_i = w_0).
If η‖x_j‖² > 1 for some j, a disturbance with r_i = 0 for i ≠ j and r_j ≠ 0 gives ratio > 1.

The errors (w − w_T, e_p) are linear in z = (w − w_0, v) (the error recursion does not involve
w_0), so the ratio is a generalized Rayleigh quotient zᵀAz / zᵀBz; its supremum over all
disturbances is the largest generalized eigenvalue of (A, B) (:func:`worst_case_ratio`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from numerics.network import check_data

Array = NDArray[np.float64]


def _check_eta(eta: float) -> float:
    eta = float(eta)
    if not np.isfinite(eta) or eta <= 0:
        raise ValueError(f"eta: expected a finite step > 0, got {eta!r}")
    return eta


def _check_vector(v: ArrayLike, n: int, name: str) -> Array:
    v = np.asarray(v, dtype=float)
    if v.shape != (n,):
        raise ValueError(f"{name}: expected shape ({n},), got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name}: contains NaN or inf")
    return v


def step_bound(X: ArrayLike) -> float:
    """min_i 1/‖x_i‖², the step bound of Theorem 4 (ValueError if a sample is 0)."""
    X, _ = check_data(X)
    sq = np.einsum("ij,ij->i", X, X)
    if np.any(sq == 0):
        raise ValueError("X: a sample x_i = 0 (the bound min_i 1/‖x_i‖² is then infinite)")
    return float(1.0 / sq.max())


def sgd(w0: ArrayLike, X: ArrayLike, y: ArrayLike, eta: float, epochs: int = 1) -> Array:
    """SGD iterates w_0, w_1, …, w_{epochs·n} (rows), visiting the samples cyclically in order.

    w_i = w_{i−1} − η (x_iᵀw_{i−1} − y_i) x_i   — equation (8) of the review.
    """
    X, y = check_data(X, y)
    n, d = X.shape
    w = _check_vector(w0, d, "w0").copy()
    eta = _check_eta(eta)
    if int(epochs) < 1:
        raise ValueError(f"epochs: expected ≥ 1, got {epochs!r}")
    out = np.empty((int(epochs) * n + 1, d))
    out[0] = w
    k = 0
    for _ in range(int(epochs)):
        for i in range(n):
            r = y[i] - X[i] @ w
            w = w + eta * r * X[i]
            k += 1
            out[k] = w
    return out


@dataclass(frozen=True)
class EnergyRatio:
    """The two sides of (11) for one disturbance, and the identity's prediction of their ratio."""

    numerator: float  # ‖w − w_T‖² + η Σ e_{p,i}²
    denominator: float  # ‖w − w_0‖² + η Σ v_i²
    ratio: float
    identity_ratio: float  # 1 − η Σ (1 − η‖x_i‖²) r_i² / denominator
    innovations: Array  # r_i


def energy_ratio(w: ArrayLike, w0: ArrayLike, v: ArrayLike, X: ArrayLike, eta: float) -> EnergyRatio:
    """Run SGD (one pass) on y_i = x_iᵀw + v_i from w_0 and evaluate the energy ratio of (11)."""
    X, _ = check_data(X)
    n, d = X.shape
    w = _check_vector(w, d, "w")
    w0 = _check_vector(w0, d, "w0")
    v = _check_vector(v, n, "v")
    eta = _check_eta(eta)
    y = X @ w + v
    W = sgd(w0, X, y, eta)
    ep = np.einsum("ij,ij->i", X, w[None, :] - W[:-1])  # x_iᵀ(w − w_{i−1})
    r = y - np.einsum("ij,ij->i", X, W[:-1])
    num = float(np.sum((w - W[-1]) ** 2) + eta * ep @ ep)
    den = float(np.sum((w - w0) ** 2) + eta * v @ v)
    if den == 0:
        raise ValueError("w, v: zero disturbance energy (w = w_0 and v = 0): the ratio is 0/0")
    sq = np.einsum("ij,ij->i", X, X)
    ident = 1.0 - eta * float(np.sum((1.0 - eta * sq) * r * r)) / den
    return EnergyRatio(num, den, num / den, ident, r)


def maximizing_disturbance(w: ArrayLike, w0: ArrayLike, X: ArrayLike) -> Array:
    """v_i = −x_iᵀ(w − w_0): every innovation is 0, SGD stays at w_0, and the ratio is exactly 1."""
    X, _ = check_data(X)
    d = X.shape[1]
    w = _check_vector(w, d, "w")
    w0 = _check_vector(w0, d, "w0")
    return -(X @ (w - w0))


def error_operators(X: ArrayLike, eta: float) -> tuple[Array, Array]:
    """Matrices (A, B) with numerator = zᵀAz and denominator = zᵀBz for z = (w − w_0, v).

    The error recursion w̃_i = (I − η x_i x_iᵀ) w̃_{i−1} − η v_i x_i, e_{p,i} = x_iᵀw̃_{i−1}
    is linear in z; A = Gᵀ diag(1, …, 1, η, …, η) G with G stacking w̃_T and (e_{p,i})_i,
    B = diag(1_d, η·1_n).
    """
    X, _ = check_data(X)
    n, d = X.shape
    eta = _check_eta(eta)
    p = d + n
    Wt = np.zeros((d, p))  # w̃ as a linear function of z
    Wt[:, :d] = np.eye(d)
    Ep = np.zeros((n, p))
    for i in range(n):
        Ep[i] = X[i] @ Wt
        ri = Ep[i].copy()
        ri[d + i] += 1.0  # r_i = e_{p,i} + v_i
        Wt = Wt - eta * np.outer(X[i], ri)
    A = Wt.T @ Wt + eta * Ep.T @ Ep
    B = np.diag(np.concatenate([np.ones(d), np.full(n, eta)]))
    return A, B


def worst_case_ratio(X: ArrayLike, eta: float) -> tuple[float, Array]:
    """sup over (w − w_0, v) ≠ 0 of the energy ratio: the largest generalized eigenvalue of (A, B),
    with its eigenvector z* = (w − w_0, v) (normalized to z*ᵀBz* = 1)."""
    A, B = error_operators(X, eta)
    vals, vecs = scipy.linalg.eigh(A, B)
    return float(vals[-1]), vecs[:, -1]


def min_norm_limit(w0: ArrayLike, X: ArrayLike, y: ArrayLike) -> Array:
    """w_0 + X⁺(y − X w_0): the interpolating solution closest to w_0 (REV.sgd-implicit-reg)."""
    X, y = check_data(X, y)
    w0 = _check_vector(w0, X.shape[1], "w0")
    return w0 + np.linalg.pinv(X) @ (y - X @ w0)


def epoch_contraction(X: ArrayLike, eta: float) -> float:
    """ρ = ‖M restricted to row(X)‖₂ for the epoch map M = Π_{i=n..1}(I − η x_i x_iᵀ).

    SGD's error w_k − w_∞ stays in row(X) (every step moves along some x_i, and w_∞ − w_0 ∈ row(X)),
    so after K epochs ‖w_K − w_∞‖ ≤ ρ^K ‖w_0 − w_∞‖ in exact arithmetic. ρ < 1 when
    0 < η < 2/‖x_i‖² for all i and X has full row rank.
    """
    X, _ = check_data(X)
    n, d = X.shape
    eta = _check_eta(eta)
    M = np.eye(d)
    for i in range(n):
        M = (np.eye(d) - eta * np.outer(X[i], X[i])) @ M
    Q, _ = np.linalg.qr(X.T)  # orthonormal basis of row(X) (X has full row rank)
    if np.linalg.matrix_rank(X) < n:
        raise ValueError("X: rows are linearly dependent (need full row rank for interpolation)")
    return float(np.linalg.norm(M @ Q, 2))
