"""The certificate of a basin value and the lift back to (W, v) (SS16.Lemma1).

With the explicit constraints p = Σ_j Q_j u_j (multiplier λ) and G_j u_j ≥ 0 (multipliers
z_j ≥ 0) the Lagrange dual value is −h*(λ), valid when the stationarity residual
max_j ‖Q_jᵀλ − G_jᵀz_j‖ vanishes; for the NNLS paths λ is checked against the generators of
every K_j instead (Farkas). The certificate records the duality gap h(p) + h*(λ), that
residual, the primal feasibility residual max(0, −G_j u_j) (relative to ‖x_t‖·‖u_j‖), the
solver and its status, and the lift check: the network of the lifted (W, v), evaluated by
numerics.network.forward, must have the value as its loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.basins.errors import SolverError
from numerics.basins.losses import Loss, _conjugate, _loss_elementwise_np, _user_conjugate, objective_value
from numerics.basins.patterns import _pattern_data
from numerics.basins.programs import CLARABEL_TOL
from numerics.network import forward

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: A certificate is accepted when gap ≤ CERT_FACTOR·tol·(1 + |value|) and the residuals ≤ ...
CERT_FACTOR = 100.0


@dataclass(frozen=True)
class Certificate:
    """Optimality evidence of a basin value (all numbers from explicit constraints' duals)."""

    gap: float  # h(p) + h*(λ): primal value minus Lagrange dual value
    primal_residual: float  # max_j,t max(0, −b_j a_jt⟨u_j,x_t⟩) / (‖x_t‖·max(1,‖u_j‖))
    dual_residual: float  # max_j ‖Q_jᵀλ − G_jᵀz_j‖_∞ / (1 + ‖λ‖_∞·max‖x_t‖)
    solver: str
    status: str
    lift_error: float  # |L_S(lifted W, v) − value|, network evaluated by numerics.network
    lift_tolerance: float  # the bound it must respect (see _lift_tolerance)

    def as_dict(self) -> dict[str, float | str]:
        return dict(self.__dict__)



def lift(U: ArrayLike, b: ArrayLike) -> tuple[Array, Array]:
    """(W, v) with v_j w_j = u_j, sign v_j = b_j, ‖w_j‖ = |v_j| = √‖u_j‖; u_j = 0 ↦ (0, 0)."""
    U = np.asarray(U, dtype=float)
    b = np.asarray(b, dtype=float)
    norms = np.linalg.norm(U, axis=1)
    v = b * np.sqrt(norms)
    W = np.zeros_like(U)
    nz = norms > 0
    W[nz] = U[nz] / v[nz, None]
    v = np.where(nz, v, 0.0)
    return W, v


#: Neuron count assumed by the lift's rounding bound (the lifted network may repeat merged
#: neurons; numerics.basins.value splits a merged row equally, which keeps Σ_j |⟨u_j, x_t⟩|).
_ROUNDING_TERMS = 64


def _lift_delta(GU: Array, d: int) -> Array:
    """δ_t of _lift_tolerance from GU = b_j a_jt⟨u_j, x_t⟩ (… × n × m): the violated constraints'
    Σ_j |⟨u_j, x_t⟩|, plus the rounding of evaluating the lifted network, bounded by the
    dot-product error (d + n)·ε·Σ_j |v_j|·|⟨w_j, x_t⟩| = (d + n)·ε·Σ_j |⟨u_j, x_t⟩| (×4 for
    the lift's own divisions and square roots; n ≤ _ROUNDING_TERMS)."""
    absGU = np.abs(GU)
    eps = np.finfo(float).eps
    return np.sum(absGU * (GU < 0), axis=-2) + 4 * (d + _ROUNDING_TERMS) * eps * np.sum(absGU, axis=-2)


def _lift_tolerance(loss: Loss, p: Array, y: Array, delta: Array, value: float) -> float:
    """Bound on |h(p + Δ) − h(p)| for |Δ_t| ≤ δ_t, valid for any convex ℓ, plus rounding.

    For convex ℓ and |Δ| ≤ δ: |ℓ(p+Δ) − ℓ(p)| ≤ max(|ℓ(p+δ) − ℓ(p)|, |ℓ(p−δ) − ℓ(p)|).
    δ_t = Σ_j |⟨u_j, x_t⟩|·[constraint (j, t) violated] is how far the lifted network's ReLUs
    can differ from the basin's linear pieces, plus the evaluation's rounding (_lift_delta);
    rounding of the losses themselves adds 1e-12·(1 + |value| + mean p²).
    """
    base = _loss_elementwise_np(loss, p, y)
    up = np.abs(_loss_elementwise_np(loss, p + delta, y) - base)
    down = np.abs(_loss_elementwise_np(loss, p - delta, y) - base)
    return float(np.mean(np.maximum(up, down))) + 1e-12 * (1.0 + abs(value) + float(np.mean(p * p)))


def _lift_tolerances(p: Array, y: Array, delta: Array, value: Array) -> Array:
    """_lift_tolerance for the squared loss, one per row of p, δ (N × m) and value (N,), as used
    by numerics.basins.batch (the same bound, evaluated row by row)."""
    base = (p - y) ** 2
    up = np.abs((p + delta - y) ** 2 - base)
    down = np.abs((p - delta - y) ** 2 - base)
    return np.mean(np.maximum(up, down), axis=-1) + 1e-12 * (1.0 + np.abs(value) + np.mean(p * p, axis=-1))


def _primal_residual(GU: Array, xnorm: Array, unorm: Array) -> Array:
    """max over (j, t) of max(0, −b_j a_jt⟨u_j, x_t⟩) / (‖x_t‖·max(1, ‖u_j‖)); GU (… × n × m),
    unorm (… × n): one value per leading index (the batched path passes N patterns)."""
    viol = np.maximum(0.0, -GU) / (xnorm * np.maximum(1.0, unorm)[..., None])
    return np.max(viol, axis=(-2, -1))


def _dual_scale(lam: Array, xmax: float) -> Array:
    """The dual residual's normalisation 1 + ‖λ‖_∞·max_t‖x_t‖ (λ: … × m)."""
    return 1.0 + np.max(np.abs(lam), axis=-1) * xmax


def _accepted(gap: Array, value: Array, primal: Array, dual: Array) -> Array:
    """The acceptance test of every certificate (single and batched): |gap| ≤ B·(1 + |value|),
    primal and dual residuals ≤ B, with B = CERT_FACTOR·CLARABEL_TOL."""
    bound = CERT_FACTOR * CLARABEL_TOL
    return (np.abs(gap) <= bound * (1.0 + np.abs(value))) & (primal <= bound) & (dual <= bound)


def _certify(
    X: Array, y: Array, A: IntArray, b: IntArray, loss: Loss, U: Array, p_solver: Array, lam: Array,
    Z: Array | None, status: str, solver: str, generators: tuple[IntArray, Array] | None = None,
) -> tuple[float, Certificate, Array]:
    """Certificate from the multipliers: λ of p = ΣQ_j u_j and Z of G_j u_j ≥ 0; or, for the
    NNLS path (Z = None), λ checked against the generators g of every K_j (Farkas: λ is dual
    feasible iff b_j⟨Q_jᵀλ, g⟩ ≥ 0 for all of them), computed here from the original data."""
    Q, G = _pattern_data(X, A, b)
    p = np.einsum("jtd,jd->t", Q, U)
    value = objective_value(loss, p, y)
    xnorm = np.linalg.norm(X, axis=1)
    unorm = np.linalg.norm(U, axis=1)
    GU = np.einsum("jtd,jd->jt", G, U)  # b_j a_jt ⟨u_j, x_t⟩, must be ≥ 0
    primal_res = float(_primal_residual(GU, xnorm, unorm))
    if isinstance(loss, str):
        hstar, lam = _conjugate(loss, lam, y)
    else:
        hstar = _user_conjugate(loss, X.shape[0])(lam, y)
    if Z is not None:
        Zp = np.maximum(Z, 0.0)
        stat = np.einsum("jtd,t->jd", Q, lam) - np.einsum("jtd,jt->jd", G, Zp)
        dual_res = float(np.max(np.abs(stat)) / _dual_scale(lam, float(np.max(xnorm))))
    else:
        assert generators is not None
        gj, gR = generators  # neuron of each generator, the generators (unit rows, numerics.basins.rays._rays)
        QtL = np.einsum("jtd,t->jd", Q, lam)  # Q_jᵀλ
        slopes = b[gj] * np.einsum("kd,kd->k", gR, QtL[gj])
        worst = max(0.0, float(-slopes.min(initial=0.0)))
        dual_res = worst / float(_dual_scale(lam, float(np.max(xnorm))))
    gap = value + hstar
    delta = _lift_delta(GU, X.shape[1])
    tol = _lift_tolerance(loss, p, y, delta, value)
    cert = Certificate(
        gap=float(gap), primal_residual=primal_res, dual_residual=dual_res, solver=solver,
        status=status, lift_error=math.nan, lift_tolerance=tol,
    )
    bound = CERT_FACTOR * CLARABEL_TOL
    if not _accepted(cert.gap, value, primal_res, dual_res):
        raise SolverError(
            f"basin program: certificate failed (gap {cert.gap:.3e}, primal residual "
            f"{primal_res:.3e}, dual residual {dual_res:.3e}; allowed {bound:.0e}·scale)"
        )
    return value, cert, p


def _check_lift(X: Array, y: Array, loss: Loss, W: Array, v: Array, value: float, cert: Certificate) -> Certificate:
    """Evaluate the lifted network (numerics.network.forward, ReLU) and compare with the value."""
    lifted = objective_value(loss, forward(v, W, X, "relu"), y)
    err = abs(lifted - value)
    if not err <= cert.lift_tolerance:
        raise SolverError(
            f"lift check failed: network loss {lifted!r} vs basin value {value!r} "
            f"(tolerance {cert.lift_tolerance:.3e})"
        )
    return replace(cert, lift_error=float(err))

