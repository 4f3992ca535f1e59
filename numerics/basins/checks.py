"""Input validation shared by the basin engine: data (X, y) and sign arrays, errors naming the argument."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.network import check_data

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _check_X(X: ArrayLike) -> Array:
    X, _ = check_data(X)
    norms = np.linalg.norm(X, axis=1)
    if np.any(norms == 0):
        raise ValueError(f"X: zero data row(s) at index {np.flatnonzero(norms == 0).tolist()}")
    return X


def _check_Xy(X: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
    X = _check_X(X)
    _, y = check_data(X, y)
    assert y is not None
    return X, y


def _check_signs(name: str, a: ArrayLike, shape: tuple[int, ...]) -> IntArray:
    arr = np.asarray(a)
    if arr.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {arr.shape}")
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name}: expected entries ±1, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr.astype(float))):
        raise ValueError(f"{name}: contains NaN or inf")
    if not np.all((arr == 1) | (arr == -1)):
        raise ValueError(f"{name}: entries must be −1 or +1")
    return arr.astype(np.int64)


def check_pattern(X: Array, A: ArrayLike, b: ArrayLike) -> tuple[IntArray, IntArray]:
    """Validate (A, b) for data X (m × d): A ∈ {±1}^{n×m} (neurons × samples), b ∈ {±1}^n."""
    A_arr = np.asarray(A)
    if A_arr.ndim != 2:
        raise ValueError(f"A: expected a 2-d array (neurons × samples), got shape {A_arr.shape}")
    if A_arr.shape[1] != X.shape[0]:
        raise ValueError(
            f"A: expected shape (n, m) = (n, {X.shape[0]}) — one sign per neuron and sample "
            f"(SS16.Def2-indexing), got {A_arr.shape}"
        )
    if A_arr.shape[0] == 0:
        raise ValueError("A: zero neurons")
    A_int = _check_signs("A", A_arr, A_arr.shape)
    b_int = _check_signs("b", b, (A_arr.shape[0],))
    return A_int, b_int

