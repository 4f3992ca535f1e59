"""Claims REV.sgd-minimax and REV.sgd-implicit-reg: SGD on a linear model (Azizan & Hassibi).

The exact energy ratio (numerics.sgd_linear, derived from Lemma 1 summed over i):

    ratio = (‖w − w_T‖² + η Σ e_{p,i}²) / (‖w − w_0‖² + η Σ v_i²)
          = 1 − η Σ (1 − η‖x_i‖²) r_i² / (‖w − w_0‖² + η Σ v_i²).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize

from numerics import sgd_linear as sl
from overspec.testing import ClaimRejected

EPS = float(np.finfo(float).eps)


# ----------------------------------------------------------------------------- REV.sgd-minimax
def ratio_tolerance(X: np.ndarray, w0: np.ndarray) -> float:
    """Rounding allowance for one evaluation of the energy ratio with denominator normalized to 1.

    Each of the T = n SGD steps and each inner product of length d rounds with relative error
    ≤ (d + 2)·eps on quantities of size ≤ S = (1 + ‖w_0‖)·(1 + max‖x_i‖)² (iterate times
    squared sample norm); the errors of w_T and e_p enter the numerator quadratically with a
    factor ≤ 2·S, and η ≤ 1/max‖x_i‖² keeps every step non-expansive. Hence
    |computed − exact| ≤ 4·T·(d + 2)·eps·S² — taken ×4 for the final division and sums.
    """
    n, d = X.shape
    S = (1.0 + np.linalg.norm(w0)) * (1.0 + np.sqrt(np.einsum("ij,ij->i", X, X).max())) ** 2
    return 16.0 * n * (d + 2) * EPS * S * S


def eig_tolerance(X: np.ndarray, eta: float) -> float:
    """Backward-stable generalized eigh: |λ̂ − λ| ≲ p·eps·‖A‖₂·κ(B), p = d + n; ×16 as margin."""
    A, B = sl.error_operators(X, eta)
    kB = max(1.0, eta) / min(1.0, eta)
    return 16.0 * A.shape[0] * EPS * max(1.0, np.linalg.norm(A, 2)) * kB


def check_minimax(X: np.ndarray, eta: float, w0: np.ndarray, seed: int, n_random: int, n_starts: int) -> dict:
    """Probe sup over disturbances of the energy ratio; ClaimRejected if any ratio exceeds 1 (+ tol)
    or if ratio 1 is not attained by the maximizing disturbance."""
    rng = np.random.default_rng(seed)
    n, d = X.shape
    tol = ratio_tolerance(X, w0)
    tol_eig = eig_tolerance(X, eta)

    def ratio_of(z: np.ndarray) -> sl.EnergyRatio:
        u, v = z[:d], z[d:]
        s = math.sqrt(u @ u + eta * (v @ v))  # normalize the disturbance energy to 1
        return sl.energy_ratio(w0 + u / s, w0, v / s, X, eta)

    # 1. random disturbances at several relative scales of (w − w_0) and v
    worst_random = -np.inf
    identity_gap = 0.0
    for k in range(n_random):
        z = rng.normal(size=d + n) * np.concatenate([np.full(d, 10.0 ** rng.uniform(-2, 2)), np.ones(n)])
        e = ratio_of(z)
        worst_random = max(worst_random, e.ratio)
        identity_gap = max(identity_gap, abs(e.ratio - e.identity_ratio))
    # 2. adversary: L-BFGS on −ratio over (w − w_0, v) from random starts (real SGD inside)
    worst_opt = -np.inf
    for k in range(n_starts):
        res = scipy.optimize.minimize(lambda z: -ratio_of(z).ratio, rng.normal(size=d + n), method="L-BFGS-B")
        worst_opt = max(worst_opt, ratio_of(res.x).ratio)
    # 3. the exact supremum: largest generalized eigenvalue of the Rayleigh quotient, its eigenvector
    lam, zstar = sl.worst_case_ratio(X, eta)
    at_eigvec = ratio_of(zstar).ratio
    # 4. attainment by the maximizing disturbance v_i = −x_iᵀ(w − w_0)
    w = w0 + rng.normal(size=d)
    v_star = sl.maximizing_disturbance(w, w0, X)
    attained = sl.energy_ratio(w, w0, v_star, X, eta)

    out = {
        "eta": eta, "eta_bound": sl.step_bound(X), "n": n, "d": d, "seed": seed,
        "random_disturbances": n_random, "optimizer_starts": n_starts,
        "max_ratio_random": worst_random, "max_ratio_optimized": worst_opt,
        "sup_ratio_generalized_eigenvalue": lam, "ratio_at_eigenvector": at_eigvec,
        "ratio_at_maximizing_disturbance": attained.ratio,
        "max_innovation_at_maximizing_disturbance": float(np.abs(attained.innovations).max()),
        "max_gap_ratio_vs_identity": identity_gap, "tol_ratio": tol, "tol_eig": tol_eig,
    }
    if identity_gap > tol:
        raise ClaimRejected(f"the computed ratio departs from the identity's ratio by {identity_gap:.3e} > {tol:.1e}")
    for name, value, t in [("random", worst_random, tol), ("optimized", worst_opt, tol),
                           ("generalized eigenvalue", lam, tol_eig), ("eigenvector", at_eigvec, tol)]:
        if value > 1.0 + t:
            raise ClaimRejected(f"energy ratio {value:.15g} > 1 ({name} disturbance) at η = {eta:.6g}")
    if abs(attained.ratio - 1.0) > tol or abs(lam - 1.0) > tol_eig:
        raise ClaimRejected(f"ratio 1 not attained: maximizing disturbance gives {attained.ratio!r}, sup {lam!r}")
    return out


def _data(seed: int, n: int = 6, d: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=d)


@pytest.mark.claim("REV.sgd-minimax", kind="numerical")
@pytest.mark.parametrize("seed,fraction", [(0, 0.5), (1, 0.9), (2, 0.999)])
def test_energy_ratio_at_most_one_and_attained_below_step_bound(evidence, profile, seed, fraction):
    X, w0 = _data(seed)
    eta = fraction * sl.step_bound(X)
    out = check_minimax(X, eta, w0, seed, n_random=profile.samples(200), n_starts=profile.samples(4))
    evidence.record(**out, eta_over_bound=fraction)
    evidence.tolerance("tol_ratio", out["tol_ratio"], "rounding of T SGD steps + inner products: 16·T·(d+2)·eps·S², S = (1+‖w0‖)(1+max‖x‖)² (see ratio_tolerance)")
    evidence.tolerance("tol_eig", out["tol_eig"], "backward-stable generalized eigh: 16·p·eps·‖A‖₂·κ(B)")


@pytest.mark.claim("REV.sgd-minimax", kind="numerical")
def test_worst_case_ratio_against_step_size_figure(evidence):
    """The exact supremum (generalized eigenvalue) as a function of η/bound: 1 up to the bound, > 1 beyond."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, _ = _data(3, n=8, d=4)
    b = sl.step_bound(X)
    fr = np.linspace(0.05, 1.6, 63)
    sup = np.array([sl.worst_case_ratio(X, f * b)[0] for f in fr])
    tol = max(eig_tolerance(X, f * b) for f in fr)
    below, above = sup[fr <= 1.0], sup[fr > 1.0]
    assert np.all(np.abs(below - 1.0) <= tol), f"sup ratio ≠ 1 below the bound: {below}"
    assert np.all(above > 1.0 + tol), f"sup ratio not > 1 above the bound: {above}"
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(fr, sup, "o-", ms=3)
    ax.axvline(1.0, color="k", ls=":", label="η = min_i 1/‖x_i‖²")
    ax.axhline(1.0, color="gray", lw=0.8)
    ax.set_xlabel("η / min_i 1/‖x_i‖²")
    ax.set_ylabel("sup energy ratio")
    ax.legend()
    fig.tight_layout()
    evidence.figure("sup_ratio_vs_step", fig)
    evidence.record(eta_over_bound=fr, sup_ratio=sup, max_dev_below=float(np.abs(below - 1).max()),
                    min_sup_above=float(above.min()), seed=3)
    evidence.tolerance("tol_eig", tol, "max over the grid of 16·p·eps·‖A‖₂·κ(B) (backward-stable eigh)")


