"""Sign patterns and basin emptiness (numerics.basins.patterns; SS16 Def. 2, SS16.Def2-indexing).

What is checked: the interior LP's documented box (‖w‖_∞ ≤ 1, s ≤ 1) by hand values of its
margin; the emptiness threshold INTERIOR_MARGIN = 1e-9 from both sides; a HiGHS failure is a
SolverError, never an answer; basin_is_nonempty needs *every* row; the boundary test of
sign_pattern / sign_patterns is the dot product's rounding bound d·ε·Σ|w_i x_i| (scaled data:
inside it is a boundary, just outside it is not); the non-emptiness cache evicts its oldest entry.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

import numerics.basins.patterns as pat
from numerics.basins import BoundaryError, SolverError, basin_is_nonempty, interior_margin, sign_pattern, sign_patterns
from numerics.basins.value import clear_caches

EPS = np.finfo(float).eps


def test_interior_margin_box_binds_on_each_side():
    # x̂_0 = (1, 0), x̂_1 = (−1, 1)/√2, a = (+, +): max s with w_1 ≥ s, (w_2 − w_1)/√2 ≥ s, |w| ≤ 1:
    # w_2 = 1 at the box, w_1 = s, (1 − s)/√2 = s ⇒ s* = 1/(1 + √2); a = (−, −) is its mirror
    # image (w_2 = −1, the lower end of the box)
    X = np.array([[1.0, 0.0], [-1.0, 1.0]])
    for a in ([1, 1], [-1, -1]):
        s, w = interior_margin(X, a)
        assert s == pytest.approx(1.0 / (1.0 + math.sqrt(2.0)), rel=1e-9)  # HiGHS's optimality tolerance
        assert np.all(np.array(a) * (X @ w) > 0) and np.max(np.abs(w)) <= 1.0 + 1e-12


def test_interior_margin_is_capped_at_one():
    # x̂ = (1, 1)/√2 and w = (1, 1) give ⟨w, x̂⟩ = √2 > 1: the cap s ≤ 1 binds
    s, _ = interior_margin(np.array([[1.0, 1.0]]), [1])
    assert s == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("theta, nonempty", [(6e-9, True), (1.5e-9, False)])
@pytest.mark.parametrize("sign", [1, -1])
def test_emptiness_threshold_is_the_documented_margin_1e_9(theta, nonempty, sign):
    """x_0 = (1, 0), x_1 = (−1, θ): the LP margin of the row ±(1, 1, 1) is θ/2 (3e-9 and 7.5e-10
    here; the box ‖w‖_∞ ≤ 1 binds at w_2 = ±1), kept above INTERIOR_MARGIN = 1e-9 and treated as
    empty below it — checked on fresh instances of the module (empty caches): the row alone
    (its own LP), and with a wide second row (the joint LP, then row by row), the data scaled
    by 1000 (margins are computed on normalised rows, so the answer must not change)."""
    X = np.array([[1.0, 0.0], [-1.0, theta], [0.3, 1.0]])
    a = sign * np.array([1, 1, 1])
    mod = importlib.import_module("numerics.basins.patterns")
    assert mod.interior_margin(X, a)[0] == pytest.approx(theta / 2, rel=0.05, abs=0)  # θ/2 can be tiny: no absolute slack
    assert mod.basin_is_nonempty(X, a[None], np.array([1])) is nonempty
    A2 = np.array([a, [1, -1, 1]])
    for scale in (1.0, 1000.0):
        mod = importlib.import_module("numerics.basins.patterns")
        assert mod.basin_is_nonempty(scale * X, A2, np.array([1, -1])) is nonempty


def test_canonical_pattern_merges_equal_neurons_and_sorts_rows_with_b_first():
    A = np.array([[1, -1, 1], [-1, 1, 1], [1, -1, 1], [1, 1, -1], [-1, 1, 1], [-1, -1, -1]])
    b = np.array([1, -1, 1, 1, 1, 1])
    Ac, bc, rep, group = pat.canonical_pattern(A, b)
    # five distinct rows (b | A), sorted lexicographically with b first:
    # (−1|−1,1,1) < (1|−1,−1,−1) < (1|−1,1,1) < (1|1,−1,1) [twice] < (1|1,1,−1)
    assert bc.tolist() == [-1, 1, 1, 1, 1]
    assert Ac.tolist() == [[-1, 1, 1], [-1, -1, -1], [-1, 1, 1], [1, -1, 1], [1, 1, -1]]
    assert group.tolist() == [3, 0, 3, 4, 2, 1] and rep.tolist() == [0, 1, 2, 3, 4]
    assert np.array_equal(Ac[group], A) and np.array_equal(bc[group], b)


def test_every_row_must_be_realisable():
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])  # x_0, x_1 on the same ray
    good = [1, 1, 1]
    bad = [1, -1, 1]  # sign⟨w, x_0⟩ ≠ sign⟨w, 2x_0⟩: empty
    cases = [([good, good], True), ([good, bad], False), ([bad, good], False), ([bad], False),
             ([good, [-1, -1, 1], bad], False)]
    for rows, expected in cases:
        clear_caches()  # every row uncached: the joint LP is tried first for two or more rows
        assert basin_is_nonempty(X, np.array(rows), np.ones(len(rows), dtype=int)) is expected
    clear_caches()


@pytest.mark.parametrize("status", [1, 2, 4])
def test_a_failed_interior_lp_is_a_solver_error(monkeypatch, status):
    class Res:
        fun = -1.0
        x = np.zeros(3)
        message = "forced"

    Res.status = status
    monkeypatch.setattr(pat, "linprog", lambda *a, **k: Res())
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(SolverError, match=f"interior LP: HiGHS status {status} \\(forced\\)"):
        interior_margin(X, [1, 1])
    clear_caches()
    with pytest.raises(SolverError, match=f"interior LP: HiGHS status {status}"):
        basin_is_nonempty(X, np.array([[1, 1], [1, -1]]), np.array([1, 1]))  # the joint LP
    clear_caches()


def test_points_within_the_rounding_bound_are_on_a_boundary_and_just_outside_are_not():
    """x = (1000, 1000), w = (1, −1 + 2⁻⁵²): the computed ⟨w, x⟩ ≈ 2.3e-13 is non-zero but below
    the rounding bound d·ε·Σ|w_i x_i| = 2·ε·2000 ≈ 8.9e-13 — a boundary (a bound that did not scale
    with |w||x| would call it a sign). w = (1, −1 + 2⁻³⁰) gives ⟨w, x⟩ ≈ 9.3e-7 ≫ the bound: a sign."""
    X = np.array([[1000.0, 1000.0], [1.0, -2.0]])
    w_on = np.array([[1.0, -1.0 + 2.0**-52]])
    z = float((w_on @ X.T)[0, 0])
    assert 1e-13 < z < 2 * EPS * 2000.0
    with pytest.raises(BoundaryError, match="W: ⟨w_0, x_0⟩"):
        sign_pattern(w_on, np.array([1.0]), X)
    with pytest.raises(BoundaryError, match="Ws: point 1: ⟨w_0, x_0⟩"):
        sign_patterns(np.stack([np.array([[1.0, 0.25]]), w_on]), np.ones((2, 1)), X)
    w_off = np.array([[1.0, -1.0 + 2.0**-30]])
    A, b = sign_pattern(w_off, np.array([-2.0]), X)
    assert A.tolist() == [[1, 1]] and b.tolist() == [-1]
    As, bs = sign_patterns(w_off[None], np.array([[-2.0]]), X)
    assert As.tolist() == [[[1, 1]]] and bs.tolist() == [[-1]]


def test_boundary_errors_name_the_first_offending_point_and_neuron():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    Ws = np.array([[[1.0, 1.0], [1.0, 2.0]], [[1.0, 1.0], [0.0, 1.0]]])  # point 1, neuron 1, x_0
    with pytest.raises(BoundaryError, match=r"Ws: point 1: ⟨w_1, x_0⟩ = "):
        sign_patterns(Ws, np.ones((2, 2)), X)
    vs = np.array([[1.0, 2.0], [3.0, 0.0]])
    with pytest.raises(BoundaryError, match=r"vs: point 1: v_1 = 0"):
        sign_patterns(np.ones((2, 2, 2)), vs, X)
    with pytest.raises(BoundaryError, match=r"v: v_1 = 0"):
        sign_pattern(np.ones((2, 2)), np.array([1.0, 0.0]), X)


def test_the_non_emptiness_cache_evicts_its_oldest_entries(monkeypatch):
    monkeypatch.setattr(pat, "_CACHE_SIZE", 2)
    clear_caches()
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    rows = [[1, 1, 1], [1, -1, 1], [-1, 1, 1]]  # all realisable
    for r in rows:  # one uncached row per call: decided alone, then cached
        assert basin_is_nonempty(X, np.array([r]), np.array([1]))
    keys = [k[1] for k in pat._NONEMPTY_CACHE]
    assert keys == [np.array(r, dtype=np.int64).tobytes() for r in rows[1:]]
    # the joint path evicts the same way
    clear_caches()
    assert basin_is_nonempty(X, np.array(rows), np.array([1, 1, 1]))
    assert len(pat._NONEMPTY_CACHE) == 2
    assert [k[1] for k in pat._NONEMPTY_CACHE] == [np.array(r, dtype=np.int64).tobytes() for r in rows[1:]]
    clear_caches()
