"""Unit tests of the batched basin engine (numerics.basins.batch).

What is checked: every batched value agrees with numerics.basins.basin_value of the same pattern
to 1e-7 (the issue's agreement target) on random patterns, carries a certificate that passes the
engine's acceptance test, and lifts to a network whose loss is the value; duplicated neurons
merge and split as in basin_value; empty basins raise EmptyBasinError or are listed apart,
never given a number; a failed batched certificate falls back to Clarabel, and raises
SolverError when that fails too; bad input is a ValueError naming the argument; the pool of
worker processes returns the same values as one process.
"""

from __future__ import annotations

import numpy as np
import pytest

import numerics.basins.batch as bb
import numerics.basins.certificate as cert_mod
import numerics.basins.programs as programs_mod
from numerics.basins import (
    BoundaryError,
    EmptyBasinError,
    SolverError,
    basin_is_nonempty,
    basin_value,
    network_loss,
    sign_pattern,
)
from numerics.basins.batch import basin_values, basin_values_at, sign_patterns
from numerics.basins.certificate import CERT_FACTOR
from numerics.basins.programs import CLARABEL_TOL
from overspec.testing import assert_close

# Clarabel (the per-basin reference) stops at gap ≤ 1e-8 abs + 1e-8·|value| rel, so its values
# sit within ~1e-7 of the exact minimum: the agreement target.
AGREE = 1e-7
#: The engine's certificate acceptance bound (numerics.basins.certificate: CERT_FACTOR × Clarabel's tolerance).
BOUND = CERT_FACTOR * CLARABEL_TOL


def _points(seed: int, count: int, n: int, m: int, d: int):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    return X, y, rng.normal(size=(count, n, d)), rng.normal(size=(count, n))


def _assert_certified(X, y, out) -> None:
    for i in range(len(out)):
        c = out.certificate(i)
        assert abs(c.gap) <= BOUND * (1 + abs(out.values[i]))
        assert c.primal_residual <= BOUND and c.dual_residual <= BOUND
        assert c.lift_error <= c.lift_tolerance
        lifted = network_loss(X, y, out.W[i], out.v[i])  # the network, evaluated independently
        assert_close(lifted, out.values[i], atol=c.lift_tolerance, name=f"lifted loss {i}")


@pytest.mark.parametrize("shape", [(3, 6, 3), (10, 20, 5), (4, 9, 2)])
def test_batched_values_agree_with_basin_value_per_basin(shape):
    n, m, d = shape
    X, y, Ws, vs = _points(7 + n, 24, n, m, d)
    A, b = sign_patterns(Ws, vs, X)
    out = basin_values(X, y, [(A[i], b[i]) for i in range(len(A))])
    assert out.index.tolist() == list(range(len(A))) and out.empty.size == 0
    for i in range(len(A)):
        ref = basin_value(X, y, A[i], b[i], method="direct", cache=False)  # Clarabel
        ray = basin_value(X, y, A[i], b[i], method="nnls", cache=False)
        assert_close(out.values[i], ref.value, atol=AGREE, name=f"basin {i} vs Clarabel")
        assert_close(out.values[i], ray.value, atol=AGREE, name=f"basin {i} vs single-basin NNLS")
        # (1/m)‖p − y‖² is 2/m-strongly convex in p and the optimum is over a convex set, so
        # ‖p − p*‖² ≤ m·(excess value); both solutions are within AGREE of the optimum.
        p_tol = np.sqrt(2 * m * AGREE)
        assert_close(out.predictions[i], ref.predictions, atol=p_tol, name=f"predictions {i}")
    _assert_certified(X, y, out)


def test_points_api_equals_patterns_api_and_sign_pattern():
    X, y, Ws, vs = _points(3, 30, 5, 8, 3)
    A, b = sign_patterns(Ws, vs, X)
    for i in range(len(Ws)):
        Ai, bi = sign_pattern(Ws[i], vs[i], X)
        assert np.array_equal(A[i], Ai) and np.array_equal(b[i], bi)
    at = basin_values_at(X, y, Ws, vs)
    pat = basin_values(X, y, (A, b))
    assert np.array_equal(at.values, pat.values)


