"""REV.local-min-certificate, numerical part: a local minimum lies within the certified radius.

Random quartics L(y) = gᵀy + ½yᵀHy + (1/6)T3[y,y,y] + (1/24)T4[y,y,y,y] around w = 0, with TRUE
constants: ε ≥ ‖∇L(0)‖ = ‖g‖, λ ≤ λ_min(H) and, on the ball of radius α, the third directional
derivative D³L(y)[u,u,u] = T3[u,u,u] + T4[y,u,u,u] is bounded by B = ‖T3‖_F + α‖T4‖_F
(Cauchy–Schwarz: |T[u,…,u]| ≤ ‖T‖_F for unit u), which bounds the Lagrange-form remainder R.
The radius t_− = (3λ − √(9λ² − 24Bε))/(2B) comes from theory.local_min (derived symbolically).
A local minimizer (scipy trust-exact, monotone, then Newton-polished) is started at w; a strict
local minimum it finds within t_− confirms the claim on that instance. Finding one beyond t_−
refutes the claim only when the instance has a single local minimum in the α-ball — true of the
tight cubic used by the negative control (a cubic in y_1 has one local minimum).

Negative control: the same machinery with the constant 24 replaced by 12, on the tight cubic
L(y) = −εy_1 + (λ/2)‖y‖² − (B/6)y_1³ (where every constant is attained): its only local minimum
lies at (λ − √(λ² − 2Bε))/B, beyond the mutated radius.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from overspec.profiles import scaled_examples
from overspec.testing import ClaimRejected
from theory.local_min import B as B_SYM
from theory.local_min import EPS, LAM, claimed_interval

SHARED_EVIDENCE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
EIG_SLACK = 1e-12  # relative: eigvalsh's backward error is O(d·eps·‖H‖); keeps λ a true lower bound
GTOL = 1e-12  # target gradient norm at the local minimizer


def interval_fn(constant: int = 24):
    lo, hi = claimed_interval(constant)
    return sp.lambdify((EPS, LAM, B_SYM), lo, "math"), sp.lambdify((EPS, LAM, B_SYM), hi, "math")


def _sym(T: np.ndarray) -> np.ndarray:
    perms = list(permutations(range(T.ndim)))
    return sum(np.transpose(T, p) for p in perms) / len(perms)


class Quartic:
    """L(y) = c + gᵀy + ½yᵀHy + (1/6)T3[y³] + (1/24)T4[y⁴] with symmetric tensors (T3/T4 may be 0)."""

    def __init__(self, g, H, T3, T4):
        self.g, self.H, self.T3, self.T4 = g, H, T3, T4

    def f(self, y):
        return float(self.g @ y + 0.5 * y @ self.H @ y + np.einsum("ijk,i,j,k", self.T3, y, y, y) / 6
                     + np.einsum("ijkl,i,j,k,l", self.T4, y, y, y, y) / 24)

    def grad(self, y):
        return (self.g + self.H @ y + 0.5 * np.einsum("ijk,i,j->k", self.T3, y, y)
                + np.einsum("ijkl,i,j,k->l", self.T4, y, y, y) / 6)

    def hess(self, y):
        return self.H + np.einsum("ijk,i->jk", self.T3, y) + 0.5 * np.einsum("ijkl,i,j->kl", self.T4, y, y)


def check_local_min_within_radius(L: Quartic, eps: float, lam: float, B: float, alpha: float, constant: int = 24) -> dict:
    """Claim check: with true constants at w = 0, a local minimizer from w ends within t_−."""
    d = L.g.size
    w = np.zeros(d)
    if np.linalg.norm(L.grad(w)) > eps or np.linalg.eigvalsh(L.hess(w)).min() < lam:
        raise ValueError("eps, lam: not valid constants at w (‖∇L‖ ≤ ε, λ_min ≥ λ required)")
    if 9 * lam**2 < constant * B * eps:
        raise ValueError("eps, lam, B: 9λ² < constant·Bε — the certificate gives no interval")
    lo_f, hi_f = interval_fn(constant)
    t_lo, t_hi = lo_f(eps, lam, B), hi_f(eps, lam, B)
    outer = min(t_hi, alpha)
    if not t_lo < outer:
        raise ValueError(f"alpha: the radius t_− = {t_lo} is not below min(t_+, α) = {outer}")
    res = minimize(L.f, w, jac=L.grad, hess=L.hess, method="trust-exact", options={"gtol": 1e-10, "maxiter": 500})
    x = res.x
    for _ in range(8):  # Newton polish (trust-exact may stop at ‖∇L‖ ~ 1e-9): quadratic convergence at a strict min
        if np.linalg.norm(L.grad(x)) <= GTOL:
            break
        x_new = x - np.linalg.solve(L.hess(x), L.grad(x))
        if np.linalg.norm(L.grad(x_new)) >= np.linalg.norm(L.grad(x)):  # at the rounding floor
            break
        x = x_new
    g_norm = float(np.linalg.norm(L.grad(x)))
    h_min = float(np.linalg.eigvalsh(L.hess(x)).min())
    if not (g_norm <= 1e-9 and h_min > 0):
        raise RuntimeError(f"minimizer did not reach a strict local minimum: ‖∇L‖ = {g_norm}, λ_min = {h_min}, {res.message}")
    dist = float(np.linalg.norm(x - w))
    # the exact critical point lies within ‖∇L(x)‖/λ_min(∇²L(x)) of x (locally strongly convex); ×10
    tol = 10 * g_norm / h_min + 1e-12 * t_lo
    if dist > t_lo + tol:
        raise ClaimRejected(f"local minimum at distance {dist:.6g} > certified radius {t_lo:.6g} (constant {constant})")
    return {"distance": dist, "radius": t_lo, "t_plus": t_hi, "alpha": alpha, "ratio": dist / t_lo, "tol": tol}


def random_quartic(seed: int, d: int, kappa: float, alpha: float):
    """A quartic with true constants (ε, λ, B) at 0 and Bε/λ² = κ (so 9λ² ≥ 24Bε iff κ ≤ 3/8)."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    H = Q @ np.diag(rng.uniform(0.5, 2.0, d)) @ Q.T
    H = (H + H.T) / 2
    T3 = _sym(rng.standard_normal((d,) * 3)) * rng.uniform(0.3, 1.0)
    T4 = _sym(rng.standard_normal((d,) * 4)) * rng.uniform(0.3, 1.0)
    lam_min = float(np.linalg.eigvalsh(H).min())
    lam = lam_min - EIG_SLACK * float(np.abs(H).sum())
    B = float(np.linalg.norm(T3) + alpha * np.linalg.norm(T4))  # Frobenius norms
    eps = kappa * lam**2 / B
    u = rng.standard_normal(d)
    g = eps * u / np.linalg.norm(u)
    eps_cert = float(np.linalg.norm(g)) * (1 + 1e-12)  # ‖g‖ up to its rounding
    return Quartic(g, H, T3, T4), eps_cert, lam, B


