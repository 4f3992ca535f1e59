"""Is a random start worse than the zero predictor?  Trials and checks for SS16.Prop1 / SS16.Prop2.

SS16 §3 writes the objective as L(P(W)) with P(W) the (m, k) output matrix of a deep ReLU net
(:mod:`numerics.deep_relu`) and asks for the event E = {L(P(W⁰)) > L(0)} (condition 2 of Thm 1).

The pairing argument (derived here; the appendix is not in the seed). Under Assumption 1 the
last layer W_h is independent of the rest and W_h ↦ −W_h preserves its law, so P and −P are
equally distributed. Let g(c) = L(c·P), convex on [−1, 1]. If g is strictly convex there and
P ≠ 0 then L(P) + L(−P) = g(1) + g(−1) > 2g(0) = 2L(0), so E holds for P or for −P; hence

    P[E] ≥ ½ · P[P ≠ 0 and g strictly convex] = ½ · r · P[P ≠ 0],
    r := P[g strictly convex on [−1, 1] | P ≠ 0].

P ≠ 0 as soon as one data point x_1 has O_{h−1}(x_1) ≠ 0 (then W_h O_{h−1}(x_1) ≠ 0 a.s.); every
last-hidden neuron sees the non-zero input (O_{h−2}(x_1), 1) (the bias!) and is inactive with
probability exactly ½, independently, so P[P ≠ 0] ≥ 1 − 2^{−n_{h−1}}:

    SS16.Prop2:  P[E] ≥ (r/2)(1 − 2^{−n_{h−1}});   SS16.Prop1 is r = 1 (squared loss: g is
    strictly convex iff P ≠ 0; softmax cross-entropy: iff some row of P is non-constant, which
    has probability 1 given P ≠ 0 when k ≥ 2 and W_h has a density).

Without hidden biases and depth ≥ 3, O_{h−2}(x_1) can vanish and the bound can fail (a negative
control). Each trial draws W⁰ for a fixed data set and records (P ≠ 0, g strictly convex,
E) exactly; :func:`check_prop1` / :func:`check_prop2` test the counts with exact one-sided
Clopper–Pearson bounds (:mod:`numerics.montecarlo`).

Losses (:class:`ConvexLoss`): each has ``value(P, Y)`` and the exact test
``strictly_convex_along(P, Y)`` of "c ↦ L(cP) strictly convex on [−1, 1]".
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics import deep_relu
from numerics.montecarlo import BinomialEvidence, check_probability_at_least, clopper_pearson_lower

Array = NDArray[np.float64]

__all__ = [
    "ConvexLoss",
    "SquaredLoss",
    "SoftmaxXent",
    "DeadZoneSquaredLoss",
    "AbsoluteLoss",
    "pairing_gap",
    "check_pairing",
    "Prop12Setup",
    "Prop12Outcome",
    "prop12_trial",
    "tally",
    "estimate_prop12",
    "prop1_bound",
    "prop2_bound",
    "check_prop1",
    "check_prop2",
]


# ----------------------------------------------------------------------------- losses
class ConvexLoss(ABC):
    """A loss L(P) convex in the (m, k) prediction matrix P, with its exact strictness test.

    Both methods accept one P (m, k) or a batch (B, m, k) (then they return arrays of B values).
    """

    name = "loss"

    @abstractmethod
    def value(self, P: ArrayLike, Y: ArrayLike) -> Any:
        """L(P) for one P or a batch."""

    @abstractmethod
    def strictly_convex_along(self, P: ArrayLike, Y: ArrayLike) -> Any:
        """Is c ↦ L(c·P) strictly convex on [−1, 1]? (exact, from the loss's structure)"""

    def __repr__(self) -> str:
        return self.name


def _per_network(values: Any) -> Any:
    arr = np.asarray(values)
    return bool(arr) if arr.ndim == 0 else arr


@dataclass(frozen=True, repr=False)
class SquaredLoss(ConvexLoss):
    """L(P) = (1/m)Σ_t‖P_t − Y_t‖²; L(cP) = c²‖P‖²/m − 2c⟨P,Y⟩/m + L(0): strictly convex iff P ≠ 0."""

    name = "squared"

    def value(self, P: ArrayLike, Y: ArrayLike) -> Any:
        return deep_relu.squared_loss(P, Y)

    def strictly_convex_along(self, P: ArrayLike, Y: ArrayLike) -> Any:
        return _per_network(np.any(np.asarray(P) != 0.0, axis=(-2, -1)))


@dataclass(frozen=True, repr=False)
class SoftmaxXent(ConvexLoss):
    """Softmax cross-entropy. d²/dc² L(cP) = (1/m)Σ_t Var_{softmax(cP_t)}(P_t) > 0 iff some row is non-constant."""

    name = "softmax_xent"

    def value(self, P: ArrayLike, Y: ArrayLike) -> Any:
        return deep_relu.softmax_xent(P, Y)

    def strictly_convex_along(self, P: ArrayLike, Y: ArrayLike) -> Any:
        P = np.asarray(P, dtype=float)
        return _per_network(np.any(P.max(axis=-1) > P.min(axis=-1), axis=-1))


@dataclass(frozen=True, repr=False)
class DeadZoneSquaredLoss(ConvexLoss):
    """ε-insensitive squared loss L(P) = (1/m)Σ_{t,j} [|P_tj − Y_tj| − τ]_+² (convex, not strictly).

    Each term h(p) = [|p − y| − τ]_+² is 0 on its dead zone |p − y| ≤ τ and strictly convex
    (curvature 2) outside it. Along c ↦ c·P, term (t, j) is affine exactly on
    D_tj = {c : |c P_tj − Y_tj| ≤ τ} (on all of [−1, 1] when P_tj = 0: then it is constant),
    so L(cP) is strictly convex on [−1, 1] iff ∩_{t,j} D_tj ∩ [−1, 1] has empty interior
    (a sum of convex functions is affine on an interval iff every term is).
    """

    tau: float = 0.5
    name = "dead_zone_squared"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.tau) and self.tau > 0):
            raise ValueError(f"tau: must be a finite positive number, got {self.tau!r}")

    def value(self, P: ArrayLike, Y: ArrayLike) -> Any:
        P = np.asarray(P, dtype=float)
        Yarr = _as_targets(P, Y)
        return deep_relu._reduce(np.sum(np.maximum(np.abs(P - Yarr) - self.tau, 0.0) ** 2, axis=(-2, -1)) / P.shape[-2])

    def strictly_convex_along(self, P: ArrayLike, Y: ArrayLike) -> Any:
        P = np.asarray(P, dtype=float)
        Yarr = np.broadcast_to(_as_targets(P, Y), P.shape)
        nz = P != 0.0
        safe = np.where(nz, P, 1.0)
        e1, e2 = (Yarr - self.tau) / safe, (Yarr + self.tau) / safe
        lo_t = np.where(nz, np.minimum(e1, e2), -np.inf)  # zero terms: no restriction
        hi_t = np.where(nz, np.maximum(e1, e2), np.inf)
        lo = np.maximum(lo_t.max(axis=(-2, -1)), -1.0)
        hi = np.minimum(hi_t.min(axis=(-2, -1)), 1.0)
        return _per_network(~(hi > lo))


