"""certify_minimum and Certifier of numerics/ss18/certificate.py (REV.ss18-table) on exact small
points: n = 1 student, teacher e_1..e_k (k = 2, 3), whose critical points on the diagonal are known
in closed form (tests/test_ss18_certificate_units.py derives them): the values the certificate
reports, each hypothesis' failure message, and the early decision's bookkeeping."""

from __future__ import annotations

import math

import flint
import numpy as np
import pytest

from numerics import ss18
from numerics.ss18 import certificate as C
from tests.test_ss18_certificate_units import V2, V3, X_MIN2, X_SADDLE2, _diagonal_point

X3, F3 = _diagonal_point(3)
U3 = np.array([[1.0, -1.0, 0.0]]) / math.sqrt(2)  # a tangential unit direction at X3 (λ̂ = 0.205)


def _arb(x):
    return flint.arb(x)


def test_the_certificate_of_an_exact_minimum_reports_its_numbers():
    """At the k = 3 diagonal minimum: ∇²F has eigenvalues μ, μ, 1/2 (1/2 radial, exactly), and its
    absolute row sums are exactly 1/2 (H = μ(I − uuᵀ) + uuᵀ/2, u = 1/√3, μ < 1/2)."""
    ev = np.linalg.eigvalsh(ss18.hessian(X3, V3))
    m = C.certify_minimum(X3, V3)
    # λ₀: the first shift tried, λ̂_min·(1 − 1e-3), is proved at a well-conditioned point
    assert (1 - 1e-3) * ev[0] * (1 - 1e-12) <= m.lam0 <= ev[0]
    # Λ₀ from Gershgorin: 1/2 up to the 96-bit balls' radii (≲ 1e-25) and one outward rounding
    assert 0.5 <= m.Lam0 <= 0.5 * (1 + 1e-12)
    # ρ is the radius aimed at, λ ≈ λ₀/2: λ = λ₀ − β(ρ)ρ with ρ = λ₀/(2β(0)) and β(ρ) ≥ β(0)
    assert m.lam0 / 4 < m.lam <= m.lam0 / 2 * (1 + 1e-12)
    assert float(F3) == pytest.approx(m.loss, abs=1e-15)
    assert m.F_enclosure[0] <= float(F3) <= m.F_enclosure[1]
    s = m.summary()
    assert (s["n"], s["d"], s["dimension"]) == (1, 3, 3)
    assert s["arithmetic"] == "arb ball arithmetic (python-flint), 96-bit midpoints"
    m2 = C.certify_minimum(X_MIN2, V2)
    assert (m2.summary()["n"], m2.summary()["d"], m2.summary()["dimension"]) == (1, 2, 2)


def test_the_certificate_off_centre_uses_the_theorem_s_radii_exactly():
    """x̃ = x* + 0.0055·u: ε = ‖∇F(x̃)‖ ≈ 1.13e-3, so 2ε/λ ≈ 0.0225 < ρ ≈ 0.0266 < 3ε/λ — the proof
    exists at the first radius, and every derived number is visible: in arb at 200 bits, from the
    reported floats, λ = λ₀ − βρ, L = Λ₀ + βρ, r_accept = ρ − 2ε/λ, ε/λ, 2/L and F(x̃) − ε²/(2λ)
    hold with equality up to the rounding of the reported floats, and the exact F(x*) lies in the
    enclosure."""
    W = X3 + 0.0055 * U3
    m = C.certify_minimum(W, V3)
    A = flint.arb
    old, flint.ctx.prec = flint.ctx.prec, 200  # ≫ 96 bits: the balls below decide every comparison
    try:
        lam, L, rho, eps, beta = A(m.lam), A(m.L), A(m.radius), A(m.eps), A(m.beta)
        # λ, L, β are reported rounded outward from the certificate's 96-bit balls: one float
        # rounding (2⁻⁵²) plus ball radii (≲ 2⁻⁹⁰); the factors 1 ± 2⁻⁴⁰ cover both
        up, dn = 1 + A(2) ** -40, 1 - A(2) ** -40
        assert (A(m.lam0) - beta * rho) * dn <= lam <= A(m.lam0) - beta * rho * dn
        assert A(m.Lam0) + beta * rho * dn <= L <= (A(m.Lam0) + beta * rho) * up
        for lo, val, hi in (
            (rho - 2 * eps / (lam * dn), A(m.accept_radius), rho - 2 * eps / (lam * up)),
            (eps / (lam * up), A(m.location_radius), eps / (lam * dn)),
            (2 / (L * up), A(m.max_step), 2 / (L * dn)),
        ):
            assert lo <= val <= hi
        F = C.enclose(W, V3, want_hessian=False)["F"]
        ulp = A(2) ** -54  # F ≈ 0.24 is reported rounded outward to a float: ≤ 1 ulp (2⁻⁵⁵) away
        assert F - eps * eps / (2 * lam * dn) - ulp <= A(m.F_enclosure[0]) <= F - eps * eps / (2 * lam * up)
        assert F <= A(m.F_enclosure[1]) <= F + ulp
    finally:
        flint.ctx.prec = old
    assert m.F_enclosure[0] <= float(F3) <= m.F_enclosure[1]
    assert 2 * m.eps / m.lam < m.radius < 3 * m.eps / m.lam  # the case this point was chosen for
    assert m.lam0 / 4 < m.lam <= m.lam0 / 2 * (1 + 1e-12)


