"""Unit tests of numerics/ss18/certificate.py (REV.ss18-table): the ball-arithmetic pieces of the
proof and the certificate itself, on points small enough to know exactly.

The exact points (n = 1 student, teacher v_j = e_j, k = 2 or 3): by the symmetry permuting the
coordinates, ∇F(w) is parallel to w = a·1/√k on the diagonal, where every angle to a teacher is
θ with cos θ = 1/√k and F(a) = a²/4 − k·a·h/(2π) + F(0), h = sin θ + (π − θ)cos θ; so
a* = k·h/π is a critical point, F(a*) = F(0) − (a*)²/4 with F(0) = k/4 + C(k,2)/(2π), and along the
diagonal ∂²F/∂a² = 1/2 exactly (F is a quadratic in a there). For k = 2: each coordinate of a* is
c = 3/4 + 1/π (h = (1 + 3π/4)/√2), a strict minimum (λ̂ = 0.202, 0.5); on the other half-line,
θ = 3π/4, h = (1 − π/4)/√2, gives the critical point −(1/π − 1/4)·(1, 1), a saddle (λ̂ = −4.16).
"""

from __future__ import annotations

import math

import flint
import mpmath
import numpy as np
import pytest

from numerics import ss18
from numerics.ss18 import certificate as C

V2, V3 = ss18.teacher(2), ss18.teacher(3)
X_MIN2 = np.array([[0.75 + 1 / math.pi] * 2])  # the strict minimum of the k = 2 diagonal (module docstring)
X_SADDLE2 = np.array([[-(1 / math.pi - 0.25)] * 2])  # the saddle on the other half of the diagonal


def _diagonal_point(k: int) -> tuple[np.ndarray, mpmath.mpf]:
    """(float point, F at the exact critical point, mpmath at 50 digits) for n = 1, teacher e_1..e_k."""
    with mpmath.workdps(50):
        cos = 1 / mpmath.sqrt(k)
        th = mpmath.acos(cos)
        h = mpmath.sin(th) + (mpmath.pi - th) * cos
        a = k * h / mpmath.pi
        F = mpmath.mpf(k) / 4 + mpmath.binomial(k, 2) / (2 * mpmath.pi) - a * a / 4
        return np.array([[float(a / mpmath.sqrt(k))] * k]), F


def test_the_exact_diagonal_points_are_the_critical_points_the_docstring_derives():
    X3, F3 = _diagonal_point(3)
    X2, F2 = _diagonal_point(2)
    assert np.array_equal(X2, X_MIN2) or np.allclose(X2, X_MIN2, rtol=1e-15)  # c = 3/4 + 1/π
    for X, V, F in ((X2, V2, F2), (X3, V3, F3)):
        # float64 gradient at a float rounding (≤ 1.2e-16 relative) of the critical point: ≲ 1e-15
        assert np.linalg.norm(ss18.gradient(X, V)) < 1e-14
        assert abs(float(ss18.loss(X, V)) - float(F)) < 1e-15
    assert np.linalg.norm(ss18.gradient(X_SADDLE2, V2)) < 1e-14
    assert np.linalg.eigvalsh(ss18.hessian(X_SADDLE2, V2))[0] < -1


# ------------------------------------------------------------------ enclose
def test_enclosures_match_the_float_values_for_a_general_teacher():
    """A teacher of k = 2 non-unit, non-orthogonal neurons in d = 3 (k ≠ d): the teacher–teacher
    constant ½Σ g(v_j, v_j') and every term of F, ∇F, ∇²F enter the balls."""
    rng = np.random.default_rng(41)
    V = rng.standard_normal((2, 3)) * np.array([[1.7], [0.6]])
    W = rng.standard_normal((2, 3))
    enc = C.enclose(W, V)
    F, G = ss18.loss_and_gradient(W, V)
    # float64 closed form vs 96-bit balls: the float side's rounding, ≲ 1e-15 at these sizes
    assert abs(float(enc["F"].mid()) - float(F)) < 1e-13
    Ga = np.array([[float(x.mid()) for x in g.entries()] for g in enc["G"]])
    np.testing.assert_allclose(Ga, G, atol=1e-13)
    np.testing.assert_allclose(C._mid(enc["H"]), ss18.hessian(W, V), atol=1e-12)
    assert C.enclose(W, V, want_hessian=False).keys() == {"F", "G"}


