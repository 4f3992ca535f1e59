"""Exact-rational KKT certificate of a basin value (squared loss, rational data; SS16.Lemma1).

The basin program (numerics.basins.programs) for the squared loss is the QP

    min_U (1/m)‖Σ_j Q_j u_j − y‖²   s.t.  G_j u_j ≥ 0   (rows of G_j: b_j a_{j,t} x_t).

Given an active set 𝒜 (the constraints with zero slack), a point is optimal iff there are
multipliers z_𝒜 ≥ 0 with

    (2/m) Qᵀ(QU − y) − G_𝒜ᵀ z_𝒜 = 0,    G_𝒜 U = 0,    G_{𝒜ᶜ} U ≥ 0

(KKT conditions of a convex QP are sufficient). Every float is a dyadic rational, so data given as
floats are rational; the system is solved by Gauss–Jordan elimination in
:class:`fractions.Fraction`. Where the solution is not unique the free unknowns are fixed to the
exact rational value of the solver's floats (clipped at 0 for multipliers). Primal feasibility
and multiplier signs are then checked exactly, and the value is a Fraction.

The active set is read off the solver: slack ≤ ACTIVE_TOL·scale → active; slack ≥
INACTIVE_TOL·scale → inactive; anything between is reported as an *ambiguous active set* rather
than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from numerics.basins.checks import _check_Xy, check_pattern
from numerics.basins.patterns import _pattern_data
from numerics.basins.programs import _direct_program
from numerics.basins.value import basin_value

ACTIVE_TOL = 1e-7  # slacks below this (relative to ‖x_t‖·max(1, ‖u_j‖)) are zero at the optimum
INACTIVE_TOL = 1e-4  # slacks above this are positive; in between the active set is ambiguous

Status = Literal["certified", "ambiguous active set", "failed"]


@dataclass(frozen=True)
class ExactKKT:
    """Outcome of the rational KKT check: ``value`` is a Fraction when ``status == "certified"``."""

    status: Status
    reason: str
    value: Fraction | None
    U: list[list[Fraction]] | None
    active: tuple[tuple[int, int], ...]
    float_value: float


def _rref_solve(M: list[list[Fraction]], rhs: list[Fraction], guess: list[Fraction]) -> list[Fraction] | None:
    """Solve M x = rhs exactly; free unknowns take their ``guess``. None if inconsistent."""
    rows, cols = len(M), len(M[0]) if M else 0
    aug = [row[:] + [r] for row, r in zip(M, rhs)]
    pivots: list[int] = []
    r = 0
    for c in range(cols):
        piv = next((i for i in range(r, rows) if aug[i][c] != 0), None)
        if piv is None:
            continue
        aug[r], aug[piv] = aug[piv], aug[r]
        inv = 1 / aug[r][c]
        aug[r] = [e * inv for e in aug[r]]
        for i in range(rows):
            if i != r and aug[i][c] != 0:
                f = aug[i][c]
                aug[i] = [a - f * b for a, b in zip(aug[i], aug[r])]
        pivots.append(c)
        r += 1
        if r == rows:
            break
    for i in range(r, rows):
        if aug[i][cols] != 0:
            return None
    x = list(guess)
    pivset = set(pivots)
    for i, c in enumerate(pivots):
        x[c] = aug[i][cols] - sum((aug[i][k] * x[k] for k in range(cols) if k not in pivset and aug[i][k] != 0), Fraction(0))
    return x


def exact_kkt_certificate(
    X: ArrayLike,
    y: ArrayLike,
    A: ArrayLike,
    b: ArrayLike,
    *,
    active: list[tuple[int, int]] | None = None,
    max_branch: int = 8,
) -> ExactKKT:
    """Certify Bas(B^{A,b}) (squared loss) in exact rationals from the solver's active set.

    ``active`` overrides the active set (pairs (neuron j, sample t)); used to show that a wrong
    active set is rejected. Constraints whose slack is in the ambiguous band are branched on
    (both choices, at most ``max_branch`` of them, each candidate set checked exactly — a check,
    not a guess: KKT conditions are sufficient, and all certified sets give the one optimal value).
    With more ambiguous constraints than that the status is "ambiguous active set".
    """
    X, y = _check_Xy(X, y)
    A, b = check_pattern(X, A, b)
    sol = basin_value(X, y, A, b, "squared", method="direct", cache=False)
    n, m, d = A.shape[0], X.shape[0], X.shape[1]
    Q, G = _pattern_data(X, A, b)
    slack = np.einsum("jtd,jd->jt", G, sol.U)
    scale = np.linalg.norm(X, axis=1)[None, :] * np.maximum(1.0, np.linalg.norm(sol.U, axis=1))[:, None]
    rel = slack / scale
    # float multipliers of the cone constraints (the same deterministic direct solve as ``sol``)
    _, _, _, Z, _ = _direct_program(n, m, d).solve(Q, G, y)
    if active is None:
        amb = [tuple(map(int, jt)) for jt in np.argwhere((rel > ACTIVE_TOL) & (rel < INACTIVE_TOL))]
        sure = [tuple(map(int, jt)) for jt in np.argwhere(rel <= ACTIVE_TOL)]
        if len(amb) > max_branch:
            j, t = amb[0]
            return ExactKKT(
                "ambiguous active set",
                f"{len(amb)} constraint(s) have slack between {ACTIVE_TOL:g} and {INACTIVE_TOL:g} "
                f"(e.g. neuron {j}, sample {t}: relative slack {rel[j, t]:.2e}), more than "
                f"max_branch={max_branch}; not guessing",
                None, None, tuple(sure), sol.value,
            )
        last = None
        for mask in range(1 << len(amb)):
            cand = sure + [amb[i] for i in range(len(amb)) if mask >> i & 1]
            last = _certify_active(X, y, A, b, sol, cand, Z)
            if last.status == "certified":
                if amb:
                    last = replace(last, reason=last.reason + f" (after branching on {len(amb)} ambiguous constraint(s))")
                return last
        assert last is not None
        if amb:
            return ExactKKT(
                "ambiguous active set",
                f"no choice for the {len(amb)} ambiguous constraint(s) passes the exact KKT check",
                None, None, tuple(sure), sol.value,
            )
        return last
    return _certify_active(X, y, A, b, sol, [(int(j), int(t)) for j, t in active], Z)


def _certify_active(X, y, A, b, sol, act: list[tuple[int, int]], Z: np.ndarray) -> ExactKKT:
    """The exact KKT check for one active set."""
    n, m, d = A.shape[0], X.shape[0], X.shape[1]
    Q, G = _pattern_data(X, A, b)
    F = Fraction
    yf = [F(float(v)) for v in y]
    Qf = [[[F(float(v)) for v in row] for row in Q[j]] for j in range(n)]  # n × m × d
    Gf = [[[F(float(v)) for v in row] for row in G[j]] for j in range(n)]
    nd, na = n * d, len(act)
    two_m = F(2, m)
    # stationarity: (2/m) Σ_t Q[j][t][i] (Σ_{j',i'} Q[j'][t][i'] u_{j'i'} − y_t) − Σ_a G[j_a][t_a][i]·[j_a = j] z_a = 0
    M: list[list[Fraction]] = []
    rhs: list[Fraction] = []
    for j in range(n):
        for i in range(d):
            row = [F(0)] * (nd + na)
            for jj in range(n):
                for ii in range(d):
                    row[jj * d + ii] = two_m * sum((Qf[j][t][i] * Qf[jj][t][ii] for t in range(m)), F(0))
            for a, (ja, ta) in enumerate(act):
                if ja == j:
                    row[nd + a] = -Gf[ja][ta][i]
            M.append(row)
            rhs.append(two_m * sum((Qf[j][t][i] * yf[t] for t in range(m)), F(0)))
    for a, (ja, ta) in enumerate(act):
        row = [F(0)] * (nd + na)
        for i in range(d):
            row[ja * d + i] = Gf[ja][ta][i]
        M.append(row)
        rhs.append(F(0))
    guess = [F(float(v)) for v in sol.U.ravel()] + [F(max(0.0, float(Z[j, t]))) for j, t in act]
    x = _rref_solve(M, rhs, guess)
    if x is None:
        return ExactKKT("failed", "the KKT system of this active set is inconsistent", None, None, tuple(act), sol.value)
    U = [x[j * d : (j + 1) * d] for j in range(n)]
    z = x[nd:]
    neg = [act[a] for a in range(na) if z[a] < 0]
    if neg:
        return ExactKKT("failed", f"negative multiplier(s) at {neg[:3]}", None, U, tuple(act), sol.value)
    infeasible = [
        (j, t) for j in range(n) for t in range(m)
        if sum((Gf[j][t][i] * U[j][i] for i in range(d)), F(0)) < 0
    ]
    if infeasible:
        return ExactKKT("failed", f"primal infeasible at {infeasible[:3]}", None, U, tuple(act), sol.value)
    p = [sum((Qf[j][t][i] * U[j][i] for j in range(n) for i in range(d)), F(0)) for t in range(m)]
    value = sum(((p[t] - yf[t]) ** 2 for t in range(m)), F(0)) / m
    return ExactKKT("certified", "KKT conditions hold exactly", value, U, tuple(act), sol.value)
