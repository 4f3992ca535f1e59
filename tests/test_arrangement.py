"""Unit tests of numerics.basins.arrangement: region enumeration and exact global minima.

Region counts are compared with 2·Σ_{k<r} C(m−1, k) for points in general position (also when
rank X < d), and with brute force over all 2^m sign vectors; the global minimum is compared with
brute force over all basins (absolute loss), with the singleton closed form, and with the basin
values of random initialisations (which can never be lower).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from numerics.basins.arrangement import enumerate_regions, expected_region_count, global_minimum
from numerics.basins import basin_is_nonempty, basin_value, basin_value_at
from numerics.basins.singleton import singleton_global_minimum
from overspec.testing import assert_close


@pytest.mark.parametrize("m, d", [(6, 2), (8, 3), (10, 3), (7, 4), (5, 5)])
def test_region_count_matches_general_position_formula(m, d):
    X = np.random.default_rng(m * 10 + d).normal(size=(m, d))
    arr = enumerate_regions(X)
    assert arr.rank == min(m, d)
    assert arr.n_regions == expected_region_count(m, arr.rank)
    assert len({tuple(p) for p in arr.patterns}) == arr.n_regions  # distinct
    assert np.all(arr.patterns * (arr.witnesses @ X.T) > 0)  # every witness strictly inside


def test_region_count_uses_the_rank_for_low_rank_data():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(9, 2)) @ rng.normal(size=(2, 4))  # 9 points spanning a plane in R^4
    arr = enumerate_regions(X)
    assert arr.rank == 2 and arr.n_regions == expected_region_count(9, 2) == 18


def test_regions_equal_brute_force_over_all_sign_vectors():
    X = np.random.default_rng(21).normal(size=(6, 3))
    brute = {a for a in itertools.product((-1, 1), repeat=6) if basin_is_nonempty(X, np.array([a]), np.array([1]))}
    assert brute == {tuple(int(s) for s in p) for p in enumerate_regions(X).patterns}


def test_rays_generate_the_closed_cones():
    X = np.random.default_rng(2).normal(size=(7, 3))
    arr = enumerate_regions(X)
    for a, w in zip(arr.patterns, arr.witnesses):
        R = arr.rays[arr.rays_of(a)]
        assert len(R) >= 3  # a pointed cone in R^3 has ≥ 3 extreme rays
        assert np.all(a * (R @ X.T) >= -1e-9)


def test_expected_region_count_refuses_bad_arguments():
    with pytest.raises(ValueError, match="m, r"):
        expected_region_count(0, 2)


def test_global_minimum_equals_brute_force_over_every_basin_absolute_loss():
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(4, 2)), rng.normal(size=4)
    arr = enumerate_regions(X)
    vals = [
        basin_value(X, y, np.array([arr.patterns[i], arr.patterns[j]]), np.array([s, t]), "absolute").value
        for i in range(arr.n_regions) for j in range(arr.n_regions) for s in (1, -1) for t in (1, -1)
    ]
    gm = global_minimum(X, y, 2, loss="absolute")
    # both sides are Clarabel optima (gap ≤ 1e-8 abs + 1e-8 rel on values O(1)): 1e-7 covers two
    assert_close(gm.value, min(vals), atol=1e-7, name="global minimum vs brute force")


def test_global_minimum_on_singleton_data_equals_the_closed_form():
    rng = np.random.default_rng(4)
    m, d = 7, 3
    X = np.zeros((m, d))
    X[np.arange(m), rng.integers(0, d, m)] = rng.choice([-1.0, 1.0], m) * rng.uniform(0.5, 2, m)
    y = rng.normal(size=m)
    for width in (1, 2):  # a Clarabel optimum (gap ≤ 1e-8 abs + rel) against an exact closed form
        assert_close(global_minimum(X, y, width).value, singleton_global_minimum(X, y, width), atol=1e-7,
                     name=f"width {width}")


def test_global_minimum_m10_d3_width3_is_below_every_initial_basin():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=10)
    gm = global_minimum(X, y, 3)  # its run time is measured in benchmarks/bench_basin.py
    assert gm.n_regions == expected_region_count(10, 3) == 92
    with_positive = sum(bool(np.any(p > 0)) for p in enumerate_regions(X).patterns)
    assert gm.n_candidates == 2 * with_positive
    assert gm.n_sets == math.comb(gm.n_candidates, 3) and gm.n_solved <= gm.n_sets
    # the NNLS search value against the certified re-solve: each within the engine's certificate
    # bound (CERT_FACTOR × Clarabel's 1e-8 tolerance) of the same optimum
    assert_close(gm.value, gm.enumeration_value, atol=1e-6, name="NNLS vs certified basin")
    for _ in range(10):
        W, v = rng.normal(size=(3, 3)), rng.normal(size=3)
        assert basin_value_at(X, y, W, v).value >= gm.value - 1e-7
    prev = np.inf
    for width in (1, 2, 3):  # Lemma 2 at the level of global minima: wider is never worse
        val = global_minimum(X, y, width).value if width < 3 else gm.value
        assert val <= prev + 1e-7
        prev = val


def test_global_minimum_refuses_bad_width():
    X, y = np.eye(2), np.ones(2)
    for w in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="width"):
            global_minimum(X, y, w)
