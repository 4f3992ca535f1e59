"""Unit tests of theory.cap and theory.bounds at their edges (issue 9).

The cap measure is checked against closed forms that do not go through the incomplete beta
function (r = 2: θ/π, the circle; r = 3: (1 − cos θ)/2, Archimedes' hat-box), the union bound
against its definition n·(1 − p)^{c⌈n/p⌉}, and the width solver at the edges of its domain:
a threshold ≤ 0 (width 1 already suffices), δ equal to the infimum of the failure
probability, δ = 1.
"""

from __future__ import annotations

import math

import pytest
import sympy as sp

from theory import bound_prop1, bound_thm2, bound_thm3, width_needed
from theory.cap import (
    cap_elementary_bound,
    cap_measure,
    p_epsilon,
    sympy_argument,
    theorem3_union_failure,
    theorem3_width,
)

HALF = sp.Rational(1, 2)
W = sp.Symbol("w", positive=True, integer=True)


# ------------------------------------------------------------------------ cap measure
@pytest.mark.parametrize("theta", [sp.pi / 7, sp.pi / 3, 2 * sp.pi / 5, sp.pi / 2, 2 * sp.pi / 3, 9 * sp.pi / 10])
def test_cap_measure_on_the_circle_is_the_angle_over_pi(theta):
    assert math.isclose(float(cap_measure(2, theta)), float(theta / sp.pi), rel_tol=1e-12)


@pytest.mark.parametrize("theta", [sp.pi / 7, sp.pi / 3, 2 * sp.pi / 5, 2 * sp.pi / 3, 9 * sp.pi / 10])
def test_cap_measure_on_the_two_sphere_is_archimedes_hat_box(theta):
    assert math.isclose(float(cap_measure(3, theta)), float((1 - sp.cos(theta)) / 2), rel_tol=1e-12)


def test_cap_measure_edges_and_complement():
    assert float(cap_measure(5, 0)) == 0.0
    assert math.isclose(float(cap_measure(5, sp.pi / 2)), 0.5, rel_tol=1e-14)
    assert math.isclose(float(cap_measure(5, sp.pi)), 1.0, rel_tol=1e-14)
    th = sp.pi / 5
    assert math.isclose(float(cap_measure(6, sp.pi - th)), 1 - float(cap_measure(6, th)), rel_tol=1e-12)
    theta = sp.Symbol("theta", positive=True)
    pw = cap_measure(4, theta)
    assert isinstance(pw, sp.Piecewise)
    assert math.isclose(float(pw.subs(theta, 2 * sp.pi / 3)), float(cap_measure(4, 2 * sp.pi / 3)), rel_tol=1e-12)
    assert math.isclose(float(pw.subs(theta, sp.pi / 3)), float(cap_measure(4, sp.pi / 3)), rel_tol=1e-12)


@pytest.mark.parametrize("theta", [2 * sp.pi / 5, sp.pi / 2 - sp.Rational(1, 100), sp.pi / 2 + sp.Rational(1, 100)])
def test_symbolic_cap_measure_switches_to_the_complement_exactly_at_pi_over_two(theta):
    """The Piecewise for a symbolic θ, evaluated just below and just above π/2 (and at 2π/5),
    equals Archimedes' (1 − cos θ)/2 on the two-sphere: the branch changes at π/2, not before."""
    t = sp.Symbol("theta", positive=True)
    assert math.isclose(float(cap_measure(3, t).subs(t, theta)), float((1 - sp.cos(theta)) / 2), rel_tol=1e-12)


def test_cap_elementary_bound_is_zero_at_angle_zero():
    assert cap_elementary_bound(3, 0) == 0                      # sin 0 = 0; θ = 0 is in the domain
    assert cap_elementary_bound(6, 0) == 0


def test_cap_elementary_bound_is_a_lower_bound_with_its_closed_form():
    # r = 3, θ = π/2: ½·x^a/(a·π) with a = 1, x = 1
    assert sp.simplify(cap_elementary_bound(3, sp.pi / 2) - 1 / (2 * sp.pi)) == 0
    # r = 2: sin θ/π ≤ θ/π
    assert sp.simplify(cap_elementary_bound(2, sp.pi / 6) - 1 / (2 * sp.pi)) == 0
    for r in (2, 3, 5, 9):
        for theta in (sp.pi / 20, sp.pi / 4, sp.pi / 2):
            assert float(cap_elementary_bound(r, theta)) <= float(cap_measure(r, theta))


