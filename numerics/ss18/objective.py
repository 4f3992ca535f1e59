"""F, ∇F and ∇²F of Safran & Shamir (2018)'s population objective, in float64 (claim REV.ss18-table).

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

The experiment lives in :mod:`numerics.ss18.dynamics` and :mod:`numerics.ss18.experiment`, the
rigorous (ball-arithmetic) certificate of its bad end points in :mod:`numerics.ss18.certificate`.
:func:`third_derivative_bound` bounds the Lipschitz constant of ∇²F on a ball from per-pair
Lipschitz bounds of the Hessian blocks (derived by hand in its docstring; tests compare it with
finite-difference third derivatives; the certificate evaluates the same formula in ball
arithmetic), and :func:`taylor_certificate` evaluates the Taylor interval (t_−, t_+) of the review.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

__all__ = [
    "kernel",
    "kernel_angle",
    "teacher",
    "loss",
    "loss_and_gradient",
    "gradient",
    "hessian",
    "third_derivative_bound",
    "taylor_certificate",
]

TWO_PI = 2.0 * np.pi

# ------------------------------------------------------------------ input validation
def as_real_array(x: ArrayLike, name: str) -> Array:
    """``x`` as a float64 array; ValueError naming ``name`` for complex, non-numeric or NaN/∞ input."""
    raw = np.asarray(x)
    if np.iscomplexobj(raw):
        raise ValueError(f"{name}: complex entries are not allowed (F is a function of real weights)")
    if raw.dtype == object or not (np.issubdtype(raw.dtype, np.number) or raw.dtype == np.bool_):
        raise ValueError(f"{name}: need a real numeric array, got dtype {raw.dtype}")
    arr = raw.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite entries")
    return arr


# |w_i| beyond this overflows ‖w_i‖² or the products ‖w‖‖v‖ of the closed form (float64 max 1.8e308)
MAX_WEIGHT = 1e150


def _as_weights(W: ArrayLike, name: str = "W") -> Array:
    arr = as_real_array(W, name)
    if arr.ndim < 2 or arr.shape[-1] < 1 or arr.shape[-2] < 1:
        raise ValueError(f"{name}: need shape (..., n, d) with n, d ≥ 1, got {arr.shape}")
    if np.abs(arr).max() > MAX_WEIGHT:
        raise ValueError(
            f"{name}: entries up to {np.abs(arr).max():.3g} overflow the closed form "
            f"(‖w‖² and ‖w‖‖v‖ in float64); need |entries| ≤ {MAX_WEIGHT:g}"
        )
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
    w = as_real_array(w, "w")
    v = as_real_array(v, "v")
    if w.shape[-1] != v.shape[-1]:
        raise ValueError(f"v: dimension {v.shape[-1]} differs from w's {w.shape[-1]}")
    a = np.linalg.norm(w, axis=-1)
    b = np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(a[..., None] > 0, w / np.where(a > 0, a, 1.0)[..., None], 0.0)
        vh = np.where(b[..., None] > 0, v / np.where(b > 0, b, 1.0)[..., None], 0.0)
    return a * b * kernel_angle(_angle(u, vh))


# ------------------------------------------------------------------ loss and gradient
def _check_teacher(W: Array, V: ArrayLike) -> Array:
    V = as_real_array(V, "V")
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


def _hessian_loops(W: Array, V: Array) -> Array:
    """∇²F pair by pair (the reference the vectorized :func:`hessian` is tested against)."""
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


def _ww_sum(U: Array, a: Array, X: Array, sign: Array) -> Array:
    """Σ_x sign_x·∂²_ww g(w_i, x) for every row i (n, d, d): (‖x‖/(2πa_i))[s(I − ûûᵀ) + ppᵀ/s]."""
    b = np.linalg.norm(X, axis=1)
    Xh = X / b[:, None]
    th = _angle(U[:, None, :], Xh[None, :, :])
    sn, c = np.sin(th), np.cos(th)
    P = Xh[None, :, :] - c[:, :, None] * U[:, None, :]  # (n, m, d)
    wgt = sign[None, :] * b[None, :] / np.where(sn > 1e-300, sn, np.inf)  # ppᵀ/s → 0 as s → 0
    S = (sign[None, :] * b[None, :] * sn).sum(1)  # Σ sign·‖x‖·s
    d = U.shape[1]
    proj = np.eye(d)[None] - U[:, :, None] * U[:, None, :]
    return (S[:, None, None] * proj + np.einsum("im,imd,ime->ide", wgt, P, P)) / (TWO_PI * a[:, None, None])


def hessian(W: ArrayLike, V: ArrayLike) -> Array:
    """∇²F(W) in closed form, (nd × nd), coordinates ordered (w_1, …, w_n) (W of shape (n, d)).

    Vectorized over pairs (module docstring's blocks); equal to the pair-by-pair
    :func:`_hessian_loops` to rounding (tested)."""
    W = _as_weights(W)
    if W.ndim != 2:
        raise ValueError(f"W: the Hessian takes one point of shape (n, d), got {W.shape}")
    V = _check_teacher(W, V)
    n, d = W.shape
    a = np.linalg.norm(W, axis=1)
    U = W / a[:, None]
    off = ~np.eye(n, dtype=bool)
    diag = _ww_sum(U, a, W, np.ones(n))
    # the i' = i term of Σ_{i'} (θ = 0, p = 0) contributes nothing; remove nothing
    diag -= _ww_sum(U, a, V, np.ones(V.shape[0]))
    diag += 0.5 * np.eye(d)[None]
    # off-diagonal blocks ∂²_wv g(w_i, w_i') = [(π−θ)I + cs v̂v̂ᵀ − c qqᵀ/s + s(v̂qᵀ + qv̂ᵀ)]/(2π), v̂ = û_i'
    th = _angle(U[:, None, :], U[None, :, :])
    sn, c = np.sin(th), np.cos(th)
    Vh = np.broadcast_to(U[None, :, :], (n, n, d))
    Q = U[:, None, :] - c[:, :, None] * Vh
    inv_s = 1.0 / np.where(sn > 1e-300, sn, np.inf)
    M = (np.pi - th)[:, :, None, None] * np.eye(d)
    M = M + (c * sn)[:, :, None, None] * Vh[..., :, None] * Vh[..., None, :]
    M = M - (c * inv_s)[:, :, None, None] * Q[..., :, None] * Q[..., None, :]
    M = M + sn[:, :, None, None] * (Vh[..., :, None] * Q[..., None, :] + Q[..., :, None] * Vh[..., None, :])
    M = M / TWO_PI
    M[~off] = 0.0
    M[np.arange(n), np.arange(n)] = diag
    return M.transpose(0, 2, 1, 3).reshape(n * d, n * d)


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
