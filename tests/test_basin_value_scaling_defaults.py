"""basin_value's rescaling, defaults and bookkeeping (numerics.basins.value; SS16.Lemma1).

What is checked: the absolute loss is positively homogeneous in y (Bas(c·y) = c·Bas(y)), also
for small targets, where only the squared loss is rescaled; small squared-loss targets with a
zero among them are still solved to relative accuracy; rows of very different norms give the
value of an independent NNLS over hand-enumerated cone generators (scipy.optimize.nnls, d = 2);
zero targets on a basin inactive everywhere give value 0 on every path without floating-point
warnings; basin_value_at caches by default and runs no non-emptiness check; the note of a failed
NNLS certificate in the solver field is capped at 240 characters; the predictions are left out
of BasinMinimum's repr.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import nnls

import numerics.basins.rays as rays_mod
import numerics.basins.value as val
from numerics.basins import basin_value, basin_value_at, clear_caches, sign_pattern


def _instance(seed=0, n=2, m=6, d=2):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    W, v = rng.normal(size=(n, d)), rng.normal(size=n)
    A, b = sign_pattern(W, v, X)
    return X, y, W, v, A, b


def _nnls_value_2d(X, y, A, b):
    """Independent oracle for d = 2, squared loss: K_j = {w : a_jt⟨w, x_t⟩ ≥ 0} is a sector whose
    generators are among the unit normals ±x_t^⊥; with u_j = Σ c_k g_k (c ≥ 0) the predictions
    are Σ_j b_j [X u_j]_+ = Σ_j b_j diag(a_j > 0) X u_j on K_j, so Bas = min_{c≥0} (1/m)‖Mc − y‖²."""
    m = X.shape[0]
    cols = []
    for a, bj in zip(A, b):
        for x in X:
            for g in (np.array([-x[1], x[0]]), np.array([x[1], -x[0]])):
                g = g / np.linalg.norm(g)
                z = X @ g
                if np.all(a * z >= -1e-12 * np.linalg.norm(X, axis=1)):  # g ∈ K_j (round-off)
                    cols.append(bj * np.where(a > 0, z, 0.0))
    M = np.array(cols).T
    _, res = nnls(M, y)
    return res**2 / m


def test_absolute_loss_is_homogeneous_in_small_targets():
    """ℓ = |p − y| and the basin is a cone: Bas(c·y) = c·Bas(y) for c > 0. c = 0.1 makes
    max|y| < 1 (squared-loss targets would be rescaled there, absolute ones are not). Relative
    1e-6: Clarabel's 1e-8 tolerances on values of order 0.1, ×10."""
    X, y, W, v, A, b = _instance(1, n=2, m=6, d=3)
    assert 0.1 * np.abs(y).max() < 1.0 < np.abs(y).max()
    ref = basin_value(X, y, A, b, "absolute", cache=False)
    small = basin_value(X, 0.1 * y, A, b, "absolute", cache=False)
    assert small.value == pytest.approx(0.1 * ref.value, rel=1e-6)
    assert ref.value > 0.1  # not a trivial zero


@pytest.mark.parametrize("method", ["direct", "cvxpy", "nnls"])
def test_small_targets_with_a_zero_are_solved_to_relative_accuracy(method):
    """y·1e-4 with y_0 = 0: the value is 1e-8 times the unscaled one, to relative 1e-5
    (Clarabel's 1e-8 tolerances on the problem rescaled to max|y| = 1, ×1000)."""
    X, y, W, v, A, b = _instance(2, n=3, m=7, d=3)
    y[0] = 0.0
    ref = basin_value(X, y, A, b, method="nnls", cache=False).value
    small = basin_value(X, 1e-4 * y, A, b, method=method, cache=False)
    assert small.value == pytest.approx(1e-8 * ref, rel=1e-5)


@pytest.mark.parametrize("method", ["direct", "cvxpy", "nnls"])
def test_rows_of_very_different_norms_give_the_nnls_value(method):
    """Row norms from 1e-3 to 1e3 (d = 2): every path agrees with the hand-enumerated NNLS to
    relative 1e-6 (Clarabel's 1e-8 tolerances, ×100)."""
    X, y, W, v, A, b = _instance(3, n=2, m=6, d=2)
    X = X * np.array([1e-3, 1.0, 1e3, 0.1, 10.0, 1.0])[:, None]
    A, b = sign_pattern(W, v, X)
    want = _nnls_value_2d(X, y, A, b)
    assert want > 1e-2  # a non-trivial residual
    assert basin_value(X, y, A, b, method=method, cache=False).value == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("method", ["direct", "cvxpy", "nnls"])
def test_zero_targets_on_an_inactive_basin_give_zero_without_floating_point_warnings(method):
    """Data in x_1 > 0, one neuron with a = (−1, …, −1) (inactive on every sample), y = 0: every
    prediction is 0 whatever U ∈ K, the solvers return p = 0 exactly (nothing to fit), the value
    is exactly 0, and nothing divides by the zero predictions."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(5, 2))
    X[:, 0] = np.abs(X[:, 0]) + 0.5
    A, b = sign_pattern(np.array([[-1.0, 0.0]]), np.array([1.0]), X)
    assert np.all(A == -1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bm = basin_value(X, np.zeros(5), A, b, method=method, cache=False)
    assert bm.value == 0.0 and np.all(bm.predictions == 0.0)


def test_basin_value_at_caches_by_default():
    clear_caches()
    X, y, W, v, A, b = _instance(5)
    basin_value_at(X, y, W, v)
    assert len(val._VALUE_CACHE) == 1
    basin_value_at(X, y, W, v, cache=False)
    assert len(val._VALUE_CACHE) == 1
    clear_caches()


@pytest.mark.parametrize("method", ["direct", "nnls"])
def test_basin_value_at_runs_no_non_emptiness_check(monkeypatch, method):
    """(W, v) witnesses its own basin: no interior LP (nor ray witness) is consulted."""
    X, y, W, v, A, b = _instance(6)

    def refuse(*args, **kwargs):
        raise AssertionError("non-emptiness check called")

    monkeypatch.setattr(val, "_check_rows_nonempty", refuse)
    bm = basin_value_at(X, y, W, v, method=method, cache=False)
    assert bm.value == pytest.approx(basin_value(X, y, A, b, method="direct", check_nonempty=False,
                                                 cache=False).value, abs=1e-7)  # engine agreement


def test_a_failed_nnls_note_in_the_solver_field_is_capped_at_240_characters(monkeypatch):
    X, y, W, v, A, b = _instance(7)
    reason = "R" * 1000
    monkeypatch.setattr(rays_mod, "polar_nnls", lambda MT, y_: (None, reason))
    bm = basin_value(X, y, A, b, method="nnls", cache=False)
    note = "; NNLS certificate failed, re-solved: NNLS over rays: "
    want = "CLARABEL (direct" + (note + reason)[:240] + ")"
    assert bm.certificate.solver == want and len(want) == len("CLARABEL (direct") + 241


def test_predictions_are_left_out_of_the_repr():
    X, y, W, v, A, b = _instance(8)
    bm = basin_value(X, y, A, b, cache=False)
    text = repr(bm)
    assert text.startswith("BasinMinimum(value=") and "certificate=" in text
    assert "predictions" not in text
