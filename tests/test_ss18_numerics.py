"""Unit tests of numerics/ss18/: the arc-cosine kernel, F, ∇F, ∇²F and the batched GD (REV.ss18-table).

The kernel formula E[[wᵀx]_+[vᵀx]_+] = ‖w‖‖v‖(sin θ + (π − θ)cos θ)/(2π) is derived here with
SymPy (polar coordinates in span(w, v)) and checked against mpmath quadrature and Monte Carlo;
F against Monte Carlo; ∇F and ∇²F against central finite differences.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from numerics import ss18
from overspec.testing import assert_close


# ------------------------------------------------------------------ the kernel, derived
def test_kernel_formula_is_derived_by_exact_polar_integration():
    """E[[wᵀx]_+[vᵀx]_+] for unit w, v at angle θ ∈ (0, π): density e^{−r²/2}/(2π) on the plane,
    integrand r²·cos φ·cos(φ − θ) on the sector where both are positive, φ ∈ (θ − π/2, π/2)."""
    r, phi = sp.symbols("r phi", real=True)
    theta = sp.Symbol("theta", positive=True)  # θ ∈ (0, π): the sector below is non-empty
    radial = sp.integrate(r**3 * sp.exp(-r**2 / 2), (r, 0, sp.oo)) / (2 * sp.pi)
    angular = sp.integrate(sp.cos(phi) * sp.cos(phi - theta), (phi, theta - sp.pi / 2, sp.pi / 2))
    derived = radial * angular
    claimed = (sp.sin(theta) + (sp.pi - theta) * sp.cos(theta)) / (2 * sp.pi)
    diff = sp.expand(sp.expand_trig(sp.expand(derived - claimed)))
    assert radial == 1 / sp.pi
    assert diff == 0, diff
    # the sector: cos φ > 0 on (−π/2, π/2), cos(φ − θ) > 0 on (θ − π/2, θ + π/2); for θ ∈ (0, π)
    # the intersection is (θ − π/2, π/2). At θ = 0 the formula gives E[[wᵀx]_+²] = ‖w‖²/2:
    assert sp.simplify(claimed.subs(theta, 0)) == sp.Rational(1, 2)
    # a wrong formula (cos θ instead of (π − θ)cos θ) is told apart by the same expansion
    wrong = (sp.sin(theta) + sp.cos(theta)) / (2 * sp.pi)
    assert sp.expand(sp.expand_trig(sp.expand(derived - wrong))) != 0


@pytest.mark.parametrize("theta", [0.0, 1e-7, 0.3, 1.0, math.pi / 2, 2.5, math.pi - 1e-6, math.pi])
def test_kernel_matches_mpmath_quadrature(theta):
    """g(e_1, (cos θ, sin θ)) against (1/π)∫_{θ−π/2}^{π/2} cos φ cos(φ − θ) dφ at 30 digits."""
    with mpmath.workdps(30):
        t = mpmath.mpf(theta)
        ref = mpmath.quad(lambda p: mpmath.cos(p) * mpmath.cos(p - t), [t - mpmath.pi / 2, mpmath.pi / 2]) / mpmath.pi
    got = ss18.kernel(np.array([1.0, 0.0]), np.array([math.cos(theta), math.sin(theta)]))
    # float64 evaluation of sin/cos/(π − θ) and the rounding of (cos θ, sin θ) itself: a few ulps
    # of the O(1) terms, so 1e-14 absolute
    assert_close(got, float(ref), atol=1e-14, name=f"g at θ={theta}")


def test_kernel_matches_monte_carlo():
    rng = np.random.default_rng(20180)
    X = rng.standard_normal((400_000, 5))
    for _ in range(4):
        w, v = rng.standard_normal(5), rng.standard_normal(5)
        prod = np.maximum(X @ w, 0) * np.maximum(X @ v, 0)
        se = prod.std(ddof=1) / math.sqrt(len(X))
        # 6 standard errors: a false alarm has probability ≈ 2e-9 per comparison (CLT)
        assert_close(prod.mean(), ss18.kernel(w, v), atol=6 * se, name="g vs Monte Carlo")


def test_kernel_is_scale_equivariant_and_symmetric():
    rng = np.random.default_rng(3)
    w, v = rng.standard_normal(4), rng.standard_normal(4)
    assert_close(ss18.kernel(2.5 * w, 0.5 * v), 1.25 * ss18.kernel(w, v), rtol=1e-14)
    assert_close(ss18.kernel(v, w), ss18.kernel(w, v), rtol=1e-15)
    assert_close(ss18.kernel(w, w), 0.5 * w @ w, rtol=1e-15)  # E[[wᵀx]_+²] = ‖w‖²/2
    # disjoint supports: 0 up to sin(fl(π)) ≈ 1.2e-16 times ‖w‖² (a few units here)
    assert_close(ss18.kernel(w, -w), 0.0, atol=1e-15 * (w @ w))


# ------------------------------------------------------------------ F and its derivatives
def _random_point(seed: int, n: int, k: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, k)) / math.sqrt(k)


def test_loss_matches_monte_carlo():
    k, n = 4, 5
    V, W = ss18.teacher(k), _random_point(1, n, k)
    X = np.random.default_rng(2).standard_normal((400_000, k))
    sq = 0.5 * (np.maximum(X @ W.T, 0).sum(1) - np.maximum(X @ V.T, 0).sum(1)) ** 2
    se = sq.std(ddof=1) / math.sqrt(len(X))
    # 6 standard errors (CLT): false-alarm probability ≈ 2e-9
    assert_close(ss18.loss(W, V), sq.mean(), atol=6 * se, name="F vs Monte Carlo")


def test_loss_vanishes_at_the_teacher_and_under_permutation():
    V = ss18.teacher(6)
    F, G = ss18.loss_and_gradient(V, V)
    assert abs(F) <= 1e-14 and np.abs(G).max() <= 1e-14  # rounding of O(1) terms
    P = np.random.default_rng(0).permutation(6)
    assert abs(ss18.loss(V[P], V)) <= 1e-14


def test_loss_equals_the_sum_of_pair_kernels():
    """The fast batched path (dot products + near-parallel branch) against :func:`ss18.kernel`."""
    k, n = 5, 6
    V = ss18.teacher(k)
    W = _random_point(4, n, k)
    W[1] = 0.7 * W[0] + 1e-9 * W[2]  # a nearly parallel student pair (θ ≈ 1e-9)
    W[3] = -W[4] * 1.3 + 1e-10 * W[2]  # a nearly antiparallel pair
    W[5] = V[2] * 0.9 + 1e-9 * V[3]  # nearly parallel to a teacher neuron
    ref = (
        0.5 * sum(ss18.kernel(a, b) for a in W for b in W)
        - sum(ss18.kernel(a, b) for a in W for b in V)
        + 0.5 * sum(ss18.kernel(a, b) for a in V for b in V)
    )
    assert_close(ss18.loss(W, V), ref, atol=1e-13, name="F")  # ~(n + k)² O(1) terms × ulp


def _fd_gradient(W, V, h=1e-6):
    G = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[idx] = h
        G[idx] = (ss18.loss(W + E, V) - ss18.loss(W - E, V)) / (2 * h)
    return G


def _fd_hessian(W, V, h=1e-6):
    N = W.size
    H = np.zeros((N, N))
    for a in range(N):
        E = np.zeros(N)
        E[a] = h
        E = E.reshape(W.shape)
        H[:, a] = ((ss18.gradient(W + E, V) - ss18.gradient(W - E, V)) / (2 * h)).ravel()
    return H


# Central differences with h = 1e-6: truncation h²/6·|third derivative| ≲ 1e-12·C and rounding
# ≈ u·|F|/h ≈ 1e-10 for |F| ≲ 1; 1e-7 leaves three orders of margin over the rounding term.
FD_TOL = 1e-7


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_finite_differences(seed):
    k, n = 4, 5
    V, W = ss18.teacher(k), _random_point(seed, n, k)
    assert_close(ss18.gradient(W, V), _fd_gradient(W, V), atol=FD_TOL, name="∇F")


@pytest.mark.parametrize("seed", [0, 1])
def test_hessian_matches_finite_differences_of_the_gradient(seed):
    k, n = 4, 5
    V, W = ss18.teacher(k), _random_point(seed, n, k)
    H = ss18.hessian(W, V)
    assert_close(H, H.T, atol=1e-14, name="symmetry of ∇²F")
    assert_close(H, _fd_hessian(W, V), atol=FD_TOL, name="∇²F")


def test_hessian_is_continuous_at_a_parallel_pair():
    """Split a neuron into two parallel copies: the closed form at s = 0 is the limit of s → 0."""
    k = 3
    V = ss18.teacher(k)
    W = np.vstack([_random_point(7, 2, k), np.zeros((1, k))])
    W[2] = 0.4 * W[1]
    H0 = ss18.hessian(W, V)
    W_eps = W.copy()
    W_eps[2] += 1e-7 * np.array([0.3, -0.2, 0.5])
    # ∂²g is Lipschitz near θ = 0 (F has bounded third derivatives there): a perturbation of
    # 1e-7 in w moves the Hessian by O(1e-7·‖w‖⁻¹)
    assert_close(ss18.hessian(W_eps, V), H0, atol=1e-5, name="∇²F across θ = 0")


def test_hessian_is_positive_definite_at_the_teacher():
    """At the global minimum W = V the Hessian is positive definite (a strict minimum)."""
    V = ss18.teacher(4)
    lam = np.linalg.eigvalsh(ss18.hessian(V, V))
    assert lam.min() > 1e-3


# ------------------------------------------------------------------ bad input
def test_bad_input_raises_value_error_naming_the_argument():
    V = ss18.teacher(3)
    with pytest.raises(ValueError, match="W"):
        ss18.loss(np.array([[np.nan, 0, 1.0]]), V)
    with pytest.raises(ValueError, match="zero neuron"):
        ss18.loss(np.zeros((2, 3)), V)
    with pytest.raises(ValueError, match="V"):
        ss18.loss(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="W"):
        ss18.hessian(np.ones((2, 2, 3)), V)
    with pytest.raises(ValueError, match="k"):
        ss18.teacher(0)
    with pytest.raises(ValueError, match="runs"):
        ss18.initial_weights(0, 2, 3, seed=0)
    with pytest.raises(ValueError, match="W0"):
        ss18.gradient_descent(np.ones((2, 3)), V)
    with pytest.raises(ValueError, match="step"):
        ss18.gradient_descent(np.ones((1, 2, 3)), V, step=-1.0)
    with pytest.raises(ValueError, match="W0"):  # blows up at the start: a restart cannot help
        ss18.gradient_descent(1e6 * np.ones((1, 2, 3)), V)


def test_vectorized_hessian_equals_the_pair_by_pair_reference():
    """objective.hessian (vectorized over pairs) against _hessian_loops (each block from its own
    formula, ∂²_ww g and ∂²_wv g pair by pair): the same matrix to rounding, at random points,
    at a teacher that is not the identity, and with a nearly parallel and a parallel pair (the
    vectorized form is checked against finite differences above)."""
    from numerics.ss18.objective import _hessian_loops

    rng = np.random.default_rng(5)
    cases = [(ss18.teacher(3), _random_point(11, 4, 3)), (rng.standard_normal((2, 3)), _random_point(12, 3, 3))]
    W = _random_point(13, 4, 3)
    W[1] = 0.7 * W[0] + 1e-6 * W[2]
    W[3] = 1.3 * W[2]  # exactly parallel in direction (θ = 0, s = 0 in the formulas)
    cases.append((ss18.teacher(3), W))
    for V, W in cases:
        H = ss18.hessian(W, V)
        # each entry is a sum of ≤ 2(n + k) terms of size ≲ 1: rounding ≲ 1e-14
        assert_close(H, _hessian_loops(W, V), atol=1e-12, name="∇²F vectorized vs pair by pair")


@pytest.mark.parametrize(
    "W,match",
    [
        (np.ones(3), "need shape"),  # one neuron without its axis
        (np.ones((0, 3)), "need shape"),  # no neuron
        (np.ones((2, 0)), "need shape"),  # no coordinate
        (np.array([[1e200, 1.0, 1.0], [0.5, 0.5, 0.5]]), "overflow"),  # one entry too large
        (np.array([[0.3, 0.2, 0.1], [0.0, 0.0, 0.0]]), "zero neuron"),  # one zero neuron among others
        (np.array([[[0.3, 0.2, 0.1], [0.1, 0.2, 0.3]], [[0.3, 0.2, 0.1], [0.0, 0.0, 0.0]]]), "zero neuron"),
        (np.array([["a", "b", "c"]]), "real numeric"),
        (np.array([[0.3, None, 0.1]], dtype=object), "real numeric"),
    ],
    ids=["1d", "no_neuron", "no_coordinate", "one_huge_entry", "one_zero_neuron", "zero_neuron_in_a_batch",
         "strings", "object"],
)
def test_bad_weights_raise_value_error_naming_w(W, match):
    with pytest.raises(ValueError, match=f"W: .*{match}"):
        ss18.loss(W, ss18.teacher(3))


def test_boolean_weights_are_read_as_zeros_and_ones():
    """A bool array is numeric data (True = 1.0), as NumPy reads it: the same F as its floats."""
    Wb = np.array([[True, False, True], [False, True, True]])
    assert ss18.loss(Wb, ss18.teacher(3)) == ss18.loss(Wb.astype(float), ss18.teacher(3))


def test_weights_at_the_overflow_limit_are_accepted_and_beyond_it_refused():
    """MAX_WEIGHT = 1e150: ‖w‖² ≤ d·1e300 stays finite in float64; 1e151 is refused."""
    V = ss18.teacher(2)
    assert np.isfinite(ss18.loss(np.array([[1e150, 0.0], [0.0, 1.0]]), V))
    with pytest.raises(ValueError, match="overflow"):
        ss18.loss(np.array([[1.1e150, 0.0], [0.0, 1.0]]), V)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: ss18.teacher(2, 1), "d: "),  # d < k
        (lambda: ss18.teacher(2, True), "d: "),
        (lambda: ss18.teacher(2, 3.0), "d: "),
        (lambda: ss18.teacher(True), "k: "),
        (lambda: ss18.kernel(np.ones(3), np.ones(2)), "v: dimension"),
        (lambda: ss18.kernel(np.ones(3), np.array([1.0, np.nan, 0.0])), "v: "),
        (lambda: ss18.kernel(np.array([np.inf, 1.0, 0.0]), np.ones(3)), "w: "),
        (lambda: ss18.loss(np.ones((2, 3)), np.ones((0, 3))), "V: need shape"),
        (lambda: ss18.loss(np.ones((2, 3)), np.ones(3)), "V: need shape"),
        (lambda: ss18.loss(np.ones((2, 3)), np.array([[1.0, 0, 0], [0, 0, 0]])), "V: needs finite, nonzero"),
    ],
    ids=["d_below_k", "d_bool", "d_float", "k_bool", "kernel_dims", "kernel_nan_v", "kernel_inf_w", "no_teacher",
         "teacher_1d", "teacher_zero_neuron"],
)
def test_bad_teacher_and_kernel_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_teacher_of_width_one_and_a_wider_input():
    assert np.array_equal(ss18.teacher(1), [[1.0]])
    assert np.array_equal(ss18.teacher(2, 3), [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def test_kernel_of_a_zero_vector_is_zero():
    """g(0, v) = E[[0]_+[vᵀx]_+] = 0 (the convention for a zero neuron: no direction is needed)."""
    assert ss18.kernel(np.zeros(3), np.array([0.3, -1.0, 2.0])) == 0.0
    assert ss18.kernel(np.array([0.3, -1.0, 2.0]), np.zeros(3)) == 0.0


W0_OK = np.random.default_rng(0).standard_normal((2, 3, 3)) / math.sqrt(3)


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: ss18.gradient_descent(W0_OK, ss18.teacher(3), bad_loss=float("nan")), "bad_loss"),
        (lambda: ss18.gradient_descent(W0_OK, ss18.teacher(3), bad_loss=-1.0), "bad_loss"),
        (lambda: ss18.gradient_descent(W0_OK * 1e300, ss18.teacher(3)), "W0"),
        (lambda: ss18.gradient_descent(W0_OK + 0j, ss18.teacher(3)), "W0"),
        (lambda: ss18.gradient_descent(W0_OK, ss18.teacher(3), step=float("nan")), "step"),
        (lambda: ss18.gradient_descent(W0_OK, ss18.teacher(3), tol=0.0), "tol"),
        (lambda: ss18.gradient_descent(W0_OK, ss18.teacher(3), max_iter=0), "max_iter"),
        (lambda: ss18.gradient_descent(W0_OK, ss18.teacher(3), max_iter=2.5), "max_iter"),
        (lambda: ss18.loss(W0_OK[0] + 1j, ss18.teacher(3)), "W"),
        (lambda: ss18.run_experiment(0, 3, 2, 0), "k"),
        (lambda: ss18.run_experiment(3, 0, 2, 0), "n"),
        (lambda: ss18.run_experiment(3, 3, 0, 0), "runs"),
        (lambda: ss18.run_experiment(3, 3, 2, None), "seed"),
        (lambda: ss18.run_experiment(3, 3, 2, -1), "seed"),
        (lambda: ss18.run_experiment(3, 3, 2, 0, step=0.0), "step"),
        (lambda: ss18.run_experiment(3, 3, 2, 0, tol=-1.0), "tol"),
        (lambda: ss18.run_experiment(3, 3, 2, 0, bad_loss=float("nan")), "bad_loss"),
        (lambda: ss18.run_experiment(3, 3, 2, 0, bad_loss=-1.0), "bad_loss"),
        (lambda: ss18.run_experiment(3, 3, 2, 0, max_iter=0), "max_iter"),
        (lambda: ss18.run_experiment(3, 3, 2, 0, n_jobs=0), "n_jobs"),
        (lambda: ss18.run_experiment(3, 3, 2, 0, n_jobs=-2), "n_jobs"),
        (lambda: ss18.run_experiment(3, 3, 2, 0, n_jobs=1.5), "n_jobs"),
    ],
    ids=["bad_loss_nan", "bad_loss_negative", "W0_times_1e300", "W0_complex", "step_nan", "tol_zero",
         "max_iter_zero", "max_iter_float", "W_complex", "k_zero", "n_zero", "runs_zero", "seed_none",
         "seed_negative", "step_zero", "tol_negative", "exp_bad_loss_nan", "exp_bad_loss_negative",
         "exp_max_iter_zero", "n_jobs_zero", "n_jobs_minus_two", "n_jobs_float"],
)
def test_bad_experiment_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        call()


# ------------------------------------------------------------------ gradient descent
def test_gradient_descent_reaches_the_gradient_tolerance_and_is_deterministic():
    V = ss18.teacher(3)
    W0 = ss18.initial_weights(6, 3, 3, seed=5)
    a = ss18.gradient_descent(W0, V, tol=1e-9, bad_loss=None, max_iter=200_000)
    b = ss18.gradient_descent(W0, V, tol=1e-9, bad_loss=None, max_iter=200_000)
    assert np.array_equal(a.W, b.W) and np.array_equal(a.iterations, b.iterations)
    assert np.all(a.status == ss18.CONVERGED)
    G = ss18.gradient(a.W, V)
    assert np.all(np.linalg.norm(G, axis=-1).max(axis=-1) <= 1e-9)  # the stopping rule, recomputed
    assert np.all(a.loss_increases == 0)  # GD with step 0.1 descends on these runs


def test_gradient_descent_restarts_from_the_initial_point_with_half_the_step():
    V = ss18.teacher(3)
    W0 = ss18.initial_weights(2, 3, 3, seed=1)
    res = ss18.gradient_descent(W0, V, step=400.0, max_iter=20_000)  # diverges at step 400
    assert np.all(res.restarts >= 1)
    assert_close(res.step, 400.0 / 2.0**res.restarts, rtol=1e-15, name="halved step")
    assert np.all(res.status != ss18.NOT_CONVERGED)


def test_gradient_descent_reports_runs_hitting_the_cap():
    V = ss18.teacher(3)
    W0 = ss18.initial_weights(4, 3, 3, seed=2)
    res = ss18.gradient_descent(W0, V, max_iter=3, bad_loss=None)
    assert np.all(res.status == ss18.NOT_CONVERGED) and np.all(res.iterations == 3)


def test_distinct_points_merges_equal_losses():
    assert ss18.distinct_points([0.5, 0.2, 0.5 + 1e-9, 0.3]) == [0, 1, 3]


def test_transcribed_table_is_monotone_in_k_where_legible():
    """A sanity property of the transcription (not of the paper): the rate grows with k."""
    for table in (ss18.TABLE_N_EQ_K, ss18.TABLE_N_EQ_K_PLUS_1):
        ks = sorted(table)
        assert all(table[a] <= table[b] for a, b in zip(ks, ks[1:]))


# ------------------------------------------------------------------ the compiled GD kernel
def test_compiled_kernel_matches_the_numpy_loss_and_gradient():
    """numerics.ss18.gd_kernel (the GD inner loop) against the NumPy closed form, including
    nearly (anti)parallel pairs (its chord branch), for the identity and a general teacher."""
    from numerics.ss18 import gd_kernel

    for V in (ss18.teacher(4), np.random.default_rng(9).standard_normal((3, 4))):
        W = _random_point(12, 5, 4)
        W[1] = 0.6 * W[0] + 1e-9 * W[3]
        W[4] = -1.2 * V[1] + 1e-9 * V[2]
        F, G = ss18.loss_and_gradient(W, V)
        b = np.linalg.norm(V, axis=1)
        G2 = np.empty_like(W)
        ident = bool(np.array_equal(V, np.eye(4)))
        F2 = gd_kernel.loss_grad_one(W, V, V / b[:, None], b, ss18._teacher_constant(V), G2,
                                     np.empty_like(W), np.empty(5), np.empty(5), ident, np.empty((4, 5)),
                                     np.empty((3, 5)))
        # same formulas, different summation order: a few ulps of the O(1) terms
        assert_close(F2, F, atol=1e-13, name="F (compiled)")
        assert_close(G2, G, atol=1e-13, name="∇F (compiled)")


def test_compiled_gd_follows_the_numpy_gd_iteration():
    """200 GD steps of the compiled loop against W ← W − η∇F(W) written with the NumPy gradient."""
    V = ss18.teacher(5)
    W0 = ss18.initial_weights(3, 6, 5, seed=4)
    res = ss18.gradient_descent(W0, V, max_iter=200, bad_loss=None, tol=1e-300)
    W = W0.copy()
    for _ in range(200):
        W = W - 0.1 * ss18.gradient(W, V)
    assert np.all(res.status == ss18.NOT_CONVERGED) and np.all(res.iterations == 200)
    # per-step rounding differences (≈ 1e-16) grow at most by the GD map's Lipschitz factor
    # (1 + η‖∇²F‖ ≤ 1.5 per step on a descent path is pessimistic; observed growth is ≪ 1)
    assert_close(res.W, W, atol=1e-11, name="GD iterates")


def _one_run_kernel(W, V):
    from numerics.ss18 import gd_kernel

    n, d = W.shape
    k = V.shape[0]
    b, Vh, ident = gd_kernel.teacher_parts(V)
    G = np.empty_like(W)
    F = gd_kernel.loss_grad_one(W, V, Vh, b, ss18._teacher_constant(V), G, np.empty_like(W), np.empty(n),
                                np.empty(n), ident, np.empty((d, n)), np.empty((3, max(n, k))))
    return F, G


@pytest.mark.parametrize("teacher", ["identity", "general"])
def test_lane_kernel_is_bitwise_the_one_run_kernel(teacher):
    """gd_lanes.loss_grad_lanes on 20 runs (a full 16-lane vector body and a remainder) returns,
    lane by lane, exactly the one-run kernel's F and ∇F — not to rounding: bit for bit —
    including lanes with nearly parallel, antiparallel and teacher-aligned pairs (the chord rule)."""
    from numerics.ss18 import gd_lanes, gd_kernel

    k, n, L = 4, 5, 20
    V = ss18.teacher(k) if teacher == "identity" else np.random.default_rng(9).standard_normal((3, k))
    runs = [_random_point(40 + r, n, k) for r in range(L)]
    runs[2][1] = 0.6 * runs[2][0] + 1e-9 * runs[2][3]  # |cos| > 0.99 between students
    runs[7][3] = -1.3 * runs[7][0] + 1e-7 * runs[7][2]  # antiparallel students
    runs[11][4] = -1.2 * V[1] + 1e-9 * V[2]  # antiparallel to a teacher
    runs[19][0] = 0.9 * V[0] + 1e-8 * V[2]  # parallel to a teacher
    w = np.ascontiguousarray(np.stack(runs, axis=-1))
    b, Vh, ident = gd_kernel.teacher_parts(V)
    assert ident == (teacher == "identity")
    m = max(n, V.shape[0])

    def lanes(w):
        F, G = np.empty(L), np.empty((n, k, L))
        gd_lanes.loss_grad_lanes(w, V, Vh, gd_lanes.lanes_of(Vh, L), b, ss18._teacher_constant(V), ident, G,
                                 np.empty_like(w), np.empty((n, L)), np.empty((n, L)), *np.empty((3, m, L)), F)
        return F, G

    F, G = lanes(w)
    for r in range(L):
        F1, G1 = _one_run_kernel(runs[r], V)
        assert F[r] == F1, (r, F[r] - F1)
        assert np.array_equal(G[:, :, r], G1), (r, np.abs(G[:, :, r] - G1).max())
    # and a changed lane is told apart: the test compares values, not shapes
    w[0, 0, 5] += 1e-12
    assert not np.array_equal(lanes(w)[1][:, :, 5], _one_run_kernel(runs[5], V)[1])


def test_lane_gd_gives_bitwise_the_one_run_trajectories():
    """gradient_descent with the runs in vector lanes (blocks of 32 and of 16 lanes refilled as
    runs stop; 13 runs in a 16-lane block with 3 idle lanes) and one run at a time (lanes=0): the
    same end points, losses, statuses, iteration counts, restarts, steps, rises and proofs, bit
    for bit — on 40 runs of k = n = 10 at step 0.6, every fourth one started 3× larger, so that
    some blow up and restart with a halved step while the others do not, and the runs end all
    three ways (gradient rule, good, certified bad)."""
    k = n = 10
    V = ss18.teacher(k)
    W0 = ss18.initial_weights(40, n, k, seed=12)
    W0[::4] *= 3.0
    for batch in (W0, W0[:13]):
        out = {lanes: ss18.gradient_descent(batch, V, step=0.6, blowup=50.0, max_iter=20_000,
                                            certifier=ss18.Certifier(V), lanes=lanes) for lanes in (0, 32, 16)}
        ref = out[0]
        assert 0 < np.sum(ref.restarts > 0) < len(batch)
        assert {ss18.CONVERGED, ss18.GOOD_EARLY, ss18.CERTIFIED_BAD} <= set(ref.status.tolist())
        assert np.all(ref.lane_evaluations == 0)
        for lanes in (32, 16):
            # the lanes did the work: every run started there (≥ 12 live runs at first)
            assert np.all(out[lanes].lane_evaluations > 0)
            for f in ss18.GDResult.__dataclass_fields__:
                if f != "lane_evaluations":
                    assert np.array_equal(getattr(out[lanes], f), getattr(ref, f), equal_nan=True), (lanes, f)


@pytest.mark.parametrize("lanes", [-1, 1.5, True, "32"])
def test_gradient_descent_rejects_a_nonsense_lane_count(lanes):
    with pytest.raises(ValueError, match="lanes"):
        ss18.gradient_descent(ss18.initial_weights(2, 3, 3, seed=0), ss18.teacher(3), lanes=lanes)


# ------------------------------------------------------------------ ball-arithmetic proofs
def test_prove_positive_definite_accepts_pd_and_rejects_indefinite_balls():
    import flint

    from numerics.ss18.certificate import prove_positive_definite

    A = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.1], [0.0, 0.1, 0.5]])
    assert prove_positive_definite(flint.arb_mat(A.tolist()), A)
    B = A.copy()
    B[2, 2] = -0.01
    assert not prove_positive_definite(flint.arb_mat(B.tolist()), B)
    # a ball of matrices that contains a singular one cannot be proved positive definite
    C = np.diag([1.0, 1e-3])
    balls = flint.arb_mat([[flint.arb(1.0), flint.arb(0)], [flint.arb(0), flint.arb(1e-3, 2e-3)]])
    assert not prove_positive_definite(balls, C)


def test_ball_enclosures_contain_the_float_values():
    """F, ∇F, ∇²F in arb at a float point: balls of radius ≲ 1e-25 around the float64 values."""
    from numerics.ss18.certificate import enclose

    V = ss18.teacher(3)
    W = _random_point(21, 4, 3)
    enc = enclose(W, V)
    F, G = ss18.loss_and_gradient(W, V)
    H = ss18.hessian(W, V)
    assert abs(float(enc["F"].mid()) - F) <= 1e-14 and float(enc["F"].rad()) < 1e-20
    Ga = np.array([[float(x.mid()) for x in g.entries()] for g in enc["G"]])
    assert_close(Ga, G, atol=1e-14, name="∇F ball")
    Ha = np.array([[float(x.mid()) for x in r] for r in enc["H"].tolist()])
    assert_close(Ha, H, atol=1e-13, name="∇²F ball")


def test_hessian_lipschitz_bound_in_ball_arithmetic_dominates_the_float_bound():
    """The ball-arithmetic evaluation of the per-pair bound over the norm intervals is at least
    the float evaluation at the interval ends (objective.third_derivative_bound)."""
    from numerics.ss18.certificate import hessian_lipschitz_bound

    V = ss18.teacher(3)
    W = _random_point(22, 4, 3)
    beta = hessian_lipschitz_bound(W, V, 1e-4)
    assert float(beta.lower()) >= ss18.third_derivative_bound(W, V, 1e-4)["B"] * (1 - 1e-12)
    assert hessian_lipschitz_bound(W, V, 10.0) is None  # the ball reaches a zero neuron


# ------------------------------------------------------------------ the third-derivative bound
def _third_directional_derivative(W, V, U, h=1e-5):
    """d/dt Uᵀ∇²F(W + tU)U at t = 0 by central differences of the closed-form Hessian."""
    u = U.ravel()
    return (u @ ss18.hessian(W + h * U, V) @ u - u @ ss18.hessian(W - h * U, V) @ u) / (2 * h)


@pytest.mark.parametrize("config", ["random", "parallel_students", "near_teacher"])
def test_third_derivative_bound_dominates_sampled_third_derivatives(config):
    """B must exceed |D³F[U, U, U]| in every direction: sampled random directions and directions
    concentrated on one pair of neurons (where the per-pair bounds are tight-ish)."""
    rng = np.random.default_rng({"random": 0, "parallel_students": 1, "near_teacher": 2}[config])
    k, n = 3, 4
    V = ss18.teacher(k)
    worst = 0.0
    for _ in range(4):
        W = rng.standard_normal((n, k)) / math.sqrt(k)
        if config == "parallel_students":
            W[1] = 0.8 * W[0] + 1e-3 * rng.standard_normal(k)
        if config == "near_teacher":
            W[2] = 1.1 * V[0] + 1e-3 * rng.standard_normal(k)
        B = ss18.third_derivative_bound(W, V, alpha=1e-4)["B"]
        for t in range(12):
            U = rng.standard_normal(W.shape)
            if t % 2:  # concentrate on one pair
                mask = np.zeros((n, 1))
                mask[rng.choice(n, 2, replace=False)] = 1.0
                U *= mask
            U /= np.linalg.norm(U)
            d3 = _third_directional_derivative(W, V, U)
            # FD error: h²·|F⁽⁵⁾|/6 + u·‖H‖/h ≲ 1e-9·C, far below B ≳ 1
            worst = max(worst, abs(d3) / B)
    assert worst <= 1.0, f"third derivative exceeds the bound: ratio {worst:.3g}"


def test_third_derivative_bound_refuses_a_ball_reaching_a_zero_neuron():
    V = ss18.teacher(2)
    with pytest.raises(ValueError, match="alpha"):
        ss18.third_derivative_bound(np.array([[1e-3, 0.0], [0.5, 0.5]]), V, alpha=1e-2)


def test_taylor_certificate_interval_matches_the_symbolic_roots():
    """t_∓ from numerics against theory.local_min's exact roots (REV.local-min-certificate)."""
    from theory.local_min import B as SB, EPS, LAM, claimed_interval

    eps, lam, B = 1.5e-9, 0.02, 120.0
    cert = ss18.taylor_certificate(eps, lam, B, alpha=1e-4)
    lo, hi = claimed_interval(24)
    vals = {EPS: sp.Float(eps, 50), LAM: sp.Float(lam, 50), SB: sp.Float(B, 50)}
    assert_close(cert["t_minus"], float(lo.subs(vals).evalf(40)), rtol=1e-12, name="t_−")
    assert_close(cert["t_plus"], float(hi.subs(vals).evalf(40)), rtol=1e-12, name="t_+")
    assert cert["certified"] and cert["strict_on_ball"]
    assert not ss18.taylor_certificate(eps, lam, 1e6 * B / eps, alpha=1e-4)["certified"]  # disc < 0
    assert not ss18.taylor_certificate(eps, lam, B, alpha=1e-8)["certified"]  # t_− beyond the ball


