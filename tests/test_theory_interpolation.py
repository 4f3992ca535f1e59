"""REV.interpolation: Zhang et al.'s construction, exact in rationals, on fixed data.

The Hypothesis property tests on random rational data are in
property_tests/test_interpolation_property.py; both use :func:`check_zhang_construction`.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
import sympy as sp

from numerics.network import forward
from overspec.testing import ClaimRejected, assert_close
from theory.interpolation import (
    construction_failures,
    construction_report,
    non_interleaved_biases,
    zhang_interpolation,
    zhang_network,
)

X_FIXED = [[0, 1, 2], [1, 0, F(1, 2)], [F(1, 2), F(1, 3), -1], [2, 2, 2], [-1, F(5, 7), 0]]
Y_FIXED = [1, -2, F(3, 4), 0, F(-9, 5)]


def check_zhang_construction(report: dict) -> dict:
    """Claim check: every property the proof claims, as computed on exact data, else ClaimRejected."""
    failures = construction_failures(report)
    if failures:
        raise ClaimRejected("; ".join(failures))
    return report


def evidence_of(report: dict) -> dict:
    return {
        "n": report["n"], "d": report["d"], "n_weights": report["n_weights"], "w": report["w"],
        "z_sorted": report["z"], "b": report["b"], "diagonal": report["diagonal"], "det": report["det"],
        "eigenvalues": {str(k): m for k, m in report["eigenvalues"].items()},
        "smallest_eigenvalue": report["smallest_claimed_eigenvalue"], "v": report["v"],
        "residuals": report["residuals"],
    }


@pytest.mark.claim("REV.interpolation", kind="symbolic")
def test_construction_fits_fixed_rational_data_exactly(evidence):
    rep = check_zhang_construction(construction_report(X_FIXED, Y_FIXED))
    assert rep["interleaved"] and rep["n_weights"] == 2 * 5 + 3
    evidence.record(**evidence_of(rep), data="5 fixed rational points in Q^3")


@pytest.mark.claim("REV.interpolation", kind="symbolic", control=True)
def test_non_interleaved_biases_are_rejected(evidence):
    rep0 = construction_report(X_FIXED, Y_FIXED)
    rep = construction_report(X_FIXED, Y_FIXED, w=rep0["w"], b=non_interleaved_biases(rep0["z"]))
    assert not rep["interleaved"]
    with pytest.raises(ClaimRejected):
        check_zhang_construction(rep)
    reversed_b = construction_report(X_FIXED, Y_FIXED, w=rep0["w"], b=list(reversed(rep0["b"])))
    with pytest.raises(ClaimRejected, match="not lower triangular"):
        check_zhang_construction(reversed_b)
    evidence.record(mutation="b_j moved past z_j (z_1 < b_1 < z_2 < … < z_n < b_n); also b in reverse order",
                    rejected=True, reversed_b_failures=construction_failures(reversed_b),
                    b=rep["b"], det=rep["det"], eigenvalues={str(k): m for k, m in rep["eigenvalues"].items()},
                    claimed_eigenvalues=rep["claimed_eigenvalues"])


@pytest.mark.claim("REV.interpolation", kind="numerical")
def test_exact_weights_fit_through_the_numpy_network(evidence):
    """The exact (w, b, v) as numerics.network's ReLU net on x̃ = (x, 1): w_k = (w, −b_k), a = v."""
    w, b, v = zhang_interpolation(X_FIXED, Y_FIXED)
    Xt = np.array([[float(c) for c in row] + [1.0] for row in X_FIXED])
    W = np.array([[float(c) for c in w] + [-float(bj)] for bj in b])
    a = np.array([float(c) for c in v])
    pred = forward(a, W, Xt, "relu")
    y = np.array([float(c) for c in Y_FIXED])
    # Rounding (Higham's γ_k = k·eps/(1 − k·eps) bound for dot products): the rationals are rounded to
    # doubles (1 rounding each), z = x̃ᵀw_k takes d + 1 products/sums, the output n more, so
    # |pred_i − y_i| ≤ γ_{d+n+3}·Σ_k |a_k|·(|x̃_i|ᵀ|w_k|) + eps·|y_i|; ×2 margin.
    k = Xt.shape[1] + len(b) + 2
    scale = float(((np.abs(Xt) @ np.abs(W).T) @ np.abs(a)).max())
    tol = 2 * (k * np.finfo(float).eps * scale + np.finfo(float).eps * float(np.abs(y).max()))
    err = assert_close(pred, y, atol=tol, name="numpy ReLU net at the data")
    evidence.record(max_abs_error=err, scale=scale)
    evidence.tolerance("atol", tol, "2·((d + n + 2)·eps·max_i Σ_k |a_k|·|x̃_i|ᵀ|w_k| + eps·max|y|): the standard forward-error"
                       " bound of the float dot products in numerics.network.forward (plus rounding the rationals), ×2")


