"""numerics.monotone_path: the level search on a slice, the hypotheses' guards and the grid of the
construction, on hand-made nets whose answers are known in closed form (claim SS16.Thm1).

The one-unit net of tests/test_monotone_path_slices.py: O(x) = relu(h·x), P = c·w·O, data X = (1, 2)ᵀ,
Y = (1, 1)ᵀ, squared slice φ(c) = ½[(cw − 1)² + (2cw − 1)²], minimum 0.1 at c = 3/(5w). What is
proved here: a level within 64 ulps·max(1, |min φ|) of the slice minimum is the minimum, one
further is not; the level search tries every power of two up to C_MAX = 2⁶⁰ and no further; the
hypotheses' guards raise with their own message and numbers; the grid is the documented one
(``grid`` uniform steps, bisected while a step moves W̃ by more than ``rel_step`` of the larger norm
and is at least 2·h_min long); a jump left next to a sign change of the output weight on a smooth
path is certified as a violation of condition 1 by interval arithmetic.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest
import scipy.optimize

from numerics import deep_relu
from numerics import monotone_path as mpath

EPS = float(np.finfo(float).eps)
X = np.array([[1.0], [2.0]])
Y = np.array([[1.0], [1.0]])


def net(w: float, hidden: float = 1.0) -> list:
    return [(np.array([[hidden]]), np.array([0.0])), (np.array([[w]]), None)]


# ------------------------------------------------------------------------- the level search
@pytest.mark.parametrize(
    "P, Yq",
    [(np.array([[1.0], [2.0]]), np.array([[1.0], [1.0]])),  # min φ = 0.1: band 64·EPS
     (np.array([[1.0], [2.0]]), np.array([[10.0], [10.0]]))],  # min φ = 10 at c = 6: band 640·EPS
)
def test_a_level_within_64_ulps_of_the_minimum_is_the_minimum_itself(P, Yq):
    S = mpath.Slice(P, Yq, "squared")
    lo = S.minimizer()
    f_lo = S.value(lo)
    s = max(1.0, abs(f_lo))
    for inside in (48.0, -48.0, 64.0):
        assert S.increasing_branch_point(f_lo + inside * EPS * s) == lo
    for outside in (80.0, 64.5) if s == 1.0 else (80.0,):  # 64.5 ulps: resolvable next to 0.1, not next to 10
        c = S.increasing_branch_point(f_lo + outside * EPS * s)
        # φ − min ≈ 2.5·(c − lo)²·w² near the minimum: 80 ulps of the level are ≈ 1e-7 in c
        assert c > lo + 1e-8
    with pytest.raises(ValueError, match=r"^level: .* is below the slice minimum"):
        S.increasing_branch_point(f_lo - 80.0 * EPS * s)


def test_the_level_search_tries_every_power_of_two_up_to_2_to_the_60():
    """φ(c) = (c·10⁻¹⁸)² (one point, Y = 0): level 1 is reached at c = 10¹⁸ ≤ 2⁶⁰ ≈ 1.15·10¹⁸ and
    found; level 4 needs c = 2·10¹⁸ > 2⁶⁰: no scale up to C_MAX reaches it — condition 1 fails."""
    S = mpath.Slice(np.array([[1e-18]]), np.array([[0.0]]), "squared")
    # brentq's rtol = 4·EPS; the slice's value carries a few ulps: 1e-12 is generous and tight enough
    assert S.increasing_branch_point(1.0, 0.5) == pytest.approx(1e18, rel=1e-12, abs=0)
    with pytest.raises(mpath.ConditionViolated, match=r"c ≤ 1\.2e\+18") as info:
        S.increasing_branch_point(4.0, 0.5)
    assert info.value.condition == 1 and info.value.certificate == {"lam": 0.5, "level": 4.0}
    # minimizer c* = 1 (Y = P): the search doubles from 2·c* = 2, so 2⁶⁰ itself is tried and reaches
    # φ(2⁶⁰) ≈ 1.33 ≥ 1 (a level reached only at c = 10¹⁸ + 1)
    S1 = mpath.Slice(np.array([[1e-18]]), np.array([[1e-18]]), "squared")
    assert S1.minimizer() == 1.0
    assert S1.increasing_branch_point(1.0, 0.5) == pytest.approx(1e18, rel=1e-12, abs=0)


def test_a_softmax_slice_that_decreases_forever_has_its_minimizer_at_2_to_the_60():
    """Every label strictly the row maximum: φ decreases for all c, the search stops at C_MAX = 2⁶⁰.
    (P of size 10⁻¹⁷, so that e^{−c·P} stays far from underflow of φ' up to c = 2⁶⁰: with P of size 1,
    φ' rounds to 0 from c ≈ 64 on, and that c is a minimizer to rounding.)"""
    S = mpath.Slice(np.array([[1e-17, 0.0], [2e-17, 0.0]]), np.array([0, 0]), "softmax_xent")
    assert S.minimizer() == 2.0**60


def test_a_softmax_minimizer_near_2_to_the_60_is_bracketed_by_powers_of_two():
    """Rows P = (2a, 0) with label 0 and (a, 0) with label 1: φ(c) = ½[log(1 + e^{−2ca}) + log(1 + e^{ca})],
    φ'(c) = 0 ⇔ t³ − t − 2 = 0 for t = e^{ca}. With a = 5·10⁻¹⁹ the minimizer ln(t)/a ≈ 8.4·10¹⁷ lies
    between 3³⁷ and 2⁶⁰: only a search by doubling up to 2⁶⁰ brackets it."""
    a = 5e-19
    t = max(r.real for r in np.roots([1.0, 0.0, -1.0, -2.0]) if abs(r.imag) < 1e-12)
    S = mpath.Slice(np.array([[2 * a, 0.0], [a, 0.0]]), np.array([0, 1]), "softmax_xent")
    # the root of φ' to brentq's 4·EPS; φ' itself is computed to ~1e-16 of its O(a) scale: 1e-9
    assert S.minimizer() == pytest.approx(math.log(t) / a, rel=1e-9, abs=0)


# ------------------------------------------------------------------------- exact forward pass
def test_the_exact_forward_pass_of_a_net_without_hidden_biases_is_the_float_one():
    rng = np.random.default_rng(3)
    A = [(rng.normal(size=(3, 2)), None), (rng.normal(size=(2, 3)), None)]
    B = [(rng.normal(size=(3, 2)), None), (rng.normal(size=(2, 3)), None)]
    Xr = rng.normal(size=(4, 2))
    exact = mpath._exact_forward(A, B, Fraction(1, 3), Xr)
    P = deep_relu.forward(mpath.straight_path(A, B)(1 / 3), Xr)
    assert np.abs(np.array(exact, dtype=float) - P).max() < 1e-12  # rounding of O(1) sums, ~1e-15


def test_one_hot_labels_give_the_defect_of_integer_labels():
    params = [(np.array([[1.0]]), np.array([0.0])), (np.array([[1.0], [0.0]]), None)]  # P_t = (x_t, 0)
    for lab, defect in (([0, 0], -3e-9), ([1, 0], 1.0 - 3e-9)):
        ints = mpath._float_defect(params, X, np.array(lab), "softmax_xent")
        onehot = mpath._float_defect(params, X, np.eye(2)[lab], "softmax_xent")
        assert ints == onehot == pytest.approx(defect, rel=1e-12, abs=0)  # −1e-9·(1 + max|P|) is exact to 1 ulp


def test_a_crossing_beyond_the_end_of_a_segment_is_not_a_candidate():
    """Polygon w: 2 → 1 → 0 → 1. Extended beyond its end, segment 0 would reach w = 0 at u = 2; the
    path's zero is the vertex λ = 2/3, where segment 1 (1 → 0) ends — the certificate names segment 1."""
    poly = mpath.polygon_path([net(2.0), net(1.0), net(0.0), net(1.0)])
    cert = mpath.certify_condition1_violation(poly, X, Y, "squared")
    assert (cert.lam_star, cert.segment, cert.kind) == (Fraction(2, 3), 1, "zero entry (0, 0)")


# ----------------------------------------------------------------------------- hypotheses
def test_condition_two_names_the_two_losses():
    """W0: w = 0.5, L(P(W0)) = ½[(0.5 − 1)² + 0²] = 0.125 ≤ L(0) = 1."""
    with pytest.raises(mpath.ConditionViolated, match=r"^condition 2 of SS16 Theorem 1 violated: L\(P\(W0\)\) = 0\.125 ≤ L\(0\) = 1\.0$") as info:
        mpath.RescaledPath(mpath.straight_path(net(0.5), net(0.6)), X, Y, "squared", 1)
    assert info.value.certificate == {"L0": 0.125, "L_zero": 1.0}


@pytest.mark.parametrize("delta, accepted", [(5e-13, True), (2e-12, False), (1e-12 + 100 * EPS, False)])
def test_the_solver_must_put_c0_at_1_within_64_ulps_plus_1e_12(monkeypatch, delta, accepted):
    """c(0) = 1 by condition 2 and convexity; RescaledPath checks the solver's c(0) against it with
    the tolerance 64·EPS·max(1, c0) + 10⁻¹² (far above brentq's 4·EPS·hi on a bracket [lo, hi] ⊂ [0, 2]).
    A solver that misses by more is a fault of the construction: ConditionViolated(2) with c0."""
    orig = mpath.Slice.increasing_branch_point

    def off(self, level, lam=float("nan")):
        c = orig(self, level, lam)
        return 1.0 + delta if lam == 0.0 else c

    monkeypatch.setattr(mpath.Slice, "increasing_branch_point", off)
    path = mpath.straight_path(net(2.0), net(0.6))
    if accepted:
        rp = mpath.RescaledPath(path, X, Y, "squared", 1)
        assert rp.c0_solver == 1.0 + delta and rp.scale(0.0) == 1.0  # the path still starts at W0 exactly
    else:
        with pytest.raises(mpath.ConditionViolated, match=r"c\(0\) = .* ≠ 1: W0 is not on the increasing branch") as info:
            mpath.RescaledPath(path, X, Y, "squared", 1)
        assert info.value.condition == 2 and info.value.certificate == {"c0": 1.0 + delta}


# ----------------------------------------------------------------------------- the grid
def test_the_default_grid_is_100_uniform_steps_and_a_finish_of_50():
    """W0: w = 2 → W1: w = 0.6 moves W̃ by < 1% per step of 1/100: no bisection."""
    mp = mpath.build_monotone_path(mpath.straight_path(net(2.0), net(0.6)), X, Y, "squared", 1)
    assert np.array_equal(mp.lambdas, np.linspace(0.0, 1.0, 101))
    assert mp.finish_scales.size == 51 and mp.finish_values.size == 51


def test_two_grid_points_are_enough():
    mp = mpath.build_monotone_path(mpath.straight_path(net(2.0), net(0.6)), X, Y, "squared", 1, grid=2, finish_grid=2)
    assert mp.lambdas[0] == 0.0 and mp.lambdas[-1] == 1.0 and mp.finish_scales.size == 3


def _reference_grid(rp, grid: int, rel_step: float, h_min: float) -> list[float]:
    """The documented rule, written out: every uniform step [a, b] is halved while W̃ moves by more
    than rel_step·max(‖W̃(a)‖, ‖W̃(b)‖) and b − a ≥ 2·h_min."""
    out = [0.0]

    def refine(a: float, b: float) -> None:
        pa, pb = mpath.flatten(rp.point(a)), mpath.flatten(rp.point(b))
        big = np.linalg.norm(pb - pa) > rel_step * max(np.linalg.norm(pa), np.linalg.norm(pb))
        if big and b - a >= 2 * h_min:
            mid = 0.5 * (a + b)
            refine(a, mid)
            refine(mid, b)
        else:
            out.append(b)

    lams = list(np.linspace(0.0, 1.0, grid + 1))
    for a, b in zip(lams, lams[1:]):
        refine(a, b)
    return out


@pytest.mark.parametrize("W0, W1, rel_step, h_min", [
    (2.0, 0.6, 0.01, 1e-6),   # bisected to 1 % steps
    (2.0, 0.6, 0.01, 0.1),    # quarter steps (≥ 2·h_min) halved once, not again (0.125 < 0.2)
    (8.0, 0.6, 0.02, 1e-6),   # ‖W̃‖ falls by a factor ≈ 4.5 along the path: max vs min norm matters
])
def test_the_grid_is_refined_by_the_documented_rule(W0, W1, rel_step, h_min):
    path = mpath.straight_path(net(W0), net(W1))
    mp = mpath.build_monotone_path(path, X, Y, "squared", 1, grid=4, finish_grid=3, rel_step=rel_step, h_min=h_min)
    rp = mpath.RescaledPath(path, X, Y, "squared", 1)
    assert np.array_equal(mp.lambdas, _reference_grid(rp, 4, rel_step, h_min))


def test_a_jump_next_to_a_zero_of_the_output_weight_is_certified_by_intervals():
    """Smooth path w(λ) = 2 − 1.4λ − 3·sin(πλ) (W0: w = 2, W1: w = 0.6, one bump of the output
    weight; hidden weight 1 throughout): w falls through 0 at λ* ≈ 0.18, where P(W^λ*) = 0, the slice
    is bounded and c(λ) → ∞. The grid cannot resolve the jump of W̃ there (c·w changes sign), and
    the interval certificate proves a zero of w in a bracket of width < 1e-11 next to it."""
    path = mpath.wiggly_path(net(2.0), net(0.6), [net(-3.0, 0.0)])
    lam_star = scipy.optimize.brentq(lambda l: 2.0 - 1.4 * l - 3.0 * math.sin(math.pi * l), 0.0, 0.5, xtol=1e-15)
    with pytest.raises(mpath.ConditionViolated, match=r"^condition 1 .* certified by interval arithmetic: a zero of "
                       r"last-layer entry \(0, 0\)") as info:
        mpath.build_monotone_path(path, X, Y, "squared", 1, grid=10)
    cert = info.value.certificate
    assert cert["lam_lo"] <= lam_star <= cert["lam_hi"] and cert["lam_hi"] - cert["lam_lo"] < 1e-11
    assert (cert["L_zero"], cert["L0"]) == (1.0, 5.0)
    step = re.search(r"next to the unresolved step \[(\S+), (\S+)\]$", str(info.value))
    a, b = float(step.group(1)), float(step.group(2))
    # the step is printed to 9 decimals; it is shorter than 2·h_min = 2e-6 and holds λ*
    assert 0 < b - a < 2e-6 + 2e-9 and a - 1e-9 <= lam_star <= b + 1e-9
