"""Gradient flow and gradient descent for the two-layer net of numerics.network, batched.

The flow dθ/dt = −∇L(θ) (L with ``normalization="half_mean"``, ZBZ24's (1/2n)Σ r²) is integrated
by ``scipy.integrate.solve_ivp`` (DOP853 by default) with stated tolerances rtol/atol; many
initializations are stacked into one ODE (they do not interact; the step-size controller then
bounds every one of them). Gradient descent θ ← θ − η∇L(θ) is the same batched gradient in a
loop. Everything is deterministic: no randomness in this module.

The batched loss and gradient are :func:`numerics.network.batched_loss` and
:func:`numerics.network.batched_gradient` (the one source of the formulas).

Used by the ZBZ24 small-initialization claims (ZBZ24.imbalance, .Thm2, .ratio, .init-scale,
.full-sample, .separation, .condensation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import solve_ivp

from numerics.network import (  # noqa: F401  (batched_* re-exported: they were defined here first)
    Activation,
    Normalization,
    _grad_unchecked,
    _scale,
    _stack,
    batched_gradient,
    batched_loss,
    batched_predict,
    check_data,
    get_activation,
)

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Trajectories:
    """Trajectories of a batch: ``theta[b, j]`` is θ_b at time ``t[j]`` (flow) or step ``t[j]`` (GD)."""

    t: Array  # (T,)
    theta: Array  # (B, T, p)
    loss: Array  # (B, T)
    grad_norm: Array  # (B, T)
    method: str
    settings: dict = field(default_factory=dict)

    @property
    def end(self) -> Array:
        """θ at the last recorded time: (B, p)."""
        return self.theta[:, -1, :]


def _record(theta: Array, X: Array, y: Array, activation, normalization) -> tuple[Array, Array]:
    B, T, p = theta.shape
    flat = theta.reshape(B * T, p)
    L = batched_loss(flat, X, y, activation, normalization).reshape(B, T)
    G = batched_gradient(flat, X, y, activation, normalization)
    return L, np.linalg.norm(G, axis=1).reshape(B, T)


def gradient_flow(
    theta0: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    t_eval: Sequence[float] | ArrayLike,
    *,
    activation: str | Activation = "tanh",
    normalization: Normalization = "half_mean",
    method: str = "DOP853",
    rtol: float = 1e-10,
    atol: float | None = None,
    t0: float = 0.0,
) -> Trajectories:
    """Integrate dθ/dt = −∇L(θ) from θ(t0) = θ0 (one θ or a stack (B, p)) and sample at ``t_eval``.

    ``rtol``/``atol`` are solve_ivp's local error tolerances per component. The default
    ``atol = 1e-3·rtol·min_b ‖θ0_b‖_∞`` keeps the error control relative even while the
    state is as small as the ε-small initialization (the flow from εθ̄ spends the time
    ~log(1/ε)/λ₁ near the origin, where an absolute tolerance of order ε would be too loose).
    Raises RuntimeError if the solver fails.
    """
    sigma = get_activation(activation)
    X, y = check_data(X, y)
    d = X.shape[1]
    T0 = _stack(theta0, d)
    t_eval = np.asarray(t_eval, dtype=float)
    if t_eval.ndim != 1 or t_eval.size == 0 or not np.all(np.isfinite(t_eval)) or t_eval[0] < t0:
        raise ValueError(f"t_eval: expected a non-empty 1-d array of finite times ≥ t0 = {t0}")
    if np.any(np.diff(t_eval) <= 0):
        raise ValueError("t_eval: times must be strictly increasing")
    if not (0 < rtol < 1):
        raise ValueError(f"rtol: expected 0 < rtol < 1, got {rtol}")
    if atol is None:
        scale = float(np.min(np.max(np.abs(T0), axis=1)))
        if scale == 0.0:
            raise ValueError("theta0: a zero initialization is a fixed point; pass atol explicitly")
        atol = 1e-3 * rtol * scale
    if not atol > 0:
        raise ValueError(f"atol: expected > 0, got {atol}")
    B, p = T0.shape
    c2 = 2.0 * _scale(X.shape[0], normalization)

    def rhs(_t: float, v: Array) -> Array:
        return -_grad_unchecked(v.reshape(B, p), X, y, sigma, c2, d).ravel()

    sol = solve_ivp(rhs, (float(t0), float(t_eval[-1])), T0.ravel(), method=method, t_eval=t_eval,
                    rtol=rtol, atol=atol)
    if sol.status != 0 or sol.y.shape[1] != t_eval.size:
        raise RuntimeError(f"gradient_flow: solve_ivp ({method}) failed: {sol.message}")
    theta = sol.y.T.reshape(t_eval.size, B, p).transpose(1, 0, 2).copy()
    L, G = _record(theta, X, y, activation, normalization)
    return Trajectories(t_eval.copy(), theta, L, G, f"solve_ivp/{method}",
                        {"rtol": rtol, "atol": atol, "nfev": int(sol.nfev)})


def small_init_flow(
    theta_bar: ArrayLike,
    eps: float | ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    shifts: Sequence[float] | ArrayLike,
    *,
    activation: str | Activation = "tanh",
    normalization: Normalization = "half_mean",
    rtol: float = 1e-10,
    atol_late: float = 1e-12,
    late_method: str = "LSODA",
) -> Trajectories:
    """Gradient flow from θ(0) = ε·θ̄, sampled at the shifted times t = T_ε + s, s ∈ ``shifts``.

    T_ε = log(1/(ε‖C(θ̄)‖))/λ₁ (numerics.imbalance.escape_time) must be the same for every θ̄ of
    the batch (pass ε per row, shape (B,), to compare θ̄'s of different ‖C‖). Two phases:

    1. t ∈ [0, T_ε]: DOP853 with ``rtol`` and atol = 1e-3·rtol·ε·min_b‖θ̄_b‖_∞ — relative error
       control while the state is ε-small (the escape phase, where it grows like ε·e^{λ₁t});
    2. t ≥ T_ε: the state is of order 1 and the flow then approaches a (possibly degenerate,
       slowly reached) minimum: ``late_method`` (LSODA, which switches to BDF when stiff) with
       ``rtol`` and the absolute ``atol_late``.

    The returned ``t`` are the shifts s (not the absolute times).
    """
    from numerics.imbalance import escape_rates, escape_time, imbalance_vector

    X, y = check_data(X, y)
    bars = _stack(theta_bar, X.shape[1])
    eps_b = np.broadcast_to(np.asarray(eps, dtype=float), (bars.shape[0],)).copy()
    if not np.all((eps_b > 0) & np.isfinite(eps_b)):
        raise ValueError(f"eps: expected positive scales, got {eps}")
    shifts = np.asarray(shifts, dtype=float)
    if shifts.ndim != 1 or shifts.size == 0 or np.any(np.diff(shifts) <= 0):
        raise ValueError("shifts: expected a strictly increasing non-empty 1-d array")
    lam1, _ = escape_rates(X, y, activation)
    Cn = np.linalg.norm(imbalance_vector(bars, X, y, activation), axis=1)
    if np.any(Cn == 0):
        raise ValueError("theta_bar: C(θ̄) = 0 — no component on the escape eigenspace")
    Ts = np.array([escape_time(e, c, lam1) for e, c in zip(eps_b, Cn)])
    if np.ptp(Ts) > 1e-9 * max(1.0, abs(Ts[0])):
        raise ValueError("eps: ε_b·‖C(θ̄_b)‖ must be equal across the batch (one escape time)")
    T = float(Ts[0])
    if T + shifts[0] < 0:
        raise ValueError(f"shifts: the first shift {shifts[0]} is before t = 0 (T_ε = {T:.3g})")
    theta0 = eps_b[:, None] * bars
    atol0 = 1e-3 * rtol * float(np.min(np.max(np.abs(theta0), axis=1)))
    early = shifts[shifts < 0]
    late = shifts[shifts >= 0]
    if T <= 0:
        raise ValueError(f"eps: ε‖C‖ must be < 1 for a small initialization (T_ε = {T:.3g})")
    t1 = np.concatenate([T + early, [T]])
    p1 = gradient_flow(theta0, X, y, t1, activation=activation, normalization=normalization,
                       method="DOP853", rtol=rtol, atol=atol0)
    pieces = [p1.theta[:, : early.size, :]]
    nfev = p1.settings["nfev"]
    if late.size:
        start = p1.theta[:, -1, :]
        t2 = T + late
        if late[0] == 0.0:  # s = 0 is the end of phase 1
            pieces.append(start[:, None, :])
            t2 = t2[1:]
        if t2.size:
            p2 = gradient_flow(start, X, y, t2, activation=activation, normalization=normalization,
                               method=late_method, rtol=rtol, atol=atol_late, t0=T)
            pieces.append(p2.theta)
            nfev += p2.settings["nfev"]
    theta = np.concatenate(pieces, axis=1)
    L, G = _record(theta, X, y, activation, normalization)
    return Trajectories(shifts.copy(), theta, L, G, f"solve_ivp/DOP853+{late_method}",
                        {"rtol": rtol, "atol_early": atol0, "atol_late": atol_late, "nfev": nfev,
                         "escape_time": T, "lambda1": lam1})


def _check_schedule(lr: float, steps: int, record_every: int | None) -> int:
    """Validate a GD schedule; return the recording interval (ValueError naming the argument)."""
    if not (lr > 0 and np.isfinite(lr)):
        raise ValueError(f"lr: expected a positive step, got {lr}")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps: expected a positive integer, got {steps}")
    every = int(record_every or steps)
    if every < 1 or steps % every:
        raise ValueError(f"record_every: must divide steps = {steps}, got {record_every}")
    return every


def gradient_descent(
    theta0: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    lr: float,
    steps: int,
    *,
    record_every: int | None = None,
    activation: str | Activation = "tanh",
    normalization: Normalization = "half_mean",
) -> Trajectories:
    """θ_{j+1} = θ_j − lr·∇L(θ_j) for a stack of θ's; records every ``record_every`` steps.

    ``t`` of the result counts steps (the flow time is lr·t). Raises FloatingPointError if a run
    diverges (a non-finite iterate).
    """
    sigma = get_activation(activation)
    X, y = check_data(X, y)
    d = X.shape[1]
    T = _stack(theta0, d).copy()
    every = _check_schedule(lr, steps, record_every)
    c2 = 2.0 * _scale(X.shape[0], normalization)
    snaps, ts = [T.copy()], [0]
    for j in range(1, int(steps) + 1):
        T -= lr * _grad_unchecked(T, X, y, sigma, c2, d)
        if j % every == 0:
            if not np.all(np.isfinite(T)):
                raise FloatingPointError(f"gradient_descent: non-finite iterate at step {j} (lr={lr})")
            snaps.append(T.copy())
            ts.append(j)
    theta = np.stack(snaps, axis=1)
    L, G = _record(theta, X, y, activation, normalization)
    return Trajectories(np.asarray(ts, dtype=float), theta, L, G, "gradient_descent",
                        {"lr": lr, "steps": int(steps)})


def gradient_descent_datasets(
    theta0: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    lr: float,
    steps: int,
    *,
    record_every: int | None = None,
    activation: str | Activation = "tanh",
    n_used: ArrayLike | None = None,
) -> tuple[Array, Array]:
    """GD with L = (1/2n)Σ r² for B runs, each on its own data set: X (B, n, d), y (B, n).

    ``n_used`` (B,) lets data sets of different sizes share one batch: run b uses its first
    n_used[b] samples (L_b = (1/2n_b)Σ_{i<n_b} r_i²; the padding rows get weight 0).

    The same update and gradient (numerics.network's batched formulas, with per-run data and
    weights) as :func:`gradient_descent`; tests/test_flow.py checks it against that function run
    on one data set at a time. Returns (steps recorded (T,), θ (B, T, p)).
    """
    sigma = get_activation(activation)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 3 or X.shape[1] == 0 or y.shape != X.shape[:2]:
        raise ValueError(f"X, y: expected shapes (B, n, d) and (B, n), got {X.shape} and {y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("X, y: contain NaN or inf")
    B, n, d = X.shape
    T = _stack(theta0, d).copy()
    if T.shape[0] != B:
        raise ValueError(f"theta0: expected {B} rows (one per data set), got {T.shape[0]}")
    every = _check_schedule(lr, steps, record_every)
    if n_used is None:
        omega = np.full((B, n), 1.0 / n)
    else:
        nu = np.asarray(n_used)
        if nu.shape != (B,) or np.any(nu < 1) or np.any(nu > n) or np.any(nu != np.round(nu)):
            raise ValueError(f"n_used: expected B = {B} integers in 1..{n}, got {n_used}")
        omega = (np.arange(n)[None, :] < nu[:, None]) / nu[:, None].astype(float)
    snaps, ts = [T.copy()], [0]
    for j in range(1, int(steps) + 1):
        T -= lr * _grad_unchecked(T, X, y, sigma, omega, d)  # ω = 1/n_b: 2c of (1/2n)Σ r²
        if j % every == 0:
            if not np.all(np.isfinite(T)):
                raise FloatingPointError(f"gradient_descent_datasets: non-finite iterate at step {j}")
            snaps.append(T.copy())
            ts.append(j)
    return np.asarray(ts, dtype=float), np.stack(snaps, axis=1)


def generalization_error(
    thetas: ArrayLike,
    X_test: ArrayLike,
    target: ArrayLike,
    activation: str | Activation = "tanh",
) -> Array:
    """Mean squared error (1/N)Σ_j (f_θ(x_j) − target_j)² on a test set, for a stack of θ's: (B,)."""
    X_test, target = check_data(X_test, target)
    r = batched_predict(thetas, X_test, activation) - target
    return np.mean(r * r, axis=1)


def plot_trajectories(
    curves: Sequence[tuple[str, ArrayLike, ArrayLike]],
    *,
    xlabel: str = "t",
    ylabel: str = "θ",
    title: str = "",
    logy: bool = False,
):
    """A matplotlib figure (Agg) of labelled curves: ``curves`` = [(label, x, Y)], Y (T,) or (T, k).

    Curves with k columns are drawn component by component in one colour per label.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, (label, x, Y) in enumerate(curves):
        Y = np.asarray(Y, dtype=float)
        Y = Y[:, None] if Y.ndim == 1 else Y
        for j in range(Y.shape[1]):
            ax.plot(np.asarray(x, dtype=float), Y[:, j], color=f"C{i % 10}", lw=1.2,
                    label=label if j == 0 else None)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
