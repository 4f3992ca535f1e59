"""The optimistic sample size of a single-neuron target, and second neurons that fit the samples.

Claim ZBZ24.optimistic. Target f*(x) = a*·tanh(w*ᵀx) (no bias), w* ∈ R^d; samples
y_i = f*(x_i), i = 1..n. A "second single neuron" is (a, w) with a·tanh(wᵀx_i) = y_i for all i
and a·tanh(wᵀx) ≢ f* — for tanh (odd, |tanh| < 1, sup|a tanh(wᵀx)| = |a| when w ≠ 0) that is
exactly (a, w) ∉ {(a*, w*), (−a*, −w*)}, and |a| ≠ |a*| already suffices. Embedded in a
width-m net (the other neurons zero) it is a global minimum of the training loss with
non-zero generalization error.

Optimistic sample size (derived). The tangent space of the model (a, w) ↦ a·tanh(wᵀ·) at the
target is spanned by the d + 1 functions tanh(w*ᵀx) and a*·tanh'(w*ᵀx)·x_j (j = 1..d); its rank
is d + 1 (certified by :func:`jacobian_determinant` ≠ 0 on d + 1 points). In a width-m net the
other neurons sit at (a_k, w_k) = 0, where ∂f/∂a_k = tanh(0) = 0 and ∂f/∂w_k = a_k tanh'(0)x = 0,
so the rank there is the same d + 1. Hence the optimistic size is d + 1: with n = d + 1 generic
samples the (d+1)×(d+1) sample Jacobian is invertible and the target is an isolated fit (locally
identifiable); with n ≤ d it is not.

Below the threshold (n ≤ d) a second neuron always fits:

* samples that do not span R^d (always when n < d): any u ≠ 0 with X u = 0 gives
  w = w* + u, a = a* — constructed in exact rational arithmetic (:func:`second_neuron_nonspanning`);
* n = d samples spanning R^d: for any a with |a| > |a*| (> max|y_i|) the d equations
  wᵀx_i = artanh(y_i/a) have the unique solution w = X⁻¹ artanh(y/a) — evaluated with rigorous
  interval arithmetic (mpmath.iv) and certified (:func:`second_neuron_spanning`).

At and above the threshold (n ≥ d + 1, X of rank d) a fit (a, w) needs z(a) = artanh(y/a) ∈ col(X),
i.e. cᵀ artanh(y/a) = 0 for every c in the left null space of X. With t = max|y|/a ∈ (0, 1)
(|a| ≤ max|y| gives no fit; a < 0 is the mirror (−a, −w)) this is h_c(t) = Σ_i c_i artanh(t ρ_i) = 0,
ρ_i = y_i / max|y| — odd, analytic on (−1, 1), with the target's root t* = max|y|/|a*|.
:func:`certified_roots` isolates all roots of h_c in (0, 1) with interval arithmetic (interval
evaluation + monotonicity + sign changes, and the blow-up of the max-|y| term at t → 1).
One root (t*) certifies that no second neuron fits; another root certifies one that does.
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np
from mpmath import iv
from numpy.typing import ArrayLike

IV_DPS = 30  # interval working precision (≈ 100 bits)


@contextlib.contextmanager
def _iv_precision():
    """mpmath.iv at IV_DPS digits for the block (iv has no workdps of its own)."""
    old = iv.dps
    iv.dps = IV_DPS
    try:
        yield
    finally:
        iv.dps = old


class Uncertified(RuntimeError):
    """The interval computation could not decide (too many bisections); no number is returned."""


# ------------------------------------------------------------------------------ exact helpers
def to_fractions(A: ArrayLike) -> list:
    """Exact rationals of a float array (every double is a dyadic rational)."""
    arr = np.asarray(A, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError("A: contains NaN or inf")
    return np.vectorize(lambda v: Fraction(float(v)), otypes=[object])(arr).tolist()


def _ivq(q: Fraction):
    return iv.mpf(q.numerator) / iv.mpf(q.denominator)


def _iv_tanh(z):
    return 1 - 2 / (iv.exp(2 * z) + 1)


def _iv_atanh(x):
    return iv.log((1 + x) / (1 - x)) / 2


def _check_problem(X: ArrayLike, w_star: ArrayLike, a_star: float) -> tuple[np.ndarray, np.ndarray, float]:
    X = np.asarray(X, dtype=float)
    w_star = np.asarray(w_star, dtype=float)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X: expected a non-empty (n × d) array, got shape {X.shape}")
    if w_star.shape != (X.shape[1],):
        raise ValueError(f"w_star: expected shape ({X.shape[1]},), got {w_star.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(w_star)) and np.isfinite(a_star)):
        raise ValueError("X, w_star, a_star: contain NaN or inf")
    if a_star == 0 or not np.any(w_star):
        raise ValueError("a_star, w_star: the target neuron must be non-zero")
    return X, w_star, float(a_star)


def targets_iv(X: ArrayLike, w_star: ArrayLike, a_star: float) -> list:
    """Interval enclosures of y_i = a*·tanh(w*ᵀx_i) (the inner products exact in rationals)."""
    Xq, wq = to_fractions(X), to_fractions(w_star)
    return [_ivq(Fraction(a_star)) * _iv_tanh(_ivq(sum(x * w for x, w in zip(row, wq)))) for row in Xq]


def _excludes_zero(v) -> bool:
    return bool(v.a > 0 or v.b < 0)


def _sign(v) -> int:
    return 1 if v.a > 0 else (-1 if v.b < 0 else 0)


# -------------------------------------------------------------------- local identifiability
def jacobian_determinant(X: ArrayLike, w_star: ArrayLike, a_star: float):
    """Interval enclosure of det J, J_i = (tanh(w*ᵀx_i), a* tanh'(w*ᵀx_i) x_iᵀ) for n = d + 1 samples:
    the sample map's Jacobian at the target. det ≠ 0 ⇔ rank d + 1 ⇔ the target is an isolated fit."""

    X, w_star, a_star = _check_problem(X, w_star, a_star)
    n, d = X.shape
    if n != d + 1:
        raise ValueError(f"X: need exactly d + 1 = {d + 1} rows, got {n}")
    with _iv_precision():
        Xq, wq = to_fractions(X), to_fractions(w_star)
        J = []
        for row in Xq:
            t = _iv_tanh(_ivq(sum(x * w for x, w in zip(row, wq))))
            J.append([t] + [_ivq(Fraction(a_star)) * (1 - t * t) * _ivq(x) for x in row])
        det = iv.mpf(0)
        for perm in itertools.permutations(range(n)):
            sgn = (-1) ** sum(1 for i in range(n) for j in range(i + 1, n) if perm[i] > perm[j])  # parity
            term = iv.mpf(sgn)
            for i, j in enumerate(perm):
                term = term * J[i][j]
            det = det + term
        return det


# ------------------------------------------------------------------------ below the threshold
@dataclass(frozen=True)
class SecondNeuron:
    a: object  # Fraction (exact) or mpmath interval
    w: list  # Fractions or intervals
    exact: bool
    certificate: dict


def second_neuron_nonspanning(X: ArrayLike, w_star: ArrayLike, a_star: float) -> SecondNeuron:
    """Exact construction when the samples do not span R^d: w = w* + u with X u = 0 (SymPy
    nullspace over Q), a = a*. Then wᵀx_i = w*ᵀx_i exactly, so every sample is fitted exactly,
    and wᵀu ≠ w*ᵀu (they differ by ‖u‖² > 0) so the two functions differ at x = u.
    ValueError when X has rank d (use :func:`second_neuron_spanning`)."""
    import sympy  # exact rationals (imported lazily: keeps `import numerics` light)

    X, w_star, a_star = _check_problem(X, w_star, a_star)
    Xs = sympy.Matrix(to_fractions(X)).applyfunc(sympy.Rational)
    null = Xs.nullspace()
    if not null:
        raise ValueError("X: the samples span R^d (rank d); no exact null-space construction")
    u = null[0]
    u = u / max(abs(v) for v in u)  # a tidy scale; still exact
    ws = sympy.Matrix([sympy.Rational(Fraction(float(v))) for v in w_star])
    w = ws + u
    if w == -ws:  # would give the mirror neuron (−a*, −w*)·(−1): same function; take 2u instead
        w = ws + 2 * u
    residual = Xs * (w - ws)  # exact: must be the zero vector
    if any(r != 0 for r in residual):
        raise AssertionError("exact residual X(w − w*) is not zero")  # cannot happen: u ∈ null(X)
    gap = (w - ws).dot(u)  # (w − w*)ᵀu = ‖u‖² (or 2‖u‖²) > 0: the arguments differ at x = u
    return SecondNeuron(Fraction(a_star), [Fraction(int(v.p), int(v.q)) for v in w], True,
                        {"null_vector": [str(v) for v in u], "exact_residual_max": 0,
                         "argument_gap_at_u": str(gap), "rank_X": int(Xs.rank())})


def second_neuron_spanning(X: ArrayLike, w_star: ArrayLike, a_star: float, factor: Fraction = Fraction(2)) -> SecondNeuron:
    """Certified solve for n = d samples spanning R^d: a = factor·|a*| (> max|y_i|, and |a| ≠ |a*| so
    the function differs: sup|a tanh| = |a|), w = X⁻¹ artanh(y/a) in interval arithmetic (X⁻¹
    exact over Q). Certificate: every |y_i/a| < 1 (the solution exists), the enclosure widths of w,
    and the residual enclosures a·tanh(wᵀx_i) − y_i (all contain 0, widths ≈ 10^-28)."""
    import sympy  # exact rationals (imported lazily: keeps `import numerics` light)

    X, w_star, a_star = _check_problem(X, w_star, a_star)
    n, d = X.shape
    if n != d:
        raise ValueError(f"X: need n = d = {d} samples, got {n}")
    Xs = sympy.Matrix(to_fractions(X)).applyfunc(sympy.Rational)
    if Xs.rank() < d:
        raise ValueError("X: the samples do not span R^d (use second_neuron_nonspanning)")
    if factor <= 1:
        raise ValueError("factor: need > 1 so that |a| > max|y_i| and |a| ≠ |a*|")
    Xinv = Xs.inv()
    a = Fraction(abs(a_star)) * Fraction(factor)
    with _iv_precision():
        y = targets_iv(X, w_star, a_star)
        ratios = [yi / _ivq(a) for yi in y]
        if not all(r.b < 1 and r.a > -1 for r in ratios):
            raise Uncertified("some |y_i/a| not certified < 1")
        z = [_iv_atanh(r) for r in ratios]
        w = [sum((_ivq(Fraction(int(Xinv[j, i].p), int(Xinv[j, i].q))) * z[i] for i in range(d)), iv.mpf(0))
             for j in range(d)]
        Xq = to_fractions(X)
        res = [_ivq(a) * _iv_tanh(sum((_ivq(x) * wj for x, wj in zip(row, w)), iv.mpf(0))) - yi for row, yi in zip(Xq, y)]
        if not all(r.a <= 0 <= r.b for r in res):
            raise Uncertified("a residual enclosure excludes 0: the solve is wrong")
        width_w = max(float(wj.delta.b) for wj in w)
        width_res = max(float(r.delta.b) for r in res)
        max_ratio = max(float(max(abs(r.a), abs(r.b))) for r in ratios)
    return SecondNeuron(a, w, False, {"a": str(a), "max_abs_y_over_a": max_ratio,
                                      "max_width_w": width_w, "max_residual_enclosure_width": width_res,
                                      "a_differs_from_a_star": str(a - Fraction(abs(a_star)))})


# -------------------------------------------------------------- at and above the threshold
def left_null_vectors(X: ArrayLike) -> list[list[Fraction]]:
    """A basis of {c : cᵀX = 0} over Q (exact), each scaled to max |c_i| = 1."""
    import sympy  # exact rationals (imported lazily: keeps `import numerics` light)

    Xs = sympy.Matrix(to_fractions(X)).applyfunc(sympy.Rational)
    out = []
    for c in Xs.T.nullspace():
        c = c / max(abs(v) for v in c)
        out.append([Fraction(int(v.p), int(v.q)) for v in c])
    return out


@dataclass(frozen=True)
class RootBox:
    lo: object  # mpmath interval endpoints (exact mpf)
    hi: object
    kind: str  # "interior" or "right-end"


def _h(c: Sequence, rho: Sequence, T):
    return sum((_ivq(ci) * _iv_atanh(T * ri) for ci, ri in zip(c, rho) if ci != 0), iv.mpf(0))


def _dh(c: Sequence, rho: Sequence, T):
    return sum((_ivq(ci) * ri / (1 - T * T * ri * ri) for ci, ri in zip(c, rho) if ci != 0), iv.mpf(0))


def certified_roots(c: Sequence[Fraction], rho: list, jmax: int, max_boxes: int = 20000) -> list[RootBox]:
    """All roots of h(t) = Σ c_i artanh(t ρ_i) in (0, 1), each isolated in a box with exactly one root.

    ``rho[jmax]`` must be exactly ±1 (the largest |y|) and every other |ρ_i| < 1 certified.
    Proof steps (all in interval arithmetic): on [0, δ] h' ≠ 0 and h(0) = 0 ⇒ no root in (0, δ];
    on [1 − η, 1) the blow-up term |c_j|/(1 − t²) dominates the other terms of h' ⇒ h monotone,
    tending to sign(c_j ρ_j)·∞ ⇒ one root iff h(1 − η) has the opposite sign; in between, boxes
    with 0 ∉ h(B) have no root, boxes with 0 ∉ h'(B) and a sign change have exactly one.
    Uncertified if the budget of boxes runs out.
    """
    if c[jmax] == 0:
        raise Uncertified("c_j = 0 for the largest |y|: the blow-up argument does not apply")
    for i, r in enumerate(rho):
        if i != jmax and not (r.b < 1 and r.a > -1):
            raise Uncertified("a second |y_i| ties the maximum (|ρ_i| < 1 not certified)")
    roots: list[RootBox] = []
    # left end
    delta = iv.mpf(1) / 64
    while not _excludes_zero(_dh(c, rho, iv.mpf([0, delta.b]))):
        delta = delta / 2
        if delta.b < 1e-12:
            raise Uncertified("h'(0) not certified ≠ 0")
    left = delta.b
    # right end
    eta = iv.mpf(1) / 64
    others = [i for i in range(len(c)) if i != jmax and c[i] != 0]
    while True:
        lo = 1 - eta.b
        B = iv.mpf([lo, 1])
        rest = sum((_ivq(c[i]) * rho[i] / (1 - B * B * rho[i] * rho[i]) for i in others), iv.mpf(0))
        blow = abs(_ivq(c[jmax])) / (1 - iv.mpf(lo) * iv.mpf(lo))
        if blow.a > max(abs(rest.a), abs(rest.b)):
            h_lo = _h(c, rho, iv.mpf(lo))
            if _excludes_zero(h_lo):
                break
        eta = eta / 2
        if eta.b < 1e-15:
            raise Uncertified("right end not certified")
    right = lo
    s_inf = (1 if c[jmax] > 0 else -1) * (1 if rho[jmax].a > 0 else -1)
    if _sign(_h(c, rho, iv.mpf(right))) != s_inf:
        roots_right = [RootBox(iv.mpf(right), iv.mpf(1), "right-end")]
    else:
        roots_right = []
    # interior
    stack = [(iv.mpf(left), iv.mpf(right))]
    boxes = 0
    while stack:
        a, b = stack.pop()
        boxes += 1
        if boxes > max_boxes:
            raise Uncertified(f"more than {max_boxes} boxes")
        B = iv.mpf([a.a, b.b])
        if _excludes_zero(_h(c, rho, B)):
            continue
        if _excludes_zero(_dh(c, rho, B)):
            ha, hb = _h(c, rho, a), _h(c, rho, b)
            if _excludes_zero(ha) and _excludes_zero(hb):
                if _sign(ha) != _sign(hb):
                    roots.append(RootBox(a, b, "interior"))
                continue
        mid = iv.mpf((a.a + b.b) / 2)
        mid = iv.mpf(mid.a)
        stack.extend([(mid, b), (a, mid)])
    return sorted(roots, key=lambda r: float(r.lo.a)) + roots_right


def refine_root(c: Sequence[Fraction], rho: list, box: RootBox, jmax: int, steps: int = 100) -> RootBox:
    """Bisect a box with exactly one sign-changing root ``steps`` times (for a right-end box the sign
    at 1⁻ is the blow-up sign of the max-|y| term). Uncertified if a root stays within 2^-steps of 1."""
    a, b = box.lo, box.hi
    sa = _sign(_h(c, rho, a))
    for _ in range(steps):
        mid = iv.mpf(((a + b) / 2).a)
        sm = _sign(_h(c, rho, mid))
        if sm == 0:
            break
        if sm == sa:
            a = mid
        else:
            b = mid
    if b.b >= 1:
        raise Uncertified("a root of h within 2^-100 of t = 1")
    return RootBox(a, b, "interior")


def _generic_combination(C: list[list[Fraction]], jmax: int) -> list[Fraction]:
    """c = Σ_k q_k C_k with small integer weights, chosen so that every entry (and c_jmax) is ≠ 0."""
    for weights in itertools.product(range(1, 6), repeat=len(C)):
        c = [sum((Fraction(q) * Ck[i] for q, Ck in zip(weights, C)), Fraction(0)) for i in range(len(C[0]))]
        if all(v != 0 for v in c):
            m = max(abs(v) for v in c)
            return [v / m for v in c]
    raise Uncertified("no combination of the left-null vectors with all entries non-zero")


@dataclass(frozen=True)
class FitAnalysis:
    n: int
    d: int
    t_star: object
    roots: list  # RootBox of h_c1 (c1 a generic combination of the left-null vectors)
    other_fits: list  # root boxes (≠ t*) common to all h_c: each is a second fitting neuron
    certificate: dict


def analyze_fits(X: ArrayLike, w_star: ArrayLike, a_star: float) -> FitAnalysis:
    """For n ≥ d + 1 samples of rank d: the certified set of single neurons that fit every sample.

    Every fit is (a, w) with a = ±max|y|/t for a root t of *all* h_c (c in the left null space).
    The roots of h_{c1} (c1 a combination with no zero entry) are isolated; a root away from t*
    is excluded when some basis vector's h_{c_k} has an enclosure without 0 on its refined box.
    For n = d + 1 (one null vector) every root kept is a certified second fitting neuron; for
    n ≥ d + 2 a root that no h_{c_k} excludes raises Uncertified (never a guess).
    """
    X, w_star, a_star = _check_problem(X, w_star, a_star)
    n, d = X.shape
    if n < d + 1:
        raise ValueError(f"X: need n ≥ d + 1 = {d + 1} samples, got {n}")
    if np.linalg.matrix_rank(X) < d:
        raise ValueError("X: rank < d (the non-spanning construction applies)")
    C = left_null_vectors(X)
    with _iv_precision():
        y = targets_iv(X, w_star, a_star)
        mags = [max(abs(v.a), abs(v.b)) for v in y]
        jmax = int(np.argmax([float(m) for m in mags]))
        Ymax = abs(y[jmax])
        if not _excludes_zero(y[jmax]):
            raise Uncertified("all targets ≈ 0")
        rho = [yi / Ymax for yi in y]
        rho[jmax] = iv.mpf(1 if y[jmax].a > 0 else -1)
        t_star = Ymax / abs(_ivq(Fraction(a_star)))
        c1 = _generic_combination(C, jmax)
        roots = certified_roots(c1, rho, jmax)
        star_boxes = [r for r in roots if r.lo.a <= t_star.a and t_star.b <= r.hi.b]
        if len(star_boxes) != 1:
            raise Uncertified("the target's root t* is not enclosed in exactly one root box")
        others = []
        for r in roots:
            if r is star_boxes[0]:
                continue
            rr = refine_root(c1, rho, r, jmax)
            B = iv.mpf([rr.lo.a, rr.hi.b])
            if all(not _excludes_zero(_h(ck, rho, B)) for ck in C):
                if len(C) > 1:
                    raise Uncertified("a root of h_c1 is not excluded by the other null vectors")
                others.append(rr)
        cert = {"left_null_dimension": len(C), "roots_of_h_c1": len(roots),
                "t_star": [float(t_star.a), float(t_star.b)],
                "root_boxes": [[float(r.lo.a), float(r.hi.b)] for r in roots],
                "other_fits_t": [[float(r.lo.a), float(r.hi.b)] for r in others],
                "other_fits_a": [[float((Ymax / r.hi).a), float((Ymax / r.lo).b)] for r in others]}
    return FitAnalysis(n, d, t_star, roots, others, cert)