def _mp_gradient(W, V, dps=40):
    """∇F from the closed form evaluated in mpmath (θ via acos at 40 digits: no cancellation issue)."""
    with mpmath.workdps(dps):
        Wm = [[mpmath.mpf(float(x)) for x in row] for row in W]
        Vm = [[mpmath.mpf(float(x)) for x in row] for row in V]

        def dg(w, v):  # ∂_w g(w, v) = (1/2π)[‖v‖ s ŵ + (π − θ) v]
            a = mpmath.sqrt(sum(x * x for x in w))
            b = mpmath.sqrt(sum(x * x for x in v))
            c = sum(x * y for x, y in zip(w, v)) / (a * b)
            c = max(min(c, mpmath.mpf(1)), mpmath.mpf(-1))
            th = mpmath.acos(c)
            return [(b * mpmath.sin(th) * x / a + (mpmath.pi - th) * y) / (2 * mpmath.pi) for x, y in zip(w, v)]

        G = []
        for w in Wm:
            acc = [mpmath.mpf(0)] * len(w)
            for w2 in Wm:
                acc = [p + q for p, q in zip(acc, dg(w, w2))]
            for v in Vm:
                acc = [p - q for p, q in zip(acc, dg(w, v))]
            G.append([float(x) for x in acc])
    return np.array(G)


