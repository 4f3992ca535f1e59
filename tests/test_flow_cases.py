"""numerics.flow: gradient flow / gradient descent against independent references, and every guard.

Claims ZBZ24.imbalance, .Thm2, .ratio, .init-scale, .full-sample (the integrators they use).
References: scipy's solve_ivp on a right-hand side built from the public numerics.network
gradient (checked against finite differences in tests/test_flow.py), explicit GD loops with that
gradient, hand-computed errors, and the time rescaling θ_mean(t) = θ_half(2t) (L_mean = 2·L_half).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import OdeSolver, solve_ivp

from numerics import network as net
from numerics.flow import (
    generalization_error,
    gradient_descent,
    gradient_descent_datasets,
    gradient_flow,
    plot_trajectories,
    small_init_flow,
)
from numerics.imbalance import escape_rates, imbalance_vector, init_with_imbalance
from overspec.testing import assert_close

# pytest.approx has a default absolute tolerance of 1e-12: every comparison below passes abs explicitly


def _data(n=5, d=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, np.tanh(X @ rng.normal(size=d))


def _reference_flow(theta0, X, y, t, normalization="half_mean"):
    """dθ/dt = −∇L(θ) by scipy (RK45, tight tolerances) with the public numerics.network gradient."""
    sol = solve_ivp(lambda _t, v: -net.gradient(v, X, y, "tanh", normalization), (0.0, t[-1]), theta0,
                    method="RK45", t_eval=t, rtol=1e-12, atol=1e-14)
    return sol.y.T


def test_gradient_flow_matches_an_independent_integration_and_records_loss_and_gradient():
    X, y = _data()
    th0 = np.random.default_rng(1).normal(size=(2, 6)) * 0.7
    t = np.array([0.0, 0.5, 2.0, 5.0])
    tr = gradient_flow(th0, X, y, t)
    assert tr.theta.shape == (2, 4, 6) and tr.loss.shape == (2, 4) and tr.grad_norm.shape == (2, 4)
    assert tr.method == "solve_ivp/DOP853"
    for b in range(2):
        # two integrators at rtol ≤ 1e-10 over 5 time units on an O(1) state: ≲ 1e-8 apart
        assert_close(tr.theta[b], _reference_flow(th0[b], X, y, t), atol=1e-8, name="θ(t)")
        for j in range(4):
            assert tr.loss[b, j] == pytest.approx(net.loss(tr.theta[b, j], X, y), rel=1e-13, abs=0)
            assert tr.grad_norm[b, j] == pytest.approx(np.linalg.norm(net.gradient(tr.theta[b, j], X, y)), rel=1e-12, abs=0)
    assert_close(tr.end, tr.theta[:, -1, :], atol=1e-300, name="end = last time")  # the same numbers
    assert np.array_equal(tr.t, t)


def test_gradient_flow_mean_normalization_runs_twice_as_fast():
    """L_mean = 2·L_half, so θ_mean(t) = θ_half(2t)."""
    X, y = _data()
    th0 = np.random.default_rng(2).normal(size=6) * 0.7
    half = gradient_flow(th0, X, y, [2.0, 6.0], rtol=1e-11, atol=1e-13)
    mean = gradient_flow(th0, X, y, [1.0, 3.0], normalization="mean", rtol=1e-11, atol=1e-13)
    # both at rtol 1e-11: global errors ≲ 1e-9
    assert_close(mean.theta, half.theta, atol=1e-9, name="θ_mean(t) = θ_half(2t)")
    assert_close(mean.loss, 2 * half.loss, rtol=1e-8, name="L_mean = 2 L_half")


def test_gradient_flow_from_a_later_start_time_is_time_shifted():
    """The flow is autonomous: from θ0 at t0 = 3, θ(3 + s) is θ(s) from t0 = 0."""
    X, y = _data()
    th0 = np.random.default_rng(3).normal(size=6) * 0.7
    a = gradient_flow(th0, X, y, [1.0, 2.5], rtol=1e-11, atol=1e-13)
    b = gradient_flow(th0, X, y, [4.0, 5.5], rtol=1e-11, atol=1e-13, t0=3.0)
    assert_close(b.theta, a.theta, atol=1e-9, name="time shift")  # both at rtol 1e-11
    c = gradient_flow(th0, X, y, [3.0, 4.0], t0=3.0)  # t_eval[0] = t0 is allowed: θ(t0) = θ0
    assert_close(c.theta[0, 0], th0, atol=1e-15, name="θ(t0) = θ0")


def test_gradient_flow_default_atol_is_relative_to_the_smallest_initialization():
    X, y = _data()
    th0 = np.array([[0.1, -0.4, 0.2, 0.0, 0.3, 0.0], [2.0, 1.0, -3.0, 0.5, 0.0, 0.0]])
    tr = gradient_flow(th0, X, y, [0.5], rtol=1e-9)
    # min over rows of max|θ0_b| = 0.4 → atol = 1e-3 · 1e-9 · 0.4
    assert tr.settings["atol"] == pytest.approx(4e-13, rel=1e-12, abs=0)
    assert tr.settings["rtol"] == 1e-9 and tr.settings["nfev"] > 0
    tr = gradient_flow(th0, X, y, [0.5], atol=1e-7)
    assert tr.settings["atol"] == 1e-7
    tr = gradient_flow(th0, X, y, [0.5])  # the default rtol = 1e-10
    assert tr.settings["rtol"] == 1e-10 and tr.settings["atol"] == pytest.approx(4e-14, rel=1e-12, abs=0)


class _FailingSolver(OdeSolver):
    """An ODE solver whose every step fails (solve_ivp then returns status −1)."""

    def __init__(self, fun, t0, y0, t_bound, vectorized=False, **_options):
        super().__init__(fun, t0, y0, t_bound, vectorized)

    def _step_impl(self):
        return False, "deliberate failure"


def test_gradient_flow_raises_when_the_solver_fails():
    X, y = _data()
    with pytest.raises(RuntimeError, match="gradient_flow: solve_ivp .* failed: .*deliberate failure"):
        gradient_flow(np.full(6, 0.5), X, y, [1.0], method=_FailingSolver)


def _explicit_gd(theta0, X, y, lr, steps, normalization="half_mean"):
    th = np.array(theta0, dtype=float)
    out = [th.copy()]
    for _ in range(steps):
        th = th - lr * net.gradient(th, X, y, "tanh", normalization)
        out.append(th.copy())
    return np.array(out)


def test_gradient_descent_equals_the_explicit_loop_and_records_every_k_steps():
    X, y = _data()
    th0 = np.random.default_rng(4).normal(size=(2, 6)) * 0.7
    tr = gradient_descent(th0, X, y, 0.3, 12, record_every=4)
    assert np.array_equal(tr.t, [0.0, 4.0, 8.0, 12.0])
    assert tr.method == "gradient_descent" and tr.settings == {"lr": 0.3, "steps": 12}
    for b in range(2):
        ref = _explicit_gd(th0[b], X, y, 0.3, 12)
        # the same update in another summation order: rounding only
        assert_close(tr.theta[b], ref[::4], rtol=1e-12, atol=1e-14, name="GD iterates")
        assert tr.loss[b, -1] == pytest.approx(net.loss(ref[-1], X, y), rel=1e-12, abs=0)
        assert tr.grad_norm[b, 1] == pytest.approx(np.linalg.norm(net.gradient(ref[4], X, y)), rel=1e-11, abs=0)
    only_end = gradient_descent(th0, X, y, 0.3, 12)  # default: record the start and the end
    assert np.array_equal(only_end.t, [0.0, 12.0])
    mean = gradient_descent(th0[0], X, y, 0.3, 3, normalization="mean")
    assert_close(mean.theta[0], _explicit_gd(th0[0], X, y, 0.3, 3, "mean")[[0, 3]], rtol=1e-12, atol=1e-14,
                 name="mean normalization")


def test_gradient_descent_raises_on_divergence():
    X, y = _data()
    with pytest.raises(FloatingPointError, match="step"):
        with np.errstate(over="ignore", invalid="ignore"):
            gradient_descent(np.full(6, 3.0), X, 50.0 * y, 1e3, 200, record_every=100)
    # one run of the batch diverges, the other sits at the fixed point θ = 0: still an error
    with pytest.raises(FloatingPointError, match="step"):
        with np.errstate(over="ignore", invalid="ignore"):
            gradient_descent(np.stack([np.zeros(6), np.full(6, 3.0)]), X, 50.0 * y, 1e3, 200, record_every=100)


def test_gradient_descent_datasets_without_padding_equals_gradient_descent():
    rng = np.random.default_rng(5)
    data = [_data(4, 2, seed=s) for s in (7, 8)]
    X = np.stack([d[0] for d in data])
    y = np.stack([d[1] for d in data])
    th0 = rng.normal(size=(2, 6)) * 0.7
    ts, TH = gradient_descent_datasets(th0, X, y, 0.2, 10, record_every=5)
    assert np.array_equal(ts, [0.0, 5.0, 10.0]) and TH.shape == (2, 3, 6)
    for b in range(2):
        ref = _explicit_gd(th0[b], X[b], y[b], 0.2, 10)
        assert_close(TH[b], ref[::5], rtol=1e-12, atol=1e-14, name="per-data-set GD")  # rounding only
    # n_used = n everywhere is the same as no padding
    _, TH2 = gradient_descent_datasets(th0, X, y, 0.2, 10, record_every=5, n_used=[4, 4])
    assert_close(TH2, TH, rtol=1e-14, atol=1e-15, name="n_used = n")
    # the padding rows get weight 0: n_used = 3 is GD on the first 3 samples only
    _, TH3 = gradient_descent_datasets(th0, X, y, 0.2, 10, n_used=[3, 4])
    assert_close(TH3[0, -1], _explicit_gd(th0[0], X[0, :3], y[0, :3], 0.2, 10)[-1], rtol=1e-12, atol=1e-14,
                 name="first n_used samples")


def test_gradient_descent_datasets_raises_on_divergence():
    X, y = _data(4, 2)
    with pytest.raises(FloatingPointError, match="gradient_descent_datasets"):
        with np.errstate(over="ignore", invalid="ignore"):
            gradient_descent_datasets(np.full((1, 6), 3.0), X[None], 50.0 * y[None], 1e3, 200, record_every=100)
    with pytest.raises(FloatingPointError, match="gradient_descent_datasets"):  # one of two runs diverges
        with np.errstate(over="ignore", invalid="ignore"):
            gradient_descent_datasets(np.stack([np.zeros(6), np.full(6, 3.0)]), np.stack([X, X]),
                                      50.0 * np.stack([y, y]), 1e3, 200, record_every=100)


def test_generalization_error_by_hand():
    # one neuron a = 2, w = (1, 0): f(x) = 2 tanh(x_1); at x = 0 and x = (∞-ish) …
    X = np.array([[0.0, 0.0], [1.0, 5.0]])
    target = np.array([1.0, 0.0])
    th = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    err = generalization_error(th, X, target)
    # row 0: residuals (0 − 1, 2 tanh 1 − 0); row 1: f ≡ 0, residuals (−1, 0)
    assert err == pytest.approx([(1.0 + 4.0 * np.tanh(1.0) ** 2) / 2, 0.5], rel=1e-15, abs=0)
    # a non-zero target at the second point: row 0 residuals (−1, 2 tanh 1 − 0.5), row 1 (−1, −0.5)
    err = generalization_error(th, X, np.array([1.0, 0.5]))
    assert err == pytest.approx([(1.0 + (2.0 * np.tanh(1.0) - 0.5) ** 2) / 2, 1.25 / 2], rel=1e-15, abs=0)


def test_plot_trajectories_draws_one_line_per_component_with_one_colour_per_label():
    fig = plot_trajectories([("a", [0, 1, 2], [1.0, 2.0, 3.0]), ("b", [0, 1, 2], np.ones((3, 2)))],
                            xlabel="s", ylabel="L", title="T", logy=True)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 3
    assert [ln.get_color() for ln in lines] == ["C0", "C1", "C1"]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "s" and ax.get_ylabel() == "L" and ax.get_title() == "T"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    # the figure's style: 6.4 × 4.2 inches, lines 1.2 pt, legend font 7 pt
    assert tuple(fig.get_size_inches()) == (6.4, 4.2)
    assert all(ln.get_linewidth() == 1.2 for ln in lines)
    assert all(t.get_fontsize() == 7.0 for t in ax.get_legend().get_texts())
    assert list(lines[1].get_ydata()) == [1.0, 1.0, 1.0]
    plain = plot_trajectories([("a", [0, 1], [1.0, 2.0])]).axes[0]
    assert plain.get_yscale() == "linear" and plain.get_title() == "" and plain.get_xlabel() == "t"


# ------------------------------------------------------------------------------- small_init_flow
def _bar():
    X, y = _data(6, 2)
    bar = init_with_imbalance(np.array([1.0, 0.5]), X, y, np.random.default_rng(9).normal(size=6))
    return X, y, bar


def test_small_init_flow_settings_and_phases():
    X, y, bar = _bar()
    eps = 1e-4
    tr = small_init_flow(bar, eps, X, y, [-3.0, 0.0, 1.0, 2.0], rtol=1e-9, atol_late=1e-11)
    lam1, _ = escape_rates(X, y)
    Cn = np.linalg.norm([1.0, 0.5])
    T = np.log(1.0 / (eps * Cn)) / lam1
    s = tr.settings
    assert s["escape_time"] == pytest.approx(T, rel=1e-12, abs=0) and s["lambda1"] == pytest.approx(lam1, rel=1e-15, abs=0)
    assert s["atol_early"] == pytest.approx(1e-3 * 1e-9 * eps * np.abs(bar).max(), rel=1e-12, abs=0)
    assert s["atol_late"] == 1e-11 and s["rtol"] == 1e-9 and s["nfev"] > 0
    d = small_init_flow(bar, eps, X, y, [0.0]).settings  # the defaults rtol = 1e-10, atol_late = 1e-12
    assert d["rtol"] == 1e-10 and d["atol_late"] == 1e-12
    assert d["atol_early"] == pytest.approx(1e-3 * 1e-10 * eps * np.abs(bar).max(), rel=1e-12, abs=0)
    assert tr.method == "solve_ivp/DOP853+LSODA"
    assert np.array_equal(tr.t, [-3.0, 0.0, 1.0, 2.0]) and tr.theta.shape == (1, 4, 6)
    # the same flow in one piece from εθ̄ (tight tolerances): phases glued at s = 0 without a gap
    ref = gradient_flow(eps * bar, X, y, T + np.array([-3.0, 0.0, 1.0, 2.0]), rtol=1e-11,
                        atol=1e-3 * 1e-11 * eps * np.abs(bar).max())
    # rtol 1e-9 over an escape of growth 1/ε: relative error ≲ 1e-6 of the O(1) state
    assert_close(tr.theta, ref.theta, atol=1e-6, name="two-phase flow = one-piece flow")
    assert tr.loss[0, -1] == pytest.approx(net.loss(tr.theta[0, -1], X, y), rel=1e-13, abs=0)
    assert_close(tr.end, tr.theta[:, -1], atol=1e-300, name="end")


def test_small_init_flow_with_only_early_or_only_late_shifts():
    X, y, bar = _bar()
    both = small_init_flow(bar, 1e-4, X, y, [-2.0, -1.0, 0.5, 1.5], rtol=1e-9)
    early = small_init_flow(bar, 1e-4, X, y, [-2.0, -1.0], rtol=1e-9)
    late = small_init_flow(bar, 1e-4, X, y, [0.5, 1.5], rtol=1e-9)
    assert early.theta.shape == (1, 2, 6) and late.theta.shape == (1, 2, 6)
    assert_close(early.theta, both.theta[:, :2], atol=1e-12, name="early part")  # same DOP853 run to T
    # phase 1 ends at T in both runs (to rtol), phase 2 from there: ≲ 1e-6 apart
    assert_close(late.theta, both.theta[:, 2:], atol=1e-6, name="late part")
    zero = small_init_flow(bar, 1e-4, X, y, [0.0], rtol=1e-9)  # s = 0 only: the end of phase 1
    assert zero.theta.shape == (1, 1, 6)
    # the evaluation count is phase 1's plus phase 2's (phase 2: LSODA from θ(T) at t0 = T; phase 1
    # ends in the same state whatever its t_eval, as DOP853's steps do not depend on t_eval)
    T = both.settings["escape_time"]
    p2 = gradient_flow(zero.theta[0, 0], X, y, T + np.array([0.5, 1.5]), method="LSODA", rtol=1e-9,
                       atol=1e-12, t0=T)
    assert both.settings["nfev"] == early.settings["nfev"] + p2.settings["nfev"]


def test_small_init_flow_batch_with_per_row_eps_shares_one_escape_time():
    X, y, bar = _bar()
    bars = np.stack([bar, 2.0 * bar])
    tr = small_init_flow(bars, np.array([1e-4, 0.5e-4]), X, y, [-1.0, 1.0], rtol=1e-9)
    # ε_b θ̄_b are the same initial point: the same trajectory (up to the solver's rounding)
    assert_close(tr.theta[0], tr.theta[1], atol=1e-10, name="equal ε‖C‖, equal flows")


def test_small_init_flow_early_atol_uses_the_smallest_row():
    """atol_early = 1e-3·rtol·min_b ‖ε θ̄_b‖_∞ (docstring): rows with one C and different orthogonal parts."""
    X, y = _data(6, 2)
    C = np.array([1.0, 0.5])
    v = np.random.default_rng(9).normal(size=6)
    bars = np.stack([init_with_imbalance(C, X, y, v), init_with_imbalance(C, X, y, 5.0 * v)])
    tr = small_init_flow(bars, 1e-4, X, y, [0.0], rtol=1e-9)
    expected = 1e-3 * 1e-9 * 1e-4 * min(np.abs(bars[0]).max(), np.abs(bars[1]).max())
    assert np.abs(bars[0]).max() != np.abs(bars[1]).max()
    assert tr.settings["atol_early"] == pytest.approx(expected, rel=1e-12, abs=0)


def test_small_init_flow_short_escape_time():
    """0 < T_ε < 1 is a valid (if short) escape phase, and the batch tolerance 1e-9·max(1, |T|)
    is then the absolute 1e-9: a mismatch of 1.5e-9 in T is rejected."""
    X, y, bar = _bar()
    lam1, _ = escape_rates(X, y)
    Cn = float(np.linalg.norm(imbalance_vector(bar, X, y)))
    eps = np.exp(-0.5 * lam1) / Cn  # T_ε = 0.5
    tr = small_init_flow(bar, eps, X, y, [-0.25, 0.0], rtol=1e-8)
    assert tr.settings["escape_time"] == pytest.approx(0.5, rel=1e-12, abs=0) and tr.theta.shape == (1, 2, 6)
    eps2 = eps * np.exp(-1.5e-9 * lam1)  # T₂ − T₁ = 1.5e-9
    with pytest.raises(ValueError, match="^eps:"):
        small_init_flow(np.stack([bar, bar]), np.array([eps, eps2]), X, y, [0.0], rtol=1e-8)


def test_small_init_flow_first_shift_may_be_exactly_minus_the_escape_time():
    X, y, bar = _bar()
    tr0 = small_init_flow(bar, 1e-4, X, y, [0.0], rtol=1e-9)
    T = tr0.settings["escape_time"]
    tr = small_init_flow(bar, 1e-4, X, y, [-T, 0.0], rtol=1e-9)
    assert_close(tr.theta[0, 0], 1e-4 * bar, rtol=1e-12, atol=1e-20, name="θ(0) = εθ̄")  # t = 0 exactly


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(eps=np.array([1e-4, np.inf])), "^eps:"),
        (dict(eps=np.array([1e-4, -1e-4])), "^eps:"),
        (dict(eps=np.array([1e-4, 0.0])), "^eps:"),
        (dict(eps=np.array([1e-4, 1e-5])), "^eps:"),  # different escape times in one batch
        (dict(eps=np.array([1e-4, 1e-4]), shifts=[]), "^shifts:"),
        (dict(eps=np.array([1e-4, 1e-4]), shifts=[[0.0, 1.0]]), "^shifts:"),
        (dict(eps=np.array([1e-4, 1e-4]), shifts=[1.0, 1.0]), "^shifts:"),
        (dict(eps=np.array([1e-4, 1e-4]), shifts=[-1e3, 0.0]), "^shifts:"),
        (dict(eps=np.array([10.0, 10.0]), shifts=[4.0, 5.0]), "^eps:"),  # ε‖C‖ > 1: T_ε ≈ −3.6 < 0
    ],
)
def test_small_init_flow_bad_input_names_the_argument(kwargs, match):
    X, y, bar = _bar()
    kw = dict(theta_bar=np.stack([bar, bar]), eps=1e-4, X=X, y=y, shifts=[0.0, 1.0])
    kw.update(kwargs)
    with pytest.raises(ValueError, match=match):
        small_init_flow(**kw)


def test_small_init_flow_rejects_a_zero_imbalance():
    # z = (1/2)(1·e₁ + 0·e₂) = (1/2, 0): ẑ = e₁; θ̄ = (a, w) = (0, (0, 1)) has C = (0 + w·ẑ)/√2 = 0 exactly
    X, y = np.eye(2), np.array([1.0, 0.0])
    with pytest.raises(ValueError, match="^theta_bar:"):
        small_init_flow(np.array([0.0, 0.0, 1.0]), 1e-4, X, y, [0.0])
    with pytest.raises(ValueError, match="^theta_bar:"):  # one row of two
        small_init_flow(np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), 1e-4, X, y, [0.0])


def test_small_init_flow_rejects_a_zero_escape_time():
    """ε‖C‖ = 1 exactly: T_ε = 0 is not a small initialization."""
    X, y = np.eye(2), np.array([1.0, 0.0])  # ẑ = e₁
    bar = np.array([1.0, 0.0, 0.0])  # C = 1/√2
    Cn = float(np.linalg.norm(imbalance_vector(bar, X, y)))
    eps = 1.0 / Cn
    while eps * Cn != 1.0:  # settle the rounding so that log(1/(ε‖C‖)) = 0 exactly
        eps = np.nextafter(eps, 0.0 if eps * Cn > 1.0 else 2.0)
    with pytest.raises(ValueError, match="^eps:"):
        small_init_flow(bar, eps, X, y, [0.0, 1.0])


@pytest.mark.parametrize("rel, ok", [(0.5e-9, True), (5e-9, False)])
def test_small_init_flow_escape_times_must_agree_to_1e_9_relative(rel, ok):
    """T_ε of the rows must agree to 1e-9·max(1, |T|): a relative mismatch of 0.5e-9 passes, 5e-9 does not."""
    X, y, bar = _bar()
    T = small_init_flow(bar, 1e-4, X, y, [0.0], rtol=1e-6).settings["escape_time"]
    lam1, _ = escape_rates(X, y)
    assert T > 2.0  # so that the relative tolerance 1e-9·|T| exceeds the floor 1e-9
    # ε₂ = ε₁·e^{−rel·λ₁T} gives T₂ − T₁ = rel·T
    eps = np.array([1e-4, 1e-4 * np.exp(-rel * lam1 * T)])
    call = lambda: small_init_flow(np.stack([bar, bar]), eps, X, y, [0.0], rtol=1e-6)  # noqa: E731
    if ok:
        assert call().theta.shape == (2, 1, 6)
    else:
        with pytest.raises(ValueError, match="^eps:"):
            call()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda X, y: gradient_flow(np.ones(3), X, y, [[1.0]]), "^t_eval:"),
        (lambda X, y: gradient_flow(np.ones(3), X, y, []), "^t_eval:"),
        (lambda X, y: gradient_flow(np.ones(3), X, y, [1.0, np.inf]), "^t_eval:"),
        (lambda X, y: gradient_flow(np.ones(3), X, y, [0.5], t0=1.0), "^t_eval:"),
        (lambda X, y: gradient_flow(np.ones(3), X, y, [1.0, 1.0]), "^t_eval:"),
        (lambda X, y: gradient_flow(np.ones(3), X, y, [1.0], rtol=0.0), "^rtol:"),
        (lambda X, y: gradient_flow(np.ones(3), X, y, [1.0], rtol=1.0), "^rtol:"),
        (lambda X, y: gradient_flow(np.zeros(3), X, y, [1.0]), "^theta0:"),
        (lambda X, y: gradient_flow(np.array([[1.0, 1, 1], [0, 0, 0]]), X, y, [1.0]), "^theta0:"),
        (lambda X, y: gradient_flow(np.ones(3), X, y, [1.0], atol=0.0), "^atol:"),
        (lambda X, y: gradient_flow(np.ones(3), X, y, [1.0], atol=np.nan), "^atol:"),
        (lambda X, y: gradient_descent(np.ones(3), X, y, 0.0, 10), "^lr:"),
        (lambda X, y: gradient_descent(np.ones(3), X, y, np.inf, 10), "^lr:"),
        (lambda X, y: gradient_descent(np.ones(3), X, y, np.nan, 10), "^lr:"),
        (lambda X, y: gradient_descent(np.ones(3), X, y, 0.1, 0), "^steps:"),
        (lambda X, y: gradient_descent(np.ones(3), X, y, 0.1, 2.5), "^steps:"),
        (lambda X, y: gradient_descent(np.ones(3), X, y, 0.1, 10, record_every=3), "^record_every:"),
        (lambda X, y: gradient_descent(np.ones(3), X, y, 0.1, 10, record_every=-2), "^record_every:"),
        (lambda X, y: gradient_descent_datasets(np.ones((1, 3)), X, y, 0.1, 10), "^X, y:"),
        (lambda X, y: gradient_descent_datasets(np.ones((1, 3)), X[None, :0], y[None, :0], 0.1, 10), "^X, y:"),
        (lambda X, y: gradient_descent_datasets(np.ones((1, 3)), X[None], y[None, :3], 0.1, 10), "^X, y:"),
        (lambda X, y: gradient_descent_datasets(np.ones((1, 3)), np.where(np.arange(2) == 0, np.nan, X)[None], y[None], 0.1, 10),
         "^X, y:"),
        (lambda X, y: gradient_descent_datasets(np.ones((1, 3)), X[None], np.r_[y[:3], np.inf][None], 0.1, 10),
         "^X, y:"),
        (lambda X, y: gradient_descent_datasets(np.ones((2, 3)), X[None], y[None], 0.1, 10), "^theta0:"),
        (lambda X, y: gradient_descent_datasets(np.ones((1, 3)), X[None], y[None], -0.1, 10), "^lr:"),
        (lambda X, y: gradient_descent_datasets(np.ones((1, 3)), X[None], y[None], 0.1, 10, n_used=[4, 4]),
         "^n_used:"),
        # one bad entry of two (the other, 4, is valid)
        (lambda X, y: gradient_descent_datasets(np.ones((2, 3)), np.stack([X, X]), np.stack([y, y]), 0.1, 10,
                                                n_used=[0, 4]), "^n_used:"),
        (lambda X, y: gradient_descent_datasets(np.ones((2, 3)), np.stack([X, X]), np.stack([y, y]), 0.1, 10,
                                                n_used=[5, 4]), "^n_used:"),
        (lambda X, y: gradient_descent_datasets(np.ones((2, 3)), np.stack([X, X]), np.stack([y, y]), 0.1, 10,
                                                n_used=[2.5, 4]), "^n_used:"),
    ],
)
def test_bad_input_names_the_argument(call, match):
    X, y = _data(4, 2)
    with pytest.raises(ValueError, match=match):
        call(X, y)


def test_schedule_boundaries_are_accepted():
    X, y = _data(4, 2)
    tr = gradient_descent(np.ones(3) * 0.1, X, y, 0.1, 1)  # one step
    assert np.array_equal(tr.t, [0.0, 1.0])
    tr = gradient_descent(np.ones(3) * 0.1, X, y, 0.1, 6, record_every=1)  # every step
    assert np.array_equal(tr.t, np.arange(7.0))
    ts, _ = gradient_descent_datasets(np.ones((1, 3)) * 0.1, X[None], y[None], 0.1, 4, n_used=[1])
    assert np.array_equal(ts, [0.0, 4.0])
    ts, TH = gradient_descent_datasets(np.ones((1, 3)) * 0.1, X[None], y[None], 0.1, 4, record_every=1)
    assert np.array_equal(ts, np.arange(5.0)) and TH.shape == (1, 5, 3)
