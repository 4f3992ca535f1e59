"""Closed-form basin values for singleton data (SS16 §5: each x_t non-zero in one coordinate).

Write x_t = c_t e_{k(t)}, c_t ≠ 0. Then ⟨w_j, x_t⟩ = c_t w_{j,k(t)}, so a basin row is
realisable iff on every coordinate k all samples agree: a_{j,t}·sign c_t = σ_{jk} (the sign of
w_{jk}) for all t with k(t) = k. Neuron j is active on the samples of coordinate k on the side
sign c_t = σ_{jk}, and there its contribution is v_j w_{jk} c_t = |c_t|·β with
β = σ_{jk} u_{jk}, sign β = b_j. The objective separates over (coordinate, side): for the samples
T of one side, with S = {b_j : neuron j serves that side},

    cost(T, S) = min_{β ∈ cone(S)} Σ_{t∈T} (|c_t| β − y_t)²,
    cone(∅) = {0}, cone({+}) = [0, ∞), cone({−}) = (−∞, 0], cone({±}) = R,

attained at β = clip(Σ|c_t| y_t / Σ c_t², cone(S)) (a convex 1-D problem). Bas = (1/m)Σ cost.

For the global minimum of width n only how many neurons of each output sign serve each side
matters: n₊ neurons with b = +1, n₋ with b = −1; each neuron serves exactly one side of every
coordinate. Used by the SS16.Thm2 / AppC / brittleness checks; cross-checked against the convex
program in tests/test_basin_engine.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.basins.checks import _check_Xy, check_pattern
from numerics.basins.errors import EmptyBasinError

Array = NDArray[np.float64]


@dataclass(frozen=True)
class SingletonData:
    """x_t = c_t e_{k(t)}: the coordinate k(t) and the coefficient c_t of every sample."""

    coord: NDArray[np.int64]
    coef: Array


def singleton_structure(X: ArrayLike) -> SingletonData:
    """(k(t), c_t) for singleton data; ValueError naming X when a row has ≠ 1 non-zero entry."""
    X, _ = _check_Xy(X, np.zeros(np.asarray(X).shape[0] if np.ndim(X) == 2 else 0))
    nnz = np.count_nonzero(X, axis=1)
    if np.any(nnz != 1):
        bad = np.flatnonzero(nnz != 1).tolist()
        raise ValueError(f"X: not singleton data: rows {bad} do not have exactly one non-zero entry")
    coord = np.argmax(X != 0, axis=1).astype(np.int64)
    return SingletonData(coord, X[np.arange(X.shape[0]), coord])


def _side_cost(c: Array, y: Array, signs: set[int]) -> float:
    """min over β ∈ cone(signs) of Σ (|c_t| β − y_t)²."""
    if c.size == 0:
        return 0.0
    a = np.abs(c)
    beta = float(a @ y) / float(a @ a)
    lo = -np.inf if -1 in signs else 0.0
    hi = np.inf if 1 in signs else 0.0
    beta = min(max(beta, lo), hi)
    r = a * beta - y
    return float(r @ r)


def _sides(data: SingletonData) -> list[tuple[int, int, NDArray[np.int64]]]:
    """(coordinate, side, sample indices) for every non-empty side."""
    out = []
    for k in np.unique(data.coord):
        for side in (1, -1):
            idx = np.flatnonzero((data.coord == k) & (np.sign(data.coef) == side))
            if idx.size:
                out.append((int(k), side, idx))
    return out


def singleton_basin_value(X: ArrayLike, y: ArrayLike, A: ArrayLike, b: ArrayLike) -> float:
    """Bas(B^{A,b}) for singleton data and squared loss, in closed form (see module docstring)."""
    X, y = _check_Xy(X, y)
    A, b = check_pattern(X, A, b)
    data = singleton_structure(X)
    n = A.shape[0]
    # σ_{jk} = a_{j,t}·sign c_t, which must agree over the samples of coordinate k
    sigma = A * np.sign(data.coef)[None, :].astype(np.int64)
    total = 0.0
    for k in np.unique(data.coord):
        cols = sigma[:, data.coord == k]
        if np.any(cols != cols[:, :1]):
            j = int(np.flatnonzero(np.any(cols != cols[:, :1], axis=1))[0])
            raise EmptyBasinError(f"A: row {j} has inconsistent signs on coordinate {int(k)}: basin empty")
    for k, side, idx in _sides(data):
        serving = {int(b[j]) for j in range(n) if sigma[j, idx[0]] == side}
        total += _side_cost(data.coef[idx], y[idx], serving)
    return total / X.shape[0]


def singleton_global_minimum(X: ArrayLike, y: ArrayLike, width: int) -> float:
    """min over all (W, v) of width n of L_S for singleton data, squared loss (closed form).

    For each split n = n₊ + n₋ and each coordinate, the neurons of each output sign are split
    between its two sides; only which sides receive ≥ 1 neuron of each sign matters.
    """
    X, y = _check_Xy(X, y)
    if not isinstance(width, (int, np.integer)) or isinstance(width, bool) or width < 1:
        raise ValueError(f"width: expected a positive integer, got {width!r}")
    data = singleton_structure(X)
    best = np.inf
    for n_pos in range(width + 1):
        n_neg = width - n_pos
        total = 0.0
        for k in np.unique(data.coord):
            plus = np.flatnonzero((data.coord == k) & (data.coef > 0))
            minus = np.flatnonzero((data.coord == k) & (data.coef < 0))
            cost_k = np.inf
            # p₊ / p₋: how many positive / negative neurons serve the '+' side (rest serve '−')
            for p_pos in range(n_pos + 1):
                for p_neg in range(n_neg + 1):
                    s_plus = ({1} if p_pos else set()) | ({-1} if p_neg else set())
                    s_minus = ({1} if n_pos - p_pos else set()) | ({-1} if n_neg - p_neg else set())
                    c = _side_cost(data.coef[plus], y[plus], s_plus) + _side_cost(
                        data.coef[minus], y[minus], s_minus
                    )
                    cost_k = min(cost_k, c)
            total += cost_k
        best = min(best, total)
    return float(best / X.shape[0])