def test_gradient_is_accurate_for_nearly_parallel_pairs():
    """The fast path (its chord branch is taken here) resolves ∇F far below the 1e-9 stopping
    tolerance also when pairs are nearly parallel (θ ≈ 1e-9)."""
    k, n = 4, 5
    V = ss18.teacher(k)
    W = _random_point(11, n, k)
    W[1] = 0.6 * W[0] + 1e-9 * W[3]
    W[4] = 1.2 * V[1] + 1e-9 * V[2]
    # float64 inputs are exact in mpmath; the reference is exact to ~1e-30, so the error is the
    # fast path's own: a few ulps of the O(1) terms (1e-13 leaves a margin of 1e4 below 1e-9)
    assert_close(ss18.gradient(W, V), _mp_gradient(W, V), atol=1e-13, name="∇F near parallel")


@pytest.mark.parametrize("theta", [1e-9, 1e-5, 0.3, math.pi - 1e-6])
def test_fast_angles_are_accurate_near_parallel(theta):
    """θ and sin θ of the GD inner loop against mpmath (the unit vectors are exact inputs)."""
    u = np.array([[1.0, 0.0, 0.0]])
    v = np.array([[math.cos(theta), math.sin(theta), 0.0]])
    v /= np.linalg.norm(v)
    th, s = ss18._angles(u @ v.T, u, v)
    with mpmath.workdps(40):
        ref = mpmath.atan2(mpmath.mpf(float(v[0, 1])), mpmath.mpf(float(v[0, 0])))
    # chord branch: e = ‖u ∓ v‖ to a few ulps relative, θ = 2 arcsin(e/2) likewise: 1e-14 relative
    assert_close(th[0, 0], float(ref), rtol=1e-14, atol=1e-300, name="θ")
    assert_close(s[0, 0], float(mpmath.sin(ref)), rtol=1e-14, atol=1e-300, name="sin θ")


