"""numerics.deep_relu (claims SS16.Thm1, SS16.Prop1, SS16.Prop2): every input guard of the deep
ReLU net and of its losses, each a ValueError naming the argument (tested with the message, so a
different error raised later does not pass), the accepted edge cases (batch = 1, k = 1, one
data row, 1×1 weights, float labels with integer values), and bias-free initialization drawing
each neuron's weight vector from the law in R^{n_{i−1}} (module docstring, SS16 Assumption 1).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics import deep_relu
from numerics.init_laws import GaussianLaw, SphereLaw
from overspec.testing import assert_close

RNG = np.random.default_rng


def _net(widths=(3, 2, 1), bias=True, seed=0):
    return deep_relu.init_params(list(widths), GaussianLaw(), RNG(seed), bias=bias)


# ------------------------------------------------------------------ init_params


def test_batch_of_one_network_has_a_leading_axis_of_one():
    params = deep_relu.init_params([3, 2, 1], GaussianLaw(), RNG(0), batch=1)
    assert params[0][0].shape == (1, 2, 3) and params[0][1].shape == (1, 2) and params[1][0].shape == (1, 1, 2)
    assert deep_relu.forward(params, np.ones((4, 3))).shape == (1, 4, 1)


def test_law_and_output_law_without_sample_are_rejected_by_name():
    with pytest.raises(ValueError, match="^law: needs a sample"):
        deep_relu.init_params([3, 2, 1], "gauss", RNG(0), output_law=GaussianLaw())
    with pytest.raises(ValueError, match="^output_law: needs a sample"):
        deep_relu.init_params([3, 2, 1], GaussianLaw(), RNG(0), output_law="half")


def test_bias_free_hidden_neurons_are_draws_of_the_law_in_the_input_dimension():
    # SphereLaw(2): a bias-free neuron's weight vector w ∈ R^{n_{i−1}} has norm exactly 2
    params = deep_relu.init_params([3, 5, 4, 1], SphereLaw(2.0), RNG(1), bias=False)
    for W, b in params:
        assert b is None
        assert_close(np.linalg.norm(W, axis=1), np.full(W.shape[0], 2.0), rtol=1e-14, name="‖w‖")  # rounding
    # with biases, (w, b) ∈ R^{n_{i−1}+1} is the draw: ‖(w, b)‖ = 2
    (W, b), _ = deep_relu.init_params([3, 5, 1], SphereLaw(2.0), RNG(1))
    assert_close(np.hypot(np.linalg.norm(W, axis=1), b), np.full(5, 2.0), rtol=1e-14, name="‖(w, b)‖")  # rounding


# ------------------------------------------------------------------ params and X


@pytest.mark.parametrize("X, match", [
    (np.ones(3), r"^X: expected a 2-D array"),
    (np.ones((0, 3)), r"^X: empty array"),
    (np.array([[1.0, np.nan, 0.0], [1.0, 1.0, 1.0]]), r"^X: contains NaN or infinite entries"),
])
def test_bad_X_is_rejected_by_name(X, match):
    with pytest.raises(ValueError, match=match):
        deep_relu.forward(_net(), X)


def test_one_by_one_weights_are_accepted():
    params = [(np.array([[2.0]]), np.array([-1.0])), (np.array([[3.0]]), None)]
    assert np.array_equal(deep_relu.forward(params, [[1.0], [0.0]]), [[3.0], [0.0]])  # 3·[2x − 1]_+


def _replace(params, i, W=None, b="keep"):
    out = list(params)
    W0, b0 = out[i]
    out[i] = (W0 if W is None else W, b0 if isinstance(b, str) else b)
    return out


@pytest.mark.parametrize("make, match", [
    (lambda p: _replace(p, 0, W=np.ones(3)), r"^params\[0\]\.W: need a finite"),
    (lambda p: _replace(p, 0, W=np.ones((2, 0))), r"^params\[0\]\.W: need a finite"),
    (lambda p: _replace(p, 0, W=np.array([[1.0, np.inf, 0.0], [0.0, 0.0, 1.0]])), r"^params\[0\]\.W: need a finite"),
    (lambda p: _replace(p, 1, W=np.array([[np.nan, 1.0]])), r"^params\[1\]\.W: need a finite"),
    (lambda p: _replace(p, 0, b=np.ones(3)), r"^params\[0\]\.b: need finite entries of shape \(2,\)"),
    (lambda p: _replace(p, 0, b=np.array([0.0, np.nan])), r"^params\[0\]\.b: need finite entries"),
    (lambda p: _replace(p, 1, W=np.ones((1, 3))), r"^params\[1\]\.W: shape \(1, 3\) does not take width 2"),
])
def test_bad_weights_are_rejected_naming_the_layer(make, match):
    with pytest.raises(ValueError, match=match):
        deep_relu.forward(make(_net()), np.ones((4, 3)))


def test_a_deeper_layer_of_the_wrong_width_is_named():
    params = _replace(_net((3, 2, 4, 1)), 1, W=np.ones((4, 3)), b=np.zeros(4))  # takes 3, gets 2
    with pytest.raises(ValueError, match=r"^params\[1\]\.W: shape \(4, 3\) does not take inputs of width 2$"):
        deep_relu.last_hidden(params, np.ones((4, 3)))


@pytest.mark.parametrize("params, match", [
    ([(np.ones((1, 2)), None)], r"^params: need a list"),
    ("ab", r"^params: need a list"),
    ([[np.ones((2, 3)), np.zeros(2)], (np.ones((1, 2)), None)], r"^params: layer 1 must be a pair"),
    ([(np.ones((2, 3)), np.zeros(2), 0), (np.ones((1, 2)), None)], r"^params: layer 1 must be a pair"),
    ([(np.ones((2, 3)), np.zeros(2)), (np.ones((1, 2)), np.zeros(1))], r"^params: the last layer is linear without bias"),
])
def test_malformed_params_are_rejected(params, match):
    with pytest.raises(ValueError, match=match):
        deep_relu.depth(params)


def test_scale_last_layer_needs_a_finite_factor():
    for c in (math.inf, math.nan):
        with pytest.raises(ValueError, match="^c: must be finite"):
            deep_relu.scale_last_layer(_net(), c)


# ------------------------------------------------------------------ losses


@pytest.mark.parametrize("P, match", [
    (np.ones(3), r"^P: need an \(m, k\) prediction matrix"),
    (np.ones((1, 1, 1, 1)), r"^P: need an \(m, k\) prediction matrix"),
    (np.ones((0, 2)), r"^P: need an \(m, k\) prediction matrix"),
    (np.array([[0.0, np.nan], [1.0, 1.0]]), r"^P: contains NaN or infinite entries"),
])
def test_bad_predictions_are_rejected_by_both_losses(P, match):
    with pytest.raises(ValueError, match=match):
        deep_relu.squared_loss(P, np.zeros(P.shape[:2]) if P.ndim == 2 else np.zeros(3))
    with pytest.raises(ValueError, match=match):
        deep_relu.softmax_xent(P, np.zeros(len(P), dtype=int))


def test_squared_loss_rejects_3d_targets():
    with pytest.raises(ValueError, match="^Y: expected a 2-D array"):
        deep_relu.squared_loss(np.ones((2, 1)), np.ones((2, 1, 1)))


P3 = np.array([[0.0, 1.0], [2.0, 0.0], [1.0, 1.0]])


@pytest.mark.parametrize("Y, match", [
    (np.array([0, 1]), r"^Y: 2 labels for 3 rows of P"),
    (np.array([0.0, 1.0, np.inf]), r"^Y: labels must be integers in \[0, k\)"),  # inf == round(inf)
    (np.array([0.0, 1.0, np.nan]), r"^Y: labels must be integers in \[0, k\)"),
    (np.array([0.0, 1.5, 1.0]), r"^Y: labels must be integers in \[0, k\)"),
    (np.array([0, -1, 1]), r"^Y: labels must lie in \[0, 2\)"),
    (np.eye(3), r"^Y: one-hot shape \(3, 3\) does not match"),
    (np.array([[1.0, 0.0], [2.0, -1.0], [0.0, 1.0]]), r"^Y: a 2-D Y must be one-hot"),
    (np.ones((3, 2, 1)), r"^Y: labels \(m,\) or one-hot \(m, k\)"),
])
def test_bad_labels_are_rejected(Y, match):
    with pytest.raises(ValueError, match=match):
        deep_relu.softmax_xent(P3, Y)


def test_integer_valued_float_labels_equal_integer_labels():
    assert deep_relu.softmax_xent(P3, np.array([1.0, 0.0, 1.0])) == deep_relu.softmax_xent(P3, np.array([1, 0, 1]))


# ------------------------------------------------------------------ zero_output


def test_zero_output_shapes_at_the_edges():
    assert np.array_equal(deep_relu.zero_output(np.ones(3), 1), np.zeros((3, 1)))  # k = 1, labels (m,)
    assert deep_relu.zero_output([5.0], 2).shape == (1, 2)  # one data row
    assert deep_relu.zero_output(np.ones((4, 2)), 2).shape == (4, 2)


@pytest.mark.parametrize("Y", [np.float64(2.0), np.ones(0)])
def test_zero_output_needs_a_data_point(Y):
    with pytest.raises(ValueError, match="^Y: need at least one data point"):
        deep_relu.zero_output(Y, 2)
