"""SS16.Thm2 — singleton data: P[Bas(W, v) ≤ α] ≥ 1 − 2d(3/4)^n.

Evidence:
* α(n) and Bas exactly, in rational arithmetic (numerics.basin_probability.SingletonTable),
  cross-checked against the certified convex program of the basin engine (every basin of a
  small instance) and against the exact global minimum by enumeration (numerics.arrangement);
* statistical: P[Bas ≤ α] over widths n and dimensions d against the bound, with Bas ≤ α
  decided in exact integer arithmetic; sign patterns are sampled directly (exactly the law of
  the basin under Assumption 1 — see numerics.basin_probability.sample_signs);
* exact: the probability of the theorem's sufficient event (every (coordinate, side) has a
  neuron of the right output sign on it) in rational arithmetic against the bound, and its
  agreement with the Monte Carlo estimate (the two events coincide when α equals the
  unconstrained value);
* negative control: the bound with 3/4 replaced by 1/2 is rejected.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from functools import partial

import numpy as np
import pytest

from numerics.basins.arrangement import global_minimum
from numerics.basins import basin_value
from numerics.basins.probability import (
    probability_figure,
    sample_signs,
    singleton_block_trial,
    singleton_pattern,
    singleton_table,
    sufficient_event_probability,
)
from numerics.datasets import check_singleton, singleton_data
from numerics.montecarlo import check_probability_at_least, check_probability_at_most, run_trials
from numerics.basins.singleton import singleton_basin_value, singleton_global_minimum
from overspec.testing import ClaimRejected
from theory.bounds import bound_thm2

ALPHA = 1e-6
BLOCK = 500
DATA_SEED = 20160
MC_SEED = 2016_2
# (d, widths): widths where the bound 1 − 2d(3/4)^n is not vacuous (> 0)
GRID = {1: (3, 4, 6, 8), 4: (8, 10, 12, 16), 16: (13, 16, 20, 24)}
ENGINE_TOL = 1e-6
ENGINE_TOL_REASON = (
    "Clarabel's default accuracy (gap 1e-8) on basin values of size ≤ 10, plus the basin "
    "engine's own 1e-7 agreement between its two solve paths"
)


def thm2_bound(n: int, d: int) -> Fraction:
    """The printed bound, from theory.bounds (exact rational)."""
    return Fraction(str(bound_thm2(n, d)))


def mutated_bound(base: Fraction):
    return lambda n, d: 1 - 2 * d * base**n


def _data(d: int):
    return singleton_data(d, per_side=2, rng=np.random.default_rng(DATA_SEED + d))


def check_thm2_monte_carlo(grid, n_samples: int, bound_fn=thm2_bound, seed: int = MC_SEED) -> dict:
    """Estimate P[Bas ≤ α] per (d, n); ClaimRejected when some upper CP bound < the bound."""
    out: dict = {"rows": [], "figure": {}}
    for d, widths in grid.items():
        table = singleton_table(_data(d))
        ser = {k: [] for k in ("n", "estimate", "lower", "upper", "bound", "exact")}
        for n in widths:
            alpha_n = table.alpha(n)
            a_scaled = int(alpha_n * table.denominator)
            assert Fraction(a_scaled, table.denominator) == alpha_n
            blocks = run_trials(
                partial(singleton_block_trial, table=table, n=n, alpha_scaled=a_scaled, block=BLOCK),
                n_samples // BLOCK, seed + 1000 * d + n, n_jobs=1,
            )
            good = sum(g for g, _ in blocks)
            suff = sum(s for _, s in blocks)
            N = BLOCK * (n_samples // BLOCK)
            bound = bound_fn(n, d)
            exact = sufficient_event_probability(table.needed_sign(), n)
            row = {"d": d, "n": n, "alpha": str(alpha_n), "sufficient_event_count": suff,
                   "exact_sufficient_probability": float(exact), "bound": float(bound),
                   "alpha_is_unconstrained": alpha_n == table.unconstrained_value()}
            out["rows"].append(row)
            ev = check_probability_at_least(good, N, float(max(bound, Fraction(0))), ALPHA)
            row.update(ev.as_dict())
            row["bound_gap"] = ev.estimate - float(bound)  # how far the truth is above the bound
            for k, v in (("n", n), ("estimate", ev.estimate), ("lower", ev.lower), ("upper", ev.upper),
                         ("bound", float(max(bound, Fraction(0)))), ("exact", float(exact))):
                ser[k].append(v)
        out["figure"][f"d = {d}"] = ser
    return out


@pytest.mark.claim("SS16.Thm2", kind="statistical")
def test_good_basin_probability_meets_the_bound_over_widths_and_dimensions(evidence, profile):
    N = profile.samples(4000)
    out = check_thm2_monte_carlo(GRID, N)
    # Monte Carlo agreement with the exact probability: when α is the unconstrained value the
    # event Bas ≤ α *is* the sufficient event, so the count must be consistent with its exact
    # probability (two one-sided exact tests at false-alarm 1e-6 each)
    agree = []
    for row in out["rows"]:
        assert row["successes"] == row["sufficient_event_count"] or not row["alpha_is_unconstrained"]
        if row["alpha_is_unconstrained"]:
            p = row["exact_sufficient_probability"]
            check_probability_at_least(row["successes"], row["trials"], p, ALPHA)
            check_probability_at_most(row["successes"], row["trials"], p, ALPHA)
            agree.append((row["d"], row["n"]))
    evidence.record(
        rows=out["rows"], samples_per_point=N, seed=MC_SEED, data_seed=DATA_SEED, alpha=ALPHA,
        exact_agreement_checked_at=agree,
        note=("Bas ≤ α decided exactly (integer arithmetic); bound_gap = estimate − bound records how "
              "loose the union bound 2d(3/4)^n is"),
    )
    evidence.figure("probability_vs_width", probability_figure(out["figure"], title="SS16 Thm 2: singleton data"))


@pytest.mark.claim("SS16.Thm2", kind="statistical", control=True)
def test_bound_with_base_one_half_is_rejected(evidence, profile):
    N = profile.samples(4000)
    mutated = "|".join(f"{float(mutated_bound(Fraction(1, 2))(n, 4)):.6g}" for n in (8, 10, 12)).replace(".", r"\.")
    with pytest.raises(ClaimRejected, match=rf"^claimed P ≥ ({mutated}), but ") as exc:   # the mutated bound's
        check_thm2_monte_carlo({4: (8, 10, 12)}, N, bound_fn=mutated_bound(Fraction(1, 2)))
    evidence.record(mutation="3/4 → 1/2 in 1 − 2d(3/4)^n", rejected=True, message=str(exc.value),
                    samples=N, seed=MC_SEED)


def check_sufficient_event_exact(needs: dict, widths, bound_fn=thm2_bound) -> list[dict]:
    """Exact P[sufficient event] ≥ bound for each need pattern and width; ClaimRejected if not."""
    rows = []
    for name, need in needs.items():
        d = need.shape[0]
        for n in widths:
            p = sufficient_event_probability(need, n)
            bound = bound_fn(n, d)
            fail = 1 - p
            rows.append({"pattern": name, "d": d, "n": n, "probability": float(p), "bound": float(bound),
                         "failure_over_union_bound": float(fail / (2 * d * Fraction(3, 4) ** n))})
            if p < bound:
                raise ClaimRejected(f"{name}, d={d}, n={n}: exact P = {float(p):.6g} < bound {float(bound):.6g}")
    return rows


def _needs() -> dict:
    out = {}
    for d in (1, 3, 10, 100, 1000):
        out[f"all sides need +1, d={d}"] = np.ones((d, 2), dtype=np.int8)
        alt = np.ones((d, 2), dtype=np.int8)
        alt[:, 1] = -1
        out[f"sides need opposite signs, d={d}"] = alt
    out["random data, d=16"] = singleton_table(_data(16)).needed_sign()
    return out


@pytest.mark.claim("SS16.Thm2", kind="exact")
def test_sufficient_event_has_exact_probability_above_the_bound(evidence):
    rows = check_sufficient_event_exact(_needs(), range(1, 41))
    evidence.record(rows=rows, arithmetic="exact rationals (fractions.Fraction), no floating point in the comparison",
                    note=("failure_over_union_bound → 1 for the all-(+1) pattern: the union bound 2d(3/4)^n is "
                          "asymptotically tight there; ≈ ½ when the two sides of a coordinate need opposite signs"))


@pytest.mark.claim("SS16.Thm2", kind="exact", control=True)
def test_exact_sufficient_probability_rejects_base_two_thirds(evidence):
    with pytest.raises(ClaimRejected) as exc:
        check_sufficient_event_exact(_needs(), range(1, 41), bound_fn=mutated_bound(Fraction(2, 3)))
    evidence.record(mutation="3/4 → 2/3", rejected=True, message=str(exc.value))


def cross_check_alpha(data, n: int, alpha, tol: float, basin_values=None) -> float:
    """Claim check for α(n) (the value the Monte Carlo compares every basin with): it must equal the
    global minimum of width n by enumeration (numerics.arrangement, within ``tol``) and, when the
    exact values of all basins are given, their minimum exactly. ClaimRejected otherwise; returns
    the global minimum."""
    gm = global_minimum(data.X, data.y, n).value
    if basin_values is not None and min(basin_values) != alpha:
        raise ClaimRejected(f"width {n}: α = {alpha} but the minimum over all {len(basin_values)} basins is "
                            f"{min(basin_values)}")
    if abs(gm - float(alpha)) > tol:
        raise ClaimRejected(f"width {n}: α = {float(alpha):.6g} but the global minimum by enumeration is {gm:.6g}")
    return gm


@pytest.mark.claim("SS16.Thm2", kind="exact")
def test_closed_form_alpha_and_bas_agree_with_the_basin_engine(evidence):
    """Every basin of a small singleton instance: the exact closed-form Bas equals the certified
    convex program; α(n) equals the minimum over all basins and the global minimum by enumeration."""
    d = 2
    data = singleton_data(d, per_side=1, rng=np.random.default_rng(DATA_SEED))
    table = singleton_table(data)
    tol = evidence.tolerance("engine", ENGINE_TOL, ENGINE_TOL_REASON)
    worst, worst_float, rows = 0.0, 0.0, []
    for n in (1, 2, 3):
        vals = []
        for bits in itertools.product((-1, 1), repeat=n * (d + 1)):
            s = np.array(bits, dtype=np.int8).reshape(n, d + 1)
            sigma, b = s[:, :d], s[:, d]
            exact = table.bas(sigma, b)
            A = singleton_pattern(data, sigma)
            eng = basin_value(data.X, data.y, A, b)
            worst = max(worst, abs(float(exact) - eng.value))
            # helper A's floating-point closed form (numerics/basins/singleton.py), same derivation
            worst_float = max(worst_float, abs(float(exact) - singleton_basin_value(data.X, data.y, A, b)))
            vals.append(exact)
        alpha_n = table.alpha(n)
        gm = cross_check_alpha(data, n, alpha_n, tol, basin_values=vals)
        worst_float = max(worst_float, abs(float(alpha_n) - singleton_global_minimum(data.X, data.y, n)))
        rows.append({"n": n, "alpha": str(alpha_n), "min_over_basins": str(min(vals)), "global_minimum": gm,
                     "basins": len(vals)})
    assert worst <= tol
    for n in (4, 6):  # wider nets: random patterns against the engine
        rng = np.random.default_rng(DATA_SEED + n)
        for _ in range(10):
            sigma, b = sample_signs(rng, n, d)
            eng = basin_value(data.X, data.y, singleton_pattern(data, sigma), b)
            worst = max(worst, abs(float(table.bas(sigma, b)) - eng.value))
        gm = cross_check_alpha(data, n, table.alpha(n), tol)
        rows.append({"n": n, "alpha": str(table.alpha(n)), "global_minimum": gm})
    assert worst <= tol
    # float closed form: same formula in double precision, values ≤ 50 → rounding ≤ 1e-12
    assert worst_float <= evidence.tolerance("float_closed_form", 1e-12, "double rounding of sums of ≤ 8 squares of integers ≤ 12")
    evidence.record(rows=rows, max_abs_difference_closed_form_vs_engine=worst,
                    max_abs_difference_vs_float_closed_form=worst_float, data_seed=DATA_SEED)


@pytest.mark.claim("SS16.Thm2", kind="exact", control=True)
def test_a_wrong_alpha_is_caught_by_the_cross_check(evidence):
    """Mutation: α(n) taken as the single-neuron optimum α(1) (the claim "overspecification does not
    help"), on the data where the positive cross-check passes. The same cross-check rejects it
    twice over: at width 2 against the exact minimum over all 2^6 basins, at width 4 against the
    global minimum by enumeration."""
    data = singleton_data(2, per_side=1, rng=np.random.default_rng(DATA_SEED))
    table = singleton_table(data)
    wrong = table.alpha(1)
    vals = [table.bas(s[:, :2], s[:, 2]) for s in
            (np.array(bits, dtype=np.int8).reshape(2, 3) for bits in itertools.product((-1, 1), repeat=6))]
    assert min(vals) == table.alpha(2) != wrong      # the data on which the positive holds
    with pytest.raises(ClaimRejected, match=r"^width 2: α = .* but the minimum over all 64 basins is") as e2:
        cross_check_alpha(data, 2, wrong, ENGINE_TOL, basin_values=vals)
    with pytest.raises(ClaimRejected, match=r"^width 4: α = .* but the global minimum by enumeration is") as e4:
        cross_check_alpha(data, 4, wrong, ENGINE_TOL)
    evidence.record(mutation="α(n) := α(1)", alpha_1=float(wrong), alpha_2=float(table.alpha(2)),
                    alpha_4=float(table.alpha(4)), rejected=True, messages=[str(e2.value), str(e4.value)])


def test_singleton_hypothesis_is_checked():
    with pytest.raises(ValueError, match="singleton"):
        check_singleton(np.array([[1.0, 1.0], [0.0, 2.0]]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="singleton"):
        check_singleton(np.array([[0.0, 0.0]]), np.array([1.0]))
    with pytest.raises(ValueError, match="y"):
        check_singleton(np.eye(2), np.array([np.nan, 1.0]))


def test_sufficient_event_probability_rejects_bad_input():
    with pytest.raises(ValueError, match="need"):
        sufficient_event_probability(np.array([[2, 0]]), 3)
    with pytest.raises(ValueError, match="n"):
        sufficient_event_probability(np.array([[1, 1]]), 0)


def test_sufficient_event_probability_matches_enumeration():
    """The exact formula against brute-force enumeration of all sign patterns (d = 2, n ≤ 3)."""
    need = np.array([[1, 1], [1, -1]], dtype=np.int8)
    data = singleton_data(2, per_side=1, rng=np.random.default_rng(5))
    table = singleton_table(data)
    object.__setattr__(table, "c_star", tuple(tuple(Fraction(int(x)) for x in row) for row in need))
    for n in (1, 2, 3):
        hits = 0
        total = 0
        for bits in itertools.product((-1, 1), repeat=n * 3):
            s = np.array(bits).reshape(n, 3)
            hits += table.sufficient_event(s[:, :2], s[:, 2])
            total += 1
        assert Fraction(hits, total) == sufficient_event_probability(need, n)


def test_vectorized_block_trial_matches_the_per_sample_closed_form():
    """singleton_block_trial decides Bas ≤ α and the sufficient event exactly as SingletonTable does."""
    table = singleton_table(_data(3))
    n, block = 5, 300
    a_scaled = int(table.alpha(n) * table.denominator)
    good, suff = singleton_block_trial(np.random.default_rng(9), 0, table=table, n=n, alpha_scaled=a_scaled, block=block)
    rng = np.random.default_rng(9)
    s = rng.integers(0, 2, size=(block, n, 4), dtype=np.int8) * 2 - 1
    g2 = sum(table.bas(s[i, :, :3], s[i, :, 3]) <= table.alpha(n) for i in range(block))
    s2 = sum(table.sufficient_event(s[i, :, :3], s[i, :, 3]) for i in range(block))
    assert (good, suff) == (g2, s2)


# --------------------------------------------------------------------------- other convex losses
LOSS_TOL = 1e-6
LOSS_TOL_REASON = "Clarabel's default accuracy (gap 1e-8) on basin values ≤ 10, ×100; the smallest non-zero Bas − α is recorded and is ≥ 1e-2"


def check_thm2_by_enumeration(loss: str, widths, bound_fn=thm2_bound) -> list[dict]:
    """Exact P[Bas ≤ α] for the loss (absolute, or hinge on labels sign y) by enumerating every sign pattern (σ, b) — the law of the
    basin is uniform on them — with Bas from the certified engine and α their minimum.
    ClaimRejected when P < bound."""
    d = 1
    data = singleton_data(d, per_side=2, rng=np.random.default_rng(DATA_SEED + 100))
    y = data.y if loss != "hinge" else np.where(data.y >= 0, 1.0, -1.0)  # hinge: labels ±1
    rows = []
    for n in widths:
        vals = []
        for bits in itertools.product((-1, 1), repeat=n * (d + 1)):
            s = np.array(bits, dtype=np.int8).reshape(n, d + 1)
            vals.append(basin_value(data.X, y, singleton_pattern(data, s[:, :d]), s[:, d], loss,
                                    check_nonempty=False).value)
        vals = np.array(vals)
        alpha_n = float(vals.min())
        good = int(np.sum(vals <= alpha_n + LOSS_TOL))
        p = Fraction(good, len(vals))
        gaps = vals[vals > alpha_n + LOSS_TOL] - alpha_n
        bound = bound_fn(n, d)
        rows.append({"loss": loss, "d": d, "n": n, "alpha": alpha_n, "probability": float(p), "bound": float(bound),
                     "patterns": len(vals), "smallest_nonzero_gap": float(gaps.min()) if gaps.size else None})
        if p < bound:
            raise ClaimRejected(f"{loss} loss, d={d}, n={n}: exact P[Bas ≤ α] = {float(p):.4g} < {float(bound):.4g}")
    return rows


@pytest.mark.claim("SS16.Thm2", kind="exact")
@pytest.mark.parametrize("loss", ["absolute", "hinge"])
def test_other_convex_losses_by_exhaustive_enumeration(evidence, loss):
    tol = evidence.tolerance("engine", LOSS_TOL, LOSS_TOL_REASON)
    rows = check_thm2_by_enumeration(loss, (3, 4, 5))
    assert all(r["smallest_nonzero_gap"] is None or r["smallest_nonzero_gap"] > 1e3 * tol for r in rows)
    evidence.record(rows=rows, data_seed=DATA_SEED + 100,
                    method="every (σ, b) ∈ {±1}^{n×2} enumerated (uniform law under Assumption 1): the probability is exact")


@pytest.mark.claim("SS16.Thm2", kind="exact", control=True)
def test_other_convex_loss_rejects_base_one_half(evidence):
    with pytest.raises(ClaimRejected) as exc:
        check_thm2_by_enumeration("absolute", (3, 4, 5), bound_fn=mutated_bound(Fraction(1, 2)))
    evidence.record(mutation="3/4 → 1/2", loss="absolute", rejected=True, message=str(exc.value))


def test_table_and_signs_reject_bad_shapes():
    table = singleton_table(_data(2))
    sigma, b = sample_signs(np.random.default_rng(0), 3, 2)
    assert sigma.shape == (3, 2) and b.shape == (3,) and set(np.unique(sigma)) <= {-1, 1}
    with pytest.raises(ValueError, match="sigma, b"):
        table.bas(sigma[:, :1], b)
    with pytest.raises(ValueError, match="n"):
        table.alpha(0)
