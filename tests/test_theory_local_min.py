"""REV.local-min-certificate, symbolic part: the interval where the Taylor lower bound exceeds L(w).

The property test that a local minimum of random quartics lies within the radius is in
property_tests/test_local_min_property.py.
"""

from __future__ import annotations

import pytest
import sympy as sp

from overspec.testing import ClaimRejected
from theory.local_min import (
    B,
    EPS,
    LAM,
    T,
    certificate_radius,
    claimed_interval,
    derive_certificate_interval,
    interval_proof,
    q_polynomial,
    taylor_lower_bound,
)


def check_interval(endpoints) -> dict:
    """Claim check: the endpoints are exactly the roots of q and t·q(t) > 0 strictly between them."""
    proof = interval_proof(endpoints)
    if not proof["holds"]:
        raise ClaimRejected(
            f"claimed endpoints are not the roots of q(t) = −ε + λt/2 − Bt²/6: q + (B/6)(t − t_−)(t − t_+) ="
            f" {proof['factorization_difference']}, root differences {proof['root_differences']}"
        )
    if not proof["inside_sign_positive"]:  # pragma: no cover - the factorization makes this automatic
        raise ClaimRejected(f"t·q(t) is not positive between the endpoints: {proof['inside']}")
    return proof


@pytest.mark.claim("REV.local-min-certificate", kind="symbolic")
def test_certificate_interval_is_derived_from_the_taylor_bound(evidence):
    proof = check_interval(claimed_interval(24))
    assert proof["endpoint_values"] == (0, 0)
    assert proof["sum_of_roots"] == 3 * LAM / B and proof["product_of_roots"] == 6 * EPS / B
    evidence.record(
        taylor_lower_bound=taylor_lower_bound(),
        q=q_polynomial(),
        derived_roots=proof["derived_roots"],
        claimed=proof["claimed"],
        factorization_difference=proof["factorization_difference"],
        root_differences=proof["root_differences"],
        sum_of_roots=proof["sum_of_roots"],
        product_of_roots=proof["product_of_roots"],
        sign_inside=proof["inside"],
        endpoint_values=proof["endpoint_values"],
        remark="t·q(t) = 0 at both endpoints: positive on the open interval (the review says closed);"
        " real iff 9λ² ≥ 24Bε; both roots positive (sum 3λ/B, product 6ε/B)",
    )


@pytest.mark.claim("REV.local-min-certificate", kind="symbolic", control=True)
@pytest.mark.parametrize("constant", [12, 48, 18])
def test_interval_with_a_wrong_constant_is_rejected(evidence, constant):
    with pytest.raises(ClaimRejected):
        check_interval(claimed_interval(constant))
    proof = interval_proof(claimed_interval(constant))
    evidence.record(mutation=f"24Bε → {constant}Bε", rejected=True,
                    factorization_difference=proof["factorization_difference"])


def test_lower_bound_is_t_times_q():
    assert sp.expand(T * q_polynomial() - taylor_lower_bound()) == 0
    lo, hi = derive_certificate_interval()
    at = {EPS: sp.Rational(1, 10), LAM: 1, B: 2}
    assert lo.subs(at) < hi.subs(at)


def test_parameters_carry_the_hypothesis_signs_and_both_roots_are_positive():
    """ε, λ, B and the radius t are positive symbols, so SymPy itself decides that the sum 3λ/B
    and the product 6ε/B of the roots are positive (both endpoints positive when real)."""
    assert all(s.is_positive for s in (EPS, LAM, B, T))
    proof = interval_proof(claimed_interval())
    assert proof["sum_of_roots"].is_positive and proof["product_of_roots"].is_positive


def test_printed_constant_24_is_the_default_and_the_radius_is_the_smaller_endpoint():
    assert claimed_interval() == claimed_interval(24)
    assert certificate_radius() == (3 * LAM - sp.sqrt(9 * LAM**2 - 24 * B * EPS)) / (2 * B)
    assert certificate_radius(12) == claimed_interval(12)[0]


def test_inside_sign_comes_from_the_factorization_of_t_q():
    """The 'inside' expression is −(B/6)·t·(t − t_−)(t − t_+) at t = t_− + s·g, t_+ = t_− + g, with
    t_− = ρ and 1 − s = r: a product of positive factors."""
    proof = interval_proof(claimed_interval())
    rho, g, s, r = sp.symbols("rho g s r", positive=True)
    t = rho + s * g
    want = -(B / 6) * t * (t - rho) * (t - (rho + g))
    assert sp.expand(proof["inside"].subs(r, 1 - s) - want) == 0 and proof["inside_sign_positive"]


def test_endpoints_in_the_wrong_order_are_not_the_certificate():
    """(t_+, t_−): the same two roots of q (the factorization still holds), but not in order."""
    lo, hi = claimed_interval()
    proof = interval_proof((hi, lo))
    assert proof["factorization_difference"] == 0 and not proof["holds"]
