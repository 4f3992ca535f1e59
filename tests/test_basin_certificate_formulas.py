"""The certificate's recorded numbers are its documented formulas (numerics.basins.certificate;
SS16.Lemma1).

The only oracle for a tolerance is its definition, so the formulas are written here from the
docstrings of numerics.basins.certificate (not copied from the code):

* lift tolerance: mean_t max(|ℓ(p_t+δ_t) − ℓ(p_t)|, |ℓ(p_t−δ_t) − ℓ(p_t)|) + 1e-12·(1 + |value| +
  mean p²), with δ_t = Σ_j |⟨u_j,x_t⟩|·[b_j a_jt⟨u_j,x_t⟩ < 0] + 4(d + 64)·ε·Σ_j |⟨u_j,x_t⟩|;
* primal residual: max_{j,t} max(0, −b_j a_jt⟨u_j,x_t⟩) / (‖x_t‖·max(1, ‖u_j‖));
* dual scale 1 + ‖λ‖_∞·max_t‖x_t‖; acceptance |gap| ≤ 1e-6(1 + |value|), residuals ≤ 1e-6.

Also: the lift of U (v_j = b_j√‖u_j‖, w_j = u_j/v_j, zero rows to (0, 0)) by hand, and
basin_value's certificate, recomputed from its own U and predictions.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from numerics.basins import basin_value, lift, sign_pattern
from numerics.basins.certificate import _accepted, _dual_scale, _lift_delta, _lift_tolerance, _primal_residual

EPS = np.finfo(float).eps


def _delta_by_definition(GU: np.ndarray, d: int) -> np.ndarray:
    """δ_t from the docstring of _lift_delta (GU: n × m)."""
    n, m = GU.shape
    out = np.zeros(m)
    for t in range(m):
        viol = sum(abs(GU[j, t]) for j in range(n) if GU[j, t] < 0)
        out[t] = viol + 4 * (d + 64) * EPS * sum(abs(GU[j, t]) for j in range(n))
    return out


def test_lift_delta_is_the_violations_plus_the_rounding_bound():
    GU = np.array([[1.0, -2.0, 0.5], [-0.25, 3.0, 0.0]])
    for d in (1, 3):
        assert np.allclose(_lift_delta(GU, d), _delta_by_definition(GU, d), rtol=1e-15, atol=0)
    # no violation: only the rounding term, 4(d + 64)ε Σ|GU|
    assert _lift_delta(np.array([[2.0], [1.0]]), 2)[0] == pytest.approx(4 * 66 * EPS * 3.0, rel=1e-15, abs=0)


def test_the_module_keeps_64_rounding_terms():
    mod = importlib.import_module("numerics.basins.certificate")
    assert mod._lift_delta(np.array([[1.0]]), 0)[0] == pytest.approx(4 * 64 * EPS, rel=1e-15, abs=0)


@pytest.mark.parametrize("loss", ["squared", "absolute"])
def test_lift_tolerance_is_the_convex_bound_plus_rounding(loss):
    p = np.array([0.5, -1.0, 2.0])
    y = np.array([1.0, 0.0, 2.5])
    delta = np.array([0.1, 0.0, 0.3])
    value = 0.7
    ell = (lambda q: (q - y) ** 2) if loss == "squared" else (lambda q: np.abs(q - y))
    base = ell(p)
    up, down = np.abs(ell(p + delta) - base), np.abs(ell(p - delta) - base)
    ref = np.mean(np.maximum(up, down)) + 1e-12 * (1 + value + np.mean(p * p))
    assert _lift_tolerance(loss, p, y, delta, value) == pytest.approx(ref, rel=1e-14)
    # by hand for the squared loss at δ = 0: only the rounding term 1e-12·(1 + |v| + mean p²)
    if loss == "squared":
        assert _lift_tolerance(loss, p, y, np.zeros(3), -value) == pytest.approx(
            1e-12 * (1 + 0.7 + (0.25 + 1.0 + 4.0) / 3), rel=1e-14, abs=0)  # a value of 3.4e-12: abs=0


def test_primal_residual_is_relative_to_the_sample_and_neuron_norms():
    GU = np.array([[-3.0, 1.0], [0.5, -0.2]])
    xnorm = np.array([2.0, 4.0])
    unorm = np.array([0.5, 3.0])  # max(1, ‖u‖) = 1 and 3
    # (0, 0): 3/(2·1) = 1.5; (1, 1): 0.2/(4·3)
    assert _primal_residual(GU, xnorm, unorm) == pytest.approx(1.5, rel=1e-15)
    GU2 = np.array([[1.0, 1.0], [0.5, -6.0]])
    assert _primal_residual(GU2, xnorm, unorm) == pytest.approx(6.0 / 12.0, rel=1e-15)
    assert _primal_residual(np.abs(GU2), xnorm, unorm) == 0.0


def test_dual_scale_and_acceptance_bounds_by_hand():
    assert _dual_scale(np.array([0.5, -2.0, 1.0]), 3.0) == pytest.approx(1 + 2.0 * 3.0, rel=1e-15)
    B = 1e-6
    assert _accepted(B * (1 + 2.0), 2.0, 0.0, 0.0)  # |gap| ≤ B(1 + |value|): the bound itself
    assert not _accepted(1.01 * B * 3.0, -2.0, 0.0, 0.0)
    assert _accepted(-B * 3.0, -2.0, B, B)
    assert not _accepted(0.0, 0.0, 1.01 * B, 0.0)
    assert not _accepted(0.0, 0.0, 0.0, 1.01 * B)


def test_lift_by_hand():
    U = np.array([[3.0, 4.0], [0.0, 0.0], [0.0, -9.0]])
    W, v = lift(U, np.array([1, -1, -1]))
    assert v.tolist() == pytest.approx([np.sqrt(5.0), 0.0, -3.0], rel=1e-15, abs=0)  # v = 0 exactly for u = 0
    assert np.allclose(W, [[3 / np.sqrt(5), 4 / np.sqrt(5)], [0.0, 0.0], [0.0, 3.0]], rtol=1e-15, atol=0)
    assert np.allclose(v[:, None] * W, U, rtol=1e-15, atol=1e-15)  # v_j w_j = u_j


def test_basin_value_certificate_is_recomputed_from_its_own_minimiser():
    rng = np.random.default_rng(21)
    X, y = rng.normal(size=(7, 3)), rng.normal(size=7)
    A, b = sign_pattern(rng.normal(size=(3, 3)), rng.normal(size=3), X)
    for method in ("nnls", "direct"):
        bm = basin_value(X, y, A, b, method=method, cache=False)
        Z = bm.U @ X.T  # ⟨u_j, x_t⟩
        p = np.sum((A > 0) * Z, axis=0)
        assert np.allclose(bm.predictions, p, rtol=1e-12, atol=1e-12)
        assert bm.value == pytest.approx(np.mean((p - y) ** 2), rel=1e-12)
        GU = (b[:, None] * A) * Z
        delta = _delta_by_definition(GU, X.shape[1])
        # the certificate's own predictions (equal to p to rounding, checked above): the difference of
        # squares below cancels to ~1e-13, so a 1-ulp change of p would move it by far more than δ does
        pc = bm.predictions
        base = (pc - y) ** 2
        tol = np.mean(np.maximum(np.abs((pc + delta - y) ** 2 - base), np.abs((pc - delta - y) ** 2 - base)))
        tol += 1e-12 * (1 + abs(bm.value) + np.mean(pc * pc))
        c = bm.certificate
        # the sign of an entry of GU within rounding of 0 depends on the summation order of ⟨u_j, x_t⟩
        # (d terms: error ≲ d·ε·max|GU| ≪ 1e-14·max|GU|), so such an entry may count as violated here
        # and not in the module; it moves δ_t by at most its size and the tolerance by at most
        # 2·amb_t·(|p_t − y_t| + δ_t + amb_t) per sample; plus 4ε of the sums themselves
        amb = np.sum(np.abs(GU) * (np.abs(GU) <= 1e-14 * np.abs(GU).max()), axis=0)
        slack = np.mean(2 * amb * (np.abs(pc - y) + delta + amb)) + 4 * EPS * tol
        assert abs(c.lift_tolerance - tol) <= slack
        viol = np.maximum(0.0, -GU) / (np.linalg.norm(X, axis=1)[None, :] * np.maximum(1.0, np.linalg.norm(bm.U, axis=1))[:, None])
        # rounding-level violations (~1e-17) depend on the summation order of ⟨u_j, x_t⟩: compare
        # to the dot product's rounding, d·ε relative to ‖x_t‖·max(1, ‖u_j‖)
        assert c.primal_residual == pytest.approx(viol.max(), abs=X.shape[1] * EPS)
        assert c.status == "optimal" and c.lift_error <= c.lift_tolerance
        assert set(c.as_dict()) == {"gap", "primal_residual", "dual_residual", "solver", "status",
                                    "lift_error", "lift_tolerance"}


def test_the_module_accepts_exactly_up_to_100_times_clarabels_tolerance():
    """B = CERT_FACTOR·CLARABEL_TOL = 100 × 1e-8 = 1e-6 (both modules, their
    bodies executed inside this test)."""
    importlib.import_module("numerics.basins.programs")
    mod = importlib.import_module("numerics.basins.certificate")
    assert mod._accepted(1e-6, 0.0, 0.0, 0.0) and mod._accepted(0.0, 0.0, 1e-6, 1e-6)
    assert not mod._accepted(1.001e-6, 0.0, 0.0, 0.0)
    assert not mod._accepted(0.0, 0.0, 1.001e-6, 0.0) and not mod._accepted(0.0, 0.0, 0.0, 1.001e-6)


def test_a_failed_certificate_names_the_allowed_bound_and_the_dual_scale_uses_the_largest_sample():
    """The Clarabel-path certificate of U = 0 with λ = ∇h(0) and Z = 0: the gap is 0 but the
    stationarity residual max|Q_jᵀλ| / (1 + ‖λ‖_∞·max_t‖x_t‖) is not, and the error says
    'allowed 1e-06·scale'. The residual is recomputed with the largest ‖x_t‖ (not the smallest)."""
    from numerics.basins import SolverError
    from numerics.basins.certificate import _certify
    from numerics.basins.patterns import _pattern_data

    X = np.array([[1.0, 0.0], [0.0, 3.0]])
    y = np.array([1.0, 2.0])
    A, b = np.array([[1, 1]]), np.array([1])
    lam = (2.0 / 2) * (np.zeros(2) - y)
    with pytest.raises(SolverError, match=r"allowed 1e-06·scale"):
        _certify(X, y, A, b, "squared", np.zeros((1, 2)), np.zeros(2), lam, np.zeros((1, 2)), "optimal", "t")
    # a feasible multiplier set that leaves a small residual: compare the recorded number
    Q, G = _pattern_data(X, A, b)
    U = np.array([[1.0, 2.0 / 3.0]])  # p = y: the exact fit, λ = 0 → residual 0 then perturb λ
    lam2 = np.array([1e-7, 0.0])
    _, cert, _ = _certify(X, y, A, b, "squared", U, X @ U[0], lam2, np.zeros((1, 2)), "optimal", "t")
    stat = np.einsum("jtd,t->jd", Q, lam2)
    assert cert.dual_residual == pytest.approx(np.abs(stat).max() / (1 + 1e-7 * 3.0), rel=1e-12)
