"""Non-negative least squares as a projection onto the polar cone, solved by DAQP (SS16.Lemma1).

The squared-loss basin program over the cones' generators is min_{c ≥ 0} ‖M c − y‖² (M: m × k,
column i = b_j [X g_i]_+ for a generator g_i of K_j; numerics.basins.rays). That is the
projection of y onto the cone C = {Mc : c ≥ 0}. By Moreau's decomposition
y = P_C(y) + P_{C°}(y), where C° = {λ : Mᵀλ ≤ 0} is the polar cone, and

    P_{C°}(y) = argmin_{Mᵀλ ≤ 0} ½‖λ − y‖²

is a strictly convex QP in m variables (identity Hessian) with k inequalities — the home ground
of a dense dual active-set solver (DAQP, Arnström et al. 2022). Its KKT conditions
λ − y + Mμ = 0, μ ≥ 0, μ ⊥ Mᵀλ say that its multipliers μ solve the NNLS: p = y − λ = Mμ.

Nothing here is trusted: DAQP's exit flag only decides whether there is a candidate c; the
caller builds U from c, recomputes p from U and certifies it (numerics.basins.certificate:
primal residual, Farkas dual residual on every generator, duality gap, lift check). Why DAQP:
benchmarks/bench_polar_nnls.py times it against scipy.optimize.nnls (Lawson–Hanson) on the same
problems (≈ 10× faster at n = 10, m = 20, d = 5), and tests/test_basin_engine.py cross-checks
the values against Clarabel.
"""

from __future__ import annotations

import daqp
import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

#: DAQP's exit flag for "optimal solution found" (https://darnstrom.github.io/daqp/parameters).
DAQP_OPTIMAL = 1
_EYE: dict[int, Array] = {}


def polar_nnls(MT: Array, y: Array) -> tuple[Array | None, str]:
    """(c, "") with c ≥ 0 a candidate NNLS solution of min ‖Mc − y‖², or (None, reason) when
    DAQP does not report an optimal projection (the caller then re-solves by another path).

    ``MT`` is Mᵀ (k × m: one row per column of M), the constraint matrix of the polar QP."""
    k, m = MT.shape
    if k == 0:
        return np.zeros(0), ""
    eye = _EYE.get(m)
    if eye is None:
        eye = _EYE[m] = np.eye(m)
    _, _, flag, info = daqp.solve(eye, -y, np.ascontiguousarray(MT), np.zeros(k), np.full(k, -1e30))
    if flag != DAQP_OPTIMAL:
        return None, f"DAQP exit flag {flag}"
    return np.maximum(np.asarray(info["lam"], dtype=float), 0.0), ""
