"""numerics.network: every documented input error names its argument (the shared guards of the
two-layer network used by the SS16/SS18/ZBZ24 claims).

Each case is input that the guard must stop and that would otherwise either go through silently
(complex numbers losing their imaginary part, an empty feature axis, an empty parameter vector
giving predictions of 0, one NaN among finite weights) or fail later with NumPy's own message,
which names no argument.
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics import network as net

X = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]])  # 3 samples, d = 2
A = np.array([1.0, -2.0])
W = np.array([[0.3, -0.1], [0.2, 0.4]])


def test_complex_input_is_refused_not_truncated_to_its_real_part():
    with pytest.raises(TypeError, match=r"^X: expected real numbers, got dtype complex128$"):
        net.check_data(X + 1j)
    with pytest.raises(TypeError, match=r"^a: expected real numbers"):
        net.forward(A.astype(complex), W, X)


def test_float64_input_is_not_copied():
    """Validation of float64 data costs no copy (the data sets of the Monte Carlo runs are large)."""
    assert net.real_array(X, "X") is X
    assert net.real_array(np.arange(3), "n").dtype == np.float64  # integers are converted


def test_data_without_features_is_refused():
    with pytest.raises(ValueError, match=r"^X: zero features$"):
        net.check_data(np.zeros((3, 0)))


@pytest.mark.parametrize("a, W_", [
    (A, np.vstack([W, W])),  # two output weights for four neurons
    (A[:1], W),  # a shorter than W
    (A, W.ravel()),  # W not a matrix
])
def test_pack_refuses_shapes_that_do_not_match(a, W_):
    with pytest.raises(ValueError, match=r"^a, W: expected shapes \(m,\) and \(m, d\)"):
        net.pack(a, W_)


@pytest.mark.parametrize("a, W_", [
    (A, np.ones((2, 3))),  # hidden weights of dimension 3 for data of dimension 2
    (A[:1], W),  # a shorter than W
    (A, W.ravel()),  # W not a matrix
])
def test_forward_refuses_weights_that_do_not_match_the_data(a, W_):
    with pytest.raises(ValueError, match=r"^a, W: expected shapes \(m,\) and \(m, 2\)"):
        net.forward(a, W_, X)


@pytest.mark.parametrize("thetas", [
    np.zeros((2, 0)),  # no neurons at all: predictions would silently be 0
    np.zeros((2, 5)),  # 5 is not a multiple of d + 1 = 3
    np.zeros((2, 3, 1)),  # not a stack of vectors
])
def test_a_stack_of_parameters_must_be_B_by_m_times_d_plus_one(thetas):
    with pytest.raises(ValueError, match=r"^thetas: expected \(B, m\(d\+1\)\) with d \+ 1 = 3"):
        net.batched_predict(thetas, X)


def test_one_non_finite_parameter_is_refused():
    thetas = np.tile(net.pack(A, W), (2, 1))
    thetas[1, 4] = np.nan
    with pytest.raises(ValueError, match=r"^thetas: contains NaN or inf$"):
        net.batched_predict(thetas, X)
    thetas[1, 4] = np.inf
    with pytest.raises(ValueError, match=r"^thetas: contains NaN or inf$"):
        net.batched_predict(thetas, X)
