"""numerics.stiff_flow: the classification criterion at its exact thresholds, decided cells, guards.

Claims ZBZ24.full-sample, .separation, .init-scale, .ratio (the integrator and criterion they use).
Oracles: the criterion's rules as its docstring states them (checked at the exact threshold
values, chosen as powers of two or as the very products the rules compare), a single tanh neuron
started next to the target (exponential convergence: recovered), a single neuron fitted to n = 2 < d + 1
samples (an interpolating minimum with a non-zero test error: the other class), and the loss,
gradient and test error recomputed from the returned checkpoints with numerics.network.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics import network as net
from numerics import stiff_flow as sf

W_STAR = np.array([1.0, -0.5])


def _recovering_cell(**kw):
    """One tanh neuron on n = 4 Gaussian points, started 1e-2 from the target (1, w*): locally
    identifiable (3 parameters, rank-3 Jacobian), so L and G fall exponentially."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 2))
    y = np.tanh(X @ W_STAR)
    args = dict(name="near", theta0=np.r_[1.0, W_STAR] + 1e-2 * rng.normal(size=3), X=X, y=y,
                X_test=X, target=y)
    args.update(kw)
    return sf.make_cell(**args)


def _other_minimum_cell():
    """One tanh neuron fitted to n = 2 samples in d = 2 (3 parameters ≥ 2 equations): the flow
    reaches an interpolating point exponentially, which differs from the target off the samples."""
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.tanh(X @ W_STAR)
    X_test = np.array([[1.0, 1.0], [2.0, -1.0], [-1.0, 0.5]])
    return sf.make_cell("other", np.array([0.3, 0.2, 0.4]), X, y, X_test, np.tanh(X_test @ W_STAR))


FAST = sf.Criterion(j_first=0, j_max=4)  # checkpoints t = 1, 10, 100, 1000, 10⁴


def test_a_cell_started_next_to_the_target_is_recovered_and_its_histories_are_consistent():
    cell = _recovering_cell()
    r = sf.integrate_cell(cell, FAST)
    assert r.status == sf.RECOVERED and r.name == "near"
    n = r.t.size
    assert np.array_equal(r.t, 10.0 ** np.arange(n)) and n >= 2 and r.decided_at == r.t[-1]
    assert r.theta.shape == (n, 3) and np.array_equal(r.end, r.theta[-1])
    for j in range(n):
        f = net.batched_predict(r.theta[j], cell.X_test)[0]
        assert r.gen_error[j] == pytest.approx(np.mean((f - cell.target) ** 2), rel=1e-12, abs=1e-300)
        assert r.loss[j] == pytest.approx(net.loss(r.theta[j], cell.X, cell.y), rel=1e-12, abs=1e-300)
        assert r.grad_norm[j] == pytest.approx(np.linalg.norm(net.gradient(r.theta[j], cell.X, cell.y)),
                                               rel=1e-9, abs=1e-300)
    # the decision is the criterion's verdict on the histories, and not already one checkpoint earlier
    assert FAST.decide(r.gen_error, r.loss, r.grad_norm) == sf.RECOVERED
    assert FAST.decide(r.gen_error[:-1], r.loss[:-1], r.grad_norm[:-1]) is None
    assert r.settings == {"method": "LSODA", "rtol": 1e-8, "atol": 1e-14, "t_end": 1e4}
    assert r.nfev > 0 and r.njev > 0


def test_a_cell_fitting_two_samples_reaches_another_global_minimum():
    r = sf.integrate_cell(_other_minimum_cell(), FAST)
    assert r.status == sf.OTHER
    assert r.t.size >= 3 and r.gen_error[-1] > 1e-6  # a visible test error at an interpolating point
    assert r.loss[-1] <= 1e-20 and r.grad_norm[-1] <= 1e-9
    assert FAST.decide(r.gen_error[:-1], r.loss[:-1], r.grad_norm[:-1]) is None
    assert sf.status_counts([r, r]) == {sf.RECOVERED: 0, sf.OTHER: 2, sf.UNDECIDED: 0}


@pytest.mark.parametrize("method", ["BDF", "Radau"])
def test_the_other_stiff_methods_reach_the_same_verdict(method):
    r = sf.integrate_cell(_recovering_cell(), FAST, method=method, rtol=1e-9, atol=1e-15)
    assert r.status == sf.RECOVERED
    assert r.settings["method"] == method and r.settings["rtol"] == 1e-9 and r.settings["atol"] == 1e-15