@dataclass(frozen=True, repr=False)
class AbsoluteLoss(ConvexLoss):
    """L(P) = (1/m)Σ_{t,j}|P_tj − Y_tj|: convex, piecewise linear — never strictly convex along a line."""

    name = "absolute"

    def value(self, P: ArrayLike, Y: ArrayLike) -> Any:
        P = np.asarray(P, dtype=float)
        return deep_relu._reduce(np.sum(np.abs(P - _as_targets(P, Y)), axis=(-2, -1)) / P.shape[-2])

    def strictly_convex_along(self, P: ArrayLike, Y: ArrayLike) -> Any:
        return _per_network(np.zeros(np.asarray(P).shape[:-2], dtype=bool))


def _as_targets(P: Array, Y: ArrayLike) -> Array:
    Yarr = np.asarray(Y, dtype=float)
    if Yarr.ndim == 1 and P.shape[-1] == 1:
        Yarr = Yarr[:, None]
    if Yarr.shape != P.shape[-2:]:
        raise ValueError(f"Y: shape {Yarr.shape} does not match P of shape {P.shape}")
    if not np.all(np.isfinite(Yarr)):
        raise ValueError("Y: contains NaN or infinite entries")
    return Yarr


# ----------------------------------------------------------------------------- pairing
def pairing_gap(loss: ConvexLoss, P: ArrayLike, Y: ArrayLike) -> tuple[float, float]:
    """(L(P) + L(−P) − 2L(0), its floating-point rounding tolerance).

    The tolerance is 64·ε_mach·(|L(P)| + |L(−P)| + 2|L(0)|): each loss is a sum of m·k
    non-negative terms (few ulps each, relative to the total), and the gap is a difference of
    such totals, so its rounding error is a small multiple of ε_mach times their magnitudes.
    """
    P = np.asarray(P, dtype=float)
    if P.ndim != 2 or P.size == 0 or not np.all(np.isfinite(P)):
        raise ValueError(f"P: need a finite non-empty (m, k) matrix, got shape {P.shape}")
    lp, lm, l0 = loss.value(P, Y), loss.value(-P, Y), loss.value(np.zeros_like(P), Y)
    tol = 64 * np.finfo(float).eps * (abs(lp) + abs(lm) + 2 * abs(l0))
    return lp + lm - 2 * l0, tol


