"""numerics/ss18/dynamics.py (REV.ss18-table): gradient_descent's protocol defaults and its input
guards, each ValueError naming the argument."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from numerics import ss18
from numerics.ss18 import dynamics


def test_the_protocol_settings_are_the_defaults():
    """Step 0.1, gradient rule 1e-9, cap 1e5 iterations, blow-up at ‖∇F‖ > 1e4 (then restart with
    η/2, at most 30 times), bad level 1e-3, certifier offers from ‖∇F‖ ≤ 1e-3, new proofs from 1e-6."""
    p = inspect.signature(dynamics.gradient_descent).parameters
    got = {k: p[k].default for k in ("step", "tol", "max_iter", "blowup", "bad_loss", "max_restarts",
                                     "check_every", "screen_grad", "create_grad")}
    assert got == {"step": 0.1, "tol": 1e-9, "max_iter": 100_000, "blowup": 1e4, "bad_loss": 1e-3,
                   "max_restarts": 30, "check_every": 50, "screen_grad": 1e-3, "create_grad": 1e-6}


def test_check_positive_int_accepts_one_by_default_and_zero_only_when_allowed():
    assert dynamics.check_positive_int("x", 1) == 1
    with pytest.raises(ValueError, match="x: must be an integer ≥ 1"):
        dynamics.check_positive_int("x", 0)
    assert dynamics.check_positive_int("x", 0, minimum=0) == 0


def test_a_certifier_without_a_bad_level_is_refused():
    V = ss18.teacher(2)
    W0 = ss18.initial_weights(2, 2, 2, seed=3)
    with pytest.raises(ValueError, match="certifier: needs bad_loss"):
        ss18.gradient_descent(W0, V, bad_loss=None, certifier=ss18.Certifier(V))


def test_a_single_point_instead_of_a_batch_is_refused():
    with pytest.raises(ValueError, match="W0: need a batch"):
        ss18.gradient_descent(ss18.initial_weights(1, 2, 2, seed=3)[0], ss18.teacher(2))


def test_a_start_already_beyond_blowup_is_refused_with_its_gradient_norm():
    """The message reports max over runs of ‖∇F(W0_r)‖ (Frobenius norm per run)."""
    V = ss18.teacher(3)
    W0 = ss18.initial_weights(3, 4, 3, seed=5)
    g = max(float(np.linalg.norm(ss18.gradient(w, V))) for w in W0)
    with pytest.raises(ValueError, match=f"W0: gradient norm {g:.3g} > blowup = 0.01 "):
        ss18.gradient_descent(W0, V, blowup=0.01)
