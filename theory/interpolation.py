"""Zhang et al.'s exact interpolation by a two-layer ReLU net (claim REV.interpolation).

REV §2, Theorem 2: a two-layer ReLU net with 2n + d weights,

    f(x) = Σ_{j=1}^n v_j·max(wᵀx − b_j, 0),   w ∈ R^d, b ∈ R^n, v ∈ R^n,

fits any n distinct points x_1..x_n ∈ R^d and any targets y exactly. Construction: pick w with
distinct projections z_i = wᵀx_i; relabel so z_1 < … < z_n; interleave b_1 < z_1 < b_2 < z_2 < …
< b_n < z_n; then A = [max(z_i − b_j, 0)]_{ij} is lower triangular (b_j > z_i for j > i) with
diagonal z_i − b_i > 0, so its eigenvalues are z_i − b_i (smallest min_i(z_i − b_i)) and y = Av
has a unique solution v.

Everything here is exact (SymPy Rationals). :func:`construction_report` computes — it does not
assume — each property: triangularity of A from its entries, the characteristic polynomial of A
against Π(λ − (z_i − b_i)), det A, the solution of y = Av and the network's value at every x_i.
Given biases that do not interleave, the same report shows where the construction breaks.

The direction w is taken on the moment curve w(s) = (1, s, …, s^{d−1}): for x_i ≠ x_k,
(x_i − x_k)ᵀw(s) is a non-zero polynomial of degree ≤ d − 1 in s, so at most (d − 1)·n(n−1)/2
integers s fail and the search below always ends.
"""

from __future__ import annotations

from typing import Sequence

import sympy as sp

__all__ = [
    "as_rational_data",
    "choose_direction",
    "interleaving_biases",
    "zhang_matrix",
    "zhang_network",
    "construction_report",
    "construction_failures",
    "non_interleaved_biases",
    "zhang_interpolation",
]


def _rational(value, name: str) -> sp.Rational:
    if isinstance(value, float):
        raise ValueError(f"{name}: floats are not exact; pass int, fractions.Fraction or sympy.Rational")
    try:
        r = sp.sympify(value)
    except (sp.SympifyError, TypeError):
        raise ValueError(f"{name}: not a number: {value!r}") from None
    if not r.is_Rational:
        raise ValueError(f"{name}: need exact rationals (int, Fraction, sympy Rational), got {value!r}")
    return sp.Rational(r)


def as_rational_data(X: Sequence[Sequence], y: Sequence | None = None) -> tuple[sp.Matrix, sp.Matrix | None]:
    """Validate data: X (n × d) of rationals with distinct rows, y (n) of rationals.

    ValueError naming the argument for: no points, ragged/empty rows, non-rationals (floats are
    rejected: the construction is exact), duplicate points, a y of the wrong length.
    """
    rows = [list(r) for r in X]
    if len(rows) == 0:
        raise ValueError("X: zero data points")
    d = len(rows[0])
    if d == 0 or any(len(r) != d for r in rows):
        raise ValueError(f"X: rows must all have the same positive length, got lengths {[len(r) for r in rows]}")
    Xm = sp.Matrix([[_rational(v, "X") for v in r] for r in rows])
    keys = [tuple(Xm.row(i)) for i in range(Xm.rows)]
    if len(set(keys)) != len(keys):
        raise ValueError("X: the data points must be distinct")
    if y is None:
        return Xm, None
    ys = list(y)
    if len(ys) != Xm.rows:
        raise ValueError(f"y: expected {Xm.rows} targets, got {len(ys)}")
    return Xm, sp.Matrix([_rational(v, "y") for v in ys])


def choose_direction(X: sp.Matrix) -> sp.Matrix:
    """A w on the moment curve (1, s, …, s^{d−1}), s = 0, 1, 2, …, with all z_i = wᵀx_i distinct."""
    n, d = X.shape
    s = 0
    while True:
        w = sp.Matrix([sp.Integer(s) ** k for k in range(d)])
        z = list(X * w)
        if len(set(z)) == n:
            return w
        s += 1


def interleaving_biases(z_sorted: Sequence) -> list[sp.Rational]:
    """b_1 = z_1 − 1, b_j = (z_{j−1} + z_j)/2: then b_1 < z_1 < b_2 < … < b_n < z_n."""
    z = [sp.Rational(v) for v in z_sorted]
    if any(z[k] >= z[k + 1] for k in range(len(z) - 1)):
        raise ValueError("z_sorted: must be strictly increasing")
    return [z[0] - 1] + [(z[j - 1] + z[j]) / 2 for j in range(1, len(z))]


def zhang_matrix(z: Sequence, b: Sequence) -> sp.Matrix:
    """A = [max(z_i − b_j, 0)]_{ij}."""
    if len(z) != len(b):
        raise ValueError(f"b: expected {len(z)} biases, got {len(b)}")
    return sp.Matrix(len(z), len(b), lambda i, j: sp.Max(sp.Rational(z[i]) - sp.Rational(b[j]), 0))


def zhang_network(x: sp.Matrix, w: sp.Matrix, b: Sequence, v: Sequence) -> sp.Expr:
    """f(x) = Σ_j v_j·max(wᵀx − b_j, 0)."""
    z = (sp.Matrix(x).T * w)[0, 0]
    return sp.Add(*[vj * sp.Max(z - bj, 0) for bj, vj in zip(b, v)])


