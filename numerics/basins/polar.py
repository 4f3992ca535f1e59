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
#: DAQP's primal feasibility tolerances on Mᵀλ ≤ 0, tried in turn. These constraints *are* the
#: Farkas dual feasibility of the certificate: at DAQP's default (1e-6) slopes of −1e-7 remained,
#: which the certificate accepts (≤ 1e-6 relative) but which left values up to 8e-7 above
#: Clarabel's at n = 10, m = 20, d = 5; at 1e-10 the residuals are ≈ 1e-11 and the values agree,
#: but DAQP then reports "infeasible" (flag −1, impossible: λ = 0 is feasible) on ≈ 0.4 % of
#: problems, which are re-solved at 1e-7 (then 1e-5). A candidate whose complementarity
#: |⟨Mc − y, Mc⟩| exceeds 1e-10·(1 + ‖y‖²) is polished: the least squares on its support
#: {i : c_i > 0} is solved exactly and kept when it stays positive (the NNLS optimum is that
#: least-squares solution on the optimal support), so the multipliers' own rounding does not
#: reach the certificate (it failed 1 in 6000 basins without this).
PRIMAL_TOLS = (1e-10, 1e-7, 1e-5)
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
    MT = np.ascontiguousarray(MT)
    flags = []
    for tol in PRIMAL_TOLS:
        _, _, flag, info = daqp.solve(eye, -y, MT, np.zeros(k), np.full(k, -1e30), primal_tol=tol)
        if flag == DAQP_OPTIMAL:
            c = np.maximum(np.asarray(info["lam"], dtype=float), 0.0)
            # complementarity ⟨Mc − y, Mc⟩ = 0 (the certificate's gap, up to 2/m); where the
            # multipliers' rounding breaks it, polish
            p = c @ MT
            if abs(float((p - y) @ p)) > 1e-10 * (1.0 + float(y @ y)):
                c = _polish(MT, y, c)
            return c, ""
        flags.append(str(flag))
    return None, f"DAQP exit flag {', '.join(flags)}"


def _polish(MT: Array, y: Array, c: Array) -> Array:
    """c with its support's least squares solved exactly (kept only if it stays > 0)."""
    S = np.flatnonzero(c > 0)
    if S.size == 0 or S.size > MT.shape[1]:
        return c
    cS, *_ = np.linalg.lstsq(MT[S].T, y, rcond=None)
    if np.all(cS > 0):
        c = np.zeros_like(c)
        c[S] = cS
    return c