def test_network_value_is_exact():
    w, b, v = zhang_interpolation(X_FIXED, Y_FIXED)
    for x, y in zip(X_FIXED, Y_FIXED):
        assert zhang_network(sp.Matrix(x), sp.Matrix(w), b, v) == sp.Rational(y)


def test_single_point_and_one_dimension():
    rep = check_zhang_construction(construction_report([[F(3, 2)]], [7]))
    assert rep["v"] == [7] and rep["b"] == [sp.Rational(1, 2)]


@pytest.mark.parametrize(
    "X, y, match",
    [
        ([], [], "X"),
        ([[1, 2], [1]], [0, 0], "X"),
        ([[1, 2], [1, 2]], [0, 1], "X"),
        ([[0.5, 1]], [0], "X"),
        ([[1, 2]], [0, 1], "y"),
        ([[1, 2]], [0.25], "y"),
    ],
)
def test_bad_data_is_a_value_error(X, y, match):
    with pytest.raises(ValueError, match=match):
        construction_report(X, y)


def test_direction_with_repeated_projections_is_a_value_error():
    with pytest.raises(ValueError, match="w"):
        construction_report([[0, 1], [0, 2]], [1, 2], w=[1, 0])


def test_non_interleaved_biases_sit_between_consecutive_projections():
    """The control's biases: b_j = (z_j + z_{j+1})/2 for j < n, b_n = z_n + 1, so z_j < b_j < z_{j+1}."""
    z = [sp.Rational(-2), sp.Rational(0), sp.Rational(3)]
    b = non_interleaved_biases(z)
    assert b == [sp.Rational(-1), sp.Rational(3, 2), sp.Rational(4)]
    assert all(z[j] < b[j] for j in range(3)) and all(b[j] < z[j + 1] for j in range(2))


# ------------------------------------------------------------------ the construction's pieces
from theory.interpolation import (  # noqa: E402
    choose_direction,
    interleaving_biases,
    zhang_matrix,
)


@pytest.mark.parametrize("value, match", [
    (0.5, "^X: floats are not exact"),
    (sp.sqrt(2), "^X: need exact rationals"),
    ("abc", "^X: need exact rationals"),
])
def test_non_rational_coordinates_are_refused_with_the_reason(value, match):
    with pytest.raises(ValueError, match=match):
        construction_report([[value, 1]], [0])


def test_direction_is_the_first_point_of_the_moment_curve_that_separates_the_data():
    """w(s) = (1, s, …, s^{d−1}) for s = 0, 1, 2, …: s = 0 already separates distinct first
    coordinates; with equal first coordinates s = 0 fails and s = 1 is taken."""
    assert choose_direction(sp.Matrix([[1, 5], [2, 5]])) == sp.Matrix([1, 0])
    assert choose_direction(sp.Matrix([[0, 1], [0, 2]])) == sp.Matrix([1, 1])
    assert choose_direction(sp.Matrix([[0, 1, 0], [0, 0, 1], [0, 2, 0]])) == sp.Matrix([1, 3, 9])  # s = 0, 1, 2 collide


def test_interleaving_biases_need_strictly_increasing_projections():
    assert interleaving_biases([0, 1, 3]) == [-1, sp.Rational(1, 2), 2]
    for z in ([1, 1], [0, 2, 1]):
        with pytest.raises(ValueError, match="^z_sorted: must be strictly increasing"):
            interleaving_biases(z)


def test_zhang_matrix_needs_one_bias_per_projection():
    assert zhang_matrix([0, 2], [-1, 1]) == sp.Matrix([[1, 0], [3, 1]])
    with pytest.raises(ValueError, match="^b: expected 2 biases, got 1"):
        zhang_matrix([0, 2], [-1])


def test_direction_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="^w: expected 2 entries, got 1"):
        construction_report([[0, 1], [1, 0]], [1, 2], w=[1])


X_LINE = [[0], [1], [2]]  # z = (0, 1, 2) with w = (1)


@pytest.mark.parametrize("b, interleaved, lower", [
    ([-1, sp.Rational(1, 2), sp.Rational(3, 2)], True, True),
    ([sp.Rational(1, 2), sp.Rational(1, 2), sp.Rational(3, 2)], False, True),   # only b_1 < z_1 fails
    ([-1, sp.Rational(1, 2), 1], False, True),                                   # only z_2 < b_3 fails
    ([-1, -sp.Rational(1, 2), sp.Rational(3, 2)], False, False),                  # A_12 = ½ ≠ 0 only
])
def test_interleaving_and_triangularity_are_read_from_every_bias(b, interleaved, lower):
    rep = construction_report(X_LINE, [1, 2, 3], w=[1], b=b)
    assert rep["interleaved"] is interleaved and rep["lower_triangular"] is lower
