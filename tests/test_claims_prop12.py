"""Claim checks SS16.Prop1 and SS16.Prop2: a random start is worse than the zero predictor.

E = {L(P(W⁰)) > L(0)}. Prop. 1: P[E] ≥ ½(1 − 2^{−n_{h−1}}) for the squared and softmax
cross-entropy losses; Prop. 2: P[E] ≥ (r/2)(1 − 2^{−n_{h−1}}) with
r = P[c ↦ L(cP) strictly convex on [−1, 1] | P ≠ 0]. Derivation in numerics/initial_loss.py.

Every statistical check: fixed seeds, exact one-sided Clopper–Pearson bounds, false-alarm
probability ≤ 1e-6 per check, power recorded (smallest violation detected w.p. ≥ 0.99).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from numerics.init_laws import GaussianLaw, HalfGaussianLaw, SphereLaw
from numerics.initial_loss import (
    DeadZoneSquaredLoss,
    Prop12Setup,
    SoftmaxXent,
    SquaredLoss,
    check_prop1,
    check_prop2,
    estimate_prop12,
    prop1_bound,
)
from numerics.montecarlo import (
    check_probability_at_least,
    check_probability_at_most,
    clopper_pearson_lower,
    clopper_pearson_upper,
    detectable_violation,
)
from overspec.testing import ClaimRejected, assert_rejected_bound

ALPHA = 1e-6
D = 4
HIDDEN = {2: (), 3: (6,), 4: (6, 5)}  # hidden widths before the last hidden layer, by depth


def widths(depth: int, n_last: int, k: int) -> tuple[int, ...]:
    return (D, *HIDDEN[depth], n_last, k)


def random_data(seed: int, m: int = 10) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((m, D))


def random_setup(loss: str, depth: int, seed: int) -> Prop12Setup:
    """Random data (m = 10, d = 4), targets N(0, 1) (squared, k = 1) or 3 random classes."""
    rng = np.random.default_rng(1000 + seed)
    X = rng.standard_normal((10, D))
    if loss == "squared":
        return Prop12Setup(X, rng.standard_normal(10), widths(depth, 2, 1), GaussianLaw(1.0), SquaredLoss())
    return Prop12Setup(X, rng.integers(0, 3, 10), widths(depth, 2, 3), SphereLaw(2.0), SoftmaxXent())


# One data point, two classes: E ⟺ (w_other − w_label)·O_{h−1}(x) > 0, symmetric, and
# O_{h−1}(x) ≠ 0 w.p. exactly 1 − 2^{−n_{h−1}} (biases) — so P[E] = ½(1 − 2^{−n_{h−1}}) EXACTLY:
# Prop. 1 is attained. This is where a too-strong bound is visible.
X_ONE = np.array([[1.0, 0.5, -0.3, 0.2]])


def tight_setup(depth: int, n_last: int, **kw) -> Prop12Setup:
    return Prop12Setup(X_ONE, np.array([0]), widths(depth, n_last, 2), kw.pop("law", GaussianLaw(1.0)), SoftmaxXent(), **kw)


def mutated_check_numbers(k: int, n: int, bound: float, alpha: float = ALPHA) -> dict:
    """What the check saw on a mutated claim it rejected: estimate, CP bounds, power at that size."""
    return {
        "successes": k,
        "trials": n,
        "estimate": k / n,
        "lower": clopper_pearson_lower(k, n, alpha),
        "upper": clopper_pearson_upper(k, n, alpha),
        "mutated_bound": bound,
        "alpha": alpha,
        "power_gap": detectable_violation(n, bound, alpha),
    }


def record_binomial(evidence, ev, **extra) -> None:
    evidence.record(**ev.as_dict(), **extra)
    evidence.tolerance(
        "false_alarm", ev.alpha, "one-sided exact Clopper–Pearson at α = 1e-6 per check (project standard)"
    )


# ----------------------------------------------------------------------------- SS16.Prop1
@pytest.mark.claim("SS16.Prop1", kind="statistical")
@pytest.mark.parametrize("depth", [2, 3, 4])
@pytest.mark.parametrize("loss", ["squared", "softmax_xent"])
def test_prop1_random_start_is_worse_than_zero_on_random_data(loss, depth, evidence, profile):
    setup = random_setup(loss, depth, seed=depth)
    out, n = estimate_prop12(setup, profile.samples(8000), base_seed=11 + depth)
    ev = check_prop1(out, n, setup.n_last, alpha=ALPHA)
    record_binomial(
        evidence,
        ev,
        loss=loss,
        depth=depth,
        widths=list(setup.widths),
        n_last=setup.n_last,
        data="m=10, d=4, x ~ N(0, I); y ~ N(0,1) (squared) or 3 uniform classes (softmax)",
        law=repr(setup.law),
        base_seed=11 + depth,
        data_seed=1000 + depth,
        bound_source="theory.bound_prop1",
        slack=ev.estimate - ev.bound,
        note="on generic data the truth is far above the bound (the bound is attained only on special data: see the one-point checks)",
    )


@pytest.mark.claim("SS16.Prop1", kind="statistical")
def test_prop1_bound_is_attained_on_one_point_two_classes_over_width(evidence, profile):
    """P[E] = ½(1 − 2^{−n_{h−1}}) exactly here: test both P[E] ≥ bound (the claim) and ≤ bound."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = []
    n_grid = [1, 2, 3, 4, 6]
    for depth in (2, 3, 4):
        for n_last in n_grid:
            setup = tight_setup(depth, n_last)
            seed = 100 * depth + n_last
            out, n = estimate_prop12(setup, profile.samples(6000), base_seed=seed)
            ev = check_prop1(out, n, n_last, alpha=ALPHA)
            upper_side = check_probability_at_most(out.higher, n, ev.bound, ALPHA)  # attained
            rows.append({"depth": depth, "n_last": n_last, "seed": seed, **ev.as_dict(),
                         "attained_check_power_gap": upper_side.power_gap})
    evidence.record(checks=rows, data="one point x = (1, .5, −.3, .2), label 0 of k = 2, softmax cross-entropy",
                    law="gaussian(scale=1), biases included", exact_truth="½(1 − 2^{−n_{h−1}})")
    evidence.tolerance("false_alarm", ALPHA, "one-sided exact Clopper–Pearson at α = 1e-6 per check (each side)")
    fig, ax = plt.subplots(figsize=(6, 4))
    grid = np.arange(1, max(n_grid) + 1)
    ax.plot(grid, [prop1_bound(int(g)) for g in grid], "k-", label="bound ½(1 − 2^{−n})")
    for j, depth in enumerate((2, 3, 4)):
        r = [x for x in rows if x["depth"] == depth]
        xs = np.array([x["n_last"] for x in r]) + (j - 1) * 0.08
        est = np.array([x["estimate"] for x in r])
        ax.errorbar(xs, est, yerr=[est - [x["lower"] for x in r], [x["upper"] for x in r] - est],
                    fmt="o", capsize=3, label=f"depth {depth}: estimate, one-sided CP bounds (α = 1e-6 each)")
    ax.set_xlabel("width of the last hidden layer n_{h−1}")
    ax.set_ylabel("P[L(P(W⁰)) > L(0)]")
    ax.set_title("SS16.Prop1 is attained: one point, two classes")
    ax.legend(fontsize=7)
    evidence.figure("prop1_attained_over_width", fig)


