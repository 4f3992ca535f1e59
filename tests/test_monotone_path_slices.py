"""numerics.monotone_path: slices, paths, exact certificates and the construction on a hand-made net.

Claim SS16.Thm1. The net has one hidden ReLU unit and one output weight w: O(x) = relu(x), P = c·w·O.
With X = (1, 2)ᵀ and Y = (1, 1)ᵀ the squared slice is φ(c) = ½[(cw − 1)² + (2cw − 1)²]
= ½(5c²w² − 6cw + 2): minimizer c* = 3/(5w), minimum 0.1, and the increasing-branch point at
level ℓ is c = (6 + √(40ℓ − 4))/(10w) — closed forms that are the oracles below.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from numerics import deep_relu
from numerics import monotone_path as mpath

X = np.array([[1.0], [2.0]])
Y = np.array([[1.0], [1.0]])


def net(w: float, hidden: float = 1.0) -> list:
    return [(np.array([[hidden]]), np.array([0.0])), (np.array([[w]]), None)]


def branch_point(level: float, w: float) -> float:
    return (6.0 + math.sqrt(40.0 * level - 4.0)) / (10.0 * w)


# ---------------------------------------------------------------------------------- slices
def test_loss_gradients_in_P():
    P = np.array([[1.0, -2.0], [0.5, 0.0], [3.0, 1.0]])
    Yq = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 2.0]])
    assert np.array_equal(mpath.loss_grad_P("squared", P, Yq), 2.0 * (P - Yq) / 3)
    lab = np.array([1, 0, 1])
    S = np.exp(P) / np.exp(P).sum(axis=1, keepdims=True)
    expected = (S - np.eye(2)[lab]) / 3
    for Ylab in (lab, np.eye(2)[lab]):  # integer labels or one-hot
        # the same softmax computed with and without the max shift: a few ulps of O(1) numbers
        assert np.abs(mpath.loss_grad_P("softmax_xent", P, Ylab) - expected).max() < 4e-16
    with pytest.raises(ValueError, match="^loss:"):
        mpath.loss_grad_P("hinge", P, Yq)


def test_squared_slice_closed_forms():
    S = mpath.slice_of(net(1.0), X, Y, "squared")
    assert np.array_equal(S.P, [[1.0], [2.0]])
    for c in (0.0, 0.6, 1.2, 3.0):
        assert S.value(c) == pytest.approx(0.5 * (5 * c * c - 6 * c + 2), rel=1e-14, abs=0)
        assert S.slope(c) == pytest.approx(5 * c - 3, rel=1e-14, abs=1e-15)
    assert S.minimizer() == pytest.approx(0.6, rel=1e-15, abs=0)
    assert S.minimum() == pytest.approx(0.1, rel=1e-14, abs=0)
    assert mpath.slice_of(net(2.0), X, Y, "squared").minimizer() == pytest.approx(0.3, rel=1e-15, abs=0)
    # w < 0: the minimizer over c ≥ 0 is c = 0 (φ increasing on [0, ∞)); P = 0: c* = 0
    assert mpath.slice_of(net(-1.0), X, Y, "squared").minimizer() == 0.0
    assert mpath.slice_of(net(0.0), X, Y, "squared").minimizer() == 0.0


@pytest.mark.parametrize("level", [0.5, 1.0, 5.0])
def test_squared_increasing_branch_point_is_the_closed_form(level):
    S = mpath.slice_of(net(1.0), X, Y, "squared")
    c = S.increasing_branch_point(level, 0.3)
    assert c == pytest.approx(branch_point(level, 1.0), rel=1e-13, abs=0)  # brentq xtol 4·eps·c
    assert S.value(c) == pytest.approx(level, rel=1e-12, abs=0)


def test_increasing_branch_point_at_and_below_the_minimum():
    S = mpath.slice_of(net(1.0), X, Y, "squared")
    f = S.minimum()
    assert S.increasing_branch_point(f, 0.1) == S.minimizer()
    assert S.increasing_branch_point(f + 32 * mpath.EPS * f) == S.minimizer()  # within 64 ulps: the minimum
    assert S.increasing_branch_point(f - 32 * mpath.EPS * f) == S.minimizer()
    assert S.increasing_branch_point(f + 1e-9) > S.minimizer()
    with pytest.raises(ValueError, match="^level:"):
        S.increasing_branch_point(f - 1e-9, 0.1)


def test_increasing_branch_point_of_a_bounded_slice_violates_condition_one():
    S = mpath.slice_of(net(0.0), X, Y, "squared")  # P = 0: φ ≡ L(0) = 1
    with pytest.raises(mpath.ConditionViolated, match="condition 1") as info:
        S.increasing_branch_point(1.5, 0.25)
    assert info.value.condition == 1 and info.value.certificate == {"lam": 0.25, "level": 1.5}


def test_softmax_slice_minimizers():
    # two classes, output weights (1, 0) on the hidden unit: P_t = (c·x_t, 0)
    params = [(np.array([[1.0]]), np.array([0.0])), (np.array([[1.0], [0.0]]), None)]
    wrong = mpath.slice_of(params, X, np.array([1, 1]), "softmax_xent")  # both labels lose: φ' > 0
    assert wrong.minimizer() == 0.0 and wrong.minimum() == pytest.approx(math.log(2), rel=1e-15, abs=0)
    # both correct with margins 1e-20, 2e-20: φ' < 0 for every c ≤ C_MAX = 2^60 (c·margin ≤ 0.03)
    tiny = [(np.array([[1.0]]), np.array([0.0])), (np.array([[1e-20], [0.0]]), None)]
    right = mpath.slice_of(tiny, X, np.array([0, 0]), "softmax_xent")
    assert right.slope(mpath.C_MAX) < 0 and right.minimizer() == mpath.C_MAX
    mixed = mpath.slice_of(params, np.array([[2.0], [1.0]]), np.array([0, 1]), "softmax_xent")
    c = mixed.minimizer()
    # φ(c) = ½[log(1 + e^{−2c}) + log(1 + e^{c})]; φ'(c) = 0 ⇔ 2/(1 + e^{2c}) = 1/(1 + e^{−c}) ⇔ e^{2c} − 2e^{c}... :
    # with u = e^{c}: 2(1 + 1/u) = 1 + u² ⇔ u³ − u − 2 = 0
    u = np.roots([1.0, 0.0, -1.0, -2.0])
    u = float(u[np.isreal(u)].real[0])
    assert c == pytest.approx(math.log(u), rel=1e-12, abs=0)
    assert abs(mixed.slope(c)) < 1e-15


def test_slice_of_and_zero_loss():
    with pytest.raises(ValueError, match="^loss:"):
        mpath.slice_of(net(1.0), X, Y, "hinge")
    assert mpath.zero_loss(X, Y, 1, "squared") == 1.0  # mean ‖Y_t‖²
    assert mpath.zero_loss(X, np.array([[3.0], [4.0]]), 1, "squared") == 12.5
    assert mpath.zero_loss(X, np.array([0, 2]), 3, "softmax_xent") == pytest.approx(math.log(3), rel=1e-15, abs=0)


# ----------------------------------------------------------------------------------- paths
def test_flatten_concatenates_weights_and_biases():
    params = [(np.array([[1.0, 2.0]]), np.array([3.0])), (np.array([[4.0], [5.0]]), None)]
    assert np.array_equal(mpath.flatten(params), [1.0, 2.0, 3.0, 4.0, 5.0])
    nobias = [(np.array([[1.0, 2.0]]), None), (np.array([[4.0]]), None)]
    assert np.array_equal(mpath.flatten(nobias), [1.0, 2.0, 4.0])


def test_straight_path_interpolates_and_carries_its_vertices():
    W0, W1 = net(-1.0, 2.0), net(3.0, 0.5)
    path = mpath.straight_path(W0, W1)
    assert np.array_equal(mpath.flatten(path(0.0)), mpath.flatten(W0))
    assert np.array_equal(mpath.flatten(path(1.0)), mpath.flatten(W1))
    assert np.array_equal(mpath.flatten(path(0.25)), [1.625, 0.0, 0.0])
    assert path.vertices == [W0, W1] and path.nets == [W0, W1]
    assert path.coefficients(0.25) == [0.75, 0.25]


def test_sin_half_exact_is_exact_at_multiples_of_half_pi():
    for q, v in ((0, 0.0), (1, 1.0), (2, 0.0), (3, -1.0), (4, 0.0), (5, 1.0), (-1, -1.0)):
        assert mpath._sin_half_exact(q * 0.5 * math.pi) == v
    assert mpath._sin_half_exact(0.3) == math.sin(0.3)


def test_wiggly_path_has_the_given_end_points_and_bumps_in_between():
    W0, W1, B = net(-1.0, 2.0), net(3.0, 0.5), net(1.0, 1.0)
    path = mpath.wiggly_path(W0, W1, [B, B])
    assert np.array_equal(mpath.flatten(path(0.0)), mpath.flatten(W0))
    assert np.array_equal(mpath.flatten(path(1.0)), mpath.flatten(W1))
    # λ = ½: (W0 + W1)/2 + sin(π/2)·B + sin(π)·B = (W0 + W1)/2 + B
    assert np.array_equal(mpath.flatten(path(0.5)), [2.25, 0.0, 2.0])
    assert path.coefficients(0.25) == pytest.approx([0.75, 0.25, math.sin(math.pi / 4), 1.0], rel=1e-15, abs=1e-16)
    assert path.nets == [W0, W1, B, B]


def test_polygon_path_goes_through_its_points():
    pts = [net(0.0, 1.0), net(2.0, 1.0), net(2.0, 3.0)]
    path = mpath.polygon_path(pts)
    assert path.vertices == pts
    assert np.array_equal(mpath.flatten(path(0.0)), mpath.flatten(pts[0]))
    assert np.array_equal(mpath.flatten(path(0.5)), mpath.flatten(pts[1]))
    assert np.array_equal(mpath.flatten(path(1.0)), mpath.flatten(pts[2]))
    assert np.array_equal(mpath.flatten(path(0.25)), [1.0, 0.0, 1.0])
    assert np.array_equal(mpath.flatten(path(0.75)), [2.0, 0.0, 2.0])
    two = mpath.polygon_path(pts[:2])
    assert np.array_equal(mpath.flatten(two(0.5)), [1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="^points:"):
        mpath.polygon_path(pts[:1])


def test_scaled_multiplies_the_last_layer_only():
    s = mpath.scaled(net(1.5, 2.0), -2.0)
    assert np.array_equal(mpath.flatten(s), [2.0, 0.0, -3.0])


# --------------------------------------------------------------------------- exact certificates
def test_slice_is_bounded_exact():
    F = Fraction
    assert mpath.slice_is_bounded_exact([[F(0)], [F(0)]], Y, "squared")
    assert not mpath.slice_is_bounded_exact([[F(0)], [F(1, 2**60)]], Y, "squared")
    P = [[F(1), F(1)], [F(2), F(0)]]
    assert mpath.slice_is_bounded_exact(P, np.array([1, 0]), "softmax_xent")  # a tie and a correct row
    assert mpath.slice_is_bounded_exact(P, np.array([[0, 1], [1, 0]]), "softmax_xent")  # one-hot
    assert not mpath.slice_is_bounded_exact(P, np.array([1, 1]), "softmax_xent")
    with pytest.raises(ValueError, match="^loss:"):
        mpath.slice_is_bounded_exact(P, Y, "hinge")


def test_float_defect():
    assert mpath._float_defect(net(0.0), X, Y, "squared") == -1e-9  # P = 0: −1e-9·(1 + 0)
    assert mpath._float_defect(net(1.0), X, Y, "squared") == pytest.approx(2.0 - 3e-9, rel=1e-15, abs=0)
    params = [(np.array([[1.0]]), np.array([0.0])), (np.array([[1.0], [0.0]]), None)]  # P_t = (x_t, 0)
    assert mpath._float_defect(params, X, np.array([0, 0]), "softmax_xent") == pytest.approx(-3e-9, rel=1e-12, abs=0)
    # label 1 loses by x_t: defect max_t x_t = 2
    assert mpath._float_defect(params, X, np.array([1, 1]), "softmax_xent") == pytest.approx(2.0 - 3e-9, rel=1e-15, abs=0)
    assert mpath._float_defect(params, X, np.eye(2)[[1, 1]], "softmax_xent") == pytest.approx(2.0 - 3e-9, rel=1e-15, abs=0)


def test_exact_certificate_at_a_zero_crossing_of_the_output_weight():
    """w(λ) = −1 + 2λ on the straight path from w = −1 to w = 1: P(W^½) = 0 exactly."""
    path = mpath.straight_path(net(-1.0), net(1.0))
    cert = mpath.certify_condition1_violation(path, X, Y, "squared")
    assert cert.lam_star == Fraction(1, 2) and cert.segment == 0 and cert.kind == "zero entry (0, 0)"
    assert cert.P_star == [[0], [0]]
    assert mpath.certify_condition1_violation(path, X, Y, "squared", 0.6, 1.0) is None  # outside [lo, hi]
    assert mpath.certify_condition1_violation(path, X, Y, "squared", 0.0, 0.5) is not None  # λ* = hi
    # on a polygon the crossing of the second segment is at λ = (1 + ½)/2
    poly = mpath.polygon_path([net(-1.0), net(-1.0, 2.0), net(1.0, 2.0)])
    cert = mpath.certify_condition1_violation(poly, X, Y, "squared")
    assert cert.lam_star == Fraction(3, 4) and cert.segment == 1
    assert mpath.certify_condition1_violation(lambda lam: net(1.0), X, Y, "squared") is None  # no vertices
    assert mpath.certify_condition1_violation(mpath.straight_path(net(1.0), net(2.0)), X, Y, "squared") is None


def test_certify_bounded_slice_at_a_grid_point():
    path = mpath.straight_path(net(-1.0), net(1.0))
    assert mpath.certify_bounded_slice_at(path, X, Y, "squared", 0.5).startswith("certified exactly")
    assert mpath.certify_bounded_slice_at(path, X, Y, "squared", 0.25).startswith("not certified")
    assert mpath.certify_bounded_slice_at(lambda lam: net(0.0), X, Y, "squared", 0.5) == \
        "not certified (no exact or interval form of the path)"
    # wiggly: at λ = ½ the coefficients are exact (½, ½, sin(π/2) = 1): w = 0 + 0 + (−0)… P = 0 exactly
    wig = mpath.wiggly_path(net(-1.0), net(1.0), [net(0.0)])
    assert mpath.certify_bounded_slice_at(wig, X, Y, "squared", 0.5).startswith("certified exactly")
    wig2 = mpath.wiggly_path(net(-1.0), net(1.0), [net(1.0)])  # w(½) = 1: unbounded
    assert mpath.certify_bounded_slice_at(wig2, X, Y, "squared", 0.5).startswith("not certified")


# --------------------------------------------------------------------------------- construction
def test_rescaled_path_levels_and_scales_by_hand():
    """W0: w = 2 (L0 = 5), W1: w = 0.6 (the slice minimizer, L1 = 0.1), L(0) = 1: τ_end = 1 + (5 − 1)/2 = 3."""
    path = mpath.straight_path(net(2.0), net(0.6))
    rp = mpath.RescaledPath(path, X, Y, "squared", 1)
    assert rp.L0 == pytest.approx(5.0, rel=1e-15, abs=0) and rp.L1 == pytest.approx(0.1, rel=1e-14, abs=0)
    assert rp.L_zero == 1.0 and rp.tau_end == pytest.approx(3.0, rel=1e-15, abs=0)
    assert rp.c0_solver == pytest.approx(1.0, rel=1e-14, abs=0)
    assert rp.level(0.0) == rp.L0 and rp.level(1.0) == pytest.approx(3.0, rel=1e-15, abs=0)
    assert rp.level(0.5) == pytest.approx(4.0, rel=1e-15, abs=0)
    assert rp.scale(0.0) == 1.0
    for lam in (0.25, 0.5, 1.0):
        w = 2.0 - 1.4 * lam
        assert rp.scale(lam) == pytest.approx(branch_point(rp.level(lam), w), rel=1e-12, abs=0)
    assert np.array_equal(mpath.flatten(rp.point(0.5, 2.0)), [1.0, 0.0, 2.6])


def test_rescaled_path_checks_the_hypotheses():
    with pytest.raises(mpath.ConditionViolated, match="condition 2") as info:
        mpath.RescaledPath(mpath.straight_path(net(0.5), net(0.6)), X, Y, "squared", 1)  # L0 = 0.25 ≤ 1
    assert info.value.condition == 2
    with pytest.raises(ValueError, match="^path:"):
        mpath.RescaledPath(mpath.straight_path(net(2.0), net(2.5)), X, Y, "squared", 1)  # L1 ≥ L0
    with pytest.raises(ValueError, match="^path:"):
        mpath.RescaledPath(mpath.straight_path(net(2.0), net(2.0)), X, Y, "squared", 1)  # L1 = L0


def test_build_monotone_path_by_hand():
    path = mpath.straight_path(net(2.0), net(0.6))
    default = mpath.build_monotone_path(path, X, Y, "squared", 1, grid=4, finish_grid=3)
    assert (default.rel_step, default.h_min) == (0.05, 1e-6)
    assert np.array_equal(default.lambdas, np.linspace(0.0, 1.0, 5))  # steps of ≈ 3%: no bisection
    mp = mpath.build_monotone_path(path, X, Y, "squared", 1, grid=4, finish_grid=3, rel_step=0.01)
    assert mp.scales[0] == 1.0 and mp.values[0] == mp.L0 and mp.lambdas[0] == 0.0 and mp.lambdas[-1] == 1.0
    assert np.all(np.diff(mp.lambdas) > 0) and np.all(np.diff(mp.all_values) < 0)
    assert np.all(mp.relative_steps <= 0.01)  # bisected until consecutive points are 1% apart
    assert len(mp.lambdas) > 5  # so the uniform grid of 4 steps was refined
    assert mp.levels == pytest.approx([rp_level for rp_level in 5.0 - 2.0 * mp.lambdas], rel=1e-14, abs=0)
    assert mp.given_values == pytest.approx([0.5 * (5 * w * w - 6 * w + 2) for w in 2.0 - 1.4 * mp.lambdas],
                                            rel=1e-13, abs=0)
    assert mp.finish_scales.size == 4 and mp.finish_scales[-1] == pytest.approx(1.0, rel=1e-14, abs=0)
    assert mp.finish_values[-1] == pytest.approx(0.1, rel=1e-13, abs=0)
    assert mp.all_values.size == mp.values.size + 3
    assert mp.tau_end == pytest.approx(3.0, rel=1e-15, abs=0)
    assert mp.cross_values.size == mp.slopes.size == len(mp.lambdas) - 1 and np.all(mp.slopes > 0)
    for j in range(len(mp.lambdas) - 1):  # φ_{λ_{j+1}}(c_j) and φ'_{λ_{j+1}}(min(c_j, c_{j+1}))
        w = 2.0 - 1.4 * mp.lambdas[j + 1]
        c = mp.scales[j]
        assert mp.cross_values[j] == pytest.approx(0.5 * (5 * (c * w) ** 2 - 6 * c * w + 2), rel=1e-12, abs=0)
        cm = min(mp.scales[j], mp.scales[j + 1])
        assert mp.slopes[j] == pytest.approx(w * (5 * cm * w - 3), rel=1e-12, abs=0)
    mp2 = mpath.build_monotone_path(path, X, Y, "squared", 1, grid=4, finish_grid=3, rel_step=0.5, h_min=0.2)
    assert len(mp2.lambdas) < len(mp.lambdas) and mp2.rel_step == 0.5 and mp2.h_min == 0.2


def test_build_monotone_path_stops_at_an_exact_condition_one_violation():
    path = mpath.straight_path(net(-1.0), net(0.5))  # L0 = 6.5 > L(0) = 1; w = 0 at λ* = 2/3
    with pytest.raises(mpath.ConditionViolated, match="certified exactly") as info:
        mpath.build_monotone_path(path, X, Y, "squared", 1, grid=4)
    assert info.value.condition == 1 and info.value.certificate["lam"] == float(Fraction(2, 3))
    assert info.value.certificate["L_zero"] == 1.0


@pytest.mark.parametrize("grid, finish", [(1, 5), (5, 1)])
def test_build_monotone_path_needs_two_grid_points(grid, finish):
    with pytest.raises(ValueError, match="^grid, finish_grid:"):
        mpath.build_monotone_path(mpath.straight_path(net(2.0), net(0.6)), X, Y, "squared", 1,
                                  grid=grid, finish_grid=finish)


def test_slice_minima_by_hand():
    lams, mins = mpath.slice_minima(mpath.straight_path(net(2.0), net(-1.0)), X, Y, "squared", grid=4)
    assert np.array_equal(lams, [0.0, 0.25, 0.5, 0.75, 1.0])
    # w(λ) = 2 − 3λ: min 0.1 while w > 0; for w < 0 the minimum over c ≥ 0 is φ(0) = L(0) = 1
    assert mins == pytest.approx([0.1, 0.1, 0.1, 1.0, 1.0], rel=1e-12, abs=0)
    assert mpath.slice_minima(mpath.straight_path(net(2.0), net(-1.0)), X, Y, "squared")[0].size == 201


def _random_net(rng, widths):
    return [(rng.normal(size=(widths[i + 1], widths[i])), rng.normal(size=widths[i + 1]) if i < len(widths) - 2 else None)
            for i in range(len(widths) - 1)]


@pytest.mark.parametrize("widths", [[2, 3, 2], [3, 4, 3, 2]])
def test_exact_and_interval_forward_passes_agree_with_the_float_network(widths):
    """The rational forward pass at u = ¼ and the interval pass at λ = ¼ against deep_relu.forward
    (float) at the same point: agreement to rounding (≈ 1e-15 of O(1) values)."""
    rng = np.random.default_rng(len(widths))
    A, B = _random_net(rng, widths), _random_net(rng, widths)
    Xr = rng.normal(size=(5, widths[0]))
    path = mpath.straight_path(A, B)
    exact = mpath._exact_forward(A, B, Fraction(1, 4), Xr)
    P = deep_relu.forward(path(0.25), Xr)
    assert np.abs(np.array(exact, dtype=float) - P).max() < 1e-12
    wig = mpath.wiggly_path(A, B, [_random_net(rng, widths)])
    from mpmath import iv

    O, W = mpath._iv_network(wig, iv.mpf(0.3), Xr)
    O_f = deep_relu.last_hidden(wig(0.3), Xr)
    W_f = wig(0.3)[-1][0]
    assert len(O) == 5 and len(O[0]) == O_f.shape[1] and len(W) == W_f.shape[0] and len(W[0]) == W_f.shape[1]
    for t in range(5):
        for u in range(O_f.shape[1]):
            assert abs(float(O[t][u].mid) - O_f[t, u]) < 1e-12 and O[t][u].delta < 1e-12
    for r in range(W_f.shape[0]):
        for u in range(W_f.shape[1]):
            assert abs(float(W[r][u].mid) - W_f[r, u]) < 1e-12


def test_exact_certificate_at_a_class_tie():
    """Two classes fed by one hidden unit with output weights (2 − 2λ, 2λ): at λ = ½ both rows tie,
    every label attains its row maximum, the softmax slice is bounded."""
    W0 = [(np.array([[1.0]]), np.array([0.0])), (np.array([[2.0], [0.0]]), None)]
    W1 = [(np.array([[1.0]]), np.array([0.0])), (np.array([[0.0], [2.0]]), None)]
    path = mpath.straight_path(W0, W1)
    cert = mpath.certify_condition1_violation(path, X, np.array([0, 1]), "softmax_xent")
    assert cert.lam_star == Fraction(1, 2) and cert.kind == "tie of classes 0, 1 in column 0"
    assert cert.P_star == [[1, 1], [2, 2]]
    assert mpath.certify_condition1_violation(path, X, np.array([0, 1]), "softmax_xent", 0.0, 0.4) is None
