"""SS16.Thm3: p_ε ≤ ½·cap(r, θ_ε) at high precision, for r = 2..300 and Hypothesis-driven ε, n, B.

p_ε comes from theory.cap (lambdified to mpmath at 50 digits); the cap measure is an
mpmath recipe through overspec.testing.reference (mpmath's betainc, not SymPy's), and the
formula itself is confirmed for small r against the defining ratio of integrals
∫_0^θ sin^{r−2} / ∫_0^π sin^{r−2} by quadrature, on both sides of π/2.

The comparison is done on logarithms inside mpmath (p_ε reaches 10^{−1500} at r = 300), so the
only rounding is the final float of a 50-digit difference.
Negative control: the cap at half the angle, θ_ε/2, must be rejected.
"""

from __future__ import annotations

from functools import lru_cache

import mpmath
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from overspec.testing import ClaimRejected, reference
from theory import cap_measure, p_epsilon, theta_epsilon

DPS = 50
LOG_TOL = 1e-30  # mpmath at 50 digits: |log| ≤ 1e4 here, so the difference is exact to ≲ 1e-40
ALL_RANKS = range(2, 301)
SAMPLED_RANKS = [2, 3, 4, 5, 6, 7, 10, 25, 64, 150, 256, 300]

# cap(r, θ) = ½·I_{sin²θ}((r−1)/2, ½) for θ ≤ π/2, 1 − that for θ > π/2; written branch-free
# with s = sgn(cos θ) (no cancellation: for θ < π/2 the second term is multiplied by exactly 0)
CAP_RECIPE = (
    "((1 + sign(cos(th)))*betainc((r-1)/2, mpf(1)/2, 0, sin(th)**2, regularized=True)/4"
    " + (1 - sign(cos(th)))*(1 - betainc((r-1)/2, mpf(1)/2, 0, sin(th)**2, regularized=True)/2)/2)"
)
CAP_LOG_RECIPE = f"log({CAP_RECIPE.replace('th', '(f*th)')}/2) - logp"  # log(½·cap(r, f·θ_ε)) − log p_ε


@lru_cache(maxsize=None)
def _log_p_epsilon_mpmath():
    eps, n, B, r = sp.symbols("epsilon n B r", positive=True)
    return sp.lambdify((eps, n, B, r), sp.log(p_epsilon(eps, n, B, r)), "mpmath")


@lru_cache(maxsize=None)
def _theta_mpmath():
    eps, n, B = sp.symbols("epsilon n B", positive=True)
    return sp.lambdify((eps, n, B), theta_epsilon(eps, n, B), "mpmath")


def log_margin(eps: float, n: int, B: float, r: int, angle_factor: float = 1.0):
    """log(½·cap(r, angle_factor·θ_ε)) − log p_ε, at 50 digits (a Reference with its recipe)."""
    with mpmath.workdps(DPS):
        logp = _log_p_epsilon_mpmath()(mpmath.mpf(eps), n, mpmath.mpf(B), r)
        th = _theta_mpmath()(mpmath.mpf(eps), n, mpmath.mpf(B))
    return reference(CAP_LOG_RECIPE, dps=DPS, r=r, th=th, f=angle_factor, logp=logp)


def check_cap_bound(eps: float, n: int, B: float, ranks, angle_factor: float = 1.0) -> dict:
    """p_ε ≤ ½·cap(r, angle_factor·θ_ε) for every r in ranks; ClaimRejected at the first failure."""
    margins = {}
    for r in ranks:
        m = log_margin(eps, n, B, r, angle_factor)
        if m.value < -LOG_TOL:
            raise ClaimRejected(
                f"r = {r}: p_ε > ½·cap(r, {angle_factor}·θ_ε): log-margin {m.value:.3e} ({m.recipe})"
            )
        margins[r] = m.value
    return {"min_log_margin": min(margins.values()), "argmin_rank": min(margins, key=margins.get)}


params = dict(
    eps=st.floats(1e-6, 1.0, allow_nan=False, allow_subnormal=False),
    n=st.integers(1, 50),
    B=st.floats(0.5, 20.0, allow_nan=False, allow_subnormal=False),
)


@pytest.mark.claim("SS16.Thm3", kind="numerical")
def test_p_epsilon_below_half_cap_for_ranks_2_to_300(evidence):
    fixed = [(1.0, 1, 0.625), (0.01, 3, 2.0), (1e-6, 50, 20.0)]  # θ_ε ≈ 1.85 > π/2, moderate, tiny
    sweeps = {str(pt): check_cap_bound(*pt, ALL_RANKS) for pt in fixed}
    seen: list[dict] = []

    @given(**params)
    def prop(eps, n, B):
        seen.append(dict(eps=eps, n=n, B=B, **check_cap_bound(eps, n, B, SAMPLED_RANKS)))

    prop()
    evidence.record(full_sweeps=sweeps, examples=len(seen), sampled_ranks=SAMPLED_RANKS,
                    min_log_margin=min(e["min_log_margin"] for e in seen), dps=DPS)
    evidence.tolerance("log_margin", LOG_TOL, "mpmath at 50 digits; |log p_ε| ≤ 1e4, so the log difference is exact to ~1e-40")


@pytest.mark.claim("SS16.Thm3", kind="numerical", control=True)
def test_half_angle_cap_is_rejected(evidence):
    seen: list[int] = []

    # t = √ε/(nB) ≤ 1 (θ_ε ≤ π/3): for θ_ε near π the half-angle cap is ~½ and no longer too small
    @given(eps=st.floats(1e-6, 1.0, allow_nan=False, allow_subnormal=False),
           n=st.integers(1, 50), B=st.floats(1.0, 20.0, allow_nan=False, allow_subnormal=False))
    def prop(eps, n, B):
        with pytest.raises(ClaimRejected):
            check_cap_bound(eps, n, B, SAMPLED_RANKS, angle_factor=0.5)
        seen.append(n)

    prop()
    evidence.record(mutation="cap at θ_ε/2", rejected=True, examples=len(seen))


def test_cap_measure_matches_mpmath_reference_and_the_integral_definition():
    """theory.cap_measure (SymPy's betainc_regularized) vs the branch-free mpmath recipe, and
    vs ∫_0^θ sin^{r−2}/∫_0^π sin^{r−2} for small r, on both sides of π/2 (numerical, 50 digits)."""
    for r in (2, 3, 4, 7, 30, 300):
        for theta in (sp.Rational(1, 100), sp.pi / 5, sp.pi / 2, 2 * sp.pi / 3, sp.Rational(3, 1)):
            ours = sp.N(cap_measure(r, theta), DPS)
            ref = reference(
                CAP_RECIPE,
                dps=DPS, r=r, th=mpmath.mpf(str(sp.N(theta, 60))),
            )
            assert abs(float(ours) - ref.value) <= 1e-14 * max(ref.value, 1e-300) + 1e-300, (r, theta, ref)
            if r <= 7:
                with mpmath.workdps(30):
                    th = mpmath.mpf(str(sp.N(theta, 40)))
                    integrand = lambda s: mpmath.sin(s) ** (r - 2)  # noqa: E731
                    integral = mpmath.quad(integrand, [0, th]) / mpmath.quad(integrand, [0, mpmath.pi])
                assert abs(float(ours) - float(integral)) <= 1e-14, (r, theta, integral)


def test_cap_measure_rejects_bad_angles():
    with pytest.raises(ValueError, match="theta"):
        cap_measure(3, 4)
    with pytest.raises(ValueError, match="rank"):
        cap_measure(1, 1)
