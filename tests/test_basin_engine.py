"""Unit tests of the basin engine (numerics.basins: value, certificate, programs, singleton, exact_kkt).

What is checked: sign patterns are neurons × samples and boundaries are refused; bad input is a
ValueError naming the argument; empty basins and non-optimal solves raise, never return a number;
the two solve paths (compiled DPP CVXPY problem, Clarabel on hand-compiled data) and a CVXPY
problem built afresh agree to 1e-7; every loss returns a certificate and a lift in the closure of
the basin whose network loss equals the value; singleton data match the closed form; the exact
rational KKT certificate agrees with the float value and rejects a wrong active set.
"""

from __future__ import annotations

from fractions import Fraction

import cvxpy as cp
import numpy as np
import pytest

from numerics.basins import (
    BoundaryError,
    EmptyBasinError,
    SolverError,
    basin_is_nonempty,
    basin_value,
    basin_value_at,
    interior_margin,
    lift,
    network_loss,
    sign_pattern,
)
from numerics.basins.arrangement import global_minimum
from numerics.basins.exact_kkt import exact_kkt_certificate
from numerics.basins.singleton import singleton_basin_value, singleton_global_minimum
from overspec.testing import assert_close

# Clarabel stops at gap ≤ 1e-8 (abs) + 1e-8·|value| (rel); two solves of the same program may
# each sit anywhere in that band, so values agree to 1e-7 (the agreement target).
AGREE = 1e-7


def _instance(seed: int, n: int = 3, m: int = 6, d: int = 3):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    W, v = rng.normal(size=(n, d)), rng.normal(size=n)
    A, b = sign_pattern(W, v, X)
    return X, y, W, v, A, b


def _fresh_cvxpy_value(X, y, A, b) -> float:
    """The rebuilt baseline: a CVXPY problem built afresh for this basin (squared loss)."""
    n, d = A.shape[0], X.shape[1]
    U = cp.Variable((n, d))
    Z = U @ X.T  # n × m: ⟨u_j, x_t⟩
    M = (A > 0).astype(float)
    p = cp.sum(cp.multiply(M, Z), axis=0)
    cons = [cp.multiply((b[:, None] * A).astype(float), Z) >= 0]
    prob = cp.Problem(cp.Minimize(cp.sum_squares(p - y) / X.shape[0]), cons)
    prob.solve(solver=cp.CLARABEL)
    assert prob.status == "optimal"
    return float(prob.value)


# ----------------------------------------------------------------------------- sign patterns


def test_sign_pattern_is_neurons_by_samples():
    X, y, W, v, A, b = _instance(0, n=2, m=5, d=3)
    assert A.shape == (2, 5) and b.shape == (2,)
    assert np.array_equal(A, np.sign(W @ X.T).astype(int)) and np.array_equal(b, np.sign(v).astype(int))


