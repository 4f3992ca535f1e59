"""SS16.Thm3, the symbolic part: p_ε as printed, its reading as a cap probability, the Ω form and
the union-bound step, in exact SymPy arithmetic (theory.cap, theory.bounds).

Proved here for *every* r = rank X ≥ 2 and 0 < t = √ε/(nB) < 2 (not just sampled):

1. sin θ_ε = t·√(1 − t²/4) for θ_ε = 2·arcsin(t/2)  (the printed factor √(1 − ε/(4n²B²)));
2. p_ε = ½·cap_elementary_bound(r, θ_ε) exactly, where cap_elementary_bound is the lower bound
   cap(r, θ) ≥ ½·x^a/(a·B(½,½)) (x = sin²θ, a = (r−1)/2) obtained from (1 − s)^{−½} ≥ 1 and
   B(a, ½) ≤ B(½, ½) = π; the latter is proved by B(a+1, ½)/B(a, ½) = a/(a + ½) < 1 together
   with B(½, ½) = π and B(1, ½) = 2 < π (a runs over ½ℕ);
3. p_ε/t^r = (1 − t²/4)^{(r−1)/2}/(2π(r−1)t) ≥ (3/4)^{(r−1)/2}/(2π(r−1)) for t ≤ 1: p_ε = Ω(t^r)
   (true order t^{r−1}: the limit of p_ε/t^{r−1} is 1/(2π(r−1)));
4. union bound: n·e^{−cn} ≤ e^{−cn/4} for n ≥ 1, c ≥ 1 (min of 3n/4 − log n is 1 − log(4/3) > 0).

The mpmath comparison with the exact cap measure for r = 2..300 is in
property_tests/test_thm3_cap.py.
"""

from __future__ import annotations

import pytest
import sympy as sp

from overspec.testing import ClaimRejected
from theory import bound_thm3, cap_elementary_bound, p_epsilon, theta_epsilon, theorem3_width

T, R, N, BB, Q = sp.symbols("t r n B q", positive=True)
C = sp.Symbol("c", positive=True)
HALF = sp.Rational(1, 2)


def beta_half(a: sp.Expr) -> sp.Expr:
    """B(a, ½) = Γ(a)Γ(½)/Γ(a + ½)."""
    return sp.gamma(a) * sp.gamma(HALF) / sp.gamma(a + HALF)


def check_p_epsilon_is_half_elementary_cap_bound(angle_factor: sp.Expr = 1) -> dict:
    """p_ε − ½·cap_elementary_bound(r, angle_factor·θ_ε) must reduce to a literal 0 (general r, t).

    ε = (t·n·B)² with t, n, B > 0, so √ε/(nB) = t; q = t·√(1 − t²/4) > 0 for 0 < t < 2.
    """
    eps = (T * N * BB) ** 2
    p = p_epsilon(eps, N, BB, R)
    half_bound = HALF * cap_elementary_bound(R, angle_factor * theta_epsilon(eps, N, BB))
    qexpr = T * sp.sqrt(1 - T**2 / 4)
    lhs = p.subs(qexpr, Q)
    rhs = sp.expand_trig(half_bound).subs(qexpr**2, Q**2)
    diff = sp.expand(sp.powsimp(lhs - rhs, force=False))
    if diff != 0:
        raise ClaimRejected(f"p_ε − ½·bound(r, {angle_factor}·θ_ε) = {diff} ≠ 0")
    return {"p_epsilon": str(lhs), "half_elementary_bound": str(rhs)}


def check_beta_half_at_most_pi() -> dict:
    """B(a, ½) ≤ π for every a ∈ {½, 1, 3/2, …}: base cases and the exact ratio a/(a + ½) < 1."""
    a = sp.Symbol("a", positive=True)
    ratio = sp.gammasimp(sp.expand_func(beta_half(a + 1) / beta_half(a)))
    if sp.cancel(ratio - a / (a + HALF)) != 0:
        raise AssertionError(f"B(a+1,½)/B(a,½) = {ratio}, expected a/(a+½)")
    b_half, b_one = sp.simplify(beta_half(HALF)), sp.simplify(beta_half(sp.Integer(1)))
    if sp.expand(b_half - sp.pi) != 0 or not bool(b_one < sp.pi):
        raise ClaimRejected(f"B(½,½) = {b_half}, B(1,½) = {b_one}: the bound B(a,½) ≤ π fails")
    return {"ratio": str(ratio), "B(1/2,1/2)": str(b_half), "B(1,1/2)": str(b_one)}


