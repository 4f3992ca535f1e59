"""Two-layer networks f_θ(x) = Σ_k a_k σ(w_kᵀx), their squared loss, gradient and Hessian.

One source of truth for the network used across the sources:

* SS16 writes N_n(W, v)(x) = Σ_i v_i [⟨w_i, x⟩]_+ (``a`` is SS16's ``v``, σ = ReLU) and
  L_S = (1/m) Σ_t (N(x_t) − y_t)²  — ``normalization="mean"``.
* ZBZ24 writes f_θ(x) = Σ_k a_k σ(w_kᵀx) and L(θ) = (1/2n) Σ_i (f_θ(x_i) − y_i)²
  — ``normalization="half_mean"`` (the default).

Parameters are packed per neuron as θ = (a_1, w_1, a_2, w_2, …) ∈ R^{m(d+1)}, the block order in
which ZBZ24's Hessian at the origin is block-diagonal (claim ZBZ24.hessian-origin).

ReLU'(0) is pinned to 0 and ReLU''(x) to 0 (the one-sided convention of SS16's basins, where a
point on a boundary never enters a check); smooth activations carry exact derivatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
Normalization = Literal["half_mean", "mean"]


@dataclass(frozen=True)
class Activation:
    """An activation σ with its first and second derivatives (vectorized)."""

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    d2f: Callable[[Array], Array]

    def __call__(self, x: Array) -> Array:
        return self.f(x)


def _tanh_d1(x: Array) -> Array:
    return 1.0 - np.tanh(x) ** 2


def _tanh_d2(x: Array) -> Array:
    t = np.tanh(x)
    return -2.0 * t * (1.0 - t * t)


def _sigmoid(x: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(
        "relu",
        lambda x: np.maximum(x, 0.0),
        lambda x: (x > 0).astype(float),  # ReLU'(0) := 0, pinned
        lambda x: np.zeros_like(x, dtype=float),
    ),
    "tanh": Activation("tanh", np.tanh, _tanh_d1, _tanh_d2),
    # σ(0) = 0, σ'(0) = 1, σ''(0) = 2: a second smooth activation with a non-zero curvature.
    "x_plus_x2": Activation(
        "x_plus_x2", lambda x: x + x * x, lambda x: 1.0 + 2.0 * x, lambda x: np.full_like(x, 2.0)
    ),
    "sin": Activation("sin", np.sin, np.cos, lambda x: -np.sin(x)),
    # σ(0) = 1/2 ≠ 0: the negative control of ZBZ24.origin-critical.
    "sigmoid": Activation(
        "sigmoid",
        _sigmoid,
        lambda x: _sigmoid(x) * (1.0 - _sigmoid(x)),
        lambda x: _sigmoid(x) * (1.0 - _sigmoid(x)) * (1.0 - 2.0 * _sigmoid(x)),
    ),
}


def get_activation(activation: str | Activation) -> Activation:
    """Look up an activation by name (``relu``, ``tanh``, ``x_plus_x2``, ``sin``, ``sigmoid``)."""
    if isinstance(activation, Activation):
        return activation
    try:
        return ACTIVATIONS[activation]
    except KeyError:
        raise ValueError(
            f"activation: unknown name {activation!r}; known: {sorted(ACTIVATIONS)}"
        ) from None


def real_array(x: ArrayLike, name: str) -> Array:
    """``x`` as a float64 array; TypeError naming ``name`` for complex or non-numeric input
    (NumPy would drop an imaginary part with only a ComplexWarning)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    return arr.astype(float, copy=False)


def finite_result(value: Array, names: str) -> Array:
    """``value`` unchanged if finite; else ValueError naming the arguments whose size overflowed
    float64 (finite inputs whose loss, gradient or Hessian exceeds ~1.8e308)."""
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{names}: the result overflows float64 (inputs too large in magnitude)")
    return value


def check_data(X: ArrayLike, y: ArrayLike | None = None) -> tuple[Array, Array | None]:
    """Validate a data matrix X (samples × d) and targets y; ValueError names the argument."""
    X = real_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X: expected a 2-d array (samples × features), got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError("X: zero data points")
    if X.shape[1] == 0:
        raise ValueError("X: zero features")
    if not np.all(np.isfinite(X)):
        raise ValueError("X: contains NaN or inf")
    if y is None:
        return X, None
    y = real_array(y, "y")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y: expected shape ({X.shape[0]},), got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("y: contains NaN or inf")
    return X, y


