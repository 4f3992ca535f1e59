"""ZBZ24.ratio — width 2, tanh, single-neuron target: the imbalance ratio r = C_2/C_1 ∈ [0, 1]
selects the end point of the small-initialization flow (r and −r, and swapping the neurons, are
symmetries), each flow integrated until it is decided (numerics.stiff_flow).

Cases (the seed's 6-parameter net at n = 6, with its two readings, and the 4-parameter d = 1 net):

* ``d2``: f = Σ_k a_k tanh(w_kᵀx), x ∈ R², n = 6 Gaussian samples (numerics.recovery_grid.sample
  draw 0), target tanh(w*ᵀx), w* = (1, 0.5); test set the 41 × 41 grid of [−2, 2]²;
* ``bias``: the same net read as one input with a bias, x = (u, 1): u = 6 equally spaced points
  on [−3, 3] (the seed's interval was lost), target tanh(u) (w* = (1, 0)); test set 601 points
  on [−3, 3];
* ``d1``: f = Σ_k a_k tanh(w_k u), u as above, target tanh(u) (thorough only).

θ(0) = ε·θ̄, θ̄ = C_1e_1 + C_2e_2, C = (1, r)/‖(1, r)‖, ε = 1e-5 (and 1e-6 under thorough: the
ε → 0 limit, both must give the same labels). At the deciding checkpoint, neuron k's contribution
q_k = rms(a_k tanh(w_kᵀx))/rms(target) on the test set. Labels: *shares* when both q_k ≥ 1e-2
and both input weights are within 0.1 of w* (the sharing branch w_1 = w_2 = w*, a_1 + a_2 = 1);
*dies* when min q_k ≤ 1e-3 (the other branch: the small neuron's output is 0); else
*transition*. Tolerances: the flow is stopped when G ≤ 1e-8 for a decade, i.e. the net is
within rms 1e-4 of the target; on the sharing branch the valley is quartic (G ~ δ⁴), so the
parameters may still be δ ~ G^{1/4} = 1e-2 away from it: ALIGN = 0.1 is 10× that; a dying
neuron's output is ≤ rms 1e-4 (DEAD_MAX = 1e-3 is 10× that).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from numerics.flow import plot_trajectories
from numerics.imbalance import init_with_imbalance
from numerics.recovery_grid import T_TEST, W_STAR, X_TEST, sample
from numerics.stiff_flow import RECOVERED, Criterion, integrate_cells, make_cell
from overspec.testing import ClaimRejected

SHARE_MIN, DEAD_MAX, ALIGN = 1e-2, 1e-3, 1e-1
_U = np.linspace(-3.0, 3.0, 6)
_U_TEST = np.linspace(-3.0, 3.0, 601)


def case(name: str) -> dict:
    """Data, test set and target direction of a case (module docstring)."""
    if name == "d2":
        X, y = sample(6, 0)
        return {"X": X, "y": y, "X_test": X_TEST, "target": T_TEST, "w_star": W_STAR}
    if name == "bias":
        ones = np.ones_like(_U)
        return {"X": np.column_stack([_U, ones]), "y": np.tanh(_U), "w_star": np.array([1.0, 0.0]),
                "X_test": np.column_stack([_U_TEST, np.ones_like(_U_TEST)]), "target": np.tanh(_U_TEST)}
    if name == "d1":
        return {"X": _U[:, None], "y": np.tanh(_U), "X_test": _U_TEST[:, None], "target": np.tanh(_U_TEST),
                "w_star": np.array([1.0])}
    raise ValueError(f"name: unknown case {name!r}")


def spec(profile) -> tuple[tuple[str, ...], tuple[float, ...], int]:
    """(cases, epsilons, number of ratios)."""
    if profile.run_thorough:
        return ("d2", "bias", "d1"), (1e-5, 1e-6), 21
    return ("d2", "bias"), (1e-5,), 9


@lru_cache(maxsize=None)
def run(name: str, eps: float, n_ratios: int) -> dict:
    c = case(name)
    rs = np.linspace(0.0, 1.0, n_ratios)
    cells = [make_cell(f"{name} eps={eps:g} r={r:.4g}",
                       eps * init_with_imbalance(np.array([1.0, r]) / np.hypot(1.0, r), c["X"], c["y"]),
                       c["X"], c["y"], c["X_test"], c["target"]) for r in rs]
    res = integrate_cells(cells, Criterion())
    theta = np.array([r.end for r in res])
    return {"r": rs, "theta": theta, "status": [r.status for r in res],
            "decided_at": [r.decided_at for r in res], "q": contributions(theta, c)}


def contributions(theta: np.ndarray, c: dict) -> np.ndarray:
    """q_k = rms(a_k tanh(w_kᵀx))/rms(target) on the case's test set: (R, 2)."""
    d = c["X"].shape[1]
    blocks = theta.reshape(theta.shape[0], 2, d + 1)
    vals = blocks[:, :, :1] * np.tanh(blocks[:, :, 1:] @ c["X_test"].T)
    return np.sqrt(np.mean(vals**2, axis=-1)) / np.sqrt(np.mean(c["target"] ** 2))


