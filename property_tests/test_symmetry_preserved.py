"""QA.symmetry-preserved: twin hidden units stay bit-identical under GD and SGD, every activation.

The (S)GD of numerics.symmetry computes every per-unit quantity by the same sequence of scalar
IEEE operations (math.fsum, length-1 activation calls; see its module docstring), so the claim is
checked with tolerance 0: the two units' parameters must agree as int64 bit patterns.
Negative control: move one incoming weight of the twin by one ulp (np.nextafter); the same check
must then see the units differ after k steps.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from numerics import symmetry as sym
from overspec.testing import ClaimRejected

ACTS = ["tanh", "relu", "sin", "x_plus_x2", "sigmoid"]
# the evidence fixture is shared by a property test's examples on purpose: it accumulates counts
SHARED_EVIDENCE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def _count(evidence, key: str, by: int = 1) -> None:
    evidence.record(**{key: evidence.data.get(key, 0) + by})


def check_twins_stay_identical(traj: list[sym.QANet], q1: int, q2: int) -> int:
    """ClaimRejected unless units q1, q2 are bit-identical at every iterate; returns #iterates checked.

    ValueError if an iterate is not finite (a diverged run proves nothing about identity)."""
    for k, net in enumerate(traj):
        if not _finite(net):
            raise ValueError(f"traj: iterate {k} is not finite (step too large for this activation)")
        if not sym.units_bit_identical(net, q1, q2):
            diff = float(np.abs(net.unit(q1) - net.unit(q2)).max())
            raise ClaimRejected(f"units {q1}, {q2} differ at step {k}: max |Δ| = {diff:.3e}")
    return len(traj)


def _finite(net: sym.QANet) -> bool:
    return all(bool(np.all(np.isfinite(a))) for a in (net.W, net.b_h, net.V, net.b_o))


def _run(pb: dict, net: sym.QANet) -> tuple[list[sym.QANet], list[sym.QANet]] | None:
    """GD and SGD trajectories, or None when a run overflows (x_plus_x2 with a large step can
    diverge: a non-finite run says nothing about bit-identity, and Hypothesis discards it)."""
    args = (pb["X"], pb["t"], pb["lr"], pb["steps"])
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            gd = sym.gd(net, *args, activation=pb["activation"])
            sgd = sym.sgd(net, *args, seed=pb["seed"], activation=pb["activation"], batch=pb["batch"])
        except (ValueError, OverflowError) as exc:  # fsum of ±inf terms
            if "inf" not in str(exc) and not isinstance(exc, OverflowError):
                raise
            return None
    if not (_finite(gd[-1]) and _finite(sgd[-1])):
        return None
    return gd, sgd


@st.composite
def twin_problems(draw):
    p = draw(st.integers(1, 3))
    m = draw(st.integers(2, 4))
    n = draw(st.integers(1, 5))
    q1, q2 = draw(st.lists(st.integers(0, m - 1), min_size=2, max_size=2, unique=True))
    fl = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    W = np.array(draw(st.lists(fl, min_size=p * m, max_size=p * m))).reshape(p, m)
    b = np.array(draw(st.lists(fl, min_size=m, max_size=m)))
    V = np.array(draw(st.lists(fl, min_size=m, max_size=m)))
    # the incoming weight the negative control moves by one ulp: a normal float of magnitude ≥ 1/4
    # (so that its ulp is not a subnormal that the bias absorbs; see the control's docstring)
    W[0, q1] = draw(st.floats(0.25, 1.5)) * draw(st.sampled_from([-1.0, 1.0]))
    W[:, q2], b[q2], V[q2] = W[:, q1], b[q1], V[q1]  # the twin: identical in- and outgoing weights
    X = np.array(draw(st.lists(fl, min_size=n * p, max_size=n * p))).reshape(n, p)
    t = np.array(draw(st.lists(fl, min_size=n, max_size=n)))
    return {
        "net": sym.make_qanet(W, b, V, draw(fl)),
        "X": X, "t": t, "q1": q1, "q2": q2,
        "activation": draw(st.sampled_from(ACTS)),
        "lr": draw(st.floats(1e-3, 0.02)),
        "steps": draw(st.integers(1, 6)),
        "seed": draw(st.integers(0, 2**16)),
        "batch": draw(st.integers(1, n)),
    }


@pytest.mark.claim("QA.symmetry-preserved", kind="numerical")
@SHARED_EVIDENCE
@given(pb=twin_problems())
def test_twin_units_stay_bit_identical_under_gd_and_sgd(evidence, pb):
    runs = _run(pb, pb["net"])
    assume(runs is not None)
    gd, sgd = runs
    checked = check_twins_stay_identical(gd, pb["q1"], pb["q2"]) + check_twins_stay_identical(sgd, pb["q1"], pb["q2"])
    # the dynamics are not trivial: the parameters did move
    moved = not np.array_equal(gd[-1].unit(pb["q1"]), gd[0].unit(pb["q1"]))
    evidence.record(comparison="int64 bit patterns of (W[:,q], b_q, V_q), tolerance 0", activations=ACTS)
    _count(evidence, "examples")
    _count(evidence, "iterates_checked", checked)
    _count(evidence, "examples_where_twins_moved", int(moved))
    _count(evidence, f"examples_{pb['activation']}")
    evidence.tolerance("bit_identity", 0.0, "exact: unit-symmetric operation order (math.fsum, length-1 activation calls)")


@pytest.mark.claim("QA.symmetry-preserved", kind="numerical")
@pytest.mark.parametrize("activation", ACTS)
def test_twin_units_identical_after_many_steps_each_activation(evidence, activation):
    """A fixed, longer run per activation (20 GD and 20 SGD steps, width 5, twins 1 and 3)."""
    rng = np.random.default_rng(11)
    W, b, V = 0.5 * rng.normal(size=(3, 5)), 0.5 * rng.normal(size=5), 0.5 * rng.normal(size=5)
    W[:, 3], b[3], V[3] = W[:, 1], b[1], V[1]
    net = sym.make_qanet(W, b, V, 0.3)
    X, t = 0.7 * rng.normal(size=(6, 3)), rng.normal(size=6)
    gd = sym.gd(net, X, t, 0.01, 20, activation)
    sgd = sym.sgd(net, X, t, 0.01, 20, seed=5, activation=activation)
    check_twins_stay_identical(gd, 1, 3)
    check_twins_stay_identical(sgd, 1, 3)
    change = float(np.abs(gd[-1].unit(1) - gd[0].unit(1)).max())
    assert change > 0  # the twins moved, together
    evidence.record(activation=activation, steps=20, seed=11, sgd_seed=5, twin_parameter_change=change)


@pytest.mark.claim("QA.symmetry-preserved", kind="numerical", control=True)
@SHARED_EVIDENCE
@given(pb=twin_problems())
def test_one_ulp_perturbation_separates_the_units(evidence, pb):
    """The twin's incoming weight W[0, q2] (|W| ≥ 1/4) moves one ulp; after k steps of GD and of SGD
    the same check must see two different units.

    Scope: floating point can in principle re-merge two units one ulp apart (a perturbation below
    half an ulp of the updated weight is rounded away, and a subnormal ulp of a zero weight is
    absorbed by the bias — the case Hypothesis found with W = 0, which is why the moved weight is
    drawn with magnitude ≥ 1/4 and steps ≤ 0.02, and moved one ulp *away from zero*: moving a
    power of two towards zero crosses into the finer binade below, where Hypothesis found a one-step
    re-merge; see test_one_ulp_split_towards_zero_can_be_rounded_away)."""
    net = pb["net"].copy()
    w = net.W[0, pb["q2"]]
    net.W[0, pb["q2"]] = np.nextafter(w, np.copysign(np.inf, w))  # one ulp, away from zero
    runs = _run(pb, net)
    assume(runs is not None)
    gd, sgd = runs
    # the mutated claim "the perturbed twins stay identical" over the steps 1..k (step 0 differs by
    # construction and is not looked at), for GD and for SGD together
    with pytest.raises(ClaimRejected):
        check_twins_stay_identical(gd[1:] + sgd[1:], pb["q1"], pb["q2"])
    diff = max(float(np.abs(net.unit(pb["q1"]) - net.unit(pb["q2"])).max()) for net in gd[1:] + sgd[1:])
    assert diff > 0
    evidence.record(mutation="one incoming weight of the twin moved one ulp (np.nextafter)", rejected=True)
    _count(evidence, "examples_rejected")
    evidence.record(min_max_unit_difference_over_steps=min(diff, evidence.data.get("min_max_unit_difference_over_steps", np.inf)))


def test_make_qanet_rejects_bad_input():
    with pytest.raises(ValueError, match="b_h"):
        sym.make_qanet(np.ones((2, 3)), np.ones(2), np.ones(3), 0.0)
    with pytest.raises(ValueError, match="W"):
        sym.make_qanet(np.array([[np.nan, 1.0]]), np.ones(2), np.ones(2), 0.0)
    net = sym.make_qanet(np.ones((2, 3)), np.ones(3), np.ones(3), 0.0)
    with pytest.raises(ValueError, match="lr"):
        sym.gd(net, np.ones((1, 2)), np.ones(1), -1.0, 1)
    with pytest.raises(ValueError, match="X"):
        sym.gradients(net, np.ones((1, 3)), np.ones(1))


def test_gradients_match_numerics_network_for_tanh():
    """Cross-check of the scalar code path against an independent vectorized formula."""
    rng = np.random.default_rng(3)
    W, b, V = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=3)
    X, t = rng.normal(size=(4, 2)), rng.normal(size=4)
    net = sym.make_qanet(W, b, V, 0.2)
    g = sym.gradients(net, X, t, "tanh")
    H = np.tanh(X @ W + b)
    r = H @ V + 0.2 - t
    dZ = 2 * r[:, None] * V[None, :] * (1 - H**2)
    np.testing.assert_allclose(g.W, X.T @ dZ, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(g.V, 2 * H.T @ r, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(g.b_h, dZ.sum(0), rtol=1e-12, atol=1e-13)
    # the answer's formula for tanh: ∂L/∂W_11 = 2 V_1 (t − o) x_1 (h_1² − 1), summed over samples
    qa = np.sum(2 * V[0] * (t - (H @ V + 0.2)) * X[:, 0] * (H[:, 0] ** 2 - 1))
    np.testing.assert_allclose(g.W[0, 0], qa, rtol=1e-12)


def test_one_ulp_split_towards_zero_can_be_rounded_away():
    """The example Hypothesis found (kept as a documented limit of the negative control, not of the
    claim): W = 0.25 moved one ulp *down* lands in the finer binade below 1/4; one tanh GD step
    then rounds both twins to the same float, so a one-ulp split need not survive in floating point."""
    W = np.array([[0.25, np.nextafter(0.25, 0.0)]])
    net = sym.make_qanet(W, [0.0, 0.0], [1.5, 1.5], 0.0)
    traj = sym.gd(net, np.array([[1.0]]), np.array([0.0]), 0.0078125, 1, "tanh")
    assert not sym.units_bit_identical(traj[0], 0, 1)
    assert sym.units_bit_identical(traj[1], 0, 1)