@pytest.mark.claim("REV.sgd-minimax", kind="numerical", control=True)
@pytest.mark.parametrize("fraction", [1.05, 1.5])
def test_step_above_bound_gives_ratio_above_one(evidence, profile, fraction):
    X, w0 = _data(0)
    eta = fraction * sl.step_bound(X)
    with pytest.raises(ClaimRejected, match="> 1"):
        check_minimax(X, eta, w0, 0, n_random=profile.samples(200), n_starts=profile.samples(4))
    lam, zstar = sl.worst_case_ratio(X, eta)
    d = X.shape[1]
    s = math.sqrt(zstar[:d] @ zstar[:d] + eta * zstar[d:] @ zstar[d:])
    e = sl.energy_ratio(w0 + zstar[:d] / s, w0, zstar[d:] / s, X, eta)
    evidence.record(mutation=f"step η = {fraction}·min_i 1/‖x_i‖²", rejected=True, sup_ratio=lam,
                    ratio_of_worst_disturbance_by_sgd=e.ratio, seed=0)


def test_energy_ratio_rejects_bad_input():
    X, w0 = _data(0)
    with pytest.raises(ValueError, match="eta"):
        sl.energy_ratio(w0, w0, np.ones(6), X, -1.0)
    with pytest.raises(ValueError, match="v"):
        sl.energy_ratio(w0, w0, np.ones(5), X, 0.1)
    with pytest.raises(ValueError, match="w, v"):
        sl.energy_ratio(w0, w0, np.zeros(6), X, 0.1)
    with pytest.raises(ValueError, match="X"):
        sl.step_bound(np.zeros((0, 3)))


