"""Losses of the basin program (numerics.basins.losses, SS16.Lemma1's certificate).

What is checked: h(p) = (1/m)Σℓ(p_t, y_t) for the four built-in losses on hand values, in NumPy
and in the CVXPY form; the closed-form conjugates h*(λ) equal sup_p λᵀp − h(p) computed by a
1-d numerical maximisation per sample (the problem separates), inside the domain and after the
documented projection onto it (including its end points, where the entropy terms are 0·log 0 = 0);
a user loss gets the same conjugate from its DPP problem, +inf where the supremum is unbounded;
label and name checks.
"""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from numerics.basins.losses import (
    BUILTIN_LOSSES,
    _check_loss,
    _conjugate,
    _loss_cvx,
    _loss_elementwise_np,
    _loss_key,
    _user_conjugate,
    objective_value,
)

Y_PM = np.array([1.0, -1.0, 1.0, -1.0])


def _ell(loss: str, p: float, y: float) -> float:
    """ℓ(p, y) written from the docstring's definitions (independent of the module's code)."""
    if loss == "squared":
        return (p - y) ** 2
    if loss == "absolute":
        return abs(p - y)
    if loss == "logistic":
        return math.log1p(math.exp(-y * p)) if -y * p < 30 else -y * p + math.log1p(math.exp(y * p))
    return max(0.0, 1.0 - y * p)


def _conjugate_by_maximisation(loss: str, lam: np.ndarray, y: np.ndarray) -> float:
    """sup_p Σ_t λ_t p_t − (1/m) Σ_t ℓ(p_t, y_t), one bounded scalar maximisation per sample."""
    m = lam.size
    total = 0.0
    for lt, yt in zip(lam, y):
        res = minimize_scalar(lambda p: -(lt * p - _ell(loss, p, yt) / m), bounds=(-60.0, 60.0),
                              method="bounded", options={"xatol": 1e-10})
        total += -res.fun
    return total


def test_objective_value_of_each_builtin_loss_by_hand():
    p = np.array([0.5, -1.0, 2.0, 0.0])
    y = Y_PM
    assert objective_value("squared", p, y) == pytest.approx((0.25 + 0.0 + 1.0 + 1.0) / 4, abs=1e-15)
    assert objective_value("absolute", p, y) == pytest.approx((0.5 + 0.0 + 1.0 + 1.0) / 4, abs=1e-15)
    # hinge: max(0, 1 − y p) = 0.5, 0, 0, 1
    assert objective_value("hinge", p, y) == pytest.approx(1.5 / 4, abs=1e-15)
    # logistic: log(1 + e^{−y p})
    ref = np.mean([math.log1p(math.exp(-yt * pt)) for pt, yt in zip(p, y)])
    assert objective_value("logistic", p, y) == pytest.approx(ref, rel=1e-14)


@pytest.mark.parametrize("loss", BUILTIN_LOSSES)
def test_cvxpy_form_equals_the_numpy_losses(loss):
    p = np.array([0.5, -1.0, 2.0, 0.0])
    yp = cp.Parameter(4)
    yp.value = Y_PM
    cvx = _loss_cvx(loss, cp.Constant(p), yp).value
    assert np.allclose(cvx, _loss_elementwise_np(loss, p, Y_PM), rtol=1e-12, atol=1e-15)  # rounding only


def test_a_user_loss_is_evaluated_through_its_cvxpy_expression():
    def quartic(p, y):
        return cp.power(p - y, 4)

    p = np.array([1.0, 3.0, 0.0])
    y = np.array([0.0, 1.0, 0.0])
    assert objective_value(quartic, p, y) == pytest.approx((1.0 + 16.0 + 0.0) / 3, rel=1e-12)
    assert np.allclose(_loss_cvx(quartic, cp.Constant(p), cp.Constant(y)).value, [1.0, 16.0, 0.0])


@pytest.mark.parametrize(
    "loss, lam",
    [
        ("squared", np.array([0.3, -0.2, 0.05, 0.6])),
        ("absolute", np.array([0.2, -0.1, 0.0, 0.24])),  # |m λ| ≤ 1: inside the domain
        ("logistic", np.array([-0.1, 0.2, -0.05, 0.15])),  # q = −mλy ∈ (0, 1)
        ("hinge", np.array([-0.1, 0.2, -0.05, 0.15])),  # m λ y ∈ [−1, 0]
    ],
)
def test_closed_form_conjugate_equals_the_supremum_inside_the_domain(loss, lam):
    val, lam_proj = _conjugate(loss, lam, Y_PM)
    assert np.allclose(lam_proj, lam, rtol=0, atol=1e-15)  # inside the domain: no projection
    # bounded scalar maximisation to xatol 1e-10 on a smooth or piecewise-linear concave function
    assert val == pytest.approx(_conjugate_by_maximisation(loss, lam, Y_PM), abs=1e-8)


