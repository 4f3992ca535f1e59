"""Unit tests of numerics.flow and numerics.imbalance (the dynamics toolkit of the ZBZ24 claims)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from numerics import network as net
from numerics.flow import (
    batched_gradient,
    batched_loss,
    gradient_descent,
    gradient_descent_datasets,
    gradient_flow,
    small_init_flow,
)
from numerics.imbalance import (
    escape_basis,
    escape_rates,
    fit_rate,
    imbalance_vector,
    init_with_imbalance,
)
from overspec.testing import assert_close


def _data(n=5, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, np.tanh(X @ rng.normal(size=d))


@pytest.mark.parametrize("activation", ["tanh", "x_plus_x2", "sin"])
@pytest.mark.parametrize("normalization", ["half_mean", "mean"])
def test_batched_gradient_and_loss_match_an_explicit_loop_and_finite_differences(activation, normalization):
    X, y = _data()
    thetas = np.random.default_rng(1).normal(size=(4, 3 * 4))
    G = batched_gradient(thetas, X, y, activation, normalization)
    L = batched_loss(thetas, X, y, activation, normalization)
    sigma = net.get_activation(activation)
    c = 1 / (2 * len(y)) if normalization == "half_mean" else 1 / len(y)
    h = 1e-6
    for b in range(4):
        a, W = net.unpack(thetas[b], X.shape[1])
        explicit = c * sum(
            (sum(a[k] * sigma(W[k] @ x) for k in range(a.size)) - yi) ** 2 for x, yi in zip(X, y)
        )
        # the same sums in another order: rounding only (≈ 1e-15 relative)
        assert_close(L[b], explicit, rtol=1e-12, atol=1e-14, name="batched loss")
        fd = [
            (net.loss(thetas[b] + h * e, X, y, activation, normalization)
             - net.loss(thetas[b] - h * e, X, y, activation, normalization)) / (2 * h)
            for e in np.eye(thetas.shape[1])
        ]
        # central differences: truncation h²·max|L‴|/6 ≈ 1e-12, rounding eps·|L|/h ≈ 1e-10
        assert_close(G[b], fd, rtol=1e-6, atol=1e-8, name="batched gradient")


def test_gradient_descent_datasets_equals_gradient_descent_per_data_set():
    thetas = np.random.default_rng(2).normal(size=(3, 3 * 3)) * 0.5
    sizes = [3, 5, 4]
    data = [_data(n, 2, seed=10 + n) for n in sizes]
    Xp, yp = np.zeros((3, 5, 2)), np.zeros((3, 5))
    for b, (X, y) in enumerate(data):
        Xp[b, : X.shape[0]], yp[b, : X.shape[0]] = X, y
    _, TH = gradient_descent_datasets(thetas, Xp, yp, 0.1, 50, n_used=np.array(sizes))
    for b, (X, y) in enumerate(data):
        ref = gradient_descent(thetas[b], X, y, 0.1, 50)
        assert_close(TH[b, -1], ref.end[0], rtol=1e-12, atol=1e-13, name="GD end point")


def test_gradient_descent_converges_to_the_flow_at_first_order():
    """GD with step h is Euler's method for the flow: the gap at a fixed time is ∝ h."""
    X, y = _data(6, 2)
    theta0 = np.random.default_rng(3).normal(size=3 * 3) * 0.5
    T = 5.0
    ref = gradient_flow(theta0, X, y, [T], rtol=1e-12, atol=1e-14).end[0]
    gaps = []
    for h in (0.02, 0.01, 0.005):
        gd = gradient_descent(theta0, X, y, h, int(round(T / h)))
        gaps.append(float(np.linalg.norm(gd.end[0] - ref)))
    ratios = np.array(gaps[:-1]) / np.array(gaps[1:])
    # Euler's global error is c·h + O(h²): halving h halves the gap up to the O(h) relative term
    assert np.all(np.abs(ratios - 2.0) < 0.1), (gaps, ratios)


def test_flow_tolerance_halving_changes_little_and_loss_decreases():
    X, y = _data(6, 2)
    theta0 = np.random.default_rng(4).normal(size=(2, 3 * 3)) * 0.5
    t = np.linspace(0.0, 20.0, 41)
    a = gradient_flow(theta0, X, y, t, rtol=1e-8, atol=1e-12)
    b = gradient_flow(theta0, X, y, t, rtol=1e-11, atol=1e-15)
    # DOP853 at rtol 1e-8 on an O(1) state over 20 time units: global error ≲ 1e-6
    assert_close(a.theta, b.theta, atol=1e-6, name="rtol 1e-8 vs 1e-11")
    # gradient flow: dL/dt = −‖∇L‖² ≤ 0 (up to the integration error)
    assert np.all(np.diff(b.loss, axis=1) <= 1e-12)