# ------------------------------------------------------------------------ REV.sgd-implicit-reg
def check_implicit_limit(X: np.ndarray, y: np.ndarray, w0: np.ndarray, eta: float, predicted: np.ndarray,
                         target_accuracy: float = 1e-12) -> dict:
    """Run cyclic SGD long enough and compare its end point with ``predicted``.

    Tolerance (derived): the error stays in row(X) and contracts by ρ = ‖M|row(X)‖ per epoch, so
    after K epochs ‖w_K − w_∞‖ ≤ ρ^K‖w_0 − w_∞‖; every step is non-expansive (η‖x_i‖² ≤ 1) so
    the rounding of the K·n steps adds at most K·n·(d + 2)·eps·W (W = max iterate norm); the
    reference w_∞ = w_0 + X⁺(y − Xw_0) carries ≲ κ(X)²·(d + n)·eps·W from the pseudo-inverse.
    """
    n, d = X.shape
    w_inf = sl.min_norm_limit(w0, X, y)
    rho = sl.epoch_contraction(X, eta)
    e0 = float(np.linalg.norm(w0 - w_inf))
    epochs = max(1, math.ceil(math.log(target_accuracy / max(e0, 1e-300)) / math.log(rho))) if e0 > 0 else 1
    if epochs > 200_000:
        raise ValueError(f"X: contraction ρ = {rho} too slow for the requested accuracy")
    W = sl.sgd(w0, X, y, eta, epochs=epochs)
    wK = W[-1]
    wmax = float(np.linalg.norm(W, axis=1).max())
    kappa = np.linalg.cond(X)
    tol = rho**epochs * e0 + epochs * n * (d + 2) * EPS * wmax + kappa**2 * (d + n) * EPS * wmax
    err_pred = float(np.linalg.norm(wK - predicted))
    err_lim = float(np.linalg.norm(wK - w_inf))
    out = {"epochs": epochs, "rho": rho, "initial_error": e0, "tol": tol,
           "error_to_predicted": err_pred, "error_to_projection": err_lim,
           "residual": float(np.linalg.norm(X @ wK - y))}
    if err_pred > tol:
        raise ClaimRejected(f"SGD limit is {err_pred:.3e} from the predicted point (tolerance {tol:.1e})")
    return out


def _interp_data(seed: int, m: int = 5, d: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d))
    return X, X @ rng.normal(size=d)


@pytest.mark.claim("REV.sgd-implicit-reg", kind="numerical")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sgd_converges_to_the_interpolant_closest_to_w0(evidence, seed):
    X, y = _interp_data(seed)
    rng = np.random.default_rng(100 + seed)
    w0 = rng.normal(size=X.shape[1]) * 2.0
    eta = 0.8 * sl.step_bound(X)
    pred = sl.min_norm_limit(w0, X, y)
    out = check_implicit_limit(X, y, w0, eta, pred)
    # the limit is an interpolant, and the closest one: its offset from w0 lies in row(X)
    P_null = np.eye(X.shape[1]) - np.linalg.pinv(X) @ X
    out["null_component_of_offset"] = float(np.linalg.norm(P_null @ (pred - w0)))
    assert out["null_component_of_offset"] <= out["tol"]
    evidence.record(**out, eta=eta, seed=seed, m=X.shape[0], d=X.shape[1])
    evidence.tolerance("tol", out["tol"], "ρ^K‖w0 − w∞‖ (epoch contraction on row(X)) + K·n·(d+2)·eps·max‖w‖ (rounding, non-expansive steps) + κ(X)²(d+n)·eps·max‖w‖ (pinv)")


