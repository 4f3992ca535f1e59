"""The rules inside numerics.basins.arrangement's exact global minimum (SS16 Def. 2; the
enumeration behind every "global minimum" of the ledger): region-count edges, the closed cones'
rays, the canonical region order, the per-sample coverage costs (the pruning bound), the KKT
acceptance of a Lawson–Hanson answer, and the agreement tolerance with the certified value.

Oracles: hand counts; the definition of the closed cone; brute-force minimisation of ℓ(p, y) over
a fine grid of each half-line; and, for the two acceptance rules, Lawson–Hanson answers replaced
by hand-made ones (monkeypatched ``nnls`` / ``basin_value``) whose KKT residuals are computed
here exactly, so each rule is probed just inside and just outside its documented threshold.
"""

from __future__ import annotations

import numpy as np
import pytest

import numerics.basins.arrangement as arr_mod
from numerics.basins import SolverError
from numerics.basins.arrangement import (
    _coverage_costs,
    _set_value_nnls,
    enumerate_regions,
    expected_region_count,
    global_minimum,
)

# probes sit 8 % inside / outside a threshold: far above the rounding of the few float operations
# that compute the residual (relative 1e-15), far below the factor a loosened rule would move it
INSIDE, OUTSIDE = 0.92, 1.08


# ------------------------------------------------------------------ expected_region_count
@pytest.mark.parametrize("m, r, count", [(1, 1, 2), (1, 3, 2), (2, 1, 2), (3, 2, 6), (4, 3, 14)])
def test_region_count_formula_at_its_smallest_arguments(m, r, count):
    # 2·Σ_{k<r} C(m−1, k): one hyperplane has 2 sides whatever r; rank 1 always gives 2 regions
    assert expected_region_count(m, r) == count


@pytest.mark.parametrize("m, r", [(0, 1), (1, 0), (-1, 2)])
def test_region_count_refuses_m_or_r_below_one(m, r):
    with pytest.raises(ValueError, match="m, r: need m ≥ 1 and r ≥ 1"):
        expected_region_count(m, r)


# ------------------------------------------------------------------ rays and regions
def test_rays_of_an_unconstrained_sign_vector_are_all_rays():
    # a_t = 0 imposes nothing: the closed cone {w : a_t⟨w, x_t⟩ ≥ 0 ∀t} is the whole space
    arr = enumerate_regions(np.random.default_rng(3).normal(size=(5, 3)))
    assert arr.rays_of(np.zeros(5)).tolist() == list(range(arr.rays.shape[0]))
    a = np.zeros(5)
    a[2] = 1.0  # one half-space: exactly the rays on its closed side
    assert arr.rays_of(a).tolist() == np.flatnonzero(arr.ray_signs[:, 2] >= 0).tolist()


def test_regions_come_in_lexicographic_order_of_their_sign_vectors():
    # the canonical order (independent of the insertion order of the incremental enumeration)
    X = np.random.default_rng(8).normal(size=(5, 3))
    pats = [tuple(int(s) for s in p) for p in enumerate_regions(X).patterns]
    assert pats == sorted(pats) and len(pats) == expected_region_count(5, 3)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_witnesses_are_interior_by_the_normalised_margin_at_every_scale(scale):
    # x₁ is nearly orthogonal to x₀, so x̂₀ itself lies 1e-11 from x₁'s hyperplane: a witness
    # must still sit INTERIOR_MARGIN inside every cone in the scale-free sense
    # a_t⟨w, x_t⟩ / (‖w‖ ‖x_t‖) > INTERIOR_MARGIN (the LP's own normalisation, ‖w‖ ≤ ‖w‖_∞ √d)
    X = scale * np.array([[1.0, 0.0], [1e-11, 1.0], [1.0, 1.0]])
    arr = enumerate_regions(X)
    assert arr.n_regions == 6
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    W = arr.witnesses / np.linalg.norm(arr.witnesses, axis=1, keepdims=True)
    margins = (arr.patterns * (W @ Xn.T)).min(axis=1)
    assert margins.min() > 1e-9 * 1e3, margins  # the regions here are wide: margins ≫ the 1e-9 floor


# ------------------------------------------------------------------ coverage costs
def _inf_on(loss_fn, y: float, lo: float, hi: float) -> float:
    """min of ℓ(p, y) over a grid of [lo, hi] (step 1e-4; every infimum here is at a grid point
    or approached at an end of the grid, within 1e-3 of it)."""
    p = np.linspace(lo, hi, 200_001)
    return float(loss_fn(p, y).min())


_LOSSES = {
    "squared": lambda p, y: (p - y) ** 2,
    "absolute": lambda p, y: np.abs(p - y),
    "logistic": lambda p, y: np.log1p(np.exp(-y * p)),
    "hinge": lambda p, y: np.maximum(0.0, 1.0 - y * p),
}