def test_escape_basis_spans_the_top_eigenspace_of_minus_the_hessian_at_zero():
    X, y = _data(7, 3)
    m, d = 3, 3
    H = net.hessian(np.zeros(m * (d + 1)), X, y)
    lam1, lam2 = escape_rates(X, y)
    E = escape_basis(X, y, m)
    assert_close(-H @ E, lam1 * E, atol=1e-12, name="−H e_k = λ₁ e_k")
    assert_close(E.T @ E, np.eye(m), atol=1e-14, name="orthonormal")
    ev = np.sort(np.linalg.eigvalsh(-H))[::-1]
    assert_close(ev[:m], np.full(m, lam1), atol=1e-12, name="top eigenvalue, multiplicity m")
    assert_close(ev[m], lam2, atol=1e-12, name="λ₂ = 0 for d ≥ 2")
    X1 = X[:, :1]
    lam1_1, lam2_1 = escape_rates(X1, y)
    assert lam2_1 == -lam1_1


def test_imbalance_vector_and_init_with_imbalance_round_trip():
    X, y = _data(5, 2)
    C = np.array([0.3, -1.2, 0.7])
    theta = init_with_imbalance(C, X, y, orthogonal=np.random.default_rng(5).normal(size=9))
    assert_close(imbalance_vector(theta, X, y), C, atol=1e-14, name="C(θ̄)")
    a, W = net.unpack(theta, 2)
    z = X.T @ y / 5
    assert_close((a + W @ (z / np.linalg.norm(z))) / np.sqrt(2), C, atol=1e-14, name="formula")


def test_imbalance_vector_agrees_with_theory():
    theory = pytest.importorskip("theory")
    X, y = _data(4, 2)
    theta = np.random.default_rng(6).normal(size=6)
    z = X.T @ y / 4
    C_sym = theory.imbalance_vector([sp.Float(v, 30) for v in theta], [sp.Float(v, 30) for v in z], 1)
    assert_close(np.array([float(c) for c in C_sym]), imbalance_vector(theta, X, y), atol=1e-13)


def test_small_init_flow_follows_the_linearized_flow_in_the_escape_phase():
    """Before the escape (s = −6): θ(t) = ε e^{−∇²L(0)t} θ̄ + O(ε³) for tanh (σ''(0) = 0)."""
    X, y = _data(6, 2)
    bar = init_with_imbalance(np.array([1.0, 0.5]), X, y, np.random.default_rng(7).normal(size=6))
    bar = bar / np.linalg.norm(imbalance_vector(bar, X, y))
    eps = 1e-6
    tr = small_init_flow(bar, eps, X, y, [-6.0, 0.0])
    t = tr.settings["escape_time"] - 6.0
    H = net.hessian(np.zeros(6), X, y)
    w, V = np.linalg.eigh(-H)
    lin = V @ (np.exp(w * t) * (V.T @ (eps * bar)))
    # the cubic term is ~ ‖θ‖³ ~ (e^{-6λ₁})³ relative to ‖θ‖ — far below 1e-4 here
    assert_close(tr.theta[0, 0], lin, rtol=1e-4, atol=1e-4 * float(np.abs(lin).max()))


def test_fit_rate_recovers_a_known_exponent():
    eps = np.logspace(-2, -6, 5)
    fit = fit_rate(eps, 3.0 * eps**1.5 * (1 + 0.01 * np.array([1, -1, 1, -1, 1])))
    assert abs(fit.exponent - 1.5) < fit.half_width + 1e-12 and fit.half_width < 0.05


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda X, y: batched_gradient(np.full((2, 3), np.nan), X, y), "thetas"),
        (lambda X, y: gradient_flow(np.ones(3), X, y, [1.0], rtol=2.0), "rtol"),
        (lambda X, y: gradient_flow(np.ones(3), X, y, [2.0, 1.0]), "t_eval"),
        (lambda X, y: gradient_descent(np.ones(3), X, y, -0.1, 10), "lr"),
        (lambda X, y: small_init_flow(np.ones(3), 0.0, X, y, [0.0]), "eps"),
        (lambda X, y: escape_rates(X, np.zeros_like(y)), "y"),
        (lambda X, y: init_with_imbalance(np.array([np.nan]), X, y), "C"),
        (lambda X, y: fit_rate([1e-2, 1e-3], [1.0, 0.1]), "eps, dist"),
    ],
)
def test_bad_input_names_the_argument(call, match):
    X, y = _data(4, 2)
    with pytest.raises(ValueError, match=match):
        call(X, y)


# ------------------------------------------------------------- stiff flow (numerics.stiff_flow)
from numerics import stiff_flow as sf  # noqa: E402
from theory import flow_jacobian as fj  # noqa: E402


def test_sympy_jacobian_closed_form_is_derived_for_small_widths():
    assert fj.closed_form_matches(1, 1)
    assert fj.closed_form_matches(2, 1)