@pytest.mark.parametrize("theta", [-sp.pi / 4, sp.pi + sp.Rational(1, 100)])
def test_cap_measure_rejects_angles_outside_zero_pi(theta):
    with pytest.raises(ValueError, match="^theta: must lie in"):
        cap_measure(3, theta)


def test_rank_must_be_an_integer_at_least_two():
    assert math.isclose(float(cap_measure(2, sp.pi / 2)), 0.5, rel_tol=1e-14)   # r = 2 is allowed
    with pytest.raises(ValueError, match="^rank: p_ε needs rank X ≥ 2"):
        cap_measure(1, sp.pi / 2)
    with pytest.raises(ValueError, match="^rank: must be an integer"):
        cap_measure(sp.Rational(5, 2), sp.pi / 2)
    with pytest.raises(ValueError, match="^rank: p_ε needs rank X ≥ 2"):
        cap_elementary_bound(1, sp.pi / 2)


# ------------------------------------------------------------------------------ p_ε
def test_p_epsilon_at_the_largest_chord_is_zero_and_beyond_it_is_rejected():
    # t = √ε/(nB) = 2: the chord is a diameter, sin θ_ε = 0
    assert p_epsilon(4, 1, 1, 3) == 0
    with pytest.raises(ValueError, match="^eps: √ε/\\(nB\\) = .* > 2"):
        p_epsilon(4 + sp.Rational(1, 10**6), 1, 1, 3)


def test_p_epsilon_for_small_t_approaches_its_leading_order():
    # p_ε ≈ t^{r−1}/(2π(r−1)) as t → 0 (the factor √(1 − t²/4) → 1)
    r, n, B = 4, 3, 2
    for t in (sp.Rational(1, 10), sp.Rational(1, 1000)):
        eps = (t * n * B) ** 2
        lead = t ** (r - 1) / (2 * sp.pi * (r - 1))
        ratio = float(p_epsilon(eps, n, B, r) / lead)
        assert math.isclose(ratio, float((1 - t**2 / 4) ** sp.Rational(r - 1, 2)), rel_tol=1e-12)
        assert ratio < 1
    assert math.isclose(float(p_epsilon((sp.Rational(1, 10**6) * 6) ** 2, n, B, r)
                              / (sp.Rational(1, 10**6) ** 3 / (6 * sp.pi))), 1.0, rel_tol=1e-11)


def test_theorem3_width_is_c_times_the_ceiling():
    eps, n, B, r = sp.Rational(1, 10), 2, 1, 3
    p = p_epsilon(eps, n, B, r)
    assert theorem3_width(eps, n, B, r, 3) == 3 * sp.ceiling(2 / p)
    assert theorem3_width(eps, n, B, r, 3) > theorem3_width(eps, n, B, r, 2)
    with pytest.raises(ValueError, match="^c: must be positive"):
        theorem3_width(eps, n, B, r, 0)


def test_theorem3_width_names_a_non_integer_n_before_the_other_arguments():
    """n is checked (a positive integer) with c, before p_ε looks at ε, B and the rank."""
    with pytest.raises(ValueError, match="^n: must be an integer"):
        theorem3_width(-1, sp.Rational(5, 2), 1, 3, 2)


# ---------------------------------------------------------------------- union bound
@pytest.mark.parametrize("n, c, p", [(3, 2, HALF), (1, 1, sp.Rational(1, 3)), (5, 2, sp.Rational(1, 7))])
def test_union_failure_is_its_definition_and_below_the_theorem_bound(n, c, p):
    value = theorem3_union_failure(n, c, p)
    width = c * math.ceil(n / p)
    assert value == n * (1 - p) ** width                      # exact rational
    assert value.is_Rational
    assert bool(value <= n * sp.exp(-c * n))                    # (1 − p)^{n/p} ≤ e^{−n}
    assert bool(value <= 1 - bound_thm3(c, n))                  # ≤ e^{−cn/4}


def test_union_failure_numbers_and_edges():
    assert theorem3_union_failure(3, 2, HALF) == sp.Rational(3, 2**12)
    assert theorem3_union_failure(4, 1, 1) == 0                 # p = 1: no neuron misses
    with pytest.raises(ValueError, match="^p: a probability must be ≤ 1"):
        theorem3_union_failure(3, 2, sp.Rational(3, 2))
    with pytest.raises(ValueError, match="^n: must be an integer"):
        theorem3_union_failure(sp.Rational(5, 2), 2, HALF)
    with pytest.raises(ValueError, match="^p: must be positive"):
        theorem3_union_failure(3, 2, 0)