def construction_report(X, y, w: sp.Matrix | None = None, b: Sequence | None = None) -> dict:
    """Run the construction on exact data and report each claimed property as computed.

    ``w`` defaults to :func:`choose_direction`, ``b`` (paired with the z_i in increasing order) to
    :func:`interleaving_biases`. Keys: ``z`` (sorted), ``b``, ``interleaved``, ``lower_triangular``,
    ``diagonal``, ``charpoly_matches`` (charpoly(A) − Π(λ − (z_i − b_i)) expands to 0),
    ``eigenvalues`` (SymPy's, with multiplicities), ``det``, ``v`` (None if A is singular),
    ``residuals`` (f(x_i) − y_i per point, exact), ``fits`` (all residuals 0), ``n_weights``.
    """
    X, y = as_rational_data(X, y)
    n, d = X.shape
    w = choose_direction(X) if w is None else sp.Matrix([_rational(v, "w") for v in w])
    if w.shape != (d, 1):
        raise ValueError(f"w: expected {d} entries, got {w.shape[0]}")
    z_raw = list(X * w)
    if len(set(z_raw)) != n:
        raise ValueError("w: the projections z_i = wᵀx_i must be distinct")
    order = sorted(range(n), key=lambda i: z_raw[i])
    z = [z_raw[i] for i in order]
    ys = sp.Matrix([y[i] for i in order])
    b = interleaving_biases(z) if b is None else [_rational(v, "b") for v in b]
    A = zhang_matrix(z, b)
    lam = sp.Symbol("lambda")
    claimed_eigs = [z[i] - b[i] for i in range(n)]
    charpoly_diff = sp.expand(A.charpoly(lam).as_expr() - sp.Mul(*[lam - e for e in claimed_eigs]))
    det = A.det()
    v = None
    residuals = None
    if det != 0:
        v = list(A.LUsolve(ys))
        residuals = [zhang_network(X.row(i).T, w, b, v) - y[i] for i in range(n)]  # exact rationals
    lower = all(A[i, j] == 0 for i in range(n) for j in range(i + 1, n))
    interleaved = all(b[i] < z[i] for i in range(n)) and all(z[i] < b[i + 1] for i in range(n - 1))
    return {
        "n": n,
        "d": d,
        "w": list(w),
        "z": z,
        "b": b,
        "interleaved": interleaved,
        "A": A,
        "lower_triangular": lower,
        "diagonal": [A[i, i] for i in range(n)],
        "claimed_eigenvalues": claimed_eigs,
        "smallest_claimed_eigenvalue": min(claimed_eigs),
        "charpoly_difference": charpoly_diff,
        "charpoly_matches": charpoly_diff == 0,
        # triangular: the diagonal is the spectrum (A.eigenvals is exact); otherwise not computed
        "eigenvalues": A.eigenvals() if lower else None,
        "det": det,
        "v": v,
        "residuals": residuals,
        "fits": residuals is not None and all(r == 0 for r in residuals),
        "n_weights": d + 2 * n,
    }


def construction_failures(report: dict) -> list[str]:
    """The claimed properties that the computed ``report`` violates (empty: the claim holds here).

    In order: A lower triangular; charpoly(A) = Π(λ − (z_i − b_i)); smallest eigenvalue
    min_i(z_i − b_i); A non-singular; the network reproduces every y_i exactly.
    """
    failures = []
    if not report["lower_triangular"]:
        failures.append(f"A = [max(z_i − b_j, 0)] is not lower triangular: A = {report['A'].tolist()}")
    eigs = report["eigenvalues"]
    if not report["charpoly_matches"]:
        failures.append(
            f"eigenvalues of A are {eigs}, not z_i − b_i = {report['claimed_eigenvalues']}"
            f" (charpoly difference {report['charpoly_difference']})"
        )
    if eigs is None or sum(eigs.values()) != report["n"] or min(eigs) != report["smallest_claimed_eigenvalue"]:
        failures.append(f"smallest eigenvalue {min(eigs) if eigs else None} ≠ min_i(z_i − b_i) = {report['smallest_claimed_eigenvalue']}")
    if report["det"] == 0:
        failures.append(f"A is singular (eigenvalues {eigs}): y = Av cannot be solved for every y")
    if not report["fits"]:
        failures.append(f"the network does not reproduce y: residuals {report['residuals']}")
    return failures


def non_interleaved_biases(z_sorted: Sequence) -> list[sp.Rational]:
    """The negative control's biases: each b_j moved past z_j (z_1 < b_1 < z_2 < … < z_n < b_n)."""
    z = [sp.Rational(v) for v in z_sorted]
    return [(z[j] + z[j + 1]) / 2 for j in range(len(z) - 1)] + [z[-1] + 1]


def zhang_interpolation(X, y) -> tuple[list, list, list]:
    """(w, b, v) of an exact interpolating net for the data (the default construction)."""
    rep = construction_report(X, y)
    if not rep["fits"]:  # cannot happen for valid data; kept as a guard, never a silent number
        raise RuntimeError("the interleaved construction failed to fit the data")
    return rep["w"], rep["b"], rep["v"]