@pytest.mark.claim("SS16.Prop1", kind="statistical", control=True)
def test_prop1_with_a_larger_constant_is_rejected(evidence, profile):
    """Mutation: ½ → ⅗. At one point, two classes, n_{h−1} = 2 the truth is 3/8 < ⅗·¾ = 0.45."""
    setup = tight_setup(2, 2)
    out, n = estimate_prop12(setup, profile.samples(8000), base_seed=7)
    mutated = prop1_bound(2, constant=Fraction(3, 5))
    with pytest.raises(ClaimRejected) as info:
        check_prop1(out, n, 2, alpha=ALPHA, bound=mutated)
    assert_rejected_bound(info.value, mutated)
    ev_true = check_prop1(out, n, 2, alpha=ALPHA)  # the printed bound passes on the same data
    evidence.record(mutation="½(1 − 2^{−n}) → ⅗(1 − 2^{−n})", rejected=True, message=str(info.value),
                    exact_truth=0.375, printed_bound_check=ev_true.as_dict(), base_seed=7,
                    **mutated_check_numbers(out.higher, n, mutated))


@pytest.mark.claim("SS16.Prop1", kind="statistical", control=True)
def test_prop1_without_hidden_biases_is_rejected_at_depth_3(evidence, profile):
    """Hypothesis dropped (the biases of SS16's hidden neurons): with n_1 = 1 the first layer is
    dead w.p. ½, so P[E] = ¼(1 − 2^{−n_2}) < ½(1 − 2^{−n_2})."""
    setup = Prop12Setup(X_ONE, np.array([0]), (D, 1, 2, 2), GaussianLaw(1.0), SoftmaxXent(), bias=False)
    out, n = estimate_prop12(setup, profile.samples(8000), base_seed=8)
    with pytest.raises(ClaimRejected) as info:
        check_prop1(out, n, setup.n_last, alpha=ALPHA)
    assert_rejected_bound(info.value, prop1_bound(2))
    evidence.record(mutation="hidden-layer biases removed (depth 3, widths [4, 1, 2, 2])", rejected=True,
                    exact_truth=0.1875, message=str(info.value), base_seed=8,
                    **mutated_check_numbers(out.higher, n, prop1_bound(2)))