def check_omega(exponent: sp.Expr, ranks: range) -> dict:
    """p_ε = Ω(t^exponent) as t → 0⁺ for each rank: liminf p_ε/t^exponent > 0 (SymPy limit)."""
    eps = (T * N * BB) ** 2
    limits = {}
    for r in ranks:
        p = p_epsilon(eps, N, BB, r)
        lim = sp.limit(p / T ** exponent.subs(R, r), T, 0, "+")
        if lim == 0:
            raise ClaimRejected(f"rank {r}: p_ε/t^{exponent.subs(R, r)} → 0: p_ε is not Ω(t^{exponent})")
        limits[r] = str(lim)
    return limits


def check_union_bound(exponent_factor: sp.Expr) -> dict:
    """n·e^{−cn} ≤ e^{−exponent_factor·cn} for all n ≥ 1, c ≥ 1.

    ⟺ g(n) = (1 − exponent_factor)·c·n − log n ≥ 0. For c ≥ 1 it suffices that
    h(n) = (1 − exponent_factor)·n − log n ≥ 0 on [1, ∞): its minimum is at the critical point
    (or n = 1), evaluated exactly.
    """
    x = sp.Symbol("x", positive=True)
    k = 1 - exponent_factor
    if not bool(k > 0):
        raise ClaimRejected(f"n·e^(−cn) ≤ e^(−{exponent_factor}·cn) fails for n = 2 (log 2 > 0)")
    h = k * x - sp.log(x)
    crit = [s for s in sp.solve(sp.diff(h, x), x) if bool(s >= 1)]
    candidates = [sp.Integer(1), *crit]
    values = [sp.simplify(h.subs(x, s)) for s in candidates]
    worst = min(values, key=lambda v: sp.N(v, 50))
    if not bool(worst > 0):
        raise ClaimRejected(f"min over n ≥ 1 of {h} is {worst} ≤ 0")
    return {"h": str(h), "critical_points": [str(s) for s in crit], "minimum": str(worst)}


# ---------------------------------------------------------------------------------- claims
@pytest.mark.claim("SS16.Thm3", kind="symbolic")
def test_sin_theta_epsilon_is_the_printed_factor(evidence):
    eps = (T * N * BB) ** 2
    diff = sp.expand(sp.expand_trig(sp.sin(theta_epsilon(eps, N, BB))) - T * sp.sqrt(1 - T**2 / 4))
    assert diff == 0
    # and in the printed variables: √ε/(nB)·√(1 − ε/(4n²B²)) with ε = (tnB)²
    printed = sp.sqrt(eps) / (N * BB) * sp.sqrt(1 - eps / (4 * N**2 * BB**2))
    assert sp.expand(printed - T * sp.sqrt(1 - T**2 / 4)) == 0
    evidence.record(theta_epsilon=str(theta_epsilon(eps, N, BB)), sin_theta=str(T * sp.sqrt(1 - T**2 / 4)))


@pytest.mark.claim("SS16.Thm3", kind="symbolic")
def test_p_epsilon_is_half_the_elementary_cap_lower_bound_for_every_rank(evidence):
    out = check_p_epsilon_is_half_elementary_cap_bound()
    beta = check_beta_half_at_most_pi()
    evidence.record(**out, beta_argument=beta,
                    chain="½·cap(r,θ) = ¼·I_x(a,½) ≥ ¼·x^a/(a·B(a,½)) ≥ ¼·x^a/(a·π) = p_ε")


@pytest.mark.claim("SS16.Thm3", kind="symbolic", control=True)
def test_half_angle_cap_is_not_what_p_epsilon_bounds(evidence):
    with pytest.raises(ClaimRejected):
        check_p_epsilon_is_half_elementary_cap_bound(angle_factor=HALF)
    evidence.record(mutation="θ_ε replaced by θ_ε/2 in the cap", rejected=True)


