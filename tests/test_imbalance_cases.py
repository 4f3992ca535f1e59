"""numerics.imbalance: exact small cases, sign conventions, thresholds and every input guard.

Claims ZBZ24.imbalance / ZBZ24.Thm2 (the escape eigenspace of −∇²L(0), the imbalance vector C(θ̄),
the escape time T_ε and the log–log rate fit). The oracles are hand computations, the analytic
Hessian of numerics.network (an independent implementation), and scipy.stats.linregress.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from numerics import network as net
from numerics.imbalance import (
    data_vector,
    escape_basis,
    escape_rates,
    escape_time,
    fit_rate,
    imbalance_vector,
    init_with_imbalance,
    sigma_prime_zero,
)
from overspec.testing import assert_close

# pytest.approx has a default absolute tolerance of 1e-12: every comparison below passes abs explicitly

# an activation with σ'(0) = −1 (σ = −tanh): the sign s = sgn σ'(0) = −1 of the docstring
NEG_TANH = net.Activation("neg_tanh", lambda x: -np.tanh(x), lambda x: np.tanh(x) ** 2 - 1.0,
                          lambda x: 2.0 * np.tanh(x) * (1.0 - np.tanh(x) ** 2))
# σ'(0) = 3: |σ'(0)| enters λ₁
TRIPLE = net.Activation("triple_tanh", lambda x: 3.0 * np.tanh(x), lambda x: 3.0 * (1.0 - np.tanh(x) ** 2),
                        lambda x: -6.0 * np.tanh(x) * (1.0 - np.tanh(x) ** 2))

# hand-made data: z = (1/2)(1·(1, 2) − 1·(3, 4)) = (−1, −1), ‖z‖ = √2
X2 = np.array([[1.0, 2.0], [3.0, 4.0]])
Y2 = np.array([1.0, -1.0])


def test_sigma_prime_zero_of_the_builtin_activations():
    assert sigma_prime_zero("tanh") == 1.0
    assert sigma_prime_zero() == 1.0  # default: tanh
    assert sigma_prime_zero("relu") == 0.0  # ReLU'(0) := 0 (pinned in numerics.network)
    assert sigma_prime_zero(NEG_TANH) == -1.0


def test_data_vector_by_hand():
    assert_close(data_vector(X2, Y2), [-1.0, -1.0], atol=1e-15, name="z")  # exact up to rounding


def test_escape_rates_by_hand_for_d_equal_two():
    """d = 2 (the smallest d ≥ 2): λ₂ = 0; λ₁ = |σ'(0)|·‖z‖ = √2, 3√2 for σ'(0) = 3, √2 for σ'(0) = −1."""
    assert escape_rates(X2, Y2) == pytest.approx((math.sqrt(2.0), 0.0), abs=1e-15)
    assert escape_rates(X2, Y2, TRIPLE) == pytest.approx((3.0 * math.sqrt(2.0), 0.0), abs=1e-14)
    assert escape_rates(X2, Y2, NEG_TANH) == pytest.approx((math.sqrt(2.0), 0.0), abs=1e-15)


def test_escape_rates_for_d_equal_one_has_lambda2_minus_lambda1():
    # z = (1/2)(1·1 − 1·3) = −1: λ₁ = 1, λ₂ = −1 (the other distinct eigenvalue)
    assert escape_rates(X2[:, :1], Y2) == pytest.approx((1.0, -1.0), abs=1e-15)