@pytest.mark.parametrize("loss", sorted(_LOSSES))
def test_coverage_costs_are_the_infima_over_each_half_line(loss):
    # c[t, k] = inf ℓ(p, y_t) over p = 0, p ≥ 0, p ≤ 0, p ∈ R (ℓ(p, y) → its infimum as p → ±∞
    # for logistic: the grid's end ±20 is within e⁻²⁰ ≈ 2e-9 of it)
    y = np.array([0.5, -3.0, 1.0, -1.0]) if loss in ("squared", "absolute") else np.array([1.0, -1.0, 1.0])
    got = _coverage_costs(loss, y)
    fn = _LOSSES[loss]
    for t, yt in enumerate(y):
        want = [float(fn(np.array([0.0]), yt)[0]), _inf_on(fn, yt, 0.0, 20.0), _inf_on(fn, yt, -20.0, 0.0),
                _inf_on(fn, yt, -20.0, 20.0)]
        assert got[t] == pytest.approx(want, abs=1e-8), (loss, yt)


# ------------------------------------------------------------------ the NNLS answer's KKT check
def _fake_nnls(monkeypatch, c):
    monkeypatch.setattr(arr_mod, "nnls", lambda cols, y, maxiter: (np.asarray(c, dtype=float), 0.0))


def test_an_exact_lawson_hanson_answer_is_accepted_with_its_value():
    cols, y = np.eye(2), np.array([1.0, -1.0])  # optimum c = (1, 0): residual (0, 1), value 1/2
    assert _set_value_nnls(cols, y) == 0.5


@pytest.mark.parametrize("factor, accepted", [(INSIDE, True), (OUTSIDE, False)])
def test_complementarity_is_checked_to_1e9_relative(monkeypatch, factor, accepted):
    # cols = I, y = (1, −1), answer c = (1, ε): p = (1, ε), λ = (2/m)(p − y) = (0, 1 + ε), Colsᵀλ ≥ 0;
    # rule: |λᵀp| = ε(1 + ε) ≤ 1e-9·s·(1 + ‖p‖∞) with s = 1 + ‖λ‖∞(1 + ‖cols‖∞) = 3 + 2ε,
    # i.e. ε(1 + ε) ≤ 2e-9(3 + 2ε): threshold ε* ≈ 6e-9
    eps = factor * 6e-9
    _fake_nnls(monkeypatch, [1.0, eps])
    got = _set_value_nnls(np.eye(2), np.array([1.0, -1.0]))
    if accepted:
        assert got == pytest.approx((1 + eps) ** 2 / 2, rel=1e-15)  # r·r/m: three float operations
    else:
        assert got is None


@pytest.mark.parametrize("factor, accepted", [(INSIDE, True), (OUTSIDE, False)])
def test_dual_feasibility_is_checked_to_1e9_relative(monkeypatch, factor, accepted):
    # cols = [e₁ e₂] in R³, y = (1, δ, −750), answer c = (1, 0) (optimum: c = (1, δ)):
    # p = (1, 0, 0), λ = (2/3)(0, −δ, 750), λᵀp = 0, min Colsᵀλ = −2δ/3;
    # rule: 2δ/3 ≤ 1e-9·s, s = 1 + 500·(1 + 1) = 1001: threshold δ* = 1.5·1.001e-6
    cols = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    delta = factor * 1.5 * 1.001e-6
    _fake_nnls(monkeypatch, [1.0, 0.0])
    got = _set_value_nnls(cols, np.array([1.0, delta, -750.0]))
    if accepted:
        assert got == pytest.approx((delta**2 + 750.0**2) / 3, rel=1e-15)  # r·r/m: a few float operations
    else:
        assert got is None


def test_a_lawson_hanson_answer_of_zero_is_refused_when_a_column_helps(monkeypatch):
    _fake_nnls(monkeypatch, [0.0, 0.0])
    assert _set_value_nnls(np.eye(2), np.array([1.0, -1.0])) is None


def test_generic_data_never_needs_the_convex_program_fallback(monkeypatch):
    # the fast path certifies on its own: every candidate set's NNLS answer passes KKT, the count
    # says so, and the convex program runs once, for the final certification only
    calls = []
    real = arr_mod.basin_value
    monkeypatch.setattr(arr_mod, "basin_value", lambda *a, **k: calls.append(k) or real(*a, **k))
    for seed in range(3):
        rng = np.random.default_rng(11 + seed)
        X, y = rng.normal(size=(6, 2)), rng.normal(size=6)
        gm = global_minimum(X, y, 2)
        assert gm.n_solved >= 2 and gm.n_fallback == 0
    assert [k.get("cache", True) for k in calls] == [True] * 3


