"""SS16.AppC and SS16.brittleness — the Auer-type singleton construction.

Data (numerics.datasets.auer_singleton_data, App. C reconstructed): per coordinate j the points
(e_j, 1) and (−e_j, a), a = ½.

* SS16.AppC: a single neuron x ↦ [⟨w, x⟩]_+ has one basin per sign vector of w (2^d of them),
  each with its own local minimum in the interior; only w > 0 is optimal. Under Assumption 1 each
  coordinate is good with probability ½ exactly, independently, so P[optimal basin] = 2^{−d}:
  exponentially small in d (exact construction with the basin engine; Monte Carlo agreement).
* SS16.brittleness: a width-n net on the same data is in a bad basin with probability
  P_bad(n, d) = 1 − Σ_{n_+} C(n, n_+)2^{−n}(1 − 2^{1−n_+})^d (exact), which is ≤ 2d(3/4)^n and
  decays at exactly the rate 3/4 (P_bad/(2d(3/4)^n) → 1); Monte Carlo agrees; plotted against n
  for d ∈ {10, 100, 1000}.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from functools import partial

import numpy as np
import pytest

from numerics.basins import basin_value
from numerics.basins.probability import (
    auer_single_neuron_good_probability,
    auer_width_good_probability,
    probability_figure,
    single_neuron_block_trial,
    singleton_block_trial,
    singleton_pattern,
    singleton_table,
)
from numerics.datasets import auer_singleton_data
from numerics.montecarlo import check_probability_at_least, check_probability_at_most, run_trials
from overspec.testing import ClaimRejected, assert_rejected_bound

ALPHA = 1e-6
A_AUER = 0.5
SEED = 1996
ENGINE_TOL = 1e-6
ENGINE_TOL_REASON = "Clarabel's default accuracy (gap 1e-8) on basin values of size ≤ 1, ×100 margin"


# --------------------------------------------------------------------------- SS16.AppC
def check_single_neuron_basins(d: int) -> dict:
    """Enumerate the 2^d basins of one neuron; each has an interior local minimum; one is optimal."""
    data = auer_singleton_data(d, A_AUER)
    m = data.X.shape[0]
    values, interior = [], 0
    for signs in itertools.product((-1, 1), repeat=d):
        sigma = np.array(signs, dtype=np.int8)[None, :]
        # one neuron without output weight = a width-1 net with v > 0 (v[⟨w,x⟩]_+ = [⟨vw,x⟩]_+)
        res = basin_value(data.X, data.y, singleton_pattern(data, sigma), np.array([1]))
        closed = sum(A_AUER**2 if s > 0 else 1.0 for s in signs) / m
        if abs(res.value - closed) > ENGINE_TOL:
            raise ClaimRejected(f"basin {signs}: engine {res.value} ≠ closed form {closed}")
        u = res.U[0]
        interior += bool(np.all(np.sign(u) == np.array(signs)))  # minimizer strictly inside
        values.append(res.value)
    best = min(values)
    n_optimal = sum(abs(v - best) <= ENGINE_TOL for v in values)
    return {"d": d, "basins": 2**d, "interior_minima": interior, "optimal_basins": n_optimal,
            "best": best, "second_best": sorted(values)[1] if d else None}


@pytest.mark.claim("SS16.AppC", kind="exact")
def test_single_neuron_has_two_to_the_d_local_minima_and_one_optimal_basin(evidence):
    rows = [check_single_neuron_basins(d) for d in (1, 2, 3, 5)]
    for r in rows:
        assert r["interior_minima"] == r["basins"] == 2 ** r["d"]
        assert r["optimal_basins"] == 1
        assert r["second_best"] - r["best"] >= (1 - A_AUER**2) / (2 * r["d"]) - ENGINE_TOL
    evidence.tolerance("engine", ENGINE_TOL, ENGINE_TOL_REASON)
    evidence.record(rows=rows, a=A_AUER, note="every basin's minimizer is interior: a local minimum of L_S")


def check_single_neuron_probability(d: int, n_samples: int, claimed, block: int = 1000) -> dict:
    """Monte Carlo P[optimal basin] for one Gaussian-initialized neuron against ``claimed(d)``,
    two-sided (at_least and at_most); per-coordinate frequency against the exact ½."""
    res = run_trials(partial(single_neuron_block_trial, d=d, block=block), n_samples // block, SEED + d, n_jobs=1)
    N = block * (n_samples // block)
    k = sum(r[0] for r in res)
    hist = sum(r[1] for r in res)
    p = float(claimed(d))
    lo = check_probability_at_least(k, N, p, ALPHA)
    hi = check_probability_at_most(k, N, p, ALPHA)
    coords = int(np.dot(np.arange(d + 1), hist))  # good coordinates over all samples
    per = check_probability_at_least(coords, N * d, 0.5, ALPHA)
    check_probability_at_most(coords, N * d, 0.5, ALPHA)
    return {"d": d, "exact": p, **{f"mc_{k2}": v for k2, v in lo.as_dict().items()},
            "power_gap_at_most": hi.power_gap, "per_coordinate_estimate": per.estimate,
            "per_coordinate_interval": [per.lower, per.upper]}


@pytest.mark.claim("SS16.AppC", kind="statistical")
def test_single_neuron_good_basin_probability_is_two_to_the_minus_d(evidence, profile):
    N = profile.samples(20000)
    rows = [check_single_neuron_probability(d, N, auer_single_neuron_good_probability) for d in (1, 2, 4, 6, 8)]
    exact = {d: float(auer_single_neuron_good_probability(d)) for d in (10, 100, 1000)}
    evidence.record(rows=rows, exact_large_d=exact, samples=N, seed=SEED, alpha=ALPHA,
                    note="P[optimal basin] = 2^{-d} exactly (independent coordinates, each ½ by symmetry)")


@pytest.mark.claim("SS16.AppC", kind="statistical", control=True)
def test_constant_good_basin_probability_is_rejected(evidence, profile):
    N = profile.samples(20000)
    with pytest.raises(ClaimRejected) as exc:
        check_single_neuron_probability(10, N, lambda d: Fraction(1, 20))
    assert_rejected_bound(exc.value, 1 / 20, "at_least")  # 2^{-10} ≪ 1/20: the "P ≥ 1/20" side
    evidence.record(mutation="P[optimal basin] = 1/20 for all d (no decay in d)", d=10, rejected=True,
                    message=str(exc.value), samples=N)


# --------------------------------------------------------------------------- SS16.brittleness
def exact_bad_probability(d: int, n: int) -> Fraction:
    return 1 - auer_width_good_probability(d, n)


def check_decay(ds, widths, base: Fraction) -> list[dict]:
    """Exact P_bad(n, d) ≤ 2d·base^n for all given (d, n); ClaimRejected otherwise."""
    rows = []
    for d in ds:
        for n in widths:
            pb = exact_bad_probability(d, n)
            bound = 2 * d * base**n
            rows.append({"d": d, "n": n, "p_bad": float(pb), "bound": float(min(bound, Fraction(1))),
                         "ratio_to_2d(3/4)^n": float(pb / (2 * d * Fraction(3, 4) ** n))})
            if pb > bound:
                raise ClaimRejected(f"d={d}, n={n}: exact P_bad = {float(pb):.4g} > 2d·{base}^n = {float(bound):.4g}",
                                    witness={"d": d, "n": n, "p_bad": pb, "bound": bound, "base": base})
    return rows


@pytest.mark.claim("SS16.brittleness", kind="exact")
def test_bad_basin_probability_decays_like_three_quarters_to_the_n(evidence):
    rows = check_decay((10, 100), range(2, 61), Fraction(3, 4)) + check_decay((1000,), range(2, 61, 2), Fraction(3, 4))
    # the rate is exactly 3/4: the ratio P_bad/(2d(3/4)^n) increases with n once the bound is
    # below 1/2 and reaches ≥ 0.95 by n = 60 (it tends to 1), so P_bad = Θ((3/4)^n) and no faster
    # geometric rate holds
    for d in (10, 100, 1000):
        tail = [r["ratio_to_2d(3/4)^n"] for r in rows if r["d"] == d and r["bound"] < 0.5]
        assert all(b >= a for a, b in zip(tail, tail[1:])), d
        assert tail[-1] >= 0.95, (d, tail[-1])
    tail = [r for r in rows if r["bound"] < 0.05]
    # α = unconstrained value for n ≥ 2 on this data, so "bad" = not the sufficient event
    for d in (10, 100):
        table = singleton_table(auer_singleton_data(d, A_AUER))
        assert all(table.alpha(n) == table.unconstrained_value() == 0 for n in (2, 3, 8))
    evidence.record(rows=rows, min_ratio_in_tail=min(r["ratio_to_2d(3/4)^n"] for r in tail),
                    widths_for_p_bad_below_0_01={d: next(r["n"] for r in rows if r["d"] == d and r["p_bad"] < 0.01)
                                                 for d in (10, 100, 1000)},
                    arithmetic="exact rationals")


@pytest.mark.claim("SS16.brittleness", kind="exact", control=True)
def test_faster_decay_rate_is_rejected_exactly(evidence):
    with pytest.raises(ClaimRejected) as exc:
        check_decay((10, 100, 1000), range(2, 61), Fraction(7, 10))
    w = exc.value.witness  # an exact counterexample to the mutated bound, and only to it
    assert w["base"] == Fraction(7, 10) and w["p_bad"] > w["bound"] == 2 * w["d"] * Fraction(7, 10) ** w["n"]
    assert w["p_bad"] <= 2 * w["d"] * Fraction(3, 4) ** w["n"]
    evidence.record(mutation="(3/4)^n → (7/10)^n", rejected=True, message=str(exc.value))


def check_bad_probability_mc(d: int, widths, n_samples: int, base: Fraction, block: int) -> dict:
    """Monte Carlo P_bad(n, d) (exact Bas ≤ α decisions) against min(1, 2d·base^n), "at most"."""
    table = singleton_table(auer_singleton_data(d, A_AUER))
    ser = {k: [] for k in ("n", "estimate", "lower", "upper", "bound", "exact")}
    rows = []
    for n in widths:
        a_scaled = int(table.alpha(n) * table.denominator)
        res = run_trials(partial(singleton_block_trial, table=table, n=n, alpha_scaled=a_scaled, block=block),
                         n_samples // block, SEED + 7 * d + n, n_jobs=1)
        N = block * (n_samples // block)
        bad = N - sum(g for g, _ in res)
        bound = float(min(Fraction(1), 2 * d * base**n))
        exact = float(exact_bad_probability(d, n))
        ev = check_probability_at_most(bad, N, bound, ALPHA)
        # agreement with the exact value (two one-sided tests)
        check_probability_at_least(bad, N, exact, ALPHA)
        check_probability_at_most(bad, N, exact, ALPHA)
        rows.append({"d": d, "n": n, "exact": exact, **ev.as_dict()})
        for k, v in (("n", n), ("estimate", ev.estimate), ("lower", ev.lower), ("upper", ev.upper),
                     ("bound", bound), ("exact", exact)):
            ser[k].append(v)
    return {"rows": rows, "series": ser}


@pytest.mark.claim("SS16.brittleness", kind="statistical")
def test_monte_carlo_bad_basin_probability_against_the_bound(evidence, profile):
    N = profile.samples(4000)
    out = {10: check_bad_probability_mc(10, (8, 12, 16, 20, 24, 28), N, Fraction(3, 4), 500),
           100: check_bad_probability_mc(100, (16, 20, 24, 28, 32, 36), N, Fraction(3, 4), 250),
           1000: check_bad_probability_mc(1000, (38,), profile.samples(1000), Fraction(3, 4), 50)}
    series = {}
    for d, o in out.items():
        widths = list(range(2, 61, 4))
        series[f"d = {d}"] = {k: v for k, v in o["series"].items() if k not in ("exact", "bound")}
        series[f"d = {d}"].update(n_exact=widths, exact=[float(exact_bad_probability(d, n)) for n in widths],
                                  bound=[float(min(1, 2 * d * 0.75**n)) for n in widths])
    fig = probability_figure(series, title="SS16 brittleness: Auer-type data, width n", ylabel="P[bad basin]", logy=True)
    evidence.figure("bad_basin_probability_vs_width", fig)
    evidence.record(rows=[r for o in out.values() for r in o["rows"]], seed=SEED, alpha=ALPHA,
                    note="the bound 2d(3/4)^n is nearly tight here (exact P_bad ≈ 2d(3/4)^n for small P_bad)")


@pytest.mark.claim("SS16.brittleness", kind="statistical", control=True)
def test_monte_carlo_rejects_a_faster_decay(evidence, profile):
    N = profile.samples(4000)
    with pytest.raises(ClaimRejected) as exc:
        check_bad_probability_mc(10, (16, 20), N, Fraction(7, 10), 500)
    # the mutated bound's own "at most" test, not the agreement with the exact value
    w = exc.value.witness
    assert any(abs(w.get("bound", -1) - float(2 * 10 * Fraction(7, 10) ** n)) <= 1e-12 for n in (16, 20))
    assert_rejected_bound(exc.value, w["bound"], "at_most")
    evidence.record(mutation="(3/4)^n → (7/10)^n", rejected=True, message=str(exc.value), samples=N, seed=SEED)


def test_auer_data_hypotheses_are_checked():
    with pytest.raises(ValueError, match="a"):
        auer_singleton_data(3, a=1.5)
    with pytest.raises(ValueError, match="d"):
        auer_singleton_data(0)