def classify(theta: np.ndarray, q: np.ndarray, w_star: np.ndarray) -> list[str]:
    d = w_star.size
    W = theta.reshape(theta.shape[0], 2, d + 1)[:, :, 1:]
    aligned = np.all(np.abs(W - w_star).max(axis=2) <= ALIGN, axis=1)
    return ["shares" if (qi.min() >= SHARE_MIN and al) else "dies" if qi.min() <= DEAD_MAX else "transition"
            for qi, al in zip(q, aligned)]


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


def labels_of(name: str, eps: float, n_ratios: int) -> list[str]:
    res = run(name, eps, n_ratios)
    if any(s != RECOVERED for s in res["status"]):
        raise ClaimRejected(f"{name}, ε = {eps}: not every run was decided as recovered: {res['status']}")
    return classify(res["theta"], res["q"], case(name)["w_star"])


@pytest.mark.claim("ZBZ24.ratio", kind="numerical")
def test_imbalance_ratio_selects_sharing_or_one_neuron_end_point(evidence, profile):
    names, epss, nr = spec(profile)
    out = {}
    for name in names:
        per_eps = [labels_of(name, e, nr) for e in epss]
        if any(p != per_eps[0] for p in per_eps):
            raise ClaimRejected(f"{name}: labels change with ε {epss}: {per_eps}")
        res = run(name, epss[-1], nr)
        out[name] = {"labels": per_eps[-1], "contributions_end": res["q"], "end_points": res["theta"],
                     "decided_at": res["decided_at"], **check_two_regimes(res["r"], per_eps[-1])}
    evidence.record(cases=out, epsilons=epss, ratios=np.linspace(0, 1, nr),
                    bias_reading="x = (u, 1), u = 6 equally spaced points on [-3, 3], target tanh(u)")
    evidence.tolerance("share_min", SHARE_MIN, "shares: both contributions ≥ 1% and both w_k within 0.1 of w* (10× G^{1/4} at G = 1e-8, a quartic valley; module docstring)")
    evidence.tolerance("dead_max", DEAD_MAX, "dies: the smaller contribution ≤ 1e-3 at a recovered end point (G ≤ 1e-8)")
    name = names[0]
    res = run(name, epss[-1], nr)
    fig = plot_trajectories([(f"q₁ ({nm})", run(nm, epss[-1], nr)["r"], run(nm, epss[-1], nr)["q"][:, 0]) for nm in names]
                            + [(f"q₂ ({nm})", run(nm, epss[-1], nr)["r"], run(nm, epss[-1], nr)["q"][:, 1]) for nm in names],
                            xlabel="imbalance ratio r = C₂/C₁", ylabel="neuron contribution at convergence",
                            title="ZBZ24.ratio: one neuron carries the target (small r) vs both share")
    evidence.figure("contribution_vs_ratio", fig)


@pytest.mark.claim("ZBZ24.ratio", kind="numerical", control=True)
def test_end_point_independent_of_ratio_is_rejected(evidence, profile):
    """Mutated claim: one end point for every r. Rejected when the neuron-2 contribution ranges
    over more than the labels' margin (the gap between DEAD_MAX and SHARE_MIN)."""
    names, epss, nr = spec(profile)
    for name in names:
        q = run(name, epss[-1], nr)["q"]
        spread = float(np.ptp(q.min(axis=1)))
        with pytest.raises(ClaimRejected):
            if spread > SHARE_MIN - DEAD_MAX:
                raise ClaimRejected(f"{name}: min contribution ranges over {spread:.3f}")
        evidence.record(**{f"spread_min_contribution_{name}": spread})
    evidence.record(mutation="end point independent of the imbalance ratio", rejected=True)


@pytest.mark.claim("ZBZ24.ratio", kind="numerical", control=True)
def test_mislabelled_branch_is_rejected(evidence, profile):
    """Mutated mechanism: the sharing label without the alignment condition (w_1 = w_2 = w*)
    replaced by 'both neurons non-zero' on end points of the one-neuron branch perturbed into
    the wrong branch: a dying neuron set to a 1% copy of a misaligned neuron must not be called
    sharing by the same classifier."""
    names, epss, nr = spec(profile)
    res = run(names[0], epss[-1], nr)
    c = case(names[0])
    lab = classify(res["theta"], res["q"], c["w_star"])
    dead = [i for i, s in enumerate(lab) if s == "dies"]
    assert dead, "no dying end point: the control would be vacuous"
    th = res["theta"][dead].copy()
    d = c["X"].shape[1]
    th[:, d + 1] = 0.05  # a_2
    th[:, d + 2:] = -c["w_star"]  # w_2 = −w*: a non-zero, misaligned second neuron
    mutated = classify(th, contributions(th, c), c["w_star"])
    if "shares" in mutated:
        raise ClaimRejected(f"a misaligned second neuron was labelled sharing: {mutated}")
    evidence.record(mutation="a_2 = 0.05, w_2 = −w* on the dying end points", labels_mutated=mutated)
