"""Losses of the basin program: h(p) = (1/m) Σ_t ℓ(p_t, y_t), its CVXPY form and its conjugate h*.

The conjugate gives the Lagrange dual value −h*(λ) used by the certificate
(numerics.basins.certificate); user losses get theirs from a small DPP problem.
"""

from __future__ import annotations

import math
from typing import Callable, Literal, Union

import cvxpy as cp
import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
LossName = Literal["squared", "absolute", "logistic", "hinge"]
#: A user loss: ``f(p, y)`` → a CVXPY expression of shape (m,), the per-sample losses ℓ(p_t, y_t),
#: convex in p (DCP), with ``y`` a :class:`cvxpy.Parameter`. The objective is (1/m)·Σ_t of it.
UserLoss = Callable[[cp.Expression, cp.Expression], cp.Expression]
Loss = Union[LossName, UserLoss]

BUILTIN_LOSSES: tuple[str, ...] = ("squared", "absolute", "logistic", "hinge")


def _check_loss(loss: Loss, y: Array) -> None:
    if callable(loss):
        return
    if loss not in BUILTIN_LOSSES:
        raise ValueError(f"loss: expected one of {BUILTIN_LOSSES} or a callable, got {loss!r}")
    if loss in ("logistic", "hinge") and not np.all(np.abs(y) == 1):
        raise ValueError(f"y: the {loss} loss needs labels in {{−1, +1}}")


def _loss_key(loss: Loss) -> str:
    """A printable name of the loss (user losses: ``user:<qualname>``)."""
    return loss if isinstance(loss, str) else f"user:{getattr(loss, '__qualname__', 'loss')}"


def _loss_token(loss: Loss) -> Loss:
    """The cache key of a loss: its name, or the callable itself (held by the cache, so its id
    can never be reused by another function while the entry lives)."""
    return loss


def _loss_elementwise_np(loss: Loss, p: Array, y: Array) -> Array:
    """ℓ(p_t, y_t) per sample, in NumPy (user losses: their CVXPY expression on constants)."""
    if loss == "squared":
        return (p - y) ** 2
    if loss == "absolute":
        return np.abs(p - y)
    if loss == "logistic":
        return np.logaddexp(0.0, -y * p)
    if loss == "hinge":
        return np.maximum(0.0, 1.0 - y * p)
    val = loss(cp.Constant(p), cp.Constant(y)).value  # type: ignore[operator]
    return np.broadcast_to(np.asarray(val, dtype=float), p.shape).copy()


def objective_value(loss: Loss, p: ArrayLike, y: ArrayLike) -> float:
    """h(p) = (1/m) Σ_t ℓ(p_t, y_t), SS16's L_S as a function of the predictions."""
    p = np.asarray(p, dtype=float)
    return float(np.mean(_loss_elementwise_np(loss, p, np.asarray(y, dtype=float))))


def _loss_cvx(loss: Loss, p: cp.Expression, y: cp.Parameter) -> cp.Expression:
    if loss == "squared":
        return cp.square(p - y)
    if loss == "absolute":
        return cp.abs(p - y)
    if loss == "logistic":
        return cp.logistic(-cp.multiply(y, p))
    if loss == "hinge":
        return cp.pos(1 - cp.multiply(y, p))
    return loss(p, y)  # type: ignore[operator]


def _conjugate(loss: Loss, lam: Array, y: Array) -> tuple[float, Array]:
    """h*(λ) = (1/m)Σ_t ℓ*(m λ_t; y_t) for the built-in losses, after projecting λ onto dom h*.

    squared ℓ*(s) = s y + s²/4; absolute ℓ*(s) = s y on |s| ≤ 1; logistic (y = ±1)
    ℓ*(s) = q log q + (1−q) log(1−q) with q = −s y ∈ [0, 1]; hinge (y = ±1) ℓ*(s) = s y on
    s y ∈ [−1, 0]. Returns (h*(λ'), λ') with λ' the projected multiplier.
    """
    m = lam.size
    s = m * lam
    if loss == "squared":
        return float(np.mean(s * y + s * s / 4.0)), lam
    if loss == "absolute":
        s = np.clip(s, -1.0, 1.0)
        return float(np.mean(s * y)), s / m
    if loss == "logistic":
        q = np.clip(-s * y, 0.0, 1.0)
        ent = np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0) + np.where(
            q < 1, (1 - q) * np.log(np.where(q < 1, 1 - q, 1.0)), 0.0
        )
        return float(np.mean(ent)), -q * y / m
    if loss == "hinge":
        c = np.clip(s * y, -1.0, 0.0)
        return float(np.mean(c)), c * y / m
    raise TypeError("no closed-form conjugate for a user loss")


class _UserConjugate:
    """h*(λ) = sup_p λᵀp − (1/m)Σ ℓ(p_t, y_t) for a user loss, one DPP problem per (m, loss)."""

    def __init__(self, loss: UserLoss, m: int) -> None:
        self.p = cp.Variable(m)
        self.lam = cp.Parameter(m)
        self.y = cp.Parameter(m)
        obj = self.lam @ self.p - cp.sum(loss(self.p, self.y)) / m
        self.prob = cp.Problem(cp.Maximize(obj))

    def __call__(self, lam: Array, y: Array) -> float:
        self.lam.value, self.y.value = lam, y
        self.prob.solve(solver=cp.CLARABEL)
        if self.prob.status != "optimal":
            return math.inf
        return float(self.prob.value)



_USER_CONJ: dict[tuple, _UserConjugate] = {}


def _user_conjugate(loss: UserLoss, m: int) -> _UserConjugate:
    """The conjugate problem of a user loss for m samples (built on first use, then reused)."""
    key = (m, _loss_token(loss))
    conj = _USER_CONJ.get(key)
    if conj is None:
        conj = _USER_CONJ[key] = _UserConjugate(loss, m)
    return conj
