"""Batched full-batch gradient descent on F with the certified early decision (REV.ss18-table).

The protocol (Safran & Shamir 2018, as REV describes it): W entries i.i.d. N(0, 1/d), GD with
step 0.1, a run whose gradient norm passes 1e4 restarts from its initial point with half the
step, a run stops when max_i ‖∇_{w_i}F‖ ≤ 1e-9 and is *bad* when then F ≥ 1e-3.

Two early stops replace the slow tails without changing any run's classification:

* GOOD_EARLY — F < bad_loss reached: the run is stopped and counted good. This rests on GD
  being a descent method on the run (F never rises again), which is *measured*, not proved:
  every iteration's rise of F beyond rounding is counted (``loss_increases``), and the claim
  check requires zero rises on the runs counted good early.
* CERTIFIED_BAD — every ``check_every`` iterations, a run with F ≥ bad_loss and a small
  gradient is handed to a :class:`~numerics.ss18.certificate.Certifier`: if its iterate lies (up
  to a symmetry of F) in the accept ball of a minimum x* proved in ball arithmetic, with the
  run's step below that proof's 2/L, GD from there provably converges to x* (certificate module,
  theorem (c)); the run is stopped and is bad iff the certified lower bound of F(x*) is
  ≥ bad_loss. Minima are proved on demand from Newton-polished copies of iterates whose gradient
  is below ``create_grad``. The decision depends only on the run's own trajectory and on which
  minima are already proved, so the counts do not depend on how the runs are batched (the
  iteration at which a run is decided may).

Runs that reach none of these ends within ``max_iter`` iterations are NOT_CONVERGED (undecided):
reported, never counted silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.ss18 import gd_kernel as kernel
from numerics.ss18 import gd_lanes
from numerics.ss18.objective import _as_weights, _check_teacher, _loss_grad, _teacher_constant

Array = NDArray[np.float64]

__all__ = ["initial_weights", "GDResult", "gradient_descent", "CONVERGED", "GOOD_EARLY", "NOT_CONVERGED",
           "CERTIFIED_BAD", "STATUS_NAMES", "INCREASE_TOL", "check_positive_int", "check_positive_real",
           "check_seed"]


def check_positive_int(name: str, val, minimum: int = 1) -> int:
    if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < minimum:
        raise ValueError(f"{name}: must be an integer ≥ {minimum}, got {val!r}")
    return int(val)


def check_positive_real(name: str, val) -> float:
    if isinstance(val, bool) or not isinstance(val, (int, float, np.integer, np.floating)) or not (
        math.isfinite(val) and val > 0
    ):
        raise ValueError(f"{name}: must be a finite positive real number, got {val!r}")
    return float(val)


def check_seed(val) -> int:
    if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 0:
        raise ValueError(f"seed: must be a non-negative integer (a run nobody can reproduce is not "
                         f"evidence), got {val!r}")
    return int(val)


def initial_weights(runs: int, n: int, d: int, seed: int) -> Array:
    """R × n × d initial weights, entries i.i.d. N(0, 1/d), from ``default_rng(seed)``."""
    for name, val in (("runs", runs), ("n", n), ("d", d)):
        check_positive_int(name, val)
    rng = np.random.default_rng(check_seed(seed))
    return rng.standard_normal((runs, n, d)) / np.sqrt(d)


# F is a sum of ≤ (n + k)² kernel terms of size ≲ max ‖w‖‖v‖ (≈ 1 along these runs); with unit
# roundoff 1.1e-16 its float64 value is off by ≲ 1600·2.2e-16 ≈ 4e-13 for n + k ≤ 40, so a rise
# below 1e-12·max(1, |F|) is rounding, not ascent.
INCREASE_TOL = 1e-12

# status codes of a run
CONVERGED = 0  # max_i ‖∇_{w_i}F‖ ≤ tol
GOOD_EARLY = 1  # F < bad_loss reached on a monotone trajectory (stopped there)
NOT_CONVERGED = 2  # iteration cap reached first (undecided)
CERTIFIED_BAD = 3  # in the accept ball of a proved minimum with F(x*) ≥ bad_loss
STATUS_NAMES = {CONVERGED: "converged", GOOD_EARLY: "good_early", NOT_CONVERGED: "not_converged",
                CERTIFIED_BAD: "certified_bad"}


@dataclass
class GDResult:
    """End of R gradient-descent runs (arrays indexed by run)."""

    W: Array  # end points (R, n, d) (for CERTIFIED_BAD: the iterate at the decision)
    loss: Array  # F at the end points
    grad_max: Array  # max_i ‖∇_{w_i}F‖ at the end points
    status: NDArray[np.int64]  # CONVERGED / GOOD_EARLY / NOT_CONVERGED / CERTIFIED_BAD
    iterations: NDArray[np.int64]
    restarts: NDArray[np.int64]  # step halvings (restart from W0) per run
    step: Array  # final step per run
    loss_increases: NDArray[np.int64]  # iterations where F went up (monotonicity check)
    minimum: NDArray[np.int64]  # index into certifier.minima of the run's proved end (−1: none)
    lane_evaluations: NDArray[np.int64]  # evaluations of F, ∇F made in the vector lanes (gd_lanes)


def gradient_descent(
    W0: ArrayLike,
    V: ArrayLike,
    *,
    step: float = 0.1,
    tol: float = 1e-9,
    max_iter: int = 100_000,
    blowup: float = 1e4,
    bad_loss: float | None = 1e-3,
    max_restarts: int = 30,
    certifier=None,
    check_every: int = 50,
    screen_grad: float = 1e-3,
    create_grad: float = 1e-6,
    lanes: int = gd_lanes.LANES,
) -> GDResult:
    """Full-batch GD on F for a batch of runs W0 (R, n, d), vectorized over runs (module docstring).

    Each run: W ← W − η∇F(W); if ‖∇F(W)‖ > ``blowup`` (or F, ∇F stop being finite) the run
    restarts from its W0 with η/2; it stops CONVERGED when max_i ‖∇_{w_i}F‖ ≤ ``tol``, GOOD_EARLY
    when F < ``bad_loss`` (if set), CERTIFIED_BAD when ``certifier`` (a
    :class:`~numerics.ss18.certificate.Certifier` for V) proves its end, NOT_CONVERGED after
    ``max_iter`` iterations or ``max_restarts`` halvings. A run is offered to the certifier when
    F ≥ bad_loss and ‖∇F‖ ≤ its threshold (initially ``screen_grad``, halved after each failed
    offer, so a run costs O(log) offers); it may prove a new minimum only when ‖∇F‖ ≤ ``create_grad``.
    ``lanes``: live runs evaluated together in the vector lanes (:mod:`numerics.ss18.gd_lanes`;
    0 = one run at a time); bitwise the same trajectories either way.
    """
    W0 = _as_weights(W0, "W0")
    if W0.ndim != 3:
        raise ValueError(f"W0: need a batch of shape (R, n, d), got {W0.shape}")
    V = _check_teacher(W0, V)
    step = check_positive_real("step", step)
    tol = check_positive_real("tol", tol)
    blowup = check_positive_real("blowup", blowup)
    if bad_loss is not None:
        bad_loss = check_positive_real("bad_loss", bad_loss)
    max_iter = check_positive_int("max_iter", max_iter)
    max_restarts = check_positive_int("max_restarts", max_restarts, minimum=0)
    check_every = check_positive_int("check_every", check_every)
    lanes = check_positive_int("lanes", lanes, minimum=0)
    if certifier is not None and bad_loss is None:
        raise ValueError("certifier: needs bad_loss (a certified end is bad only relative to it)")
    _, G0 = _loss_grad(W0, V)
    g0 = np.sqrt((G0**2).sum(axis=(-1, -2)))
    if np.any(g0 > blowup):
        raise ValueError(
            f"W0: gradient norm {g0.max():.3g} > blowup = {blowup:g} at the initial point itself; "
            "restarting there with a smaller step could never help"
        )
    vconst = _teacher_constant(V)
    R = W0.shape[0]
    W = W0.copy()
    eta = np.full(R, float(step))
    F_prev = np.full(R, np.inf)
    skip_inc = np.zeros(R, dtype=np.bool_)
    iters = np.zeros(R, dtype=np.int64)
    restarts = np.zeros(R, dtype=np.int64)
    increases = np.zeros(R, dtype=np.int64)
    status = np.full(R, kernel.RUNNING, dtype=np.int64)
    F = np.full(R, np.nan)
    gmax = np.full(R, np.nan)
    gtot = np.full(R, np.nan)
    minimum = np.full(R, -1, dtype=np.int64)
    lane_evals = np.zeros(R, dtype=np.int64)
    next_try = np.full(R, float(screen_grad))
    use_bad = bad_loss is not None
    while True:
        gd_lanes.advance(W, W0, eta, F_prev, skip_inc, iters, restarts, increases, status, F, gmax, gtot,
                         V, vconst, check_every, tol, bad_loss if use_bad else 0.0, use_bad, blowup,
                         max_restarts, max_iter, INCREASE_TOL, lanes, lane_evals)
        paused = np.flatnonzero(status == kernel.PAUSED)
        if paused.size == 0:
            break
        if certifier is not None:
            for j in paused[(F[paused] >= bad_loss) & (gtot[paused] <= next_try[paused])]:
                m = certifier.decide(W[j], float(F[j]), float(eta[j]), create=bool(gtot[j] <= create_grad))
                if m is not None and certifier.minima[m].F_enclosure[0] >= bad_loss:
                    status[j] = CERTIFIED_BAD
                    minimum[j] = m
                else:
                    next_try[j] = 0.5 * gtot[j]
    return GDResult(W, F, gmax, status, iters, restarts, eta, increases, minimum, lane_evals)
