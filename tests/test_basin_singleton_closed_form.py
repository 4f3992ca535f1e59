"""Closed-form basin values for singleton data (numerics.basins.singleton; SS16 §5, SS16.Thm2).

Hand-computed cases: each (coordinate, side) is a 1-d least squares over the cone of the output
signs serving it ({0}, R₊, R₋ or R), with the clipped coefficient β = Σ|c_t|y_t / Σc_t²; every
value is also checked against the certified convex program (numerics.basins.basin_value), an
independent oracle. Also: the global minimum over widths 1 and 2 by hand, the error messages
(the offending row and coordinate are named) and the width guard.
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics.basins import EmptyBasinError, basin_value
from numerics.basins.singleton import (
    _side_cost,
    singleton_basin_value,
    singleton_global_minimum,
    singleton_structure,
)

# samples: t0 = 2e₀, t1 = −e₀, t2 = 3e₁, t3 = −e₁ (coordinate 2 has no samples)
X = np.array([[2.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, -1.0, 0.0]])
Y = np.array([1.5, 2.0, -1.0, 0.5])
# Clarabel stops at a 1e-8 gap; 1e-7 is the engine's agreement target
AGREE = 1e-7


def test_structure_reads_the_coordinate_and_coefficient_of_every_sample():
    s = singleton_structure(X)
    assert s.coord.tolist() == [0, 0, 1, 1]
    assert s.coef.tolist() == [2.0, -1.0, 3.0, -1.0]


@pytest.mark.parametrize(
    "A, b, value",
    [
        # one neuron with σ = (+, +): active on t0 and t2 (the '+' sides), output sign +
        # (0,+): β = 2·1.5/4 = 0.75 ≥ 0, exact → 0;  (0,−) unserved: 2² = 4
        # (1,+): β = 3·(−1)/9 < 0 → clipped to 0: 1;  (1,−) unserved: 0.25
        ([[1, -1, 1, -1]], [1], (0.0 + 4.0 + 1.0 + 0.25) / 4),
        # same neuron with output sign −: (0,+) clipped to 0: 2.25; (1,+) β = −1/3 exact: 0
        ([[1, -1, 1, -1]], [-1], (2.25 + 4.0 + 0.0 + 0.25) / 4),
        # σ = (−, −), sign −: active on t1 and t3, c = −1 there, |c| β with β ≤ 0:
        # (0,−): β = 2 → 0: 4; (1,−): β = 0.5 → 0: 0.25; both '+' sides unserved: 2.25 + 1
        ([[-1, 1, -1, 1]], [-1], (2.25 + 4.0 + 1.0 + 0.25) / 4),
        # σ = (−, −), sign +: (0,−) β = 2 exact, (1,−) β = 0.5 exact; '+' sides unserved
        ([[-1, 1, -1, 1]], [1], (2.25 + 0.0 + 1.0 + 0.0) / 4),
        # σ = (+, −), sign +: serves (0,+) and (1,−); (0,+) exact, (1,−) β = 0.5 exact
        ([[1, -1, -1, 1]], [1], (0.0 + 4.0 + 1.0 + 0.0) / 4),
        # two neurons of opposite signs on the same sides (σ = (+, +)): cone R, every side served
        # by both is exact; the '−' sides stay unserved
        ([[1, -1, 1, -1], [1, -1, 1, -1]], [1, -1], (0.0 + 4.0 + 0.0 + 0.25) / 4),
        # one neuron per side, both positive: every side fitted except (1,+) (needs β < 0)
        ([[1, -1, 1, -1], [-1, 1, -1, 1]], [1, 1], (0.0 + 0.0 + 1.0 + 0.0) / 4),
    ],
)
def test_hand_computed_basin_values_equal_the_closed_form_and_the_convex_program(A, b, value):
    A, b = np.array(A), np.array(b)
    assert singleton_basin_value(X, Y, A, b) == pytest.approx(value, abs=1e-15)  # exact up to rounding
    assert basin_value(X, Y, A, b, cache=False).value == pytest.approx(value, abs=AGREE)


def test_side_cost_is_the_least_squares_over_each_cone():
    c = np.array([1.0, -2.0])  # |c| = (1, 2)
    y = np.array([1.0, -3.0])  # β* = (1 − 6)/5 = −1, residual (−2, 1)
    assert _side_cost(c, y, {1, -1}) == pytest.approx(5.0, abs=1e-14)
    assert _side_cost(c, y, {-1}) == pytest.approx(5.0, abs=1e-14)
    assert _side_cost(c, y, {1}) == pytest.approx(10.0, abs=1e-14)  # β clipped to 0: Σy²
    assert _side_cost(c, y, set()) == pytest.approx(10.0, abs=1e-14)
    y2 = -y  # β* = +1
    assert _side_cost(c, y2, {1}) == pytest.approx(5.0, abs=1e-14)
    assert _side_cost(c, y2, {-1}) == pytest.approx(10.0, abs=1e-14)
    assert _side_cost(np.zeros(0), np.zeros(0), {1}) == 0.0


@pytest.mark.parametrize(
    "y, widths",
    [
        # one coordinate, a sample on each side, both targets 1: width 1 fits one side only
        (np.array([1.0, 1.0]), {1: 0.5, 2: 0.0, 3: 0.0}),
        # targets of opposite signs: the '+' side needs β > 0 and the '−' side (c = −1) needs β < 0
        # as well (|c| β = −1): one neuron of output sign + and one of − fit both
        (np.array([1.0, -1.0]), {1: 0.5, 2: 0.0}),
        # a target 0 costs nothing unserved: width 1 fits the other side
        (np.array([0.0, -3.0]), {1: 0.0}),
    ],
)
def test_singleton_global_minimum_by_hand(y, widths):
    X2 = np.array([[1.0, 0.0], [-1.0, 0.0]])
    for n, val in widths.items():
        assert singleton_global_minimum(X2, y, n) == pytest.approx(val, abs=1e-15)


def test_singleton_global_minimum_over_two_coordinates_needs_both_output_signs():
    # coordinate 0: one '+' sample with target +2; coordinate 1: one '+' sample with target −1.
    # A neuron serves the '+' side of every coordinate it is active on, so width 1 (one output
    # sign) fits only one of them: min(1², 2²)/2 = 0.5; width 2 (one neuron of each sign) fits both.
    X2 = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([2.0, -1.0])
    assert singleton_global_minimum(X2, y, 1) == pytest.approx(0.5, abs=1e-15)
    assert singleton_global_minimum(X2, y, 2) == pytest.approx(0.0, abs=1e-15)
    assert singleton_global_minimum(X2, y, np.int64(2)) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("width", [0, -1, True, 2.0, "2"])
def test_singleton_global_minimum_refuses_a_width_that_is_not_a_positive_integer(width):
    with pytest.raises(ValueError, match="width: expected a positive integer"):
        singleton_global_minimum(X, Y, width)


def test_unrealisable_rows_are_named_with_their_coordinate():
    # row 1: a_{1,0} = +1 on t0 = 2e₀ needs σ₀ = +, a_{1,1} = +1 on t1 = −e₀ needs σ₀ = −
    A = np.array([[1, -1, 1, -1], [1, 1, 1, -1]])
    with pytest.raises(EmptyBasinError, match="A: row 1 has inconsistent signs on coordinate 0"):
        singleton_basin_value(X, Y, A, np.array([1, 1]))
    A = np.array([[1, -1, 1, 1]])
    with pytest.raises(EmptyBasinError, match="A: row 0 has inconsistent signs on coordinate 1"):
        singleton_basin_value(X, Y, A, np.array([1]))


def test_non_singleton_rows_are_listed():
    Xb = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0], [3.0, -1.0]])
    with pytest.raises(ValueError, match=r"X: not singleton data: rows \[1, 3\]"):
        singleton_structure(Xb)
