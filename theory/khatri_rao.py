"""The rank of the Khatri–Rao gradient matrix G = A∘X (claim REV.soudry-carmon).

REV §4.1, Theorem 3 (Soudry & Carmon): with m hidden nodes, d inputs and n samples, a
differentiable local minimum satisfies Ge = 0 with

    G = A∘X = [a_1 ⊗ x_1, …, a_n ⊗ x_n] ∈ R^{md×n}   (a_i ∈ R^m: activation slopes at sample i),

so e = 0 (a global minimum) when G has full column rank n. The proof quotes the fact: for
B ∈ R^{b×n}, C ∈ R^{c×n} with n ≤ bc, rank(B∘C) = n almost everywhere. Hence the condition is
m·d ≥ n; the transcription prints "m > dn".

Exact facts computed here (pure SymPy, rational arithmetic via DomainMatrix over QQ):

* rank G ≤ min(md, n) always (G has md rows): for md < n no data set gives full column rank.
* For md ≥ n, ONE rational instance with rank G = n proves that some n×n minor of G is a
  non-zero polynomial in the entries of (A, X); it vanishes only on a proper algebraic subset
  (Lebesgue-null), so rank G = n almost everywhere — an exact proof of the generic statement, not
  a sample. The instance is searched deterministically (seeded rationals).
* "m > dn" implies md ≥ n (md > d²n ≥ n), so the printed condition is sufficient; it is not the
  theorem's: full rank holds already at md = n with m ≤ dn.

Scope: generic (A, X) as in the quoted fact. For a network, A is not free: a_i are the units'
slopes at x_i and depend on X through the sign pattern. :func:`differentiable_point_ranks`
computes the exact rank at seeded random differentiable points: with Soudry & Carmon's leaky
units and multiplicative noise (A = ε ⊙ σ'(WX), no zero slope) the map ε ↦ A is an invertible
diagonal map given X, so A is as generic as a free matrix and the fact applies; with plain ReLU
0/1 slopes (or leaky slopes) and no noise, points of one pattern cell share their column factor
and m·d ≥ n leaves A∘X rank-deficient in most draws (claim REV.soudry-carmon, corrected text).
"""

from __future__ import annotations

import random
from typing import Any

import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix

__all__ = [
    "khatri_rao",
    "exact_rank",
    "random_rational_matrix",
    "generic_full_rank_witness",
    "rank_profile",
    "slope_matrix",
    "differentiable_point_ranks",
]


