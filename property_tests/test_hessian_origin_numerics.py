"""ZBZ24 at the origin: the SymPy closed form against the project's NumPy numerics (Hypothesis).

For random data and σ ∈ {tanh, x + x², −tanh} (σ(0) = 0, σ'(0) = 1, 1, −1) at θ = 0:

* the closed form ∇²L(0) = I_m ⊗ (−σ'(0)[[0, zᵀ], [z, 0]]) of theory.hessian_origin (evaluated
  at the numeric z) equals ``numerics.network.hessian`` (analytic) up to rounding, and
  ``finite_difference_hessian`` up to the step's truncation + rounding error;
* ``eigh``'s top eigenvalue equals |σ'(0)|‖z‖ (Weyl) and its top-m eigenspace is the closed-form
  one (principal angles, Davis–Kahan), within tolerances derived from those errors;
* negative control: the sigmoid (σ(0) = ½ ≠ 0) — the origin is not critical — is caught.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
import scipy.linalg
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from numerics import Activation, finite_difference_hessian, gradient, hessian, loss
from overspec.testing import ClaimRejected
from theory import hessian_at_origin, origin_spectrum

EPS = np.finfo(float).eps
H_STEP = 1e-4  # finite-difference step: balances truncation O(h²·M4) and rounding O(eps·L/h²)

NEG_TANH = Activation(
    "neg_tanh",
    lambda x: -np.tanh(x),
    lambda x: -(1.0 - np.tanh(x) ** 2),
    lambda x: 2.0 * np.tanh(x) * (1.0 - np.tanh(x) ** 2),
)
# σ'(0) and σ'''(0) of each activation (σ'''(0) enters the finite-difference error bound)
ACTS: dict[str, tuple[str | Activation, int, float]] = {
    "tanh": ("tanh", 1, -2.0),
    "x_plus_x2": ("x_plus_x2", 1, 0.0),
    "neg_tanh": (NEG_TANH, -1, 2.0),
}


@lru_cache(maxsize=None)
def closed_form(d: int, width: int, dsigma0: int):
    """(H(z), top-eigenvectors(z), top(z)) of theory.hessian_origin as NumPy callables of z."""
    zs = sp.symbols(f"z_1:{d + 1}", real=True)
    H = hessian_at_origin(d, width, dsigma0=dsigma0)
    spec = origin_spectrum(d, width, dsigma0=dsigma0)
    V = sp.Matrix.hstack(*spec.top_vectors)
    return (
        sp.lambdify([zs], H, "numpy"),
        sp.lambdify([zs], V, "numpy"),
        sp.lambdify([zs], spec.top, "numpy"),
    )


def random_data(seed: int, n: int, d: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal((n, d)), rng.standard_normal(n)


def tolerances(X: np.ndarray, y: np.ndarray, dsigma0: int, d3: float) -> dict[str, float]:
    """Error bounds (max-entry) of the two numerical Hessians at θ = 0.

    analytic: each entry is a mean of n products y_i·x_ij (times σ'(0)); summation rounding is
      ≤ n·eps·max_i|y_i x_ij|, ×4 for the Jacobian products and the final scaling.
    finite differences (4-point stencil, step h): truncation ≤ (h²/6)·(|∂_i³∂_j L| + |∂_i∂_j³ L|)
      ≤ (h²/3)·M4 with M4 = max_i(|y_i||σ'''(0)|‖x_i‖∞³ + 3σ'(0)²‖x_i‖∞²) the bound on 4th
      derivatives at 0 (only (a,w,w,w) derivatives of f and products of two (a,w) ones survive),
      doubled for the variation within the 2h-box; rounding ≤ 4·(n + 2)·eps·L(0)/(4h²), since
      each loss value carries relative error ≤ (n + 2)·eps.
    """
    n = X.shape[0]
    xinf = np.max(np.abs(X), axis=1)
    yx = np.max(np.abs(y) * xinf)
    M4 = float(np.max(np.abs(y) * abs(d3) * xinf**3 + 3 * dsigma0**2 * xinf**2))
    L0 = 0.5 * float(np.mean(y**2))
    return {
        "analytic": 4 * n * EPS * max(yx, 1e-300) + 1e-300,
        "fd": 2 * (H_STEP**2 / 3) * M4 + (n + 2) * EPS * L0 / H_STEP**2,
    }


def check_origin_against_numerics(X, y, act_name: str, width: int) -> dict:
    """Compare the closed form with the numerics at θ = 0; ClaimRejected on any violation."""
    activation, dsigma0, d3 = ACTS[act_name]
    n, d = X.shape
    theta0 = np.zeros(width * (d + 1))
    grad = gradient(theta0, X, y, activation)
    tol = tolerances(X, y, dsigma0, d3)
    if np.max(np.abs(grad)) > tol["analytic"]:
        raise ClaimRejected(f"∇L(0) = {grad[:3]}… ≠ 0 (σ = {act_name}): origin not critical")
    z = X.T @ y / n
    H_of_z, V_of_z, top_of_z = closed_form(d, width, dsigma0)
    H_closed = np.asarray(H_of_z(tuple(z)), dtype=float)
    H_an = hessian(theta0, X, y, activation)
    H_fd = finite_difference_hessian(lambda t: loss(t, X, y, activation), theta0, H_STEP)
    err_an = float(np.max(np.abs(H_an - H_closed)))
    err_fd = float(np.max(np.abs(H_fd - H_closed)))
    if err_an > tol["analytic"]:
        raise ClaimRejected(f"analytic Hessian differs from the closed form by {err_an:.2e} > {tol['analytic']:.1e}")
    if err_fd > tol["fd"]:
        raise ClaimRejected(f"FD Hessian differs from the closed form by {err_fd:.2e} > {tol['fd']:.1e}")
    # spectrum: Weyl (|Δλ| ≤ ‖E‖₂ ≤ p·max|E_ij|) and Davis–Kahan (sin θ_max ≤ ‖E‖₂/(gap − ‖E‖₂))
    p = H_closed.shape[0]
    top = float(top_of_z(tuple(z)))
    V = np.asarray(V_of_z(tuple(z)), dtype=float).reshape(p, width)
    out = {"top_closed": top, "err_analytic": err_an, "err_fd": err_fd}
    gap = top  # next eigenvalue is 0 (d ≥ 2) or −top (d = 1): gap ≥ top
    for name, Hn, ent in (("analytic", H_an, tol["analytic"]), ("fd", H_fd, tol["fd"])):
        E2 = p * ent
        w, U = np.linalg.eigh(Hn)
        if abs(w[-1] - top) > E2:
            raise ClaimRejected(f"{name}: eigh top {w[-1]!r} vs closed form {top!r} (> {E2:.1e})")
        if gap <= 2 * E2:
            raise ValueError("X, y: the data vector is too small to separate the top eigenspace")
        angle = float(np.max(scipy.linalg.subspace_angles(U[:, -width:], V)))
        bound = float(np.arcsin(min(1.0, E2 / (gap - E2))))
        if angle > bound + 1e-12:
            raise ClaimRejected(f"{name}: top eigenspace off by {angle:.2e} rad > {bound:.1e}")
        out[f"top_{name}"] = float(w[-1])
        out[f"angle_{name}"] = angle
        out[f"angle_bound_{name}"] = bound
    return out


data_params = dict(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(1, 8),
    d=st.integers(1, 4),
    width=st.integers(1, 3),
    scale=st.floats(0.25, 2.0, allow_nan=False, allow_subnormal=False),
)


@pytest.mark.claim("ZBZ24.hessian-origin", kind="numerical")
def test_closed_form_hessian_matches_numpy_hessians_and_eigh(evidence):
    seen: list[dict] = []

    @given(act=st.sampled_from(sorted(ACTS)), **data_params)
    def prop(act, seed, n, d, width, scale):
        X, y = random_data(seed, n, d, scale)
        z = X.T @ y / n
        tol = tolerances(X, y, ACTS[act][1], ACTS[act][2])
        assume(np.linalg.norm(z) > 4 * (width * (d + 1)) * tol["fd"])  # separable top eigenspace
        out = check_origin_against_numerics(X, y, act, width)
        seen.append(dict(act=act, seed=seed, n=n, d=d, width=width, tol_fd=tol["fd"], tol_analytic=tol["analytic"],
                         fd_error_over_tolerance=out["err_fd"] / tol["fd"],
                         analytic_error_over_tolerance=out["err_analytic"] / tol["analytic"],
                         angle_fd=out["angle_fd"], angle_bound_fd=out["angle_bound_fd"]))

    prop()
    assert {e["act"] for e in seen} == set(ACTS), "every activation must be exercised"
    evidence.record(
        examples=len(seen),
        activations=sorted({e["act"] for e in seen}),
        max_fd_error_over_tolerance=max(e["fd_error_over_tolerance"] for e in seen),
        max_analytic_error_over_tolerance=max(e["analytic_error_over_tolerance"] for e in seen),
        max_angle_fd=max(e["angle_fd"] for e in seen),
        fd_step=H_STEP,
    )
    evidence.tolerance("analytic_max", max(e["tol_analytic"] for e in seen),
                       "largest per-example 4·n·eps·max|y_i x_ij|: rounding of the n-term means")
    evidence.tolerance("fd_max", max(e["tol_fd"] for e in seen),
                       f"largest per-example 2·(h²/3)·M4 + (n+2)·eps·L(0)/h², h = {H_STEP}: 4-point stencil "
                       "truncation (h²/6)(|f_iiij|+|f_ijjj|) with M4 the 4th-derivative bound at 0 (×2 for the box), plus rounding")
    evidence.tolerance("eigen", 0.0, "no extra slack: Weyl |Δλ| ≤ p·max|E_ij| and Davis–Kahan sin θ ≤ ‖E‖₂/(gap − ‖E‖₂), gap = |σ'(0)|‖z‖, with E bounded by the tolerances above")


@pytest.mark.claim("ZBZ24.origin-critical", kind="numerical", control=True)
def test_sigmoid_origin_is_not_critical_and_is_caught(evidence):
    seeds: list[int] = []

    @given(**data_params)
    def prop(seed, n, d, width, scale):
        X, y = random_data(seed, n, d, scale)
        assume(abs(np.mean(y)) > 1e-6)  # ∂L/∂a_k(0) = −σ(0)·ȳ; ȳ = 0 is the measure-zero exception
        with pytest.raises(ClaimRejected, match="not critical"):
            check_origin_against_numerics(X, y, "sigmoid", width)
        seeds.append(seed)

    ACTS["sigmoid"] = ("sigmoid", 0, 0.0)  # σ'(0) = ¼ never used: the gradient check fires first
    try:
        prop()
    finally:
        del ACTS["sigmoid"]
    evidence.record(mutation="σ = sigmoid, σ(0) = 1/2 ≠ 0", rejected=True, examples=len(seeds))
