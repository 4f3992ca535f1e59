"""Input guards and fallback paths of the batched basin engine (numerics.basins.batch; SS16.Lemma1).

What is checked: every documented input error of ``patterns`` names the argument; a row the
rays fail to witness although the LP finds it realisable, and a batched lift that does not
reproduce the value, are both counted fallbacks re-solved by Clarabel with the right reason and
value; the basin-by-basin path (other losses) lists empty basins apart with on_empty="skip".
"""

from __future__ import annotations

import numpy as np
import pytest

import numerics.basins.batch as bb
from numerics.basins import EmptyBasinError, basin_value, basin_values, basin_values_at, sign_patterns

# Clarabel stops at a 1e-8 gap: 1e-7 is the engine's agreement target
AGREE = 1e-7


def _points(seed: int, count: int, n: int = 2, m: int = 6, d: int = 2):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    return X, y, rng.normal(size=(count, n, d)), rng.normal(size=(count, n))


@pytest.mark.parametrize(
    "patterns, match",
    [
        ([(np.ones((1, 6), dtype=int),)], r"patterns: expected \(A, b\) pairs or a pair of stacked arrays"),
        ([np.ones((1, 6), dtype=int)], r"patterns: expected \(A, b\) pairs"),
        ([(np.ones((1, 6), dtype=int), np.ones(1)), (np.ones((1, 6), dtype=int), np.ones(2))],
         r"patterns: every b must have shape \(n,\)"),
        ((np.ones((0, 1, 6), dtype=int), np.ones((0, 1))), r"patterns: expected A of shape \(N, n, m\) with N ≥ 1"),
        ((np.ones((2, 0, 6), dtype=int), np.ones((2, 0))), "patterns: zero neurons"),
        ([(np.ones(6, dtype=int), np.ones(1))], r"patterns: expected A of shape \(N, n, m\)"),
        ((np.ones((2, 1, 5), dtype=int), np.ones((2, 1))), r"patterns: A must be neurons × samples, \(n, 6\)"),
    ],
)
def test_malformed_patterns_are_refused_naming_patterns(patterns, match):
    X, y, _, _ = _points(0, 1)
    with pytest.raises(ValueError, match=match):
        basin_values(X, y, patterns)


def test_a_pair_of_stacked_arrays_equals_the_list_of_pairs():
    X, y, Ws, vs = _points(1, 4)
    A, b = sign_patterns(Ws, vs, X)
    stacked = basin_values(X, y, (A, b))
    listed = basin_values(X, y, [(A[i], b[i]) for i in range(4)])
    assert np.array_equal(stacked.values, listed.values)
    assert stacked.index.tolist() == [0, 1, 2, 3] and stacked.empty.size == 0 and len(stacked) == 4


def test_rows_the_rays_do_not_witness_are_decided_by_the_lp_and_re_solved(monkeypatch):
    X, y, Ws, vs = _points(2, 3)
    A, b = sign_patterns(Ws, vs, X)
    ref = [basin_value(X, y, A[i], b[i], method="direct", cache=False).value for i in range(3)]
    monkeypatch.setattr(bb, "_witnessed", lambda prog, X_, A_, *g: np.zeros(A_.shape[:2], dtype=bool))
    out = basin_values(X, y, (A, b))
    assert out.n_fallbacks == 3
    assert out.fallback == ("rays do not witness a realisable row",) * 3
    assert all("batched path: rays do not witness a realisable row, re-solved" in s for s in out.solver)
    assert np.allclose(out.values, ref, rtol=0, atol=AGREE)


def test_a_batched_lift_that_does_not_reproduce_the_value_is_re_solved(monkeypatch):
    X, y, Ws, vs = _points(3, 3)
    good = basin_values_at(X, y, Ws, vs)
    assert good.n_fallbacks == 0
    monkeypatch.setattr(bb, "batched_predict", lambda thetas, X_, act: np.full((thetas.shape[0], X_.shape[0]), 7.0))
    out = basin_values_at(X, y, Ws, vs)
    assert out.n_fallbacks == 3
    assert all(f.startswith("lift check failed (") for f in out.fallback)
    assert all("re-solved" in s for s in out.solver)
    assert np.allclose(out.values, good.values, rtol=0, atol=AGREE)
    assert np.all(out.lift_error <= out.lift_tolerance)  # the re-solved certificates' own lift checks


def test_other_losses_list_empty_basins_apart_when_skipping():
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])  # x_0 and x_1 on one ray
    y = np.array([0.5, -1.0, 2.0])
    good = np.array([[1, 1, 1]])
    bad = np.array([[1, -1, 1]])  # sign⟨w, x_0⟩ ≠ sign⟨w, 2x_0⟩: empty
    pats = [(good, np.array([1])), (bad, np.array([1])), (good, np.array([-1]))]
    out = basin_values(X, y, pats, "absolute", on_empty="skip")
    assert out.empty.tolist() == [1] and out.index.tolist() == [0, 2] and len(out) == 2
    ref = [basin_value(X, y, good, np.array([s]), "absolute", cache=False).value for s in (1, -1)]
    assert np.allclose(out.values, ref, rtol=0, atol=AGREE)
    assert out.fallback == ("", "")
    with pytest.raises(EmptyBasinError, match=r"patterns: pattern 1 \(of 1 empty\)"):
        basin_values(X, y, pats, "absolute")


def test_duplicated_neurons_are_solved_once_and_split_equally_without_fallback():
    """A neuron repeated three times (and one other): only the first copy of a group carries NNLS
    columns, the batched certificate passes on its own, and each copy gets a third of u."""
    X, y, Ws, vs = _points(4, 2, n=2, m=7, d=3)
    A, b = sign_patterns(Ws, vs, X)
    A4 = np.stack([np.stack([a[0], a[1], a[0], a[0]]) for a in A])
    b4 = np.stack([np.array([s[0], s[1], s[0], s[0]]) for s in b])
    out = basin_values(X, y, (A4, b4))
    assert out.n_fallbacks == 0
    for i in range(2):
        ref = basin_value(X, y, A[i], b[i], method="direct", cache=False)
        assert out.values[i] == pytest.approx(ref.value, abs=AGREE)
        for j in (0, 2, 3):
            assert np.allclose(out.U[i, j], out.U[i, 0], rtol=0, atol=1e-15)