def test_escape_rates_agree_with_the_analytic_hessian_for_a_negative_slope():
    """The spectrum of −∇²L(0) (numerics.network.hessian) for σ = −tanh: top eigenvalue λ₁ (×m)."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=5)
    m = 2
    H = net.hessian(np.zeros(m * 3), X, y, NEG_TANH)
    ev = np.sort(np.linalg.eigvalsh(-H))[::-1]
    lam1, lam2 = escape_rates(X, y, NEG_TANH)
    # eigvalsh of a 6×6 symmetric matrix of O(1) entries: rounding ≈ 1e-15
    assert_close(ev[:m], [lam1] * m, atol=1e-12, name="λ₁ (multiplicity m)")
    assert_close(ev[m], lam2, atol=1e-12, name="λ₂ = 0")


@pytest.mark.parametrize("act", [NEG_TANH, TRIPLE, "tanh"])
def test_escape_basis_is_the_top_eigenspace_with_the_sign_of_sigma_prime(act):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=6)
    m = 3
    E = escape_basis(X, y, m, act)
    H = net.hessian(np.zeros(m * 4), X, y, act)
    lam1, _ = escape_rates(X, y, act)
    assert E.shape == (12, 3)
    assert_close(-H @ E, lam1 * E, atol=1e-12, name="−H e_k = λ₁ e_k")  # rounding of O(1) products
    assert_close(E.T @ E, np.eye(m), atol=1e-14, name="orthonormal columns")
    z = X.T @ y / 6
    s = math.copysign(1.0, sigma_prime_zero(act))
    for k in range(m):
        block = E[4 * k: 4 * (k + 1), k]
        assert_close(block, np.r_[1.0, s * z / np.linalg.norm(z)] / math.sqrt(2.0), atol=1e-15, name="e_k")
        assert np.all(np.delete(E[:, k], np.s_[4 * k: 4 * (k + 1)]) == 0.0)  # 0 outside block k


def test_imbalance_vector_of_a_batch_is_the_row_by_row_vector_and_uses_the_sign():
    rng = np.random.default_rng(2)
    bars = rng.normal(size=(4, 6))
    C = imbalance_vector(bars, X2, Y2)
    assert C.shape == (4, 2)
    zhat = np.array([-1.0, -1.0]) / math.sqrt(2.0)
    for b in range(4):
        a, W = net.unpack(bars[b], 2)
        assert_close(C[b], (a + W @ zhat) / math.sqrt(2.0), atol=1e-14, name="C_k = (a_k + w_kᵀẑ)/√2")
        assert_close(imbalance_vector(bars[b], X2, Y2, NEG_TANH), (a - W @ zhat) / math.sqrt(2.0),
                     atol=1e-14, name="σ'(0) < 0: C_k = (a_k − w_kᵀẑ)/√2")


def test_init_with_imbalance_without_orthogonal_part_is_in_the_escape_space():
    C = np.array([0.5, -2.0])
    theta = init_with_imbalance(C, X2, Y2)
    zhat = np.array([-1.0, -1.0]) / math.sqrt(2.0)
    expected = np.r_[C[0], C[0] * zhat, C[1], C[1] * zhat] / math.sqrt(2.0)
    assert_close(theta, expected, atol=1e-15, name="θ̄ = Σ C_k e_k")


def test_init_with_imbalance_keeps_only_the_orthogonal_part_of_v():
    C = np.array([0.5, -2.0])
    E = escape_basis(X2, Y2, 2)
    inside = E @ np.array([3.0, 7.0])  # a vector in the escape space is removed entirely
    assert_close(init_with_imbalance(C, X2, Y2, orthogonal=inside), E @ C, atol=1e-14, name="v ∈ span E")
    v = np.arange(6.0)
    theta = init_with_imbalance(C, X2, Y2, orthogonal=v)
    assert_close(theta - E @ C, v - E @ (E.T @ v), atol=1e-14, name="(I − EEᵀ)v")


@pytest.mark.parametrize(
    "eps, c, lam, expected",
    [
        (1e-3, 2.0, 0.5, math.log(500.0) / 0.5),
        (0.25, 2.0, 4.0, math.log(2.0) / 4.0),
        (1.0, 1.0, 1.0, 0.0),  # ε‖C‖ = 1: no time near the origin
    ],
)
def test_escape_time_by_hand(eps, c, lam, expected):
    assert escape_time(eps, c, lam) == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize("args", [(0.0, 1.0, 1.0), (-1e-3, 1.0, 1.0), (1e-3, 0.0, 1.0), (1e-3, -1.0, 1.0),
                                  (1e-3, 1.0, 0.0), (1e-3, 1.0, -2.0)])
def test_escape_time_needs_every_argument_positive(args):
    with pytest.raises(ValueError, match="eps, C_norm, lam1"):
        escape_time(*args)


def test_fit_rate_on_an_exact_power_law():
    eps = np.array([1e-1, 1e-2, 1e-3, 1e-4])
    fit = fit_rate(eps, 3.0 * eps**1.5)
    assert fit.exponent == pytest.approx(1.5, abs=1e-12)  # lstsq on exact data: rounding only
    assert fit.intercept == pytest.approx(math.log10(3.0), abs=1e-12)
    assert fit.stderr < 1e-12 and np.abs(fit.residuals).max() < 1e-12
    assert fit.confidence == 0.999  # the default


@pytest.mark.parametrize("K, confidence", [(3, 0.999), (5, 0.9), (6, 0.999)])
def test_fit_rate_stderr_and_interval_match_linregress(K, confidence):
    """se(α) = scipy.stats.linregress's slope stderr; half-width = t_{1−δ/2, K−2}·se (docstring)."""
    rng = np.random.default_rng(K)
    eps = np.logspace(-1, -K, K)
    dist = 2.0 * eps**0.8 * np.exp(0.05 * rng.normal(size=K))
    fit = fit_rate(eps, dist, confidence)
    ref = stats.linregress(np.log10(eps), np.log10(dist))
    # two least-squares solvers on K ≤ 6 points of O(1) values: agreement to rounding
    assert fit.exponent == pytest.approx(ref.slope, rel=1e-10, abs=0)
    assert fit.intercept == pytest.approx(ref.intercept, rel=1e-10, abs=0)
    assert fit.stderr == pytest.approx(ref.stderr, rel=1e-10, abs=0)
    t = stats.t.ppf(1 - (1 - confidence) / 2, K - 2)
    assert fit.half_width == pytest.approx(t * ref.stderr, rel=1e-10, abs=0)
    res = np.log10(dist) - (ref.slope * np.log10(eps) + ref.intercept)
    assert_close(fit.residuals, res, atol=1e-12, name="residuals")  # rounding of O(1) logs


