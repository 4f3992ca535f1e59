"""The compiled SS18 GD loops (REV.ss18-table): ``numerics.ss18.gd_kernel.advance`` (one run at a
time) and ``numerics.ss18.gd_lanes.advance`` (the runs in vector lanes), on tiny instances.

Oracles:
* the one-run loop against :func:`reference_advance`, the rules of gd_kernel.advance's docstring
  written out with the NumPy closed form ``numerics.ss18.objective._loss_grad`` (no kernel code):
  statuses, iteration, restart and rise counts equal, points and losses to rounding;
* pausing changes nothing: many calls of m steps give bit for bit what one long call gives
  (the docstring: the next call re-evaluates the paused point without counting a rise twice);
* the lane loop against the one-run loop, bit for bit on every output (gd_lanes' docstring),
  with refills (more live runs than lanes), idle lanes, restarts, give-ups, every stop rule,
  pauses and runs stopped before the call; ≥ MIN_LANES = 12 live runs go to the lanes, fewer
  (or ``lanes`` < 12) to the one-run loop.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics.ss18 import gd_kernel, gd_lanes
from numerics.ss18.objective import _loss_grad, _teacher_constant

RUNNING, PAUSED = gd_kernel.RUNNING, gd_kernel.PAUSED
CONVERGED, GOOD, NOT_CONVERGED = 0, 1, 2
INC_TOL = 1e-12


class Batch:
    """The per-run state arrays of advance (as numerics.ss18.dynamics.gradient_descent sets them up)."""

    def __init__(self, W0, eta, status=None):
        R = W0.shape[0]
        self.W0 = np.ascontiguousarray(W0, dtype=float)
        self.W = self.W0.copy()
        self.eta = np.array(eta, dtype=float)
        self.F_prev = np.full(R, np.inf)
        self.skip_inc = np.zeros(R, dtype=np.bool_)
        self.it = np.zeros(R, dtype=np.int64)
        self.restarts = np.zeros(R, dtype=np.int64)
        self.incr = np.zeros(R, dtype=np.int64)
        self.status = np.full(R, RUNNING, dtype=np.int64) if status is None else np.array(status, dtype=np.int64)
        self.F = np.full(R, np.nan)
        self.gmax = np.full(R, np.nan)
        self.gtot = np.full(R, np.nan)
        self.vec_evals = np.zeros(R, dtype=np.int64)

    def state(self):
        return (self.W, self.eta, self.F_prev, self.skip_inc, self.it, self.restarts, self.incr, self.status,
                self.F, self.gmax, self.gtot)

    def copy(self):
        other = Batch(self.W0, self.eta, self.status)
        for name in vars(self):
            setattr(other, name, getattr(self, name).copy())
        return other


def run_kernel(batch, V, m, tol=1e-9, bad_loss=0.0, use_bad=False, blowup=1e4, max_restarts=30,
               max_iter=100_000):
    gd_kernel.advance(*batch.state()[:1], batch.W0, *batch.state()[1:], V, _teacher_constant(V), m, tol,
                      bad_loss, use_bad, blowup, max_restarts, max_iter, INC_TOL)


def run_lanes(batch, V, m, lanes, tol=1e-9, bad_loss=0.0, use_bad=False, blowup=1e4, max_restarts=30,
              max_iter=100_000):
    gd_lanes.advance(*batch.state()[:1], batch.W0, *batch.state()[1:], V, _teacher_constant(V), m, tol,
                     bad_loss, use_bad, blowup, max_restarts, max_iter, INC_TOL, lanes, batch.vec_evals)


def reference_advance(b, V, m, tol=1e-9, bad_loss=0.0, use_bad=False, blowup=1e4, max_restarts=30,
                      max_iter=100_000):
    """gd_kernel.advance's docstring, with NumPy's F and ∇F: per run and iteration evaluate F, ∇F;
    if ‖∇F‖ > blowup or F is not finite, restart from W0 with half the step (at most
    max_restarts times, else stop NOT_CONVERGED there); count a rise of F beyond
    inc_tol·max(1, |F_prev|) (not at a re-evaluated pause point); stop CONVERGED when
    max_i ‖∇_{w_i}F‖ ≤ tol, GOOD when F < bad_loss (if use_bad), NOT_CONVERGED when it ≥ max_iter;
    after m steps pause at the evaluated point; else step W ← W − η∇F."""
    def evaluate(w):
        F, G = _loss_grad(w[None], V)
        rows = np.sqrt((G[0] ** 2).sum(1))
        return float(F[0]), G[0], float(rows.max()), float(np.sqrt((G[0] ** 2).sum()))

    for r in range(len(b.W)):
        if b.status[r] not in (RUNNING, PAUSED):
            continue
        b.status[r] = RUNNING
        for s in range(m + 1):
            F, G, gmax, gtot = evaluate(b.W[r])
            if not gtot <= blowup or not math.isfinite(F):
                if b.restarts[r] >= max_restarts:
                    b.status[r], b.F[r], b.gmax[r], b.gtot[r] = NOT_CONVERGED, F, gmax, gtot
                    break
                b.eta[r] /= 2
                b.restarts[r] += 1
                b.F_prev[r], b.skip_inc[r] = np.inf, False
                b.W[r] = b.W0[r]
                F, G, gmax, gtot = evaluate(b.W[r])
            if not b.skip_inc[r] and F > b.F_prev[r] + INC_TOL * max(1.0, abs(b.F_prev[r])):
                b.incr[r] += 1
            b.skip_inc[r] = False
            b.F[r], b.gmax[r], b.gtot[r] = F, gmax, gtot
            if gmax <= tol:
                b.status[r] = CONVERGED
            elif use_bad and F < bad_loss:
                b.status[r] = GOOD
            elif b.it[r] >= max_iter:
                b.status[r] = NOT_CONVERGED
            elif s == m:
                b.status[r], b.skip_inc[r] = PAUSED, True
            else:
                b.W[r] -= b.eta[r] * G
                b.F_prev[r] = F
                b.it[r] += 1
                continue
            break


def assert_same(a, b, exact=True):
    """Every output of two batches: bit for bit (exact) or discrete ones equal and the floats to
    rounding (kernel vs NumPy: another summation order, ≈ 1e-16 per evaluation; 1e-11 leaves
    room for its growth over ≤ 40 steps of GD, whose map is a contraction on these runs)."""
    for name in ("status", "it", "restarts", "incr", "skip_inc", "eta"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), (name, getattr(a, name), getattr(b, name))
    for name in ("W", "F", "gmax", "gtot", "F_prev"):
        x, y = getattr(a, name), getattr(b, name)
        if exact:
            assert np.array_equal(x, y, equal_nan=True), name
        else:
            f = np.isfinite(x)
            assert np.array_equal(f, np.isfinite(y)) and np.array_equal(x[~f], y[~f], equal_nan=True), name
            assert np.allclose(x[f], y[f], rtol=1e-11, atol=1e-11), (name, np.abs(x[f] - y[f]).max())


V2 = np.eye(2)
V_TALL = np.random.default_rng(21).standard_normal((3, 2))  # k = 3 > d = n = 2, not the identity


def _start(R, seed, n=2, d=2):
    return np.random.default_rng(seed).standard_normal((R, n, d)) / np.sqrt(d)


# ------------------------------------------------------------------ one run at a time
def test_one_run_loop_follows_the_documented_rules_and_pauses():
    """Five runs of k = n = d = 2, 6 steps: a plain one; step 3.0 (F oscillates and rises, no
    blow-up); step 5 and 20 (blow up past ‖∇F‖ = 10, restart with a halved step: once, and
    more often); one stopped before the call (untouched). All paused at an evaluated point."""
    b = Batch(_start(5, 3), [0.1, 3.0, 5.0, 20.0, 0.1], [RUNNING] * 4 + [CONVERGED])
    b.W[4] = 7.0  # a stopped run's point and outputs stay as they are
    ref = b.copy()
    run_kernel(b, V2, 6, blowup=10.0)
    reference_advance(ref, V2, 6, blowup=10.0)
    assert_same(b, ref, exact=False)
    assert b.status.tolist() == [PAUSED] * 4 + [CONVERGED] and np.all(b.W[4] == 7.0)
    assert b.it.tolist() == [6, 6, 6, 6, 0] and b.skip_inc.tolist() == [True] * 4 + [False]
    assert b.restarts[3] > b.restarts[2] > 0 == b.restarts[0] == b.restarts[1]
    assert b.incr[1] > 0 == b.incr[0]
    # the paused point is evaluated and recorded, not yet stepped: F there, F_prev one step earlier
    F, G = _loss_grad(b.W[:4], V2)
    assert np.allclose(b.F[:4], F, rtol=1e-13) and np.all(b.F_prev[:4] != b.F[:4])
    # the next call goes on from there
    run_kernel(b, V2, 6, blowup=10.0)
    reference_advance(ref, V2, 6, blowup=10.0)
    assert_same(b, ref, exact=False)
    assert b.it.tolist() == [12, 12, 12, 12, 0]


@pytest.mark.parametrize("V", [V2, V_TALL], ids=["identity", "tall"])
def test_one_run_loop_stops_by_each_rule(V):
    """tol, bad_loss and max_iter set so that runs end at each: CONVERGED, GOOD, NOT_CONVERGED
    (the cap), NOT_CONVERGED (blown up with no restart left, max_restarts = 1), each equal to
    the reference; for the identity and for a non-square teacher (k = 3, d = 2)."""
    W0 = _start(8, 4)
    eta = [1.0, 0.5, 0.2, 0.05, 30.0, 100.0, 1.0, 0.1]
    for kw in (dict(tol=0.05, max_iter=40), dict(bad_loss=0.02, use_bad=True, max_iter=40),
               dict(tol=1e-3, bad_loss=1e-3, use_bad=True, max_iter=15)):
        b = Batch(W0, eta)
        ref = b.copy()
        run_kernel(b, V, 100, blowup=5.0, max_restarts=1, **kw)
        reference_advance(ref, V, 100, blowup=5.0, max_restarts=1, **kw)
        assert_same(b, ref, exact=False)
        assert PAUSED not in b.status and RUNNING not in b.status
        assert np.any(b.restarts == 1) and np.any((b.status == NOT_CONVERGED) & (b.it < kw["max_iter"]))


def test_pausing_changes_no_trajectory():
    """One call of 60 steps, or calls of 1 or 2 steps until every run has stopped: the same
    points, losses, counts and statuses, bit for bit — also the rises of F (the step-3.0 runs
    rise at pause points, which a re-evaluation must not count twice) and the restarts."""
    W0 = _start(4, 3)
    eta = [0.1, 3.0, 5.0, 1.0]
    kw = dict(tol=1e-6, blowup=10.0, max_iter=60)
    one = Batch(W0, eta)
    run_kernel(one, V2, 1000, **kw)
    assert PAUSED not in one.status and one.incr[1] > 0 and one.restarts[2] > 0
    for m in (1, 2):
        b = Batch(W0, eta)
        calls = 0
        while calls == 0 or PAUSED in b.status:
            run_kernel(b, V2, m, **kw)
            calls += 1
        assert calls > 60 // m // 2
        assert_same(b, one)


# ------------------------------------------------------------------ the lanes
def _lane_batch(R, seed, V):
    """R runs: steps 0.1, 1.0, 3.0 (rises), 30 (blows up three times: a give-up, max_restarts = 2),
    5.0 (restarts, then goes on at 2.5) in turn, every sixth run stopped before the call (its
    state must stay as it is)."""
    W0 = _start(R, seed)
    eta = [(0.1, 1.0, 3.0, 30.0, 5.0, 0.5)[r % 6] for r in range(R)]
    status = [CONVERGED if r % 6 == 5 else RUNNING for r in range(R)]
    b = Batch(W0, eta, status)
    b.W[5::6] = 7.0
    return b


LANE_RULES = dict(tol=0.01, bad_loss=0.01, use_bad=True, blowup=10.0, max_restarts=2, max_iter=30)


@pytest.mark.parametrize("R, lanes, V", [(23, 16, V2), (16, 32, V_TALL)], ids=["refill", "idle-lanes"])
def test_lane_loop_is_bitwise_the_one_run_loop(R, lanes, V):
    """gd_lanes.advance against gd_kernel.advance, call after call (m = 4) until every run has
    stopped: every output bit for bit. 23 runs (20 live) in 16 lanes: lanes are refilled as runs
    stop or pause; 16 runs (14 live) in a block of 16: 2 idle lanes. Each lane evaluation is
    counted: in one call a live run is evaluated once per step and once at its end point."""
    b = _lane_batch(R, 5, V)
    ref = b.copy()
    live = b.status == RUNNING
    assert live.sum() >= gd_lanes.MIN_LANES
    first = True
    while first or PAUSED in ref.status:
        it0 = b.it.copy()
        evals0 = b.vec_evals.copy()
        run_lanes(b, V, 4, lanes, **LANE_RULES)
        run_kernel(ref, V, 4, **LANE_RULES)
        assert_same(b, ref)
        if first:
            assert np.array_equal(b.vec_evals - evals0, np.where(live, b.it - it0 + 1, 0))
            assert np.all(b.W[~live] == 7.0)
        first = False
    statuses = set(ref.status.tolist())
    assert {CONVERGED, NOT_CONVERGED} | ({GOOD} if V is V2 else set()) <= statuses  # k > n: F > 0 at the end
    assert np.any(ref.restarts == 2) and np.any((ref.restarts == 1) & (ref.status != NOT_CONVERGED))
    assert np.any(ref.incr > 0)


@pytest.mark.parametrize("live, lanes, in_lanes", [(12, 16, True), (11, 16, False), (20, 8, False),
                                                   (20, 0, False), (20, 12, True)])
def test_lanes_are_used_from_twelve_live_runs_and_twelve_lanes(live, lanes, in_lanes):
    """With fewer than MIN_LANES = 12 live runs, or lanes < 12 (0: one run at a time), the one-run
    loop does the work (no lane evaluation); otherwise the lanes. The result is the same."""
    b = Batch(_start(live + 2, 8), [0.5] * (live + 2), [RUNNING] * live + [GOOD, NOT_CONVERGED])
    ref = b.copy()
    run_lanes(b, V2, 3, lanes)
    run_kernel(ref, V2, 3)
    assert_same(b, ref)
    assert np.all(b.vec_evals[live:] == 0)
    assert np.all(b.vec_evals[:live] == (4 if in_lanes else 0))  # 3 steps and the pause point


def test_lane_loop_resumes_paused_runs_and_skips_stopped_ones():
    """Runs PAUSED before the call are live (resumed), stopped ones are not; 12 paused runs and
    2 stopped ones go to the lanes."""
    b = Batch(_start(14, 9), [0.5] * 14)
    run_kernel(b, V2, 2)
    b.status[12:] = [CONVERGED, GOOD]
    assert np.all(b.status[:12] == PAUSED)
    ref = b.copy()
    run_lanes(b, V2, 2, 16)
    run_kernel(ref, V2, 2)
    assert_same(b, ref)
    assert np.all(b.vec_evals[:12] == 3) and np.all(b.vec_evals[12:] == 0)
    assert np.all(b.it[:12] == 4) and np.all(b.it[12:] == 2)


def test_a_lane_count_beyond_the_live_runs_sizes_the_block_by_the_live_runs():
    """The block holds min(lanes, live) runs (rounded up to 16): ``lanes`` = 2⁴⁰ on 12 live runs
    allocates a 16-lane block, not 2⁴⁰ lanes (which no machine could), and gives the one-run result."""
    b = Batch(_start(12, 10), [0.5] * 12)
    ref = b.copy()
    run_lanes(b, V2, 2, 2**40)
    run_kernel(ref, V2, 2)
    assert_same(b, ref)
    assert np.all(b.vec_evals == 3)


def test_the_lane_loop_runs_until_its_last_run_has_left():
    """Eleven runs converge within ≤ 12 steps, one (step 0.001) runs on alone in its lane until
    the iteration cap: it is finished and written back like in the one-run loop."""
    b = Batch(_start(12, 6), [1.0] * 11 + [0.001])
    ref = b.copy()
    rules = dict(tol=0.05, max_iter=40)
    run_lanes(b, V2, 1000, 16, **rules)
    run_kernel(ref, V2, 1000, **rules)
    assert_same(b, ref)
    assert ref.status[11] == NOT_CONVERGED and ref.it[11] == 40 and np.all(ref.status[:11] == CONVERGED)