# ------------------------------------------------------------------ prove_positive_definite
def test_a_singular_matrix_is_not_proved_positive_definite():
    """[[1, 1], [1, 1]] (eigenvalues 0, 2) exactly, with mid = I: Gershgorin's margin is exactly 0,
    which proves nothing (needs > 0)."""
    A = flint.arb_mat([[1.0, 1.0], [1.0, 1.0]])
    assert not C.prove_positive_definite(A, np.eye(2))


def test_off_diagonal_radii_count_against_the_diagonal():
    """mid = I but the off-diagonal entries range over [−2, 2]: the ball contains [[1, 2], [2, 1]]
    (eigenvalue −1), so no proof; with radius 0.5 every member is positive definite."""
    for rad, pd in ((2.0, False), (0.5, True)):
        A = flint.arb_mat([[flint.arb(1.0), flint.arb(0, rad)], [flint.arb(0, rad), flint.arb(1.0)]])
        assert C.prove_positive_definite(A, np.eye(2)) is pd


def test_an_overflowing_cholesky_inverse_proves_nothing():
    """A_mid = LLᵀ with L unit lower bidiagonal, subdiagonal −2²⁶ (float Cholesky recovers L
    exactly: integers < 2⁵³): L⁻¹ has entries 2^(26(i−j)), which overflow for i − j ≥ 40. The ball A
    (= −I, not positive definite) must not be declared positive definite on a non-finite X."""
    N = 41
    L = np.eye(N) - 2.0**26 * np.eye(N, k=-1)
    A_mid = L @ L.T
    assert np.array_equal(np.linalg.cholesky(A_mid), L)
    A = flint.arb_mat((-np.eye(N)).tolist())
    assert not C.prove_positive_definite(A, A_mid)


# ------------------------------------------------------------------ the small helpers
def test_shift_is_sign_times_h_minus_t_identity():
    H = flint.arb_mat([[2.0, 0.5], [0.5, 3.0]])
    assert C._mid(C._shift(H, 0.25, +1)).tolist() == [[1.75, 0.5], [0.5, 2.75]]
    assert C._mid(C._shift(H, 4.0, -1)).tolist() == [[2.0, -0.5], [-0.5, 1.0]]


def test_gershgorin_bound_is_the_largest_absolute_row_sum():
    """Row sums 0.375 and 0.625 (< 1, exact in binary): the bound is 0.625 rounded outward."""
    H = flint.arb_mat([[0.25, -0.125], [-0.125, 0.5]])
    g = C._gershgorin_upper(H)
    assert 0.625 <= g <= math.nextafter(0.625, 1.0)


def test_hessian_lipschitz_bound_at_a_tiny_radius_is_the_per_pair_float_bound():
    """At ρ = 1e-12 the norm intervals are points: β equals objective.third_derivative_bound's B
    (the same per-pair constants, evaluated in float64 at the interval ends) to float rounding
    (≲ 1e-15 relative; 1e-9 leaves room for the 1e-12 widths). Two students of different norms, a
    non-unit non-orthogonal teacher, and the same point scaled by 1000 (β < 1: β scales as 1/norm)."""
    rng = np.random.default_rng(42)
    V = rng.standard_normal((3, 3)) * np.array([[2.0], [0.5], [1.3]])
    W = rng.standard_normal((2, 3)) * np.array([[1.0], [0.3]])
    for s in (1.0, 1000.0):
        beta = C.hessian_lipschitz_bound(s * W, s * V, 1e-12)
        B = ss18.third_derivative_bound(s * W, s * V, 1e-12)["B"]
        assert float(beta.lower()) == pytest.approx(B, rel=1e-9) and float(beta.upper()) == pytest.approx(B, rel=1e-9)
    assert float(C.hessian_lipschitz_bound(1000 * W, 1000 * V, 1e-12).upper()) < 1


def test_hessian_lipschitz_bound_is_none_when_the_closed_ball_reaches_a_zero_neuron():
    """Rows of norm 1 and 0.5 exactly: ρ = 0.5 reaches the zero neuron (no bound), ρ = 0.25 not."""
    W = np.array([[1.0, 0.0], [0.0, 0.5]])
    assert C.hessian_lipschitz_bound(W, V2, 0.5) is None
    assert C.hessian_lipschitz_bound(W, V2, 0.25) is not None


