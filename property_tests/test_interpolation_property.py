"""REV.interpolation on random rational data (Hypothesis): the construction fits every point exactly,
and a non-interleaved b is always rejected by the same check."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overspec.profiles import scaled_examples
from overspec.testing import ClaimRejected
from theory.interpolation import construction_failures, construction_report, non_interleaved_biases

rationals = st.fractions(min_value=-10, max_value=10, max_denominator=12)
# the evidence fixture is shared by the examples on purpose: it accumulates a summary of them
SHARED_EVIDENCE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
DATA_DESCRIPTION = ("n ∈ [1, 6] distinct points in Q^d, d ∈ [1, 3], coordinates and targets rationals in [−10, 10]"
                    " with denominators ≤ 12 (Hypothesis)")


@st.composite
def rational_data(draw, max_n: int = 6, max_d: int = 3):
    d = draw(st.integers(1, max_d))
    n = draw(st.integers(1, max_n))
    X = draw(st.lists(st.tuples(*[rationals] * d), min_size=n, max_size=n, unique=True))
    y = draw(st.lists(rationals, min_size=n, max_size=n))
    return [list(x) for x in X], y


def check_zhang_construction(report: dict) -> dict:
    """Claim check (as in tests/test_theory_interpolation.py): ClaimRejected on any violated property."""
    failures = construction_failures(report)
    if failures:
        raise ClaimRejected("; ".join(failures))
    return report


@pytest.mark.claim("REV.interpolation", kind="symbolic")
@settings(max_examples=scaled_examples(1), suppress_health_check=SHARED_EVIDENCE)
@given(data=rational_data())
def test_construction_fits_random_rational_data_exactly(evidence, data):
    X, y = data
    rep = check_zhang_construction(construction_report(X, y))
    assert rep["interleaved"] and len(rep["residuals"]) == len(X)
    s = evidence.data
    evidence.record(
        data=DATA_DESCRIPTION,
        examples=s.get("examples", 0) + 1,
        max_n=max(s.get("max_n", 0), rep["n"]),
        max_d=max(s.get("max_d", 0), rep["d"]),
        points_fitted_exactly=s.get("points_fitted_exactly", 0) + rep["n"],
    )


@pytest.mark.claim("REV.interpolation", kind="symbolic", control=True)
@settings(max_examples=scaled_examples(2), suppress_health_check=SHARED_EVIDENCE)
@given(data=rational_data())
def test_non_interleaved_biases_are_rejected_on_random_data(evidence, data):
    X, y = data
    good = construction_report(X, y)
    bad = construction_report(X, y, w=good["w"], b=non_interleaved_biases(good["z"]))
    with pytest.raises(ClaimRejected):
        check_zhang_construction(bad)
    assert bad["det"] == 0  # b_j > z_j makes A strictly lower triangular
    s = evidence.data
    evidence.record(mutation="b_j moved past z_j (z_1 < b_1 < z_2 < … < z_n < b_n)", data=DATA_DESCRIPTION,
                    examples_rejected=s.get("examples_rejected", 0) + 1)