def test_a_saddle_is_refused_as_not_positive_definite():
    """The exact saddle of the k = 2 diagonal (λ̂ = −4.16, 0.5)."""
    with pytest.raises(C.CertificateFailed, match="not positive definite"):
        C.certify_minimum(X_SADDLE2, V2)


def test_an_unproved_lambda_min_is_reported_as_such(monkeypatch):
    """When the congruence proof fails for every shift, the failure names λ_min."""
    monkeypatch.setattr(C, "prove_positive_definite", lambda A, A_mid: False)
    with pytest.raises(C.CertificateFailed, match="λ_min > 0 could not be proved"):
        C.certify_minimum(X3, V3)


def test_an_unproved_lambda_max_is_reported_as_such(monkeypatch):
    """Gershgorin replaced by a valid but useless bound (1e9 ≥ ½) and the congruence proof of
    Λ₀I − H failing: the failure names the upper bound."""
    real = C.prove_positive_definite
    calls = []

    def first_only(A, A_mid):
        calls.append(1)
        return real(A, A_mid) if len(calls) == 1 else False

    monkeypatch.setattr(C, "_gershgorin_upper", lambda H: 1e9)
    monkeypatch.setattr(C, "prove_positive_definite", first_only)
    with pytest.raises(C.CertificateFailed, match="upper bound on λ_max"):
        C.certify_minimum(X3, V3)


@pytest.mark.parametrize("G, congruence", [(18.8, False), (18.82, True), (1e6, True)])
def test_lambda_max_comes_from_congruence_exactly_when_gershgorin_would_forbid_step_0_1(monkeypatch, G, congruence):
    """Λ₀ is Gershgorin's bound G unless 0.1·1.01·G ≥ 1.9 (G ≥ 18.81…: with 2/(G + βρ) the step 0.1
    of the protocol would have no margin); then it is the proved shift 1.001·λ̂_max, λ̂_max = 1/2.
    G is substituted for the true row sums (½): any G ≥ ½ is still a valid bound."""
    monkeypatch.setattr(C, "_gershgorin_upper", lambda H: G)
    m = C.certify_minimum(X3, V3)
    if congruence:
        assert 0.5 <= m.Lam0 <= 0.5 * 1.001 * (1 + 1e-12) and m.max_step > 3
    else:
        assert m.Lam0 == G and 0.1 < m.max_step < 2 / G


# ------------------------------------------------------------------ the Certifier
def _fresh_stats():
    return {"match_attempts": 0, "matched": 0, "created": 0, "create_failed": 0, "polish_failed": 0, "failures": []}


def test_a_new_certifier_has_counted_nothing():
    assert C.Certifier(V2).stats == _fresh_stats()


def test_a_run_at_a_minimum_creates_its_proof_then_matches_it():
    ctf = C.Certifier(V2)
    F = float(ss18.loss(X_MIN2, V2))
    assert ctf.decide(X_MIN2, F, 0.1, create=True) == 0
    assert len(ctf.minima) == 1 and ctf.stats == {**_fresh_stats(), "created": 1}
    assert ctf.decide(X_MIN2, F, 0.1, create=False) == 0
    assert ctf.stats == {**_fresh_stats(), "created": 1, "match_attempts": 1, "matched": 1}