# ------------------------------------------------------------------ `overspec reproduce ss18`
def test_reproduce_command_writes_counts_intervals_and_a_figure(tmp_path, capsys):
    import json

    from overspec.cli import main

    code = main(["reproduce", "ss18", "--rows", "6,6", "4,5", "--runs", "6", "--n-jobs", "1",
                 "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    out = json.loads((tmp_path / "ss18.json").read_text())
    rows = {(r["k"], r["n"]): r for r in out["rows"]}
    r6 = rows[6, 6]
    assert r6["runs"] == 6 and r6["bad"] + r6["good"] + r6["undecided"] == 6
    assert r6["interval_99_9"][0] <= r6["rate"] <= r6["interval_99_9"][1]
    assert r6["transcribed_rate"] == 0.003 and r6["ocr"] == "6 16 03%" and r6["decision"] == "consistent"
    assert rows[4, 5]["transcribed_rate"] is None and rows[4, 5]["decision"].startswith("not checked")
    assert (tmp_path / "ss18.png").stat().st_size > 0
    assert main(["reproduce", "ss18", "--rows", "6"]) == 2  # bad use: one line, status 2
    assert main(["reproduce", "ss18", "--n-jobs", "0"]) == 2
    assert "n-jobs" in capsys.readouterr().err


def test_negative_curvature_is_proved_only_where_the_hessian_has_a_negative_direction():
    from numerics.ss18.certificate import negative_curvature

    V = ss18.teacher(3)
    rng = np.random.default_rng(30)
    W = next(w for w in (rng.standard_normal((4, 3)) / math.sqrt(3) for _ in range(50))
             if np.linalg.eigvalsh(ss18.hessian(w, V))[0] < -1e-3)
    nc = negative_curvature(W, V)
    assert nc["proved"] and nc["rayleigh_upper"] < 0
    assert not negative_curvature(V.copy(), V)["proved"]  # at the teacher ∇²F ≻ 0


# ------------------------------------------------------------------ the table as read from the OCR
# the readings that are not the OCR's last number verbatim (table.py says why, row by row)
_READ_AS = {(6, 6): ("03%", 0.3), (10, 10): ("34 6%", 34.6), (13, 13): ("73%", 73.0), (11, 11): ("45.5%", 45.5)}


def test_every_legible_percentage_is_the_number_its_ocr_text_shows():
    """Each row's percentage is read from its own OCR text: the last number before '%' for the
    clean rows; the documented repairs (a decimal point read as a space) for the others."""
    import re

    for r in ss18.ROWS:
        if r.percent is None:
            assert "UNREADABLE" in r.reading
            continue
        if (r.k, r.n) in _READ_AS:
            text, value = _READ_AS[(r.k, r.n)]
            assert r.ocr.endswith(text) and r.percent == value, r
            continue
        shown = float(re.findall(r"(\d+(?:\.\d+)?)%", r.ocr)[-1])
        assert r.percent == shown, (r.ocr, r.percent)
        assert r.rate == pytest.approx(r.percent / 100, rel=1e-15)


def test_the_table_has_every_row_of_the_seed_and_no_other():
    """n = k for k = 6..20 and the eleven n = k + 1 rows the seed has (k = 8, 10..19)."""
    assert [(r.k, r.n) for r in ss18.ROWS if r.n == r.k] == [(k, k) for k in range(6, 21)]
    assert [r.k for r in ss18.ROWS if r.n == r.k + 1] == [8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]


# ------------------------------------------------------------------ the certificate's arithmetic
def test_a_proved_minimum_satisfies_every_inequality_of_its_theorem_in_ball_arithmetic():
    """Re-check, from the numbers a certificate reports, the theorem of numerics.ss18.certificate
    in arb (each float is exact there): λ ≤ λ₀ − βρ, L ≥ Λ₀ + βρ, 2ε/λ < ρ, r_accept ≤ ρ − 2ε/λ,
    location ≥ ε/λ, max_step ≤ 2/L, F_lo ≤ F(x̃) − ε²/(2λ) ≤ F_hi; and ε ≥ ‖∇F(x̃)‖ recomputed."""
    import flint

    from tests.test_claims_ss18 import _a_proved_minimum

    m, V = _a_proved_minimum()
    A = flint.arb
    old_prec, flint.ctx.prec = flint.ctx.prec, 200  # ≫ 53 bits: the balls below decide every comparison
    try:
        _check_certificate_inequalities(m, V, A)
    finally:
        flint.ctx.prec = old_prec


def _check_certificate_inequalities(m, V, A) -> None:
    lam, L, rho, eps, beta = A(m.lam), A(m.L), A(m.radius), A(m.eps), A(m.beta)
    assert lam <= A(m.lam0) - beta * rho and L >= A(m.Lam0) + beta * rho
    assert lam > 0 and 2 * eps / lam < rho
    # the certificate derives r_accept, the location radius, 2/L and F_lo from the arb balls of λ
    # and L, and reports λ, L rounded outward: they agree to 1 rounding (2^-52) plus the balls'
    # radii (≤ 2^-90 relative at 96 bits), which the factor 1 ± 2^-40 covers
    lam_hi, L_lo = lam * (1 + A(2) ** -40), L * (1 - A(2) ** -40)
    assert A(m.accept_radius) <= rho - 2 * eps / lam_hi and A(m.location_radius) >= eps / lam_hi
    assert A(m.max_step) <= 2 / L_lo and 0.1 < m.max_step
    from numerics.ss18.certificate import enclose

    enc = enclose(m.W, V, want_hessian=False)  # F(x̃) and ∇F(x̃) in arb, afresh
    F = enc["F"]
    assert A(m.F_enclosure[0]) <= F - eps * eps / (2 * lam_hi) and A(m.F_enclosure[1]) >= F
    assert m.F_enclosure[0] <= m.loss <= m.F_enclosure[1]
    assert sum((x * x for g in enc["G"] for x in g.entries()), A(0)) <= eps * eps