def check_pairing(loss: ConvexLoss, P: ArrayLike, Y: ArrayLike) -> dict[str, float]:
    """The pairing step of SS16.Prop1: L(P) + L(−P) > 2L(0) for P ≠ 0 (ClaimRejected otherwise).

    Rejects when the gap does not exceed its rounding tolerance (so an exact tie — a loss flat
    along ±P — is a rejection, never a pass).
    """
    from overspec.testing import ClaimRejected

    P = np.asarray(P, dtype=float)
    if not np.any(P != 0.0):
        raise ValueError("P: the pairing property is claimed for P ≠ 0 only")
    gap, tol = pairing_gap(loss, P, Y)
    if not gap > tol:
        raise ClaimRejected(
            f"{loss.name}: L(P) + L(−P) − 2L(0) = {gap:.3e} is not > 0 (rounding tolerance {tol:.1e}) "
            f"at P ≠ 0 (max |P| = {float(np.abs(P).max()):.3g})"
        )
    return {"gap": gap, "tolerance": tol}


# ----------------------------------------------------------------------------- trials
@dataclass(frozen=True)
class Prop12Setup:
    """A fixed data set, an architecture ``widths = [d, n_1, …, n_{h−1}, k]``, a law and a loss."""

    X: Any
    Y: Any
    widths: tuple[int, ...]
    law: Any
    loss: ConvexLoss
    bias: bool = True
    label: str = field(default="")
    output_law: Any = None  # law of the output layer W_h (default: ``law``); negative controls only

    def __post_init__(self) -> None:
        X = np.asarray(self.X, dtype=float)
        if X.ndim != 2 or X.shape[0] < 1 or not np.all(np.isfinite(X)):
            raise ValueError(f"X: need a finite (m, d) data matrix with m ≥ 1, got shape {X.shape}")
        if len(self.widths) < 3 or self.widths[0] != X.shape[1]:
            raise ValueError(f"widths: need [d={X.shape[1]}, n_1, …, n_(h−1), k], got {self.widths!r}")
        if not np.any(np.linalg.norm(X, axis=1) > 0):
            raise ValueError("X: every data point is 0 (then P = 0 for bias-free nets)")

    @property
    def X_array(self) -> Array:
        return np.asarray(self.X, dtype=float)

    @property
    def n_last(self) -> int:
        """n_{h−1}, the width of the last hidden layer."""
        return int(self.widths[-2])

    @property
    def depth(self) -> int:
        return len(self.widths) - 1


@dataclass(frozen=True)
class Prop12Outcome:
    nonzero: int  # P ≠ 0
    strict: int  # P ≠ 0 and c ↦ L(cP) strictly convex on [−1, 1]
    higher: int  # L(P(W⁰)) > L(0)
    paired: int  # L(P) + L(−P) > 2L(0)


def prop12_trial(rng: np.random.Generator, index: int, setup: Prop12Setup, block: int = 250) -> tuple[int, int, int, int]:
    """``block`` independent initializations W⁰ ~ law (Assumption 1 per neuron, biases when ``setup.bias``).

    Returns the counts, among them, of (P ≠ 0, P ≠ 0 and c ↦ L(cP) strictly convex on [−1, 1],
    L(P) > L(0), L(P) + L(−P) > 2L(0)). One run_trials "trial" is a block of i.i.d. draws
    (vectorized), so n trials give n·block Bernoulli samples of each event. Use with
    ``functools.partial(prop12_trial, setup=..., block=...)``.
    """
    params = deep_relu.init_params(
        setup.widths, setup.law, rng, bias=setup.bias, batch=block, output_law=setup.output_law
    )
    P = deep_relu._forward_unchecked(params, setup.X_array)  # (block, m, k)
    nonzero = np.any(P != 0.0, axis=(-2, -1))
    strict = nonzero & np.asarray(setup.loss.strictly_convex_along(P, setup.Y), dtype=bool)
    lp = np.asarray(setup.loss.value(P, setup.Y))
    lm = np.asarray(setup.loss.value(-P, setup.Y))
    l0 = setup.loss.value(np.zeros(P.shape[-2:]), setup.Y)
    return int(nonzero.sum()), int(strict.sum()), int((lp > l0).sum()), int((lp + lm > 2 * l0).sum())