def pack(a: ArrayLike, W: ArrayLike) -> Array:
    """θ = (a_1, w_1, …, a_m, w_m) from output weights a (m,) and hidden weights W (m × d)."""
    a = real_array(a, "a")
    W = real_array(W, "W")
    if W.ndim != 2 or a.shape != (W.shape[0],):
        raise ValueError(f"a, W: expected shapes (m,) and (m, d), got {a.shape} and {W.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(W))):
        raise ValueError("a, W: contain NaN or inf")
    return np.concatenate([a[:, None], W], axis=1).ravel()


def unpack(theta: ArrayLike, d: int) -> tuple[Array, Array]:
    """Inverse of :func:`pack`: (a, W) from θ ∈ R^{m(d+1)}."""
    theta = real_array(theta, "theta")
    if theta.ndim != 1 or theta.size % (d + 1) != 0:
        raise ValueError(f"theta: length {theta.size} is not a multiple of d + 1 = {d + 1}")
    blocks = theta.reshape(-1, d + 1)
    return blocks[:, 0].copy(), blocks[:, 1:].copy()


def _scale(n: int, normalization: Normalization) -> float:
    """L = c · Σ_i r_i²  with c = 1/(2n) (half_mean) or 1/n (mean)."""
    if normalization == "half_mean":
        return 1.0 / (2.0 * n)
    if normalization == "mean":
        return 1.0 / n
    raise ValueError(f"normalization: expected 'half_mean' or 'mean', got {normalization!r}")


def forward(a: ArrayLike, W: ArrayLike, X: ArrayLike, activation: str | Activation = "tanh") -> Array:
    """Predictions f(x_i) = Σ_k a_k σ(w_kᵀx_i) for every row x_i of X."""
    X, _ = check_data(X)
    a = real_array(a, "a")
    W = real_array(W, "W")
    if W.ndim != 2 or W.shape[1] != X.shape[1] or a.shape != (W.shape[0],):
        raise ValueError(
            f"a, W: expected shapes (m,) and (m, {X.shape[1]}), got {a.shape} and {W.shape}"
        )
    return batched_predict(pack(a, W), X, activation)[0]


def _stack(thetas: ArrayLike, d: int) -> Array:
    T = real_array(thetas, "thetas")
    if T.ndim == 1:
        T = T[None, :]
    if T.ndim != 2 or T.shape[1] % (d + 1) or T.shape[1] == 0:
        raise ValueError(f"thetas: expected (B, m(d+1)) with d + 1 = {d + 1}, got shape {T.shape}")
    if not np.all(np.isfinite(T)):
        raise ValueError("thetas: contains NaN or inf")
    return T


def batched_predict(thetas: ArrayLike, X: ArrayLike, activation: str | Activation = "tanh") -> Array:
    """f_θ(x_i) for a stack of θ's: (B, n)."""
    sigma = get_activation(activation)
    X, _ = check_data(X)
    T = _stack(thetas, X.shape[1])
    blocks = T.reshape(T.shape[0], -1, X.shape[1] + 1)
    A, W = blocks[:, :, 0], blocks[:, :, 1:]
    return np.einsum("bm,bmn->bn", A, sigma(W @ X.T))


def batched_loss(
    thetas: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    activation: str | Activation = "tanh",
    normalization: Normalization = "half_mean",
) -> Array:
    """L(θ) for a stack of θ's: (B,)."""
    X, y = check_data(X, y)
    r = batched_predict(thetas, X, activation) - y
    with np.errstate(over="ignore", invalid="ignore"):
        value = _scale(X.shape[0], normalization) * np.einsum("bn,bn->b", r, r)
    return finite_result(value, "thetas, X, y")


def _grad_unchecked(T: Array, X: Array, y: Array, sigma: Activation, weights: float | Array, d: int) -> Array:
    """The batched gradient without input checks: Σ_i ω_i r_i (σ(z_ik), a_k σ'(z_ik) x_i)_k.

    X is one data set (n, d) shared by the B runs, or one per run (B, n, d) with y (B, n);
    ``weights`` ω is 2c (a number) or per-run, per-sample weights (B, n) (zero for padding).
    """
    B = T.shape[0]
    blocks = T.reshape(B, -1, d + 1)
    A, W = blocks[:, :, 0], blocks[:, :, 1:]
    Z = W @ np.swapaxes(X, -1, -2)  # (B, m, n)
    S = sigma(Z)
    r = (np.einsum("bm,bmn->bn", A, S) - y) * weights  # ω_i r_i, (B, n)
    G = np.empty_like(blocks)
    G[:, :, 0] = np.einsum("bmn,bn->bm", S, r)
    G[:, :, 1:] = A[:, :, None] * ((sigma.df(Z) * r[:, None, :]) @ X)
    return G.reshape(B, -1)


def batched_gradient(
    thetas: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    activation: str | Activation = "tanh",
    normalization: Normalization = "half_mean",
) -> Array:
    """∇L(θ) for a stack of θ's (B, p): ∂L/∂a_k = 2c Σ_i r_i σ(w_kᵀx_i), ∂L/∂w_k = 2c Σ_i r_i a_k σ'(w_kᵀx_i) x_i."""
    sigma = get_activation(activation)
    X, y = check_data(X, y)
    T = _stack(thetas, X.shape[1])
    c2 = 2.0 * _scale(X.shape[0], normalization)
    with np.errstate(over="ignore", invalid="ignore"):
        value = _grad_unchecked(T, X, y, sigma, c2, X.shape[1])
    return finite_result(value, "thetas, X, y")


def loss(
    theta: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    activation: str | Activation = "tanh",
    normalization: Normalization = "half_mean",
) -> float:
    """Squared loss c·Σ_i (f_θ(x_i) − y_i)² of the packed parameters θ (the B = 1 batch)."""
    X, _ = check_data(X)
    unpack(theta, X.shape[1])  # validates the length of θ
    try:
        return float(batched_loss(theta, X, y, activation, normalization)[0])
    except ValueError as exc:  # the batched names (thetas) → this function's (theta)
        raise ValueError(str(exc).replace("thetas", "theta", 1)) from None


def gradient(
    theta: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    activation: str | Activation = "tanh",
    normalization: Normalization = "half_mean",
) -> Array:
    """∇L(θ) in packed order (the B = 1 case of :func:`batched_gradient`)."""
    X, _ = check_data(X)
    unpack(theta, X.shape[1])
    try:
        return batched_gradient(theta, X, y, activation, normalization)[0]
    except ValueError as exc:
        raise ValueError(str(exc).replace("thetas", "theta", 1)) from None


def hessian(
    theta: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    activation: str | Activation = "tanh",
    normalization: Normalization = "half_mean",
) -> Array:
    """Analytic ∇²L(θ) = 2c Σ_i (∇f_i ∇f_iᵀ + r_i ∇²f_i), in packed order.

    ∇f_i = (σ(z_ik), a_k σ'(z_ik) x_i)_k;  ∇²f_i is block-diagonal over neurons with
    ∂²f/∂a_k∂w_k = σ'(z_ik) x_i,  ∂²f/∂w_k² = a_k σ''(z_ik) x_i x_iᵀ,  ∂²f/∂a_k² = 0.
    """
    sigma = get_activation(activation)
    X, y = check_data(X, y)
    n, d = X.shape
    a, W = unpack(theta, d)
    m = a.size
    Z = X @ W.T
    S, S1, S2 = sigma(Z), sigma.df(Z), sigma.d2f(Z)
    r = S @ a - y
    # Jacobian J (n × m(d+1)) of the predictions, packed per neuron.
    J = np.empty((n, m, d + 1))
    J[:, :, 0] = S
    J[:, :, 1:] = (S1 * a[None, :])[:, :, None] * X[:, None, :]
    J = J.reshape(n, m * (d + 1))
    H = J.T @ J
    for k in range(m):
        blk = slice(k * (d + 1), (k + 1) * (d + 1))
        cross = X.T @ (r * S1[:, k])  # Σ_i r_i σ'(z_ik) x_i
        curv = (X * (r * S2[:, k] * a[k])[:, None]).T @ X
        Hk = np.zeros((d + 1, d + 1))
        Hk[0, 1:] = cross
        Hk[1:, 0] = cross
        Hk[1:, 1:] = curv
        H[blk, blk] += Hk
    return 2.0 * _scale(n, normalization) * H


def finite_difference_hessian(f: Callable[[Array], float], theta: ArrayLike, h: float) -> Array:
    """Central second differences of a scalar f at θ with step h (error O(h²)·max|f''''|).

    ∂²f/∂θ_i∂θ_j ≈ [f(θ+he_i+he_j) − f(θ+he_i−he_j) − f(θ−he_i+he_j) + f(θ−he_i−he_j)] / (4h²).
    """
    theta = real_array(theta, "theta")
    p = theta.size
    E = np.eye(p) * h
    H = np.empty((p, p))
    for i in range(p):
        for j in range(i, p):
            v = (
                f(theta + E[i] + E[j])
                - f(theta + E[i] - E[j])
                - f(theta - E[i] + E[j])
                + f(theta - E[i] - E[j])
            ) / (4.0 * h * h)
            H[i, j] = H[j, i] = v
    return H