@pytest.mark.claim("REV.local-min-certificate", kind="numerical")
@settings(max_examples=scaled_examples(1), suppress_health_check=SHARED_EVIDENCE)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 3), kappa=st.floats(0.02, 0.37))
@example(seed=1, d=1, kappa=0.1875)  # found by Hypothesis: first trust-region step longer than the annulus
@example(seed=1069129, d=1, kappa=0.220703125)  # found by Hypothesis: trust-exact stalls at ‖∇L‖ ~ 1e-9
def test_local_minimum_of_random_quartics_lies_within_the_radius(evidence, seed, d, kappa):
    alpha = 1.0
    L, eps, lam, B = random_quartic(seed, d, kappa, alpha)
    lo_f, hi_f = interval_fn(24)
    assume(lo_f(eps, lam, B) < min(hi_f(eps, lam, B), alpha))
    out = check_local_min_within_radius(L, eps, lam, B, alpha)
    s = evidence.data
    evidence.record(
        family="random quartics in d ∈ [1, 3], H eigenvalues in [0.5, 2], Bε/λ² = κ ∈ [0.02, 0.37], α = 1",
        examples=s.get("examples", 0) + 1,
        max_distance_over_radius=max(s.get("max_distance_over_radius", 0.0), out["ratio"]),
    )
    evidence.tolerance("eig_slack", EIG_SLACK, "λ = λ_min(H) − 1e-12·Σ|H_ij|: eigvalsh's backward error O(d·eps·‖H‖)")
    evidence.tolerance("distance", 10.0, "distance allowed t_− + 10·‖∇L(x*)‖/λ_min(∇²L(x*)) + 1e-12·t_−: the exact critical"
                       " point is within ‖∇L‖/λ_min of x* (strong convexity), ×10")


