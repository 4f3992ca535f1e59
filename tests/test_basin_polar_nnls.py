"""NNLS as a polar-cone projection (numerics.basins.polar, used by SS16.Lemma1's squared-loss path).

What is checked: polar_nnls solves min_{c ≥ 0} ‖Mc − y‖² (hand cases, and against SciPy's
Lawson–Hanson with the NNLS optimality conditions checked directly); no columns gives an empty
solution; DAQP tolerances are tried in the documented order and a run where none is optimal
returns (None, the flags); a candidate breaking complementarity is polished onto the exact
least squares of its support, which is kept only when it stays positive.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from scipy.optimize import nnls

import numerics.basins.polar as polar
from numerics.basins.polar import PRIMAL_TOLS, polar_nnls


def test_no_columns_gives_the_empty_solution():
    c, why = polar_nnls(np.zeros((0, 3)), np.array([1.0, 2.0, 3.0]))
    assert c.shape == (0,) and why == ""


def test_identity_columns_clip_the_negative_target_entries():
    # min_{c ≥ 0} ‖c − y‖² with M = I: c = max(y, 0)
    c, why = polar_nnls(np.eye(3), np.array([1.0, -2.0, 0.5]))
    assert why == ""
    assert np.allclose(c, [1.0, 0.0, 0.5], atol=1e-12)  # exact up to DAQP's rounding


def test_one_column_is_the_clipped_projection_coefficient():
    # min_{c ≥ 0} ‖c·g − y‖²: c = max(⟨g, y⟩/‖g‖², 0)
    g = np.array([1.0, 2.0, 2.0])
    c, _ = polar_nnls(g[None, :], np.array([3.0, 0.0, 3.0]))
    assert c == pytest.approx([9.0 / 9.0], abs=1e-12)  # rounding only
    c, _ = polar_nnls(g[None, :], np.array([-3.0, 0.0, -3.0]))
    assert c == pytest.approx([0.0], abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k, m", [(4, 7), (12, 6)])
def test_solution_meets_the_nnls_optimality_conditions_and_equals_lawson_hanson(seed, k, m):
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(m, k))
    y = rng.normal(size=m)
    c, why = polar_nnls(M.T.copy(), y)
    assert why == "" and c.shape == (k,) and np.all(c >= 0)
    grad = M.T @ (M @ c - y)  # NNLS KKT: grad ≥ 0, c ⊥ grad
    scale = 1.0 + float(y @ y)
    assert grad.min() >= -1e-8 * scale  # DAQP's primal tolerance 1e-10 on Mᵀλ ≤ 0, with margin
    assert abs(float(c @ grad)) <= 1e-9 * scale  # polished complementarity (1e-10 relative) with margin
    c_ref, _ = nnls(M, y)
    assert np.linalg.norm(M @ c - y) == pytest.approx(np.linalg.norm(M @ c_ref - y), rel=1e-9, abs=1e-12)


def _fake_daqp(flags, lam):
    """A stand-in for daqp.solve returning the given exit flags in turn, recording the tolerances."""
    seen = []

    def solve(H, f, A, bupper, blower, primal_tol):
        seen.append(primal_tol)
        return None, None, flags[len(seen) - 1], {"lam": np.asarray(lam, dtype=float)}

    return solve, seen


def test_tolerances_are_tried_in_order_and_all_failing_gives_none_with_every_flag(monkeypatch):
    solve, seen = _fake_daqp([-1, -2, -3], [0.0, 0.0])
    monkeypatch.setattr(polar.daqp, "solve", solve)
    c, why = polar_nnls(np.eye(2), np.array([1.0, 2.0]))
    assert c is None and why == "DAQP exit flag -1, -2, -3"
    assert seen == list(PRIMAL_TOLS) == [1e-10, 1e-7, 1e-5]


def test_a_later_tolerance_that_is_optimal_gives_its_solution(monkeypatch):
    solve, seen = _fake_daqp([-1, 1, 1], [1.0, 2.0])
    monkeypatch.setattr(polar.daqp, "solve", solve)
    c, why = polar_nnls(np.eye(2), np.array([1.0, 2.0]))
    assert why == "" and np.array_equal(c, [1.0, 2.0]) and seen == [1e-10, 1e-7]


def test_negative_multipliers_are_clipped_to_zero(monkeypatch):
    # y = (1, −2): the exact solution (1, 0); DAQP's −1e-13 on the inactive column must not appear
    solve, _ = _fake_daqp([1], [1.0, -1e-13])
    monkeypatch.setattr(polar.daqp, "solve", solve)
    c, _ = polar_nnls(np.eye(2), np.array([1.0, -2.0]))
    assert np.array_equal(c, [1.0, 0.0])


def test_a_candidate_breaking_complementarity_is_polished_to_the_support_least_squares(monkeypatch):
    # columns (1, 0, 0) and (1, 1, 0), y = (1, 2, 3): the least squares on both columns is
    # c = (−1, 2) (not positive), on the support {1} alone it is ⟨(1,1,0), y⟩/2 = 3/2.
    MT = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    y = np.array([1.0, 2.0, 3.0])
    solve, _ = _fake_daqp([1], [0.0, 1.5 + 1e-6])  # off by 1e-6: complementarity ≈ 3e-6·… > 1e-10
    monkeypatch.setattr(polar.daqp, "solve", solve)
    c, _ = polar_nnls(MT, y)
    assert np.allclose(c, [0.0, 1.5], rtol=0, atol=1e-15)  # lstsq on one column: exact to rounding


def test_an_exactly_complementary_candidate_is_kept_as_is(monkeypatch):
    # same problem, candidate already optimal: ⟨Mc − y, Mc⟩ = 0 exactly, no polishing
    MT = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    y = np.array([1.0, 2.0, 3.0])
    solve, _ = _fake_daqp([1], [0.0, 1.5])
    monkeypatch.setattr(polar.daqp, "solve", solve)
    c, _ = polar_nnls(MT, y)
    assert np.array_equal(c, [0.0, 1.5])


def test_polishing_keeps_the_candidate_when_the_support_least_squares_is_not_positive():
    # support {0, 1}: its least squares c = (−1, 2) has a negative entry, so c is returned as is
    MT = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    y = np.array([1.0, 2.0, 3.0])
    c = np.array([0.2, 1.4])
    assert np.array_equal(polar._polish(MT, y, c), c)


def test_polishing_an_empty_support_or_one_larger_than_m_returns_the_candidate():
    MT = np.eye(2)
    y = np.array([1.0, 2.0])
    zero = np.zeros(2)
    assert np.array_equal(polar._polish(MT, y, zero), zero)
    # 3 columns in m = 2: the support's least squares is under-determined, not the NNLS optimum
    # (its minimum-norm least squares (2/3, 2/3, 4/3) is positive, yet not taken)
    MT3 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    c3 = np.array([0.5, 1.5, 0.5])
    assert np.array_equal(polar._polish(MT3, np.array([2.0, 2.0]), c3), c3)


def test_polishing_keeps_the_candidate_when_the_support_least_squares_has_a_zero():
    # identity columns, y = (0, 3): the support {0, 1} has the exact least squares (0, 3), which
    # is not > 0, so the candidate stays (a zero coefficient belongs to a smaller support)
    c = np.array([0.1, 3.0])
    assert np.array_equal(polar._polish(np.eye(2), np.array([0.0, 3.0]), c), c)


def test_polishing_a_support_of_exactly_m_columns_solves_it():
    # support of size m = 2 (the largest allowed): the square system is solved exactly
    MT = np.array([[1.0, 0.0], [1.0, 1.0]])
    y = np.array([1.0, 3.0])  # c0·(1, 0) + c1·(1, 1) = (1, 3): c = (−2, 3)
    assert np.array_equal(polar._polish(MT, y, np.array([0.1, 2.0])), [0.1, 2.0])  # −2 < 0: kept
    y2 = np.array([4.0, 3.0])  # c = (1, 3): positive, replaced
    assert np.allclose(polar._polish(MT, y2, np.array([0.9, 3.1])), [1.0, 3.0], rtol=0, atol=1e-14)


def _candidate_with_complementarity(target: float) -> np.ndarray:
    """c = (0, 1.5 + δ) for the columns (1, 0, 0), (1, 1, 0) and y = (1, 2, 3), with δ chosen so
    that |⟨Mc − y, Mc⟩| = (1.5 + δ)·2δ equals ``target`` (fixed point, to rounding)."""
    d = target / 3
    for _ in range(8):
        d = target / (2 * (1.5 + d))
    return np.array([0.0, 1.5 + d])


@pytest.mark.parametrize("target, polished", [(1.2e-9, False), (1.55e-9, True)])
def test_polishing_starts_exactly_above_the_documented_complementarity_threshold(monkeypatch, target, polished):
    """Polished iff |⟨Mc − y, Mc⟩| > 1e-10·(1 + ‖y‖²) = 1.5e-9 here (‖y‖² = 14): 1.2e-9 stays,
    1.55e-9 (3 % above the threshold) is replaced by the support's exact least squares (0, 1.5)."""
    MT = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    y = np.array([1.0, 2.0, 3.0])
    cand = _candidate_with_complementarity(target)
    p = cand @ MT
    assert abs(float((p - y) @ p)) == pytest.approx(target, rel=1e-6)  # the construction itself
    solve, _ = _fake_daqp([1], cand)
    monkeypatch.setattr(polar.daqp, "solve", solve)
    c, _ = polar_nnls(MT, y)
    if polished:
        assert np.allclose(c, [0.0, 1.5], rtol=0, atol=1e-15)
    else:
        assert np.array_equal(c, cand)


def test_the_module_keeps_the_documented_flag_and_tolerance_order(monkeypatch):
    """DAQP's protocol as documented in the module: exit flag 1 is "optimal" (DAQP's
    documentation), any other flag moves on to the next tolerance, in the order 1e-10, 1e-7, 1e-5."""
    mod = importlib.import_module("numerics.basins.polar")
    solve, seen = _fake_daqp([2, 0, 1], [1.0, 2.0])
    monkeypatch.setattr(mod.daqp, "solve", solve)
    c, why = mod.polar_nnls(np.eye(2), np.array([1.0, 2.0]))
    assert why == "" and np.array_equal(c, [1.0, 2.0])
    assert seen == [1e-10, 1e-7, 1e-5]
    solve, seen = _fake_daqp([1], [1.0, 2.0])
    monkeypatch.setattr(mod.daqp, "solve", solve)
    assert mod.polar_nnls(np.eye(2), np.array([1.0, 2.0]))[1] == "" and seen == [1e-10]