@pytest.mark.claim("SS16.Prop1", kind="statistical", control=True)
def test_prop1_with_positive_output_weights_is_rejected(evidence, profile):
    """Assumption 1 dropped on the last layer: W_h ≥ 0 entrywise. With O_{h−1} ≥ 0 the output is
    ≥ 0, and for one point with target y = 10 (squared loss) E = {p > 20}: rare."""
    setup = Prop12Setup(X_ONE, np.array([10.0]), widths(2, 3, 1), GaussianLaw(1.0), SquaredLoss(),
                        output_law=HalfGaussianLaw(1.0))
    out, n = estimate_prop12(setup, profile.samples(8000), base_seed=9)
    with pytest.raises(ClaimRejected) as info:
        check_prop1(out, n, setup.n_last, alpha=ALPHA)
    assert_rejected_bound(info.value, prop1_bound(3))
    evidence.record(mutation="output weights |N(0,1)| (not spherically symmetric)", rejected=True,
                    message=str(info.value), base_seed=9, **mutated_check_numbers(out.higher, n, prop1_bound(3)))


# ----------------------------------------------------------------------------- SS16.Prop2
def dead_zone_setup(depth: int, tau: float, seed: int, zero_targets: bool = False) -> Prop12Setup:
    rng = np.random.default_rng(2000 + seed)
    X = rng.standard_normal((10, D))
    Y = np.zeros(10) if zero_targets else rng.standard_normal(10)
    return Prop12Setup(X, Y, widths(depth, 2, 1), GaussianLaw(1.0), DeadZoneSquaredLoss(tau))


