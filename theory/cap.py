"""SS16 Theorem 3: p_ε, its reading as a cap probability, and the width c⌈n/p_ε⌉ (claim SS16.Thm3).

Printed (SS16 §4.2):  p_ε = (1/(2π(r−1)))·((√ε/(nB))·√(1 − ε/(4n²B²)))^{r−1},  r = rank X,
and a net of width c⌈n/p_ε⌉ (c ≥ 2) has P[Bas ≤ ε] ≥ 1 − e^{−cn/4}.

Reconstruction (CLAIMS.md, re-derived here). Put t = √ε/(nB). A neuron whose direction,
projected on the row space of X and normalized, lies within Euclidean distance t of ŵ_i*, i.e.
within the angle θ_ε = 2·arcsin(t/2) (chord t), and whose output weight has the sign of v_i*,
can stand in for target neuron i. Under Assumption 1 that direction is uniform on S^{r−1} and
the output sign is independent of it (reflection v ↦ −v), so the event has probability
½·cap(r, θ_ε), with the normalized cap measure

    cap(r, θ) = ∫_0^θ sin^{r−2}φ dφ / ∫_0^π sin^{r−2}φ dφ = ½·I_{sin²θ}((r−1)/2, ½)   (θ ≤ π/2)

(substitute x = sin²φ). Two elementary bounds give p_ε *exactly*: with a = (r−1)/2 and
x = sin²θ_ε, I_x(a, ½) ≥ x^a/(a·B(a, ½)) because (1−s)^{−½} ≥ 1, and B(a, ½) ≤ B(½, ½) = π for
a ≥ ½ (the integrand s^{a−1}(1−s)^{−½} decreases in a). Hence

    ½·cap(r, θ_ε) ≥ ¼·x^a/(a·π) = sin^{r−1}θ_ε/(2π(r−1)) = p_ε,

since sin θ_ε = 2 sin(θ_ε/2) cos(θ_ε/2) = t·√(1 − t²/4). :func:`cap_elementary_bound` is
that chain; the tests reduce ½·cap_elementary_bound(r, θ_ε) − p_ε to a literal 0.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = [
    "p_epsilon",
    "theta_epsilon",
    "cap_measure",
    "cap_elementary_bound",
    "theorem3_width",
    "theorem3_union_failure",
]


def sympy_argument(value: Any, name: str, *, positive: bool = True, integer: bool = False) -> sp.Expr:
    """Sympify an argument; a number must be finite, real, > 0 (and an integer if asked), else
    ValueError naming ``name``. Symbols pass through (their assumptions are the caller's)."""
    if isinstance(value, bool) or isinstance(value, sp.logic.boolalg.BooleanAtom):
        raise TypeError(f"{name}: a bool is not a number, got {value!r}")
    try:
        expr = sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError) as exc:
        raise ValueError(f"{name}: not a number or SymPy expression: {value!r}") from exc
    if expr.is_number:
        if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not expr.is_real:
            raise ValueError(f"{name}: must be a finite real number, got {value!r}")
        if positive and not expr.is_positive:
            raise ValueError(f"{name}: must be positive, got {value!r}")
        if integer and not expr.is_integer:
            raise ValueError(f"{name}: must be an integer, got {value!r}")
    return expr


def _rank(rank: Any) -> sp.Expr:
    r = sympy_argument(rank, "rank", integer=True)
    if r.is_number and r < 2:
        raise ValueError(f"rank: p_ε needs rank X ≥ 2 (it divides by rank − 1), got {rank}")
    return r


def _t(eps: Any, n: Any, B: Any) -> sp.Expr:
    eps, n, B = sympy_argument(eps, "eps"), sympy_argument(n, "n", integer=True), sympy_argument(B, "B")
    t = sp.sqrt(eps) / (n * B)
    if t.is_number and not bool(t <= 2):
        raise ValueError(
            f"eps: √ε/(nB) = {t} > 2: no cap of chord √ε/(nB) exists (need ε ≤ 4n²B²)"
        )
    return t


