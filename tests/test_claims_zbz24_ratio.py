"""ZBZ24.ratio — width 2, d = 1, tanh, target tanh(x): the small-init end point as a function of
the imbalance ratio r = C_2/C_1 ∈ [0, 1] (r and −r, and swapping the neurons, are symmetries).

Set-up: x_i = 6 equally spaced points on [−3, 3], y_i = tanh(x_i); θ̄ = C_1e_1 + C_2e_2 with
C = (1, r)/‖(1, r)‖ (numerics.imbalance.init_with_imbalance); gradient flow from εθ̄ for
ε = 1e-5 and 1e-6 (the ε → 0 limit: both must give the same classification), read at the
shifted times T_ε + s, s ∈ {10⁴, 3·10⁴}. Contribution of neuron k: q_k = rms_x(a_k tanh(w_k x)) /
rms_x(tanh x) on a dense grid of [−3, 3].

Regimes (the check): a neuron *dies* when its contribution is below 1% and still falling (by > 1%
over the last 2·10⁴ time units), or is ≤ 1e-8 (numerically zero); the two neurons *share* when both contributions are
≥ 1% and have stopped moving (relative change ≤ 1% over those 2·10⁴ time units). Points that are
neither are "transition" points (slow convergence at the regime boundary).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from numerics.flow import plot_trajectories, small_init_flow
from numerics.imbalance import init_with_imbalance
from overspec.testing import ClaimRejected

X = np.linspace(-3.0, 3.0, 6)[:, None]
Y = np.tanh(X[:, 0])
X_TEST = np.linspace(-3.0, 3.0, 601)
EPSILONS = (1e-5, 1e-6)
SHIFTS = np.array([0.0, 1e4, 3e4])
ZERO, SHARE_MIN, STABLE = 1e-8, 1e-2, 1e-2


def ratios(profile) -> np.ndarray:
    return np.linspace(0.0, 1.0, 41 if profile.run_thorough else 11)


@lru_cache(maxsize=None)
def run(n_ratios: int) -> dict:
    rs = np.linspace(0.0, 1.0, n_ratios)
    bars = np.array([init_with_imbalance(np.array([1.0, r]) / np.hypot(1.0, r), X, Y) for r in rs])
    out = {"r": rs, "theta": [], "loss": []}
    for eps in EPSILONS:
        tr = small_init_flow(bars, eps, X, Y, SHIFTS)
        out["theta"].append(tr.theta)
        out["loss"].append(tr.loss[:, -1])
    return out


def contributions(theta: np.ndarray) -> np.ndarray:
    """q_k = rms(a_k tanh(w_k x))/rms(tanh x) on X_TEST, for θ of shape (..., 4): (..., 2)."""
    ref = np.sqrt(np.mean(np.tanh(X_TEST) ** 2))
    a = theta[..., [0, 2]]
    w = theta[..., [1, 3]]
    vals = a[..., None] * np.tanh(w[..., None] * X_TEST)
    return np.sqrt(np.mean(vals**2, axis=-1)) / ref


def classify(theta: np.ndarray) -> list[str]:
    """'dies' / 'shares' / 'transition' per ratio from the two late horizons (theta: (R, S, 4))."""
    q_mid, q_end = contributions(theta[:, -2]), contributions(theta[:, -1])
    labels = []
    for qm, qe in zip(q_mid, q_end):
        small = int(np.argmin(qe))
        dies = qe[small] <= ZERO or (qe[small] < SHARE_MIN and qe[small] < (1 - STABLE) * qm[small])
        stable = np.all(np.abs(qe - qm) <= STABLE * qe)
        shares = np.all(qe >= SHARE_MIN) and stable
        labels.append("dies" if dies else "shares" if shares else "transition")
    return labels


def check_two_regimes(r: np.ndarray, labels: list[str]) -> dict:
    """The claim: r near 1 → both share; r far from 1 → one dies; one boundary in between."""
    lab = np.array(labels)
    interior = (r > 0) & (r < 1)
    if lab[-1] != "shares":
        raise ClaimRejected(f"at r = 1 the neurons do not share: {lab[-1]}")
    if not np.any(interior & (lab == "dies")):
        raise ClaimRejected(f"no interior ratio where one neuron dies: {labels}")
    if not np.any(interior & (lab == "shares")):
        raise ClaimRejected(f"no interior ratio where both neurons share: {labels}")
    last_die = int(np.max(np.nonzero(lab == "dies")[0]))
    first_share = int(np.min(np.nonzero(lab == "shares")[0]))
    if not (last_die < first_share and np.all(lab[first_share:] == "shares")
            and np.all(lab[: last_die + 1] == "dies")):
        raise ClaimRejected(f"the regimes are not separated by one boundary: {labels}")
    return {"boundary_between": [float(r[last_die]), float(r[first_share])],
            "transition_points": r[last_die + 1 : first_share]}


def check_independent_of_ratio(q: np.ndarray, numerical_error: float) -> None:
    """The mutated claim: the end point does not depend on r (up to the numerical error)."""
    spread = float(np.ptp(q[:, 1]))
    if spread > numerical_error:
        raise ClaimRejected(f"end-point contribution of neuron 2 ranges over {spread:.3f} > {numerical_error:.1e}")


@pytest.mark.claim("ZBZ24.ratio", kind="numerical")
def test_imbalance_ratio_selects_sharing_or_one_neuron_end_point(evidence, profile):
    res = run(ratios(profile).size)
    r = res["r"]
    per_eps = [classify(th) for th in res["theta"]]
    if per_eps[0] != per_eps[1]:
        raise ClaimRejected(f"classification changes between ε = 1e-5 and 1e-6: {per_eps}")
    out = check_two_regimes(r, per_eps[1])
    q = contributions(res["theta"][1][:, -1])
    lab = np.array(per_eps[1])
    dead_q = np.where(lab == "dies", q.min(axis=1), np.nan)
    evidence.record(ratios=r, labels=per_eps[1], contributions_end=q,
                    end_points_eps_1em6=res["theta"][1][:, -1], end_points_eps_1em5=res["theta"][0][:, -1],
                    max_end_point_difference_between_eps=float(np.abs(res["theta"][0][:, -1] - res["theta"][1][:, -1]).max()),
                    loss_end=res["loss"][1], max_dead_contribution=float(np.nanmax(dead_q)),
                    x_train="6 equally spaced points on [-3, 3]", shifts=SHIFTS, epsilons=EPSILONS, **out)
    evidence.tolerance("dies", SHARE_MIN, "a dying neuron's contribution is < 1% of the target's and still falling by > 1% over the last 2·10⁴ time units, or ≤ 1e-8 (numerically zero, atol 1e-12)")
    evidence.tolerance("share_stability", STABLE, "sharing = both contributions ≥ 1% and changed ≤ 1% over the last 2·10⁴ time units (converged to a positive split)")
    th = res["theta"][1][:, -1]
    fig = plot_trajectories([("a₁", r, th[:, 0]), ("w₁", r, th[:, 1]), ("a₂", r, th[:, 2]), ("w₂", r, th[:, 3]),
                             ("q₂ (neuron-2 share)", r, q[:, 1])],
                            xlabel="imbalance ratio r = C₂/C₁", ylabel="end point (ε = 1e-6, s = 3·10⁴)",
                            title="ZBZ24.ratio: one neuron carries the target (small r) vs both share")
    evidence.figure("end_point_vs_ratio", fig)


@pytest.mark.claim("ZBZ24.ratio", kind="numerical", control=True)
def test_end_point_independent_of_ratio_is_rejected(evidence, profile):
    res = run(ratios(profile).size)
    q = contributions(res["theta"][1][:, -1])
    err = float(np.abs(contributions(res["theta"][0][:, -1]) - q).max())
    with pytest.raises(ClaimRejected):
        check_independent_of_ratio(q, 10 * max(err, 1e-12))
    evidence.record(mutation="end point independent of the imbalance ratio", rejected=True,
                    spread_of_q2=float(np.ptp(q[:, 1])), eps_difference=err)
    evidence.tolerance("numerical_error", 10.0, "× the largest contribution difference between ε = 1e-5 and 1e-6 runs")


@pytest.mark.claim("ZBZ24.ratio", kind="numerical", control=True)
def test_swapped_regimes_are_rejected(evidence, profile):
    """Mutation: 'near 1 one neuron dies, far from 1 they share' — the labels reversed in r."""
    res = run(ratios(profile).size)
    labels = classify(res["theta"][1])
    with pytest.raises(ClaimRejected):
        check_two_regimes(res["r"], labels[::-1])
    evidence.record(mutation="regimes swapped (labels reversed in r)", rejected=True)