def test_every_refused_nnls_answer_is_counted_and_re_solved(monkeypatch):
    rng = np.random.default_rng(11)
    X, y = rng.normal(size=(6, 2)), rng.normal(size=6)
    want = global_minimum(X, y, 2)
    # c = 0 never passes KKT when some column helps (every set here has one)
    monkeypatch.setattr(arr_mod, "nnls", lambda cols, y_, maxiter: (np.zeros(cols.shape[1]), 0.0))
    got = global_minimum(X, y, 2)
    assert got.n_fallback == got.n_solved >= 1
    assert got.value == pytest.approx(want.value, abs=1e-7)  # both certified by Clarabel (1e-8 gap)


def test_losses_without_nnls_report_no_fallback():
    # absolute loss: every set is the convex program by design, not a fallback
    gm = global_minimum(np.array([[1.0], [-1.0]]), np.array([1.0, -2.0]), 1, loss="absolute")
    assert gm.n_solved >= 1 and gm.n_fallback == 0


# ------------------------------------------------------------------ agreement with the certified value
def _shift_certified(monkeypatch, delta):
    real = arr_mod.basin_value

    def shifted(*a, **k):
        bm = real(*a, **k)
        return type(bm)(**{**bm.__dict__, "value": bm.value + delta})

    monkeypatch.setattr(arr_mod, "basin_value", shifted)


def _large_value_data():
    # width 1 cannot fit targets of both signs on both sides: the minimum is ≈ 10⁴ ≫ 1
    X = np.array([[1.0], [-1.0], [2.0], [-2.0]])
    y = 100.0 * np.array([1.0, -1.0, -1.5, 2.0])
    return X, y


@pytest.mark.parametrize("factor, raises", [(0.5, False), (2.0, True)])
def test_agreement_tolerance_scales_with_the_value(monkeypatch, factor, raises):
    X, y = _large_value_data()
    best = global_minimum(X, y, 1).enumeration_value
    assert best > 1e3
    tol = 1e-6 * (1.0 + best)
    _shift_certified(monkeypatch, factor * tol)
    if raises:
        with pytest.raises(SolverError, match="disagree by more than"):
            global_minimum(X, y, 1)
    else:
        gm = global_minimum(X, y, 1)
        assert gm.value == pytest.approx(best + factor * tol, rel=1e-9)  # certified value ≈ best to 1e-8 (Clarabel gap), shift 1e-6·best


@pytest.mark.parametrize("delta, raises", [(0.5e-6, False), (1.5e-6, True)])
def test_agreement_tolerance_is_1e6_absolute_at_a_zero_minimum(monkeypatch, delta, raises):
    X, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, 2.0])  # two neurons interpolate
    assert global_minimum(X, y, 2).enumeration_value == pytest.approx(0.0, abs=1e-12)  # NNLS of an exact fit: rounding only
    _shift_certified(monkeypatch, delta)
    if raises:
        with pytest.raises(SolverError, match="disagree by more than 1.0e-06"):
            global_minimum(X, y, 2)
    else:
        assert global_minimum(X, y, 2).value == pytest.approx(delta, abs=1e-9)  # Clarabel's value at an exact fit: ≤ 1e-9 here, ≪ δ


def test_brute_force_sign_vectors_match_in_a_degenerate_rank_one_case():
    # rank 1: every point is ±x₀, so only the two sign vectors (sign⟨x_t, x₀⟩)_t and their negation
    X = np.array([[1.0, 2.0], [-2.0, -4.0], [0.5, 1.0]])
    pats = {tuple(int(s) for s in p) for p in enumerate_regions(X).patterns}
    assert pats == {(1, -1, 1), (-1, 1, -1)}
    assert expected_region_count(3, 1) == 2 == len(pats)


# ------------------------------------------------------------------ the pruning bound's tightness
@pytest.mark.parametrize("y", [[1.0, 1.0], [-1.0, -1.0]])
def test_the_coverage_bound_prunes_every_set_after_the_first(y):
    # X = (1, −1): regions {w > 0} (signs +, −) and {w < 0} (−, +); candidates (region, ±1).
    # Width 1, targets of one sign s: a neuron of sign s covers its own sample (cost 0) and leaves
    # the other at p = 0 (cost 1): bound 1/2, the exact value; a neuron of sign −s costs 1 on both:
    # bound 1. The first set solved reaches 1/2, so the other three (bounds ≥ 1/2) are pruned.
    gm = global_minimum(np.array([[1.0], [-1.0]]), np.array(y), 1)
    assert gm.n_sets == 4 and gm.n_candidates == 4
    assert gm.enumeration_value == pytest.approx(0.5, abs=1e-12)  # NNLS on two samples: rounding only
    assert gm.n_solved == 1
