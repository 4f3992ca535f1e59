"""The stopping rules of the compiled SS18 GD (REV.ss18-table), one function at a time:
``must_restart``, ``restart``, ``give_up``, ``record``, ``stepped`` of numerics.ss18.gd_kernel
(shared by the one-run and the lane path), and the status codes.

Oracle: the docstrings of gd_kernel.advance and of each rule (restart at ‖∇F‖ > blowup or a
non-finite F; a rise of F beyond inc_tol·max(1, |F_prev|) is counted unless the point is a
re-evaluated pause point; CONVERGED = 0 at max_i ‖∇_{w_i}F‖ ≤ tol, GOOD = 1 at F < bad_loss
(if use_bad), NOT_CONVERGED = 2 at it ≥ max_iter, PAUSED after m steps), with every boundary
tested on both sides.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics.ss18 import dynamics, gd_kernel


def test_status_codes_are_distinct_from_the_stop_codes():
    """RUNNING and PAUSED must not be mistaken for a stop (0–3, dynamics' codes) or each other."""
    stops = {dynamics.CONVERGED, dynamics.GOOD_EARLY, dynamics.NOT_CONVERGED, dynamics.CERTIFIED_BAD}
    assert stops == {0, 1, 2, 3}
    assert gd_kernel.RUNNING not in stops and gd_kernel.PAUSED not in stops
    assert gd_kernel.RUNNING != gd_kernel.PAUSED
    assert (gd_kernel.RUNNING, gd_kernel.PAUSED) == (-1, -2)  # the values dynamics' arrays start from


# ------------------------------------------------------------------ must_restart
@pytest.mark.parametrize("F, gtot, expected", [
    (0.3, 10.0, False),  # ‖∇F‖ = blowup: not beyond it
    (0.3, np.nextafter(10.0, 11.0), True),
    (0.3, 0.0, False),
    (0.3, math.nan, True),  # ∇F not finite
    (0.3, math.inf, True),
    (math.inf, 1.0, True),  # F not finite
    (math.nan, 1.0, True),
    (-math.inf, 1.0, True),
])
def test_must_restart_beyond_blowup_or_when_not_finite(F, gtot, expected):
    assert gd_kernel.must_restart(F, gtot, 10.0) is expected


# ------------------------------------------------------------------ restart / give_up / stepped
def _arrays(R=2):
    return (np.full(R, 0.4), np.zeros(R, dtype=np.int64), np.full(R, 1.5), np.ones(R, dtype=np.bool_))


def test_restart_halves_the_step_counts_and_forgets_the_previous_loss():
    eta, restarts, F_prev, skip_inc = _arrays()
    assert gd_kernel.restart(1, eta, restarts, F_prev, skip_inc, 2) is True
    assert eta.tolist() == [0.4, 0.2] and restarts.tolist() == [0, 1]
    assert F_prev.tolist() == [1.5, math.inf] and skip_inc.tolist() == [True, False]
    assert gd_kernel.restart(1, eta, restarts, F_prev, skip_inc, 2) is True
    assert eta[1] == 0.1 and restarts[1] == 2


def test_restart_refuses_when_no_restart_is_left():
    """restarts = max_restarts: False and nothing changed (the caller gives up)."""
    eta, restarts, F_prev, skip_inc = _arrays()
    restarts[0] = 3
    assert gd_kernel.restart(0, eta, restarts, F_prev, skip_inc, 3) is False
    assert eta[0] == 0.4 and restarts[0] == 3 and F_prev[0] == 1.5 and skip_inc[0]
    assert gd_kernel.restart(1, eta, restarts, F_prev, skip_inc, 0) is False  # max_restarts = 0


def test_give_up_stops_not_converged_and_records_where():
    status = np.full(2, gd_kernel.RUNNING, dtype=np.int64)
    F_out, gmax_out, gtot_out = np.full(2, np.nan), np.full(2, np.nan), np.full(2, np.nan)
    gd_kernel.give_up(1, 7.0, 16.0, 5.0, status, F_out, gmax_out, gtot_out)
    assert status.tolist() == [gd_kernel.RUNNING, dynamics.NOT_CONVERGED]
    assert F_out[1] == 7.0 and gmax_out[1] == 4.0 and gtot_out[1] == 5.0  # gmax = √gmax2
    assert np.isnan(F_out[0])


def test_stepped_records_the_loss_and_counts_the_step():
    F_prev, it = np.full(2, np.inf), np.array([4, 9], dtype=np.int64)
    gd_kernel.stepped(0, 0.25, F_prev, it)
    assert F_prev.tolist() == [0.25, math.inf] and it.tolist() == [5, 9]


# ------------------------------------------------------------------ record
class Run:
    """The per-run arrays record reads and writes, for runs 0 and 1; run 1 is the one recorded."""

    def __init__(self, F_prev=1.0, skip=False, it=3):
        self.F_prev = np.array([0.0, F_prev])
        self.skip_inc = np.array([False, skip])
        self.it = np.array([0, it], dtype=np.int64)
        self.incr = np.zeros(2, dtype=np.int64)
        self.status = np.full(2, gd_kernel.RUNNING, dtype=np.int64)
        self.F_out, self.gmax_out, self.gtot_out = np.full(2, np.nan), np.full(2, np.nan), np.full(2, np.nan)

    def record(self, F, gmax2=4.0, gtot=3.0, s_=0, m=5, tol=1e-3, bad_loss=0.1, use_bad=True,
               max_iter=10, inc_tol=0.01):
        return gd_kernel.record(1, F, gmax2, gtot, s_, m, self.F_prev, self.skip_inc, self.it, self.incr,
                                self.status, self.F_out, self.gmax_out, self.gtot_out, tol, bad_loss, use_bad,
                                max_iter, inc_tol)


def test_record_steps_a_running_run_and_records_its_point():
    run = Run()
    assert run.record(0.5, gmax2=4.0, gtot=3.0) is True
    assert (run.F_out[1], run.gmax_out[1], run.gtot_out[1]) == (0.5, 2.0, 3.0)
    assert run.status[1] == gd_kernel.RUNNING and run.incr[1] == 0
    assert run.F_prev[1] == 1.0 and run.it[1] == 3  # the caller's stepped() does those
    assert np.isnan(run.F_out[0])


@pytest.mark.parametrize("F_prev, F, rise", [
    # threshold F_prev + inc_tol·max(1, |F_prev|), inc_tol = 0.01
    (0.5, 0.5 + 0.0099, False), (0.5, 0.5 + 0.0101, True),  # |F_prev| < 1: the 1 counts
    (0.5, 0.5 + 0.015, True),  # (not 2·inc_tol: max(1, |F_prev|) is 1 here)
    (10.0, 10.0 + 0.099, False), (10.0, 10.0 + 0.101, True),  # |F_prev| > 1: relative
    (-10.0, -10.0 + 0.099, False), (-10.0, -10.0 + 0.101, True),
    (10.0, 9.0, False), (math.inf, 1e300, False),  # descent; the first point (F_prev = ∞)
])
def test_record_counts_a_rise_beyond_the_relative_tolerance(F_prev, F, rise):
    run = Run(F_prev=F_prev)
    run.record(F)
    assert run.incr[1] == int(rise)
    assert not run.skip_inc[1]


def test_record_does_not_count_a_rise_at_a_re_evaluated_pause_point():
    """skip_inc (set when the run paused there): the rise was counted before; skip_inc clears."""
    run = Run(F_prev=0.5, skip=True)
    assert run.record(0.9) is True
    assert run.incr[1] == 0 and not run.skip_inc[1]
    run.F_prev[1] = 0.5
    run.record(0.9)
    assert run.incr[1] == 1


@pytest.mark.parametrize("tol, status", [(0.5, 0), (np.nextafter(0.5, 0.0), gd_kernel.RUNNING)])
def test_record_stops_converged_at_the_gradient_tolerance(tol, status):
    """CONVERGED when max_i ‖∇_{w_i}F‖ = √gmax2 ≤ tol (gmax2 = ¼: √ exact, = ½)."""
    run = Run()
    assert run.record(0.5, gmax2=0.25, tol=tol) is (status == gd_kernel.RUNNING)
    assert run.status[1] == status
    assert run.F_out[1] == 0.5  # recorded either way


@pytest.mark.parametrize("F, use_bad, status", [
    (0.1, True, gd_kernel.RUNNING),  # F = bad_loss: not below
    (np.nextafter(0.1, 0.0), True, dynamics.GOOD_EARLY),
    (0.01, False, gd_kernel.RUNNING),  # without use_bad, no GOOD stop
])
def test_record_stops_good_below_the_bad_loss(F, use_bad, status):
    run = Run()
    assert run.record(F, bad_loss=0.1, use_bad=use_bad) is (status == gd_kernel.RUNNING)
    assert run.status[1] == status


def test_the_gradient_rule_comes_before_the_good_rule():
    run = Run()
    assert run.record(0.01, gmax2=0.0, bad_loss=0.1) is False
    assert run.status[1] == dynamics.CONVERGED


@pytest.mark.parametrize("it, status", [(9, gd_kernel.RUNNING), (10, dynamics.NOT_CONVERGED),
                                        (11, dynamics.NOT_CONVERGED)])
def test_record_stops_at_the_iteration_cap(it, status):
    run = Run(it=it)
    assert run.record(0.5, max_iter=10) is (status == gd_kernel.RUNNING)
    assert run.status[1] == status


def test_record_pauses_after_m_steps_and_marks_the_point_re_evaluated():
    run = Run()
    assert run.record(0.5, s_=4, m=5) is True
    assert run.status[1] == gd_kernel.RUNNING and not run.skip_inc[1]
    assert run.record(0.5, s_=5, m=5) is False
    assert run.status[1] == gd_kernel.PAUSED and run.skip_inc[1]
    # a stop rule that holds at the pause point wins: the run is stopped, not paused
    run = Run()
    assert run.record(0.5, s_=5, m=5, max_iter=3) is False
    assert run.status[1] == dynamics.NOT_CONVERGED and not run.skip_inc[1]
