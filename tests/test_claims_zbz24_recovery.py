"""ZBZ24.full-sample, ZBZ24.separation, ZBZ24.init-scale: recovery of a single-neuron target,
each small-initialization flow integrated until it is decided (numerics.stiff_flow).

Set-up: numerics.recovery_grid (width 2, d = 2, target tanh(w*ᵀx), w* = (1, 0.5), Gaussian sample
draws, θ(0) = ε·θ̄ with C = (1, r)/‖(1, r)‖, ε = 1e-4). Grid: n = 2..6 × 16 draws × 21 ratios
r ∈ {0, 0.05, …, 1} under ``thorough``; n = 2..6 × 2 draws × r ∈ {0, ¼, ½, ¾, 1} in ``ci``.
Classification and its reasons: numerics.stiff_flow.Criterion (recovered: G ≤ 1e-8 at two
consecutive decades and still falling ≥ 10× per decade, or ≤ 1e-20; other global minimum:
training loss ≤ 1e-20, ‖∇L‖ ≤ 1e-9, G > 1e-20 stable to 0.1% over two decades; else undecided,
counted and reported).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from scipy import stats

from numerics.flow import gradient_descent_datasets, plot_trajectories
from numerics.recovery_grid import EPS, T_TEST, W_STAR, X_TEST, Grid, ratio_init, run_grid, sample
from numerics.stiff_flow import OTHER, RECOVERED, UNDECIDED, CellResult, Criterion, integrate_cells, make_cell
from overspec.testing import ClaimRejected

SIZES = (2, 3, 4, 5, 6)
CRITERION = Criterion()


def grid_spec(profile) -> tuple[int, int]:
    """(draws, number of ratios): 16 × 21 under thorough, 2 × 5 in ci."""
    return (16, 21) if profile.run_thorough else (2, 5)


@lru_cache(maxsize=None)
def grid(draws: int, n_ratios: int) -> Grid:
    return run_grid(SIZES, draws, np.linspace(0.0, 1.0, n_ratios), CRITERION)


def replay(res: CellResult, target: np.ndarray, upto: int | None = None) -> str:
    """The status the same criterion gives from ``res``'s checkpoints (the first ``upto``), with the
    generalization error recomputed against ``target`` on the test grid (controls)."""
    from numerics.network import batched_predict

    th = res.theta[:upto]
    G = np.mean((batched_predict(th, X_TEST) - target) ** 2, axis=1)
    for j in range(1, G.size + 1):
        s = CRITERION.decide(G[:j], res.loss[:j], res.grad_norm[:j])
        if s is not None:
            return s
    return UNDECIDED


def check_pattern(g: Grid, claim: dict[int, str]) -> dict:
    """The claimed recovery pattern per size: 'none', 'extremes-only' (no interior ratio
    recovers, some extreme does), 'positive' (some interior ratio recovers), 'all'.

    Undecided cells cannot confirm a pattern: any in a claimed size rejects it (with the cells)."""
    st = g.status
    interior = (g.ratios > 0) & (g.ratios < 1)
    out = {}
    for n, c in claim.items():
        s = st[g.sizes.index(n)]
        out[n] = {"claim": c, "fraction_recovered": float(np.mean(s == RECOVERED)),
                  "interior_recovered": int(np.sum(s[:, interior] == RECOVERED)),
                  "extreme_recovered": int(np.sum(s[:, ~interior] == RECOVERED)),
                  "undecided": int(np.sum(s == UNDECIDED))}
        if np.any(s == UNDECIDED):
            raise ClaimRejected(f"n={n}: undecided cells, the pattern '{c}' is not decided: {out[n]}")
        rec = s == RECOVERED
        if c == "none" and np.any(rec):
            raise ClaimRejected(f"n={n}: claimed no recovery, {int(rec.sum())} cells recovered: {out[n]}")
        if c == "extremes-only" and (np.any(rec[:, interior]) or not np.any(rec[:, ~interior])):
            raise ClaimRejected(f"n={n}: claimed recovery only at the extreme ratios: {out[n]}")
        if c == "positive" and not np.any(rec[:, interior]):
            raise ClaimRejected(f"n={n}: claimed a positive interior recovery fraction, saw none: {out[n]}")
        if c == "all" and not np.all(rec):
            raise ClaimRejected(f"n={n}: claimed every small init recovers, {int((~rec).sum())} did not: {out[n]}")
    return out


def _record_grid(evidence, g: Grid) -> None:
    st, ge = g.status, g.gen_error
    other = ge[st == OTHER]
    evidence.record(sizes=g.sizes, ratios=g.ratios, draws=g.draws, eps=EPS, w_star=W_STAR,
                    test_grid="41×41 on [-2,2]²", per_n=g.summary(),
                    recovery_fraction_n_by_ratio=g.fraction(),
                    smallest_gen_error_other_minimum=float(other.min()) if other.size else None,
                    largest_gen_error_recovered=float(ge[st == RECOVERED].max()) if np.any(st == RECOVERED) else None,
                    decided_at_decades=np.unique(np.log10(g.decided_at[np.isfinite(g.decided_at)]).round(), return_counts=True),
                    integrator="solve_ivp LSODA, analytic Jacobian, rtol 1e-8, atol 1e-14, to t ≤ 1e12",
                    nfev_total=int(sum(r.nfev for r in g.results)))
    c = g.criterion
    evidence.tolerance("recover_tol", c.recover_tol, "G ≤ 1e-8 at two consecutive decades and falling ≥ 10× per decade or ≤ 1e-20 (numerics.stiff_flow.Criterion)")
    evidence.tolerance("loss_floor", c.loss_floor, "other global minimum: √(2L) ≤ 1.5e-10, 10⁶× below the rms error √1e-8 separating the classes")
    evidence.tolerance("stable_rel", c.stable_rel, "other global minimum: G changed ≤ 0.1% over two decades of t")


def _heat_map(evidence, g: Grid) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    dr = (g.ratios[1] - g.ratios[0]) / 2 if g.ratios.size > 1 else 0.5
    im = ax.imshow(g.fraction(), origin="lower", aspect="auto", vmin=0, vmax=1, cmap="viridis",
                   extent=(g.ratios[0] - dr, g.ratios[-1] + dr, g.sizes[0] - 0.5, g.sizes[-1] + 0.5))
    ax.set_xlabel("imbalance ratio r = C₂/C₁")
    ax.set_ylabel("sample size n")
    ax.set_title(f"recovery fraction over {g.draws} sample draws (flow to convergence)")
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    evidence.figure("recovery_heat_map", fig)


# ------------------------------------------------------------------ ZBZ24.separation
@pytest.mark.claim("ZBZ24.separation", kind="numerical")
def test_recovery_none_below_3_extremes_only_at_3_positive_from_4(evidence, profile):
    g = grid(*grid_spec(profile))
    out = check_pattern(g, {2: "none", 3: "extremes-only", 4: "positive", 5: "positive", 6: "all"})
    evidence.record(pattern=out)
    _record_grid(evidence, g)
    _heat_map(evidence, g)


@pytest.mark.claim("ZBZ24.separation", kind="numerical", control=True)
def test_recovery_of_a_shifted_target_is_rejected_on_every_cell(evidence, profile):
    """Mutated claim on the same converged runs: 'the flows recover tanh(w'ᵀx), w' = w* + (1e-3, 0)'.
    The same criterion, replayed on the stored checkpoints with G against the shifted target,
    must call no cell recovered (G ≈ 1e-7 ≫ 1e-8 at a 1e-3 parameter offset)."""
    g = grid(*grid_spec(profile))
    shifted = np.tanh(X_TEST @ (W_STAR + np.array([1e-3, 0.0])))
    st = np.array([replay(r, shifted) for r in g.results])
    if np.any(st == RECOVERED):
        raise ClaimRejected(f"{int(np.sum(st == RECOVERED))} cells 'recover' a target 1e-3 away")
    assert np.sum(g.status == RECOVERED) > 0  # the positive cells exist, so the control is not vacuous
    evidence.record(mutation="target shifted by 1e-3 in w*_1", recovered_under_mutation=0,
                    recovered_under_true_target=int(np.sum(g.status == RECOVERED)))


# ------------------------------------------------------------------ ZBZ24.full-sample
@pytest.mark.claim("ZBZ24.full-sample", kind="numerical")
def test_every_small_init_recovers_with_as_many_samples_as_parameters(evidence, profile):
    g = grid(*grid_spec(profile))
    out = check_pattern(g, {6: "all"})
    i6 = g.sizes.index(6)
    evidence.record(pattern=out, n6_gen_error=g.gen_error[i6], n6_decided_at=g.decided_at[i6],
                    latest_decision=float(np.max(g.decided_at[i6])), ratios=g.ratios, draws=g.draws)
    _record_grid(evidence, g)


@pytest.mark.claim("ZBZ24.full-sample", kind="numerical")
def test_stiff_flow_agrees_with_gd_and_a_tighter_rtol(evidence):
    """Cross-checks on a few cells: (i) GD θ ← θ − η∇L at η = 0.4 and 0.2 to t = 10³ approaches
    the flow at first order (gap ratio ≈ 2 when η halves: Euler's global error is O(η));
    (ii) rtol 1e-10 gives the same status and end point as 1e-8."""
    cells = [(6, 0, 0.5), (4, 1, 0.25), (3, 0, 0.5)]
    mk = [make_cell(f"n={n} draw={s} r={r}", ratio_init(r, *sample(n, s)), *sample(n, s), X_TEST, T_TEST)
          for n, s, r in cells]
    base = integrate_cells(mk, CRITERION, n_jobs=1)
    fine = integrate_cells(mk, CRITERION, n_jobs=1, rtol=1e-10)
    gaps = {}
    for lr in (0.4, 0.2):
        for (n, s, r), res in zip(cells, base):
            X, y = sample(n, s)
            _, TH = gradient_descent_datasets(ratio_init(r, X, y)[None], X[None], y[None], lr, int(round(1e3 / lr)),
                                              record_every=int(round(1e3 / lr)))
            gaps.setdefault(lr, []).append(float(np.abs(TH[0, -1] - res.theta[1]).max()))  # checkpoint 1 = t 10³
    ratio = np.array(gaps[0.4]) / np.array(gaps[0.2])
    end_diff = [float(np.abs(a.end - b.end).max()) for a, b in zip(base, fine)]
    evidence.record(cells=cells, gd_gap_lr_0_4=gaps[0.4], gd_gap_lr_0_2=gaps[0.2], gap_ratio=ratio,
                    status_rtol_1e8=[r.status for r in base], status_rtol_1e10=[r.status for r in fine],
                    end_point_difference=end_diff)
    if not np.all((ratio > 1.5) & (ratio < 2.5)):
        raise ClaimRejected(f"GD does not approach the flow at first order: gap ratios {ratio}")
    if [r.status for r in base] != [r.status for r in fine]:
        raise ClaimRejected("the status changes with rtol 1e-8 → 1e-10")
    evidence.tolerance("gap_ratio", 2.0, "Euler's global error is O(η): halving η halves the GD–flow gap (accepted in (1.5, 2.5))")


@pytest.mark.claim("ZBZ24.full-sample", kind="numerical", control=True)
def test_every_init_recovers_with_three_samples_is_rejected(evidence, profile):
    g = grid(*grid_spec(profile))
    with pytest.raises(ClaimRejected):
        check_pattern(g, {3: "all"})
    evidence.record(mutation="every small init recovers at n = 3 (the optimistic size)", rejected=True)


@pytest.mark.claim("ZBZ24.full-sample", kind="numerical", control=True)
def test_old_gd_budget_is_undecided_not_a_failure(evidence, profile):
    """Mutated mechanism: deciding at the old budget (t ≤ 10³·⁹, GD's 8·10³). The same criterion
    on the first checkpoints must leave every n = 6 cell that decides later undecided — it
    must not call a still-moving cell 'other global minimum'."""
    g = grid(*grid_spec(profile))
    i6 = g.sizes.index(6)
    late = [r for r, t in zip(g.results, g.decided_at.reshape(-1)) if t > 1e4 and r.name.startswith("n=6")]
    st = [replay(r, T_TEST, upto=2) for r in late]  # checkpoints 10², 10³
    if any(s == OTHER for s in st):
        raise ClaimRejected(f"a moving cell was declared another minimum at t = 10³: {st}")
    assert late, "no n = 6 cell decides after 10⁴: the control would be vacuous"
    evidence.record(mutation="decide at t = 10³", late_cells=len(late), statuses_at_1e3=st,
                    n6_decided_at=g.decided_at[i6])


# ------------------------------------------------------------------ ZBZ24.init-scale
SCALES = np.array([1e-4, 1e-3, 1e-2, 1e-1, 1.0])
ALPHA = 1e-6  # false-alarm level of the one-sided rank test


@lru_cache(maxsize=None)
def scale_run(seeds: int) -> dict:
    """Gaussian init N(0, σ²I) per scale σ, the same seeds at every σ, n = 4 (draw 0); each flow
    integrated until decided; G at the deciding checkpoint (the last one if undecided)."""
    X, y = sample(4, 0)
    cells = [make_cell(f"σ={sc:g} seed={s}", sc * np.random.default_rng(s).normal(size=6), X, y, X_TEST, T_TEST)
             for sc in SCALES for s in range(seeds)]
    res = integrate_cells(cells, CRITERION)
    shape = (SCALES.size, seeds)
    return {"gen_error": np.array([r.gen_error[-1] for r in res]).reshape(shape),
            "status": np.array([r.status for r in res]).reshape(shape), "seeds": seeds}


def _seeds(profile) -> int:
    return 32 if profile.run_thorough else 8


def check_scale_independent(res: dict, scales: tuple[float, ...]) -> dict:
    """The small-init limit: every seed gets the same status at each of ``scales`` (the limit point
    of Thm2 depends on θ̄ only through C/‖C‖, the same for every scale of one seed); the relative
    change of G of unrecovered seeds is recorded (O(σ) with a large constant, so not asserted) (the limit point of Thm2 depends on
    θ̄ only through C/‖C‖, the same for every scale of one seed)."""
    idx = [int(np.argmin(np.abs(SCALES - s))) for s in scales]
    st, ge = res["status"][idx], res["gen_error"][idx]
    same = np.all(st == st[0], axis=0)
    unrec = st[0] != RECOVERED
    rel = np.abs(ge[:, unrec] - ge[0, unrec]) / ge[0, unrec]
    out = {"scales": list(scales), "same_status_per_seed": same, "unrecovered_relative_error_change": rel.max(axis=0)}
    if not np.all(same):
        raise ClaimRejected(f"the converged outcome changes with the scale over {scales}: {out}")
    return out


@pytest.mark.claim("ZBZ24.init-scale", kind="statistical")
def test_init_scale_trend_at_convergence_and_the_small_init_limit(evidence, profile):
    """At convergence the outcome of a small init is its ε → 0 limit (checked: the same status per
    seed at σ = 1e-4 and 1e-3; at 1e-2 one seed of 32 already differs); the trend 'smaller σ → lower G' is tested (one-sided
    Kendall τ, level 1e-6) and its result recorded — at convergence it is not detected, which is
    why the claim is partial (claims.toml)."""
    res = scale_run(_seeds(profile))
    ge, st = res["gen_error"], res["status"]
    lim = check_scale_independent(res, (1e-4, 1e-3))
    sc = np.repeat(SCALES, res["seeds"])
    N = ge.size
    sd0 = float(np.sqrt(2 * (2 * N + 5) / (9 * N * (N - 1))))
    z_a, z_p = float(stats.norm.isf(ALPHA)), float(stats.norm.isf(0.01))
    tau, p = stats.kendalltau(sc, ge.ravel(), alternative="greater")
    evidence.record(scales=SCALES, seeds=list(range(res["seeds"])), n=4, sample_size=N, small_init_limit=lim,
                    statuses={f"{s:g}": {k: int(v) for k, v in zip(*np.unique(row, return_counts=True))} for s, row in zip(SCALES, st)},
                    recovered_fraction_by_scale=np.mean(st == RECOVERED, axis=1),
                    median_gen_error_by_scale=np.median(ge, axis=1), gen_error=ge,
                    kendall_tau=float(tau), p_value=float(p), trend_detected=bool(p <= ALPHA),
                    tau_critical=z_a * sd0, tau_detected_with_prob_0_99=(z_a + z_p) * sd0,
                    power_note="normal approximation to Kendall τ under independence (ties ignored)")
    evidence.tolerance("false_alarm", ALPHA, "one-sided Kendall τ p-value threshold: P(declare the trend | no association) ≤ 1e-6")
    fig = plot_trajectories([("median", np.log10(SCALES), np.log10(np.median(ge, axis=1))),
                             ("each seed", np.log10(SCALES), np.log10(ge))],
                            xlabel="log10 init scale σ", ylabel="log10 gen. error at convergence",
                            title="ZBZ24.init-scale (width 2, d = 2, n = 4, flow to convergence)")
    evidence.figure("gen_error_vs_scale", fig)


@pytest.mark.claim("ZBZ24.init-scale", kind="statistical", control=True)
def test_scale_independence_up_to_unit_scale_is_rejected(evidence, profile):
    """Mutated claim on the same runs: 'the converged outcome is the same at every scale up to
    σ = 1' — the same check must reject it (σ = 1 is not a small initialization)."""
    res = scale_run(_seeds(profile))
    with pytest.raises(ClaimRejected):
        check_scale_independent(res, (1e-4, 1.0))
    evidence.record(mutation="scale independence claimed for σ ∈ {1e-4, 1}", rejected=True)