@pytest.mark.claim("SS16.Thm3", kind="symbolic")
def test_p_epsilon_is_omega_of_t_to_the_rank(evidence):
    eps = (T * N * BB) ** 2
    p = p_epsilon(eps, N, BB, R)
    ratio = p / T**R
    # exact form of p_ε/t^r for general r, and its explicit lower bound for 0 < t ≤ 1
    closed = (1 - T**2 / 4) ** ((R - 1) / 2) / (2 * sp.pi * (R - 1) * T)
    assert sp.expand(sp.powsimp(sp.expand_power_base(ratio / closed, force=False), force=False)) == 1
    const = (sp.Rational(3, 4)) ** ((R - 1) / 2) / (2 * sp.pi * (R - 1))
    # closed is decreasing on (0, 2): d/dt log(closed)·t(4 − t²) = −(r − 2)t² − 4 < 0 for r ≥ 2,
    # and t(4 − t²) > 0 there; so on (0, 1] its minimum is at t = 1, where it equals const > 0.
    dlog = sp.diff(sp.log(closed), T)
    assert sp.expand(sp.powsimp(sp.cancel(dlog * T * (4 - T**2))) - (-(R - 2) * T**2 - 4)) == 0
    assert sp.expand(closed.subs(T, 1) - const) == 0
    lim_r = check_omega(R, range(2, 9))
    lim_r1 = check_omega(R - 1, range(2, 9))  # the true order t^{r−1}
    evidence.record(ratio=str(closed), omega_constant_t_le_1=str(const), limits_t_pow_r=lim_r,
                    limits_t_pow_r_minus_1=lim_r1,
                    note="p_ε = Θ(t^{r−1}); the printed Ω(t^r) holds but is loose by one power of t")


@pytest.mark.claim("SS16.Thm3", kind="symbolic", control=True)
def test_omega_of_t_to_rank_minus_two_is_rejected(evidence):
    with pytest.raises(ClaimRejected):
        check_omega(R - 2, range(2, 9))
    evidence.record(mutation="p_ε = Ω(t^{r−2}) (too strong)", rejected=True)


@pytest.mark.claim("SS16.Thm3", kind="symbolic")
def test_union_bound_step_gives_one_minus_exp_minus_cn_over_4(evidence):
    out = check_union_bound(sp.Rational(1, 4))
    # failure probability ≤ n(1 − p)^{c⌈n/p⌉} ≤ n·e^{−cn}: c⌈n/p⌉·p ≥ cn and 1 − p ≤ e^{−p}, since
    # g(p) = e^{−p} − (1 − p) has g(0) = 0 and g'(p) = 1 − e^{−p} > 0 ⟺ e^p > 1 for p > 0.
    p = sp.Symbol("p", positive=True)
    g = sp.exp(-p) - (1 - p)
    assert g.subs(p, 0) == 0 and sp.expand(sp.diff(g, p) - (1 - sp.exp(-p))) == 0
    assert sp.expand(1 - bound_thm3(C, N) - sp.exp(-C * N / 4)) == 0
    evidence.record(**out, failure_target=str(1 - bound_thm3(C, N)))


@pytest.mark.claim("SS16.Thm3", kind="symbolic", control=True)
def test_union_bound_cannot_give_exp_minus_cn(evidence):
    with pytest.raises(ClaimRejected):
        check_union_bound(sp.Integer(1))
    evidence.record(mutation="failure ≤ e^{−cn} (the /4 dropped)", rejected=True)


# -------------------------------------------------------------------------- unit tests
def test_theorem3_width_and_p_epsilon_numbers():
    eps, n, B, r, c = sp.Rational(1, 10), 2, 1, 3, 2
    p = p_epsilon(eps, n, B, r)
    assert sp.expand(p - (sp.Rational(1, 40) * (1 - sp.Rational(1, 160))) / (4 * sp.pi)) == 0
    width = theorem3_width(eps, n, B, r, c)
    assert width.is_Integer and width == c * sp.ceiling(n / p)
    assert 0 < float(p) < 1


def test_bad_inputs_raise_value_error():
    with pytest.raises(ValueError, match="rank"):
        p_epsilon(sp.Rational(1, 10), 1, 1, 1)
    with pytest.raises(ValueError, match="eps"):
        p_epsilon(-1, 1, 1, 3)
    with pytest.raises(ValueError, match="eps"):
        p_epsilon(100, 1, 1, 3)  # √ε/(nB) = 10 > 2
    with pytest.raises(ValueError, match="n"):
        p_epsilon(1, sp.Rational(3, 2), 1, 3)
    with pytest.raises(ValueError, match="B"):
        p_epsilon(1, 1, 0, 3)
    with pytest.raises(ValueError, match="eps"):
        p_epsilon(sp.nan, 1, 1, 3)