def p_epsilon(eps: Any, n: Any, B: Any, rank: Any) -> sp.Expr:
    """SS16.Thm3 as printed: p_ε = (1/(2π(r−1)))·(√ε/(nB)·√(1 − ε/(4n²B²)))^{r−1}."""
    t = _t(eps, n, B)
    r = _rank(rank)
    eps = sp.sympify(eps)
    n, B = sp.sympify(n), sp.sympify(B)
    return (1 / (2 * sp.pi * (r - 1))) * (
        sp.sqrt(eps) / (n * B) * sp.sqrt(1 - eps / (4 * n**2 * B**2))
    ) ** (r - 1)


def theta_epsilon(eps: Any, n: Any, B: Any) -> sp.Expr:
    """θ_ε = 2·arcsin(√ε/(2nB)): the angle of the chord √ε/(nB) on the unit sphere."""
    return 2 * sp.asin(_t(eps, n, B) / 2)


def cap_measure(rank: Any, theta: Any) -> sp.Expr:
    """Normalized measure of {u ∈ S^{r−1}: ∠(u, e) ≤ θ}, r = rank ≥ 2, θ ∈ [0, π].

    ½·I_{sin²θ}((r−1)/2, ½) for θ ≤ π/2 and 1 − ½·I_{sin²θ}((r−1)/2, ½) for θ > π/2
    (SymPy's ``betainc_regularized``; ``float()``/``evalf`` evaluate it with mpmath).
    """
    r = _rank(rank)
    theta = sympy_argument(theta, "theta", positive=False)
    if theta.is_number and not (bool(theta >= 0) and bool(theta <= sp.pi)):
        raise ValueError(f"theta: must lie in [0, π], got {theta}")
    half_I = sp.betainc_regularized((r - 1) / 2, sp.Rational(1, 2), 0, sp.sin(theta) ** 2) / 2
    if theta.is_number:
        return half_I if bool(theta <= sp.pi / 2) else 1 - half_I
    return sp.Piecewise((half_I, theta <= sp.pi / 2), (1 - half_I, True))


def cap_elementary_bound(rank: Any, theta: Any) -> sp.Expr:
    """The lower bound cap(r, θ) ≥ sin^{r−1}θ/(π(r−1)), θ ≤ π/2, by the chain in the docstring.

    It is ½·x^a/(a·B(½, ½)) with a = (r−1)/2, x = sin²θ (B(½, ½) = π computed by SymPy).
    """
    r = _rank(rank)
    theta = sympy_argument(theta, "theta", positive=False)
    a = (r - 1) / 2
    x = sp.sin(theta) ** 2
    beta_half_half = sp.gamma(sp.Rational(1, 2)) ** 2 / sp.gamma(1)  # B(½,½) = Γ(½)²/Γ(1)
    return sp.Rational(1, 2) * x**a / (a * beta_half_half)


def theorem3_width(eps: Any, n: Any, B: Any, rank: Any, c: Any) -> sp.Expr:
    """The width c⌈n/p_ε⌉ of SS16 Thm 3 (c ≥ 2 in the theorem)."""
    c = sympy_argument(c, "c")
    n_ = sympy_argument(n, "n", integer=True)
    return c * sp.ceiling(n_ / p_epsilon(eps, n, B, rank))


def theorem3_union_failure(n: Any, c: Any, p: Any) -> sp.Expr:
    """Union bound on the failure probability: n·(1 − p)^{c⌈n/p⌉}.

    Each of the n target neurons is missed by all c⌈n/p⌉ independent neurons with probability
    ≤ (1 − p)^{c⌈n/p⌉} ≤ e^{−cn}, and n·e^{−cn} ≤ e^{−cn/4} since log n ≤ n − 1 < 3cn/4 (c ≥ 1).
    """
    n, c, p = sympy_argument(n, "n", integer=True), sympy_argument(c, "c"), sympy_argument(p, "p")
    if p.is_number and not bool(p <= 1):
        raise ValueError(f"p: a probability must be ≤ 1, got {p}")
    return n * (1 - p) ** (c * sp.ceiling(n / p))