def khatri_rao(A: sp.Matrix, X: sp.Matrix) -> sp.Matrix:
    """Column-wise Kronecker product: column i is a_i ⊗ x_i (A: m × n, X: d × n → md × n)."""
    A, X = sp.Matrix(A), sp.Matrix(X)
    if A.cols != X.cols:
        raise ValueError(f"A, X: need the same number of columns (samples), got {A.cols} and {X.cols}")
    if A.cols == 0:
        raise ValueError("X: zero data points")
    m, d = A.rows, X.rows
    return sp.Matrix(m * d, A.cols, lambda r, i: A[r // d, i] * X[r % d, i])


def exact_rank(M: sp.Matrix) -> int:
    """Rank over Q (exact; DomainMatrix over QQ). Non-rational entries are a ValueError."""
    M = sp.Matrix(M)
    if any(not e.is_Rational for e in M):
        raise ValueError("M: exact rank needs rational entries")
    return DomainMatrix.from_Matrix(M).convert_to(QQ).rank()


def random_rational_matrix(rows: int, cols: int, seed: int, size: int = 10**6) -> sp.Matrix:
    """Seeded random rationals p/q, p uniform in [−size, size], q uniform in [1, 1000]."""
    rng = random.Random(seed)
    return sp.Matrix(rows, cols, lambda i, j: sp.Rational(rng.randint(-size, size), rng.randint(1, 1000)))


def generic_full_rank_witness(m: int, d: int, n: int, seed: int = 0, tries: int = 5) -> dict:
    """A rational (A, X) with rank(A∘X) = min(md, n), searched over seeds seed, seed+1, ….

    Returns the seed used, the rank, the number of tries, and the Schwartz–Zippel bound on the
    chance that a seeded draw is degenerate once the relevant minor is known to be a non-zero
    polynomial (degree 2·min(md, n) in the entries, values from a set of ≥ 2·10^6 numerators).
    Raises RuntimeError if no try reaches min(md, n) (never a silent number).
    """
    for k in range(tries):
        A = random_rational_matrix(m, n, seed=10_000 * seed + 2 * k)
        X = random_rational_matrix(d, n, seed=10_000 * seed + 2 * k + 1)
        r = exact_rank(khatri_rao(A, X))
        if r == min(m * d, n):
            return {"m": m, "d": d, "n": n, "rank": r, "seed": seed, "tries": k + 1,
                    "schwartz_zippel_bound": sp.Rational(2 * min(m * d, n), 2 * 10**6 + 1)}
    raise RuntimeError(f"no rational instance with rank min(md, n) = {min(m * d, n)} found for m={m}, d={d}, n={n}")


def rank_profile(m: int, d: int, n: int, seed: int = 0) -> dict:
    """Exact generic rank of A∘X and what it says about full column rank.

    ``generic_rank`` = min(md, n) certified by a witness (upper bound: row count; lower bound: a
    rational instance reaching it), ``full_column_rank`` = generic_rank == n, together with the
    two candidate conditions evaluated: ``md_ge_n`` (m·d ≥ n) and ``m_gt_dn`` (m > d·n, as printed).
    """
    for name, v in (("m", m), ("d", d), ("n", n)):
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"{name}: need a positive integer, got {v!r}")
    w = generic_full_rank_witness(m, d, n, seed)
    return {**w, "generic_rank": w["rank"], "full_column_rank": w["rank"] == n,
            "md_ge_n": m * d >= n, "m_gt_dn": m > d * n, "upper_bound_rows": m * d}


def slope_matrix(W: sp.Matrix, X: sp.Matrix, negative_slope: Any = 0, noise: sp.Matrix | None = None) -> sp.Matrix:
    """A = [ε_ki·σ'(w_kᵀx_i)] ∈ Q^{m×n}: the activation slopes of m (leaky) ReLU units at n samples.

    σ'(z) = 1 for z > 0 and ``negative_slope`` for z < 0 (0: plain ReLU; ρ ∉ {0, 1}: Soudry &
    Carmon's leaky units), times the multiplicative noise ε_ki when ``noise`` is given (their
    dropout-like noise). ValueError at z = 0 (not a differentiable point).
    """
    W, X = sp.Matrix(W), sp.Matrix(X)
    if W.cols != X.rows:
        raise ValueError(f"W, X: W has {W.cols} inputs, X has {X.rows} rows")
    Z = W * X
    if any(z == 0 for z in Z):
        raise ValueError("W, X: a pre-activation is exactly 0 (not a differentiable point)")
    rho = sp.Rational(negative_slope)
    A = Z.applyfunc(lambda z: sp.Integer(1) if z > 0 else rho)
    if noise is not None:
        noise = sp.Matrix(noise)
        if noise.shape != A.shape:
            raise ValueError(f"noise: expected shape {A.shape}, got {noise.shape}")
        A = A.multiply_elementwise(noise)
    return A


def differentiable_point_ranks(m: int, d: int, n: int, draws: int, negative_slope: Any = 0,
                               noise: bool = False, seed: int = 0) -> dict:
    """Exact ranks of G = A∘X at ``draws`` seeded random differentiable points (W, X[, ε]).

    Here A is not a free matrix: its entries are the units' slopes at the data, so it depends
    on X. Counts the draws with rank n and records the first rank-deficient one (its seed and
    rank) as a witness. Entries are seeded rationals (:func:`random_rational_matrix`); the
    noise ε is positive (numerators in [1, 10^6]).
    """
    full, witness = 0, None
    for k in range(draws):
        s = 1_000_003 * seed + 3 * k
        W = random_rational_matrix(m, d, seed=s)
        X = random_rational_matrix(d, n, seed=s + 1)
        eps = (random_rational_matrix(m, n, seed=s + 2).applyfunc(lambda e: abs(e) + sp.Rational(1, 1000))
               if noise else None)
        r = exact_rank(khatri_rao(slope_matrix(W, X, negative_slope, eps), X))
        if r == n:
            full += 1
        elif witness is None:
            witness = {"draw": k, "seed": s, "rank": r}
    return {"m": m, "d": d, "n": n, "draws": draws, "negative_slope": str(negative_slope), "noise": noise,
            "full_rank_draws": full, "first_deficient": witness}