def test_sign_pattern_refuses_points_on_a_boundary():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(BoundaryError, match="W: "):
        sign_pattern(np.array([[0.0, 1.0]]), np.array([1.0]), X)  # ⟨w, x_0⟩ = 0
    with pytest.raises(BoundaryError, match="v: "):
        sign_pattern(np.array([[1.0, 1.0]]), np.array([0.0]), X)
    # within rounding of 0 is also a boundary: 0.1 + 0.2 − 0.3 ≠ 0 only by rounding
    with pytest.raises(BoundaryError):
        sign_pattern(np.array([[0.1, 0.2, -0.3]]), np.array([1.0]), np.array([[1.0, 1.0, 1.0]]))
    assert issubclass(BoundaryError, ValueError)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(X=np.full((3, 2), np.nan)), "X: contains NaN"),
        (dict(X=np.array([[1.0, np.inf], [1.0, 2.0], [0.5, 1.0]])), "X: contains NaN or inf"),
        (dict(X=np.zeros((0, 2))), "X: zero data points"),
        (dict(X=np.array([[1.0, 2.0], [0.0, 0.0], [1.0, -1.0]])), "X: zero data row"),
        (dict(X=np.ones(3)), "X: expected a 2-d array"),
        (dict(y=np.zeros(4)), "y: expected shape"),
        (dict(y=np.array([0.0, np.nan, 1.0])), "y: contains NaN"),
        (dict(A=np.array([[1, 0, 1]])), "A: entries must be"),
        (dict(A=np.array([[1, 2, -1]])), "A: entries must be"),
        (dict(A=np.array([[1.0, np.nan, 1.0]])), "A: contains NaN"),
        (dict(A=np.array([[1, 1]])), r"A: expected shape \(n, m\)"),
        (dict(A=np.array([1, 1, 1])), "A: expected a 2-d array"),
        (dict(b=np.array([1, 1])), "b: expected shape"),
        (dict(b=np.array([0])), "b: entries must be"),
        (dict(loss="quartic"), "loss: expected one of"),
        (dict(loss="hinge"), "y: the hinge loss needs labels"),
        (dict(method="fast"), "method: expected"),
        (dict(method="nnls", loss="absolute"), "method: 'nnls' is implemented for the squared loss only"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_argument(kwargs, match):
    args = dict(
        X=np.array([[1.0, 0.5], [-0.3, 1.0], [0.7, -1.2]]), y=np.array([0.3, -1.0, 2.0]),
        A=np.array([[1, 1, -1]]), b=np.array([1]), loss="squared", method="auto",
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        basin_value(args["X"], args["y"], args["A"], args["b"], args["loss"], method=args["method"])


def test_bad_input_of_sign_pattern_and_basin_value_at():
    X = np.array([[1.0, 0.5], [-0.3, 1.0]])
    with pytest.raises(ValueError, match="W: expected shape"):
        sign_pattern(np.ones((2, 3)), np.ones(2), X)
    with pytest.raises(ValueError, match="v: expected shape"):
        sign_pattern(np.ones((2, 2)), np.ones(3), X)
    with pytest.raises(ValueError, match="W: contains NaN"):
        sign_pattern(np.array([[np.nan, 1.0]]), np.ones(1), X)
    with pytest.raises(ValueError, match="y: expected shape"):
        basin_value_at(X, np.zeros(3), np.array([[1.0, 0.1]]), np.ones(1))


# ----------------------------------------------------------------------------- empty / failing


def test_empty_basin_raises_instead_of_returning_a_number():
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])  # x_0, x_1 on the same ray
    A = np.array([[1, -1, 1]])  # ⟨w, x_0⟩ > 0 and ⟨w, 2x_0⟩ < 0: impossible
    assert not basin_is_nonempty(X, A, np.array([1]))
    with pytest.raises(EmptyBasinError, match="row 0"):
        basin_value(X, np.zeros(3), A, np.array([1]))
    assert basin_is_nonempty(X, np.array([[1, 1, -1]]), np.array([-1]))


def test_interior_margin_witness_is_strictly_inside():
    X, *_ = _instance(3, m=8, d=3)
    rng = np.random.default_rng(3)
    a = np.sign(X @ rng.normal(size=3)).astype(int)
    s, w = interior_margin(X, a)
    assert s > 0 and np.all(a * (X @ w) > 0)


def test_unbounded_user_loss_raises_solver_error_naming_the_status():
    X, y, W, v, A, b = _instance(4)
    with pytest.raises(SolverError, match="status 'unbounded'"):
        basin_value(X, y, A, b, loss=lambda p, yy: -p)  # linear in p: unbounded below on a cone


def test_non_convex_user_loss_is_refused():
    X, y, W, v, A, b = _instance(4)
    with pytest.raises(ValueError, match="loss: the loss is not convex"):
        basin_value(X, y, A, b, loss=lambda p, yy: -cp.square(p - yy))


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("seed", range(4))
def test_direct_compiled_and_rebuilt_problems_agree(seed):
    X, y, W, v, A, b = _instance(seed, n=4, m=8, d=3)
    direct = basin_value(X, y, A, b, method="direct", cache=False)
    compiled = basin_value(X, y, A, b, method="cvxpy", cache=False)
    fresh = _fresh_cvxpy_value(X, y, A, b)
    assert_close(direct.value, compiled.value, atol=AGREE, name="direct vs compiled DPP")
    assert_close(direct.value, fresh, atol=AGREE, name="direct vs rebuilt baseline")
    for sol in (direct, compiled):
        c = sol.certificate
        assert c.status == "optimal" and c.solver.startswith("CLARABEL")
        assert abs(c.gap) <= 1e-6 and c.primal_residual <= 1e-6 and c.dual_residual <= 1e-6