def test_random_patterns_flag_empty_basins_and_never_give_them_a_number():
    rng = np.random.default_rng(11)
    m, d, n = 7, 2, 2
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    A, b = sign_patterns(rng.normal(size=(40, n, d)), rng.normal(size=(40, n)), X)
    # in d = 2 only 2m of the 2^m sign rows are realisable: a random row is almost surely not
    flip = rng.random(size=(40, n)) < 0.3
    A = np.where(flip[..., None], rng.choice([-1, 1], size=(40, n, m)), A)
    truth = np.array([basin_is_nonempty(X, A[i], b[i]) for i in range(40)])
    assert 0 < truth.sum() < 40
    with pytest.raises(EmptyBasinError, match=f"pattern {int(np.flatnonzero(~truth)[0])}"):
        basin_values(X, y, (A, b))
    out = basin_values(X, y, (A, b), on_empty="skip")
    assert out.empty.tolist() == np.flatnonzero(~truth).tolist()
    assert out.index.tolist() == np.flatnonzero(truth).tolist()
    assert len(out) == truth.sum() and np.all(np.isfinite(out.values))
    for row, i in enumerate(out.index):
        assert_close(out.values[row], basin_value(X, y, A[i], b[i], cache=False).value, atol=AGREE,
                     name=f"basin {i}")


def test_degenerate_data_empty_pattern_raises():
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])  # x_0, x_1 on the same ray
    A = np.array([[[1, -1, 1]], [[1, 1, -1]]])  # the first row is impossible
    with pytest.raises(EmptyBasinError, match="pattern 0"):
        basin_values(X, np.zeros(3), (A, np.array([[1], [1]])))


def test_duplicated_neurons_merge_and_split_equally():
    X, y, Ws, vs = _points(5, 6, 3, 7, 3)
    Ws[:, 1] = 2.0 * Ws[:, 0]  # neuron 1 in the same cone as neuron 0 ...
    vs[:, 1] = 3.0 * vs[:, 0]  # ... with the same output sign
    out = basin_values_at(X, y, Ws, vs)
    for i in range(len(Ws)):
        ref = basin_value(X, y, *sign_pattern(Ws[i], vs[i], X), cache=False)
        assert_close(out.values[i], ref.value, atol=AGREE, name=f"basin {i}")
        assert np.allclose(out.U[i, 0], out.U[i, 1])
    _assert_certified(X, y, out)


def test_other_losses_go_basin_by_basin_with_the_same_values():
    X, y, Ws, vs = _points(9, 4, 2, 6, 2)
    out = basin_values_at(X, y, Ws, vs, loss="absolute")
    for i in range(len(Ws)):
        ref = basin_value(X, y, *sign_pattern(Ws[i], vs[i], X), "absolute", cache=False)
        assert_close(out.values[i], ref.value, atol=AGREE, name=f"basin {i}")
        assert "CLARABEL" in out.solver[i]


def test_batched_path_certifies_generic_data_on_its_own():
    """Issue 9/13: on generic data no basin falls back to Clarabel — the batched solve and its
    certificate do the job alone (a broken solver, generator set, slope sign or normalisation
    would show up here as fallbacks: the values would still be right)."""
    X, y, Ws, vs = _points(2024, 300, 10, 20, 5)
    out = basin_values_at(X, y, Ws, vs)
    assert out.n_fallbacks == 0, out.fallback_counts()
    assert out.fallback_counts() == {} and all(s.startswith("NNLS") for s in out.solver)
    _assert_certified(X, y, out)
    # the polar projection is solved to DAQP's feasibility tolerance, which is the Farkas residual
    # (numerics.basins.polar.PRIMAL_TOLS: 1e-10, retried at 1e-7): far below the acceptance bound
    assert out.dual_residual.max() < 1e-7 and np.abs(out.gap).max() < 1e-8
    for i in range(0, 300, 10):  # and the values are the Clarabel ones
        ref = basin_value(X, y, *sign_pattern(Ws[i], vs[i], X), method="direct", cache=False)
        assert_close(out.values[i], ref.value, atol=AGREE, name=f"basin {i} vs Clarabel")


