"""Exact rational KKT certificates of basin values (numerics.basins.exact_kkt; SS16.Lemma1).

Hand case: X = I₂, y = (1, −1), one neuron active on both samples with output sign +, so
u ∈ K = R₊², p = u, and Bas = min_{u ≥ 0} ((u₁ − 1)² + (u₂ + 1)²)/2 = 1/2 at u = (1, 0) with the
constraint u₂ ≥ 0 active and multiplier z = (2/m)(p₂ − y₂)·… = 1 > 0. Each wrong active set is
rejected for its own documented reason. Also the exact Gauss–Jordan solver (unique, free and
inconsistent systems), the ambiguous band and branching bookkeeping.
"""

from __future__ import annotations

import importlib
import re
from fractions import Fraction as F
from types import SimpleNamespace

import numpy as np
import pytest

import numerics.basins.exact_kkt as ek
from numerics.basins.exact_kkt import ACTIVE_TOL, INACTIVE_TOL, ExactKKT, _rref_solve, exact_kkt_certificate

X = np.array([[1.0, 0.0], [0.0, 1.0]])
Y = np.array([1.0, -1.0])
A = np.array([[1, 1]])
B = np.array([1])


def test_hand_case_is_certified_with_its_exact_value_minimiser_and_active_set():
    ex = exact_kkt_certificate(X, Y, A, B)
    assert ex.status == "certified" and ex.reason == "KKT conditions hold exactly"
    assert ex.value == F(1, 2) and isinstance(ex.value, F)
    assert ex.U == [[F(1), F(0)]]
    assert ex.active == ((0, 1),)
    assert ex.float_value == pytest.approx(0.5, abs=1e-7)  # Clarabel's 1e-8 gap, ×10


@pytest.mark.parametrize(
    "active, reason",
    [
        ([], r"primal infeasible at \[\(0, 1\)\]"),  # unconstrained optimum u = (1, −1) ∉ K
        ([(0, 0)], r"negative multiplier\(s\) at \[\(0, 0\)\]"),  # forcing u₁ = 0 needs z < 0
        ([(0, 0), (0, 1)], r"negative multiplier\(s\) at \[\(0, 0\)\]"),
    ],
)
def test_wrong_active_sets_fail_for_the_documented_reason(active, reason):
    ex = exact_kkt_certificate(X, Y, A, B, active=active)
    assert ex.status == "failed" and ex.value is None
    assert ex.active == tuple(active)
    assert re.search(reason, ex.reason), ex.reason


def test_the_given_right_active_set_is_certified():
    ex = exact_kkt_certificate(X, Y, A, B, active=[(np.int64(0), np.int64(1))])
    assert ex.status == "certified" and ex.value == F(1, 2) and ex.active == ((0, 1),)


def test_a_second_neuron_of_the_other_output_sign_fits_both_samples_exactly():
    # u₀ ∈ R₊², u₁ ∈ −R₊² (b = −1), both active everywhere: p = u₀ + u₁ is free, Bas = 0
    ex = exact_kkt_certificate(X, Y, np.array([[1, 1], [1, 1]]), np.array([1, -1]))
    assert ex.status == "certified" and ex.value == 0


def test_rref_solves_a_unique_system_exactly():
    M = [[F(2), F(1)], [F(1), F(3)]]
    x = _rref_solve(M, [F(3), F(5)], [F(0), F(0)])
    assert x == [F(4, 5), F(7, 5)]


def test_rref_gives_free_unknowns_their_guess():
    # x₀ + x₁ = 2 (x₁ free): x₁ keeps its guess 7/2, x₀ = 2 − 7/2
    x = _rref_solve([[F(1), F(1)]], [F(2)], [F(0), F(7, 2)])
    assert x == [F(-3, 2), F(7, 2)]
    # a zero first column: x₀ free, x₁ = 3
    x = _rref_solve([[F(0), F(1)], [F(0), F(2)]], [F(3), F(6)], [F(5), F(0)])
    assert x == [F(5), F(3)]


def test_rref_with_more_rows_than_unknowns_checks_the_remaining_rows():
    # 3 equations, 2 unknowns: consistent, then inconsistent in the last row
    M = [[F(1), F(0)], [F(0), F(1)], [F(1), F(1)]]
    assert _rref_solve(M, [F(1), F(2), F(3)], [F(0), F(0)]) == [F(1), F(2)]
    assert _rref_solve(M, [F(1), F(2), F(4)], [F(0), F(0)]) is None
    # a square singular system with an inconsistent right-hand side
    assert _rref_solve([[F(1), F(1)], [F(2), F(2)]], [F(1), F(3)], [F(0), F(0)]) is None


def test_tolerances_bound_an_ambiguous_band():
    assert 0 < ACTIVE_TOL < INACTIVE_TOL
    assert (ACTIVE_TOL, INACTIVE_TOL) == (1e-7, 1e-4)


def test_a_weakly_active_constraint_with_a_zero_multiplier_is_certified():
    # y = (1, 0): the optimum u = (1, 0) touches u₂ ≥ 0 with multiplier (2/m)(u₂ − y₂) = 0 exactly
    ex = exact_kkt_certificate(X, np.array([1.0, 0.0]), A, B, active=[(0, 1)])
    assert ex.status == "certified" and ex.value == 0 and ex.U == [[F(1), F(0)]]