def test_distance_below_is_the_euclidean_distance_compared_strictly():
    X = np.array([[1.0, -2.0], [0.5, 0.5]])
    Y = X + np.array([[-3.0, 0.0], [0.0, -4.0]])  # distance exactly 5
    assert not C.distance_below(Y, X, 5.0)
    assert C.distance_below(Y, X, math.nextafter(5.0, 6.0))
    assert C.distance_below(Y, X, flint.arb(5.0001)) and not C.distance_below(Y, X, flint.arb(4.9999))


def test_identity_teacher_means_square_and_the_identity():
    assert C.is_identity_teacher(np.eye(3))
    assert not C.is_identity_teacher(2.0 * np.eye(3))
    assert not C.is_identity_teacher(np.eye(2, 3))


def test_align_undoes_a_row_permutation_of_a_non_square_point():
    rng = np.random.default_rng(43)
    X = rng.standard_normal((3, 2))
    assert np.array_equal(C.align(X[[2, 0, 1]], X, permute_coordinates=False), X)
    X = rng.standard_normal((2, 4))
    assert np.array_equal(C.align(X[[1, 0]], X, permute_coordinates=False), X)


# ------------------------------------------------------------------ negative_curvature
def test_negative_curvature_reports_the_rayleigh_quotient_of_the_lowest_eigenvector():
    """At the exact saddle (λ̂ = −4.16, 0.5) the proof uses the λ̂_min eigenvector; at the strict
    minimum (λ̂ = 0.202, 0.5, both < 1) nothing is proved."""
    ev = np.linalg.eigvalsh(ss18.hessian(X_SADDLE2, V2))
    nc = C.negative_curvature(X_SADDLE2, V2)
    assert nc["proved"] and nc["lambda_min_float"] == ev[0]
    # Rayleigh quotient of the float eigenvector: λ̂_min up to float rounding (≲ 1e-15 · ‖H‖)
    assert nc["rayleigh_upper"] == pytest.approx(ev[0], abs=1e-12)
    assert not C.negative_curvature(X_MIN2, V2)["proved"]


# ------------------------------------------------------------------ polish
def test_polish_takes_a_newton_step_from_a_gradient_above_the_default_target():
    """‖∇F‖ ≈ 5e-14 (> the default target 1e-14): polish moves the point to ‖∇F‖ ≤ 1e-14."""
    u = np.array([[1.0, -1.0]]) / math.sqrt(2)
    W = X_MIN2 + 2.5e-13 * u  # ∇F ≈ λ̂·2.5e-13 = 5e-14 along u
    assert 3e-14 < np.linalg.norm(ss18.gradient(W, V2)) < 1e-13
    P = C.polish(W, V2)
    assert P is not None and np.linalg.norm(ss18.gradient(P, V2)) <= 1e-14


def test_polish_gives_up_after_eight_newton_steps_by_default():
    """From (−6, −5.25) Newton needs 9 steps to reach the saddle: the default budget is 8."""
    W = np.array([[-6.0, -5.25]])
    assert C.polish(W, V2) is None
    P = C.polish(W, V2, max_steps=9)
    assert P is not None and np.allclose(P, X_SADDLE2, atol=1e-14)


def test_polish_accepts_the_last_iterate_up_to_a_thousand_times_the_target():
    """One Newton step (recomputed here): kept when its ‖∇F‖ ≤ 1000·target, refused just above
    (factors 999.5 and 1000.5: relative margins 5e-4, far above the ulps of the recomputation)."""
    W = X_MIN2 + np.array([[0.01, -0.02]])
    G = ss18.gradient(W, V2)
    X1 = W - np.linalg.solve(ss18.hessian(W, V2), G.ravel()).reshape(W.shape)
    g1 = float(np.linalg.norm(ss18.gradient(X1, V2)))
    assert g1 > 0
    P = C.polish(W, V2, max_steps=1, target=g1 / 999.5)
    assert P is not None and np.allclose(P, X1, rtol=0, atol=1e-15)
    assert C.polish(W, V2, max_steps=1, target=g1 / 1000.5) is None


def test_polish_refuses_a_start_newton_cannot_bring_to_a_critical_point():
    assert C.polish(np.array([[-3.0, 0.01]]), V2) is None