@pytest.mark.claim("REV.local-min-certificate", kind="numerical")
@settings(max_examples=scaled_examples(2), suppress_health_check=SHARED_EVIDENCE)
@given(eps=st.floats(0.02, 0.37), d=st.integers(1, 2))
@example(eps=0.34375, d=1)  # found by Hypothesis (thorough): t_− > 1, so α = 1 was too small a ball
def test_tight_cubic_minimum_lies_within_the_radius(evidence, eps, d):
    """L(y) = −εy_1 + ½‖y‖² − y_1³/6 (λ = B = 1 attained): the minimum (1 − √(1 − 2ε)) is within t_−."""
    L = tight_cubic(eps, d)
    out = check_local_min_within_radius(L, eps, 1.0, 1.0, alpha=2.0)  # |D³L[u,u,u]| ≤ 1 on all of R^d
    exact = 1 - np.sqrt(1 - 2 * eps)
    assert abs(out["distance"] - exact) <= 1e-9
    s = evidence.data
    evidence.record(examples=s.get("examples", 0) + 1,
                    max_distance_over_radius=max(s.get("max_distance_over_radius", 0.0), out["ratio"]))


def tight_cubic(eps: float, d: int) -> Quartic:
    T3 = np.zeros((d,) * 3)
    T3[(0,) * 3] = -1.0
    g = np.zeros(d)
    g[0] = -eps
    return Quartic(g, np.eye(d), T3, np.zeros((d,) * 4))


@pytest.mark.claim("REV.local-min-certificate", kind="numerical", control=True)
@settings(max_examples=scaled_examples(2), suppress_health_check=SHARED_EVIDENCE)
@given(eps=st.floats(0.02, 0.49), d=st.integers(1, 2))
@example(eps=0.34375, d=1)  # found by Hypothesis: trust-exact stalls before the Newton polish
def test_radius_with_constant_12_is_rejected_on_the_tight_cubic(evidence, eps, d):
    L = tight_cubic(eps, d)
    with pytest.raises(ClaimRejected):
        check_local_min_within_radius(L, eps, 1.0, 1.0, alpha=1.0, constant=12)
    lo12 = interval_fn(12)[0](eps, 1.0, 1.0)
    exact = 1 - np.sqrt(1 - 2 * eps)
    s = evidence.data
    evidence.record(mutation="24Bε → 12Bε in the radius", examples_rejected=s.get("examples_rejected", 0) + 1,
                    min_gap_minimum_minus_radius=min(s.get("min_gap_minimum_minus_radius", np.inf), float(exact - lo12)))


def test_bad_constants_are_value_errors():
    L = tight_cubic(0.1, 1)
    with pytest.raises(ValueError, match="eps"):
        check_local_min_within_radius(L, 0.05, 1.0, 1.0, 1.0)  # ε below ‖∇L(0)‖
    with pytest.raises(ValueError, match="9λ²"):
        check_local_min_within_radius(L, 0.1, 1.0, 40.0, 1.0)
    with pytest.raises(ValueError, match="alpha"):
        check_local_min_within_radius(L, 0.1, 1.0, 1.0, 0.01)
