"""Limits and small exact cases of the arrangement machinery (numerics.basins.rays,
numerics.basins.arrangement; SS16 Def. 2, Lemma 1, global minimum by enumeration).

What is checked: the NNLS-over-rays path refuses m > 62 samples and too many ray candidates
with a ValueError naming its argument (m = 62 still works); DAQP without an optimal projection
sends the basin to Clarabel, which says so; rays_affordable's two documented conditions; the
per-sample coverage costs of every built-in loss by hand; global_minimum pads a width larger than
the candidate count, refuses too many candidate sets, accepts a user loss, and raises when the
certified value disagrees with the enumeration.
"""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest

import numerics.basins.arrangement as arr_mod
import numerics.basins.rays as rays_mod
from numerics.basins import SolverError, basin_value, global_minimum, sign_pattern
from numerics.basins.arrangement import MAX_SETS, _coverage_costs
from numerics.basins.rays import RAY_LIMIT, _rays, rays_affordable

# Clarabel stops at a 1e-8 gap: 1e-7 is the engine's agreement target
AGREE = 1e-7


def _line_data(m: int, seed: int = 0):
    """m points in R² (rank 2), a random basin on them."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 2))
    y = rng.normal(size=m)
    A, b = sign_pattern(rng.normal(size=(2, 2)), np.array([1.0, -1.0]), X)
    return X, y, A, b


def test_nnls_path_takes_up_to_62_samples_and_refuses_63():
    X, y, A, b = _line_data(62)
    nn = basin_value(X, y, A, b, method="nnls", cache=False)
    di = basin_value(X, y, A, b, method="direct", cache=False)
    assert nn.value == pytest.approx(di.value, abs=AGREE)
    assert nn.certificate.solver.startswith("NNLS over arrangement rays")
    X, y, A, b = _line_data(63)
    with pytest.raises(ValueError, match=r"method: 'nnls' needs m ≤ 62 samples"):
        basin_value(X, y, A, b, method="nnls", cache=False)


def test_too_many_ray_candidates_are_refused_before_any_work():
    # rank r = 8 with m = 30: C(30, 7) = 2 035 800 candidate subsets > 2 000 000
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 8))
    y = rng.normal(size=30)
    A, b = sign_pattern(rng.normal(size=(1, 8)), np.array([1.0]), X)
    with pytest.raises(ValueError, match=r"X: C\(m, r−1\) = 2035800 ray candidates is too many"):
        basin_value(X, y, A, b, method="nnls", cache=False)


def test_rank_two_data_with_2000001_samples_is_refused():
    """C(m, 1) = m for rank 2: 2 000 001 samples is one candidate beyond the documented limit
    (the check comes first, so nothing is enumerated)."""
    m = 2_000_001
    X = np.ones((m, 2))
    X[:, 1] = np.arange(m, dtype=float)
    with pytest.raises(ValueError, match=r"X: C\(m, r−1\) = 2000001 ray candidates"):
        _rays(X, X, np.eye(2), 2)


def test_rays_are_affordable_up_to_62_samples_and_ray_limit_subsets():
    assert rays_affordable(np.ones((62, 2)))
    assert not rays_affordable(np.ones((63, 2)))
    # d = 3 (r − 1 = 2): C(m, 2) ≤ RAY_LIMIT = 20 000 ⇔ m ≤ 200, so rank is not what decides but
    # the m ≤ 62 bound; at d = 5 (C(m, 4)): C(27, 4) = 17 550 ≤ 20 000 < C(28, 4) = 20 475
    assert RAY_LIMIT == 20_000
    assert rays_affordable(np.ones((27, 5))) and not rays_affordable(np.ones((28, 5)))
    assert math.comb(27, 4) <= RAY_LIMIT < math.comb(28, 4)
    # d ≥ m: min(d, m) − 1 = m − 1 subsets of size m − 1: C(m, m − 1) = m
    assert rays_affordable(np.ones((5, 9)))


def test_auto_path_uses_clarabel_when_rays_are_not_affordable():
    # d = 4 (r − 1 = 3): C(51, 3) = 20 825 > RAY_LIMIT, so "auto" goes to Clarabel directly (no
    # ray is enumerated); small data take the NNLS path
    rng = np.random.default_rng(2)
    X = rng.normal(size=(51, 4))
    y = rng.normal(size=51)
    A, b = sign_pattern(rng.normal(size=(2, 4)), np.array([1.0, 1.0]), X)
    assert basin_value(X, y, A, b, cache=False).certificate.solver.startswith("CLARABEL (direct")
    X2, y2 = X[:6], y[:6]
    assert basin_value(X2, y2, A[:, :6], b, cache=False).certificate.solver.startswith("NNLS over arrangement rays")
    assert basin_value(X2, y2, A[:, :6], b, "absolute", cache=False).certificate.solver.startswith("CLARABEL (via CVXPY")


def test_daqp_without_an_optimal_projection_is_re_solved_by_clarabel(monkeypatch):
    X, y, A, b = _line_data(7, seed=3)
    ref = basin_value(X, y, A, b, method="direct", cache=False)
    monkeypatch.setattr(rays_mod, "polar_nnls", lambda MT, y_: (None, "DAQP exit flag -1, -1, -1"))
    bm = basin_value(X, y, A, b, method="nnls", cache=False)
    assert "NNLS certificate failed, re-solved: NNLS over rays: DAQP exit flag -1, -1, -1" in bm.certificate.solver
    assert bm.value == pytest.approx(ref.value, abs=AGREE)


def test_coverage_costs_of_each_builtin_loss_by_hand():
    """c[t, k] = inf of ℓ(p, y_t) over p = 0, p ≥ 0, p ≤ 0, p ∈ R (k = 0, 1, 2, 3)."""
    y = np.array([2.0, -3.0])
    assert _coverage_costs("squared", y).tolist() == [[4.0, 0.0, 4.0, 0.0], [9.0, 9.0, 0.0, 0.0]]
    assert _coverage_costs("absolute", y).tolist() == [[2.0, 0.0, 2.0, 0.0], [3.0, 3.0, 0.0, 0.0]]
    yl = np.array([1.0, -1.0])
    l2 = math.log(2.0)
    assert np.allclose(_coverage_costs("logistic", yl), [[l2, 0.0, l2, 0.0], [l2, l2, 0.0, 0.0]], rtol=0, atol=1e-15)
    assert _coverage_costs("hinge", yl).tolist() == [[1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0]]
    assert _coverage_costs(lambda p, y_: cp.square(p - y_), y) is None


def test_global_minimum_pads_a_width_beyond_the_candidates():
    # one sample x = 1: regions {w > 0}, {w < 0}; candidates (region +, sign ±): 2 < width 3
    gm = global_minimum(np.array([[1.0]]), np.array([2.0]), 3)
    assert gm.value == pytest.approx(0.0, abs=AGREE) and gm.enumeration_value == pytest.approx(0.0, abs=1e-12)
    assert gm.A.shape == (3, 1) and gm.b.shape == (3,) and gm.width == 3
    assert gm.n_candidates == 2 and gm.n_sets == 1 and gm.n_regions == 2
    assert np.array_equal(gm.A[2], gm.A[0]) and gm.b[2] == gm.b[0]  # the padding repeats the first


def test_global_minimum_refuses_too_many_candidate_sets():
    # m = 8 points in general position in R²: 16 regions, 15 with a positive sample, 30 candidates;
    # C(30, 8) = 5 852 925 > MAX_SETS = 5 000 000 (width 7: C(30, 7) = 2 035 800 is allowed)
    rng = np.random.default_rng(4)
    X = rng.normal(size=(8, 2))
    y = rng.normal(size=8)
    assert MAX_SETS == 5_000_000
    with pytest.raises(ValueError, match=r"width: 5852925 candidate sets \(C\(30, 8\)\) exceed 5000000"):
        global_minimum(X, y, 8)


def test_global_minimum_with_a_user_loss_solves_every_set():
    # no coverage bound for a user loss: every candidate set is solved (no pruning)
    gm = global_minimum(np.array([[1.0]]), np.array([2.0]), 1, loss=lambda p, y_: cp.square(p - y_))
    assert gm.value == pytest.approx(0.0, abs=1e-6)  # Clarabel through CVXPY: 1e-8 gap, margin ×100
    assert gm.n_solved == gm.n_sets == 2


def test_global_minimum_raises_when_the_certified_value_disagrees(monkeypatch):
    X, y = np.array([[1.0], [-1.0]]), np.array([2.0, 1.0])
    real = arr_mod.basin_value

    def shifted(*a, **k):
        bm = real(*a, **k)
        return type(bm)(**{**bm.__dict__, "value": bm.value + 1e-3})

    monkeypatch.setattr(arr_mod, "basin_value", shifted)
    with pytest.raises(SolverError, match="global minimum: enumeration value .* disagree by more than"):
        global_minimum(X, y, 2)
