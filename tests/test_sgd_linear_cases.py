"""numerics.sgd_linear (claims REV.sgd-minimax, REV.sgd-implicit-reg): input guards, the exact
energy identity of Lemma 2 away from unit denominator, the error operators (A, B) against a plain
SGD run, and the worst-case disturbance returned with the supremum.

The oracle for (A, B) and for the worst case is energy_ratio, which runs SGD itself (no matrices).
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics.sgd_linear import energy_ratio, error_operators, sgd, step_bound, worst_case_ratio
from overspec.testing import assert_close

RNG = np.random.default_rng(20261202)
X = RNG.normal(size=(4, 3))  # n = 4 samples in d = 3: z = (w − w_0, v) has 7 entries
ETA = 0.5 * step_bound(X)  # inside the step bound: ratio ≤ 1


# ------------------------------------------------------------------ guards


def test_zero_step_is_rejected():
    with pytest.raises(ValueError, match="eta"):
        sgd(np.zeros(3), X, np.ones(4), 0.0)


def test_a_vector_with_one_nan_entry_is_rejected_by_name():
    with pytest.raises(ValueError, match="w0: contains NaN"):
        sgd(np.array([np.nan, 0.0, 0.0]), X, np.ones(4), ETA)
    with pytest.raises(ValueError, match="v: contains NaN"):
        energy_ratio(np.ones(3), np.zeros(3), np.array([0.0, np.inf, 0.0, 0.0]), X, ETA)


def test_zero_epochs_is_rejected():
    with pytest.raises(ValueError, match="epochs"):
        sgd(np.zeros(3), X, np.ones(4), ETA, epochs=0)


def test_step_bound_is_min_inverse_squared_norm_and_rejects_one_zero_sample():
    assert step_bound([[1.0, 0.0], [0.0, 2.0]]) == 0.25  # min(1/1, 1/4); a unit row is fine
    assert step_bound([[3.0, 4.0]]) == 1.0 / 25.0
    with pytest.raises(ValueError, match="X: a sample x_i = 0"):
        step_bound([[0.0, 0.0], [1.0, 0.0]])


# ------------------------------------------------------------------ the identity and the operators


def _disturbance(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = np.random.default_rng(seed)
    return 3.0 * r.normal(size=3), r.normal(size=3), 2.0 * r.normal(size=4)  # w, w0, v


def test_identity_ratio_equals_the_ratio_when_the_denominator_is_not_one():
    for seed in range(3):
        w, w0, v = _disturbance(seed)
        e = energy_ratio(w, w0, v, X, ETA)
        assert e.denominator > 2.0  # ‖w − w0‖² ≫ 1 here: a wrong scaling by den would show
        assert_close(e.identity_ratio, e.ratio, rtol=1e-12, name="identity ratio")  # Lemma 2 is exact; rounding
        assert e.ratio <= 1.0


def test_error_operators_reproduce_the_energies_of_an_sgd_run():
    for seed in range(3):
        w, w0, v = _disturbance(seed)
        A, B = error_operators(X, ETA)
        z = np.concatenate([w - w0, v])
        e = energy_ratio(w, w0, v, X, ETA)
        assert_close(z @ A @ z, e.numerator, rtol=1e-12, name="zᵀAz")  # same sums, other order
        assert_close(z @ B @ z, e.denominator, rtol=1e-12, name="zᵀBz")  # same sums, other order


def test_worst_case_returns_the_maximizing_disturbance_with_the_supremum():
    # above the step bound (η‖x_2‖² = 1.5 > 1) the supremum exceeds 1 and is a simple eigenvalue
    # (2.116 for this X; the next is 1, with multiplicity d), so its eigenvector is determined
    eta = 1.5 * step_bound(X)
    lam, z = worst_case_ratio(X, eta)
    assert lam > 1.5
    A, B = error_operators(X, eta)
    assert_close(z @ B @ z, 1.0, rtol=1e-10, name="zᵀBz")  # eigh's B-normalization; rounding
    assert_close(z @ A @ z, lam, rtol=1e-10, name="zᵀAz")  # eigh residual, rounding
    # replaying the disturbance z = (w − w_0, v) through SGD gives the supremum as its ratio
    e = energy_ratio(z[:3], np.zeros(3), z[3:], X, eta)
    assert_close(e.ratio, lam, rtol=1e-10, name="ratio at z*")  # rounding of 7-term sums
    # and no random disturbance beats it
    for seed in range(5):
        w, w0, v = _disturbance(seed)
        assert energy_ratio(w, w0, v, X, eta).ratio <= lam * (1 + 1e-12)  # rounding
