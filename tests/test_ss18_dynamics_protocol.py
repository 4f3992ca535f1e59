"""numerics/ss18/dynamics.py (REV.ss18-table): gradient_descent's protocol as its docstring states it,
observed on small runs — the defaults in action (called WITHOUT the argument), the rise counter's
rounding tolerance, and the certifier offer protocol (offer at ‖∇F‖ ≤ screen_grad, threshold halved
after each failed offer, new proofs only at ‖∇F‖ ≤ create_grad, bad iff the proved lower bound of
F(x*) is ≥ bad_loss).

The certifier here is a recording stand-in with the two members gradient_descent uses
(``decide(W, F, step, create)`` and ``minima[m].F_enclosure``): the point is to observe what the
run offers, not to prove minima (that is tests/test_ss18_certificate_*.py).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from numerics import ss18

V2 = ss18.teacher(2)
W0_2 = ss18.initial_weights(1, 2, 2, seed=1)  # converges to the teacher in ~2000 steps of 0.1


class RecordingCertifier:
    """Answers every offer with ``answer``; one 'proved minimum' with the given F enclosure."""

    def __init__(self, answer=None, enclosure=(0.0, 0.0)):
        self.answer = answer
        self.minima = [SimpleNamespace(F_enclosure=list(enclosure))]
        self.offers: list[dict] = []

    def decide(self, W, F, step, create):
        self.offers.append({"grad": float(np.linalg.norm(ss18.gradient(W, V2))), "F": F,
                            "F_at_W": float(ss18.loss(W, V2)), "step": step, "create": create})
        return self.answer


# --- defaults, observed by calling without the argument ------------------------------------------

def test_default_tol_stops_at_gradient_one_e_minus_nine():
    """Default tol = 1e-9: the run ends CONVERGED with max_i ‖∇_{w_i}F‖ ≤ 1e-9, and (linear
    convergence at rate ≈ 0.99 per step) just below it, not a decade earlier or later."""
    res = ss18.gradient_descent(W0_2, V2, bad_loss=None)
    assert res.status[0] == ss18.CONVERGED
    assert 1e-10 < res.grad_max[0] <= 1e-9
    G = ss18.gradient(res.W[0], V2)
    assert np.linalg.norm(G, axis=1).max() <= 1e-9 * (1 + 1e-6)  # 1e-6: float gradient vs kernel's


def test_default_bad_level_stops_good_early_just_below_one_e_minus_three():
    """Default bad_loss = 1e-3: the run stops GOOD_EARLY at the first F < 1e-3 (F falls ≲ 1 % per
    step there, so the stopping F is within a few per cent of 1e-3)."""
    res = ss18.gradient_descent(W0_2, V2)
    assert res.status[0] == ss18.GOOD_EARLY
    assert 0.9e-3 < res.loss[0] < 1e-3


def test_default_iteration_cap_is_one_hundred_thousand():
    """A run far too slow to converge (step 1e-9) stops NOT_CONVERGED after exactly 100 000 steps."""
    res = ss18.gradient_descent(W0_2, V2, step=1e-9, bad_loss=None, check_every=100_000)
    assert res.status[0] == ss18.NOT_CONVERGED
    assert res.iterations[0] == 100_000


def test_default_restart_budget_is_thirty_halvings():
    """A step that blows up at every restart (1e12 halved 30 times is still ≈ 931) gives up
    NOT_CONVERGED after exactly 30 restarts, with step 1e12 / 2**30."""
    res = ss18.gradient_descent(W0_2, V2, step=1e12, bad_loss=None)
    assert res.status[0] == ss18.NOT_CONVERGED
    assert res.restarts[0] == 30
    assert res.step[0] == 1e12 / 2**30  # exact: halving is exact in binary floating point


def test_default_blowup_level_is_named_in_the_refusal_of_a_steep_start():
    W0 = 1e5 * ss18.initial_weights(1, 2, 2, seed=1)  # ‖∇F‖ ≈ π‖W‖ ≫ 1e4
    with pytest.raises(ValueError, match="W0: gradient norm .* > blowup = 10000 at the initial point"):
        ss18.gradient_descent(W0, V2)


def test_one_steep_start_in_a_batch_is_enough_to_refuse_it():
    """The initial-point check applies to every run: one steep run among tame ones is refused."""
    W0 = np.concatenate([W0_2, 1e5 * W0_2])
    with pytest.raises(ValueError, match="W0: gradient norm"):
        ss18.gradient_descent(W0, V2)


# --- the rise counter ----------------------------------------------------------------------------

def test_rises_beyond_one_e_minus_twelve_are_counted_and_rounding_rises_are_not():
    """loss_increases counts iterations with F_t > F_{t−1} + 1e-12·max(1, |F_{t−1}|) (module
    comment at INCREASE_TOL). Oracle: the sequence F_t read off runs capped at t = 1..T (the run is
    deterministic; at the cap the result holds F at W_t) and that rule applied to it. The run
    starts 3e-8 from the teacher along the Hessian's top eigenvector with step 2.3/λ_max, so F grows
    by ≈ 1.69 per step: rises go from rounding size (≈ 1e-16) through the band (1e-12, 1e-11)."""
    lam, U = np.linalg.eigh(ss18.hessian(V2, V2))
    W0 = (V2 + 3e-8 * U[:, -1].reshape(V2.shape))[None]
    kw = dict(step=2.3 / lam[-1], tol=1e-300, bad_loss=None)
    T = 22
    F = [float(ss18.loss(W0[0], V2))]
    F += [float(ss18.gradient_descent(W0, V2, max_iter=t, **kw).loss[0]) for t in range(1, T + 1)]
    rises = np.diff(F)
    threshold = 1e-12 * np.maximum(1.0, np.abs(F[:-1]))
    # the case really probes the threshold: rises on both sides of it, none within 10 % of it
    assert np.any((rises > 0) & (rises < 1e-13)) and np.sum((rises > 1e-12) & (rises < 1e-11)) >= 3
    assert not np.any(np.abs(rises / threshold - 1) < 0.1)
    res = ss18.gradient_descent(W0, V2, max_iter=T, **kw)
    assert res.loss_increases[0] == int(np.sum(rises > threshold))


# --- the certifier offer protocol ----------------------------------------------------------------

# near the teacher F is a difference of O(1) terms: it reaches 0 by rounding (< 1e-20, GOOD_EARLY)
# about when ‖∇F‖ reaches 1e-9 (CONVERGED); which comes first is a rounding accident
DECIDED_GOOD = (ss18.CONVERGED, ss18.GOOD_EARLY)


def _offers(cert, **kw):
    # bad_loss 1e-20: F stays above it (F ≈ 2e-16 at ‖∇F‖ ≈ 6e-9), so the run is offered until it
    # converges; check_every 10: the gradient falls ≈ 17 % per pause, so most pauses are not offers
    res = ss18.gradient_descent(W0_2, V2, bad_loss=1e-20, certifier=cert, check_every=10, **kw)
    return res, cert.offers


def test_offers_start_below_screen_grad_and_halve_after_each_failure():
    """Default screen_grad = 1e-3: the first offer has ‖∇F‖ ≤ 1e-3 (and is the first pause below it:
    the one before it was above 1e-3 at most a pause's decrease earlier), each later offer at most
    half the previous one's ‖∇F‖; each offer passes F at the point and the run's step."""
    res, offers = _offers(RecordingCertifier())
    assert res.status[0] in DECIDED_GOOD
    g = np.array([o["grad"] for o in offers])
    assert len(g) >= 8
    slack = 1 + 1e-6  # the float ‖∇F‖ here vs the kernel's: rounding, far below the margins
    assert 0.7e-3 < g[0] <= 1e-3 * slack
    assert np.all(g[1:] <= 0.5 * g[:-1] * slack)
    assert np.all(g[1:] > 0.3 * g[:-1])  # … and offered again once below half: ≤ 3 pauses later
    for o in offers:
        assert o["step"] == 0.1
        assert abs(o["F"] - o["F_at_W"]) <= 1e-15  # 1e-15: two float evaluations of F ≲ 5e-6


def test_new_proofs_are_allowed_only_below_create_grad():
    """Default create_grad = 1e-6: ``create`` is True exactly on the offers with ‖∇F‖ ≤ 1e-6; the
    case has offers on both sides and in the decade just above (1e-6, 1e-5]."""
    _, offers = _offers(RecordingCertifier())
    g = np.array([o["grad"] for o in offers])
    create = np.array([o["create"] for o in offers])
    assert np.any((g > 1e-6) & (g <= 1e-5)) and np.any(g <= 1e-6)
    assert not np.any(np.abs(g / 1e-6 - 1) < 1e-3)  # no offer within rounding of the threshold
    assert np.array_equal(create, g <= 1e-6)


def test_a_proved_minimum_whose_lower_bound_reaches_bad_loss_stops_the_run_certified_bad():
    cert = RecordingCertifier(answer=0, enclosure=(2e-20, 3e-20))
    res, offers = _offers(cert)
    assert len(offers) == 1
    assert res.status[0] == ss18.CERTIFIED_BAD and res.minimum[0] == 0
    assert np.linalg.norm(ss18.gradient(res.W[0], V2)) == pytest.approx(offers[0]["grad"], rel=1e-9)


def test_a_proved_minimum_whose_enclosure_straddles_bad_loss_does_not_make_the_run_bad():
    """Bad iff the certified LOWER bound of F(x*) is ≥ bad_loss: an enclosure [5e-21, 3e-20] around
    bad_loss = 1e-20 decides nothing; the run keeps being offered and converges."""
    cert = RecordingCertifier(answer=0, enclosure=(5e-21, 3e-20))
    res, offers = _offers(cert)
    assert res.status[0] in DECIDED_GOOD and res.minimum[0] == -1
    assert len(offers) >= 8
