"""One basin value through every path and cache (numerics.basins.value; SS16.Lemma1).

What is checked: an empty basin names its first unrealisable row on every path (with and
without ray witnesses); the solver field says which path solved the basin ("auto": NNLS over rays
for the squared loss, CVXPY otherwise); small targets are solved to relative accuracy on every
path (the value scales as σ² when y is scaled by σ); the value cache keeps at most its size and
forgets the oldest; clear_caches empties both caches; merged neurons split equally.
"""

from __future__ import annotations

import numpy as np
import pytest

import numerics.basins.patterns as pat
import numerics.basins.value as val
from numerics.basins import EmptyBasinError, basin_value, basin_value_at, clear_caches, sign_pattern

# Clarabel stops at a 1e-8 gap: 1e-7 is the engine's agreement target
AGREE = 1e-7


def _instance(seed: int = 0, n: int = 3, m: int = 7, d: int = 3):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    W, v = rng.normal(size=(n, d)), rng.normal(size=n)
    A, b = sign_pattern(W, v, X)
    return X, y, W, v, A, b


@pytest.mark.parametrize("method", ["auto", "nnls", "direct", "cvxpy"])
def test_an_empty_basin_names_its_first_unrealisable_row(method):
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])  # x_0 and x_1 on one ray
    y = np.array([0.5, -1.0, 2.0])
    good, bad = [1, 1, 1], [1, -1, 1]
    clear_caches()
    with pytest.raises(EmptyBasinError, match=r"A: row 2 \(neuron 2\) is not a realisable"):
        basin_value(X, y, np.array([good, good, bad, bad]), np.array([1, -1, 1, -1]), method=method)
    clear_caches()
    with pytest.raises(EmptyBasinError, match=r"A: row 0 \(neuron 0\)"):
        basin_value(X, y, np.array([bad]), np.array([1]), method=method)
    clear_caches()


def test_auto_picks_nnls_for_the_squared_loss_and_cvxpy_otherwise():
    X, y, W, v, A, b = _instance(1)
    assert basin_value(X, y, A, b, cache=False).certificate.solver.startswith("NNLS over arrangement rays")
    assert basin_value(X, y, A, b, method="direct", cache=False).certificate.solver == "CLARABEL (direct)"
    assert basin_value(X, y, A, b, method="cvxpy", cache=False).certificate.solver == "CLARABEL (via CVXPY, DPP)"
    assert basin_value(X, y, A, b, "absolute", cache=False).certificate.solver == "CLARABEL (via CVXPY, DPP)"


@pytest.mark.parametrize("method", ["direct", "cvxpy", "nnls"])
def test_small_targets_are_solved_to_relative_accuracy(method):
    """y·1e-4: the basin is the same and the value is exactly 1e-8 times the unscaled one; the
    solver works on y/max|y| (its absolute tolerance 1e-8 would otherwise be the size of the
    value itself). Relative 1e-5: Clarabel's 1e-8 tolerances on the rescaled problem, ×1000."""
    X, y, W, v, A, b = _instance(2)
    ref = basin_value(X, y, A, b, method="nnls", cache=False).value
    small = basin_value(X, 1e-4 * y, A, b, method=method, cache=False)
    assert small.value == pytest.approx(1e-8 * ref, rel=1e-5)
    # the optimal predictions are unique (the loss is strictly convex in p) and scale by 1e-4;
    # 1e-10 absolute = 1e-6 relative to the targets' size
    ref_p = basin_value(X, y, A, b, method="nnls", cache=False).predictions
    assert np.allclose(small.predictions, 1e-4 * ref_p, rtol=0, atol=1e-10)


def test_value_cache_evicts_its_oldest_entry(monkeypatch):
    monkeypatch.setattr(val, "_CACHE_SIZE", 2)
    clear_caches()
    X, y, W, v, A, b = _instance(3, n=1)
    ys = [y, y + 1.0, y + 2.0]
    for yy in ys:
        basin_value(X, yy, A, b)
    assert len(val._VALUE_CACHE) == 2
    assert [k[1] for k in val._VALUE_CACHE] == [ys[1].tobytes(), ys[2].tobytes()]
    basin_value(X, ys[2], A, b, cache=False)  # an uncached call neither reads nor writes
    assert [k[1] for k in val._VALUE_CACHE] == [ys[1].tobytes(), ys[2].tobytes()]
    clear_caches()


def test_clear_caches_empties_the_value_and_non_emptiness_caches():
    X, y, W, v, A, b = _instance(4)
    basin_value(X, y, A, b, method="direct")  # rows decided by the interior LP, then cached
    assert len(val._VALUE_CACHE) > 0 and len(pat._NONEMPTY_CACHE) > 0
    clear_caches()
    assert len(val._VALUE_CACHE) == 0 and len(pat._NONEMPTY_CACHE) == 0


def test_cached_value_is_reused_with_its_certificate():
    clear_caches()
    X, y, W, v, A, b = _instance(5)
    first = basin_value(X, y, A, b)
    key_count = len(val._VALUE_CACHE)
    second = basin_value_at(X, y, W, v)  # the same basin through its point: a cache hit
    assert len(val._VALUE_CACHE) == key_count
    assert second.value == first.value and second.certificate.gap == first.certificate.gap
    clear_caches()


def test_three_copies_of_a_neuron_split_its_weight_in_three():
    X, y, W, v, A, b = _instance(6, n=2)
    one = basin_value(X, y, A, b, cache=False)
    A3 = np.vstack([A[:1], A[:1], A[1:], A[:1]])
    b3 = np.r_[b[:1], b[:1], b[1:], b[:1]]
    three = basin_value(X, y, A3, b3, cache=False)
    assert three.value == pytest.approx(one.value, abs=1e-12)
    for j in (0, 1, 3):
        assert np.allclose(three.U[j], one.U[0] / 3, rtol=1e-12, atol=1e-15)
    assert np.allclose(three.U[2], one.U[1], rtol=1e-12, atol=1e-15)
