"""Unit tests of theory.bounds: the SS16 probability bounds and the exact smallest width.

``width_needed`` is compared with a brute-force search in exact arithmetic (the first integer
width whose failure probability 1 − bound is ≤ δ), so the log/ceiling algebra is checked, not
trusted.
"""

from __future__ import annotations

import pytest
import sympy as sp

from theory import bound_prop1, bound_thm2, bound_thm3, bound_thm4, bound_thm5, width_needed

W = sp.Symbol("w", positive=True, integer=True)
HALF = sp.Rational(1, 2)


def brute_force_width(bound: sp.Expr, delta: sp.Expr, width: sp.Symbol = W, limit: int = 2000) -> int:
    for N in range(1, limit):
        if bool(1 - bound.subs(width, N) <= delta):
            return N
    raise AssertionError("no width below the search limit")


def test_bounds_are_the_printed_expressions():
    n, d, m, c = sp.symbols("n d m c", positive=True)
    assert sp.expand(bound_thm2(n, d) - (1 - 2 * d * sp.Rational(3, 4) ** n)) == 0
    assert sp.expand(bound_thm4(n, m) - (1 - m * sp.Rational(3, 4) ** n)) == 0
    assert sp.expand(bound_thm5(n, d) - (1 - d * sp.Rational(7, 8) ** n)) == 0
    assert sp.expand(bound_prop1(n) - HALF * (1 - 2 ** (-n))) == 0
    assert sp.expand(bound_thm3(c, n) - (1 - sp.exp(-c * n / 4))) == 0
    # exact numbers
    assert bound_thm2(2, 1) == 1 - 2 * sp.Rational(9, 16)
    assert bound_prop1(3) == sp.Rational(7, 16)


@pytest.mark.parametrize(
    "make, delta",
    [
        (lambda w: bound_thm2(w, 10), sp.Rational(1, 100)),
        (lambda w: bound_thm2(w, 1000), sp.Rational(1, 10**6)),
        (lambda w: bound_thm4(w, 5), sp.Rational(1, 1000)),
        (lambda w: bound_thm5(w, 3), sp.Rational(1, 10)),
        (lambda w: bound_thm5(w, 1), sp.Rational(99, 100)),  # already width 1
        (lambda w: bound_prop1(w), sp.Rational(3, 4)),
        (lambda w: bound_prop1(w), sp.Rational(51, 100)),
        (lambda w: bound_thm3(2, w), sp.Rational(1, 100)),
        (lambda w: bound_thm3(w, 3), sp.Rational(1, 1000)),  # solve for c
    ],
)
def test_width_needed_is_the_smallest_width(make, delta):
    bound = make(W)
    N = width_needed(bound, delta)
    assert N.is_Integer
    assert N == brute_force_width(bound, delta)


def test_width_needed_symbolic_forms():
    n, d, delta, c = sp.symbols("n d delta c", positive=True)
    expr = width_needed(bound_thm2(n, d), delta, width=n)
    # substituting numbers into the symbolic answer gives the numeric answer
    for dv, dl in [(10, sp.Rational(1, 100)), (7, sp.Rational(1, 3))]:
        assert expr.subs({d: dv, delta: dl}) == width_needed(bound_thm2(n, dv), dl)
    expr3 = width_needed(bound_thm3(c, n), delta, width=c)
    assert expr3.subs({n: 3, delta: sp.Rational(1, 1000)}) == width_needed(bound_thm3(c, 3), sp.Rational(1, 1000))


def test_width_needed_rejects_impossible_or_bad_requests():
    n, d = sp.symbols("n d", positive=True)
    with pytest.raises(ValueError, match="^delta: failure probability never drops to δ = 1/4: its infimum is 1/2"):
        width_needed(bound_prop1(n), sp.Rational(1, 4))  # failure ≥ ½ for every width
    with pytest.raises(ValueError, match="^delta: must be positive"):
        width_needed(bound_thm2(n, 3), 0)
    with pytest.raises(ValueError, match=r"^delta: must lie in \(0, 1\)"):
        width_needed(bound_thm2(n, 3), 1)
    with pytest.raises(ValueError, match=r"^width: bound has free symbols \[d, n\]; name the width symbol"):
        width_needed(bound_thm2(n, d), sp.Rational(1, 10))  # two free symbols, no width named
    with pytest.raises(ValueError, match="^width: d does not occur in bound"):
        width_needed(bound_thm2(n, 3), sp.Rational(1, 10), width=d)
    with pytest.raises(ValueError, match=r"^bound: 1 − bound = 1/n is not a \+ C·r\^width in n"):
        width_needed(1 - 1 / n, sp.Rational(1, 10))  # not geometric in n


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="n"):
        bound_thm2(0, 3)
    with pytest.raises(ValueError, match="d"):
        bound_thm2(3, -1)
    with pytest.raises(ValueError, match="m"):
        bound_thm4(3, sp.nan)
    with pytest.raises(ValueError, match="n_last"):
        bound_prop1("x y")


def test_width_needed_rejects_a_constant_ratio_failure_that_is_not_geometric():
    """g(w) = (2 + cos 2πw)/3 · 2^−w has g(w+1)/g(w) = ½ for every real w (the cosine is 1-periodic)
    but is not C·½^w (C = g(0) = 1 would need cos 2πw ≡ 1): the identity check rejects it."""
    w = sp.Symbol("w", positive=True)
    failure = (2 + sp.cos(2 * sp.pi * w)) / 3 / 2**w
    with pytest.raises(ValueError, match=r"^bound: 1 − bound = .* is not a \+ C·r\^width in w"):
        width_needed(1 - failure, sp.Rational(1, 10))
