"""The Taylor certificate of a strict local minimum (claim REV.local-min-certificate).

REV §3 (after Safran & Shamir 2018): at a point w with ‖∇L(w)‖ ≤ ε, λ_min(∇²L(w)) ≥ λ > 0 and
third-order Taylor remainder bounded by B on a ball of radius α (|R_{w,u,t}| ≤ B for unit u,
0 < t ≤ α, where L(w + tu) = L(w) + t∇L(w)ᵀu + ½t²uᵀ∇²L(w)u + (1/6)t³R_{w,u,t}), term by term
(Cauchy–Schwarz, the eigenvalue bound, the remainder bound)

    L(w + tu) ≥ L(w) − εt + λt²/2 − Bt³/6 = L(w) + t·q(t),   q(t) = −ε + λt/2 − Bt²/6.

q is a downward parabola; :func:`derive_certificate_interval` solves q(t) = 0 with SymPy and
gets the roots (3λ ∓ √(9λ² − 24Bε))/(2B), real iff 9λ² ≥ 24Bε, both positive (sum 3λ/B,
product 6ε/B). On the OPEN interval between them t·q(t) > 0, so L(w + tu) > L(w) on every
sphere of radius r ∈ (t_−, min(t_+, α)]; L being continuous, its minimum over the closed ball is
attained in the interior — a local minimum within distance r (and, letting r ↓ t_−, within
t_−) of w. At the endpoints t·q(t) = 0: the bound is positive on the open interval, not on the
closed one the review writes.

:func:`interval_proof` checks a claimed pair of endpoints exactly: q(t) + (B/6)(t − t_−)(t − t_+)
must expand to the literal 0 (so the claimed endpoints are exactly the roots of q), and the sign
of t·q(t) strictly inside is decided from positivity assumptions. The printed constant is 24;
:func:`claimed_interval` takes it as a parameter so a mutated constant (e.g. 12) can be checked
by the same code.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "EPS",
    "LAM",
    "B",
    "T",
    "taylor_lower_bound",
    "q_polynomial",
    "derive_certificate_interval",
    "claimed_interval",
    "interval_proof",
    "certificate_radius",
]

EPS = sp.Symbol("epsilon", positive=True)
LAM = sp.Symbol("lambda", positive=True)
B = sp.Symbol("B", positive=True)
T = sp.Symbol("t", positive=True)


def taylor_lower_bound() -> sp.Expr:
    """L(w + tu) − L(w) ≥ −εt + λt²/2 − Bt³/6 (the right-hand side)."""
    return -EPS * T + LAM * T**2 / 2 - B * T**3 / 6


def q_polynomial() -> sp.Expr:
    """q(t) with t·q(t) = the Taylor lower bound (derived by cancelling the factor t)."""
    q = sp.expand(sp.cancel(taylor_lower_bound() / T))
    if sp.expand(T * q - taylor_lower_bound()) != 0:  # pragma: no cover - cancel is exact
        raise RuntimeError("t does not divide the Taylor lower bound")
    return q


def derive_certificate_interval() -> tuple[sp.Expr, sp.Expr]:
    """The roots of q(t) = 0 from ``sympy.solve`` (t_− ≤ t_+ when real), in SymPy's form."""
    t = sp.Symbol("t")  # no sign assumption: let solve return both roots
    roots = sp.solve(q_polynomial().subs(T, t), t)
    if len(roots) != 2:
        raise RuntimeError(f"expected two roots of q, got {roots}")
    # order: the root with the minus sign in front of the square root first (smaller when real)
    at = {EPS: sp.Rational(1, 100), LAM: 1, B: 1}
    roots = sorted(roots, key=lambda r: float(r.subs(at)))
    return roots[0], roots[1]


def claimed_interval(constant: int | sp.Expr = 24) -> tuple[sp.Expr, sp.Expr]:
    """The printed endpoints (3λ ∓ √(9λ² − constant·Bε))/(2B); constant = 24 is the review's."""
    root = sp.sqrt(9 * LAM**2 - sp.sympify(constant) * B * EPS)
    return (3 * LAM - root) / (2 * B), (3 * LAM + root) / (2 * B)


def interval_proof(endpoints: tuple[sp.Expr, sp.Expr]) -> dict:
    """Are ``endpoints`` exactly the roots of q, and is t·q(t) > 0 strictly between them?

    ``holds`` needs: (1) q(t) + (B/6)(t − t_−)(t − t_+) expands to the literal 0; (2) each derived
    root of :func:`derive_certificate_interval` minus the matching endpoint expands to 0 after
    writing both square roots over the common radicand (checked by squaring out: the
    difference's numerator, rationalized, expands to 0); (3) t·q(t) at t = t_− + s·g with
    t_+ − t_− = g > 0, s ∈ (0, 1) is positive from the assumptions alone.
    """
    lo, hi = endpoints
    fact = sp.expand(q_polynomial() + B / 6 * (T - lo) * (T - hi))
    d_lo, d_hi = derive_certificate_interval()
    root_diffs = [sp.expand(sp.radsimp(sp.expand(a - b))) for a, b in ((d_lo, lo), (d_hi, hi))]
    # sign strictly inside, from the factorization t·q(t) = −(B/6)·t·(t − t_−)(t − t_+), with
    # t_− = ρ > 0, t_+ = ρ + g (g > 0), t = ρ + s·g, t − t_+ = −r·g (s, r = 1 − s ∈ (0, 1)):
    rho, g, s, r = sp.symbols("rho g s r", positive=True)
    inside = -(B / 6) * (rho + s * g) * (s * g) * (-r * g)
    tq = sp.expand(T * q_polynomial())
    holds = fact == 0 and all(dd == 0 for dd in root_diffs)
    return {
        "holds": holds,
        "factorization_difference": fact,
        "root_differences": root_diffs,
        "derived_roots": (d_lo, d_hi),
        "claimed": (lo, hi),
        "sum_of_roots": sp.expand(lo + hi),
        "product_of_roots": sp.expand(lo * hi),
        "inside": inside,
        "inside_sign_positive": bool(inside.is_positive),
        "endpoint_values": (sp.expand(tq.subs(T, lo)), sp.expand(tq.subs(T, hi))),
    }


def certificate_radius(constant: int | sp.Expr = 24) -> sp.Expr:
    """t_− = (3λ − √(9λ² − constant·Bε))/(2B) as an expression in (ε, λ, B) = (EPS, LAM, B)."""
    return claimed_interval(constant)[0]
