"""The basin convex programs (numerics.basins.programs; SS16.Lemma1): CVXPY and direct Clarabel.

What is checked: a user loss that is convex but not DPP (a product of parameters) is accepted
and solved (its value is the squared-loss value for the targets y²), and the program records
that it is not DPP; a solver failure of either path is a SolverError naming the path, never a
number; compiled programs are reused per (n, m, d, loss); the direct path's multipliers solve the
basin's stationarity conditions.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

import numerics.basins.programs as pr
from numerics.basins import SolverError, basin_value, sign_pattern
from numerics.basins.patterns import _pattern_data

# Clarabel stops at a 1e-8 gap: 1e-7 is the engine's agreement target
AGREE = 1e-7


def _instance(seed: int = 0, n: int = 2, m: int = 5, d: int = 2):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    A, b = sign_pattern(rng.normal(size=(n, d)), np.array([1.0, -1.0] * (n // 2) + [1.0] * (n % 2)), X)
    return X, y, A, b


@pytest.mark.filterwarnings("ignore:You are solving a parameterized problem that is not DPP")
def test_a_convex_but_not_dpp_user_loss_is_solved():
    X, y, A, b = _instance(0)

    def shifted(p, yy):  # y∘y: a product of parameters, convex in p but not DPP
        return cp.square(p - cp.multiply(yy, yy))

    bm = basin_value(X, y, A, b, loss=shifted, cache=False)
    ref = basin_value(X, y**2, A, b, method="direct", cache=False)
    assert bm.value == pytest.approx(ref.value, abs=AGREE)
    assert pr.basin_program(2, 5, 2, shifted).dpp is False
    assert pr.basin_program(2, 5, 2, "squared").dpp is True


def test_programs_are_compiled_once_per_shape_and_loss():
    assert pr.basin_program(1, 4, 2, "squared") is pr.basin_program(1, 4, 2, "squared")
    assert pr.basin_program(1, 4, 2, "squared") is not pr.basin_program(1, 4, 2, "absolute")
    assert pr.basin_program(1, 4, 2, "squared") is not pr.basin_program(2, 4, 2, "squared")
    assert pr._direct_program(1, 4, 2) is pr._direct_program(1, 4, 2)
    assert pr._direct_program(1, 4, 2) is not pr._direct_program(1, 4, 3)


def test_a_cvxpy_solver_failure_is_a_solver_error(monkeypatch):
    X, y, A, b = _instance(1)
    prog = pr.basin_program(2, 5, 2, "absolute")

    def fail(*a, **k):
        raise cp.error.SolverError("forced failure")

    monkeypatch.setattr(prog.problem, "solve", fail)
    with pytest.raises(SolverError, match="Clarabel failed: forced failure"):
        basin_value(X, y, A, b, "absolute", cache=False)


def test_a_direct_clarabel_status_other_than_solved_is_a_solver_error(monkeypatch):
    X, y, A, b = _instance(2)
    prog = pr._direct_program(2, 5, 2)

    class Sol:
        status = "MaxIterations"

    class Solver:
        def __init__(self, *a):
            pass

        def solve(self):
            return Sol()

    monkeypatch.setattr(prog._clarabel, "DefaultSolver", Solver)
    with pytest.raises(SolverError, match=r"basin program \(direct Clarabel\): status 'MaxIterations'"):
        basin_value(X, y, A, b, method="direct", cache=False)


def test_direct_multipliers_satisfy_the_basin_stationarity():
    """(2/m)·Q_jᵀ(p − y) = G_jᵀz_j with z ≥ 0 and λ = (2/m)(p − y) at the optimum."""
    X, y, A, b = _instance(3, n=3, m=6, d=3)
    Q, G = _pattern_data(X, A, b)
    U, p, lam, Z, status = pr._direct_program(3, 6, 3).solve(Q, G, y)
    assert status == "optimal"
    assert np.allclose(p, np.einsum("jtd,jd->t", Q, U), atol=1e-7)  # the link constraint
    assert np.allclose(lam, (2.0 / 6) * (p - y), atol=1e-7)  # ∂h/∂p at the optimum
    assert Z.min() >= -1e-8  # Clarabel's tolerance 1e-8
    stat = np.einsum("jtd,t->jd", Q, lam) - np.einsum("jtd,jt->jd", G, Z)
    assert np.abs(stat).max() <= 1e-7
