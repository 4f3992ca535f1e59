"""REV.soudry-carmon (erratum): G = A∘X has full column rank n generically iff m·d ≥ n.

Exact ranks over Q (one rational instance reaching rank n proves rank n almost everywhere: a
non-zero minor is a non-zero polynomial), the row-count bound for m·d < n, numerical SVD ranks on
generic float data, and the transcribed condition "m > dn" shown not to be the threshold.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import numpy as np
import pytest

from overspec.testing import ClaimRejected
from theory.khatri_rao import exact_rank, khatri_rao, random_rational_matrix, rank_profile

GRID = [(m, d, n) for m in range(1, 5) for d in range(1, 5) for n in sorted({1, max(1, m * d - 1), m * d, m * d + 1, m * d + 3})]

Condition = Callable[[int, int, int], bool]


@lru_cache(maxsize=None)
def _profile(m: int, d: int, n: int) -> dict:
    """rank_profile, computed once per grid point for all the checks of this module (deterministic)."""
    return rank_profile(m, d, n)


def check_full_rank_condition(condition: Condition, grid=GRID) -> dict:
    """Claim check: 'G = A∘X has full column rank n generically ⇔ condition(m, d, n)' on every grid point."""
    profiles = [_profile(m, d, n) for m, d, n in grid]
    bad = [p for p in profiles if p["full_column_rank"] != condition(p["m"], p["d"], p["n"])]
    if bad:
        ex = ", ".join(f"(m={p['m']}, d={p['d']}, n={p['n']}): generic rank {p['generic_rank']}" for p in bad[:4])
        raise ClaimRejected(f"{len(bad)} of {len(profiles)} cases contradict the condition, e.g. {ex}")
    return {"cases": len(profiles), "profiles": profiles}


@pytest.mark.claim("REV.soudry-carmon", kind="symbolic")
def test_full_column_rank_exactly_when_md_at_least_n(evidence):
    out = check_full_rank_condition(lambda m, d, n: m * d >= n)
    ps = out["profiles"]
    assert all(p["generic_rank"] == min(p["m"] * p["d"], p["n"]) for p in ps)
    evidence.record(
        cases=out["cases"],
        grid="m, d ∈ 1..4; n ∈ {1, md − 1, md, md + 1, md + 3}",
        full_rank_cases=sum(p["full_column_rank"] for p in ps),
        ranks={f"{p['m']},{p['d']},{p['n']}": p["generic_rank"] for p in ps},
        max_schwartz_zippel_bound=max(p["schwartz_zippel_bound"] for p in ps),
        argument="md < n: rank ≤ md rows < n for every data set; md ≥ n: a rational instance of rank n"
        " (exact, over Q) makes an n×n minor a non-zero polynomial, so rank n almost everywhere",
    )


@pytest.mark.claim("REV.soudry-carmon", kind="symbolic")
def test_transcribed_condition_m_greater_than_dn_is_not_the_threshold(evidence):
    """Printed: 'if m > dn'. It implies md ≥ n (sufficient), but full rank already holds with m ≤ dn."""
    with pytest.raises(ClaimRejected):
        check_full_rank_condition(lambda m, d, n: m > d * n)
    ps = [_profile(m, d, n) for m, d, n in GRID]
    counter = [p for p in ps if p["full_column_rank"] and not p["m_gt_dn"]]
    assert any(p["m_gt_dn"] for p in ps)
    assert counter and all(p["md_ge_n"] for p in ps if p["m_gt_dn"])  # m > dn ⇒ md ≥ n on the grid
    assert all(p["full_column_rank"] for p in ps if p["m_gt_dn"])
    evidence.record(
        printed="m > dn",
        full_rank_without_m_gt_dn=[f"m={p['m']}, d={p['d']}, n={p['n']}" for p in counter][:10],
        n_counterexamples=len(counter),
        printed_condition_sufficient=True,
        remark="m > dn ⇒ md > d²n ≥ n, so the printed condition is sufficient; the proof's own fact (n ≤ bc) gives md ≥ n",
    )


@pytest.mark.claim("REV.soudry-carmon", kind="numerical")
def test_numerical_rank_of_generic_float_data(evidence):
    rng = np.random.default_rng(7)
    worst_gap, rel_threshold = np.inf, 0.0
    for m, d, n in GRID:
        A = rng.standard_normal((m, n))
        X = rng.standard_normal((d, n))
        G = np.einsum("in,jn->ijn", A, X).reshape(m * d, n)  # column i = a_i ⊗ x_i
        s = np.linalg.svd(G, compute_uv=False)
        tol = s.max() * max(G.shape) * np.finfo(float).eps
        rank = int((s > tol).sum())
        assert rank == min(m * d, n), (m, d, n, s)
        if rank == n:
            worst_gap = min(worst_gap, float(s.min() / tol))
        rel_threshold = max(rel_threshold, max(G.shape) * np.finfo(float).eps)
    evidence.record(seed=7, cases=len(GRID), min_sigma_min_over_threshold=worst_gap)
    evidence.tolerance("rank_threshold", rel_threshold, "relative to σ_max, largest over the grid: numpy's default"
                       " σ > σ_max·max(md, n)·eps (the SVD's backward error); the full-rank cases clear it by the"
                       " recorded factor min_sigma_min_over_threshold")


@pytest.mark.claim("REV.soudry-carmon", kind="symbolic", control=True)
@pytest.mark.parametrize("name, condition", [("md ≥ n − 1", lambda m, d, n: m * d >= n - 1),
                                             ("m + d ≥ n", lambda m, d, n: m + d >= n)])
def test_wrong_thresholds_are_rejected(evidence, name, condition):
    with pytest.raises(ClaimRejected):
        check_full_rank_condition(condition)
    evidence.record(mutation=f"threshold m·d ≥ n → {name}", rejected=True)


def test_khatri_rao_columns_are_kronecker_products():
    A = random_rational_matrix(2, 3, seed=1)
    X = random_rational_matrix(3, 3, seed=2)
    G = khatri_rao(A, X)
    assert G.shape == (6, 3)
    for i in range(3):
        assert list(G[:, i]) == [A[k, i] * X[p, i] for k in range(2) for p in range(3)]
    assert exact_rank(G) == 3


def test_bad_input_is_a_value_error():
    with pytest.raises(ValueError, match="A, X"):
        khatri_rao(random_rational_matrix(2, 3, 0), random_rational_matrix(2, 4, 0))
    with pytest.raises(ValueError, match="n"):
        rank_profile(2, 2, 0)