def test_t_end_truncates_and_the_default_is_ten_to_the_j_max():
    crit = sf.Criterion(j_first=0, j_max=1)
    r = sf.integrate_cell(_recovering_cell(theta0=np.array([0.3, 0.2, 0.4])), crit)
    assert r.settings["t_end"] == 10.0 and np.array_equal(r.t, [1.0, 10.0])
    r = sf.integrate_cell(_recovering_cell(), FAST, t_end=100.0)  # 100 is a checkpoint and the end: once
    assert np.array_equal(r.t, [1.0, 10.0, 100.0][: r.t.size]) and r.t[-1] <= 100.0
    r = sf.integrate_cell(_recovering_cell(), FAST, t_end=5.0)  # between checkpoints: 1, then the end
    assert np.array_equal(r.t, [1.0, 5.0])


def test_cell_result_of_an_undecided_cell():
    r = sf.integrate_cell(_recovering_cell(theta0=np.array([0.3, 0.2, 0.4])), FAST, t_end=1.0)
    assert r.status == sf.UNDECIDED and r.decided_at == math.inf and np.array_equal(r.t, [1.0])


def test_integrate_cells_serially_equals_integrate_cell_and_passes_options():
    cells = [_recovering_cell(), _other_minimum_cell()]
    out = sf.integrate_cells(cells, FAST, n_jobs=1, rtol=1e-9)
    ref = [sf.integrate_cell(c, FAST, rtol=1e-9) for c in cells]
    assert [r.status for r in out] == [sf.RECOVERED, sf.OTHER]
    for a, b in zip(out, ref):
        assert a.name == b.name and np.array_equal(a.theta, b.theta) and a.settings["rtol"] == 1e-9
    single = sf.integrate_cells([cells[0]], FAST)  # one cell, default n_jobs: the same deterministic result
    assert np.array_equal(single[0].theta, sf.integrate_cell(cells[0], FAST).theta)


@pytest.mark.parametrize("n_jobs", [0, -2, True, 1.5])
def test_integrate_cells_rejects_bad_n_jobs(n_jobs):
    with pytest.raises(ValueError, match="^n_jobs:"):
        sf.integrate_cells([_recovering_cell()], n_jobs=n_jobs)


@pytest.mark.parametrize("cells", [[], [object()], ["cell"], "mixed"])
def test_integrate_cells_rejects_non_cells(cells):
    if cells == "mixed":
        cells = [_recovering_cell(), object()]
    with pytest.raises(ValueError, match="^cells:"):
        sf.integrate_cells(cells, n_jobs=1)


def test_integrate_cells_accepts_minus_one_for_all_cores():
    out = sf.integrate_cells([_recovering_cell()], FAST, n_jobs=-1)  # one cell: run here
    assert out[0].status == sf.RECOVERED


def test_status_counts_has_every_status():
    assert sf.status_counts([]) == {sf.RECOVERED: 0, sf.OTHER: 0, sf.UNDECIDED: 0}


# ------------------------------------------------------------------ Criterion.decide at its thresholds
C = sf.Criterion()
LOW_L, LOW_G = np.full(3, 1e-25), np.zeros(3)


def test_recovered_at_the_exact_thresholds():
    assert C.decide(np.array([1e-9, 1e-11]), LOW_L[:2], LOW_G[:2]) == sf.RECOVERED  # two checkpoints suffice
    assert C.decide(np.array([1e-8, 1e-10]), LOW_L[:2], LOW_G[:2]) == sf.RECOVERED  # G[-2] = recover_tol
    assert C.decide(np.array([1e-7, 1e-8, 1e-10]), LOW_L, LOW_G) == sf.RECOVERED  # the last two count
    g2 = 1e-9
    assert C.decide(np.array([g2, 0.1 * g2]), LOW_L[:2], LOW_G[:2]) == sf.RECOVERED  # fell exactly 10×
    assert C.decide(np.array([1e-20, 1e-20]), LOW_L[:2], LOW_G[:2]) == sf.RECOVERED  # G = zero_floor
    # at the zero floor the last value counts: 5e-20 → 1e-20 fell only 5× but G[-1] = zero_floor
    assert C.decide(np.array([1e-3, 5e-20, 1e-20]), LOW_L, LOW_G) == sf.RECOVERED
    assert C.decide(np.array([1e-9, 1e-8]), LOW_L[:2], LOW_G[:2]) is None  # rising, above the zero floor


