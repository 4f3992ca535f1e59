"""SS16 Theorem 1: a strictly decreasing path built by rescaling the last layer (claim SS16.Thm1).

Setting (SS16 §3): a deep ReLU net with a linear last layer (``numerics.deep_relu``), P(W) its
(m × k) output matrix, L a loss convex in P (squared or softmax cross-entropy). Multiplying the
last layer by c ≥ 0 multiplies P by c, so on the *slice* of W the map

    φ_W(c) = L(c·P(W)),   c ≥ 0,

is convex. Write m_W = min_{c≥0} φ_W(c) ≤ φ_W(0) = L(0) and c*_W for the smallest minimizer.
On [c*_W, ∞) φ_W is non-decreasing, and strictly increasing wherever φ_W > m_W (the
*increasing branch*).

Construction, given a continuous path W^(λ), λ ∈ [0, 1], with L_1 = L(P(W^(1))) < L_0 = L(P(W^(0))):

1. levels  τ(λ) = L_0 − λ(L_0 − τ_end),  τ_end = M + (L_0 − M)/2,  M = max(L(0), L_1);
   strictly decreasing, with τ(λ) ≥ τ_end > L(0) ≥ m_λ, so each level is above its slice minimum;
2. scales  c(λ) = the point of the increasing branch of φ_λ at level τ(λ). It exists because of
   condition 1 (sup_c φ_λ ≥ L_0 + ε ≥ τ(λ)), it is unique and continuous in λ because φ_λ is
   strictly increasing there (φ_λ' > 0 above the minimum), and c(0) = 1 because of condition 2:
   φ_0(1) = L_0 > L(0) = φ_0(0) and convexity put c = 1 on the increasing branch of φ_0;
3. finish: on the slice λ = 1 move c from c(1) (value τ_end) down to c_fin, the increasing-branch
   point at level L_1 (L_1 ≥ m_1 since L_1 = φ_1(1)); the value decreases strictly to L_1.

The path W̃(λ) = W^(λ) with its last layer multiplied by c(λ), followed by the finish segment,
starts at W^(0) and ends at a point of value L_1, strictly decreasing throughout.

Condition 1 for these losses is exactly "the slice is unbounded for every λ": sup_c φ_λ = ∞ unless
P(W^λ) = 0 (squared) or every label attains its row maximum (softmax), and then sup_c φ_λ = L(0) <
L_0. On a straight or polygonal path it fails generically at isolated λ*, where a last-layer entry
or the difference of two entries of one column crosses zero while the live data points are fed
through that single hidden unit (a class tie). There c(λ) → ∞ like 1/|λ − λ*| — the path W̃ is not
continuous through λ*, and no grid can resolve it. :func:`certify_condition1_violation` finds such
λ* as exact rationals and verifies the bounded slice in exact rational arithmetic; the
construction then stops with ConditionViolated(1) (a violated hypothesis, not a counterexample).
On smooth paths (``wiggly_path``) the same crossing is certified next to an unresolved step by
interval arithmetic (:func:`certify_condition1_violation_near`), and a grid point whose slice cannot
reach its level is confirmed exactly or by intervals (:func:`certify_bounded_slice_at`).

When condition 2 fails (L_0 ≤ L(0)) the construction stops with :class:`ConditionViolated`.
:func:`slice_minima` then gives the certificate that *no* decreasing path of the rescaled form
c(s)·W^(λ(s)) exists along the given path: such a path must cross every slice, and a slice whose
minimum over c exceeds L_0 cannot be crossed below the starting value.

Derivatives of the losses in P (for φ'(c) = ⟨∇L(cP), P⟩):
squared  ∇L(P) = (2/m)(P − Y);  softmax cross-entropy  ∇L(P) = (1/m)(softmax(P) − onehot(Y)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np
import scipy.optimize
from numpy.typing import ArrayLike, NDArray

from numerics import deep_relu

Array = NDArray[np.float64]
Params = deep_relu.Params
PathFn = Callable[[float], Params]

EPS = float(np.finfo(float).eps)
C_MAX = 2.0**60  # the largest scale tried when searching for a level on the increasing branch


class ConditionViolated(ValueError):
    """A hypothesis of Theorem 1 fails; ``condition`` is 1 or 2, ``certificate`` holds the numbers."""

    def __init__(self, condition: int, message: str, **certificate: float) -> None:
        super().__init__(f"condition {condition} of SS16 Theorem 1 violated: {message}")
        self.condition = condition
        self.certificate = certificate


# ------------------------------------------------------------------------------- slice functions
def loss_grad_P(loss: str, P: Array, Y: ArrayLike) -> Array:
    """∇_P L(P) for ``loss`` in {"squared", "softmax_xent"} (formulas in the module docstring)."""
    m, k = P.shape
    if loss == "squared":
        Yarr = np.asarray(Y, dtype=float).reshape(m, k)
        return 2.0 * (P - Yarr) / m
    if loss == "softmax_xent":
        lab = np.asarray(Y)
        if lab.ndim == 2:
            lab = np.argmax(lab, axis=1)
        Z = P - P.max(axis=1, keepdims=True)
        S = np.exp(Z)
        S /= S.sum(axis=1, keepdims=True)
        S[np.arange(m), lab.astype(int)] -= 1.0
        return S / m
    raise ValueError(f"loss: expected 'squared' or 'softmax_xent', got {loss!r}")


@dataclass(frozen=True)
class Slice:
    """φ(c) = L(c·P) on the slice of one parameter point."""

    P: Array
    Y: ArrayLike
    loss: str

    def value(self, c: float) -> float:
        return float(deep_relu.LOSSES[self.loss](c * self.P, self.Y))

    def slope(self, c: float) -> float:
        return float(np.sum(loss_grad_P(self.loss, c * self.P, self.Y) * self.P))

    def minimizer(self) -> float:
        """c* = argmin_{c ≥ 0} φ(c) (the smallest minimizer): closed form for the squared loss,
        a bracketed root of the non-decreasing φ' for cross-entropy (C_MAX if φ' < 0 throughout)."""
        if self.loss == "squared":
            Yarr = np.asarray(self.Y, dtype=float).reshape(self.P.shape)
            pp = float(np.sum(self.P * self.P))
            if pp == 0.0:
                return 0.0
            return max(0.0, float(np.sum(self.P * Yarr)) / pp)
        if self.slope(0.0) >= 0.0:
            return 0.0
        hi = 1.0
        while self.slope(hi) < 0.0:
            hi *= 2.0
            if hi > C_MAX:
                return C_MAX
        return float(scipy.optimize.brentq(self.slope, 0.0, hi, xtol=4 * EPS * hi, rtol=4 * EPS, maxiter=500))

    def minimum(self) -> float:
        return self.value(self.minimizer())

    def increasing_branch_point(self, level: float, lam: float = float("nan")) -> float:
        """The c ≥ c* with φ(c) = level (unique when level > min φ). ConditionViolated(1) when no
        scale up to C_MAX reaches the level (sup_c φ < level); ValueError when level < min φ."""
        lo = self.minimizer()
        f_lo = self.value(lo)
        # a level within rounding (64 ulps) of the slice minimum is the minimum itself — e.g. L(P(W1))
        # when W1's last layer is already optimal (c* = 1)
        if level <= f_lo + 64 * EPS * max(1.0, abs(f_lo)):
            if level < f_lo - 64 * EPS * max(1.0, abs(f_lo)):
                raise ValueError(f"level: {level!r} is below the slice minimum {f_lo!r} (λ = {lam})")
            return lo
        hi = max(1.0, 2.0 * lo)
        while self.value(hi) < level:
            hi *= 2.0
            if hi > C_MAX:
                raise ConditionViolated(
                    1, f"on the slice λ = {lam} no rescaling reaches the level {level!r} "
                    f"(L(c·P) < level for all c ≤ {C_MAX:.1e})", lam=lam, level=level)
        return float(scipy.optimize.brentq(lambda c: self.value(c) - level, lo, hi,
                                           xtol=4 * EPS * hi, rtol=4 * EPS, maxiter=500))


def slice_of(params: Params, X: ArrayLike, Y: ArrayLike, loss: str) -> Slice:
    if loss not in deep_relu.LOSSES:
        raise ValueError(f"loss: expected one of {sorted(deep_relu.LOSSES)}, got {loss!r}")
    return Slice(deep_relu.forward(params, X), Y, loss)


def zero_loss(X: ArrayLike, Y: ArrayLike, k: int, loss: str) -> float:
    """L(0): the loss of the all-zeros predictor."""
    return float(deep_relu.LOSSES[loss](np.zeros((np.asarray(X).shape[0], k)), Y))


# ------------------------------------------------------------------------------------- paths
def flatten(params: Params) -> Array:
    """All weights of a network as one vector (for distances between parameter points)."""
    parts = []
    for W, b in params:
        parts.append(np.asarray(W, dtype=float).ravel())
        if b is not None:
            parts.append(np.asarray(b, dtype=float).ravel())
    return np.concatenate(parts)


def _combine(coeffs: list[float], nets: list[Params]) -> Params:
    out: Params = []
    for layer in range(len(nets[0])):
        W = sum(c * np.asarray(n[layer][0], dtype=float) for c, n in zip(coeffs, nets))
        b0 = nets[0][layer][1]
        b = None if b0 is None else sum(c * np.asarray(n[layer][1], dtype=float) for c, n in zip(coeffs, nets))
        out.append((W, b))
    return out


def straight_path(W0: Params, W1: Params) -> PathFn:
    """λ ↦ (1 − λ)W0 + λW1. Carries ``.vertices = [W0, W1]`` (affine: exact certificates apply)."""
    path = lambda lam: _combine([1.0 - lam, lam], [W0, W1])  # noqa: E731
    path.vertices = [W0, W1]  # type: ignore[attr-defined]
    path.coefficients, path.nets = (lambda lam, sin=None, pi=None: [1 - lam, lam]), [W0, W1]  # type: ignore[attr-defined]
    return path


def _sin_half_exact(x: float) -> float:
    """sin(x), but exactly 0 or ±1 when x is (in floats) an integer multiple of π/2 — as for
    x = (k+1)·π·λ at λ ∈ {0, ½, 1}. math.sin(math.pi) = 1.2e-16 would leave a rounding residue of
    the bumps at λ = 1, so that W^(1) ≠ W1 (seed 939401, depth 4, softmax, wiggly)."""
    q = x / (0.5 * math.pi)
    if q == round(q):
        return (0.0, 1.0, 0.0, -1.0)[int(round(q)) % 4]
    return math.sin(x)


def wiggly_path(W0: Params, W1: Params, bumps: list[Params]) -> PathFn:
    """λ ↦ (1 − λ)W0 + λW1 + Σ_k sin((k+1)πλ)·B_k: smooth, same end points, typically uphill in between."""
    def coefficients(lam, sin=_sin_half_exact, pi=math.pi) -> list:
        return [1 - lam, lam] + [sin((k + 1) * pi * lam) for k in range(len(bumps))]

    path = lambda lam: _combine(coefficients(lam), [W0, W1, *bumps])  # noqa: E731
    # λ ↦ Σ_i coefficients(λ)_i · nets_i, for the interval certificate (works with mpmath.iv)
    path.coefficients, path.nets = coefficients, [W0, W1, *bumps]  # type: ignore[attr-defined]
    return path


def polygon_path(points: list[Params]) -> PathFn:
    """Piecewise-linear path through the given points, equally spaced in λ (continuous, with kinks).
    Carries ``.vertices`` (piecewise affine: exact certificates apply)."""
    if len(points) < 2:
        raise ValueError("points: need at least two points")
    s = len(points) - 1

    def path(lam: float) -> Params:
        j = min(int(lam * s), s - 1)
        u = lam * s - j
        return _combine([1.0 - u, u], [points[j], points[j + 1]])

    path.vertices = list(points)  # type: ignore[attr-defined]
    return path


def scaled(params: Params, c: float) -> Params:
    """W with its last layer multiplied by c (so P ↦ c·P)."""
    return deep_relu.scale_last_layer(params, c)



# ------------------------------------------------------------ exact certificate for condition 1
# For the two losses of SS16 §3, condition 1 fails at λ exactly when the slice is bounded:
#   squared:  φ(c) = (1/m)Σ‖cP_t − Y_t‖² → ∞ unless P = 0;
#   softmax:  φ(c) = (1/m)Σ_t log Σ_j exp(c(P_tj − P_{t,j_t})) grows like c·s(P),
#             s(P) = (1/m)Σ_t (max_j P_tj − P_{t,j_t}) ≥ 0, and when s(P) = 0 every term is
#             non-increasing in c.
# So sup_{c≥0} L(c·P(W^λ)) = L(0) < L(P(W^(0))) (condition 2) whenever P(W^λ) = 0 (squared) or
# every row's label attains its row maximum (softmax, s = 0): then no c_λ reaches L_0 + ε and
# condition 1 fails at that λ. On an affine piece W(u) = (1 − u)A + uB of a straight or polygonal
# path such a λ arises where a last-layer entry, or the difference of two entries of one column,
# crosses zero (a tie of two classes — or P = 0 — while the data are live through a single
# hidden unit): that crossing is the exact rational u* = a/(a − b) of the float end values a, b.
# certify_condition1_violation evaluates the network at u* in exact rational arithmetic
# (fractions.Fraction: every float is a dyadic rational, ReLU and products are exact) and
# certifies the violation only if P(u*) = 0 (squared) or s(P(u*)) = 0 (softmax) holds EXACTLY.


def _exact_forward(A: Params, B: Params, u: Fraction, X: Array) -> list[list[Fraction]]:
    """P(W(u)) for W(u) = (1 − u)A + uB, in exact rational arithmetic (rows = data points)."""
    return _exact_forward_combo([1 - u, u], [A, B], X)


def _exact_forward_combo(coeffs: list[Fraction], nets: list[Params], X: Array) -> list[list[Fraction]]:
    """P(Σ_i coeffs_i · nets_i) in exact rational arithmetic (rows = data points)."""
    def mix(arrs: list) -> list:
        A = [np.asarray(a, dtype=float) for a in arrs]
        flat = [sum((c * Fraction(float(a.flat[q])) for c, a in zip(coeffs, A) if c != 0), Fraction(0))
                for q in range(A[0].size)]
        if A[0].ndim == 1:
            return flat
        return [flat[r * A[0].shape[1]:(r + 1) * A[0].shape[1]] for r in range(A[0].shape[0])]

    rows = [[Fraction(float(v)) for v in x] for x in np.asarray(X, dtype=float)]
    layers = [(mix([net[layer][0] for net in nets]), None if nets[0][layer][1] is None
               else mix([net[layer][1] for net in nets])) for layer in range(len(nets[0]))]
    for W, b in layers[:-1]:
        rows = [[max(sum((w * o for w, o in zip(Wr, O)), Fraction(0)) + (0 if b is None else b[i]), Fraction(0))
                 for i, Wr in enumerate(W)] for O in rows]
    Wh = layers[-1][0]
    return [[sum((w * o for w, o in zip(Wr, O)), Fraction(0)) for Wr in Wh] for O in rows]


def slice_is_bounded_exact(P: list[list[Fraction]], Y: ArrayLike, loss: str) -> bool:
    """True iff sup_{c≥0} L(c·P) = L(0) for an exact P (see the comment above): P = 0 for the squared
    loss; every label attaining its row maximum (s(P) = 0) for softmax cross-entropy."""
    if loss == "squared":
        return all(v == 0 for row in P for v in row)
    if loss == "softmax_xent":
        lab = np.asarray(Y)
        if lab.ndim == 2:
            lab = np.argmax(lab, axis=1)
        return all(row[int(j)] == max(row) for row, j in zip(P, lab))
    raise ValueError(f"loss: expected 'squared' or 'softmax_xent', got {loss!r}")


def _float_defect(params: Params, X: Array, Y: ArrayLike, loss: str) -> float:
    """How far the float P(W) is from a bounded slice, minus the prefilter allowance 1e-9·(1 + max|P|):
    max|P| (squared) or max_t (max_j P_tj − P_{t,j_t}) (softmax). ≤ 0: worth an exact check."""
    P = deep_relu.forward(params, X)
    if loss == "squared":
        d = float(np.max(np.abs(P)))
    else:
        lab = np.asarray(Y)
        lab = np.argmax(lab, axis=1) if lab.ndim == 2 else lab.astype(int)
        d = float(np.max(P.max(axis=1) - P[np.arange(P.shape[0]), lab]))
    return d - 1e-9 * (1.0 + float(np.max(np.abs(P))))


@dataclass(frozen=True)
class Condition1Certificate:
    """An exact λ* (a rational) at which sup_c L(c·P(W^λ*)) = L(0) < L_0: condition 1 fails there."""

    lam_star: Fraction
    segment: int
    kind: str  # "tie of classes j, j' in column i" or "zero entry (j, i)"
    P_star: list[list[Fraction]]  # P(W^λ*) exactly: 0 (squared) or every label a row maximum (softmax)


def certify_condition1_violation(path: PathFn, X: ArrayLike, Y: ArrayLike, loss: str,
                                 lo: float = 0.0, hi: float = 1.0) -> Condition1Certificate | None:
    """Search [lo, hi] for an exact point where condition 1 of SS16 Theorem 1 fails (module comment
    above): candidates are the rational zero crossings of last-layer entries and of differences of
    two entries of one column on each affine piece of a path with ``.vertices`` (straight / polygon);
    each candidate is accepted only if the exact rational forward pass makes the slice bounded.
    None if the path is not piecewise affine or no candidate passes (no claim either way)."""
    verts = getattr(path, "vertices", None)
    if verts is None:
        return None
    Xa = np.asarray(X, dtype=float)
    nseg = len(verts) - 1
    lo_q, hi_q = Fraction(float(lo)), Fraction(float(hi))
    for seg in range(nseg):
        A, B = verts[seg], verts[seg + 1]
        WA, WB = np.asarray(A[-1][0], dtype=float), np.asarray(B[-1][0], dtype=float)
        k, n = WA.shape
        cands: dict[Fraction, str] = {}
        for i in range(n):
            for j in range(k):
                pairs = [(j, None)] + [(j, jj) for jj in range(j + 1, k)]
                for a_j, b_j in pairs:
                    a = Fraction(float(WA[a_j, i])) - (0 if b_j is None else Fraction(float(WA[b_j, i])))
                    b = Fraction(float(WB[a_j, i])) - (0 if b_j is None else Fraction(float(WB[b_j, i])))
                    if a == b:
                        continue
                    u = a / (a - b)
                    lam = (seg + u) / nseg
                    if 0 <= u <= 1 and lo_q <= lam <= hi_q:
                        cands.setdefault(u, f"zero entry ({a_j}, {i})" if b_j is None
                                         else f"tie of classes {a_j}, {b_j} in column {i}")
        for u in sorted(cands):
            # speed only: skip the exact pass where the float forward pass at the nearest float λ is
            # visibly unbounded (a defect > 1e-9·(1 + max|P|), while rounding λ* to a float moves P by
            # ~eps·‖∂P/∂λ‖ ≈ 1e-14); the verdict is the exact pass alone, so this cannot certify falsely
            if _float_defect(path(float((seg + u) / nseg)), Xa, Y, loss) > 0:
                continue
            P = _exact_forward(A, B, u, Xa)
            if slice_is_bounded_exact(P, Y, loss):
                return Condition1Certificate((seg + u) / nseg, seg, cands[u], P)
    return None


def _iv_relu(z):
    from mpmath import iv
    if z.b <= 0:
        return iv.mpf(0)
    return z if z.a >= 0 else iv.mpf([0, z.b])


def _iv_network(path: PathFn, lam, X: Array) -> tuple[list[list], list[list]]:
    """Interval enclosures (mpmath.iv, outward rounding) over λ ∈ lam of the last hidden layer
    O_{h−1} (rows = data points; an entry is exactly [0, 0] only where the unit is certainly dead)
    and of the last layer W_h, for a path λ ↦ Σ_i coefficients(λ)_i · nets_i."""
    from mpmath import iv
    coeffs = path.coefficients(lam, iv.sin, iv.pi)
    nets = path.nets

    def mix(arrs: list) -> list:
        A = [np.asarray(a, dtype=float) for a in arrs]
        flat = [sum((c * iv.mpf(float(a.flat[q])) for c, a in zip(coeffs, A)), iv.mpf(0)) for q in range(A[0].size)]
        if A[0].ndim == 1:
            return flat
        n = A[0].shape[1]
        return [flat[r * n:(r + 1) * n] for r in range(A[0].shape[0])]

    rows = [[iv.mpf(float(v)) for v in x] for x in X]
    for layer in range(len(nets[0]) - 1):
        W = mix([net[layer][0] for net in nets])
        b = None if nets[0][layer][1] is None else mix([net[layer][1] for net in nets])
        rows = [[_iv_relu(sum((w * o for w, o in zip(Wr, O)), iv.mpf(0)) + (0 if b is None else b[i]))
                 for i, Wr in enumerate(W)] for O in rows]
    return rows, mix([net[-1][0] for net in nets])


def certify_bounded_slice_at(path: PathFn, X: ArrayLike, Y: ArrayLike, loss: str, lam: float) -> str:
    """Confirm that the slice of W^λ at the grid point λ is bounded (condition 1 fails there):
    exactly (rational forward pass at the rational λ) on a straight/polygonal path; by interval
    arithmetic on a path with ``.coefficients`` when every data point is certainly dead (P_t = 0)
    or — softmax — certainly correct. Returns a phrase starting "certified" or "not certified"."""
    from mpmath import iv
    verts = getattr(path, "vertices", None)
    Xa = np.asarray(X, dtype=float)
    if verts is not None:
        s = len(verts) - 1
        q = Fraction(float(lam)) * s
        j = min(int(q), s - 1)
        P = _exact_forward(verts[j], verts[j + 1], q - j, Xa)
        return ("certified exactly at this λ (rational forward pass: "
                + ("P = 0" if loss == "squared" else "every label attains its row maximum") + ")"
                if slice_is_bounded_exact(P, Y, loss) else "not certified (the exact slice is unbounded)")
    if getattr(path, "coefficients", None) is None:
        return "not certified (no exact or interval form of the path)"
    if float(2 * lam).is_integer():  # sin(kπλ) ∈ {0, ±1}: the coefficients are exact rationals
        # with pi = 1 the coefficient function asks for sin(π·x) at x = (k+1)·λ ∈ ½Z
        coeffs = [Fraction(c) for c in path.coefficients(Fraction(float(lam)), lambda x: (0, 1, 0, -1)[int(2 * x) % 4], 1)]
        return ("certified exactly at this λ (rational forward pass)"
                if slice_is_bounded_exact(_exact_forward_combo(coeffs, path.nets, Xa), Y, loss)
                else "not certified (the exact slice is unbounded)")
    O, W = _iv_network(path, iv.mpf(float(lam)), Xa)
    k, n = len(W), len(W[0])
    lab = np.asarray(Y)
    for t, Ot in enumerate(O):
        live = [u for u in range(n) if not _iv_zero(Ot[u])]
        if not live:
            continue
        if loss == "squared":
            return "not certified (a data point is live)"
        y = int(np.argmax(lab[t]) if lab.ndim == 2 else lab[t])
        if not all(sum((Ot[u] * (W[y][u] - W[c][u]) for u in live), iv.mpf(0)).a > 0 for c in range(k) if c != y):
            return "not certified (a live data point is not certainly correct)"
    return "certified by interval arithmetic at this λ (every data point dead or certainly correct)"


def _iv_zero(z) -> bool:
    return z.a == 0 and z.b == 0


def certify_condition1_violation_near(path: PathFn, X: ArrayLike, Y: ArrayLike, loss: str,
                                      grid_points: ArrayLike, bisections: int = 60) -> tuple[float, float, str] | None:
    """Interval-arithmetic certificate that condition 1 fails at some λ* in a bracket [a, b], for a
    path with ``.coefficients``/``.nets`` (straight, wiggly). For a last-layer column i and classes
    j ≠ j' (softmax; squared with k = 1: the entry j alone), g(λ) = W_h[j,i](λ) − W_h[j',i](λ):
    a float sign change of g between consecutive ``grid_points`` is narrowed by float bisection
    to [a, b] of width ≈ 1e-12; then, rigorously (mpmath.iv, outward rounding):
      (1) g(a), g(b) are enclosed by intervals of strictly opposite signs ⇒ g(λ*) = 0 for some
          λ* ∈ (a, b) (g is continuous);
      (2) over all of [a, b] every data point t is certainly dead (O_t = 0: P_t = 0), or fed only
          through unit i with its label y_t ∈ {j, j'} and W_h[y_t,i] − W_h[j'',i] > 0 for the other
          classes j'' (softmax; for squared k = 1 only "fed only through unit i"), or (softmax) is
          certainly correct: Σ_i O_ti (W_h[y_t,i] − W_h[j'',i]) > 0 for all j'' ≠ y_t.
    Then at λ* every label attains its row maximum (squared: P = 0), the slice is bounded with
    sup_c L = L(0) < L_0, and condition 1 fails. Returns (a, b, description) or None."""
    from mpmath import iv
    if getattr(path, "coefficients", None) is None:
        return None
    Xa = np.asarray(X, dtype=float)
    lab = np.asarray(Y)
    lab = (np.argmax(lab, axis=1) if lab.ndim == 2 else lab.astype(int)) if loss == "softmax_xent" else None
    lams = np.asarray(grid_points, dtype=float)
    Wh = [np.asarray(path(float(l))[-1][0], dtype=float) for l in lams]
    k, n = Wh[0].shape
    if loss == "squared" and k != 1:
        return None
    pairs = [(0, None)] if loss == "squared" else [(j, jj) for j in range(k) for jj in range(j + 1, k)]

    def g_float(l: float, i: int, j: int, jj: int | None) -> float:
        W = np.asarray(path(l)[-1][0], dtype=float)
        return float(W[j, i] - (0.0 if jj is None else W[jj, i]))

    def g_iv(W, i, j, jj):
        return W[j][i] - (0 if jj is None else W[jj][i])

    for i in range(n):
        for j, jj in pairs:
            g = np.array([W[j, i] - (0.0 if jj is None else W[jj, i]) for W in Wh])
            for q in np.nonzero(g[:-1] * g[1:] < 0)[0]:
                a, b = float(lams[q]), float(lams[q + 1])
                ga = g[q]
                for _ in range(bisections):  # down to width 1e-12: g stays far above the ~1e-16 enclosure width
                    mid = 0.5 * (a + b)
                    if b - a < 1e-12:
                        break
                    gm = g_float(mid, i, j, jj)
                    if gm == 0.0:
                        break
                    a, b, ga = (mid, b, gm) if (gm > 0) == (ga > 0) else (a, mid, ga)
                # (1) rigorous sign change at the end points
                _, Wa = _iv_network(path, iv.mpf(a), Xa[:1])
                _, Wb = _iv_network(path, iv.mpf(b), Xa[:1])
                za, zb = g_iv(Wa, i, j, jj), g_iv(Wb, i, j, jj)
                if not ((za.b < 0 and zb.a > 0) or (za.a > 0 and zb.b < 0)):
                    continue
                # (2) the rows over the whole bracket
                O, W = _iv_network(path, iv.mpf([a, b]), Xa)
                ok = True
                for t, Ot in enumerate(O):
                    live = [u for u in range(n) if not _iv_zero(Ot[u])]
                    if not live:
                        continue
                    if loss == "squared":
                        ok = live == [i]
                    else:
                        y = int(lab[t])
                        others = [c for c in range(k) if c != y]
                        correct = all(sum((Ot[u] * (W[y][u] - W[c][u]) for u in live), iv.mpf(0)).a > 0 for c in others)
                        tied = (live == [i] and y in (j, jj)
                                and all((W[y][i] - W[c][i]).a > 0 for c in range(k) if c not in (j, jj)))
                        ok = correct or tied
                    if not ok:
                        break
                if ok:
                    what = (f"zero of last-layer entry (0, {i})" if jj is None
                            else f"tie of classes {j}, {jj} in column {i} of the last layer")
                    return a, b, what
    return None


# ----------------------------------------------------------------------------- the construction
class RescaledPath:
    """λ ↦ c(λ): the increasing-branch scale at level τ(λ) on the slice of W^(λ) (module doc, steps 1–2).

    Raises ValueError if L(P(W^(1))) ≥ L(P(W^(0))), ConditionViolated(2) if L(P(W^(0))) ≤ L(0)
    (or if the solver's c(0) is not 1), ConditionViolated(1) if a slice cannot reach its level.
    """

    def __init__(self, path: PathFn, X: ArrayLike, Y: ArrayLike, loss: str, k: int) -> None:
        self.path, self.X, self.Y, self.loss, self.k = path, X, Y, loss, k
        S0 = slice_of(path(0.0), X, Y, loss)
        self.S1 = slice_of(path(1.0), X, Y, loss)
        self.L0, self.L1 = S0.value(1.0), self.S1.value(1.0)
        self.L_zero = zero_loss(X, Y, k, loss)
        if not self.L0 > self.L_zero:
            raise ConditionViolated(2, f"L(P(W0)) = {self.L0!r} ≤ L(0) = {self.L_zero!r}", L0=self.L0, L_zero=self.L_zero)
        if not self.L1 < self.L0:
            raise ValueError(f"path: needs L(P(W1)) < L(P(W0)), got {self.L1!r} ≥ {self.L0!r}")
        M = max(self.L_zero, self.L1)
        self.tau_end = M + 0.5 * (self.L0 - M)
        # c = 1 is the unique increasing-branch point at level L0 (condition 2 + convexity): the
        # solver must agree to its tolerance, and the path then starts exactly at W0.
        self.c0_solver = S0.increasing_branch_point(self.L0, 0.0)
        if abs(self.c0_solver - 1.0) > 64 * EPS * max(1.0, abs(self.c0_solver)) + 1e-12:
            raise ConditionViolated(2, f"c(0) = {self.c0_solver!r} ≠ 1: W0 is not on the increasing branch",
                                    c0=self.c0_solver)

    def level(self, lam: float) -> float:
        return self.L0 if lam == 0.0 else self.L0 - lam * (self.L0 - self.tau_end)

    def slice(self, lam: float) -> Slice:
        return slice_of(self.path(lam), self.X, self.Y, self.loss)

    def scale(self, lam: float) -> float:
        if lam == 0.0:
            return 1.0
        try:
            return self.slice(lam).increasing_branch_point(self.level(lam), lam)
        except ConditionViolated as exc:
            how = certify_bounded_slice_at(self.path, self.X, self.Y, self.loss, lam)
            raise ConditionViolated(1, f"{str(exc).split(': ', 1)[1]}; {how}", **exc.certificate) from exc

    def point(self, lam: float, c: float | None = None) -> Params:
        """W̃(λ) = W^(λ) with its last layer multiplied by c(λ)."""
        return scaled(self.path(lam), self.scale(lam) if c is None else c)


@dataclass
class MonotonePath:
    """The constructed path on a (refined) grid, then the finish segment on the slice λ = 1."""

    lambdas: Array  # 0 = λ_0 < … < λ_N = 1 (uniform, then bisected where steps were large)
    scales: Array  # c(λ_j); scales[0] = 1 exactly (checked against the solver: c0_solver)
    levels: Array  # τ(λ_j)
    values: Array  # L(P(W̃(λ_j))) recomputed by the forward pass
    given_values: Array  # L(P(W^(λ_j))) of the given path, for comparison
    points: list[Array]  # flattened W̃(λ_j)
    slopes: Array  # φ'_{λ_{j+1}}(min(c_j, c_{j+1})), the convexity bound's denominator
    cross_values: Array  # φ_{λ_{j+1}}(c_j)
    finish_scales: Array  # c from c(1) down to c_fin on the slice λ = 1
    finish_values: Array
    L0: float
    L1: float
    L_zero: float
    tau_end: float
    c0_solver: float
    rel_step: float
    h_min: float

    @property
    def all_values(self) -> Array:
        return np.concatenate([self.values, self.finish_values[1:]])

    @property
    def relative_steps(self) -> Array:
        """‖W̃_{j+1} − W̃_j‖ / max(‖W̃_j‖, ‖W̃_{j+1}‖) for the main part."""
        return np.array([np.linalg.norm(b - a) / max(np.linalg.norm(a), np.linalg.norm(b))
                         for a, b in zip(self.points, self.points[1:])])


def build_monotone_path(path: PathFn, X: ArrayLike, Y: ArrayLike, loss: str, k: int, grid: int = 100,
                        finish_grid: int = 50, rel_step: float = 0.05, h_min: float = 1e-6) -> MonotonePath:
    """Build the rescaled path of Theorem 1 (see module doc) on a grid: ``grid`` uniform steps in λ,
    each bisected until consecutive points differ by at most ``rel_step`` of their norm or the
    step is shorter than ``h_min`` (then left as is: a jump there is for the caller's check to see).
    ConditionViolated(1) first if :func:`certify_condition1_violation` certifies an exact violation."""
    if grid < 2 or finish_grid < 2:
        raise ValueError(f"grid, finish_grid: need ≥ 2 points each, got {grid}, {finish_grid}")
    rp = RescaledPath(path, X, Y, loss, k)
    # condition 1 checked exactly where it generically fails on a (piecewise) affine path — a class
    # tie (or P = 0) crossed in the last layer: there sup_c L(c·P) = L(0) < L_0, c(λ) → ∞ as λ → λ*,
    # and no continuous rescaled path at levels τ(λ) > L(0) exists
    cert = certify_condition1_violation(path, X, Y, loss)
    if cert is not None:
        raise ConditionViolated(
            1, f"certified exactly: at the rational λ* = {float(cert.lam_star):.12g} ({cert.kind} of the last "
            f"layer) the slice is bounded, sup_c L(c·P(W^λ*)) = L(0) = {rp.L_zero!r} < L_0 = {rp.L0!r} (exact "
            f"rational forward pass), so c(λ) → ∞ as λ → λ*", lam=float(cert.lam_star), L_zero=rp.L_zero, L0=rp.L0)
    lams = list(np.linspace(0.0, 1.0, grid + 1))
    rec = {}

    def at(lam: float):
        if lam not in rec:
            S = rp.slice(lam)
            c = rp.scale(lam)
            rec[lam] = (S, c, flatten(scaled(rp.path(lam), c)))
        return rec[lam]

    out = [lams[0]]
    stack = list(reversed(lams[1:]))
    while stack:
        b = stack.pop()
        a = out[-1]
        pa, pb = at(a)[2], at(b)[2]
        big = np.linalg.norm(pb - pa) > rel_step * max(np.linalg.norm(pa), np.linalg.norm(pb))
        if big and b - a >= 2 * h_min:
            stack.extend([b, 0.5 * (a + b)])
        else:
            out.append(b)
    L = np.array(out)
    # a jump left standing at spacing < 2·h_min: if condition 1 provably fails at some λ* within one
    # coarse cell of it (interval certificate), c(λ) → ∞ there and the theorem does not apply
    for j in range(len(L) - 1):
        pa, pb = at(L[j])[2], at(L[j + 1])[2]
        if np.linalg.norm(pb - pa) > rel_step * max(np.linalg.norm(pa), np.linalg.norm(pb)):
            win = L[(L >= L[j] - 1.0 / grid) & (L <= L[j + 1] + 1.0 / grid)]
            cert = certify_condition1_violation_near(path, X, Y, loss, win)
            if cert is not None:
                a, b, what = cert
                raise ConditionViolated(
                    1, f"certified by interval arithmetic: a {what} at some λ* ∈ [{a!r}, {b!r}] where the "
                    f"slice is bounded, sup_c L(c·P(W^λ*)) = L(0) = {rp.L_zero!r} < L_0 = {rp.L0!r}; c(λ) → ∞ as "
                    f"λ → λ*, next to the unresolved step [{L[j]:.9f}, {L[j + 1]:.9f}]", lam_lo=a, lam_hi=b,
                    L_zero=rp.L_zero, L0=rp.L0)
    S = [at(l)[0] for l in L]
    cs = np.array([at(l)[1] for l in L])
    values = np.array([s.value(c) for s, c in zip(S, cs)])
    slopes = np.array([S[j + 1].slope(min(cs[j], cs[j + 1])) for j in range(len(L) - 1)])
    cross = np.array([S[j + 1].value(cs[j]) for j in range(len(L) - 1)])
    c_fin = rp.S1.increasing_branch_point(rp.L1, 1.0)
    fin_cs = np.linspace(cs[-1], c_fin, finish_grid + 1)
    fin_vals = np.array([rp.S1.value(c) for c in fin_cs])
    return MonotonePath(L, cs, np.array([rp.level(l) for l in L]), values, np.array([s.value(1.0) for s in S]),
                        [at(l)[2] for l in L], slopes, cross, fin_cs, fin_vals, rp.L0, rp.L1, rp.L_zero,
                        rp.tau_end, rp.c0_solver, rel_step, h_min)


def slice_minima(path: PathFn, X: ArrayLike, Y: ArrayLike, loss: str, grid: int = 200) -> tuple[Array, Array]:
    """(λ_j, min_{c≥0} L(c·P(W^(λ_j)))) on a grid: if some slice minimum exceeds L(P(W^(0))), no
    strictly decreasing path of the form c(s)·W^(λ(s)) leaves W^(0) along this path."""
    lams = np.linspace(0.0, 1.0, grid + 1)
    return lams, np.array([slice_of(path(float(l)), X, Y, loss).minimum() for l in lams])
