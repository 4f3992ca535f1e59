"""numerics.network: the pinned ReLU derivative (ReLU'(0) := 0, the one-sided convention of SS16's
basins, module docstring) and the overflow guard of loss/gradient (finite inputs whose result
exceeds float64 are a ValueError naming the arguments, never an inf).
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics.network import batched_gradient, batched_loss, finite_result, get_activation, gradient, loss


def test_relu_derivative_is_the_indicator_of_x_positive_with_relu_prime_0_pinned_to_0():
    relu = get_activation("relu")
    x = np.array([-2.0, -1e-300, 0.0, 1e-300, 0.5, 1.0, 3.0])
    assert np.array_equal(relu.df(x), [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    assert np.array_equal(relu.d2f(x), np.zeros(7))


def test_finite_result_passes_finite_values_and_rejects_one_non_finite_entry():
    v = np.array([1.0, -2.0])
    assert finite_result(v, "a, b") is v
    for bad in (np.inf, np.nan):
        with pytest.raises(ValueError, match="^a, b: the result overflows float64"):
            finite_result(np.array([1.0, bad]), "a, b")


# θ = (a_1, w_1) with d = 1: f(x) = 1e200·tanh(x), so r² ≈ 1e400 overflows; the second θ is harmless
X, Y = np.array([[1.0], [2.0]]), np.array([0.0, 1.0])
HUGE, SMALL = np.array([1e200, 1.0]), np.array([0.5, 1.0])


def test_loss_whose_value_overflows_is_a_value_error_naming_the_arguments():
    with pytest.raises(ValueError, match="^theta, X, y: the result overflows"):
        loss(HUGE, X, Y)
    with pytest.raises(ValueError, match="^thetas, X, y: the result overflows"):
        batched_loss(np.stack([SMALL, HUGE]), X, Y)  # one overflowing θ of the stack is enough
    assert np.isfinite(loss(SMALL, X, Y))


def test_gradient_whose_value_overflows_is_a_value_error_naming_the_arguments():
    big = np.array([1e300, 1.0])  # ∂L/∂w = r·a·σ'(w x) x ≈ 1e300·1e300: overflows
    with pytest.raises(ValueError, match="^theta, X, y: the result overflows"):
        gradient(big, X, Y)
    with pytest.raises(ValueError, match="^thetas, X, y: the result overflows"):
        batched_gradient(np.stack([SMALL, big]), X, Y)