# rows 1e3 and 1e3 + δ (δ ≈ 2e-12) with labels ±1, and a zero row with label 0: z = (−δ/3, 0) ≈ 7e-13,
# max|X|·max|y| = 1e3, so the relative threshold is 1e-14·1e3 = 1e-11 > ‖z‖ (the *maxima* set the scale:
# min|X| = min|y| = 0 here, and an absolute 1e-14 would accept this z)
X_HUGE = np.array([[1e3, 0.0], [1e3 + 2e-12, 0.0], [0.0, 0.0]])
Y_HUGE = np.array([1.0, -1.0, 0.0])
# entries 1e200: z = (1e400 − 1e400)/2 overflows to NaN
X_OVER = np.array([[1e200], [1e200]])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: escape_rates(X2, Y2, "relu"), "^activation:"),
        (lambda: escape_basis(X2, Y2, 2, "relu"), "^activation:"),
        (lambda: escape_basis(X2, Y2, 0), "^m:"),
        (lambda: escape_basis(X2, Y2, 1.5), "^m:"),
        # z = 0 exactly
        (lambda: escape_rates(X2, np.zeros(2)), "^y:"),
        # ‖z‖ = 1e-12 while max|X|·max|y| = 1e3: below the relative threshold 1e-14·1e3 = 1e-11
        (lambda: escape_rates(X_HUGE, Y_HUGE), "^y:"),
        (lambda: escape_rates(X_OVER, np.array([1e200, -1e200])), "^y:"),
        (lambda: imbalance_vector(np.ones(5), X2, Y2), "^theta_bar:"),
        (lambda: imbalance_vector(np.array([1.0, np.nan, 0.0]), X2, Y2), "^theta_bar:"),
        (lambda: imbalance_vector(np.array([1.0, np.inf, 0.0]), X2, Y2), "^theta_bar:"),
        (lambda: init_with_imbalance(np.ones((2, 2)), X2, Y2), "^C:"),
        (lambda: init_with_imbalance(np.array([]), X2, Y2), "^C:"),
        (lambda: init_with_imbalance(np.array([1.0, np.inf]), X2, Y2), "^C:"),
        (lambda: init_with_imbalance(np.ones(2), X2, Y2, orthogonal=np.ones(5)), "^orthogonal:"),
        (lambda: init_with_imbalance(np.ones(2), X2, Y2, orthogonal=np.r_[np.nan, np.zeros(5)]), "^orthogonal:"),
        (lambda: fit_rate([1e-2, 1e-3, 1e-4], [1.0, 0.1]), "^eps, dist:"),
        (lambda: fit_rate(np.ones((3, 1)), np.ones((3, 1))), "^eps, dist:"),
        (lambda: fit_rate([1e-2, 0.0, 1e-4], [1.0, 0.1, 0.01]), "^eps:"),
        (lambda: fit_rate([1e-2, np.inf, 1e-4], [1.0, 0.1, 0.01]), "^eps:"),
        (lambda: fit_rate([1e-2, 1e-3, 1e-4], [1.0, 0.0, 0.01]), "^dist:"),
        (lambda: fit_rate([1e-2, 1e-3, 1e-4], [1.0, np.inf, 0.01]), "^dist:"),
        (lambda: fit_rate([1e-2, 1e-3, 1e-4], [1.0, 0.1, 0.01], 0.0), "^confidence:"),
        (lambda: fit_rate([1e-2, 1e-3, 1e-4], [1.0, 0.1, 0.01], 1.0), "^confidence:"),
    ],
)
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_small_but_resolved_data_vector_is_accepted():
    """The zero-z threshold is 1e-14·max(1, max|X|·max|y|): with max|X|·max|y| < 1 it is 1e-14, so
    ‖z‖ = 5e-14 and ‖z‖ = 1.5e-14 are resolved saddles."""
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    for y0 in (1e-13, 3e-14):  # z = (y0/2, 0)
        lam1, lam2 = escape_rates(X, np.array([y0, 0.0]))
        assert lam1 == pytest.approx(y0 / 2, rel=1e-12, abs=0) and lam2 == 0.0  # rounding of one product