def test_analytic_flow_jacobian_matches_the_sympy_derivation():
    """numerics.network.hessian (the integrator's Jacobian, −∂F/∂θ) against the SymPy field
    Jacobian with σ = tanh, summed over samples with weight 1/n: rounding-level agreement."""
    from numerics.network import hessian

    J1 = fj.tanh_jacobian_function(2, 1)
    rng = np.random.default_rng(3)
    th, X, y = rng.normal(size=4), rng.normal(size=(5, 1)), rng.normal(size=5)
    J = sum(np.array(J1(th, X[i], y[i]), dtype=float) for i in range(5)) / 5
    assert np.abs(J + hessian(th, X, y)).max() <= 1e-13 * max(1.0, np.abs(J).max())


def test_single_state_field_equals_the_batched_gradient():
    rng = np.random.default_rng(4)
    X, y, th = rng.normal(size=(6, 2)), rng.normal(size=6), rng.normal(size=6)
    f = sf._field(X, y, net.get_activation("tanh"))
    assert np.abs(f(0.0, th) + net.batched_gradient(th, X, y)[0]).max() <= 1e-14


def _cell(**kw):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(4, 2))
    args = dict(name="c", theta0=1e-3 * rng.normal(size=6), X=X, y=np.tanh(X @ [1.0, 0.5]),
                X_test=X, target=np.tanh(X @ [1.0, 0.5]))
    args.update(kw)
    return sf.make_cell(**args)


@pytest.mark.parametrize("kw, name", [
    ({"theta0": np.zeros(6)}, "theta0"),
    ({"theta0": np.full(5, 1e-3)}, "theta0"),
    ({"X": np.full((4, 2), np.nan)}, "X"),
    ({"y": np.zeros(3)}, "y"),
    ({"target": np.zeros(2)}, "target"),
    ({"X_test": np.zeros((4, 3))}, "X_test"),
])
def test_make_cell_rejects_bad_input_naming_the_argument(kw, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        _cell(**kw)


def test_eps_and_t_end_must_be_positive():
    from numerics.recovery_grid import ratio_init, sample

    X, y = sample(4, 0)
    for eps in (0.0, -1e-4, np.nan):
        with pytest.raises(ValueError, match="^eps:"):
            ratio_init(0.5, X, y, eps)
    for t in (0.0, -1.0, np.inf):
        with pytest.raises(ValueError, match="^t_end:"):
            sf.integrate_cell(_cell(), t_end=t)
    with pytest.raises(ValueError, match="^method:"):
        sf.integrate_cell(_cell(), method="RK45")


def test_integrator_failure_raises_naming_the_cell():
    """A field that turns non-finite (an activation defined only on |z| < 1, started outside)
    makes the solver fail: the error names the cell, no status is returned."""
    from numerics.network import Activation

    def part(v):
        return lambda x: np.where(np.abs(x) < 1, v(x), np.nan)

    blow = Activation("blow", part(lambda x: x), part(np.ones_like), part(np.zeros_like))
    import numerics.network as nw

    nw.ACTIVATIONS["_blow_test"] = blow
    try:
        c = _cell(name="the-bad-cell", theta0=np.full(6, 30.0), activation="_blow_test")
        with pytest.raises(sf.IntegrationError, match="the-bad-cell"):
            sf.integrate_cell(c, t_end=1e3)
    finally:
        del nw.ACTIVATIONS["_blow_test"]


def test_undecided_is_reported_not_counted_as_a_class():
    """Stopped at t = 10² a slow cell is undecided; counts keep it apart."""
    r = sf.integrate_cell(_cell(), t_end=1e2)
    assert r.status == sf.UNDECIDED and r.decided_at == np.inf
    assert sf.status_counts([r]) == {sf.RECOVERED: 0, sf.OTHER: 0, sf.UNDECIDED: 1}


def test_criterion_decides_by_its_rules():
    c = sf.Criterion()
    G, L, g = np.array([1e-3, 1e-9, 1e-11]), np.array([1e-3, 1e-25, 1e-25]), np.array([1.0, 0, 0])
    assert c.decide(G, L, g) == sf.RECOVERED
    assert c.decide(G[:2], L[:2], g[:2]) is None  # one checkpoint below the threshold is not enough
    assert c.decide(np.array([1e-3, 1e-9, 0.5e-9]), L, g) is None  # below 1e-8 but not decaying 10×
    assert c.decide(np.array([1e-9, 1e-9, 1e-9]), L, g * 0) == sf.OTHER  # stable just below 1e-8: another minimum
    stable = np.array([1e-4, 1e-4, 1e-4])
    assert c.decide(stable, L * 0 + 1e-25, g * 0) == sf.OTHER
    assert c.decide(stable * [1, 1.01, 1], L * 0 + 1e-25, g * 0) is None  # moved 1% in two decades
    assert c.decide(stable, L * 0 + 1e-15, g * 0) is None  # loss above the floor
    assert c.decide(stable, L * 0 + 1e-25, g * 0 + 1e-6) is None  # still moving
    with pytest.raises(ValueError, match="^recover_tol:"):
        sf.Criterion(recover_tol=0.0)
