"""Sign patterns of SS16 Definition 2 (claim SS16.Def2-indexing) and the emptiness of a basin.

A pattern (A, b): A ∈ {±1}^{n×m} (neurons × samples), b ∈ {±1}^n. The basin B^{A,b} is
non-empty iff every row a = A_j is realisable: the open cone {w : a_t⟨w, x_t⟩ > 0 ∀t} is
non-empty (b only fixes sign v_j, always realisable).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray
import scipy.sparse as sp
from scipy.optimize import linprog

from numerics.basins.checks import _check_signs, _check_weights, _check_X, check_pattern
from numerics.basins.errors import BoundaryError, SolverError

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: The strict-interior LP's margin (rows of X normalised, ‖w‖_∞ ≤ 1) must exceed this.
INTERIOR_MARGIN = 1e-9
#: LRU size of the engine's caches (per-row answers, compatible rays, values).
_CACHE_SIZE = 1 << 16


def sign_pattern(W: ArrayLike, v: ArrayLike, X: ArrayLike) -> tuple[IntArray, IntArray]:
    """The basin (A, b) of (W, v): a_{j,t} = sign⟨w_j, x_t⟩ (n × m), b_j = sign v_j (SS16 Def. 2).

    A point whose sign is not certified — ⟨w_j,x_t⟩ within the dot product's rounding bound
    d·ε·Σ_i |w_ji x_ti| of 0, or v_j = 0 — is on a boundary and raises :class:`BoundaryError`.
    """
    X = _check_X(X)
    W, v = _check_weights(W, v, X)
    Z = W @ X.T
    rounding = X.shape[1] * np.finfo(float).eps * (np.abs(W) @ np.abs(X).T)
    on = np.abs(Z) <= rounding
    if np.any(on):
        j, t = np.argwhere(on)[0]
        raise BoundaryError(
            f"W: ⟨w_{j}, x_{t}⟩ = {Z[j, t]!r} is within rounding of 0: (W, v) is on a basin boundary"
        )
    if np.any(v == 0):
        raise BoundaryError(f"v: v_{int(np.flatnonzero(v == 0)[0])} = 0: (W, v) is on a basin boundary")
    return np.where(Z > 0, 1, -1).astype(np.int64), np.where(v > 0, 1, -1).astype(np.int64)


def interior_margin(X: ArrayLike, a: ArrayLike) -> tuple[float, Array]:
    """LP max s s.t. a_t⟨w, x_t/‖x_t‖⟩ ≥ s ∀t, ‖w‖_∞ ≤ 1, s ≤ 1; returns (s*, w*).

    The open cone {w : a_t⟨w,x_t⟩ > 0 ∀t} is non-empty iff s* > 0 (it is a cone, so any
    strict point can be scaled into the box); s* ≤ INTERIOR_MARGIN is treated as empty.
    """
    X = _check_X(X)
    a = _check_signs("a", a, (X.shape[0],))
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    d = X.shape[1]
    # variables (w, s); minimise −s; rows: −a_t x̂_tᵀ w + s ≤ 0
    A_ub = np.hstack([-(a[:, None] * Xn), np.ones((X.shape[0], 1))])
    res = linprog(
        np.r_[np.zeros(d), -1.0],
        A_ub=A_ub,
        b_ub=np.zeros(X.shape[0]),
        bounds=[(-1.0, 1.0)] * d + [(None, 1.0)],
        method="highs",
    )
    if res.status != 0:
        raise SolverError(f"interior LP: HiGHS status {res.status} ({res.message})")
    return float(-res.fun), np.asarray(res.x[:d], dtype=float)


_NONEMPTY_CACHE: "OrderedDict[tuple, bool]" = OrderedDict()


def _neuron_nonempty(X: Array, a: IntArray, xkey: bytes) -> bool:
    key = (xkey, a.tobytes())
    hit = _NONEMPTY_CACHE.get(key)
    if hit is not None:
        return hit
    ok = interior_margin(X, a)[0] > INTERIOR_MARGIN
    _NONEMPTY_CACHE[key] = ok
    if len(_NONEMPTY_CACHE) > _CACHE_SIZE:
        _NONEMPTY_CACHE.popitem(last=False)
    return ok


def _joint_margin(X: Array, rows: IntArray) -> float:
    """One LP for k rows at once: max s s.t. a_jt⟨w_j, x̂_t⟩ ≥ s ∀ j, t, ‖w_j‖_∞ ≤ 1, s ≤ 1.

    The rows share only s, so s* = min_j of their interior margins (interior_margin): all k
    open cones are non-empty iff s* > INTERIOR_MARGIN — one HiGHS call instead of k."""
    k, m = rows.shape
    d = X.shape[1]
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    blocks = -(rows[:, :, None] * Xn[None, :, :])  # k × m × d: −a_jt x̂_t
    r = np.repeat(np.arange(k * m), d)
    c = (np.repeat(np.arange(k), m * d) * d + np.tile(np.arange(d), k * m))
    A_ub = sp.csr_matrix((blocks.ravel(), (r, c)), shape=(k * m, k * d + 1))
    A_ub = sp.hstack([A_ub[:, : k * d], sp.csr_matrix(np.ones((k * m, 1)))], format="csr")
    res = linprog(np.r_[np.zeros(k * d), -1.0], A_ub=A_ub, b_ub=np.zeros(k * m),
                  bounds=[(-1.0, 1.0)] * (k * d) + [(None, 1.0)], method="highs")
    if res.status != 0:
        raise SolverError(f"interior LP: HiGHS status {res.status} ({res.message})")
    return float(-res.fun)


def _rows_nonempty(X: Array, A: IntArray, xkey: bytes) -> NDArray[np.bool_]:
    """Per row of A: is its open cone non-empty? Cached rows are looked up; the others are
    decided by one joint LP (_joint_margin) and, only if that finds an empty one, row by row."""
    out = np.zeros(A.shape[0], dtype=bool)
    todo = []
    for j in range(A.shape[0]):
        hit = _NONEMPTY_CACHE.get((xkey, A[j].tobytes()))
        if hit is None:
            todo.append(j)
        else:
            out[j] = hit
    if len(todo) > 1:
        rows, first = np.unique(A[todo], axis=0, return_index=True)
        if _joint_margin(X, rows) > INTERIOR_MARGIN:
            for j in todo:
                _NONEMPTY_CACHE[(xkey, A[j].tobytes())] = True
            out[todo] = True
            todo = []
    for j in todo:
        out[j] = _neuron_nonempty(X, A[j], xkey)
    while len(_NONEMPTY_CACHE) > _CACHE_SIZE:
        _NONEMPTY_CACHE.popitem(last=False)
    return out


def basin_is_nonempty(X: ArrayLike, A: ArrayLike, b: ArrayLike) -> bool:
    """True iff B^{A,b} has an interior point: for every neuron j a w with a_{j,t}⟨w,x_t⟩ > 0
    (interior_margin; one joint LP for all uncached rows, row by row only if it fails).

    (b only constrains sign v_j, which is always realisable; it is validated, not used.)
    """
    X = _check_X(X)
    A, b = check_pattern(X, A, b)
    return bool(np.all(_rows_nonempty(X, A, X.tobytes())))


def _pattern_data(X: Array, A: IntArray, b: IntArray) -> tuple[Array, Array]:
    """Q (n × m × d): rows [a_jt = +1]·x_t;  G (n × m × d): rows b_j a_jt x_t."""
    M = (A > 0).astype(float)
    Q = M[:, :, None] * X[None, :, :]
    G = (b[:, None] * A).astype(float)[:, :, None] * X[None, :, :]
    return Q, G


def canonical_pattern(A: IntArray, b: IntArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Merge neurons with equal (A_j, b_j) and sort them: (A', b', representative, group).

    Merging is exact: b_j K_j is a convex cone, so u_i + u_j stays in it and any point of it
    splits as (u, 0). ``group[j]`` is the row of the merged pattern that neuron j belongs to.
    """
    rows = np.concatenate([b[:, None], A], axis=1)
    order = np.lexsort(rows.T[::-1])  # lexicographic order of the rows (b_j first)
    srt = rows[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = np.any(srt[1:] != srt[:-1], axis=1)
    uniq = srt[new]
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return uniq[:, 1:].copy(), uniq[:, 0].copy(), np.arange(uniq.shape[0]), inverse


def sign_patterns(Ws: ArrayLike, vs: ArrayLike, X: ArrayLike) -> tuple[IntArray, IntArray]:
    """sign_pattern for a stack of points (Ws: N × n × d, vs: N × n), vectorised.

    A sign within the dot product's rounding bound of 0, or v_j = 0, raises BoundaryError naming
    the point's index.
    """
    X = _check_X(X)
    W, v = _check_weights(Ws, vs, X, ("Ws", "vs"), batched=True)
    Z = W @ X.T
    rounding = X.shape[1] * np.finfo(float).eps * (np.abs(W) @ np.abs(X).T)
    on = np.abs(Z) <= rounding
    if np.any(on):
        i, j, t = np.argwhere(on)[0]
        raise BoundaryError(
            f"Ws: point {i}: ⟨w_{j}, x_{t}⟩ = {Z[i, j, t]!r} is within rounding of 0 (basin boundary)"
        )
    if np.any(v == 0):
        i, j = np.argwhere(v == 0)[0]
        raise BoundaryError(f"vs: point {i}: v_{j} = 0 (basin boundary)")
    return np.where(Z > 0, 1, -1).astype(np.int64), np.where(v > 0, 1, -1).astype(np.int64)