@pytest.mark.parametrize("shape", [(3, 6, 3), (4, 8, 2), (3, 4, 6), (2, 5, 5)])
def test_nnls_over_rays_agrees_with_clarabel_and_certifies_exactly(shape):
    n, m, d = shape
    rng = np.random.default_rng(sum(shape))
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    if shape == (3, 4, 6):  # rank 4 < d: the cones have a lineality space, rays live in the row space
        X = rng.normal(size=(m, 3)) @ rng.normal(size=(3, d))
    for _ in range(5):
        W, v = rng.normal(size=(n, d)), rng.normal(size=n)
        a = basin_value_at(X, y, W, v, method="nnls", cache=False)
        c = basin_value_at(X, y, W, v, method="direct", cache=False)
        assert_close(a.value, c.value, atol=AGREE, name="nnls vs direct Clarabel")
        assert a.certificate.solver.startswith("NNLS")
        # the polar projection is solved to DAQP's feasibility tolerance 1e-10 (numerics.basins.polar)
        # and polished on its support: the gap is rounding, not 1e-8
        assert abs(a.certificate.gap) <= 1e-10 and a.certificate.dual_residual <= 1e-10


def test_nnls_path_falls_back_to_clarabel_when_its_certificate_fails(monkeypatch):
    """An NNLS candidate whose certificate fails (simulated by a solve that returns U = 0 with
    the true generators) is re-solved by Clarabel, never returned uncertified."""
    import numerics.basins.rays as rays_mod

    X, y, W, v, A, b = _instance(15, n=3, m=7, d=3)

    solve = rays_mod._RaySquared.solve

    def broken(self, A_, b_, y_, gens_=None):  # the true generators, but the trivial point U = 0
        U, p, lam, gens = solve(self, A_, b_, y_, gens_)
        return np.zeros_like(U), np.zeros_like(p), (2.0 / self.m) * (-y_), gens

    monkeypatch.setattr(rays_mod._RaySquared, "solve", broken)
    a = basin_value_at(X, y, W, v, method="nnls", cache=False)
    c = basin_value_at(X, y, W, v, method="direct", cache=False)
    assert "NNLS certificate failed" in a.certificate.solver
    assert_close(a.value, c.value, atol=AGREE, name="fallback value")


@pytest.mark.parametrize("loss", ["squared", "absolute", "logistic", "hinge", "huber"])
def test_every_loss_lifts_to_a_network_in_the_closed_basin_with_the_same_loss(loss):
    X, y, W, v, A, b = _instance(7, n=3, m=7, d=3)
    if loss in ("logistic", "hinge"):
        y = np.where(y > 0, 1.0, -1.0)
    fn = (lambda p, yy: cp.huber(p - yy, 0.5)) if loss == "huber" else loss
    sol = basin_value(X, y, A, b, loss=fn)
    # the lift is in the closure of B^{A,b}: a_jt⟨w_j,x_t⟩ ≥ 0 up to the primal residual, b_j v_j ≥ 0
    Z = (A * (sol.W @ X.T)) / (np.linalg.norm(X, axis=1)[None, :] * np.maximum(1, np.linalg.norm(sol.W, axis=1))[:, None])
    assert Z.min() >= -1e-6 and np.all(b * sol.v >= 0)
    assert_close(sol.U, sol.v[:, None] * sol.W, atol=1e-12, rtol=1e-12, name="u_j = v_j w_j")
    lifted = network_loss(X, y, sol.W, sol.v, loss=fn)
    assert abs(lifted - sol.value) <= sol.certificate.lift_tolerance
    # the value is a minimum over the basin: the start point (inside B) is no better
    assert network_loss(X, y, W, v, loss=fn) >= sol.value - 1e-6 * (1 + sol.value)


def test_lift_sends_zero_neurons_to_the_origin_and_balances_the_rest():
    U = np.array([[3.0, 4.0], [0.0, 0.0]])
    W, v = lift(U, np.array([-1, 1]))
    assert np.array_equal(W[1], [0.0, 0.0]) and v[1] == 0.0
    assert_close(v[0], -np.sqrt(5.0), rtol=1e-15, name="v_0")
    assert_close(np.linalg.norm(W[0]), np.sqrt(5.0), rtol=1e-15, name="‖w_0‖")


def test_duplicate_neurons_merge_and_split_without_changing_the_value():
    X, y, W, v, A, b = _instance(11, n=2, m=6, d=3)
    one = basin_value(X, y, A[:1], b[:1], cache=False)
    twice = basin_value(X, y, np.vstack([A[:1], A[:1]]), np.r_[b[:1], b[:1]], cache=False)
    assert_close(one.value, twice.value, atol=1e-12, name="merged value")
    assert_close(twice.U[0], twice.U[1], atol=1e-15, name="equal split")


