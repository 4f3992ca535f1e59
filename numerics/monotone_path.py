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
    """λ ↦ (1 − λ)W0 + λW1."""
    return lambda lam: _combine([1.0 - lam, lam], [W0, W1])


def wiggly_path(W0: Params, W1: Params, bumps: list[Params]) -> PathFn:
    """λ ↦ (1 − λ)W0 + λW1 + Σ_k sin((k+1)πλ)·B_k: smooth, same end points, typically uphill in between."""
    return lambda lam: _combine([1.0 - lam, lam] + [math.sin((k + 1) * math.pi * lam) for k in range(len(bumps))],
                                [W0, W1, *bumps])


def polygon_path(points: list[Params]) -> PathFn:
    """Piecewise-linear path through the given points, equally spaced in λ (continuous, with kinks)."""
    if len(points) < 2:
        raise ValueError("points: need at least two points")
    s = len(points) - 1

    def path(lam: float) -> Params:
        j = min(int(lam * s), s - 1)
        u = lam * s - j
        return _combine([1.0 - u, u], [points[j], points[j + 1]])

    return path


def scaled(params: Params, c: float) -> Params:
    """W with its last layer multiplied by c (so P ↦ c·P)."""
    return deep_relu.scale_last_layer(params, c)


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
        if not self.L1 < self.L0:
            raise ValueError(f"path: needs L(P(W1)) < L(P(W0)), got {self.L1!r} ≥ {self.L0!r}")
        if not self.L0 > self.L_zero:
            raise ConditionViolated(2, f"L(P(W0)) = {self.L0!r} ≤ L(0) = {self.L_zero!r}", L0=self.L0, L_zero=self.L_zero)
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
        return self.slice(lam).increasing_branch_point(self.level(lam), lam)

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
    step is shorter than ``h_min`` (then left as is: a jump there is for the caller's check to see)."""
    if grid < 2 or finish_grid < 2:
        raise ValueError(f"grid, finish_grid: need ≥ 2 points each, got {grid}, {finish_grid}")
    rp = RescaledPath(path, X, Y, loss, k)
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
