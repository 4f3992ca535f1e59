"""Unit tests of numerics.montecarlo: exact Clopper–Pearson bounds, power, reproducible trials."""

from __future__ import annotations

import functools
import math
import os

import mpmath
import numpy as np
import pytest
from scipy import stats

from numerics.montecarlo import (
    DASK_SCHEDULER_ENV,
    check_probability_at_least,
    check_probability_at_most,
    clopper_pearson_lower,
    clopper_pearson_upper,
    detectable_violation,
    run_trials,
    trial_seeds,
)
from overspec.testing import ClaimRejected

CASES = [(0, 10), (1, 10), (5, 10), (9, 10), (10, 10), (3, 1000), (500, 1000), (999, 1000), (37, 80)]
ALPHAS = [1e-6, 1e-3, 0.05]


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("k,n", CASES)
def test_clopper_pearson_bounds_invert_the_exact_binomial_tails(k, n, alpha):
    """upper(k): P_upper[K ≤ k] = α; lower(k): P_lower[K ≥ k] = α (exact tail identities)."""
    lo, up = clopper_pearson_lower(k, n, alpha), clopper_pearson_upper(k, n, alpha)
    assert 0.0 <= lo <= k / n <= up <= 1.0
    if k < n:
        assert math.isclose(stats.binom.cdf(k, n, up), alpha, rel_tol=1e-7)
    else:
        assert up == 1.0
    if k > 0:
        assert math.isclose(stats.binom.sf(k - 1, n, lo), alpha, rel_tol=1e-7)
    else:
        assert lo == 0.0


@pytest.mark.parametrize("n", [1, 7, 250])
@pytest.mark.parametrize("alpha", ALPHAS)
def test_clopper_pearson_closed_forms_at_the_extremes(n, alpha):
    """k = 0: upper = 1 − α^{1/n}; k = n: lower = α^{1/n} (P[K = 0] = (1 − p)^n = α)."""
    assert math.isclose(clopper_pearson_upper(0, n, alpha), 1 - alpha ** (1 / n), rel_tol=1e-10)
    assert math.isclose(clopper_pearson_lower(n, n, alpha), alpha ** (1 / n), rel_tol=1e-10)


def _mp_upper(k: int, n: int, alpha: float) -> float:
    """Reference: the p with Σ_{j ≤ k} C(n,j) p^j (1−p)^{n−j} = α, by mpmath at 40 digits."""
    with mpmath.workdps(40):
        cdf = lambda p: mpmath.fsum(mpmath.binomial(n, j) * p**j * (1 - p) ** (n - j) for j in range(k + 1))
        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        for _ in range(140):  # bisection: the cdf is decreasing in p
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if cdf(mid) > alpha else (lo, mid)
        return float((lo + hi) / 2)


@pytest.mark.parametrize("k,n,alpha", [(0, 20, 1e-6), (3, 20, 1e-6), (17, 40, 1e-3), (50, 120, 1e-6)])
def test_clopper_pearson_upper_matches_mpmath_binomial_sum(k, n, alpha):
    assert math.isclose(clopper_pearson_upper(k, n, alpha), _mp_upper(k, n, alpha), rel_tol=1e-9)
    # lower bound by symmetry: lower(k, n) = 1 − upper(n − k, n)
    assert math.isclose(clopper_pearson_lower(n - k, n, alpha), 1 - _mp_upper(k, n, alpha), rel_tol=1e-9, abs_tol=1e-15)


@pytest.mark.parametrize("bound", [0.05, 0.25, 0.5, 0.9])
def test_power_gap_is_non_increasing_in_the_sample_size(bound):
    gaps = [detectable_violation(n, bound) for n in (50, 100, 200, 400, 800, 1600, 3200, 6400)]
    assert all(b <= a for a, b in zip(gaps, gaps[1:])), gaps
    assert gaps[-1] < gaps[0] and gaps[-1] < 0.05


