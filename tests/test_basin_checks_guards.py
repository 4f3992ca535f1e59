"""Input validation of the basin engine (numerics.basins.checks), through the public entry points.

Every guard of checks.py raises an error naming the offending argument: batched weights of the
wrong shape (sign_patterns), zero neurons, sign arrays of a non-numeric dtype, magnitudes just
above MAX_MAGNITUDE (and exactly at it: accepted), counts that are not positive integers.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from numerics.basins import basin_value, basin_values, network_loss, sign_pattern, sign_patterns
from numerics.basins.checks import MAX_MAGNITUDE

X = np.array([[1.0, 0.5], [-0.3, 1.0], [0.7, -1.2]])
Y = np.array([0.3, -1.0, 2.0])
A1 = np.array([[1, 1, -1]])
B1 = np.array([1])


@pytest.mark.parametrize(
    "Ws, vs, match",
    [
        (np.ones((2, 2)), np.ones(2), r"Ws: expected shape \(N, n, 2\)"),  # 2-d, not a stack
        (np.ones((2, 1, 3)), np.ones((2, 1)), r"Ws: expected shape \(N, n, 2\)"),  # wrong d
        (np.ones((0, 1, 2)), np.ones((0, 1)), r"Ws: expected shape \(N, n, 2\) with N, n ≥ 1"),  # N = 0
        (np.ones((2, 0, 2)), np.ones((2, 0)), r"Ws: expected shape \(N, n, 2\) with N, n ≥ 1"),  # n = 0
        (np.ones((2, 1, 2)), np.ones((2, 2)), r"vs: expected shape \(2, 1\)"),
        (np.ones((2, 1, 2)), np.ones(2), r"vs: expected shape \(2, 1\)"),
    ],
)
def test_batched_weights_of_the_wrong_shape_name_ws_or_vs(Ws, vs, match):
    with pytest.raises(ValueError, match=match):
        sign_patterns(Ws, vs, X)


def test_batched_weights_with_nan_name_their_argument():
    Ws = np.ones((2, 1, 2))
    Ws[1, 0, 0] = np.nan
    with pytest.raises(ValueError, match="Ws: contains NaN or inf"):
        sign_patterns(Ws, np.ones((2, 1)), X)
    with pytest.raises(ValueError, match="vs: contains NaN or inf"):
        sign_patterns(np.ones((2, 1, 2)), np.array([[1.0], [np.inf]]), X)


def test_a_network_with_zero_neurons_is_refused():
    with pytest.raises(ValueError, match="W: zero neurons"):
        sign_pattern(np.zeros((0, 2)), np.zeros(0), X)


def test_a_pattern_with_zero_neurons_is_refused():
    with pytest.raises(ValueError, match="A: zero neurons"):
        basin_value(X, Y, np.zeros((0, 3), dtype=int), np.zeros(0, dtype=int))


@pytest.mark.parametrize(
    "A, b, match",
    [
        (np.array([[1, None, -1]], dtype=object), B1, "A: expected entries ±1, got dtype object"),
        (np.array([["1", "1", "-1"]]), B1, "A: expected entries ±1, got dtype <U2"),
        (A1, np.array([True]), "b: expected entries ±1, got dtype bool"),  # bool is not a number dtype
        (A1.astype(float), B1.astype(np.int8), None),  # any real number dtype is accepted
        (A1, np.array(["+"]), "b: expected entries ±1, got dtype <U1"),
    ],
)
def test_sign_arrays_must_have_a_numeric_dtype(A, b, match):
    if match is None:
        assert basin_value(X, Y, A, b, cache=False).value >= 0.0
        return
    with pytest.raises(ValueError, match=match):
        basin_value(X, Y, A, b)


def test_magnitude_guard_is_strict_at_max_magnitude():
    """Entries equal to MAX_MAGNITUDE are accepted (the guard is `> MAX_MAGNITUDE`), the next
    float above it is refused, for weights as for data."""
    W = np.array([[MAX_MAGNITUDE, 1.0]])
    A, b = sign_pattern(W, np.array([1.0]), X)
    assert np.array_equal(A, np.sign(W @ X.T).astype(int)) and b.tolist() == [1]
    above = np.nextafter(MAX_MAGNITUDE, np.inf)
    with pytest.raises(ValueError, match="W: entries up to"):
        sign_pattern(np.array([[above, 1.0]]), np.array([1.0]), X)
    with pytest.raises(ValueError, match="v: entries up to"):
        sign_pattern(np.array([[1.0, 1.0]]), np.array([above]), X)
    with pytest.raises(ValueError, match="y: entries up to"):
        basin_value(X, np.array([0.0, above, 0.0]), A1, B1)
    # data and targets at exactly the limit pass the guard (network_loss validates X, y the
    # same way and then only evaluates the network)
    big = np.array([0.0, MAX_MAGNITUDE, 0.0])
    assert np.isfinite(network_loss(X, big, np.array([[1.0, 0.0]]), np.array([1.0])))
    assert np.isfinite(network_loss(X * (MAX_MAGNITUDE / 1.2), Y, np.array([[1e-150, 0.0]]), np.array([1.0])))
    with pytest.raises(ValueError, match="X: entries up to"):
        network_loss(X * (above / 1.2), Y, np.array([[1.0, 0.0]]), np.array([1.0]))


@pytest.mark.parametrize("good", [1, 3, np.int64(2)])
def test_positive_integer_counts_are_accepted(good):
    A, b = A1, B1
    out = basin_values(X, Y, [(A, b)], processes=1, chunk=good)
    ref = basin_value(X, Y, A, b, cache=False)
    assert out.values[0] == pytest.approx(ref.value, abs=1e-7)  # Clarabel's 1e-8 band, ×10


@pytest.mark.parametrize("bad, exc", [(-1, ValueError), (np.int64(0), ValueError), (np.float64(2.0), TypeError)])
def test_counts_below_one_or_not_integers_are_refused(bad, exc):
    with pytest.raises(exc, match="^chunk: "):
        basin_values(X, Y, [(A1, B1)], chunk=bad)


def test_the_magnitude_limit_is_the_documented_1e150():
    """MAX_MAGNITUDE = 1e150 (squares up to 1e300 stay below float64's ≈ 1.8e308): an entry of
    exactly 1e150 passes and the next float is refused. (Checked on a fresh instance of the
    module, its body executed inside this test; sys.modules is not touched.)"""
    spec = importlib.util.find_spec("numerics.basins.checks")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.MAX_MAGNITUDE == 1e150
    mod._check_magnitude("X", np.array([[1e150, -1e150]]))
    with pytest.raises(ValueError, match=r"^X: entries up to 1\.0e\+150 exceed 1e\+150"):
        mod._check_magnitude("X", np.array([[np.nextafter(1e150, np.inf), 0.0]]))
