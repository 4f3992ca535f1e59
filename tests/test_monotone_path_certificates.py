"""numerics.monotone_path: the grid-point and interval certificates that condition 1 fails (claim SS16.Thm1).

Condition 1 of SS16 Theorem 1 fails at λ exactly when the slice c ↦ L(c·P(W^λ)) is bounded: P = 0
(squared loss) or every label attains its row maximum (softmax cross-entropy). The tests below use
hand-made nets whose answer is known in closed form, mostly one input x, ReLU hidden units
relu(h·x) and a linear last layer, on straight, polygonal, wiggly and hand-written paths
λ ↦ Σ_i coefficients(λ)_i · nets_i. They prove that

* ``certify_bounded_slice_at`` confirms a bounded slice exactly (rational forward pass) at the grid
  point λ — on the right segment j of a polygon with the local parameter u = sλ − j, and at the
  half-integers λ of a wiggly path, where sin((k+1)πλ) ∈ {0, ±1} — and otherwise by interval
  arithmetic, only when every data point is certainly dead or (softmax) certainly correct, with
  the documented message phrases;
* ``certify_condition1_violation_near`` certifies a zero of a last-layer entry (or a class tie)
  only inside a bracket where the end-point signs are rigorous (interval enclosures, not the float
  bisection) and every data point is dead, fed through the crossing unit alone (a tie with the
  other classes certainly below), or certainly correct over the whole bracket;
* ``_iv_relu``, ``_iv_zero`` and ``_iv_network`` give the enclosures these rest on.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from mpmath import iv

from numerics import monotone_path as mpath

X = np.array([[1.0], [2.0]])
Y = np.array([[1.0], [1.0]])

EXACT_SQ = "certified exactly at this λ (rational forward pass: P = 0)"
EXACT_SM = "certified exactly at this λ (rational forward pass: every label attains its row maximum)"
EXACT_COMBO = "certified exactly at this λ (rational forward pass)"
UNBOUNDED = "not certified (the exact slice is unbounded)"
BY_INTERVALS = "certified by interval arithmetic at this λ (every data point dead or certainly correct)"
LIVE = "not certified (a data point is live)"
NOT_CORRECT = "not certified (a live data point is not certainly correct)"
ZERO_ENTRY = "zero of last-layer entry (0, 0)"


def net(w: float, hidden: float = 1.0, bias: bool = True) -> list:
    """One hidden unit: O(x) = relu(hidden·x), P = w·O (k = 1)."""
    return [(np.array([[hidden]]), np.array([0.0]) if bias else None), (np.array([[w]]), None)]


def mlp(H, V, bias: bool = True) -> list:
    """One hidden layer: O = relu(H x) (bias 0 or none), P = V O (V is k × n)."""
    H, V = np.array(H, dtype=float), np.array(V, dtype=float)
    return [(H, np.zeros(H.shape[0]) if bias else None), (V, None)]


def combination_path(nets: list, coefficients, float_path=None):
    """λ ↦ Σ_i coefficients(λ)_i · nets_i, with the interval form (.coefficients, .nets) the certificates
    read; ``float_path`` overrides the float evaluation (default: the same combination)."""
    path = float_path or (lambda lam: mpath._combine(coefficients(lam), nets))
    path.coefficients, path.nets = coefficients, nets
    return path


def constant_path(params: list):
    """The constant path through one net (a single-term combination)."""
    return combination_path([params], lambda lam, sin=None, pi=None: [1])


def affine_path(base: list, direction: list):
    """λ ↦ base + λ·direction: entries where direction is 0 are exact point intervals for every λ."""
    return combination_path([base, direction], lambda lam, sin=None, pi=None: [1, lam])


def bounds(z) -> tuple:
    return (z.a, z.b)


# --------------------------------------------------------------------------- interval helpers
@pytest.mark.parametrize("lo, hi, out", [
    (-1.0, -0.5, (0, 0)),  # certainly dead
    (-1.0, 0.0, (0, 0)),
    (0.0, 0.0, (0, 0)),
    (-1.0, 2.0, (0, 2)),  # possibly live: [0, b]
    (-3.0, 0.25, (0, 0.25)),
    (0.0, 2.0, (0, 2)),
    (0.5, 1.0, (0.5, 1)),  # certainly live: unchanged
])
def test_iv_relu_is_the_exact_image_of_an_interval(lo, hi, out):
    assert bounds(mpath._iv_relu(iv.mpf([lo, hi]))) == out


def test_iv_zero_only_for_the_point_interval_zero():
    assert mpath._iv_zero(iv.mpf(0)) and mpath._iv_zero(iv.mpf([0, 0]))
    for lo, hi in ((0, 1), (-1, 0), (0.5, 1), (-1, 1), (1e-300, 1e-300)):
        assert not mpath._iv_zero(iv.mpf([lo, hi]))


def test_iv_network_encloses_the_hidden_outputs_and_the_last_layer():
    path = mpath.straight_path(net(-1.0, 2.0), net(3.0, 0.5))
    # λ = ¼: hidden weight 0.75·2 + 0.25·0.5 = 1.625, w = 0.75·(−1) + 0.25·3 = 0 — exact dyadics, point intervals
    O, W = mpath._iv_network(path, iv.mpf(0.25), X)
    assert [[bounds(o) for o in row] for row in O] == [[(1.625, 1.625)], [(3.25, 3.25)]]
    assert [[bounds(w) for w in row] for row in W] == [[(0, 0)]]
    # λ ∈ [0, 1]: coefficients [0, 1], [0, 1] (no dependency tracking): hidden [0, 2.5], w ∈ [−1, 3]
    O, W = mpath._iv_network(path, iv.mpf([0, 1]), X)
    assert [[bounds(o) for o in row] for row in O] == [[(0, 2.5)], [(0, 5)]]
    assert bounds(W[0][0]) == (-1, 3)
    # a negative hidden weight kills both data points: exactly [0, 0]
    O, _ = mpath._iv_network(mpath.straight_path(net(1.0, -1.0), net(1.0, -2.0)), iv.mpf([0, 1]), X)
    assert all(mpath._iv_zero(o) for row in O for o in row)
    # wiggly at λ = 0.3: the enclosures contain the float network
    wig = mpath.wiggly_path(net(-1.0, 2.0), net(3.0, 0.5), [net(1.5, 0.25), net(-0.5, 1.0)])
    O, W = mpath._iv_network(wig, iv.mpf(0.3), X)
    P = wig(0.3)
    h, w = float(P[0][0][0, 0]), float(P[1][0][0, 0])
    assert O[0][0].a <= h <= O[0][0].b and O[1][0].a <= 2 * h <= O[1][0].b and W[0][0].a <= w <= W[0][0].b
    assert O[0][0].delta < 1e-14 and W[0][0].delta < 1e-14  # outward rounding only: a few ulps wide


def test_iv_network_of_a_single_net_path_without_biases():
    """A one-term combination (nets = [N]) and hidden layers without a bias: O = relu(H x), W = V."""
    N = mlp([[1.0], [-1.0]], [[2.0, -3.0]], bias=False)
    O, W = mpath._iv_network(constant_path(N), iv.mpf(0.3), np.array([[0.5], [-0.25]]))
    assert [[bounds(o) for o in row] for row in O] == [[(0.5, 0.5), (0, 0)], [(0, 0), (0.25, 0.25)]]
    assert [[bounds(w) for w in row] for row in W] == [[(2, 2), (-3, -3)]]


# ------------------------------------------------------- bounded slice at a grid point: exact
def test_bounded_slice_exact_on_the_first_segment_of_a_polygon():
    """w through −1, 1, 5 at λ = 0, ½, 1: w = 0 at λ = ¼ (u = ½ of segment 0) and nowhere else."""
    poly = mpath.polygon_path([net(-1.0), net(1.0), net(5.0)])
    assert mpath.certify_bounded_slice_at(poly, X, Y, "squared", 0.25) == EXACT_SQ
    for lam in (0.125, 0.375, 0.5, 0.75, 1.0):
        assert mpath.certify_bounded_slice_at(poly, X, Y, "squared", lam) == UNBOUNDED


def test_bounded_slice_exact_on_a_later_segment_uses_the_local_parameter():
    """w through 1, −1, 1 (s = 2): zeros at λ = ¼ and ¾ (u = ½ of segments 0 and 1); w through
    1, 1, −1, 1 (s = 3): zero at λ = ½ only, u = ½ of segment 1 (sλ = 3/2)."""
    poly = mpath.polygon_path([net(1.0), net(-1.0), net(1.0)])
    assert mpath.certify_bounded_slice_at(poly, X, Y, "squared", 0.75) == EXACT_SQ
    assert mpath.certify_bounded_slice_at(poly, X, Y, "squared", 0.25) == EXACT_SQ
    assert mpath.certify_bounded_slice_at(poly, X, Y, "squared", 0.625) == UNBOUNDED
    poly3 = mpath.polygon_path([net(1.0), net(1.0), net(-1.0), net(1.0)])
    assert mpath.certify_bounded_slice_at(poly3, X, Y, "squared", 0.5) == EXACT_SQ
    for lam in (0.25, 0.75, 0.375):
        assert mpath.certify_bounded_slice_at(poly3, X, Y, "squared", lam) == UNBOUNDED


def test_bounded_slice_exact_at_the_end_points():
    """λ = 1 lies on the last segment (u = 1); λ = 0 on the first (u = 0)."""
    ends_at_zero = mpath.polygon_path([net(1.0), net(-1.0), net(0.0)])
    assert mpath.certify_bounded_slice_at(ends_at_zero, X, Y, "squared", 1.0) == EXACT_SQ
    assert mpath.certify_bounded_slice_at(ends_at_zero, X, Y, "squared", 0.0) == UNBOUNDED
    starts_at_zero = mpath.polygon_path([net(0.0), net(-1.0), net(2.0)])
    assert mpath.certify_bounded_slice_at(starts_at_zero, X, Y, "squared", 0.0) == EXACT_SQ
    assert mpath.certify_bounded_slice_at(starts_at_zero, X, Y, "squared", 1.0) == UNBOUNDED
    straight = mpath.straight_path(net(1.0), net(0.0))
    assert mpath.certify_bounded_slice_at(straight, X, Y, "squared", 1.0) == EXACT_SQ


def test_bounded_slice_exact_softmax_phrase():
    """Two classes, last layer (w, −w) on relu(x), w = −1 + 2λ on the straight path: at w = 0 both
    classes tie, for w > 0 label 0 wins — either way every label 0 attains its row maximum (s(P) = 0,
    the slice is bounded); for w < 0 label 0 loses and the slice is unbounded."""
    A, B = mlp([[1.0]], [[-1.0], [1.0]]), mlp([[1.0]], [[1.0], [-1.0]])
    lab = np.array([0, 0])
    # the tie: λ = ½ on the straight path; λ = ¾ (u = ½ of segment 1) on the polygon A, A, B
    for path, lam in ((mpath.straight_path(A, B), 0.5), (mpath.polygon_path([A, A, B]), 0.75)):
        assert mpath.certify_bounded_slice_at(path, X, lab, "softmax_xent", lam) == EXACT_SM
        assert mpath.certify_bounded_slice_at(path, X, np.eye(2)[lab], "softmax_xent", lam) == EXACT_SM
    straight = mpath.straight_path(A, B)
    assert mpath.certify_bounded_slice_at(straight, X, lab, "softmax_xent", 0.25) == UNBOUNDED  # label 0 loses
    assert mpath.certify_bounded_slice_at(straight, X, lab, "softmax_xent", 0.75) == EXACT_SM  # label 0 wins
    assert mpath.certify_bounded_slice_at(straight, X, np.array([1, 1]), "softmax_xent", 0.75) == UNBOUNDED
    assert mpath.certify_bounded_slice_at(mpath.polygon_path([A, A, B]), X, lab, "softmax_xent", 0.25) == UNBOUNDED


def wiggly_four_bumps(w0: float = -2.0, w1: float = 0.0, c=(2.0, 3.0, 1.0, 4.0)):
    """w(λ) = (1 − λ)w0 + λw1 + Σ_k c_k sin((k+1)πλ), hidden weight 1 (the bumps carry hidden 0).
    At λ = ½ the sines are (1, 0, −1, 0): w(½) = (w0 + w1)/2 + c0 − c2; at λ = 1 they all vanish."""
    return mpath.wiggly_path(net(w0), net(w1), [net(ck, 0.0) for ck in c])


def test_bounded_slice_on_a_wiggly_path_is_exact_at_half_integers():
    wig = wiggly_four_bumps()  # w(½) = −1 + 2 − 1 = 0, w(1) = 0, w(0) = −2
    assert mpath.certify_bounded_slice_at(wig, X, Y, "squared", 0.5) == EXACT_COMBO
    assert mpath.certify_bounded_slice_at(wig, X, Y, "squared", 1.0) == EXACT_COMBO
    assert mpath.certify_bounded_slice_at(wig, X, Y, "squared", 0.0) == UNBOUNDED
    # every bump counts: w(½) = c0 − c2 − 1 ≠ 0 when c0 or c2 changes; c1, c3 must enter with sin = 0
    for c in ((3.0, 3.0, 1.0, 4.0), (2.0, 3.0, 2.0, 4.0), (2.0, 3.0, 0.5, 4.0)):
        assert mpath.certify_bounded_slice_at(wiggly_four_bumps(c=c), X, Y, "squared", 0.5) == UNBOUNDED
    # w1 = 1: w(1) = 1 and w(½) = ½: both unbounded
    other = wiggly_four_bumps(w1=1.0)
    assert mpath.certify_bounded_slice_at(other, X, Y, "squared", 1.0) == UNBOUNDED
    assert mpath.certify_bounded_slice_at(other, X, Y, "squared", 0.5) == UNBOUNDED


def test_bounded_slice_exact_at_half_integers_of_a_single_net_path():
    dead = constant_path(net(1.0, -1.0))  # relu(−x) = 0 on x > 0: P = 0
    assert mpath.certify_bounded_slice_at(dead, X, Y, "squared", 0.5) == EXACT_COMBO
    assert mpath.certify_bounded_slice_at(constant_path(net(1.0)), X, Y, "squared", 1.0) == UNBOUNDED


# --------------------------------------------------- bounded slice at a grid point: intervals
@pytest.mark.parametrize("lam", [0.25, 0.3, 0.7])
def test_bounded_slice_by_intervals_squared_dead_versus_live(lam):
    """Off the half-integers a wiggly path is certified by intervals: every data point dead (hidden
    weight −1 − sin(πλ) < 0 on x > 0) ⇒ P = 0; a live data point is never certified for squared."""
    dead = mpath.wiggly_path(net(1.0, -1.0), net(2.0, -1.0), [net(1.0, -1.0)])
    assert mpath.certify_bounded_slice_at(dead, X, Y, "squared", lam) == BY_INTERVALS
    live = mpath.wiggly_path(net(1.0), net(2.0), [net(1.0, 0.0)])
    assert mpath.certify_bounded_slice_at(live, X, Y, "squared", lam) == LIVE
    # even with w = 0 on the live unit the squared route needs dead points (P_t = 0 by O_t = 0)
    assert mpath.certify_bounded_slice_at(constant_path(net(0.0)), X, Y, "squared", lam) == LIVE


def test_bounded_slice_by_intervals_single_net_without_bias():
    """relu(−x) at x = ¼, ½: pre-activations −¼, −½ (dead); relu(x) there is live."""
    Xs = np.array([[0.25], [0.5]])
    assert mpath.certify_bounded_slice_at(constant_path(net(1.0, -1.0, bias=False)), Xs, Y, "squared", 0.3) == BY_INTERVALS
    assert mpath.certify_bounded_slice_at(constant_path(net(1.0, 1.0, bias=False)), Xs, Y, "squared", 0.3) == LIVE
    mixed = np.array([[0.25], [-0.5]])  # the second point is live through relu(−x)
    assert mpath.certify_bounded_slice_at(constant_path(net(1.0, -1.0, bias=False)), mixed, Y, "squared", 0.3) == LIVE


# units relu(x), relu(−x), relu(x); data x = 1 (units 0, 2 live, O = (1, 0, 1)), x = −1 (unit 1, O = (0, 1, 0))
H3 = [[1.0], [-1.0], [1.0]]
X_PM = np.array([[1.0], [-1.0]])


def softmax_last_layer(v11: float = -1.5) -> list:
    """Class rows over the units. Point x = 1, label 0: margins vs class 1: 1·(1 + 1) + 1·(0 − 1) = 1,
    vs class 2: 2 + 1 = 3. Point x = −1, label 2: margins −1 − (−1.5) = ½ vs class 0 and −1 − v11 vs 1."""
    return [[1.0, -1.5, 0.0], [-1.0, v11, 1.0], [-1.0, -1.0, -1.0]]


@pytest.mark.parametrize("labels", [np.array([0, 2]), np.eye(3)[[0, 2]]], ids=["integer", "one-hot"])
def test_bounded_slice_by_intervals_softmax_certainly_correct(labels):
    path = constant_path(mlp(H3, softmax_last_layer()))
    assert mpath.certify_bounded_slice_at(path, X_PM, labels, "softmax_xent", 0.3) == BY_INTERVALS
    # a dead third point changes nothing; a wrong label on the first point does
    X3 = np.array([[1.0], [-1.0], [0.0]])
    lab3 = np.array([0, 2, 1]) if labels.ndim == 1 else np.eye(3)[[0, 2, 1]]
    assert mpath.certify_bounded_slice_at(path, X3, lab3, "softmax_xent", 0.3) == BY_INTERVALS
    wrong = np.array([1, 2]) if labels.ndim == 1 else np.eye(3)[[1, 2]]
    assert mpath.certify_bounded_slice_at(path, X_PM, wrong, "softmax_xent", 0.3) == NOT_CORRECT


@pytest.mark.parametrize("v11, why", [(-0.5, "margins ½ and −½"), (-1.0, "margins ½ and 0 (a tie)")])
def test_bounded_slice_by_intervals_softmax_not_certainly_correct(v11, why):
    path = constant_path(mlp(H3, softmax_last_layer(v11)))
    assert mpath.certify_bounded_slice_at(path, X_PM, np.array([0, 2]), "softmax_xent", 0.3) == NOT_CORRECT, why


def test_bounded_slice_by_intervals_softmax_sums_the_live_units():
    """x = 1 feeds units 0 and 2: vs class 1 the margin is O_0·2 + O_2·(−1) = 1 > 0 (certainly correct
    although unit 2 alone favours class 1); with O_2 doubled (hidden weight 2) it is 0 — not certified."""
    path = constant_path(mlp(H3, softmax_last_layer()))
    assert mpath.certify_bounded_slice_at(path, X_PM[:1], np.array([0]), "softmax_xent", 0.3) == BY_INTERVALS
    path2 = constant_path(mlp([[1.0], [-1.0], [2.0]], softmax_last_layer()))
    assert mpath.certify_bounded_slice_at(path2, X_PM[:1], np.array([0]), "softmax_xent", 0.3) == NOT_CORRECT


# ---------------------------------------------- condition 1 near an unresolved step: squared
def test_near_brackets_the_zero_of_the_output_weight_below_1e_12():
    """w = −1 + 3λ: zero at the non-dyadic λ* = ⅓; bisection of [0, 1] stops at the first width
    < 1e-12, i.e. 2^-40 (2^-39 ≈ 1.8e-12), and the bracket contains ⅓."""
    path = mpath.straight_path(net(-1.0), net(2.0))
    a, b, what = mpath.certify_condition1_violation_near(path, X, Y, "squared", [0.0, 1.0])
    assert what == ZERO_ENTRY
    assert b - a == 2.0**-40 and Fraction(a) < Fraction(1, 3) < Fraction(b)
    # a finer grid gives the same kind of bracket; the cell without the zero gives none
    a2, b2, _ = mpath.certify_condition1_violation_near(path, X, Y, "squared", np.linspace(0.0, 1.0, 11))
    assert Fraction(a2) < Fraction(1, 3) < Fraction(b2) and b2 - a2 < 1e-12
    assert mpath.certify_condition1_violation_near(path, X, Y, "squared", [0.5, 1.0]) is None


def test_near_bisections_cap_the_halvings_on_a_wide_grid():
    """On a cell of width 2^22 the default 60 halvings leave 2^-38 > 1e-12; more allowed halvings go
    on to the first width below 1e-12, 2^-40; none leave the grid cell itself."""
    path = mpath.straight_path(net(-1.0), net(2.0))
    grid = [-(2.0**21), 2.0**21]
    a, b, _ = mpath.certify_condition1_violation_near(path, X, Y, "squared", grid)
    assert b - a == 2.0**-38 and Fraction(a) < Fraction(1, 3) < Fraction(b)
    a, b, _ = mpath.certify_condition1_violation_near(path, X, Y, "squared", grid, bisections=100)
    assert b - a == 2.0**-40 and Fraction(a) < Fraction(1, 3) < Fraction(b)
    assert mpath.certify_condition1_violation_near(path, X, Y, "squared", [0.0, 1.0], bisections=0)[:2] == (0.0, 1.0)


def test_near_stops_bisecting_at_an_exact_zero():
    """w = −1 + 2λ vanishes exactly at the first midpoint ½: the bracket stays [0, 1], whose end
    values −1, 1 have rigorous signs, and the live points are fed through unit 0 only."""
    path = mpath.straight_path(net(-1.0), net(1.0))
    assert mpath.certify_condition1_violation_near(path, X, Y, "squared", [0.0, 1.0]) == (0.0, 1.0, ZERO_ENTRY)
    assert mpath.certify_condition1_violation_near(path, X, -Y, "squared", [0.0, 1.0]) == (0.0, 1.0, ZERO_ENTRY)


def test_near_certifies_when_every_data_point_is_dead():
    """relu(−x) on x > 0: O ≡ 0 over the bracket, so P = 0 there whatever the last layer does."""
    path = mpath.straight_path(net(-1.0, -1.0), net(2.0, -1.0))
    a, b, what = mpath.certify_condition1_violation_near(path, X, Y, "squared", [0.0, 1.0])
    assert what == ZERO_ENTRY and Fraction(a) < Fraction(1, 3) < Fraction(b)
    two = mpath.straight_path(mlp([[-1.0]], [[-2.0], [-1.0]]), mlp([[-1.0]], [[1.0], [-1.0]]))
    a, b, what = mpath.certify_condition1_violation_near(two, X, np.array([1, 1]), "softmax_xent", [0.0, 1.0])
    assert what == "tie of classes 0, 1 in column 0 of the last layer" and Fraction(a) < Fraction(1, 3) < Fraction(b)


def test_near_needs_a_strict_float_sign_change_between_grid_points():
    """w = −1 + λ + 2 sin(πλ): w(0) = −1, w(½) = 3/2, w(1) = 0 exactly, with a zero in (0, ½). On the
    grid {0, 1} there is no strict sign change (w(1) = 0): nothing is proposed, so nothing is
    certified; the grid {0, ½, 1} brackets the zero."""
    wig = mpath.wiggly_path(net(-1.0), net(0.0), [net(2.0, 0.0)])
    assert float(wig(1.0)[-1][0][0, 0]) == 0.0
    assert mpath.certify_condition1_violation_near(wig, X, Y, "squared", [0.0, 1.0]) is None
    a, b, what = mpath.certify_condition1_violation_near(wig, X, Y, "squared", [0.0, 0.5, 1.0])
    assert what == ZERO_ENTRY and 0.0 < a < b < 0.5 and b - a < 1e-12


def test_near_skips_an_uncertifiable_crossing_and_certifies_a_later_one():
    """Two hidden units, hidden weights 1 and 1 − 2λ, output weights w0 = 1 − 2 sin(πλ) and 1. w0
    changes sign at λ = 1/6 (unit 1 still live: not certified) and at λ = 5/6 (unit 1 dead: live
    points fed through unit 0 alone, so P = 0 at the zero)."""
    W0 = mlp([[1.0], [1.0]], [[1.0, 1.0]])
    W1 = mlp([[1.0], [-1.0]], [[1.0, 1.0]])
    bump = mlp([[0.0], [0.0]], [[-2.0, 0.0]])
    wig = mpath.wiggly_path(W0, W1, [bump])
    a, b, what = mpath.certify_condition1_violation_near(wig, X, Y, "squared", [0.0, 0.5, 1.0])
    assert what == ZERO_ENTRY and a < 5 / 6 < b and b - a < 1e-12
    assert mpath.certify_condition1_violation_near(wig, X, Y, "squared", [0.0, 0.5]) is None  # λ = 1/6 only


def test_near_declines_without_a_bracket_or_an_interval_form():
    path = mpath.straight_path(net(-1.0), net(2.0))
    assert mpath.certify_condition1_violation_near(path, X, Y, "squared", [0.5]) is None  # one grid point
    poly = mpath.polygon_path([net(-1.0), net(2.0)])  # no .coefficients
    assert mpath.certify_condition1_violation_near(poly, X, Y, "squared", [0.0, 1.0]) is None
    two = mpath.straight_path(mlp([[1.0]], [[-1.0], [1.0]]), mlp([[1.0]], [[2.0], [1.0]]))
    assert mpath.certify_condition1_violation_near(two, X, np.ones((2, 2)), "squared", [0.0, 1.0]) is None  # k = 2


def two_faced_path(f):
    """Floats: w = −1 + 2λ (the bisection of [0, 1] stops at once, at the exact zero ½: bracket [0, 1]).
    Interval form: hidden weight 1, w = f(λ). Step (1) must read the enclosures f(0), f(1) only."""
    return combination_path([net(0.0), net(1.0, 0.0)], lambda lam, sin=None, pi=None: [1, f(lam)],
                            float_path=lambda lam: net(-1.0 + 2.0 * lam))


@pytest.mark.parametrize("f, ends", [
    (lambda lam: lam, "g(0) = 0, g(1) = 1"),
    (lambda lam: lam - 1, "g(0) = −1, g(1) = 0"),
    (lambda lam: -lam, "g(0) = 0, g(1) = −1"),
    (lambda lam: 1 - lam, "g(0) = 1, g(1) = 0"),
    (lambda lam: 0 * lam - 1, "g ≡ −1"),
    (lambda lam: 0 * lam + 0.5, "g ≡ ½"),
    (lambda lam: 0 * lam, "g ≡ 0"),
])
def test_near_end_point_signs_must_be_strictly_opposite_in_interval_arithmetic(f, ends):
    """The float bisection only proposes [a, b]; the sign change is certified by the enclosures of
    g(a), g(b) alone — a zero or a common sign at an end point gives nothing."""
    assert mpath.certify_condition1_violation_near(two_faced_path(f), X, Y, "squared", [0.0, 1.0]) is None, ends


def test_near_end_point_signs_strictly_opposite_are_accepted():
    for f in (lambda lam: 2 * lam - 1, lambda lam: 1 - 2 * lam, lambda lam: lam - 0.25):
        assert mpath.certify_condition1_violation_near(two_faced_path(f), X, Y, "squared", [0.0, 1.0]) == \
            (0.0, 1.0, ZERO_ENTRY)


# ---------------------------------------------- condition 1 near an unresolved step: softmax
# units relu(x), relu(−x); data x = 1 (unit 0 only) and x = −1 (unit 1 only); λ ↦ base + λ·direction
# moves only column 0: class 0 from −2 to 1 (−2 + 3λ), class 1 at −1: classes 0 and 1 tie at λ* = ⅓
H2 = [[1.0], [-1.0]]
TIE = "tie of classes 0, 1 in column 0 of the last layer"


def softmax_tie_path(col0, col1, d0: float = 3.0):
    base = mlp(H2, np.array([col0, col1]).T)
    direction = mlp(np.zeros((2, 1)), np.array([[d0] + [0.0] * (len(col0) - 1), [0.0] * len(col0)]).T)
    return affine_path(base, direction)


@pytest.mark.parametrize("labels", [np.array([0, 2]), np.eye(3)[[0, 2]]], ids=["integer", "one-hot"])
def test_near_softmax_tie_with_the_other_point_certainly_correct(labels):
    """x = 1 (label 0) is fed through unit 0 alone, where classes 0, 1 tie at λ* and class 2 (−5) is
    below; x = −1 (label 2) is certainly correct: −1 − (−4) = 3 > 0 against both other classes,
    although every entry of its column is negative."""
    path = softmax_tie_path([-2.0, -1.0, -5.0], [-4.0, -4.0, -1.0])
    a, b, what = mpath.certify_condition1_violation_near(path, X_PM, labels, "softmax_xent", [0.0, 1.0])
    assert what == TIE and Fraction(a) < Fraction(1, 3) < Fraction(b) and b - a < 1e-12
    # label 1 at x = 1 is the other tied class: also certified
    lab1 = np.array([1, 2]) if labels.ndim == 1 else np.eye(3)[[1, 2]]
    assert mpath.certify_condition1_violation_near(path, X_PM, lab1, "softmax_xent", [0.0, 1.0])[2] == TIE


@pytest.mark.parametrize("col1, labels, why", [
    ([0.0, 5.0, 3.0], [0, 2], "x = −1 (label 2): margins 3 > 0 but −2 < 0"),
    ([0.0, 3.0, 3.0], [0, 2], "x = −1 (label 2): margins 3 and 0 (an exact tie is not correct)"),
    ([0.0, 3.5, 3.0], [0, 2], "x = −1 (label 2): margins 3 and −½"),
    ([0.0, 5.0, 3.0], [0, 0], "x = −1 (label 0 of the tie pair, but fed through unit 1): margins −5, −3"),
    ([-4.0, -4.0, -1.0], [2, 2], "x = 1 (label 2) is not in the tie and loses to classes 0, 1"),
])
def test_near_softmax_not_certified_when_a_live_point_is_neither_tied_nor_correct(col1, labels, why):
    path = softmax_tie_path([-2.0, -1.0, -5.0], col1)
    assert mpath.certify_condition1_violation_near(path, X_PM, np.array(labels), "softmax_xent", [0.0, 1.0]) is None, why


def test_near_softmax_tie_needs_every_other_class_certainly_below():
    """Four classes, column 0: class 0 = −2 + 3λ, class 1 = −1, class 2 = −5, class 3 = 0. At the 0/1
    tie (λ = ⅓) class 3 is above, so it is no violation; class 0 then meets class 3 at λ = ⅔ with
    classes 1, 2 below — that tie is the one certified."""
    path = softmax_tie_path([-2.0, -1.0, -5.0, 0.0], [-4.0, -4.0, -1.0, -4.0])
    a, b, what = mpath.certify_condition1_violation_near(path, X_PM, np.array([0, 2]), "softmax_xent", [0.0, 1.0])
    assert what == "tie of classes 0, 3 in column 0 of the last layer"
    assert Fraction(a) < Fraction(2, 3) < Fraction(b) and b - a < 1e-12
    assert mpath.certify_condition1_violation_near(path, X_PM, np.array([0, 2]), "softmax_xent", [0.0, 0.5]) is None


def test_near_softmax_tie_is_checked_over_the_whole_bracket():
    """Class 0 = −2 + 2λ, class 1 = −1, class 2 = −2: the 0/1 tie is at the exact midpoint ½, so the
    bracket stays [0, 1], over which class 0 ∈ [−2, 0] is not certainly above class 2 (equal at λ = 0):
    label 0 is not certified; label 1 (constant −1 > −2) is."""
    path = softmax_tie_path([-2.0, -1.0, -2.0], [-4.0, -4.0, -1.0], d0=2.0)
    assert mpath.certify_condition1_violation_near(path, X_PM, np.array([0, 2]), "softmax_xent", [0.0, 1.0]) is None
    assert mpath.certify_condition1_violation_near(path, X_PM, np.array([1, 2]), "softmax_xent", [0.0, 1.0]) == \
        (0.0, 1.0, TIE)


def test_near_softmax_two_classes_names_the_pair():
    """k = 2: class 0 = −2 + 3λ meets class 1 = −1 at ⅓ in column 0; x = −1 (label 1) has margin 3."""
    path = softmax_tie_path([-2.0, -1.0], [-4.0, -1.0])
    a, b, what = mpath.certify_condition1_violation_near(path, X_PM, np.array([0, 1]), "softmax_xent", [0.0, 1.0])
    assert what == TIE and Fraction(a) < Fraction(1, 3) < Fraction(b)
    # the tie in column 1 instead (x = −1 through unit 1, label 0; x = 1 label 1 correct by 2)
    base = mlp(H2, [[-4.0, -2.0], [-2.0, -1.0]])
    direction = mlp(np.zeros((2, 1)), [[0.0, 3.0], [0.0, 0.0]])
    a, b, what = mpath.certify_condition1_violation_near(affine_path(base, direction), X_PM, np.array([1, 0]),
                                                         "softmax_xent", [0.0, 1.0])
    assert what == "tie of classes 0, 1 in column 1 of the last layer" and Fraction(a) < Fraction(1, 3) < Fraction(b)
