"""numerics.montecarlo: argument types and ranges at their edges, the record of the evidence, progress.

Supports every statistical claim (the ``statistical`` rung of CLAIMS.md). Oracles: the documented
argument rules (integers are ints or NumPy integers but not bools; levels are real numbers, not
strings, complex numbers or bools), closed forms of the Clopper–Pearson bounds at k = 0 and k = n
(1 − α^{1/n}, α^{1/n}), and the documented ~20 progress lines per sweep.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from numerics.montecarlo import (
    check_probability_at_least,
    check_probability_at_most,
    clopper_pearson_lower,
    clopper_pearson_upper,
    detectable_violation,
    run_trials,
    trial_seeds,
)


def _draw(rng: np.random.Generator, index: int) -> float:
    return float(rng.random())


@pytest.mark.parametrize("alpha", ["0.01", 1j, True, np.bool_(True), None])
def test_alpha_must_be_a_real_number(alpha):
    with pytest.raises(ValueError, match="^alpha: a false-alarm level must be a real number"):
        clopper_pearson_upper(1, 10, alpha)


@pytest.mark.parametrize("alpha", [math.inf, -1e-3, 0.5, 0.0])
def test_alpha_must_lie_strictly_between_zero_and_one_half(alpha):
    with pytest.raises(ValueError, match=r"^alpha: must lie in \(0, 0.5\)"):
        clopper_pearson_lower(1, 10, alpha)


def test_real_levels_of_other_numeric_types_are_accepted():
    ref = clopper_pearson_upper(0, 10, 0.01)
    assert ref == pytest.approx(1 - 0.01 ** 0.1, rel=1e-12, abs=0)
    assert clopper_pearson_upper(0, 10, Fraction(1, 100)) == ref
    assert clopper_pearson_upper(0, 10, np.float32(0.25)) == pytest.approx(1 - 0.25 ** 0.1, rel=1e-6, abs=0)
    assert clopper_pearson_upper(np.int64(0), np.int64(10), 0.01) == ref
    assert clopper_pearson_lower(np.int32(10), 10, 0.4999) == pytest.approx(0.4999 ** 0.1, rel=1e-12, abs=0)
    assert check_probability_at_least(5, 10, Fraction(1, 2)).bound == 0.5


@pytest.mark.parametrize("bound", ["half", 1j, True, math.inf, -math.inf])
def test_bound_must_be_a_finite_real_number(bound):
    with pytest.raises(ValueError, match="^bound: a probability bound must"):
        check_probability_at_most(1, 10, bound)


def test_bounds_zero_and_one_are_valid_claims():
    assert check_probability_at_least(0, 10, 0.0).bound == 0.0  # p ≥ 0 is never rejected
    assert check_probability_at_most(10, 10, 1.0).bound == 1.0  # p ≤ 1 neither
    ev = check_probability_at_most(3, 5, 0.5)
    assert ev.as_dict()["power_statement"] == "n = 5 is too small to ever reject p ≤ 0.5"


@pytest.mark.parametrize("k, n, match", [
    (1, True, "^n: number of trials must be an integer"),
    (np.bool_(True), 10, "^k: number of successes must be an integer"),
    (1, "10", "^n: number of trials must be an integer"),
    (0, -1, "^n: need at least one trial"),
    (11, 10, r"^k: successes must lie in \[0, n=10\]"),
])
def test_counts_must_be_integers_in_range(k, n, match):
    with pytest.raises(ValueError, match=match):
        clopper_pearson_lower(k, n, 0.01)


def test_count_edges_use_the_closed_forms():
    assert clopper_pearson_lower(0, 1, 0.01) == 0.0 and clopper_pearson_upper(1, 1, 0.01) == 1.0
    assert clopper_pearson_upper(0, 1, 0.01) == pytest.approx(0.99, rel=1e-14, abs=0)
    assert clopper_pearson_lower(1, 1, 0.01) == pytest.approx(0.01, rel=1e-12, abs=0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=True, bound=0.5), "^n: number of trials must be a positive integer"),
    (dict(n=10.0, bound=0.5), "^n: number of trials must be a positive integer"),
    (dict(n=-3, bound=0.5), "^n: number of trials must be a positive integer"),
    (dict(n=10, bound=1.5), "^bound:"),
    (dict(n=10, bound=0.5, alpha=0.7), "^alpha:"),
    (dict(n=10, bound=0.5, power=math.nan), r"^power: must lie in \(0.5, 1\)"),
    (dict(n=10, bound=0.5, power=math.inf), r"^power: must lie in \(0.5, 1\)"),
])
def test_detectable_violation_checks_its_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        detectable_violation(**kwargs)


def test_detectable_violation_defaults_and_integer_types():
    d = detectable_violation(1000, 0.5)
    assert d == detectable_violation(np.int64(1000), 0.5, 1e-6, 0.99, direction="at_least")
    assert d != detectable_violation(1000, 0.5, power=0.9) and d > detectable_violation(1000, 0.5, power=0.9)
    assert detectable_violation(1, 0.5) == math.inf  # one trial never rejects p ≥ ½ at α = 1e-6
    assert detectable_violation(1, 1.0) == pytest.approx(0.99, rel=1e-12, abs=0)  # one failure rejects p ≥ 1


@pytest.mark.parametrize("base, n, match", [
    (True, 3, "^base_seed:"), (1.0, 3, "^base_seed:"), (0, True, "^n_trials:"), (0, 2.0, "^n_trials:"),
])
def test_trial_seeds_checks_its_arguments(base, n, match):
    with pytest.raises(ValueError, match=match):
        trial_seeds(base, n)


def test_trial_seeds_accept_numpy_integers_and_zero():
    assert trial_seeds(np.int64(3), np.int32(0)) == []
    assert len(trial_seeds(0, 4)) == 4


@pytest.mark.parametrize("n", [100, 7, 1])
def test_progress_prints_at_most_twenty_lines_ending_with_the_total(capsys, n):
    run_trials(_draw, n, 0, n_jobs=1, progress=True)
    lines = capsys.readouterr().err.strip().splitlines()
    assert 1 <= len(lines) <= 20 and lines[-1] == f"run_trials: {n}/{n} trials"
    done = [int(line.split(": ")[1].split("/")[0]) for line in lines]
    assert done == sorted(set(done))  # increasing, no repeats
    if n == 100:  # steps of 100 // 20 = 5 trials, one chunk of 5 at a time
        assert done == list(range(5, 101, 5))


def test_no_progress_unless_asked(capsys):
    run_trials(_draw, 30, 0, n_jobs=1)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("n_jobs, chunk", [(1.5, None), (None, 2.0), (None, True), (True, None)])
def test_run_trials_checks_n_jobs_and_chunk_types(n_jobs, chunk):
    with pytest.raises(ValueError, match="^(n_jobs|chunk):"):
        run_trials(_draw, 3, 0, n_jobs=n_jobs, chunk=chunk)


@pytest.mark.parametrize("n, expected", [
    (100, list(range(5, 101, 5))),  # step 100 // 20 = 5
    (45, list(range(2, 45, 2)) + [45]),  # step 2, and the total at the end
    (7, list(range(1, 8))),  # step max(1, 7 // 20) = 1
])
def test_progress_lines_one_trial_at_a_time(capsys, n, expected):
    """With chunk=1 the sweep advances one trial at a time: a line every total // 20 trials (at least
    every trial) and one for the last trial."""
    run_trials(_draw, n, 0, n_jobs=1, chunk=1, progress=True)
    lines = capsys.readouterr().err.strip().splitlines()
    assert [int(line.split(": ")[1].split("/")[0]) for line in lines] == expected
    assert all(line.endswith(f"/{n} trials") for line in lines)
