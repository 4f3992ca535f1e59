"""BDAY.23 — P[two of 23 share a birthday] ≥ 1/2, by Monte Carlo with an exact binomial bound.

The check counts coincidences in 20 000 simulated groups (fixed seed) and rejects the claim when
the one-sided Clopper–Pearson upper bound (false alarm 1e-6) falls below the claimed bound; the
negative control asks the same check to accept a bound the truth (0.5073) is below.
"""

from fractions import Fraction
from functools import partial
from math import prod

import numpy as np
import pytest

from numerics.montecarlo import check_probability_at_least, run_trials
from overspec.testing import ClaimRejected

PEOPLE, DAYS = 23, 365
BLOCK, BLOCKS, SEED = 1000, 20, 1939


def coincidences(rng: np.random.Generator, i: int, people: int = PEOPLE) -> int:
    """How many of BLOCK groups of ``people`` have two equal birthdays."""
    days = np.sort(rng.integers(0, DAYS, size=(BLOCK, people)), axis=1)
    return int(np.any(days[:, 1:] == days[:, :-1], axis=1).sum())


def check_birthday(bound: float) -> dict:
    hits = sum(run_trials(partial(coincidences), BLOCKS, SEED, n_jobs=1))
    return check_probability_at_least(hits, BLOCK * BLOCKS, bound).as_dict()


def exact_probability(people: int = PEOPLE) -> Fraction:
    return 1 - prod(Fraction(DAYS - k, DAYS) for k in range(people))


@pytest.mark.claim("BDAY.23", kind="statistical")
def test_two_of_23_share_a_birthday_with_probability_at_least_one_half(evidence):
    evidence.record(**check_birthday(0.5), seed=SEED, exact=float(exact_probability()))


@pytest.mark.claim("BDAY.23", kind="statistical", control=True)
def test_a_bound_above_the_truth_is_rejected(evidence):
    assert exact_probability() < Fraction(55, 100)  # the mutated claim is false
    with pytest.raises(ClaimRejected):
        check_birthday(0.55)