@pytest.mark.parametrize(
    "loss, lam, projected",
    [
        # absolute: m λ clipped to [−1, 1] (m = 4)
        ("absolute", np.array([0.5, -0.75, 0.1, 0.0]), np.array([0.25, -0.25, 0.1, 0.0])),
        # logistic: q = −m λ y clipped to [0, 1]; λ' = −q y / m
        ("logistic", np.array([0.5, -0.75, -0.1, 0.1]), np.array([0.0, 0.0, -0.1, 0.1])),
        ("logistic", np.array([-0.75, 0.5, 0.0, 0.0]), np.array([-0.25, 0.25, 0.0, 0.0])),
        # hinge: m λ y clipped to [−1, 0]; λ' = c y / m
        ("hinge", np.array([0.5, 0.75, -0.1, 0.1]), np.array([0.0, 0.25, -0.1, 0.1])),
        ("hinge", np.array([-0.75, 0.5, 0.0, 0.0]), np.array([-0.25, 0.25, 0.0, 0.0])),
    ],
)
def test_conjugate_projects_onto_its_domain_and_evaluates_there(loss, lam, projected):
    val, lam_proj = _conjugate(loss, lam, Y_PM)
    assert np.allclose(lam_proj, projected, rtol=0, atol=1e-15)  # exact clipping, up to rounding
    # the value is h* at the projected multiplier (finite, including the end points q ∈ {0, 1})
    assert math.isfinite(val)
    assert val == pytest.approx(_conjugate_by_maximisation(loss, lam_proj, Y_PM), abs=1e-8)


def test_logistic_conjugate_at_the_end_points_is_zero():
    # q = 0 and q = 1 on every sample: q log q + (1 − q) log(1 − q) = 0 (0·log 0 = 0)
    assert _conjugate("logistic", np.zeros(4), Y_PM)[0] == 0.0
    assert _conjugate("logistic", -Y_PM / 4, Y_PM)[0] == 0.0
    # q = ½ everywhere: log ½
    assert _conjugate("logistic", -Y_PM / 8, Y_PM)[0] == pytest.approx(math.log(0.5), rel=1e-15)


def test_squared_conjugate_by_hand():
    # ℓ*(s) = s y + s²/4, h* = mean over samples: s = m λ = (4, −2) for λ = (2, −1), m = 2
    val, lam = _conjugate("squared", np.array([2.0, -1.0]), np.array([1.0, 3.0]))
    assert val == pytest.approx(((4.0 * 1.0 + 16.0 / 4.0) + (-2.0 * 3.0 + 4.0 / 4.0)) / 2, abs=1e-15)
    assert np.array_equal(lam, [2.0, -1.0])


def test_user_losses_have_no_closed_form_conjugate():
    with pytest.raises(TypeError, match="no closed-form conjugate"):
        _conjugate(lambda p, y: cp.square(p - y), np.zeros(2), np.zeros(2))


def test_user_conjugate_equals_the_closed_form_and_is_infinite_when_unbounded():
    def sq(p, y):
        return cp.square(p - y)

    def ab(p, y):
        return cp.abs(p - y)

    y = np.array([0.5, -1.0, 2.0])
    lam = np.array([0.2, -0.4, 0.1])
    # Clarabel's interior point stops at ≈ 1e-8 relative: 1e-6 leaves a margin
    assert _user_conjugate(sq, 3)(lam, y) == pytest.approx(_conjugate("squared", lam, y)[0], abs=1e-6)
    # absolute loss with |m λ_t| = 1.2 > 1 on sample 1: sup_p (λp − |p − y|/m) = +∞
    assert _user_conjugate(ab, 3)(np.array([0.1, 0.4, 0.0]), y) == math.inf
    assert _user_conjugate(ab, 3) is _user_conjugate(ab, 3)  # built once per (m, loss)
    assert _user_conjugate(ab, 4) is not _user_conjugate(ab, 3)


def test_loss_names_and_label_checks():
    def my_loss(p, y):
        return cp.square(p - y)

    assert _loss_key("hinge") == "hinge"
    assert _loss_key(my_loss).startswith("user:") and _loss_key(my_loss).endswith("my_loss")
    for name in ("logistic", "hinge"):
        _check_loss(name, Y_PM)  # labels ±1 accepted
        with pytest.raises(ValueError, match=f"y: the {name} loss needs labels"):
            _check_loss(name, np.array([1.0, 0.5]))
        with pytest.raises(ValueError, match=f"y: the {name} loss needs labels"):
            _check_loss(name, np.array([1.0, 0.0]))
    _check_loss("squared", np.array([0.3, 7.0]))  # any real targets
    _check_loss("absolute", np.array([0.3, 7.0]))
    _check_loss(my_loss, np.array([0.3, 7.0]))  # user losses are not checked here
    with pytest.raises(ValueError, match="loss: expected one of"):
        _check_loss("Squared", Y_PM)