@pytest.mark.claim("SS16.Prop2", kind="statistical")
@pytest.mark.parametrize("depth", [2, 3, 4])
def test_prop2_holds_with_estimated_r_for_a_dead_zone_loss(depth, evidence, profile):
    """ε-insensitive squared loss (convex, not strictly): 0 < r < 1, r estimated from the trials."""
    setup = dead_zone_setup(depth, tau=1.0, seed=depth)
    out, n = estimate_prop12(setup, profile.samples(8000), base_seed=21 + depth)
    res = check_prop2(out, n, setup.n_last, alpha=ALPHA)
    assert 0.0 < res["r_estimate"] < 1.0  # the check exercises the r < 1 regime
    # the pairing form behind the proof: P[E] ≥ ½·P[L(P) + L(−P) > 2L(0)] (α/2 + α/2)
    paired_lower = clopper_pearson_lower(out.paired, n, ALPHA / 2)
    pairing = check_probability_at_least(out.higher, n, 0.5 * paired_lower, ALPHA / 2)
    evidence.record(**res, depth=depth, widths=list(setup.widths), loss="dead-zone squared, τ = 1",
                    data="m=10, d=4, x, y ~ N(0, 1)", base_seed=21 + depth, data_seed=2000 + depth,
                    pairing_form={"paired_fraction": out.paired / n, "bound": pairing.bound,
                                  "upper": pairing.upper},
                    note="r is replaced by its one-sided CP lower bound at α/2 and E is tested at α/2 "
                         "(union bound: false alarm ≤ 1e-6); the truth is far above the bound here")
    evidence.tolerance("false_alarm", ALPHA, "α/2 for the lower bound on r + α/2 for the test of P[E] (union bound)")


@pytest.mark.claim("SS16.Prop2", kind="statistical")
def test_prop2_is_attained_with_r_one_on_one_point(evidence, profile):
    """Softmax, one point, two classes: r = 1 and P[E] = ½(1 − 2^{−n}) — Prop. 2 is attained."""
    setup = tight_setup(3, 3)
    out, n = estimate_prop12(setup, profile.samples(8000), base_seed=31)
    res = check_prop2(out, n, setup.n_last, alpha=ALPHA)
    assert out.strict == out.nonzero  # r = 1 exactly (every non-zero P has a non-constant row)
    evidence.record(**res, widths=list(setup.widths), exact_truth=0.4375, base_seed=31)
    evidence.tolerance("false_alarm", ALPHA, "α/2 for the lower bound on r + α/2 for the test of P[E] (union bound)")


@pytest.mark.claim("SS16.Prop2", kind="statistical", control=True)
def test_prop2_with_r_replaced_by_one_is_rejected_for_a_flat_loss(evidence, profile):
    """Dead-zone loss with all targets 0: flat around P = 0, so r = 0 (never strictly convex) and
    P[E] = P[some |p_t| > τ]. Claiming r = 1 (Prop. 1's bound for this convex loss) is rejected."""
    setup = dead_zone_setup(2, tau=5.0, seed=5, zero_targets=True)
    out, n = estimate_prop12(setup, profile.samples(8000), base_seed=41)
    assert out.strict == 0
    honest = check_prop2(out, n, setup.n_last, alpha=ALPHA)  # r estimated: bound ≈ 0, passes
    with pytest.raises(ClaimRejected) as info:
        check_prop2(out, n, setup.n_last, alpha=ALPHA, r=1.0)
    assert_rejected_bound(info.value, 0.5 * (1 - 2.0 ** -setup.n_last))
    evidence.record(mutation="r = 1 claimed for a loss with r = 0", rejected=True,
                    r_estimate=out.strict / out.nonzero, honest_bound=honest["bound"], message=str(info.value),
                    base_seed=41, **mutated_check_numbers(out.higher, n, 0.5 * (1 - 2.0 ** -setup.n_last)))


@pytest.mark.claim("SS16.Prop2", kind="statistical", control=True)
def test_prop2_without_the_half_is_rejected(evidence, profile):
    """Mutation: (r/2)(1 − 2^{−n}) → r(1 − 2^{−n}); on the attained configuration the truth is half of it."""
    setup = tight_setup(2, 2)
    out, n = estimate_prop12(setup, profile.samples(8000), base_seed=51)
    with pytest.raises(ClaimRejected) as info:
        check_prop2(out, n, setup.n_last, alpha=ALPHA, constant=1.0)
    r_used = clopper_pearson_lower(out.strict, out.nonzero, ALPHA / 2)
    assert_rejected_bound(info.value, r_used * (1 - 2.0 ** -setup.n_last))
    evidence.record(mutation="r/2 → r", rejected=True, exact_truth=0.375, message=str(info.value), base_seed=51,
                    r_used=r_used, **mutated_check_numbers(out.higher, n, r_used * (1 - 2.0 ** -setup.n_last)))