# ------------------------------------------------------------------ argument checks
def test_sympy_argument_accepts_and_rejects_exactly_what_it_says():
    assert sympy_argument(0, "x", positive=False) == 0
    assert sympy_argument(-2, "x", positive=False) == -2
    assert sympy_argument(3, "x", integer=True) == 3
    s = sp.Symbol("s")
    assert sympy_argument(s, "x") is s                          # symbols pass through
    with pytest.raises(ValueError, match="^x: must be positive"):
        sympy_argument(0, "x")
    with pytest.raises(ValueError, match="^x: must be a finite real number"):
        sympy_argument(sp.oo, "x", positive=False)
    with pytest.raises(ValueError, match="^x: must be a finite real number"):
        sympy_argument(1 + sp.I, "x", positive=False)
    with pytest.raises(ValueError, match="^x: must be an integer"):
        sympy_argument(sp.Rational(1, 2), "x", integer=True)
    with pytest.raises(ValueError, match="^x: not a number or SymPy expression"):
        sympy_argument("1 +", "x")


@pytest.mark.parametrize("value", [True, False, sp.true, sp.false])
def test_sympy_argument_refuses_a_bool_naming_the_argument(value):
    with pytest.raises(TypeError, match="^x: a bool is not a number"):
        sympy_argument(value, "x")


def test_sympy_argument_refuses_strings_and_infinite_parts():
    """Strings are not parsed (strict sympify): "2" is refused like "1 +". An expression with an
    infinity in it is refused even where it would evaluate to a finite value: exp(−∞) unevaluated."""
    with pytest.raises(ValueError, match="^x: not a number or SymPy expression"):
        sympy_argument("2", "x")
    with pytest.raises(ValueError, match="^x: must be a finite real number"):
        sympy_argument(sp.exp(-sp.oo, evaluate=False), "x", positive=False)


# ---------------------------------------------------------------------- width solver
def test_width_one_when_the_threshold_is_not_positive():
    # 1 − bound = ½·(3/4)^w ≤ 9/10 already at w = 0: log((δ − a)/C)/log r < 0, so N = 1
    assert width_needed(1 - HALF * sp.Rational(3, 4) ** W, sp.Rational(9, 10)) == 1
    d, delta = sp.symbols("d delta", positive=True)
    symbolic = width_needed(1 - d * sp.Rational(3, 4) ** W, delta, width=W)
    assert symbolic.subs({d: HALF, delta: sp.Rational(9, 10)}) == 1
    assert symbolic.subs({d: 10, delta: sp.Rational(1, 100)}) == width_needed(1 - 10 * sp.Rational(3, 4) ** W, sp.Rational(1, 100))


def test_width_needed_when_delta_equals_the_infimum_is_rejected():
    with pytest.raises(ValueError, match="^delta: failure probability never drops to δ = 1/2: its infimum is 1/2"):
        width_needed(bound_prop1(W), HALF)
    # just above the infimum a width exists, and it is large
    N = width_needed(bound_prop1(W), HALF + sp.Rational(1, 10**6))
    # 1 − ½(1 − 2^{−N}) = ½ + 2^{−N−1} ≤ ½ + 10⁻⁶ ⟺ N + 1 ≥ log₂ 10⁶ ≈ 19.93: the least such N is 19
    assert N == 19
    assert 1 - bound_prop1(N) <= HALF + sp.Rational(1, 10**6) < 1 - bound_prop1(N - 1)  # and it is the least


def test_width_needed_delta_must_lie_in_the_open_unit_interval():
    with pytest.raises(ValueError, match="^delta: must lie in \\(0, 1\\)"):
        width_needed(bound_thm2(W, 3), 1)
    with pytest.raises(ValueError, match="^delta: must be positive"):
        width_needed(bound_thm2(W, 3), 0)
    # 6·(3/4)^w ≤ 1 − 10⁻⁹ first at w = 7 (6·(3/4)^6 ≈ 1.07)
    assert width_needed(bound_thm2(W, 3), 1 - sp.Rational(1, 10**9)) == 7
