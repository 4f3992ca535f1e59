"""The probability bounds of Safran & Shamir (2016) as exact SymPy expressions.

Each ``bound_*`` is the printed lower bound on the probability of the good event (the
initialization lands in a basin of value ≤ α); ``1 − bound`` is the failure probability.

* SS16.Thm2  (singleton data):            P ≥ 1 − 2d·(3/4)^n
* SS16.Thm4  (rank X = m):                 P ≥ 1 − m·(3/4)^n
* SS16.Thm5  (k ≤ d tight clusters):       P ≥ 1 − d·(7/8)^n
* SS16.Prop1 (P[L(P(W⁰)) > L(0)]):         P ≥ ½·(1 − 2^{−n_{h−1}})
* SS16.Thm3  (width c⌈n/p_ε⌉):             P ≥ 1 − e^{−cn/4}

:func:`width_needed` solves 1 − bound ≤ δ exactly for the smallest integer width.
All arguments may be SymPy symbols or numbers (they are sympified).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from theory.cap import sympy_argument

__all__ = [
    "bound_thm2",
    "bound_thm3",
    "bound_thm4",
    "bound_thm5",
    "bound_prop1",
    "width_needed",
]


def bound_thm2(n: Any, d: Any) -> sp.Expr:
    """SS16.Thm2: P[Bas(W,v) ≤ α] ≥ 1 − 2d(3/4)^n (width n, input dimension d)."""
    n, d = sympy_argument(n, "n"), sympy_argument(d, "d")
    return 1 - 2 * d * sp.Rational(3, 4) ** n


def bound_thm4(n: Any, m: Any) -> sp.Expr:
    """SS16.Thm4: P[Bas(W,v) ≤ α] ≥ 1 − m(3/4)^n (width n, m = rank X data points)."""
    n, m = sympy_argument(n, "n"), sympy_argument(m, "m")
    return 1 - m * sp.Rational(3, 4) ** n


def bound_thm5(n: Any, d: Any) -> sp.Expr:
    """SS16.Thm5: P[Bas(W,v) ≤ O(δ²)] ≥ 1 − d(7/8)^n (width n, input dimension d)."""
    n, d = sympy_argument(n, "n"), sympy_argument(d, "d")
    return 1 - d * sp.Rational(7, 8) ** n


def bound_prop1(n_last: Any) -> sp.Expr:
    """SS16.Prop1: P[L(P(W⁰)) > L(0)] ≥ ½(1 − 2^{−n_{h−1}}) (n_last = width of the last hidden layer)."""
    n_last = sympy_argument(n_last, "n_last")
    return sp.Rational(1, 2) * (1 - 2 ** (-n_last))


def bound_thm3(c: Any, n: Any) -> sp.Expr:
    """SS16.Thm3: a net of width c⌈n/p_ε⌉ has P[Bas ≤ ε] ≥ 1 − e^{−cn/4}."""
    c, n = sympy_argument(c, "c"), sympy_argument(n, "n")
    return 1 - sp.exp(-c * n / 4)


def _geometric_tail(failure: sp.Expr, w: sp.Symbol) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """Write ``failure`` = a + C·r^w exactly (a = limit at w → ∞, 0 < r < 1); return (a, C, r).

    Raises ValueError when the failure probability is not of this form (then no closed-form
    width exists here).
    """
    a = sp.limit(failure, w, sp.oo)
    g = failure - a
    r = sp.simplify(sp.powsimp(sp.expand_power_exp(g.subs(w, w + 1) / g), force=True))
    if r.has(w):
        raise ValueError(f"bound: 1 − bound = {failure} is not a + C·r^width in {w}")
    C = sp.simplify(g.subs(w, 0))
    # g must equal C·r^w identically: check the difference reduces to a literal 0.
    if sp.expand(sp.powsimp(sp.expand_power_exp(g - C * r**w), force=True)) != 0:
        raise ValueError(f"bound: 1 − bound = {failure} is not a + C·r^width in {w}")
    return a, C, r


def width_needed(bound: Any, delta: Any, width: sp.Symbol | None = None) -> sp.Expr:
    """The smallest integer width N ≥ 1 with failure probability 1 − bound(N) ≤ δ.

    ``bound`` is an expression in one width symbol (``width``, or the only free symbol of
    ``bound``); the other parameters may be numbers or symbols. Writing 1 − bound = a + C·r^w
    (0 < r < 1), the condition is C·r^w ≤ δ − a, i.e. w ≥ log((δ − a)/C)/log r, so
    N = max(1, ⌈log((δ − a)/C)/log r⌉). When everything is numeric N is an Integer, verified by
    substitution: 1 − bound(N) ≤ δ and (N = 1 or 1 − bound(N − 1) > δ). ValueError if δ ≤ a
    (no width reaches δ, e.g. Prop1 with δ ≤ ½) or δ is not in (0, 1).
    """
    bound = sp.sympify(bound)
    delta = sympy_argument(delta, "delta")
    if delta.is_number and not bool(delta < 1):
        raise ValueError(f"delta: must lie in (0, 1), got {delta}")
    if width is None:
        free = sorted(bound.free_symbols, key=str)
        if len(free) != 1:
            raise ValueError(
                f"width: bound has free symbols {free}; name the width symbol explicitly"
            )
        width = free[0]
    if width not in bound.free_symbols:
        raise ValueError(f"width: {width} does not occur in bound {bound}")
    failure = 1 - bound
    a, C, r = _geometric_tail(failure, width)
    threshold = sp.log((delta - a) / C) / sp.log(r)
    if not threshold.free_symbols:
        if not bool(delta > a):
            raise ValueError(
                f"delta: failure probability never drops to δ = {delta}: its infimum is {a}"
            )
        N = max(sp.Integer(1), sp.ceiling(threshold))
        # exact verification by substitution (not by trusting the log algebra)
        if not bool(failure.subs(width, N) <= delta):
            raise AssertionError(f"width_needed: failure({N}) = {failure.subs(width, N)} > δ")
        if N > 1 and not bool(failure.subs(width, N - 1) > delta):
            raise AssertionError(f"width_needed: {N - 1} already reaches δ; {N} is not minimal")
        return N
    return sp.Max(1, sp.ceiling(threshold))
