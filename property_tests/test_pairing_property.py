"""The pairing step of SS16.Prop1 as a property: L(P) + L(−P) > 2L(0) whenever P ≠ 0.

For the squared loss L(cP) = c²‖P‖²/m − 2c⟨P, Y⟩/m + L(0), so the pairing gap is exactly
(2/m)‖P‖²_F > 0. For softmax cross-entropy the gap is (1/m)Σ_t [lse(P_t) + lse(−P_t) − 2 log k]
(the label terms cancel), > 0 iff some row is non-constant (strict convexity of log-sum-exp off
the all-ones direction) — which is why the softmax strategy keeps a row with spread ≥ 1e-3.
Negative control: the absolute loss (convex, piecewise linear — not strictly convex) has gap
exactly 0 whenever |P_tj| ≤ |Y_tj| for all entries, and the same check rejects it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from numerics import deep_relu
from numerics.init_laws import GaussianLaw
from numerics.initial_loss import AbsoluteLoss, DeadZoneSquaredLoss, SoftmaxXent, SquaredLoss, check_pairing, pairing_gap
from overspec.testing import ClaimRejected, assert_close

# the evidence fixture is shared by the examples on purpose: it accumulates a summary of them
SHARED_EVIDENCE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
EPS = np.finfo(float).eps
FLOATS = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def matrices(draw, k_min: int = 1):
    m = draw(st.integers(1, 6))
    k = draw(st.integers(k_min, 4))
    P = draw(arrays(np.float64, (m, k), elements=FLOATS))
    return P


def summarize(evidence, name: str, gap: float, tol: float) -> None:
    s = evidence.data.get(name, {"examples": 0, "min_gap_over_tolerance": None})
    ratio = gap / tol if tol > 0 else None
    prev = s["min_gap_over_tolerance"]
    evidence.record(**{name: {"examples": s["examples"] + 1,
                              "min_gap_over_tolerance": ratio if prev is None or (ratio is not None and ratio < prev) else prev}})


@pytest.mark.claim("SS16.Prop1", kind="numerical")
@settings(suppress_health_check=SHARED_EVIDENCE)
@given(P=matrices(), data=st.data())
@example(P=np.array([[1e-3]]), data=None)
def test_squared_loss_pairing_gap_is_twice_the_mean_squared_norm(evidence, P, data):
    assume(np.max(np.abs(P)) >= 1e-3)
    Y = data.draw(arrays(np.float64, P.shape, elements=FLOATS)) if data is not None else np.array([[10.0]])
    loss = SquaredLoss()
    out = check_pairing(loss, P, Y)
    exact = 2.0 * np.sum(P**2) / P.shape[0]
    # the gap is a difference of sums of m·k squares: rounding ≤ the pairing tolerance, plus
    # the rounding of the closed form itself (a few ulps of it)
    assert_close(out["gap"], exact, atol=out["tolerance"] + 8 * EPS * exact, name="pairing gap")
    summarize(evidence, "squared", out["gap"], out["tolerance"])
    evidence.tolerance("pairing", 64 * EPS, "gap must exceed 64·eps·(|L(P)|+|L(−P)|+2|L(0)|): rounding of sums of m·k ≤ 24 non-negative terms")


@pytest.mark.claim("SS16.Prop1", kind="numerical")
@settings(suppress_health_check=SHARED_EVIDENCE)
@given(P=matrices(k_min=2), data=st.data())
def test_softmax_xent_pairing_gap_is_positive_off_constant_rows(evidence, P, data):
    assume(np.max(P.max(axis=1) - P.min(axis=1)) >= 1e-3)  # P ≠ 0 along a non-constant row
    labels = np.array(data.draw(st.lists(st.integers(0, P.shape[1] - 1), min_size=P.shape[0], max_size=P.shape[0])))
    out = check_pairing(SoftmaxXent(), P, labels)
    summarize(evidence, "softmax_xent", out["gap"], out["tolerance"])
    evidence.tolerance("pairing", 64 * EPS, "gap must exceed 64·eps·(|L(P)|+|L(−P)|+2|L(0)|): rounding of m log-sum-exps")


@pytest.mark.claim("SS16.Prop1", kind="numerical")
@settings(suppress_health_check=SHARED_EVIDENCE)
@given(seed=st.integers(0, 2**32 - 1), depth=st.sampled_from([2, 3, 4]))
def test_pairing_holds_for_outputs_of_random_deep_relu_nets(evidence, seed, depth):
    """P = N(W⁰)(X) of a depth-h net (Assumption-1 init) on random data: both losses pair strictly."""
    rng = np.random.default_rng(seed)
    widths = (3, *([4] * (depth - 1)), 3)
    X = rng.standard_normal((5, 3))
    P = deep_relu.forward(deep_relu.init_params(widths, GaussianLaw(1.0), rng), X)
    assume(np.any(P != 0.0))
    sq = check_pairing(SquaredLoss(), P, rng.standard_normal(P.shape))
    assume(np.max(P.max(axis=1) - P.min(axis=1)) >= 1e-3)
    sx = check_pairing(SoftmaxXent(), P, rng.integers(0, 3, 5))
    summarize(evidence, f"net_depth_{depth}_squared", sq["gap"], sq["tolerance"])
    summarize(evidence, f"net_depth_{depth}_softmax", sx["gap"], sx["tolerance"])


@pytest.mark.claim("SS16.Prop1", kind="numerical", control=True)
@settings(suppress_health_check=SHARED_EVIDENCE)
@given(P=matrices(), data=st.data())
def test_absolute_loss_pairing_fails_inside_its_linear_region(evidence, P, data):
    """Mutation: the strictly convex loss replaced by |p − y| (convex only). With |Y| > |P| entrywise
    every term stays on one linear piece along ±P, the gap is 0, and the check rejects."""
    assume(np.max(np.abs(P)) >= 1e-3)
    signs = np.where(data.draw(arrays(np.bool_, P.shape)), 1.0, -1.0)
    Y = signs * (np.abs(P) + 1.0)
    with pytest.raises(ClaimRejected):
        check_pairing(AbsoluteLoss(), P, Y)
    gap, tol = pairing_gap(AbsoluteLoss(), P, Y)
    assert abs(gap) <= tol  # the gap is 0 up to rounding: a tie, not a violation of convexity
    s = evidence.data
    evidence.record(mutation="absolute loss (not strictly convex), |Y| > |P|", rejected_examples=s.get("rejected_examples", 0) + 1)


@pytest.mark.claim("SS16.Prop1", kind="numerical", control=True)
def test_dead_zone_loss_pairing_fails_for_small_outputs(evidence):
    """Mutation: a convex loss flat around P = 0 (dead zone τ = 1, Y = 0): |P| ≤ 1 gives gap 0."""
    P = np.array([[0.5, -0.25], [0.9, 0.0]])
    with pytest.raises(ClaimRejected):
        check_pairing(DeadZoneSquaredLoss(1.0), P, np.zeros_like(P))
    evidence.record(mutation="dead-zone squared loss, τ = 1, Y = 0, max|P| = 0.9", rejected=True)


def test_check_pairing_rejects_zero_and_bad_p():
    with pytest.raises(ValueError, match="P"):
        check_pairing(SquaredLoss(), np.zeros((2, 1)), np.ones(2))
    with pytest.raises(ValueError, match="P"):
        check_pairing(SquaredLoss(), np.array([[np.nan]]), np.ones(1))