@pytest.mark.parametrize(
    "u, ambiguous",
    [
        (5e-8, False),  # relative slack 5e-8 ≤ ACTIVE_TOL = 1e-7: active
        (1.5e-7, True),  # just above 1e-7 (the scale is ‖x‖·max(1, ‖u‖) = 3·1)
        (5e-7, True),
        (4e-5, True),  # below INACTIVE_TOL = 1e-4 (relative: slack 3u over scale 3)
        (5e-4, False),  # above 1e-4: inactive
    ],
)
def test_the_ambiguous_band_is_relative_slack_between_1e_7_and_1e_4(monkeypatch, u, ambiguous):
    """One sample x = 3, one neuron active on it, a solver point u: the constraint's slack is 3u
    and its scale ‖x‖·max(1, |u|) = 3, so the relative slack is u; max_branch = 0 reports every
    constraint in the band instead of branching. (The solver's point is set by hand, on a fresh
    instance of the module.)"""
    mod = importlib.import_module("numerics.basins.exact_kkt")
    monkeypatch.setattr(mod, "basin_value", lambda *a, **k: SimpleNamespace(U=np.array([[u]]), value=0.0))
    ex = mod.exact_kkt_certificate(np.array([[3.0]]), np.array([1.0]), np.array([[1]]), np.array([1]), max_branch=0)
    assert (ex.status == "ambiguous active set") is ambiguous, ex.reason
    if ambiguous:
        assert "between 1e-07 and 0.0001" in ex.reason and f"relative slack {u:.2e}" in ex.reason


def test_the_default_branching_limit_is_eight_ambiguous_constraints(monkeypatch):
    """Nine copies of x = 1, one neuron active on all, the solver's point u = 5e-7: nine
    constraints in the ambiguous band, one more than the default max_branch = 8."""
    monkeypatch.setattr(ek, "basin_value", lambda *a, **k: SimpleNamespace(U=np.array([[5e-7]]), value=0.0))
    X9 = np.ones((9, 1))
    ex = exact_kkt_certificate(X9, np.ones(9), np.ones((1, 9), dtype=int), np.array([1]))
    assert ex.status == "ambiguous active set"
    assert "9 constraint(s)" in ex.reason and "max_branch=8" in ex.reason


def test_branching_reports_ambiguity_when_no_choice_passes(monkeypatch):
    """When every candidate active set fails the exact check, branching on an ambiguous constraint
    says so instead of returning a failed guess; with no ambiguous constraint the last failure is
    returned as is."""
    X2 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y2 = np.array([1.0, 2.0, 3.0])  # fitted exactly at u = (1, 2): every slack positive
    A2 = np.array([[1, 1, 1]])
    B2 = np.array([1])
    calls = []

    def always_fails(X, y, A, b, sol, act, Z):
        calls.append(sorted(act))
        return ExactKKT("failed", "forced", None, None, tuple(act), sol.value)

    monkeypatch.setattr(ek, "_certify_active", always_fails)
    # slack band made to contain every constraint with a positive relative slack
    monkeypatch.setattr(ek, "ACTIVE_TOL", 0.0)
    monkeypatch.setattr(ek, "INACTIVE_TOL", np.inf)
    ex = exact_kkt_certificate(X2, y2, A2, B2)
    assert ex.status == "ambiguous active set" and ex.value is None and ex.U is None
    assert ex.reason == "no choice for the 3 ambiguous constraint(s) passes the exact KKT check"
    # every subset of the 3 ambiguous constraints was tried, the empty one first
    assert len(calls) == 8 and calls[0] == [] and sorted(map(tuple, calls)) == sorted(
        tuple(sorted(c)) for c in [[(0, t) for t in range(3) if k >> t & 1] for k in range(8)]
    )
    # no ambiguous constraint: the one candidate's failure comes back unchanged
    monkeypatch.setattr(ek, "INACTIVE_TOL", 0.0)
    calls.clear()
    ex = exact_kkt_certificate(X2, y2, A2, B2)
    assert ex.status == "failed" and ex.reason == "forced" and len(calls) == 1 and calls[0] == []


def test_branching_stops_at_max_branch_ambiguous_constraints(monkeypatch):
    monkeypatch.setattr(ek, "ACTIVE_TOL", 0.0)
    monkeypatch.setattr(ek, "INACTIVE_TOL", np.inf)
    X2 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y2 = np.array([1.0, 2.0, 3.0])  # fitted in the interior: every slack positive → 3 ambiguous
    ex = exact_kkt_certificate(X2, y2, np.array([[1, 1, 1]]), np.array([1]), max_branch=2)
    assert ex.status == "ambiguous active set"
    assert "3 constraint(s)" in ex.reason and "max_branch=2" in ex.reason
    ok = exact_kkt_certificate(X2, y2, np.array([[1, 1, 1]]), np.array([1]), max_branch=3)
    assert ok.status == "certified" and "after branching on 3 ambiguous constraint(s)" in ok.reason
