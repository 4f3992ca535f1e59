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
import sympy as sp

from overspec.testing import ClaimRejected
from theory.khatri_rao import (
    differentiable_point_ranks,
    generic_full_rank_witness,
    exact_rank,
    khatri_rao,
    random_rational_matrix,
    rank_profile,
    slope_matrix,
)

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


# ------------------------------------------------ the hypothesis of Soudry & Carmon's step
LEAKY = sp.Rational(1, 10)
SC_CASES = [(2, 3, 6), (10, 2, 20)]   # m·d = n: full rank generically for a free A
SC_DRAWS = 10


def check_rank_at_differentiable_points(m: int, d: int, n: int, negative_slope, noise: bool,
                                        draws: int = SC_DRAWS) -> dict:
    """Claim check: 'Ge = 0 forces e = 0' needs rank(A∘X) = n at the differentiable point, with A
    the units' slopes there (not a free matrix). ClaimRejected with the first rank-deficient
    draw (an exact rational counterexample) if any draw has rank < n."""
    out = differentiable_point_ranks(m, d, n, draws, negative_slope=negative_slope, noise=noise)
    w = out["first_deficient"]
    if w is not None:
        exc = ClaimRejected(
            f"(m, d, n) = ({m}, {d}, {n}), slope {negative_slope} below 0, noise {noise}: rank(A∘X) = "
            f"{w['rank']} < n at draw {w['draw']} (seed {w['seed']}); full rank in "
            f"{out['full_rank_draws']} of {draws} draws")
        exc.witness = out  # the counterexample's numbers, for the ledger
        raise exc
    return out


@pytest.mark.claim("REV.soudry-carmon", kind="exact")
@pytest.mark.parametrize("m, d, n", SC_CASES)
def test_leaky_units_with_multiplicative_noise_give_full_rank(evidence, m, d, n):
    """With leaky slopes (ρ = 1/10) and the multiplicative noise ε, A = ε ⊙ S with S free of zeros:
    given X and the sign pattern, ε ↦ A is an invertible diagonal map, so A is as generic as a
    free matrix and the Khatri–Rao fact applies (rank n a.s. for m·d ≥ n); exact ranks agree."""
    out = check_rank_at_differentiable_points(m, d, n, LEAKY, noise=True)
    assert out["full_rank_draws"] == SC_DRAWS
    evidence.record(**{k: out[k] for k in ("m", "d", "n", "draws", "negative_slope", "noise", "full_rank_draws")})


@pytest.mark.claim("REV.soudry-carmon", kind="exact", control=True)
@pytest.mark.parametrize("m, d, n", SC_CASES)
@pytest.mark.parametrize("negative_slope, noise", [(0, False), (LEAKY, False)],
                         ids=["relu-no-noise", "leaky-no-noise"])
def test_without_the_noise_m_d_at_least_n_does_not_give_full_rank(evidence, m, d, n, negative_slope, noise):
    """Mutation: the corrected statement without its hypothesis (plain ReLU 0/1 slopes, or leaky
    slopes without the noise). The slopes then depend on X through the sign pattern only, points
    of one pattern cell share a column factor a, and A∘X is rank-deficient in most draws (for
    (10, 2, 20) in every one): the same exact-rank check rejects it with a rational witness."""
    with pytest.raises(ClaimRejected, match=rf"^\(m, d, n\) = \({m}, {d}, {n}\).*rank\(A∘X\) = \d+ < n") as exc:
        check_rank_at_differentiable_points(m, d, n, negative_slope, noise)
    out = exc.value.witness
    assert out["first_deficient"]["rank"] < n
    evidence.record(mutation=f"hypothesis dropped: slope {negative_slope} below 0, noise {noise}",
                    rejected=True, full_rank_draws=out["full_rank_draws"], draws=SC_DRAWS,
                    first_deficient=out["first_deficient"])


def test_slope_matrix_is_the_units_slopes_and_rejects_kinks():
    W = sp.Matrix([[1, -1], [2, 1]])
    X = sp.Matrix([[1, -1], [1, 3]])           # W·X = [[0, …]] has a kink: rejected
    with pytest.raises(ValueError, match="^W, X: a pre-activation is exactly 0"):
        slope_matrix(W, X)
    X = sp.Matrix([[2, -1], [1, 3]])           # W·X = [[1, −4], [5, 1]]
    assert slope_matrix(W, X) == sp.Matrix([[1, 0], [1, 1]])
    assert slope_matrix(W, X, LEAKY) == sp.Matrix([[1, LEAKY], [1, 1]])
    eps = sp.Matrix([[2, 3], [5, 7]])
    assert slope_matrix(W, X, LEAKY, eps) == sp.Matrix([[2, 3 * LEAKY], [5, 7]])
    with pytest.raises(ValueError, match="^noise: expected shape"):
        slope_matrix(W, X, LEAKY, sp.Matrix([[1, 2]]))
    with pytest.raises(ValueError, match="^W, X: W has 2 inputs"):
        slope_matrix(W, sp.Matrix([[1, 2, 3]]))