def test_cached_and_uncached_values_are_identical():
    X, y, W, v, A, b = _instance(12)
    first = basin_value(X, y, A, b)
    second = basin_value(X, y, A, b)
    fresh = basin_value(X, y, A, b, cache=False)
    assert first.value == second.value
    assert_close(first.value, fresh.value, atol=1e-12, name="cache")


def test_basin_value_at_equals_basin_value_of_its_pattern():
    X, y, W, v, A, b = _instance(13)
    assert basin_value_at(X, y, W, v).value == basin_value(X, y, A, b).value


# ----------------------------------------------------------------------------- singleton data


def _singleton(seed: int, m: int, d: int):
    rng = np.random.default_rng(seed)
    k = rng.integers(0, d, size=m)
    X = np.zeros((m, d))
    X[np.arange(m), k] = rng.choice([-1.0, 1.0], size=m) * rng.uniform(0.5, 2.0, size=m)
    return X, rng.normal(size=m)


@pytest.mark.parametrize("seed", range(3))
def test_singleton_closed_form_equals_the_convex_program(seed):
    X, y = _singleton(seed, m=7, d=3)
    rng = np.random.default_rng(100 + seed)
    for _ in range(4):
        W, v = rng.normal(size=(3, 3)), rng.normal(size=3)
        A, b = sign_pattern(W, v, X)
        assert_close(singleton_basin_value(X, y, A, b), basin_value(X, y, A, b).value, atol=AGREE,
                     name="singleton Bas")


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_singleton_global_minimum_uses_all_neurons_of_one_output_sign(sign):
    """Data whose optimum needs every neuron of one output sign: two coordinates, one sample on
    each side of each, all targets of sign ``sign``. Each neuron serves one side of every
    coordinate, so width 2 fits all four samples exactly only with n₊ = 2 (or n₋ = 2): the value
    is 0, and with one neuron of each sign it is not (checked against the enumeration)."""
    X = np.array([[1.0, 0.0], [-2.0, 0.0], [0.0, 1.5], [0.0, -1.0]])
    y = sign * np.array([1.0, 2.0, 0.5, 1.5])
    assert singleton_global_minimum(X, y, 2) == pytest.approx(0.0, abs=1e-15)
    gm = global_minimum(X, y, 2)
    assert_close(gm.value, 0.0, atol=AGREE, name="enumerated global minimum")
    assert np.all(gm.b == (1 if sign > 0 else -1))  # the winner uses both neurons with that sign
    A = np.array([[1, -1, 1, -1], [-1, 1, -1, 1]])  # neuron 0: '+' sides, neuron 1: '−' sides
    mixed = singleton_basin_value(X, y, A, np.array([1, -1]))
    same = singleton_basin_value(X, y, A, np.array([1, 1]) * int(sign))
    assert same == pytest.approx(0.0, abs=1e-15) and mixed > 0.1
    assert_close(mixed, basin_value(X, y, A, np.array([1, -1])).value, atol=AGREE, name="mixed signs")
    assert singleton_global_minimum(X, y, 1) > 0.1  # one neuron cannot serve both sides


def test_singleton_closed_form_refuses_non_singleton_data_and_unrealisable_patterns():
    with pytest.raises(ValueError, match="X: not singleton data"):
        singleton_basin_value(np.array([[1.0, 1.0]]), np.zeros(1), np.array([[1]]), np.array([1]))
    X = np.array([[1.0, 0.0], [2.0, 0.0]])
    with pytest.raises(EmptyBasinError):
        singleton_basin_value(X, np.zeros(2), np.array([[1, -1]]), np.array([1]))
    with pytest.raises(ValueError, match="width"):
        singleton_global_minimum(X, np.zeros(2), 0)


# ----------------------------------------------------------------------------- exact mode


def _rational_instance(seed: int):
    rng = np.random.default_rng(seed)
    X = rng.integers(-4, 5, size=(6, 2)).astype(float)
    X[np.all(X == 0, axis=1)] = [1.0, 2.0]
    y = rng.integers(-3, 4, size=6).astype(float)
    W, v = rng.normal(size=(3, 2)), rng.normal(size=3)
    A, b = sign_pattern(W, v, X)
    return X, y, A, b