def test_failed_batched_certificate_falls_back_to_clarabel_and_is_counted(monkeypatch):
    """A solver that returns c = 0 for every problem (feasible, not optimal): the certificate —
    not the values — must catch it, and every such basin is counted as a fallback with its reason."""
    X, y, Ws, vs = _points(15, 8, 4, 9, 3)
    good = basin_values_at(X, y, Ws, vs)
    assert good.n_fallbacks == 0

    def zero(MT, y_):
        return np.zeros(MT.shape[0]), ""

    monkeypatch.setattr(bb, "polar_nnls", zero)
    out = basin_values_at(X, y, Ws, vs)
    nonzero = good.values < np.mean(y**2) - 1e-6  # where c = 0 is not optimal, the certificate must catch it
    assert nonzero.any()
    assert out.n_fallbacks == int(nonzero.sum())
    for i in np.flatnonzero(nonzero):
        assert out.fallback[i].startswith("certificate failed") and "re-solved" in out.solver[i]
    assert list(out.fallback_counts().values()) and sum(out.fallback_counts().values()) == out.n_fallbacks
    assert_close(out.values, good.values, atol=AGREE, name="fallback values")
    _assert_certified(X, y, out)


def test_solver_without_optimal_status_is_a_counted_fallback(monkeypatch):
    X, y, Ws, vs = _points(15, 5, 4, 9, 3)
    monkeypatch.setattr(bb, "polar_nnls", lambda MT, y_: (None, "DAQP exit flag -3"))
    out = basin_values_at(X, y, Ws, vs)
    assert out.n_fallbacks == 5 and out.fallback_counts() == {"DAQP exit flag -3": 5}