def test_schwartz_zippel_bound_matches_the_range_of_the_draws():
    """The recorded bound deg/|S| uses |S| = 2·10⁶ + 1 numerators: the draws must span that range."""
    w = generic_full_rank_witness(2, 2, 3)
    assert w["schwartz_zippel_bound"] == sp.Rational(2 * 3, 2 * 10**6 + 1)
    M = random_rational_matrix(20, 20, seed=3)
    assert max(abs(e.p) for e in M) > 10**5 and all(abs(e.p) <= 10**6 and 1 <= e.q for e in M)


# ------------------------------------------------ the pieces: draws, witnesses, argument checks
import importlib  # noqa: E402
import random  # noqa: E402

kr = importlib.import_module("theory.khatri_rao")  # the module (theory.khatri_rao is also a function's name)


def test_random_rational_matrix_is_the_documented_seeded_draw():
    """Row by row from random.Random(seed): p = randint(−size, size), q = randint(1, 1000). With
    seed 1 the 138th q drawn is 1000, the top of its range (so the range's end is exercised)."""
    rng = random.Random(11)
    want = [sp.Rational(rng.randint(-50, 50), rng.randint(1, 1000)) for _ in range(12)]
    assert list(random_rational_matrix(3, 4, seed=11, size=50)) == want
    rng = random.Random(1)
    pq = [(rng.randint(-50, 50), rng.randint(1, 1000)) for _ in range(150)]
    assert pq[137][1] == 1000
    assert list(random_rational_matrix(10, 15, seed=1, size=50)) == [sp.Rational(p, q) for p, q in pq]


def test_khatri_rao_and_exact_rank_refuse_what_they_cannot_handle():
    with pytest.raises(ValueError, match="^X: zero data points"):
        khatri_rao(sp.zeros(2, 0), sp.zeros(3, 0))
    with pytest.raises(ValueError, match="^M: exact rank needs rational entries"):
        exact_rank(sp.Matrix([[1, sp.sqrt(2)], [0, 1]]))


def test_witness_search_reports_its_seed_and_first_successful_try():
    w = generic_full_rank_witness(2, 2, 3)
    assert (w["seed"], w["tries"], w["rank"]) == (0, 1, 3)
    p = rank_profile(2, 2, 3)
    assert p["seed"] == 0 and p["tries"] == 1


def test_witness_search_gives_up_after_five_distinct_degenerate_draws(monkeypatch):
    """Every draw degenerate (zero matrices): five tries (default), each with its own seeds for A
    and X, then a RuntimeError — never a silent number."""
    seeds = []

    def zero(rows, cols, seed, size=10**6):
        seeds.append(seed)
        return sp.zeros(rows, cols)

    monkeypatch.setattr(kr, "random_rational_matrix", zero)
    with pytest.raises(RuntimeError, match=r"^no rational instance with rank min\(md, n\) = 3"):
        generic_full_rank_witness(2, 2, 3, seed=1)
    assert len(seeds) == 10 and len(set(seeds)) == 10


@pytest.mark.parametrize("args, name", [((2, 2, 0), "n"), ((2.0, 2, 2), "m"), ((2, -1, 2), "d")])
def test_rank_profile_names_a_size_that_is_not_a_positive_integer(args, name):
    with pytest.raises(ValueError, match=f"^{name}: need a positive integer"):
        rank_profile(*args)


@pytest.mark.parametrize("m, d, n, md_ge_n, m_gt_dn", [
    (2, 3, 6, True, False),    # md = n: full rank without m > dn
    (3, 1, 2, True, True),
    (1, 2, 3, False, False),
])
def test_rank_profile_evaluates_both_conditions(m, d, n, md_ge_n, m_gt_dn):
    p = rank_profile(m, d, n)
    assert (p["md_ge_n"], p["m_gt_dn"], p["upper_bound_rows"]) == (md_ge_n, m_gt_dn, m * d)
    assert p["generic_rank"] == min(m * d, n) and p["full_column_rank"] is md_ge_n


def test_differentiable_point_ranks_defaults_are_plain_relu_without_noise_seed_zero():
    out = differentiable_point_ranks(2, 1, 3, 1)
    assert out["negative_slope"] == "0" and out["noise"] is False
    assert out == differentiable_point_ranks(2, 1, 3, 1, negative_slope=0, noise=False, seed=0)
    assert differentiable_point_ranks(10, 2, 20, 1)["first_deficient"] == {"draw": 0, "seed": 0, "rank": 12}


def test_rank_deficient_witness_is_reproducible_from_its_seed():
    """The counterexample recorded in the ledger for leaky units without noise, (m, d, n) = (2, 3, 6):
    5 of 10 draws full rank, the first deficient one draw 2 with seed 6 and rank 5 — and W, X
    re-drawn from that seed alone (W from seed, X from seed + 1) give that rank again."""
    out = differentiable_point_ranks(2, 3, 6, SC_DRAWS, negative_slope=LEAKY)
    w = out["first_deficient"]
    assert w == {"draw": 2, "seed": 6, "rank": 5} and out["full_rank_draws"] == 5
    W = random_rational_matrix(2, 3, seed=w["seed"])
    X = random_rational_matrix(3, 6, seed=w["seed"] + 1)
    assert exact_rank(khatri_rao(slope_matrix(W, X, LEAKY), X)) == w["rank"] < 6