@pytest.mark.parametrize("seed", range(3))
def test_exact_rational_kkt_certificate_agrees_with_the_float_value(seed):
    X, y, A, b = _rational_instance(seed)
    ex = exact_kkt_certificate(X, y, A, b)
    assert ex.status == "certified", ex.reason
    assert isinstance(ex.value, Fraction)
    # the float value is the solver's primal objective: above the exact minimum by ≤ its gap
    assert 0 <= ex.float_value - float(ex.value) <= 1e-6 * (1 + float(ex.value))


def test_exact_kkt_rejects_a_wrong_active_set():
    X, y, A, b = _rational_instance(0)
    ex = exact_kkt_certificate(X, y, A, b)
    assert ex.status == "certified" and ex.active
    wrong = exact_kkt_certificate(X, y, A, b, active=[])  # drop every active constraint
    assert wrong.status == "failed", wrong.reason
    assert wrong.value is None


def test_exact_kkt_says_ambiguous_rather_than_guessing():
    X, y, A, b = _rational_instance(1)  # this instance has a weakly active constraint
    ex = exact_kkt_certificate(X, y, A, b, max_branch=0)
    assert ex.status == "ambiguous active set" and ex.value is None
    assert "not guessing" in ex.reason
    assert exact_kkt_certificate(X, y, A, b).status == "certified"  # branching resolves it exactly


def test_distinct_user_losses_never_share_a_compiled_program():
    """A user loss is keyed by the callable itself (kept alive), not by an id that can be reused."""
    X, y, W, v, A, b = _instance(14)
    vals = [basin_value(X, y, A, b, loss=lambda p, yy, k=k: k * cp.square(p - yy)).value for k in (1.0, 2.0, 3.0)]
    # a k-scaled loss has the k-scaled optimum; Clarabel stops each solve at a 1e-8 relative gap,
    # so 1e-6 relative leaves a ×50 margin for the two solves compared
    assert_close(np.array(vals), vals[0] * np.array([1.0, 2.0, 3.0]), rtol=1e-6, name="scaled losses")


@pytest.mark.parametrize("sx, sy", [(1e-3, 1e3), (1e3, 1e-3), (1e3, 1e3), (1e-3, 1e-3)])
def test_badly_scaled_data_are_solved_and_paths_agree_relatively(sx, sy):
    """Clarabel alone returns 'optimal_inaccurate' on X ~ 1e3; the engine solves on X/max‖x_t‖
    (and on y/max|y| when max|y| < 1), which changes no sign, and certifies on the original data."""
    rng = np.random.default_rng(int(np.log10(sx) * 10 + np.log10(sy)) + 50)
    X, y = rng.normal(size=(8, 3)) * sx, rng.normal(size=8) * sy
    for _ in range(3):
        W, v = rng.normal(size=(4, 3)), rng.normal(size=4)
        vals = [basin_value_at(X, y, W, v, method=m, cache=False).value for m in ("direct", "nnls", "cvxpy")]
        # Clarabel's tolerances 1e-8 are relative to the rescaled problem: 1e-6 relative ×10 margin
        assert_close(np.array(vals), np.full(3, vals[1]), rtol=1e-5, name="paths on scaled data")


def test_certificate_rejects_a_feasible_but_non_optimal_point():
    """U = 0 with λ = ∇h(0) has zero 'gap' h(0) + h*(λ); only dual feasibility exposes it, and the
    certificate computes it itself (Clarabel path: stationarity with Z ≥ 0; NNLS path: Farkas on
    the generators)."""
    from numerics.basins.certificate import _certify
    from numerics.basins.rays import _RaySquared

    X, y, W, v, A, b = _instance(16, n=3, m=7, d=3)
    assert basin_value(X, y, A, b).value < np.mean(y**2) - 1e-3  # 0 is not optimal here
    U0, p0 = np.zeros((3, 3)), np.zeros(7)
    lam0 = (2.0 / 7) * (p0 - y)
    with pytest.raises(SolverError, match="certificate failed"):
        _certify(X, y, A, b, "squared", U0, p0, lam0, np.zeros((3, 7)), "optimal", "test")
    prog = _RaySquared(X)
    idx = [prog.compatible(A[j]) for j in range(3)]
    gens = (np.concatenate([np.full(i.size, j) for j, i in enumerate(idx)]), prog.G[np.concatenate(idx)])
    with pytest.raises(SolverError, match="certificate failed"):
        _certify(X, y, A, b, "squared", U0, p0, lam0, None, "optimal", "test", generators=gens)
