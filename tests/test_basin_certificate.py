"""The basin certificate rejects what it must, at its documented thresholds (issue 9).

Each acceptance test of numerics.basins.certificate — duality gap (factor CERT_FACTOR·CLARABEL_TOL
relative to 1 + |value|), Farkas dual residual (normalised by 1 + ‖λ‖_∞·max‖x_t‖), primal
residual (relative to ‖x_t‖·max(1, ‖u_j‖)), the lift check and the interior margin — is handed
an input that fails *only that test*, by a factor 3 beyond its threshold, and must raise; the
same construction at a factor 0.3 must pass. So a threshold loosened (or tightened) by more than
3× fails a test, and the rejection is for the right reason (match= on the failing quantity).
The exact optimum these perturbations start from is the NNLS over the rays of X solved by DAQP,
whose own certificate is checked first.
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics.basins import EmptyBasinError, SolverError, basin_is_nonempty, basin_value, interior_margin, sign_pattern
from numerics.basins.certificate import CERT_FACTOR, _certify, _check_lift, lift
from numerics.basins.patterns import INTERIOR_MARGIN
from numerics.basins.programs import CLARABEL_TOL
from numerics.basins.rays import _RaySquared

#: The documented acceptance bound: CERT_FACTOR·CLARABEL_TOL = 100 × Clarabel's stopping
#: tolerance 1e-8 (numerics.basins.certificate). Written as a number, so a changed constant fails.
BOUND = 1e-6


def test_the_acceptance_bound_is_the_documented_one():
    assert CERT_FACTOR * CLARABEL_TOL == pytest.approx(BOUND, rel=1e-12)


def _instance(seed: int = 5, n: int = 3, m: int = 8, d: int = 3):
    """Data in an open half-space (x_t1 > 0), so neuron 0 can be inactive on every sample."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d))
    X[:, 0] = np.abs(X[:, 0]) + 0.5
    y = rng.normal(size=m)
    W = rng.normal(size=(n, d))
    W[0] = [-1.0, 0.0, 0.0]  # ⟨w_0, x_t⟩ < 0 ∀t: a_0 = (−1, …, −1)
    v = np.abs(rng.normal(size=n))
    A, b = sign_pattern(W, v, X)
    prog = _RaySquared(X)
    U, p, lam, gens = prog.solve(A, b, y)
    value, cert, p = _certify(X, y, A, b, "squared", U, p, lam, None, "optimal", "test", generators=gens)
    assert abs(cert.gap) < 1e-3 * BOUND and cert.dual_residual < 1e-3 * BOUND  # an exact optimum
    return X, y, A, b, U, p, lam, gens, value


def _cert(X, y, A, b, U, lam, gens):
    p = np.einsum("jtd,jd->t", (A > 0)[:, :, None] * X[None], U)
    return _certify(X, y, A, b, "squared", U, p, lam, None, "optimal", "test", generators=gens)


@pytest.mark.parametrize("factor, rejected", [(3.0, True), (0.3, False)])
def test_infeasible_U_is_rejected_by_the_primal_residual(factor, rejected):
    """u_0 moved out of its cone (neuron 0 is inactive everywhere, so p, the gap and the dual
    residual do not change): only the primal residual sees it; it equals ε exactly here."""
    X, y, A, b, U, p, lam, gens, value = _instance()
    assert np.all(A[0] == -1) and b[0] == 1  # constraint: ⟨u_0, x_t⟩ ≤ 0 ∀t
    eps = factor * BOUND
    U2 = U.copy()
    U2[0] = eps * X[0] / np.linalg.norm(X[0])  # ⟨u_0, x_0⟩/‖x_0‖ = ε > 0: infeasible by ε
    if rejected:
        with pytest.raises(SolverError, match=r"certificate failed .*primal residual 3\.0"):
            _cert(X, y, A, b, U2, lam, gens)
    else:
        _, cert, _ = _cert(X, y, A, b, U2, lam, gens)
        assert cert.primal_residual == pytest.approx(eps, rel=1e-9)


@pytest.mark.parametrize("factor, rejected", [(3.0, True), (0.3, False)])
def test_a_gap_beyond_the_threshold_is_rejected(factor, rejected):
    """λ' = (1+κ)λ* stays dual feasible (the Farkas slopes scale by 1+κ ≥ 0) and, λ* being the
    dual optimum along that ray, the gap is exactly κ²·mean(s²)/4 with s = mλ*; κ is chosen so
    that the gap is `factor` times the allowed B·(1 + |value|)."""
    X, y, A, b, U, p, lam, gens, value = _instance()
    m = X.shape[0]
    target = factor * BOUND * (1 + abs(value))
    kappa = np.sqrt(4 * target / np.mean((m * lam) ** 2))
    if rejected:
        # only the gap fails: both residuals are exactly 0
        with pytest.raises(SolverError, match=r"certificate failed \(gap \S+, primal residual 0\.000e\+00, "
                                              r"dual residual 0\.000e\+00"):
            _cert(X, y, A, b, U, (1 + kappa) * lam, gens)
    else:
        _, cert, _ = _cert(X, y, A, b, U, (1 + kappa) * lam, gens)
        assert cert.gap == pytest.approx(target, rel=1e-4)