def tally(results: Sequence[tuple[int, int, int, int]]) -> Prop12Outcome:
    """Sum the counts of trial blocks."""
    a = np.asarray(results, dtype=np.int64).reshape(-1, 4)
    return Prop12Outcome(*(int(s) for s in a.sum(axis=0)))


def estimate_prop12(
    setup: Prop12Setup, samples: int, base_seed: int, *, block: int = 250, **run_kwargs: Any
) -> tuple[Prop12Outcome, int]:
    """Run ⌈samples/block⌉ blocks through :func:`numerics.montecarlo.run_trials`; (counts, draws)."""
    from functools import partial

    from numerics.montecarlo import run_trials

    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise ValueError(f"samples: must be a positive integer, got {samples!r}")
    if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1:
        raise ValueError(f"block: must be a positive integer, got {block!r}")
    n_blocks = -(-int(samples) // int(block))
    results = run_trials(partial(prop12_trial, setup=setup, block=int(block)), n_blocks, base_seed, **run_kwargs)
    return tally(results), n_blocks * int(block)


# ----------------------------------------------------------------------------- checks
def prop1_bound(n_last: int, constant: Fraction = Fraction(1, 2), base: int = 2) -> float:
    """½(1 − 2^{−n_{h−1}}) (theory.bound_prop1); ``constant``/``base`` only for mutated claims."""
    if isinstance(n_last, bool) or not isinstance(n_last, (int, np.integer)) or n_last < 1:
        raise ValueError(f"n_last: must be a positive integer, got {n_last!r}")
    if constant == Fraction(1, 2) and base == 2:
        from theory import bound_prop1  # the one source of truth for the printed bound

        return float(bound_prop1(int(n_last)))
    return float(Fraction(constant) * (1 - Fraction(1, int(base) ** int(n_last))))


def prop2_bound(r: float, n_last: int, constant: float = 0.5) -> float:
    """(r/2)(1 − 2^{−n_{h−1}}) — SS16.Prop2 (``constant`` ≠ ½ only for a mutated claim)."""
    if not (math.isfinite(r) and 0.0 <= r <= 1.0):
        raise ValueError(f"r: must lie in [0, 1], got {r!r}")
    return min(1.0, constant * r * (1 - 2.0 ** (-int(n_last))))


def check_prop1(outcome: Prop12Outcome, trials: int, n_last: int, *, alpha: float = 1e-6, bound: float | None = None) -> BinomialEvidence:
    """P[L(P(W⁰)) > L(0)] ≥ ½(1 − 2^{−n_{h−1}}) against ``outcome.higher`` of ``trials`` (or ``bound``)."""
    b = prop1_bound(n_last) if bound is None else float(bound)
    return check_probability_at_least(outcome.higher, trials, b, alpha)


def check_prop2(
    outcome: Prop12Outcome,
    trials: int,
    n_last: int,
    *,
    alpha: float = 1e-6,
    r: float | None = None,
    constant: float = 0.5,
) -> dict[str, Any]:
    """SS16.Prop2 with the strict-convexity probability r estimated from the same trials.

    r is unknown; any r' ≤ r keeps the claim true, so the check uses r' = the one-sided
    Clopper–Pearson lower bound of (#strict)/(#P ≠ 0) at level α/2 and tests
    P[E] ≥ (r'/2)(1 − 2^{−n_{h−1}}) at level α/2: by the union bound the false-alarm probability
    is ≤ α. A given ``r`` (a mutated claim) is used as is, with the whole α on the test of E.
    """
    if outcome.nonzero < 1:
        raise ValueError("outcome: no trial had P ≠ 0, so r is not estimable")
    if r is None:
        r_used = clopper_pearson_lower(outcome.strict, outcome.nonzero, alpha / 2)
        alpha_e = alpha / 2
    else:
        r_used, alpha_e = float(r), alpha
    bound = prop2_bound(r_used, n_last, constant)
    ev = check_probability_at_least(outcome.higher, trials, bound, alpha_e)
    return {
        "r_estimate": outcome.strict / outcome.nonzero,
        "r_used": r_used,
        "r_trials": outcome.nonzero,
        "nonzero_fraction": outcome.nonzero / trials,
        **ev.as_dict(),
    }
