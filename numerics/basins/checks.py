"""Input validation shared by the basin engine: data (X, y) and sign arrays, errors naming the argument."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.network import check_data

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


#: Largest |entry| accepted in X, y, W, v: the engine multiplies and squares them (‖x_t‖, Gram
#: products, the squared loss), and float64 overflows beyond ≈ 1.8e308 ≈ (1.3e154)².
MAX_MAGNITUDE = 1e150


def _real(name: str, a: ArrayLike) -> Array:
    """``a`` as a float array; TypeError naming ``name`` for complex or non-numeric input (a
    complex array is never silently cut to its real part)."""
    arr = np.asarray(a)
    if np.iscomplexobj(arr):
        raise TypeError(f"{name}: complex values are not accepted (expected a real array)")
    if arr.dtype.kind not in "biuf":
        try:
            return np.asarray(arr, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{name}: expected a real numeric array, got dtype {arr.dtype}") from None
    return arr.astype(float, copy=False)


def _check_magnitude(name: str, a: Array) -> None:
    big = float(np.max(np.abs(a), initial=0.0))
    if big > MAX_MAGNITUDE:
        raise ValueError(
            f"{name}: entries up to {big:.1e} exceed {MAX_MAGNITUDE:.0e} — their squares overflow "
            f"float64; rescale the data"
        )


def _check_X(X: ArrayLike) -> Array:
    X, _ = check_data(_real("X", X))
    _check_magnitude("X", X)
    norms = np.linalg.norm(X, axis=1)
    if np.any(norms == 0):
        raise ValueError(f"X: zero data row(s) at index {np.flatnonzero(norms == 0).tolist()}")
    return X


def _check_Xy(X: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:
    X = _check_X(X)
    _, y = check_data(X, _real("y", y))
    assert y is not None
    _check_magnitude("y", y)
    return X, y


def _check_weights(W: ArrayLike, v: ArrayLike, X: Array, names: tuple[str, str] = ("W", "v"),
                   batched: bool = False) -> tuple[Array, Array]:
    """(W, v) of one network (n × d, n) or of a stack of them (``batched``: N × n × d, N × n)."""
    nW, nv = names
    W, v = _real(nW, W), _real(nv, v)
    if batched:
        if W.ndim != 3 or W.shape[2] != X.shape[1] or W.shape[0] == 0 or W.shape[1] == 0:
            raise ValueError(f"{nW}: expected shape (N, n, {X.shape[1]}) with N, n ≥ 1, got {W.shape}")
        if v.shape != W.shape[:2]:
            raise ValueError(f"{nv}: expected shape {W.shape[:2]}, got {v.shape}")
    else:
        if W.ndim != 2 or W.shape[1] != X.shape[1]:
            raise ValueError(f"{nW}: expected shape (n, {X.shape[1]}), got {W.shape}")
        if v.shape != (W.shape[0],):
            raise ValueError(f"{nv}: expected shape ({W.shape[0]},), got {v.shape}")
        if W.shape[0] == 0:
            raise ValueError(f"{nW}: zero neurons")
    for name, a in ((nW, W), (nv, v)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name}: contains NaN or inf")
        _check_magnitude(name, a)
    return W, v


def _check_count(name: str, value: object) -> int:
    """A positive integer parameter (processes, chunk, width): TypeError for 2.5 or True."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name}: expected ≥ 1, got {value!r}")
    return int(value)


def _check_signs(name: str, a: ArrayLike, shape: tuple[int, ...]) -> IntArray:
    arr = np.asarray(a)
    if np.iscomplexobj(arr):
        raise TypeError(f"{name}: complex values are not accepted (expected entries ±1)")
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