def test_not_recovered_just_outside_the_thresholds():
    assert C.decide(np.array([2e-8, 1e-10]), LOW_L[:2], LOW_G[:2]) is None  # G[-2] above recover_tol
    assert C.decide(np.array([1e-10, 1e-8 * (1 + 2**-40)]), LOW_L[:2], LOW_G[:2]) is None  # G[-1] above
    assert C.decide(np.array([1e-9, np.nextafter(0.1 * 1e-9, 1.0)]), LOW_L[:2], LOW_G[:2]) is None  # < 10× fall
    assert C.decide(np.array([1e-8]), LOW_L[:1], LOW_G[:1]) is None  # one checkpoint
    # the fall is measured over the last decade, G[-2] → G[-1] (not from an earlier checkpoint)
    assert C.decide(np.array([1e-3, 1e-12, 1e-9, 1e-10]), np.full(4, 1e-25), np.zeros(4)) == sf.RECOVERED
    # both of the last two must be ≤ recover_tol, even when G[-1] is at the zero floor
    low = sf.Criterion(recover_tol=1e-25)
    assert low.decide(np.array([1e-26, 1e-21]), LOW_L[:2], LOW_G[:2]) is None
    assert low.decide(np.array([1e-26, 1e-26]), LOW_L[:2], LOW_G[:2]) == sf.RECOVERED


def test_other_minimum_at_the_exact_thresholds():
    stable = np.full(3, 1e-4)
    assert C.decide(stable, np.full(3, 1e-20), LOW_G) == sf.OTHER  # L = loss_floor
    assert C.decide(stable, LOW_L, np.full(3, 1e-9)) == sf.OTHER  # ‖∇L‖ = grad_floor
    assert C.decide(stable, np.r_[1.0, 1.0, 1e-25], np.r_[1.0, 1.0, 0.0]) == sf.OTHER  # only the last L, g count
    assert C.decide(np.r_[1.0, 1e-4, 1e-4, 1e-4], np.full(4, 1e-25), np.zeros(4)) == sf.OTHER  # last three G
    exact = sf.Criterion(stable_rel=2.0**-10)
    assert exact.decide(np.array([1 + 2.0**-10, 1.0, 1.0]), LOW_L, LOW_G) == sf.OTHER  # change = stable_rel·G
    assert exact.decide(np.array([1.0, 1 - 2.0**-10, 1.0]), LOW_L, LOW_G) == sf.OTHER
    assert exact.decide(np.array([1.0, 1.0, 1 + 2.0**-9]), LOW_L, LOW_G) is None  # the last one moved
    # the reference is the last value: G = (1 + s, 1 − s, 1) is within s of G[-1] = 1 (not of G[-2])
    assert exact.decide(np.array([1 + 2.0**-10, 1 - 2.0**-10, 1.0]), LOW_L, LOW_G) == sf.OTHER
    # only the last G must exceed the zero floor: an earlier checkpoint below it does not matter …
    assert C.decide(np.r_[1.0, 1e-21, 1e-4, 1e-4, 1e-4], np.full(5, 1e-25), np.zeros(5)) == sf.OTHER
    # … nor does G[-2] at the floor when G[-1] is above it (a wide stable_rel, recovery disabled)
    wide = sf.Criterion(recover_tol=1e-30, stable_rel=0.9)
    assert wide.decide(np.array([1.5e-20, 1e-20, 1.5e-20]), LOW_L, LOW_G) == sf.OTHER


def test_other_minimum_needs_every_condition():
    stable = np.full(3, 1e-4)
    assert C.decide(stable[:2], LOW_L[:2], LOW_G[:2]) is None  # two checkpoints are not two decades
    assert C.decide(stable, np.full(3, 2e-20), LOW_G) is None
    assert C.decide(stable, LOW_L, np.full(3, 2e-9)) is None
    assert C.decide(np.array([1e-4, 1e-4, 2e-4]), LOW_L, LOW_G) is None  # the last value differs
    assert C.decide(np.array([2e-4, 1e-4, 1e-4]), LOW_L, LOW_G) is None  # the first value differs
    # with recover_tol below the zero floor, a stable G at the zero floor is neither class
    low = sf.Criterion(recover_tol=1e-25)
    assert low.decide(np.full(3, 1e-20), LOW_L, LOW_G) is None
    assert low.decide(np.full(3, 2e-20), LOW_L, LOW_G) == sf.OTHER


def test_criterion_defaults_are_the_documented_ones():
    C = sf.Criterion()  # constructed here (the class body runs at import; __post_init__ here)
    assert (C.recover_tol, C.decay, C.zero_floor, C.loss_floor, C.grad_floor, C.stable_rel, C.j_first, C.j_max) == (
        1e-8, 0.1, 1e-20, 1e-20, 1e-9, 1e-3, 2, 12)


@pytest.mark.parametrize("name", ["recover_tol", "decay", "zero_floor", "loss_floor", "grad_floor", "stable_rel"])
@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan])
def test_criterion_rejects_non_positive_or_non_finite_levels(name, bad):
    with pytest.raises(ValueError, match=f"^{name}:"):
        sf.Criterion(**{name: bad})


