"""Unit tests of numerics.deep_relu (deep ReLU nets, losses of P) and numerics.initial_loss."""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics import deep_relu
from numerics.init_laws import GaussianLaw, SphereLaw
from numerics.initial_loss import (
    AbsoluteLoss,
    DeadZoneSquaredLoss,
    Prop12Setup,
    SoftmaxXent,
    SquaredLoss,
    check_prop2,
    estimate_prop12,
    prop1_bound,
    prop2_bound,
    Prop12Outcome,
)

RNG = np.random.default_rng


def test_forward_is_relu_layers_then_a_linear_last_layer():
    rng = RNG(0)
    params = deep_relu.init_params([3, 4, 5, 2], GaussianLaw(), rng)
    X = rng.standard_normal((6, 3))
    (W1, b1), (W2, b2), (W3, b3) = params
    assert b3 is None and W1.shape == (4, 3) and b1.shape == (4,) and W3.shape == (2, 5)
    O1 = np.maximum(X @ W1.T + b1, 0)
    O2 = np.maximum(O1 @ W2.T + b2, 0)
    np.testing.assert_array_equal(deep_relu.forward(params, X), O2 @ W3.T)
    np.testing.assert_array_equal(deep_relu.last_hidden(params, X), O2)
    assert deep_relu.depth(params) == 3
    # linear last layer: scaling W_h scales P (SS16 Thm 1's rescaling)
    np.testing.assert_allclose(deep_relu.forward(deep_relu.scale_last_layer(params, -2.5), X),
                               -2.5 * deep_relu.forward(params, X), rtol=1e-14)


def test_bias_free_nets_have_no_hidden_biases():
    params = deep_relu.init_params([3, 4, 1], SphereLaw(1.0), RNG(1), bias=False)
    assert params[0][1] is None
    X = RNG(2).standard_normal((5, 3))
    np.testing.assert_allclose(deep_relu.forward(params, 2 * X), 2 * deep_relu.forward(params, X), rtol=1e-14)


def test_a_batch_of_networks_matches_networks_one_at_a_time():
    rng = RNG(3)
    batch = deep_relu.init_params([3, 4, 2, 3], GaussianLaw(), rng, batch=5)
    X = rng.standard_normal((7, 3))
    Pb = deep_relu.forward(batch, X)
    assert Pb.shape == (5, 7, 3)
    labels = rng.integers(0, 3, 7)
    Y = rng.standard_normal((7, 3))
    sq, sx = deep_relu.squared_loss(Pb, Y), deep_relu.softmax_xent(Pb, labels)
    for i in range(5):
        single = [(W[i], None if b is None else b[i]) for W, b in batch]
        P = deep_relu.forward(single, X)
        np.testing.assert_allclose(Pb[i], P, rtol=1e-13, atol=1e-13)  # same products, batched BLAS
        assert math.isclose(sq[i], deep_relu.squared_loss(P, Y), rel_tol=1e-12)
        assert math.isclose(sx[i], deep_relu.softmax_xent(P, labels), rel_tol=1e-12)