def test_a_new_proof_does_not_decide_a_step_beyond_two_over_L():
    """max_step ≈ 3.31 here: a step 4 run is proved about (force) but not decided."""
    ctf = C.Certifier(V2)
    F = float(ss18.loss(X_MIN2, V2))
    assert ctf.decide(X_MIN2, F, 4.0, create=True, force=True) is None
    assert len(ctf.minima) == 1 and ctf.minima[0].max_step < 4.0 and ctf.stats["created"] == 1


def _with_minimum() -> C.Certifier:
    ctf = C.Certifier(V2)
    ctf.minima.append(C.certify_minimum(X_MIN2, V2))
    return ctf


def test_no_new_proof_is_attempted_at_a_proved_level_unless_forced():
    """Step 4 > max_step: the proved minimum cannot decide; its loss level (within LEVEL_TOL =
    1e-8) blocks a new proof; 5e-8 away, or with force, one is made."""
    ctf = _with_minimum()
    m = ctf.minima[0]
    assert ctf.decide(X_MIN2, m.loss, 4.0, create=True) is None
    assert ctf.stats == _fresh_stats() and len(ctf.minima) == 1
    assert ctf.decide(X_MIN2, m.loss + 5e-8, 4.0, create=True) is None
    assert ctf.stats["created"] == 1 and len(ctf.minima) == 2
    assert ctf.decide(X_MIN2, m.loss, 4.0, create=True, force=True) is None
    assert ctf.stats["created"] == 2


def test_the_loss_filter_skips_levels_beyond_L_rho_squared():
    """The cheap necessary condition before any distance test: |F − F(x̃)| ≤ L·ρ² + 1e-12 (on the
    accept ball F − F(x*) ≤ Lρ²/2). The loss passed is what is filtered (the point is x̃ itself),
    so a loss beyond the filter is neither attempted nor matched. Offsets of 0.5e-12 and 4e-12
    around the bound ≈ 4.3e-4 are ≫ the ulp of F ≈ 0.09 (1.4e-17)."""
    ctf = _with_minimum()
    m = ctf.minima[0]
    bound = m.L * m.radius**2
    for F in (m.loss + 2 * bound, m.loss - 2 * bound, m.loss + bound + 5e-12):
        assert ctf.decide(X_MIN2, F, 0.1, create=False) is None
    assert ctf.stats == _fresh_stats()
    assert ctf.decide(X_MIN2, m.loss + bound + 0.5e-12, 0.1, create=False) == 0
    assert ctf.stats["match_attempts"] == 1


def test_a_point_inside_the_accept_ball_but_far_in_loss_is_matched():
    """0.9·r_accept from x̃ along the radial direction (curvature ½): F − F(x̃) ≈ 1.4e-4, inside the
    filter L·ρ² (≈ 4.3e-4), not inside e.g. L·ρ³."""
    ctf = _with_minimum()
    m = ctf.minima[0]
    Y = m.W + 0.9 * m.accept_radius * np.array([[1.0, 1.0]]) / math.sqrt(2)
    F = float(ss18.loss(Y, V2))
    assert F - m.loss > m.L * m.radius**3
    assert ctf.decide(Y, F, 0.1, create=False) == 0


def test_a_failed_polish_is_counted():
    ctf = C.Certifier(V2)
    Y = np.array([[-3.0, 0.01]])
    assert ctf.decide(Y, float(ss18.loss(Y, V2)), 0.1, create=True) is None
    assert ctf.stats == {**_fresh_stats(), "polish_failed": 1}


def test_a_failed_certificate_is_counted_with_its_reason():
    ctf = C.Certifier(V2)
    F = float(ss18.loss(X_SADDLE2, V2))
    assert ctf.decide(X_SADDLE2, F, 0.1, create=True) is None
    assert ctf.stats["create_failed"] == 1 and ctf.stats["created"] == 0 and ctf.stats["polish_failed"] == 0
    (fail,) = ctf.stats["failures"]
    assert fail["loss"] == F and "not positive definite" in fail["reason"]