@pytest.mark.parametrize("kw", [dict(j_first=3, j_max=3), dict(j_first=4, j_max=3), dict(j_first=-1),
                                dict(j_first=2.0), dict(j_max=12.0)])
def test_criterion_rejects_bad_checkpoint_ranges(kw):
    with pytest.raises(ValueError, match="^j_first, j_max:"):
        sf.Criterion(**kw)


def test_criterion_accepts_the_smallest_checkpoint_range():
    c = sf.Criterion(j_first=0, j_max=1)
    assert (c.j_first, c.j_max) == (0, 1)


# ------------------------------------------------------------------------------ input guards
@pytest.mark.parametrize("kw, name", [
    ({"X": np.ones((4, 2)) + 1j}, "X"),
    ({"X": np.r_[np.ones(7), np.nan].reshape(4, 2)}, "X"),  # one NaN entry
    ({"X": np.ones(4)}, "X"),
    ({"X": np.ones((0, 2))}, "X"),
    ({"y": np.ones((4, 1))}, "y"),
    ({"y": np.full(4, np.inf)}, "y"),
    ({"X_test": np.full((4, 2), np.nan)}, "X_test"),
    ({"target": np.full(4, np.nan)}, "target"),
    ({"theta0": np.full(3, np.nan)}, "theta0"),
    ({"theta0": np.ones((1, 3))}, "theta0"),
    ({"activation": "no-such"}, "activation"),
])
def test_make_cell_rejects_bad_input_naming_the_argument(kw, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        _recovering_cell(**kw)


def test_make_cell_keeps_the_arguments():
    c = _recovering_cell(name=7, activation="sin")
    assert c.name == "7" and c.activation == "sin" and c.theta0.dtype == float
    c = _recovering_cell(theta0=np.array([0.0, 0.2, 0.0]))  # zero entries, not the origin
    assert np.array_equal(c.theta0, [0.0, 0.2, 0.0])


def test_checkpoint_states_are_the_flow_at_the_checkpoint_times():
    """θ at t = 1, 10 equals numerics.flow.gradient_flow (DOP853, an independent integrator), for a
    width-2 net (two neurons in one state vector)."""
    from numerics.flow import gradient_flow

    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 2))
    y = np.tanh(X @ W_STAR)
    cell = sf.make_cell("two", 0.5 * rng.normal(size=6), X, y, X, y)
    never = sf.Criterion(recover_tol=1e-300, zero_floor=1e-300, loss_floor=1e-300, j_first=0, j_max=1)
    r = sf.integrate_cell(cell, never, rtol=1e-10)
    assert r.status == sf.UNDECIDED and np.array_equal(r.t, [1.0, 10.0])
    ref = gradient_flow(cell.theta0, X, y, [1.0, 10.0], rtol=1e-12, atol=1e-14).theta[0]
    # LSODA at rtol 1e-10 vs DOP853 at 1e-12 over 10 time units on an O(1) state: ≲ 1e-7 apart
    assert np.abs(r.theta - ref).max() < 1e-7


NEVER = sf.Criterion(recover_tol=1e-300, zero_floor=1e-300, loss_floor=1e-300, j_first=0, j_max=1)


@pytest.mark.parametrize("t_end, times", [(100.0, [1.0, 10.0, 100.0]), (1000.0, [1.0, 10.0, 1000.0]),
                                          (5.0, [1.0, 5.0]), (None, [1.0, 10.0])])
def test_checkpoints_are_the_decades_from_j_first_to_j_max_then_t_end(t_end, times):
    r = sf.integrate_cell(_other_minimum_cell(), NEVER, t_end=t_end)
    assert r.status == sf.UNDECIDED and np.array_equal(r.t, times)


def test_checkpoints_stop_below_t_end():
    crit = sf.Criterion(recover_tol=1e-300, zero_floor=1e-300, loss_floor=1e-300, j_first=0, j_max=3)
    r = sf.integrate_cell(_other_minimum_cell(), crit, t_end=105.0)
    assert np.array_equal(r.t, [1.0, 10.0, 100.0, 105.0])


@pytest.mark.parametrize("kw, name", [
    ({"rtol": 0.0}, "rtol"), ({"rtol": 1.0}, "rtol"),
    ({"atol": 0.0}, "atol"), ({"atol": -1e-14}, "atol"), ({"atol": math.inf}, "atol"), ({"atol": math.nan}, "atol"),
    ({"t_end": math.nan}, "t_end"),
])
def test_integrate_cell_rejects_bad_options(kw, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        sf.integrate_cell(_recovering_cell(), FAST, **kw)