def test_failed_fallback_raises_solver_error(monkeypatch):
    X, y, Ws, vs = _points(15, 3, 4, 9, 3)

    def refuse(self, Q, G, y_):
        raise SolverError("basin program (direct Clarabel): status 'MaxIterations'")

    monkeypatch.setattr(bb, "polar_nnls", lambda MT, y_: (None, "DAQP exit flag -3"))
    monkeypatch.setattr(programs_mod._DirectSquared, "solve", refuse)
    with pytest.raises(SolverError, match="MaxIterations"):
        basin_values_at(X, y, Ws, vs)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda X, y, A, b: basin_values(X, y, (A[:, :, :-1], b)), "patterns"),
        (lambda X, y, A, b: basin_values(X, y, (A * 2, b)), "A"),
        (lambda X, y, A, b: basin_values(X, y, (A, b[:, :1])), "b"),
        (lambda X, y, A, b: basin_values(X, y, []), "patterns"),
        (lambda X, y, A, b: basin_values(X, y, (A, b), on_empty="nan"), "on_empty"),
        (lambda X, y, A, b: basin_values(X, y, (A, b), processes=0), "processes"),
        (lambda X, y, A, b: basin_values(X, y[:-1], (A, b)), "y"),
        (lambda X, y, A, b: basin_values(np.where(X > 0, np.nan, X), y, (A, b)), "X"),
        (lambda X, y, A, b: basin_values(X, y, [(A[0], b[0]), (A[0, :1], b[0, :1])]), "patterns"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_argument(call, match):
    X, y, Ws, vs = _points(1, 3, 2, 5, 2)
    A, b = sign_patterns(Ws, vs, X)
    with pytest.raises(ValueError, match=match):
        call(X, y, A, b)


def test_points_on_a_boundary_are_refused_with_their_index():
    X, y, Ws, vs = _points(2, 3, 2, 5, 2)
    Ws[2, 1] = np.array([-X[4, 1], X[4, 0]])  # ⟨w, x_4⟩ = 0 exactly
    with pytest.raises(BoundaryError, match="point 2"):
        basin_values_at(X, y, Ws, vs)
    vs[1, 0] = 0.0
    Ws[2, 1] = 1.0
    with pytest.raises(BoundaryError, match="point 1"):
        basin_values_at(X, y, Ws, vs)


def test_worker_processes_return_the_values_of_one_process():
    X, y, Ws, vs = _points(4, 130, 3, 8, 3)
    one = basin_values_at(X, y, Ws, vs)
    two = basin_values_at(X, y, Ws, vs, processes=2, chunk=65)
    assert np.array_equal(one.values, two.values) and one.solver == two.solver
    assert one.fallback == two.fallback and one.n_fallbacks == 0


def _trial(rng: np.random.Generator, index: int) -> float:
    return float(rng.normal())


def test_basin_pool_and_monte_carlo_pool_coexist_in_one_process():
    """Regression: a loky executor taken directly broke joblib's Parallel in the same session."""
    from numerics.montecarlo import run_trials

    X, y, Ws, vs = _points(4, 40, 3, 8, 3)
    basin_values_at(X, y, Ws, vs, processes=2, chunk=20)
    assert run_trials(_trial, 8, 1, n_jobs=2) == run_trials(_trial, 8, 1, n_jobs=1)


def test_row_wise_lift_tolerance_is_the_engine_bound_row_by_row():
    rng = np.random.default_rng(8)
    p, delta, y = rng.normal(size=(5, 7)), np.abs(rng.normal(size=(5, 7))) * 1e-3, rng.normal(size=7)
    value = np.mean((p - y) ** 2, axis=1)
    rows = cert_mod._lift_tolerances(p, y, delta, value)
    for i in range(5):
        assert rows[i] == pytest.approx(cert_mod._lift_tolerance("squared", p[i], y, delta[i], value[i]),
                                        rel=1e-14)


def test_batched_lift_check_uses_the_network_forward_pass():
    """The batched lift check packs θ_i = (v_1, w_1, …) for numerics.network.batched_predict;
    its predictions must be numerics.network.forward's, basin by basin."""
    from numerics.network import batched_predict, forward

    X, y, Ws, vs = _points(12, 5, 4, 7, 3)
    out = basin_values_at(X, y, Ws, vs)
    thetas = np.concatenate([out.v[:, :, None], out.W], axis=2).reshape(len(out), -1)
    batch = batched_predict(thetas, X, "relu")
    for i in range(len(out)):
        assert np.allclose(batch[i], forward(out.v[i], out.W[i], X, "relu"), rtol=1e-13, atol=1e-13)


def test_basins_where_no_neuron_is_active_have_value_mean_y_squared():
    """A = −1 everywhere: every ReLU is off on every sample, so p = 0 and Bas = (1/m)Σ y_t²;
    the batch (all problems without a single column) must say so, certified."""
    X, y, _, _ = _points(6, 1, 3, 6, 2)
    X = np.abs(X) + 0.1  # all samples in the open positive quadrant: w = −(1, 1) is off on all
    A = -np.ones((4, 3, 6), dtype=int)
    b = np.array([[1, 1, 1], [-1, 1, -1], [1, -1, 1], [-1, -1, -1]])
    out = basin_values(X, y, (A, b))
    assert_close(out.values, np.full(4, np.mean(y**2)), atol=1e-12, name="value")
    _assert_certified(X, y, out)


def test_a_batch_of_only_empty_basins_skips_them_all():
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])  # x_0, x_1 on the same ray
    A = np.array([[[1, -1, 1]], [[-1, 1, -1]]])  # both rows impossible
    out = basin_values(X, np.ones(3), (A, np.array([[1], [-1]])), on_empty="skip")
    assert len(out) == 0 and out.empty.tolist() == [0, 1] and out.values.size == 0