@pytest.mark.claim("REV.sgd-implicit-reg", kind="numerical")
def test_different_w0_moves_the_limit_by_its_null_space_component(evidence):
    X, y = _interp_data(3)
    rng = np.random.default_rng(7)
    w0a, w0b = rng.normal(size=X.shape[1]), rng.normal(size=X.shape[1])
    eta = 0.8 * sl.step_bound(X)
    outs = [check_implicit_limit(X, y, w, eta, sl.min_norm_limit(w, X, y)) for w in (w0a, w0b)]
    la = sl.sgd(w0a, X, y, eta, epochs=outs[0]["epochs"])[-1]
    lb = sl.sgd(w0b, X, y, eta, epochs=outs[1]["epochs"])[-1]
    P_null = np.eye(X.shape[1]) - np.linalg.pinv(X) @ X
    predicted_shift = P_null @ (w0b - w0a)
    err = float(np.linalg.norm((lb - la) - predicted_shift))
    tol = outs[0]["tol"] + outs[1]["tol"]
    assert err <= tol, f"limit shift differs from P_null(w0b − w0a) by {err:.3e} > {tol:.1e}"
    assert np.linalg.norm(predicted_shift) > 100 * tol
    evidence.record(shift_norm=float(np.linalg.norm(lb - la)), predicted_shift_norm=float(np.linalg.norm(predicted_shift)),
                    shift_error=err, seed=3)
    evidence.tolerance("shift", tol, "sum of the two runs' derived limit tolerances")


@pytest.mark.claim("REV.sgd-implicit-reg", kind="numerical", control=True)
def test_claim_that_limit_is_pinv_y_regardless_of_w0_is_rejected(evidence):
    X, y = _interp_data(4)
    w0 = np.random.default_rng(8).normal(size=X.shape[1])
    eta = 0.8 * sl.step_bound(X)
    wrong = np.linalg.pinv(X) @ y  # X⁺y: the limit only when w0 ∈ row(X)
    with pytest.raises(ClaimRejected, match="from the predicted point"):
        check_implicit_limit(X, y, w0, eta, wrong)
    evidence.record(mutation="limit = X⁺y regardless of w0", rejected=True,
                    distance_of_wrong_prediction=float(np.linalg.norm(sl.min_norm_limit(w0, X, y) - wrong)), seed=4)


def test_epoch_contraction_rejects_dependent_rows():
    X = np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="X"):
        sl.epoch_contraction(X, 0.1)


@pytest.mark.claim("REV.sgd-implicit-reg", kind="numerical")
def test_sgd_error_follows_the_derived_contraction_figure(evidence):
    """Per epoch, ‖w_k − w∞‖ stays below ρ^k‖w0 − w∞‖ + rounding (the bound behind the tolerance)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = _interp_data(5)
    w0 = np.random.default_rng(9).normal(size=X.shape[1])
    eta = 0.8 * sl.step_bound(X)
    w_inf = sl.min_norm_limit(w0, X, y)
    rho = sl.epoch_contraction(X, eta)
    epochs = 300
    W = sl.sgd(w0, X, y, eta, epochs=epochs)[:: X.shape[0]]  # one iterate per epoch
    err = np.linalg.norm(W - w_inf, axis=1)
    k = np.arange(epochs + 1)
    wmax = float(np.linalg.norm(W, axis=1).max())
    floor = k * X.shape[0] * (X.shape[1] + 2) * EPS * wmax + np.linalg.cond(X) ** 2 * sum(X.shape) * EPS * wmax
    bound = rho**k * err[0] + floor
    assert np.all(err <= bound), f"error above the contraction bound at epoch {int(np.argmax(err - bound))}"
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.semilogy(k, err, label="‖w_k − (w0 + X⁺(y − Xw0))‖")
    ax.semilogy(k, bound, "--", label="ρ^k‖w0 − w∞‖ + rounding")
    ax.set_xlabel("epoch k")
    ax.legend(fontsize=8)
    fig.tight_layout()
    evidence.figure("sgd_error_vs_epoch", fig)
    evidence.record(rho=rho, epochs=epochs, final_error=float(err[-1]), initial_error=float(err[0]), seed=5)
    evidence.tolerance("bound", float(floor[-1]), "rounding floor of the contraction bound: k·n·(d+2)·eps·max‖w‖ + κ(X)²(d+n)·eps·max‖w‖")
