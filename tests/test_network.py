"""Unit tests of numerics.network: gradient and Hessian against central finite differences."""

import numpy as np
import pytest

from numerics import network as net
from overspec.testing import assert_close


def test_unpack_rejects_a_length_that_is_not_a_multiple_of_d_plus_one():
    with pytest.raises(ValueError, match=r"^theta: length 5 is not a multiple of d \+ 1 = 3"):
        net.unpack(np.ones(5), 2)


@pytest.mark.parametrize("activation", ["tanh", "x_plus_x2", "sin", "sigmoid"])
@pytest.mark.parametrize("normalization", ["half_mean", "mean"])
def test_gradient_and_hessian_match_finite_differences(activation, normalization):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 3)), rng.normal(size=7)
    theta = rng.normal(size=4 * 4) * 0.7
    f = lambda t: net.loss(t, X, y, activation, normalization)  # noqa: E731
    g = net.gradient(theta, X, y, activation, normalization)
    h = 1e-5
    g_fd = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(theta.size)])
    # central differences: truncation O(h²)·|f'''| ≈ 1e-10, rounding ≈ eps·|f|/h ≈ 1e-11
    assert_close(g, g_fd, atol=1e-7, rtol=1e-7, name="gradient")
    H = net.hessian(theta, X, y, activation, normalization)
    H_fd = net.finite_difference_hessian(f, theta, 1e-4)
    # second differences: truncation O(h²)·|f''''| ≈ 1e-8, rounding ≈ eps·|f|/h² ≈ 1e-8
    assert_close(H, H_fd, atol=1e-5, rtol=1e-5, name="hessian")


def test_pack_unpack_roundtrip():
    rng = np.random.default_rng(1)
    a, W = rng.normal(size=3), rng.normal(size=(3, 2))
    a2, W2 = net.unpack(net.pack(a, W), 2)
    assert np.array_equal(a, a2) and np.array_equal(W, W2)


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.zeros((0, 2)), np.zeros(0), "X: zero data points"),
        (np.array([[np.nan, 1.0]]), np.zeros(1), "X: contains NaN"),
        (np.ones((2, 2)), np.zeros(3), "y: expected shape"),
        (np.ones(3), np.zeros(3), "X: expected a 2-d array"),
    ],
)
def test_bad_input_names_the_argument(X, y, match):
    with pytest.raises(ValueError, match=match):
        net.check_data(X, y)
