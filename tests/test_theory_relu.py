"""SS16.relu-homogeneous: [c·x]_+ = c·[x]_+ for c ≥ 0, proved by an exact sign case split."""

from __future__ import annotations

import pytest
import sympy as sp

from overspec.testing import ClaimRejected
from theory.relu import RELU_PRIME_AT_0, relu, relu_homogeneity_proof, relu_prime


def check_relu_homogeneity(c_domain: str) -> dict:
    """Claim check: every sign case reduces to a literal 0, else ClaimRejected with a witness."""
    proof = relu_homogeneity_proof(c_domain)
    if not proof["holds"]:
        f = proof["failing"][0]
        raise ClaimRejected(
            f"[c·x]_+ ≠ c·[x]_+ for c {c_domain}: case {f['case']} leaves {f['difference']}"
            f" (non-zero on the whole case: {f['nonzero_everywhere']}); witness {f['witness']}"
        )
    return proof


@pytest.mark.claim("SS16.relu-homogeneous", kind="symbolic")
def test_relu_is_positively_homogeneous_in_every_sign_case(evidence):
    proof = check_relu_homogeneity("nonnegative")
    assert proof["differences"] == ["0"] * 6  # c ∈ {0, >0} × x ∈ {<0, 0, >0}
    evidence.record(
        method="exhaustive sign case split; c, x as SymPy symbols with sign assumptions or the literal 0",
        cases=proof["cases"],
        differences=proof["differences"],
        c_domain=proof["c_domain"],
    )


@pytest.mark.claim("SS16.relu-homogeneous", kind="symbolic", control=True)
def test_negative_scale_is_rejected_with_an_exact_counterexample(evidence):
    with pytest.raises(ClaimRejected, match="witness"):
        check_relu_homogeneity("negative")
    proof = relu_homogeneity_proof("negative")
    # the counterexample is exact: a rational point with a non-zero rational difference
    witnesses = [f["witness"] for f in proof["failing"]]
    for w in witnesses:
        c, x = sp.Rational(w["c"]), sp.Rational(w["x"])
        assert relu(c * x) - c * relu(x) == sp.Rational(w["difference"]) != 0
    evidence.record(
        mutation="hypothesis c ≥ 0 dropped: c < 0",
        rejected=True,
        failing_cases=[f["case"] for f in proof["failing"]],
        failing_differences=[f["difference"] for f in proof["failing"]],
        witnesses=witnesses,
    )


def test_relu_values_and_pinned_derivative():
    assert relu(sp.Rational(-3, 2)) == 0
    assert relu(sp.Rational(5, 7)) == sp.Rational(5, 7)
    assert relu(0) == 0
    assert relu_prime(0) == RELU_PRIME_AT_0 == 0  # not Heaviside(0) = 1/2
    assert relu_prime(sp.Rational(1, 10)) == 1
    assert relu_prime(-1) == 0


def test_unknown_c_domain_is_a_value_error():
    with pytest.raises(ValueError, match="c_domain"):
        relu_homogeneity_proof("sometimes")  # type: ignore[arg-type]


def test_negative_scale_fails_exactly_in_the_two_nonzero_sign_cases_with_the_simplest_witnesses():
    """For c < 0: [c·x]_+ − c·[x]_+ is c·x for x < 0 and −c·x for x > 0 (both non-zero on the whole
    case, from the sign assumptions) and 0 for x = 0. Witnesses at c = −1, x = ∓1: e.g.
    [−1]_+ = 0 ≠ −1 = (−1)·[1]_+, difference 1."""
    proof = relu_homogeneity_proof("negative")
    c = sp.Symbol("c", negative=True)
    x_neg, x_pos = sp.Symbol("x", negative=True), sp.Symbol("x", positive=True)
    assert proof["differences"] == [str(c * x_neg), "0", str(-c * x_pos)]
    assert [(f["case"], f["nonzero_everywhere"], f["witness"]) for f in proof["failing"]] == [
        ("c < 0, x < 0", True, {"c": "-1", "x": "-1", "difference": "1"}),
        ("c < 0, x > 0", True, {"c": "-1", "x": "1", "difference": "1"}),
    ]


def test_cases_that_reduce_to_zero_carry_no_witness():
    from theory.relu import relu_homogeneity_cases

    cases = relu_homogeneity_cases("nonnegative")
    assert len(cases) == 6 and all(e["is_zero"] and "witness" not in e for e in cases)
    negative = relu_homogeneity_cases("negative")
    assert ["witness" in e for e in negative] == [True, False, True]
