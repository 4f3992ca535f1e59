"""numerics.initial_loss (claims SS16.Prop1, SS16.Prop2): the losses' values and exact
strict-convexity tests on hand-computed cases (dead-zone intervals, clamping to [−1, 1], a
single-point intersection), the pairing gap, the set-up's guards and properties, the bounds
½(1 − 2^{−n}) and (r/2)(1 − 2^{−n}) with their mutated-claim parameters, and the checks' bookkeeping.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import partial

import numpy as np
import pytest

from numerics import deep_relu
from numerics.init_laws import GaussianLaw
from numerics.initial_loss import (
    AbsoluteLoss,
    DeadZoneSquaredLoss,
    Prop12Outcome,
    Prop12Setup,
    SoftmaxXent,
    SquaredLoss,
    check_pairing,
    check_prop1,
    check_prop2,
    estimate_prop12,
    pairing_gap,
    prop1_bound,
    prop2_bound,
    prop12_trial,
    tally,
)
from numerics.montecarlo import clopper_pearson_lower
from overspec.testing import ClaimRejected, assert_close

col = partial(np.array, dtype=float)


# ------------------------------------------------------------------ losses


def test_squared_and_softmax_strictness_on_one_p_and_on_a_batch():
    sq, sx = SquaredLoss(), SoftmaxXent()
    assert sq.strictly_convex_along(col([[0.0], [1e-300]]), [0.0, 0.0]) is True
    assert sq.strictly_convex_along(np.zeros((2, 1)), [0.0, 0.0]) is False
    # softmax: c ↦ L(cP) is flat iff every row of P is constant
    assert sx.strictly_convex_along(col([[1.0, 1.0], [2.0, 2.0]]), [0, 1]) is False
    assert sx.strictly_convex_along(col([[1.0, 1.0], [2.0, 2.5]]), [0, 1]) is True
    batch = col([[[1.0, 1.0]], [[0.0, 1.0]], [[3.0, 3.0]]])  # (B, m, k) = (3, 1, 2)
    assert np.array_equal(sx.strictly_convex_along(batch, [0]), [False, True, False])
    # a batch of m = 2 rows: the row reductions are over k, not over the rows
    two_rows = col([[[0.0, 1.0], [1.0, 0.0]], [[1.0, 1.0], [2.0, 2.0]]])  # (B, m, k) = (2, 2, 2)
    assert np.array_equal(sx.strictly_convex_along(two_rows, [0, 1]), [True, False])
    zero_one_zero = col([[[0.0, 0.0]], [[0.0, -1.0]], [[0.0, 0.0]]])
    assert np.array_equal(sq.strictly_convex_along(zero_one_zero, col([[0.0, 0.0]])), [False, True, False])


def test_dead_zone_loss_value_by_hand():
    assert DeadZoneSquaredLoss().tau == 0.5
    # terms [|p − y| − τ]_+²: (2 − 0.5)² = 2.25 and |0.25| ≤ 0.5 → 0; averaged over the m = 2 rows
    assert DeadZoneSquaredLoss().value(col([[2.0], [0.25]]), [0.0, 0.0]) == 1.125
    assert DeadZoneSquaredLoss(1.0).value(col([[2.0, -3.0]]), col([[0.0, 0.0]])) == 1.0 + 4.0
    batch = DeadZoneSquaredLoss().value(col([[[2.0]], [[0.0]]]), [0.0])
    assert np.array_equal(batch, [2.25, 0.0])
    batch = DeadZoneSquaredLoss().value(col([[[2.0], [0.0]], [[0.0], [-3.0]]]), [0.0, 0.0])  # (2, 2, 1)
    assert np.array_equal(batch, [2.25 / 2, 6.25 / 2])


@pytest.mark.parametrize("tau", [0.0, -1.0, math.inf, math.nan])
def test_dead_zone_needs_a_finite_positive_tau(tau):
    with pytest.raises(ValueError, match="^tau: must be a finite positive number"):
        DeadZoneSquaredLoss(tau)


@pytest.mark.parametrize("P, Y, strict", [
    ([[0.1]], [0.0], False),              # D = {|0.1c| ≤ ½} ⊇ [−1, 1]: L(cP) ≡ 0
    ([[2.0]], [0.0], False),              # D = [−¼, ¼]: affine there
    ([[-2.0]], [0.0], False),             # same interval from a negative entry
    ([[2.0], [2.0]], [0.0, 3.0], True),   # [−¼, ¼] ∩ [1¼, 1¾] = ∅
    ([[1.0], [1.0]], [0.0, 1.0], True),   # [−½, ½] ∩ [½, 1½] = {½}: no interior
    ([[0.0], [2.0]], [5.0, 0.0], False),  # a zero entry restricts nothing: [−¼, ¼] remains
    ([[0.25], [0.25]], [0.0, 0.75], True),   # [−2, 2] ∩ [1, 5] = [1, 2], clamped to [−1, 1]: {1}
    ([[0.25], [0.25]], [0.0, -0.75], True),  # mirror image: {−1}
    ([[0.25], [0.25]], [0.0, 0.625], False),  # [−2, 2] ∩ [0.5, 4.5] ∩ [−1, 1] = [0.5, 1]
])
def test_dead_zone_strictness_is_an_empty_interior_of_the_dead_intervals(P, Y, strict):
    assert DeadZoneSquaredLoss(0.5).strictly_convex_along(col(P), col(Y)) is strict


def test_dead_zone_strictness_on_a_batch():
    batch = col([[[2.0], [2.0]], [[2.0], [0.0]]])  # (2, 2, 1)
    assert np.array_equal(DeadZoneSquaredLoss().strictly_convex_along(batch, [0.0, 3.0]), [True, False])


def test_absolute_loss_value_and_never_strict():
    L = AbsoluteLoss()
    assert L.value(col([[1.0, -2.0], [0.5, 0.0]]), col([[0.0, 0.0], [0.0, 1.0]])) == (3.0 + 1.5) / 2
    assert L.value(col([[[1.0], [-2.0]], [[0.0], [0.5]]]), [0.0, 1.0]).tolist() == [(1.0 + 3.0) / 2, 0.5 / 2]
    assert L.value(col([[1.0], [2.0]]), col([[0.0], [0.0]])) == 1.5  # Y already (m, 1)
    assert L.strictly_convex_along(col([[1.0]]), [0.0]) is False
    assert np.array_equal(L.strictly_convex_along(np.ones((3, 2, 1)), [0.0, 0.0]), [False] * 3)


@pytest.mark.parametrize("loss", [DeadZoneSquaredLoss(), AbsoluteLoss()])
def test_targets_must_match_p_and_be_finite(loss):
    with pytest.raises(ValueError, match=r"^Y: shape \(3, 1\) does not match P"):
        loss.value(np.ones((2, 1)), [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="^Y: contains NaN or infinite entries"):
        loss.value(np.ones((2, 1)), [0.0, np.nan])


def test_loss_names():
    assert [repr(L) for L in (SquaredLoss(), SoftmaxXent(), DeadZoneSquaredLoss(), AbsoluteLoss())] == [
        "squared", "softmax_xent", "dead_zone_squared", "absolute"]


# ------------------------------------------------------------------ pairing


def test_pairing_gap_of_the_squared_loss_is_2_norm_p_squared_over_m():
    P, Y = col([[1.0, 2.0], [0.0, -1.0]]), col([[0.5, 0.0], [1.0, 2.0]])
    gap, tol = pairing_gap(SquaredLoss(), P, Y)
    assert_close(gap, 2.0 * 6.0 / 2, rtol=1e-14, name="gap")  # L(P)+L(−P)−2L(0) = 2‖P‖²/m; rounding
    l0 = deep_relu.squared_loss(np.zeros((2, 2)), Y)
    lp, lm = deep_relu.squared_loss(P, Y), deep_relu.squared_loss(-P, Y)
    assert tol == 64 * np.finfo(float).eps * (lp + lm + 2 * l0)


@pytest.mark.parametrize("P", [np.ones(3), np.ones((0, 2)), col([[1.0, np.inf]])])
def test_pairing_gap_needs_a_finite_nonempty_matrix(P):
    with pytest.raises(ValueError, match=r"^P: need a finite non-empty \(m, k\) matrix"):
        pairing_gap(SquaredLoss(), P, np.zeros(P.shape[0]) if P.ndim == 2 else np.zeros(3))


def test_check_pairing_passes_a_strict_loss_and_rejects_a_flat_one():
    out = check_pairing(SquaredLoss(), col([[0.0], [1.0]]), [0.0, 0.0])
    assert out["gap"] == 1.0 and out["tolerance"] > 0  # 2·1/2
    with pytest.raises(ClaimRejected, match="absolute"):  # |p − y| + |−p − y| = 2|y| for |p| ≤ |y|
        check_pairing(AbsoluteLoss(), col([[0.5]]), [1.0])
    with pytest.raises(ValueError, match="^P: the pairing property is claimed for P ≠ 0 only"):
        check_pairing(SquaredLoss(), np.zeros((1, 1)), [0.0])


# ------------------------------------------------------------------ set-up and trials

X2 = col([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])


def test_setup_properties():
    s = Prop12Setup(X2.tolist(), np.zeros(3), (2, 4, 5, 3, 1), GaussianLaw(), SquaredLoss())
    assert np.array_equal(s.X_array, X2) and s.X_array.dtype == float
    assert s.n_last == 3 and s.depth == 4 and s.bias is True and s.output_law is None


@pytest.mark.parametrize("X, widths, match", [
    (np.ones(3), (3, 2, 1), "^X: need a finite"),
    (np.ones((0, 2)), (2, 2, 1), "^X: need a finite"),
    (col([[1.0, np.nan]]), (2, 2, 1), "^X: need a finite"),
    (np.ones((2, 2)), (2, 1), "^widths: need"),
    (np.ones((2, 2)), (3, 2, 1), "^widths: need"),
    (np.zeros((2, 2)), (2, 2, 1), "^X: every data point is 0"),
])
def test_setup_guards(X, widths, match):
    with pytest.raises(ValueError, match=match):
        Prop12Setup(X, np.zeros(len(X)), widths, GaussianLaw(), SquaredLoss())


def test_setup_accepts_one_nonzero_point_among_zeros_and_a_single_point():
    s = Prop12Setup(col([[0.0, 0.0], [0.0, 1.0]]), np.zeros(2), (2, 2, 1), GaussianLaw(), SquaredLoss())
    assert s.n_last == 2
    assert Prop12Setup(col([[0.5, 0.0]]), np.zeros(1), (2, 2, 1), GaussianLaw(), SquaredLoss()).depth == 2


def test_prop12_trial_counts_the_events_of_one_block():
    s = Prop12Setup(X2, col([0.3, -0.2, 1.0]), (2, 3, 1), GaussianLaw(), SquaredLoss())
    nonzero, strict, higher, paired = prop12_trial(np.random.default_rng(11), 0, s, block=40)
    # the same block by hand: 40 networks from the same generator
    P = deep_relu.forward(deep_relu.init_params([2, 3, 1], GaussianLaw(), np.random.default_rng(11), batch=40), X2)
    lp = deep_relu.squared_loss(P, s.Y)
    l0 = deep_relu.squared_loss(np.zeros((3, 1)), s.Y)
    nz = np.any(P != 0, axis=(1, 2))
    assert nonzero == int(nz.sum()) and strict == nonzero  # squared loss: strict iff P ≠ 0
    assert higher == int((lp > l0).sum()) and paired == nonzero  # the gap 2‖P‖²/m > 0 for P ≠ 0
    assert 0 < higher < 40


def test_default_block_is_250_draws():
    s = Prop12Setup(X2, col([0.3, -0.2, 1.0]), (2, 3, 1), GaussianLaw(), SquaredLoss())
    assert prop12_trial(np.random.default_rng(12), 0, s) == prop12_trial(np.random.default_rng(12), 0, s, block=250)
    assert estimate_prop12(s, 500, 2, n_jobs=1)[1] == 500


class _AlwaysStrict(SquaredLoss):
    """A loss whose strictness test says yes even at P = 0 (where c ↦ L(c·0) is constant)."""

    def strictly_convex_along(self, P, Y):
        return np.ones(np.asarray(P).shape[:-2], dtype=bool)


def test_strict_count_only_counts_networks_with_p_nonzero():
    # one bias-free neuron on x = 1: P = v·[w]_+ is 0 whenever w < 0 (half of the draws)
    s = Prop12Setup(col([[1.0]]), col([0.5]), (1, 1, 1), GaussianLaw(), _AlwaysStrict(), bias=False)
    nonzero, strict, _, _ = prop12_trial(np.random.default_rng(13), 0, s, block=60)
    assert 10 < nonzero < 50 and strict == nonzero


def test_tally_sums_blocks():
    assert tally([(1, 2, 3, 4), (10, 20, 30, 40)]) == Prop12Outcome(11, 22, 33, 44)
    assert tally([]) == Prop12Outcome(0, 0, 0, 0)


def test_estimate_prop12_runs_ceil_samples_over_block_blocks():
    s = Prop12Setup(X2, col([0.3, -0.2, 1.0]), (2, 3, 1), GaussianLaw(), SquaredLoss())
    out, draws = estimate_prop12(s, 5, 1, block=2, n_jobs=1)
    assert draws == 6 and out.nonzero <= 6
    out1, draws1 = estimate_prop12(s, 1, 1, block=1, n_jobs=1)
    assert draws1 == 1


@pytest.mark.parametrize("kw, match", [
    ({"samples": 0}, "^samples: must be a positive integer"),
    ({"samples": True}, "^samples: must be a positive integer"),
    ({"samples": 2.0}, "^samples: must be a positive integer"),
    ({"block": 0}, "^block: must be a positive integer"),
    ({"block": False}, "^block: must be a positive integer"),
    ({"block": 1.0}, "^block: must be a positive integer"),
])
def test_estimate_prop12_guards(kw, match):
    s = Prop12Setup(X2, np.zeros(3), (2, 3, 1), GaussianLaw(), SquaredLoss())
    args = {"samples": 4, "block": 2, **kw}
    with pytest.raises(ValueError, match=match):
        estimate_prop12(s, args["samples"], 0, block=args["block"], n_jobs=1)


# ------------------------------------------------------------------ bounds and checks


def test_prop1_bound_and_its_mutated_claim_parameters():
    assert prop1_bound(1) == 0.25 and prop1_bound(3) == 0.4375  # ½(1 − 2^{−n})
    assert prop1_bound(3, Fraction(1, 3)) == float(Fraction(7, 24))
    assert prop1_bound(2, Fraction(1)) == 0.75  # constant 1: 1 − 2^{−2}
    assert prop1_bound(3, Fraction(1, 2), base=3) == float(Fraction(13, 27))
    assert prop1_bound(np.int64(2)) == 0.375


@pytest.mark.parametrize("n", [0, -1, True, 2.0])
def test_prop1_bound_needs_a_positive_integer_width(n):
    with pytest.raises(ValueError, match="^n_last: must be a positive integer"):
        prop1_bound(n)


def test_prop2_bound_values_and_cap_at_one():
    assert prop2_bound(0.5, 2) == 0.1875  # (0.5/2)(1 − ¼)
    assert prop2_bound(1.0, 1) == 0.25 and prop2_bound(0.0, 5) == 0.0
    assert prop2_bound(1.0, 1, constant=4.0) == 1.0  # 4·½ = 2, capped: a probability
    assert prop2_bound(1.0, 2, constant=1.0) == 0.75


@pytest.mark.parametrize("r", [-0.1, 1.1, math.nan, math.inf])
def test_prop2_bound_needs_r_in_0_1(r):
    with pytest.raises(ValueError, match="^r: must lie in"):
        prop2_bound(r, 2)


def test_check_prop1_uses_the_bound_of_the_last_width_or_a_given_one():
    ev = check_prop1(Prop12Outcome(100, 100, 60, 100), 100, 2)
    assert ev.bound == 0.375 and ev.successes == 60 and ev.trials == 100 and ev.alpha == 1e-6
    ev = check_prop1(Prop12Outcome(100, 100, 60, 100), 100, 2, bound=0.1, alpha=1e-3)
    assert ev.bound == 0.1 and ev.alpha == 1e-3
    with pytest.raises(ClaimRejected):
        check_prop1(Prop12Outcome(100, 100, 5, 100), 100, 2)


def test_check_prop2_estimates_r_with_half_the_alpha():
    o = Prop12Outcome(nonzero=80, strict=60, higher=50, paired=80)
    out = check_prop2(o, 100, 3, alpha=1e-4)
    r_used = clopper_pearson_lower(60, 80, 0.5e-4)
    assert out["r_estimate"] == 0.75 and out["r_trials"] == 80 and out["nonzero_fraction"] == 0.8
    assert out["r_used"] == r_used and out["alpha"] == 0.5e-4
    assert out["bound"] == prop2_bound(r_used, 3)
    given = check_prop2(o, 100, 3, alpha=1e-4, r=0.5, constant=0.25)
    assert given["r_used"] == 0.5 and given["alpha"] == 1e-4 and given["bound"] == 0.25 * 0.5 * (1 - 1 / 8)


def test_check_prop2_needs_a_nonzero_trial():
    with pytest.raises(ValueError, match="^outcome: no trial had P ≠ 0"):
        check_prop2(Prop12Outcome(0, 0, 0, 0), 10, 2)
    out = check_prop2(Prop12Outcome(1, 1, 1, 1), 1, 1)  # one P ≠ 0 trial is enough to estimate r
    assert out["r_trials"] == 1
    assert out["alpha"] == 0.5e-6  # default α = 1e-6, half of it on the test of E
