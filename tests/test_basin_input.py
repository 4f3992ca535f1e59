"""Bad input to the basin engine (numerics.basins) is an error naming the argument (issue 12):
complex arrays are never cut to their real part, magnitudes whose squares overflow float64 are
refused up front (not a misleading EmptyBasinError or a TypeError from deep inside), and counts
are integers."""

from __future__ import annotations

import numpy as np
import pytest

from numerics.basins import basin_value, basin_values, basin_values_at, global_minimum, sign_pattern


def _data(seed: int = 3, n: int = 2, m: int = 6, d: int = 2):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    W, v = rng.normal(size=(n, d)), rng.normal(size=n)
    A, b = sign_pattern(W, v, X)
    return X, y, W, v, A, b


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda X, y, W, v, A, b: basin_value(X + 0j, y, A, b), "X"),
        (lambda X, y, W, v, A, b: basin_value(X, y + 1e-3j, A, b), "y"),
        (lambda X, y, W, v, A, b: basin_value(X, y, A + 0j, b), "A"),
        (lambda X, y, W, v, A, b: basin_values(X + 0j, y, [(A, b)]), "X"),
        (lambda X, y, W, v, A, b: basin_values(X, y + 0j, [(A, b)]), "y"),
        (lambda X, y, W, v, A, b: global_minimum(X + 0j, y, 1), "X"),
        (lambda X, y, W, v, A, b: global_minimum(X, y + 0j, 1), "y"),
        (lambda X, y, W, v, A, b: sign_pattern(W + 0j, v, X), "W"),
        (lambda X, y, W, v, A, b: sign_pattern(W, v + 0j, X), "v"),
        (lambda X, y, W, v, A, b: sign_pattern(W, v, X + 0j), "X"),
        (lambda X, y, W, v, A, b: basin_values_at(X, y, (W + 0j)[None], v[None]), "Ws"),
        (lambda X, y, W, v, A, b: basin_value(np.array([["a", "b"]] * 6), y, A, b), "X"),
    ],
)
def test_complex_or_non_numeric_arrays_are_a_type_error_naming_the_argument(call, name):
    with pytest.raises(TypeError, match=rf"^{name}: "):
        call(*_data())


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda X, y, W, v, A, b: basin_value(X * 1e300, y, A, b), "X"),
        (lambda X, y, W, v, A, b: basin_values(X * 1e300, y, [(A, b)]), "X"),
        (lambda X, y, W, v, A, b: global_minimum(X * 1e300, y, 1), "X"),
        (lambda X, y, W, v, A, b: basin_value(X, y * 1e300, A, b), "y"),
        (lambda X, y, W, v, A, b: sign_pattern(W * 1e300, v, X), "W"),
    ],
)
def test_overflowing_magnitudes_are_a_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name}: entries up to .* overflow float64"):
        call(*_data())


def test_large_but_safe_magnitudes_still_give_a_certified_value():
    """The guard is not a tolerance on values: X·1e100 is the same basin (signs are scale-free)
    and its value is the unscaled one (the predictions u·x scale back)."""
    X, y, W, v, A, b = _data()
    ref = basin_value(X, y, A, b, cache=False)
    big = basin_value(X * 1e100, y, A, b, cache=False)
    assert big.value == pytest.approx(ref.value, abs=1e-7)


@pytest.mark.parametrize("bad, exc", [(2.5, TypeError), (True, TypeError), ("2", TypeError), (0, ValueError)])
def test_processes_and_chunk_must_be_positive_integers(bad, exc):
    X, y, W, v, A, b = _data()
    with pytest.raises(exc, match="^processes: "):
        basin_values(X, y, [(A, b)], processes=bad)
    with pytest.raises(exc, match="^chunk: "):
        basin_values_at(X, y, W[None], v[None], chunk=bad)
