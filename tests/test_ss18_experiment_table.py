"""numerics/ss18/experiment.py (claim REV.ss18-table): the table driver ``run_table`` (per-row
seeds, serial vs. process-pool dispatch, the order of progress calls and results), the merge rule
``_same`` for proved minima, ``distinct_points``, ``check_n_jobs`` and ``ExperimentResult.summary``.

``joblib.Parallel`` is replaced by an in-process stand-in that records how it was asked to run
(rows are independent, so running them here checks the dispatch without starting processes).
Rows are tiny ((1, 1), (2, 1), …: milliseconds each).
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

from numerics import ss18
from numerics.ss18 import experiment as E


KW = dict(max_iter=20_000)


# ---------------------------------------------------------------- run_table


def test_row_seed_is_seed_base_plus_100k_plus_n_and_each_row_is_its_own_experiment():
    rows = [(2, 1), (1, 1)]
    res = ss18.run_table(rows, 3, 5, **KW)
    assert [(r.k, r.n, r.seed) for r in res] == [(2, 1, 5 + 200 + 1), (1, 1, 5 + 100 + 1)]
    for r in res:
        alone = ss18.run_experiment(r.k, r.n, 3, r.seed, **KW)
        assert r.summary() == alone.summary() and np.array_equal(r.gd.loss, alone.gd.loss)


def test_serial_table_calls_progress_with_k_n_in_row_order_and_starts_no_pool(in_process_joblib):
    done = []
    rows = [(1, 1), (2, 1)]
    res = ss18.run_table(rows, 2, 0, n_jobs=1, progress=lambda kn, r: done.append((kn, r.k, r.n)), **KW)
    assert in_process_joblib.made == []
    assert done == [((1, 1), 1, 1), ((2, 1), 2, 1)] and [(r.k, r.n) for r in res] == rows


def test_default_n_jobs_of_run_table_is_serial(in_process_joblib):
    ss18.run_table([(1, 1), (2, 1)], 2, 0, **KW)
    assert in_process_joblib.made == []


def test_a_single_row_runs_serially_even_with_several_workers(in_process_joblib):
    res = ss18.run_table([(2, 1)], 2, 0, n_jobs=2, **KW)
    assert in_process_joblib.made == [] and [(r.k, r.n) for r in res] == [(2, 1)]


def test_parallel_table_submits_big_rows_first_and_returns_the_callers_order(in_process_joblib):
    """Several rows and workers: one loky pool of ``n_jobs`` workers, rows submitted by decreasing
    k·n (longest first), ``progress((k, n), result)`` as they finish, results in ``rows`` order.
    The rows are chosen so that k·n orders them differently from k/n, n·n or k alone."""
    rows = [(1, 2), (3, 1), (2, 2)]  # k·n = 2, 3, 4
    done = []
    res = ss18.run_table(rows, 2, 0, n_jobs=2, progress=lambda kn, r: done.append(kn), **KW)
    (par,) = in_process_joblib.made
    assert (par.n_jobs, par.backend) == (2, "loky")
    assert [a[:2] for a in par.submitted] == [(2, 2), (3, 1), (1, 2)]
    assert done == [(2, 2), (3, 1), (1, 2)]
    assert [(r.k, r.n, r.seed) for r in res] == [(k, n, 100 * k + n) for k, n in rows]


# ---------------------------------------------------------------- merging proved minima


@pytest.fixture(scope="module")
def minimum_2_1():
    """The proved (2, 1) minimum (F ≈ 0.0885; its ball radius ρ ≈ 0.027)."""
    (m,) = ss18.run_experiment(2, 1, 1, 0, **KW).minima
    return m


def test_a_minimum_is_the_same_as_itself(minimum_2_1):
    assert E._same(minimum_2_1, minimum_2_1, True)


def test_minima_of_different_shapes_are_not_the_same(minimum_2_1):
    m = minimum_2_1
    wider = dataclasses.replace(m, W=np.vstack([m.W, m.W]))
    assert not E._same(m, wider, True) and not E._same(wider, m, True)


@pytest.mark.parametrize("dF, same", [(5e-7, True), (1.5e-6, False), (1e-3, False)])
def test_loss_levels_must_agree_to_1e_6_absolute_below_loss_1(minimum_2_1, dF, same):
    """Same centre, loss shifted by dF: merged iff |ΔF| ≤ 1e-6·max(1, |F|) = 1e-6 here (F < 1)."""
    m = minimum_2_1
    assert m.loss < 1
    assert E._same(m, dataclasses.replace(m, loss=m.loss + dF), True) is same


@pytest.mark.parametrize("dF, same", [(5e-6, True), (2e-5, False)])
def test_loss_levels_must_agree_to_1e_6_relative_above_loss_1(minimum_2_1, dF, same):
    """At |F| = 10 the tolerance is relative: 1e-6·10 = 1e-5."""
    m = dataclasses.replace(minimum_2_1, loss=10.0)
    assert E._same(m, dataclasses.replace(m, loss=10.0 + dF), True) is same


@pytest.mark.parametrize("shift, same", [(0.01, True), (0.02, False)])
def test_merged_only_when_centre_plus_location_radius_lies_in_the_ball(minimum_2_1, shift, same):
    """m2 = m1's centre moved by ``shift`` along (1, −1)/√2 with location radius 0.01: inside m1's
    ball (ρ ≈ 0.0267) iff shift + 0.01 < ρ — 0.02 < ρ merges, 0.03 > ρ does not (although the
    centre itself, at 0.02 < ρ, is inside)."""
    m1 = minimum_2_1
    assert 0.021 < m1.radius < 0.029  # the premise of the two cases
    u = np.array([[1.0, -1.0]]) / np.sqrt(2)
    m2 = dataclasses.replace(m1, W=m1.W + shift * u, location_radius=0.01)
    assert E._same(m1, m2, True) is same


# ---------------------------------------------------------------- small helpers


def test_distinct_points_default_relative_tolerance_is_1e_6():
    assert ss18.distinct_points([1.0, 1.0 + 5e-7]) == [0]
    assert ss18.distinct_points([1.0, 1.0 + 5e-6]) == [0, 1]


def test_distinct_points_tolerance_is_relative_to_the_kept_value():
    """At 10 the tolerance is 1e-6·10 = 1e-5: 10 + 5e-6 is the same point, 10 + 2e-5 is not."""
    assert ss18.distinct_points([10.0, 10.0 + 5e-6]) == [0]
    assert ss18.distinct_points([10.0, 10.0 + 2e-5]) == [0, 1]


def test_distinct_points_keeps_a_tiny_value_distinct_from_zero():
    """Relative to 0 the tolerance is 1e-6·1e-300 = 1e-306 (the floor that keeps it defined):
    5e-306 is another point, 5e-307 is the same."""
    assert ss18.distinct_points([0.0, 5e-306]) == [0, 1]
    assert ss18.distinct_points([0.0, 5e-307]) == [0]


def test_n_jobs_minus_one_is_one_worker_when_the_core_count_is_unknown(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert E.check_n_jobs(-1) == 1


def test_summary_lists_bad_losses_rounded_to_nine_digits():
    res = E.ExperimentResult(k=2, n=1, runs=3, seed=0, bad=3, good=0, not_converged=0, decided=3,
                             restarts=0, loss_increases=0, loss_increases_good_early=0, max_iterations=1,
                             bad_losses=[0.25 + 4e-10, 0.25, 0.125 - 3e-10])
    assert res.summary()["distinct_bad_losses"] == [0.125, 0.25]