@pytest.mark.parametrize("n,bound", [(100, 0.5), (1000, 0.25), (4000, 0.875), (333, 0.1)])
def test_power_gap_is_exactly_the_99_percent_detection_threshold(n, bound):
    """At p = bound − Δ the check rejects w.p. ≥ 0.99 (exact binomial), at p a bit larger it does not;
    at p = bound it rejects w.p. ≤ α (the false alarm)."""
    alpha = 1e-6
    gap = detectable_violation(n, bound, alpha)
    reject = [k for k in range(n + 1) if clopper_pearson_upper(k, n, alpha) < bound]
    k_star = max(reject)
    assert reject == list(range(k_star + 1))  # rejection region is {K ≤ k*}
    assert stats.binom.cdf(k_star, n, bound - gap) >= 0.99 - 1e-9
    assert stats.binom.cdf(k_star, n, bound - gap + 1e-6) < 0.99
    assert stats.binom.cdf(k_star, n, bound) <= alpha


def test_power_gap_at_most_mirrors_at_least():
    assert detectable_violation(500, 0.3, direction="at_most") == detectable_violation(500, 0.7)
    assert detectable_violation(5, 0.5) == math.inf  # too few trials to ever reject at α = 1e-6


def test_check_at_least_rejects_exactly_when_the_upper_bound_is_below_the_claim():
    ev = check_probability_at_least(480, 1000, 0.5)
    assert ev.upper >= 0.5 and ev.estimate == 0.48 and ev.trials == 1000
    d = ev.as_dict()
    assert d["interval"] == [ev.lower, ev.upper] and d["power_gap"] == ev.power_gap
    assert "0.99" in d["power_statement"]
    with pytest.raises(ClaimRejected, match="upper bound"):
        check_probability_at_least(400, 1000, 0.5)


