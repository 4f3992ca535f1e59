"""The angle code of the compiled SS18 GD kernels (REV.ss18-table): ``acos_poly`` and the angle
rules of ``numerics.ss18.gd_kernel._angles`` and ``numerics.ss18.gd_lanes._acos_pass`` / ``_near``.

Oracles: mpmath (the coefficient recipe written beside ``_ASIN_P``, the interpolation error it
states, acos within 1 ulp of the correctly rounded value; θ and sin θ of exact float vectors
from atan2 at 40 digits), and, for the lane functions, the one-run ``_angles`` bit for bit (the
gd_lanes module docstring: each lane performs exactly the operations of the one-run kernel).
Small inputs: these files also run with NUMBA_DISABLE_JIT=1 (the mutation harness).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from numerics.ss18 import gd_kernel, gd_lanes


def _acos_reference(x: float) -> float:
    """acos(x) rounded to the nearest double (mpmath, 50 digits: far beyond double's 17)."""
    with mpmath.workdps(50):
        return float(mpmath.acos(mpmath.mpf(x)))


# ------------------------------------------------------------------ acos_poly
def test_asin_coefficients_are_the_documented_recipe():
    """The recipe beside _ASIN_P run again: interpolate (asin(√z)/√z − 1)/z at the 13 Chebyshev
    nodes z_q = (1 + cos(π(q + ½)/13))/8 of [0, 1/4] in 40-digit arithmetic and round each
    coefficient to double: the committed coefficients, bit for bit."""
    with mpmath.workdps(40):
        N = 13
        nodes = [(1 + mpmath.cos(mpmath.pi * (q + mpmath.mpf(1) / 2) / N)) / 8 for q in range(N)]

        def f(z):
            y = mpmath.sqrt(z)
            return (mpmath.asin(y) / y - 1) / z

        A = mpmath.matrix([[z**j for j in range(N)] for z in nodes])
        coef = mpmath.lu_solve(A, mpmath.matrix([f(z) for z in nodes]))
    assert tuple(float(c) for c in coef) == gd_kernel._ASIN_P
    assert (gd_kernel._P0, gd_kernel._P6, gd_kernel._P12) == (
        gd_kernel._ASIN_P[0], gd_kernel._ASIN_P[6], gd_kernel._ASIN_P[12])


def test_asin_interpolant_has_the_stated_relative_error():
    """The committed (rounded) coefficients, evaluated exactly in mpmath: y + y·z·P(z) is asin(y)
    to a relative error ≤ 6e-18 on z = y² ∈ [0, 1/4] (the comment beside _ASIN_P), checked on
    201 points including both ends."""
    with mpmath.workdps(40):
        P = [mpmath.mpf(c) for c in gd_kernel._ASIN_P]
        worst = mpmath.mpf(0)
        for q in range(201):
            z = mpmath.mpf(q) / 800  # [0, 1/4]
            y = mpmath.sqrt(z)
            p = mpmath.mpf(0)
            for c in reversed(P):
                p = p * z + c
            exact = mpmath.asin(y)
            approx = y + y * z * p
            if y > 0:
                worst = max(worst, abs(approx - exact) / exact)
    assert worst <= 6e-18, float(worst)


def test_acos_poly_is_within_one_ulp_of_the_correctly_rounded_acos():
    """acos_poly on a grid of [−1, 1], random points and the branch edges ±½ (with their float
    neighbours), 0, −0, ±1, ±0.99: at most 1 ulp from mpmath's correctly rounded acos (the
    docstring's claim, ≤ 1 ulp like libm)."""
    rng = np.random.default_rng(31)
    edges = [0.5, -0.5, np.nextafter(0.5, 1), np.nextafter(-0.5, -1), np.nextafter(0.5, 0),
             np.nextafter(-0.5, 0), 0.0, -0.0, 1.0, -1.0, 0.99, -0.99, np.nextafter(1.0, 0), 1e-300]
    # a 5e-4 grid (both branches, each ≈ 2000 points) and 4000 random points: 1 ulp is a bound on
    # the worst case seen, so the points cover both sides of every branch edge and both signs
    xs = np.concatenate([np.linspace(-1, 1, 4001), rng.uniform(-1, 1, 4000), edges])
    got = np.array([gd_kernel.acos_poly(float(x)) for x in xs])
    exact = np.array([_acos_reference(float(x)) for x in xs])
    ulps = np.abs(got - exact) / np.spacing(exact)
    assert ulps.max() <= 1.0, (xs[np.argmax(ulps)], ulps.max())


def test_acos_poly_is_exact_at_the_ends_and_agrees_with_libm():
    """acos(1) = 0, acos(−1) = π, acos(0) = π/2 (as doubles), and libm's math.acos within 1 ulp
    on both sides (each is within ½–1 ulp of the exact value)."""
    assert gd_kernel.acos_poly(1.0) == 0.0
    assert gd_kernel.acos_poly(-1.0) == math.pi
    assert gd_kernel.acos_poly(0.0) == 0.5 * math.pi
    xs = np.linspace(-0.999, 0.999, 301)
    got = np.array([gd_kernel.acos_poly(float(x)) for x in xs])
    libm = np.array([math.acos(float(x)) for x in xs])
    # both within 1 ulp of the exact value: at most 2 ulps apart
    assert np.all(np.abs(got - libm) <= 2 * np.spacing(libm))


# ------------------------------------------------------------------ θ and sin θ of a pair
def _pair(theta: float, d: int = 3):
    """Unit rows x = e_1 and y at angle θ from it in the (e_1, e_2) plane, as float64."""
    x = np.zeros((1, d))
    x[0, 0] = 1.0
    y = np.zeros((1, d))
    y[0, 0], y[0, 1] = math.cos(theta), math.sin(theta)
    y /= np.linalg.norm(y)
    return x, y


def _exact_theta_sin(x, y):
    """θ = atan2(‖x × y‖, x·y) and sin θ of the float vectors, at 40 digits (exact inputs)."""
    with mpmath.workdps(40):
        xm = [mpmath.mpf(float(v)) for v in x]
        ym = [mpmath.mpf(float(v)) for v in y]
        dot = sum(p * q for p, q in zip(xm, ym))
        cross2 = sum(p * p for p in xm) * sum(q * q for q in ym) - dot * dot
        th = mpmath.atan2(mpmath.sqrt(max(cross2, 0)), dot)
        return float(th), float(mpmath.sin(th))


# angles on both branches: the acos branch (|cos θ| ≤ 0.99) and the chord branch, near 0 and near
# π, and 0.1 / π − 0.1 (cos = ±0.995: chord e ≈ 0.1, where e·√(1 − e²/4) differs from e by 1e-3)
THETAS = [1e-9, 1e-5, 0.1, 0.3, 1.0, 2.0, math.pi - 0.1, math.pi - 1e-6, math.pi - 1e-9]


@pytest.mark.parametrize("theta", THETAS)
def test_kernel_angles_are_accurate_on_both_branches(theta):
    """_angles' θ and sin θ against mpmath. Acos branch: c has a rounding error δ ≲ 3e-16, θ and
    s move by ≤ δ/√(1 − 0.99²) ≈ 7δ (the objective's _angles docstring): atol 1e-14. Chord
    branch: e = ‖x ∓ y‖ to a few ulps relative, θ and s likewise: rtol 1e-13 (plain arccos of
    the rounded cosine would be off by ≈ 1e-8 at θ = 1e-9)."""
    x, y = _pair(theta)
    C = np.array([float(x[0] @ y[0])])
    TH, S = np.full(1, np.nan), np.full(1, np.nan)
    gd_kernel._angles(C, 0, 1, x, 0, y, TH, S)
    th, s = _exact_theta_sin(x[0], y[0])
    assert abs(TH[0] - th) <= 1e-14 + 1e-13 * th, (TH[0], th)
    assert abs(S[0] - s) <= 1e-14 + 1e-13 * s, (S[0], s)


def test_kernel_angles_touch_only_rows_lo_to_hi():
    """_angles(C, lo, hi, …) writes θ, s of rows lo..hi−1 and leaves the others alone."""
    x, _ = _pair(0.0)
    thetas = [0.4, 1e-7, 2.5, math.pi - 1e-7]
    Y = np.concatenate([_pair(t)[1] for t in thetas])
    C = Y @ x[0]
    TH, S = np.full(4, np.nan), np.full(4, np.nan)
    gd_kernel._angles(C, 1, 3, x, 0, Y, TH, S)
    assert np.isnan(TH[0]) and np.isnan(S[0]) and np.isnan(TH[3]) and np.isnan(S[3])
    for j in (1, 2):
        th, s = _exact_theta_sin(x[0], Y[j])
        assert abs(TH[j] - th) <= 1e-14 + 1e-13 * th and abs(S[j] - s) <= 1e-14 + 1e-13 * s


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_kernel_angles_clamp_a_cosine_rounded_past_one(sign):
    """A dot product of unit vectors can round to ±(1 + 2⁻⁵²): it is clamped (no domain error,
    no NaN), and the pair is (anti)parallel: θ = 0 or π, sin θ = 0."""
    x = np.array([[0.6, 0.8]])
    y = sign * x
    C = np.array([sign * np.nextafter(1.0, 2.0)])
    TH, S = np.full(1, np.nan), np.full(1, np.nan)
    gd_kernel._angles(C, 0, 1, x, 0, y, TH, S)
    assert TH[0] == (0.0 if sign > 0 else math.pi)
    assert S[0] == 0.0


# ------------------------------------------------------------------ the lane versions
def _lane_angles(C, X, i, Y):
    """_acos_pass + _near on lanes (rows of C × L lanes), X, Y of shape (rows, d, L)."""
    TH, S = np.full(C.shape, np.nan), np.full(C.shape, np.nan)
    gd_lanes._acos_pass(C, 0, C.shape[0], TH, S)
    gd_lanes._near(C, 0, C.shape[0], X, i, Y, TH, S)
    return TH, S


def test_lane_angles_are_bitwise_the_one_run_angles():
    """_acos_pass then _near, lane by lane, give exactly _angles' θ and sin θ (module docstring:
    the same acos_poly, the same chord rule): L = 3 lanes, each with rows at every angle of
    THETAS (both branches, parallel and antiparallel), the unit vector of each lane different."""
    L, d = 3, 3
    rot = [np.eye(d), np.array([[0, 0, 1.0], [1.0, 0, 0], [0, 1.0, 0]]), np.diag([1.0, -1.0, 1.0])]
    m = len(THETAS)
    X = np.zeros((1, d, L))
    Y = np.zeros((m, d, L))
    for l in range(L):
        x, _ = _pair(0.0)
        X[0, :, l] = rot[l] @ x[0]
        for j, t in enumerate(THETAS):
            Y[j, :, l] = rot[l] @ _pair(t)[1][0]
    C = np.ascontiguousarray(np.einsum("dl,jdl->jl", X[0], Y))
    TH, S = _lane_angles(C, X, 0, Y)
    for l in range(L):
        TH1, S1 = np.empty(m), np.empty(m)
        gd_kernel._angles(np.ascontiguousarray(C[:, l]), 0, m, np.ascontiguousarray(X[:, :, l]), 0,
                          np.ascontiguousarray(Y[:, :, l]), TH1, S1)
        assert np.array_equal(TH[:, l], TH1), l
        assert np.array_equal(S[:, l], S1), l
    # and accurate (mpmath): the lane rule is the kernel's rule, see the kernel test's tolerances
    for j, t in enumerate(THETAS):
        th, s = _exact_theta_sin(X[0, :, 1], Y[j, :, 1])
        assert abs(TH[j, 1] - th) <= 1e-14 + 1e-13 * th and abs(S[j, 1] - s) <= 1e-14 + 1e-13 * s


def test_lane_acos_pass_clamps_and_touches_only_rows_lo_to_hi():
    """_acos_pass: θ = acos_poly(clamped c), s = √(1 − c²) on rows lo..hi−1 only; a cosine
    rounded to ±(1 + 2⁻⁵²) gives θ = 0 or π and s = 0 (no domain error)."""
    C = np.array([[0.3, -0.7], [np.nextafter(1.0, 2.0), -np.nextafter(1.0, 2.0)], [0.2, 0.1]])
    TH, S = np.full(C.shape, np.nan), np.full(C.shape, np.nan)
    gd_lanes._acos_pass(C, 1, 2, TH, S)
    assert np.all(np.isnan(TH[[0, 2]])) and np.all(np.isnan(S[[0, 2]]))
    assert TH[1, 0] == 0.0 and TH[1, 1] == math.pi and np.all(S[1] == 0.0)
    gd_lanes._acos_pass(C, 0, 3, TH, S)
    for j, l in ((0, 0), (0, 1), (2, 0), (2, 1)):
        assert TH[j, l] == gd_kernel.acos_poly(C[j, l])
        assert S[j, l] == math.sqrt(1.0 - C[j, l] * C[j, l])


def test_lane_near_rule_touches_only_nearly_parallel_entries_of_rows_lo_to_hi():
    """_near rewrites θ, s only where |c| > 0.99, and only on rows lo..hi−1."""
    L, d = 2, 2
    X = np.zeros((1, d, L))
    X[0, 0, :] = 1.0
    Y = np.zeros((2, d, L))
    for j, t in enumerate((1e-6, math.pi - 1e-6)):
        for l in range(L):
            Y[j, :, l] = _pair(t if l == 0 else 0.5, d)[1][0]
    C = np.einsum("dl,jdl->jl", X[0], Y)
    TH, S = np.full(C.shape, -7.0), np.full(C.shape, -7.0)
    gd_lanes._near(C, 1, 2, X, 0, Y, TH, S)
    assert np.all(TH[0] == -7.0) and np.all(S[0] == -7.0)  # row 0: outside lo..hi
    assert TH[1, 1] == -7.0 and S[1, 1] == -7.0  # |c| = cos 0.5 ≤ 0.99: the acos pass's business
    th, s = _exact_theta_sin(X[0, :, 0], Y[1, :, 0])
    assert abs(TH[1, 0] - th) <= 1e-13 * th and abs(S[1, 0] - s) <= 1e-13 * s
