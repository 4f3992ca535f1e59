"""The basin convex program (SS16.Lemma1): CVXPY (every loss) and Clarabel on hand-compiled data.

With the explicit constraints p = Σ_j Q_j u_j (multiplier λ) and G_j u_j ≥ 0 (multipliers
z_j ≥ 0), Q_j rows [a_{j,t}=+1]·x_t and G_j rows b_j a_{j,t} x_t (numerics.basins.patterns
._pattern_data). Each solve returns (U, p, λ, Z, status); the certificate is computed by
numerics.basins.certificate, never taken from the solver's status alone.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from numerics.basins.errors import SolverError
from numerics.basins.losses import Loss, _loss_cvx, _loss_token

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Clarabel's own stopping tolerances (tol_gap_abs = tol_gap_rel = tol_feas = 1e-8).
CLARABEL_TOL = 1e-8


class BasinProgram:
    """The basin convex program for fixed (n, m, d, loss), compiled once (DPP) and re-solved.

    Parameters: Q_j, G_j (m × d, one per neuron) and y (m). Variables u_j ∈ R^d and p ∈ R^m.
    Explicit constraints: ``link``: p = Σ_j Q_j u_j, ``cone[j]``: G_j u_j ≥ 0.
    """

    def __init__(self, n: int, m: int, d: int, loss: Loss) -> None:
        self.n, self.m, self.d, self.loss = n, m, d, loss
        self.u = [cp.Variable(d, name=f"u{j}") for j in range(n)]
        self.p = cp.Variable(m, name="p")
        self.Q = [cp.Parameter((m, d), name=f"Q{j}") for j in range(n)]
        self.G = [cp.Parameter((m, d), name=f"G{j}") for j in range(n)]
        self.y = cp.Parameter(m, name="y")
        self.cone = [self.G[j] @ self.u[j] >= 0 for j in range(n)]
        self.link = self.p == cp.sum([self.Q[j] @ self.u[j] for j in range(n)])
        objective = cp.Minimize(cp.sum(_loss_cvx(loss, self.p, self.y)) / m)
        self.problem = cp.Problem(objective, [*self.cone, self.link])
        if not self.problem.is_dcp(dpp=False):
            raise ValueError("loss: the loss is not convex in the prediction (not DCP)")
        self.dpp = self.problem.is_dpp()

    def solve(self, Q: Array, G: Array, y: Array) -> tuple[Array, Array, Array, Array, str]:
        """(U, p, λ, Z, status) with λ the multiplier of p = ΣQ_j u_j, Z (n × m) those of G u ≥ 0."""
        for j in range(self.n):
            self.Q[j].value = Q[j]
            self.G[j].value = G[j]
        self.y.value = y
        try:
            self.problem.solve(solver=cp.CLARABEL, ignore_dpp=not self.dpp)
        except cp.error.SolverError as exc:
            raise SolverError(f"Clarabel failed: {exc}") from exc
        status = self.problem.status
        if status != "optimal":
            raise SolverError(f"basin program: solver status {status!r} (only 'optimal' is accepted)")
        U = np.array([self.u[j].value for j in range(self.n)], dtype=float)
        lam = -np.asarray(self.link.dual_value, dtype=float)  # CVXPY: L = h + ν(p − QU) ⇒ λ = −ν
        Z = np.array([self.cone[j].dual_value for j in range(self.n)], dtype=float)
        return U, np.asarray(self.p.value, dtype=float), lam, Z, status


_PROGRAMS: dict[tuple, BasinProgram] = {}


def basin_program(n: int, m: int, d: int, loss: Loss) -> BasinProgram:
    """The compiled program for (n, m, d, loss) (built on first use, then reused)."""
    key = (n, m, d, _loss_token(loss))
    prog = _PROGRAMS.get(key)
    if prog is None:
        prog = _PROGRAMS[key] = BasinProgram(n, m, d, loss)
    return prog


class _DirectSquared:
    """Squared loss in Clarabel's form, sparsity fixed per (n, m, d); only values change.

    x = (u_1, …, u_n, r) ∈ R^{nd+m}; minimise ½xᵀPx with P = diag(0, (2/m)I) = (1/m)‖r‖²;
    rows 0..m−1 (zero cone):  Σ_j Q_j u_j − r = y    (multiplier λ)
    rows m..m+nm−1 (≥ 0):     −G_j u_j + s = 0, s ≥ 0 (multipliers z_j ≥ 0).
    """

    def __init__(self, n: int, m: int, d: int) -> None:
        import clarabel

        self.n, self.m, self.d = n, m, d
        nd = n * d
        self.P = sp.csc_matrix(
            (np.full(m, 2.0 / m), (np.arange(nd, nd + m), np.arange(nd, nd + m))),
            shape=(nd + m, nd + m),
        )
        self.q = np.zeros(nd + m)
        # Column k = j·d + i of u holds Q_j[:, i] (rows 0..m−1) then −G_j[:, i] (rows m + j·m + t).
        rows_q = np.tile(np.arange(m), nd)
        rows_g = (m + np.repeat(np.arange(n), d * m) * m + np.tile(np.arange(m), nd)).astype(np.int64)
        u_rows = np.stack([rows_q.reshape(nd, m), rows_g.reshape(nd, m)], axis=1).reshape(nd, 2 * m)
        r_rows = np.arange(m)[:, None]
        self.indices = np.concatenate([u_rows.ravel(), r_rows.ravel()]).astype(np.int64)
        self.indptr = np.r_[np.arange(nd + 1) * 2 * m, 2 * m * nd + np.arange(1, m + 1)].astype(np.int64)
        self.shape = (m + n * m, nd + m)
        self.cones = [clarabel.ZeroConeT(m), clarabel.NonnegativeConeT(n * m)]
        st = clarabel.DefaultSettings()
        st.verbose = False
        st.presolve_enable = False
        st.chordal_decomposition_enable = False
        self.settings = st
        self._clarabel = clarabel

    def solve(self, Q: Array, G: Array, y: Array) -> tuple[Array, Array, Array, Array, str]:
        n, m, d = self.n, self.m, self.d
        # per column (j, i): Q_j[:, i] then −G_j[:, i]
        qcols = Q.transpose(0, 2, 1).reshape(n * d, m)
        gcols = -G.transpose(0, 2, 1).reshape(n * d, m)
        data = np.concatenate([np.hstack([qcols, gcols]).ravel(), np.full(m, -1.0)])
        A = sp.csc_matrix((data, self.indices, self.indptr), shape=self.shape)
        bvec = np.concatenate([y, np.zeros(n * m)])
        solver = self._clarabel.DefaultSolver(self.P, self.q, A, bvec, self.cones, self.settings)
        sol = solver.solve()
        status = str(sol.status)
        if status != "Solved":
            raise SolverError(f"basin program (direct Clarabel): status {status!r} (only 'Solved' is accepted)")
        x = np.asarray(sol.x)
        z = np.asarray(sol.z)
        U = x[: n * d].reshape(n, d)
        p = x[n * d :] + y
        return U, p, z[:m].copy(), z[m:].reshape(n, m), "optimal"


_DIRECT: dict[tuple, _DirectSquared] = {}


def _direct_program(n: int, m: int, d: int) -> _DirectSquared:
    key = (n, m, d)
    prog = _DIRECT.get(key)
    if prog is None:
        prog = _DIRECT[key] = _DirectSquared(n, m, d)
    return prog