@pytest.mark.parametrize("factor, rejected", [(3.0, True), (0.3, False)])
def test_a_dual_residual_beyond_the_threshold_is_rejected(factor, rejected):
    """λ' = λ* + ηq with q ⊥ p* and ⟨M_g, q⟩ < 0 for an active generator g: the Farkas slope of
    g becomes −η‖M_g⊥‖² (first order) while the gap moves only by O(η²). η is set so that the
    normalised residual −slope / (1 + ‖λ'‖_∞·max‖x_t‖) is `factor` × B — a wrong slope sign or
    a wrong normalisation fails one of the two cases. (An instance with two active generators, so
    that some M_g is not parallel to p*.)"""
    X, y, A, b, U, p, lam, gens, value = _instance(10, n=4, m=12)
    gj, gR = gens
    Qg = ((A[gj] > 0) * (gR @ X.T)) * b[gj][:, None]  # M_g = b_j [X g]_+ on K_j, per generator
    slopes = Qg @ lam
    active = np.flatnonzero(np.abs(slopes) < 1e-12)
    k = active[np.argmax(np.linalg.norm(Qg[active], axis=1))]
    q = -(Qg[k] - (Qg[k] @ p) / (p @ p) * p)  # orthogonal to p*
    # for small η the worst slope is η·rate, rate = max over the active generators of −⟨M_g, q⟩
    rate = float(np.max(-(Qg[active] @ q)))
    assert rate > 0
    xmax = float(np.linalg.norm(X, axis=1).max())
    target = factor * BOUND
    eta = 0.0
    for _ in range(20):  # fixed point: the normaliser depends (weakly) on η
        eta = target * (1 + np.max(np.abs(lam + eta * q)) * xmax) / rate
    lam2 = lam + eta * q
    if rejected:
        with pytest.raises(SolverError, match=r"dual residual 3\.0"):
            _cert(X, y, A, b, U, lam2, gens)
    else:
        _, cert, _ = _cert(X, y, A, b, U, lam2, gens)
        assert cert.dual_residual == pytest.approx(target, rel=1e-6)
        assert abs(cert.gap) < 1e-3 * BOUND


@pytest.mark.parametrize("factor, rejected", [(3.0, True), (0.3, False)])
def test_a_wrong_lift_is_rejected(factor, rejected):
    """(W, v) that is not the lift of U: the network loss differs from the value by `factor` ×
    the lift tolerance (v_j scaled by 1 + t; at a minimum the loss is quadratic in t)."""
    X, y, A, b, U, p, lam, gens, value = _instance()
    _, cert, _ = _cert(X, y, A, b, U, lam, gens)
    W, v = lift(U, b)
    ok = _check_lift(X, y, "squared", W, v, value, cert)
    assert ok.lift_error <= cert.lift_tolerance

    j = int(np.argmax(np.abs(v)))  # a neuron that is on (|v_j| > 0)

    def loss_err(t):
        v2 = v.copy()
        v2[j] *= 1 + t
        return v2, abs(np.mean((np.maximum(W @ X.T, 0).T @ v2 - y) ** 2) - value)

    t = 1e-6
    for _ in range(30):
        t *= np.sqrt(factor * cert.lift_tolerance / loss_err(t)[1])
    v2, err = loss_err(t)
    assert err == pytest.approx(factor * cert.lift_tolerance, rel=1e-3, abs=0)  # a tolerance of ~1e-12: abs=0, or the default abs=1e-12 would swamp it
    if rejected:
        with pytest.raises(SolverError, match="lift check failed"):
            _check_lift(X, y, "squared", W, v2, value, cert)
    else:
        _check_lift(X, y, "squared", W, v2, value, cert)


def test_the_lift_check_runs_inside_basin_value(monkeypatch):
    """basin_value itself refuses a value whose lift does not reproduce it."""
    import numerics.basins.value as value_mod

    X, y, A, b, *_ = _instance()
    monkeypatch.setattr(value_mod, "lift", lambda U, b_: (np.zeros_like(U), np.ones(len(b_))))
    with pytest.raises(SolverError, match="lift check failed"):
        basin_value(X, y, A, b, cache=False)


@pytest.mark.parametrize("theta, nonempty", [(2e-6, True), (2e-8, True), (2e-12, False)])
def test_thin_cones_are_non_empty_until_the_interior_margin(theta, nonempty):
    """x_0 = (1, 0), x_1 = (−1, θ): the open cone {w_1 > 0, θw_2 > w_1} is non-empty for every
    θ > 0 but its normalised LP margin is ≈ θ/2; cones down to the margin INTERIOR_MARGIN = 1e-9
    are kept (a margin raised 100× would drop θ = 2e-8), thinner ones are treated as empty and
    the basin value refuses them."""
    X = np.array([[1.0, 0.0], [-1.0, theta], [0.3, 1.0]])
    y = np.array([1.0, 0.5, -0.2])
    A, b = np.array([[1, 1, 1]]), np.array([1])
    margin, w = interior_margin(X, A[0])
    assert basin_is_nonempty(X, A, b) is nonempty
    if nonempty:
        assert margin == pytest.approx(theta / 2, rel=0.05, abs=0)  # the normalised margin ≈ θ/2, no absolute slack
        assert np.all(A[0] * (X @ w) > 0)  # the LP's witness is a strict interior point
        bm = basin_value(X, y, A, b, cache=False)
        assert bm.value <= np.mean(y**2)
    else:
        assert margin <= INTERIOR_MARGIN
        with pytest.raises(EmptyBasinError, match="row 0"):
            basin_value(X, y, A, b, cache=False)
