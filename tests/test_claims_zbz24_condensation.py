"""ZBZ24.condensation — wide nets under small initialization (ZBZ24 §7).

Set-up: f_θ(x) = Σ_{k≤m} a_k tanh(w_kᵀx), d = 2, widths m = 10, 20 (and 50 under thorough),
n = 6 samples x_i ~ N(0, I₂) (seed 7), target tanh(w*ᵀx), w* = (1, 0.5); θ(0) = 1e-4·θ̄ with
θ̄ ~ N(0, I) (seeds 0..7); GD, lr = 0.2, 20000 steps (flow time 4000).

Checks: (i) the final neuron norms ‖(a_k, w_k)‖ are rank-correlated with |C_k(θ̄)|: a one-sided
Kendall τ per seed, combined over seeds by Stouffer's method, at false-alarm level 1e-6; the
largest neuron at the end is the one with the largest |C_k| in every seed; (ii) few neurons grow:
the number of neurons whose final norm is ≥ ½ of the largest is, in every seed, at most the number
whose |C_k| is ≥ ½ max|C|, and smaller in total over seeds (growth concentrates beyond the linear
phase's proportionality).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from scipy import stats

from numerics.flow import gradient_descent_datasets, plot_trajectories
from numerics.imbalance import imbalance_vector
from overspec.testing import ClaimRejected

W_STAR, D_IN, N, EPS, LR, STEPS, SEEDS = np.array([1.0, 0.5]), 2, 6, 1e-4, 0.2, 20000, 8
ALPHA = 1e-6


def data() -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(7).normal(size=(N, D_IN))
    return X, np.tanh(X @ W_STAR)


@lru_cache(maxsize=None)
def run(m: int) -> dict:
    X, y = data()
    bars = np.array([np.random.default_rng(s).normal(size=m * (D_IN + 1)) for s in range(SEEDS)])
    _, TH = gradient_descent_datasets(EPS * bars, np.broadcast_to(X, (SEEDS, N, D_IN)).copy(),
                                      np.broadcast_to(y, (SEEDS, N)).copy(), LR, STEPS, record_every=STEPS)
    C = imbalance_vector(bars, X, y)  # (seeds, m)
    norms = np.linalg.norm(TH[:, -1].reshape(SEEDS, m, D_IN + 1), axis=2)
    return {"C": C, "norms": norms}


def check_condensation(C: np.ndarray, norms: np.ndarray) -> dict:
    """Rank correlation |C_k| ↔ final norm over seeds (Stouffer-combined one-sided Kendall τ)."""
    taus, ps = [], []
    for c, nr in zip(np.abs(C), norms):
        t, p = stats.kendalltau(c, nr, alternative="greater")
        taus.append(t)
        ps.append(p)
    comb = stats.combine_pvalues(ps, method="stouffer")
    out = {"kendall_tau_per_seed": taus, "p_per_seed": ps, "combined_p": float(comb.pvalue), "alpha": ALPHA}
    if not comb.pvalue <= ALPHA:
        raise ClaimRejected(f"no rank association between |C_k| and final norm: combined p = {comb.pvalue:.2e}")
    match = [int(np.argmax(np.abs(c)) == np.argmax(nr)) for c, nr in zip(C, norms)]
    out["largest_matches"] = match
    if not all(match):
        raise ClaimRejected(f"the largest final neuron is not the one with the largest |C_k| in seeds {match}")
    big_end = (norms >= 0.5 * norms.max(axis=1, keepdims=True)).sum(axis=1)
    big_init = (np.abs(C) >= 0.5 * np.abs(C).max(axis=1, keepdims=True)).sum(axis=1)
    out["n_large_end"], out["n_large_init"] = big_end, big_init
    if not (np.all(big_end <= big_init) and big_end.sum() < big_init.sum()):
        raise ClaimRejected(f"growth does not concentrate: large at end {big_end} vs by |C| {big_init}")
    return out


def widths(profile) -> tuple[int, ...]:
    return (10, 20, 50) if profile.run_thorough else (10, 20)


@pytest.mark.claim("ZBZ24.condensation", kind="numerical")
def test_neurons_with_largest_imbalance_end_largest_and_few_grow(evidence, profile):
    rec = {}
    for m in widths(profile):
        r = run(m)
        rec[f"m{m}"] = check_condensation(r["C"], r["norms"])
    evidence.record(widths=list(widths(profile)), seeds=list(range(SEEDS)), data_seed=7, n=N, eps=EPS,
                    lr=LR, steps=STEPS, results=rec)
    evidence.tolerance("false_alarm", ALPHA, "Stouffer-combined one-sided Kendall τ p-value threshold (≤ 1e-6)")
    evidence.tolerance("large_fraction", 0.5, "'large' neuron = norm ≥ ½ of the largest (same rule for |C| at init and norms at the end)")
    r = run(widths(profile)[-1])
    fig = plot_trajectories([(f"seed {s}", np.abs(r["C"][s]) / np.abs(r["C"][s]).max(),
                              r["norms"][s] / r["norms"][s].max()) for s in range(SEEDS)],
                            xlabel="|C_k| / max|C|", ylabel="final ‖(a_k, w_k)‖ / max",
                            title=f"ZBZ24.condensation, width {widths(profile)[-1]}")
    for line in fig.axes[0].lines:
        line.set_linestyle("none")
        line.set_marker(".")
    evidence.figure("norm_vs_imbalance", fig)


@pytest.mark.claim("ZBZ24.condensation", kind="numerical", control=True)
def test_permuted_imbalance_vector_is_rejected(evidence):
    r = run(20)
    rng = np.random.default_rng(12345)
    C_perm = np.array([rng.permutation(c) for c in r["C"]])
    with pytest.raises(ClaimRejected, match="no rank association"):
        check_condensation(C_perm, r["norms"])
    evidence.record(mutation="C randomly permuted within each seed (permutation seed 12345)", rejected=True, m=20)


@pytest.mark.claim("ZBZ24.condensation", kind="numerical", control=True)
def test_initial_neuron_norm_as_proxy_for_c_is_rejected(evidence):
    """Mutated claim: 'the neurons that end largest are those with the largest initial norm
    ‖(ā_k, w̄_k)‖' (a proxy for |C_k| that ignores the projection on the escape direction). The
    same check must reject it on the same runs (it fails the largest-neuron match)."""
    r = run(20)
    X, y = data()
    bars = np.array([np.random.default_rng(s).normal(size=20 * (D_IN + 1)) for s in range(SEEDS)])
    proxy = np.linalg.norm(bars.reshape(SEEDS, 20, D_IN + 1), axis=2)
    with pytest.raises(ClaimRejected) as info:
        check_condensation(proxy, r["norms"])
    match = [int(np.argmax(p) == np.argmax(nr)) for p, nr in zip(proxy, r["norms"])]
    evidence.record(mutation="|C_k| replaced by the initial neuron norm ‖θ̄_k‖", rejection=str(info.value),
                    proxy_largest_matches=match, m=20)


@pytest.mark.claim("ZBZ24.condensation", kind="numerical", control=True)
def test_linear_phase_proportional_growth_is_rejected(evidence):
    """Mutated mechanism: every neuron grows in proportion to |C_k| (the linearized escape
    phase continued to the end, no condensation). The same check must reject it by its
    concentration criterion, not by the rank criteria (which such norms satisfy)."""
    r = run(20)
    linear = np.abs(r["C"]) * 1e3
    with pytest.raises(ClaimRejected, match="growth does not concentrate"):
        check_condensation(r["C"], linear)
    evidence.record(mutation="final norms ∝ |C_k| (linear phase)", rejected=True, m=20)


@pytest.mark.claim("ZBZ24.condensation", kind="numerical", control=True)
def test_largest_neuron_swapped_is_rejected(evidence):
    """Mutated claim: the neuron with the second-largest |C_k| ends largest (C's top two entries
    swapped per seed): the rank association survives (one transposition), the largest-neuron
    criterion must reject."""
    r = run(20)
    C = r["C"].copy()
    for c in C:
        i, j = np.argsort(-np.abs(c))[:2]
        c[[i, j]] = c[[j, i]]
    with pytest.raises(ClaimRejected, match="largest final neuron"):
        check_condensation(C, r["norms"])
    evidence.record(mutation="top-two |C_k| swapped in every seed", rejected=True, m=20)