def test_check_at_most_rejects_exactly_when_the_lower_bound_is_above_the_claim():
    ev = check_probability_at_most(520, 1000, 0.5)
    assert ev.lower <= 0.5 and ev.direction == "at_most"
    with pytest.raises(ClaimRejected, match="lower bound"):
        check_probability_at_most(600, 1000, 0.5)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: clopper_pearson_upper(11, 10, 1e-6), r"^k: successes must lie in \[0, n=10\]"),
        (lambda: clopper_pearson_upper(-1, 10, 1e-6), r"^k: successes must lie in \[0, n=10\]"),
        (lambda: clopper_pearson_lower(1, 0, 1e-6), r"^n: need at least one trial"),
        (lambda: clopper_pearson_lower(1.5, 10, 1e-6), r"^k: number of successes must be an integer"),
        (lambda: clopper_pearson_lower(1, 10, 0.0), r"^alpha: must lie in \(0, 0.5\)"),
        (lambda: clopper_pearson_lower(1, 10, float("nan")), r"^alpha: must lie in \(0, 0.5\), got nan"),
        (lambda: clopper_pearson_upper(1, 10, 0.5), r"^alpha: must lie in \(0, 0.5\)"),
        (lambda: check_probability_at_least(1, 10, 1.5), r"^bound: a probability bound must lie in \[0, 1\]"),
        (lambda: check_probability_at_least(1, 10, -0.1), r"^bound: a probability bound must lie in \[0, 1\]"),
        (lambda: check_probability_at_most(1, 10, float("nan")), r"^bound: .* got nan"),
        (lambda: check_probability_at_least(True, 10, 0.5), r"^k: number of successes must be an integer"),
        (lambda: check_probability_at_least(1, 10.0, 0.5), r"^n: number of trials must be an integer"),
        (lambda: detectable_violation(0, 0.5), r"^n: number of trials must be a positive integer"),
        (lambda: detectable_violation(10, 0.5, power=1.0), r"^power: must lie in \(0.5, 1\)"),
        (lambda: detectable_violation(10, 0.5, power=0.5), r"^power: must lie in \(0.5, 1\)"),
        (lambda: detectable_violation(10, 0.5, direction="sideways"), r"^direction: 'at_least' or 'at_most'"),
        (lambda: trial_seeds(-1, 3), r"^base_seed: must be a non-negative integer"),
        (lambda: trial_seeds(0, -3), r"^n_trials: must be a non-negative integer"),
        (lambda: run_trials(_uniform_trial, 3, 0, n_jobs=0), r"^n_jobs: a positive integer, -1 or None"),
        (lambda: run_trials(_uniform_trial, 3, 0, n_jobs=-2), r"^n_jobs: a positive integer, -1 or None"),
        (lambda: run_trials(_uniform_trial, 3, 0, chunk=0), r"^chunk: a positive integer"),
        (lambda: run_trials("not callable", 3, 0), r"^trial_fn: must be callable"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _rejection_probability(check, n: int, bound: float, p: float) -> float:
    """Exact P_p[the check of ``bound`` at n trials rejects]: the binomial mass of the rejecting counts."""
    reject = []
    for k in range(n + 1):
        try:
            check(k, n, bound)
        except ClaimRejected:
            reject.append(k)
    return float(sum(stats.binom.pmf(k, n, p) for k in reject))


@pytest.mark.parametrize("direction, check, sign", [
    ("at_least", check_probability_at_least, -1.0),
    ("at_most", check_probability_at_most, +1.0),
])
def test_recorded_power_is_the_detection_threshold_in_the_claims_direction(direction, check, sign):
    """power_gap Δ: a true p = bound ∓ Δ (in the direction that violates the claim) is rejected with
    probability ≥ 0.99, and one a little closer to the bound is not. Bound 0.3 is asymmetric, so
    the wrong direction gives a different Δ."""
    n, bound = 400, 0.3
    ev = check(int(round(bound * n)), n, bound)
    gap = ev.power_gap
    assert ev.direction == direction and 0.0 < gap < 0.3
    violating = bound + sign * gap
    assert _rejection_probability(check, n, bound, violating) >= 0.99 - 1e-12
    assert _rejection_probability(check, n, bound, violating - sign * 1e-3) < 0.99
    d = ev.as_dict()
    assert d["power"] == 0.99
    assert d["claimed"] == f"p {'≥' if sign < 0 else '≤'} 0.3"
    assert d["power_statement"].startswith(f"a true p = bound {'−' if sign < 0 else '+'} {gap:.4g} ")
    other = "at_most" if direction == "at_least" else "at_least"
    assert gap != detectable_violation(n, bound, direction=other)


def test_default_false_alarm_level_is_one_in_a_million():
    """At the default α = 1e-6 a count on the edge of the rejection region is accepted that
    α = 1e-5 would reject: a looser default would show here."""
    n, bound = 1000, 0.5
    k = next(k for k in range(n + 1) if clopper_pearson_upper(k, n, 1e-6) >= bound)
    assert clopper_pearson_upper(k, n, 1e-5) < bound
    ev = check_probability_at_least(k, n, bound)
    assert ev.alpha == 1e-6 and ev.as_dict()["confidence"] == 1.0 - 1e-6
    with pytest.raises(ClaimRejected, match="false-alarm probability 1e-05"):
        check_probability_at_least(k, n, bound, alpha=1e-5)
    ev = check_probability_at_most(n - k, n, bound)  # the mirror image
    assert ev.alpha == 1e-6
    with pytest.raises(ClaimRejected, match="false-alarm probability 1e-05"):
        check_probability_at_most(n - k, n, bound, alpha=1e-5)
    assert detectable_violation(n, bound) == detectable_violation(n, bound, 1e-6) != detectable_violation(n, bound, 1e-5)


def test_power_gap_is_infinite_when_no_count_can_reject():
    assert detectable_violation(1000, 0.0) == math.inf            # p ≥ 0 is never rejected
    assert detectable_violation(1000, 1.0, direction="at_most") == math.inf
    assert math.isfinite(detectable_violation(1000, 0.05))
    d = check_probability_at_least(3, 5, 0.5).as_dict()
    assert d["power_statement"] == "n = 5 is too small to ever reject p ≥ 0.5"


# ----------------------------------------------------------------------------- trials
def _uniform_trial(rng: np.random.Generator, index: int) -> tuple[int, float, list[float]]:
    """A trial whose result depends on its stream and index (module level: picklable)."""
    return index, float(rng.random()), rng.standard_normal(2).tolist()


def _scaled_trial(rng: np.random.Generator, index: int, scale: float) -> float:
    return scale * float(rng.standard_normal())


def test_trial_seeds_are_the_spawned_children_of_the_base_seed():
    a, b = trial_seeds(7, 5), np.random.SeedSequence(7).spawn(5)
    assert [s.spawn_key for s in a] == [s.spawn_key for s in b]
    assert [np.random.default_rng(s).random() for s in a] == [np.random.default_rng(s).random() for s in b]


def test_run_trials_is_identical_serial_and_in_two_processes_and_any_chunking():
    serial = run_trials(_uniform_trial, 37, 123, n_jobs=1)
    assert [r[0] for r in serial] == list(range(37))
    assert run_trials(_uniform_trial, 37, 123, n_jobs=2) == serial
    assert run_trials(_uniform_trial, 37, 123, n_jobs=2, chunk=5) == serial
    assert run_trials(_uniform_trial, 37, 123, n_jobs=1, chunk=1) == serial
    # a prefix of a longer run is the shorter run (trial i's stream depends only on i)
    assert run_trials(_uniform_trial, 50, 123, n_jobs=1)[:37] == serial
    assert run_trials(_uniform_trial, 37, 124, n_jobs=1) != serial
    assert run_trials(_uniform_trial, 0, 1) == []


def test_run_trials_accepts_partials_and_reports_progress_on_stderr(capsys):
    fn = functools.partial(_scaled_trial, scale=2.0)
    out = run_trials(fn, 40, 5, n_jobs=1, progress=True)
    assert out == [2.0 * x for x in run_trials(functools.partial(_scaled_trial, scale=1.0), 40, 5, n_jobs=1)]
    err = capsys.readouterr().err
    assert "40/40 trials" in err


@pytest.mark.parametrize(
    "n_workers,processes",
    [
        (1, True),  # one worker process: trials pickled to another interpreter (ci)
        (2, False),  # two in-process workers: the scheduler splits chunks between workers (ci)
        pytest.param(2, True, marks=pytest.mark.thorough),  # two processes: slower start-up
    ],
)
def test_run_trials_on_a_dask_local_cluster_matches_joblib(monkeypatch, n_workers, processes):
    distributed = pytest.importorskip("distributed")
    monkeypatch.delenv(DASK_SCHEDULER_ENV, raising=False)
    expected = run_trials(_uniform_trial, 29, 11, n_jobs=1)
    with distributed.LocalCluster(
        n_workers=n_workers, threads_per_worker=2, processes=processes, dashboard_address=None
    ) as cluster:
        assert run_trials(_uniform_trial, 29, 11, scheduler=cluster.scheduler_address) == expected
        assert run_trials(_uniform_trial, 29, 11, scheduler=cluster.scheduler_address, chunk=3) == expected
        # the environment variable set by `overspec verify --dask-scheduler ADDR`
        monkeypatch.setenv(DASK_SCHEDULER_ENV, cluster.scheduler_address)
        assert run_trials(_uniform_trial, 29, 11) == expected
        monkeypatch.delenv(DASK_SCHEDULER_ENV)
    assert run_trials(_uniform_trial, 29, 11, n_jobs=2) == expected


def _pid_trial(rng: np.random.Generator, index: int) -> int:
    return os.getpid()


def test_run_trials_runs_serially_in_this_process_only_when_asked():
    """n_jobs=1 (or a single trial) runs here; n_jobs=2 and n_jobs=-1 (all cores) use worker processes."""
    assert set(run_trials(_pid_trial, 4, 0, n_jobs=1)) == {os.getpid()}
    assert set(run_trials(_pid_trial, 1, 0, n_jobs=2)) == {os.getpid()}
    assert os.getpid() not in set(run_trials(_pid_trial, 4, 0, n_jobs=2))
    if (os.cpu_count() or 1) > 1:
        assert os.getpid() not in set(run_trials(_pid_trial, 4, 0, n_jobs=-1))