def test_losses_at_zero_and_against_their_formulas():
    rng = RNG(4)
    P, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    labels = rng.integers(0, 3, 6)
    assert math.isclose(deep_relu.squared_loss(P, Y), np.mean(np.sum((P - Y) ** 2, axis=1)), rel_tol=1e-14)
    assert math.isclose(deep_relu.squared_loss(deep_relu.zero_output(Y, 3), Y), np.mean(np.sum(Y**2, axis=1)), rel_tol=1e-14)
    direct = np.mean([-np.log(np.exp(P[t, labels[t]]) / np.exp(P[t]).sum()) for t in range(6)])
    assert math.isclose(deep_relu.softmax_xent(P, labels), direct, rel_tol=1e-13)
    assert math.isclose(deep_relu.softmax_xent(np.zeros((6, 3)), labels), math.log(3), rel_tol=1e-15)
    onehot = np.eye(3)[labels]
    assert deep_relu.softmax_xent(P, onehot) == deep_relu.softmax_xent(P, labels)
    assert math.isfinite(deep_relu.softmax_xent(1e3 * P, labels))  # max-shifted log-sum-exp
    assert deep_relu.squared_loss(P[:, :1], Y[:, 0]) == deep_relu.squared_loss(P[:, :1], Y[:, :1])


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: deep_relu.init_params([3, 1], GaussianLaw(), RNG(0)), "widths"),
        (lambda: deep_relu.init_params([3, 0, 1], GaussianLaw(), RNG(0)), "widths"),
        (lambda: deep_relu.init_params([3, 2, 1], "gauss", RNG(0)), "law"),
        (lambda: deep_relu.init_params([3, 2, 1], GaussianLaw(), RNG(0), batch=0), "batch"),
        (lambda: deep_relu.forward(deep_relu.init_params([3, 2, 1], GaussianLaw(), RNG(0)), np.ones((4, 2))), "X"),
        (lambda: deep_relu.forward(deep_relu.init_params([3, 2, 1], GaussianLaw(), RNG(0)), np.full((4, 3), np.nan)), "X"),
        (lambda: deep_relu.squared_loss(np.ones((3, 1)), np.ones(4)), "Y"),
        (lambda: deep_relu.squared_loss(np.array([[np.inf]]), np.ones(1)), "P"),
        (lambda: deep_relu.softmax_xent(np.ones((3, 2)), np.array([0, 2, 1])), "Y"),
        (lambda: deep_relu.softmax_xent(np.ones((3, 2)), np.array([0.5, 1, 1])), "Y"),
        (lambda: deep_relu.softmax_xent(np.ones((2, 2)), np.array([[1, 1], [0, 1]])), "Y"),
        (lambda: deep_relu.zero_output(np.ones(3), 0), "k"),
        (lambda: Prop12Setup(np.zeros((2, 3)), np.ones(2), (3, 2, 1), GaussianLaw(), SquaredLoss()), "X"),
        (lambda: Prop12Setup(np.ones((2, 3)), np.ones(2), (4, 2, 1), GaussianLaw(), SquaredLoss()), "widths"),
        (lambda: DeadZoneSquaredLoss(0.0), "tau"),
        (lambda: prop2_bound(1.5, 2), "r"),
        (lambda: prop1_bound(0), "n_last"),
        (lambda: check_prop2(Prop12Outcome(0, 0, 0, 0), 10, 2), "outcome"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def _second_differences(loss, P, Y, grid):
    g = np.array([loss.value(c * P, Y) for c in grid])
    return g[:-2] - 2 * g[1:-1] + g[2:], g


@pytest.mark.parametrize("seed", range(12))
def test_dead_zone_strictness_matches_the_shape_of_c_to_L_cP(seed):
    """Strict ⇒ every second difference on a fine grid is > 0; not strict ⇒ L(cP) is affine
    (second differences 0 up to rounding) on the common dead-zone interval the test found."""
    rng = RNG(100 + seed)
    P = rng.standard_normal((3, 1)) * rng.choice([0.3, 1.0, 3.0])
    Y = rng.standard_normal((3, 1)) * rng.choice([0.0, 0.5, 2.0])
    loss = DeadZoneSquaredLoss(0.7)
    grid = np.linspace(-1, 1, 2001)
    d2, g = _second_differences(loss, P, Y, grid)
    scale = 64 * np.finfo(float).eps * max(1.0, float(np.max(np.abs(g))))  # rounding of 3 squared terms
    if loss.strictly_convex_along(P, Y):
        assert np.all(d2 > -scale)
        # no stretch of ≥ 3 consecutive grid points is affine
        flat = np.abs(d2) <= scale
        assert not np.any(flat[:-1] & flat[1:])
    else:
        nz = P.ravel() != 0
        e = np.sort(np.stack([(Y.ravel() - 0.7) / P.ravel(), (Y.ravel() + 0.7) / P.ravel()]), axis=0)
        lo, hi = max(-1.0, e[0][nz].max()), min(1.0, e[1][nz].min())
        assert hi > lo
        inner = np.linspace(lo, hi, 7)[1:-1]
        d2_in, _ = _second_differences(loss, P, Y, inner)
        assert np.all(np.abs(d2_in) <= scale)


def test_strictness_of_squared_softmax_and_absolute():
    P = np.array([[1.0, 1.0], [2.0, 2.0]])  # constant rows: softmax flat along ±P
    assert SquaredLoss().strictly_convex_along(P, np.zeros((2, 2)))
    assert not SoftmaxXent().strictly_convex_along(P, np.array([0, 1]))
    assert SoftmaxXent().strictly_convex_along(P + np.array([[0.0, 1e-9], [0.0, 0.0]]), np.array([0, 1]))
    assert not AbsoluteLoss().strictly_convex_along(P, np.zeros((2, 2)))
    batch = np.stack([P, np.zeros_like(P)])
    assert SquaredLoss().strictly_convex_along(batch, np.zeros((2, 2))).tolist() == [True, False]


def test_prop12_estimates_are_identical_serial_and_in_processes():
    X = RNG(5).standard_normal((4, 3))
    setup = Prop12Setup(X, RNG(6).standard_normal(4), (3, 3, 2, 1), GaussianLaw(), SquaredLoss())
    a = estimate_prop12(setup, 1000, 3, block=100, n_jobs=1)
    b = estimate_prop12(setup, 1000, 3, block=100, n_jobs=2)
    assert a == b and a[1] == 1000
    assert a[0].strict == a[0].nonzero == a[0].paired  # squared loss: strict iff P ≠ 0
