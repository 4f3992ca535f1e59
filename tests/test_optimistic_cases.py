"""numerics.optimistic: exact constructions, interval enclosures against mpmath, root isolation cases.

Claim ZBZ24.optimistic. Oracles: exact rational arithmetic (fractions), mpmath at 50 digits
(tanh, atanh, determinants, roots of h_c(t) = Σ c_i artanh(t ρ_i) by sign changes), and hand-made
h_c whose roots are known (h(t) = artanh t − k·artanh(t/2) has one root in (0, 1) for k > 2, none
for k < 2, and h'(0) = 1 − k/2).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from mpmath import iv, mp

from numerics import optimistic as op


def _mp(v: float):
    return mp.mpf(float(v))


def _contains(box, value) -> bool:
    return box.a <= value <= box.b


# ------------------------------------------------------------------------------ exact helpers
def test_to_fractions_is_exact_and_keeps_the_shape():
    assert op.to_fractions([0.1, -2.5]) == [Fraction(0.1), Fraction(-5, 2)]
    assert op.to_fractions([[1.0, 0.5], [0.25, 3.0]]) == [[1, Fraction(1, 2)], [Fraction(1, 4), 3]]
    with pytest.raises(ValueError, match="^A:"):
        op.to_fractions([1.0, np.nan])


def test_interval_precision_is_set_inside_and_restored_after_the_block():
    before = iv.dps
    with op._iv_precision():
        assert iv.dps == op.IV_DPS == 30  # ≈ 100 bits, the documented working precision
    assert iv.dps == before
    with pytest.raises(KeyError):
        with op._iv_precision():
            raise KeyError("inside")
    assert iv.dps == before


@pytest.mark.parametrize("lo, hi, excludes, sign", [
    (1, 2, True, 1), (-2, -1, True, -1), (-1, 1, False, 0), (0, 1, False, 0), (-1, 0, False, 0),
    (0, 0, False, 0), (0.5, 0.5, True, 1), (-0.5, -0.5, True, -1),
])
def test_zero_exclusion_and_sign_of_intervals(lo, hi, excludes, sign):
    v = iv.mpf([lo, hi])
    assert op._excludes_zero(v) is excludes
    assert op._sign(v) == sign


def test_interval_tanh_and_atanh_enclose_the_true_values():
    with op._iv_precision(), mp.workdps(50):
        for z in (-3.0, -0.25, 0.0, 0.5, 2.0):
            t = op._iv_tanh(iv.mpf(z))
            assert _contains(t, mp.tanh(_mp(z))) and t.delta < 1e-28
        for x in (-0.9, -0.1, 0.3, 0.75):
            a = op._iv_atanh(iv.mpf(x))
            assert _contains(a, mp.atanh(_mp(x))) and a.delta < 1e-28
        assert _contains(op._ivq(Fraction(1, 3)), mp.mpf(1) / 3)
        assert op._ivq(Fraction(7, 2)).a == 3.5


# ------------------------------------------------------------------------------- problem guards
X22 = np.array([[1.0, 0.5], [-0.3, 2.0]])
W2 = np.array([0.7, -1.1])


@pytest.mark.parametrize("X, w, a, match", [
    (np.ones(2), W2, 1.0, "^X:"),
    (np.zeros((0, 2)), W2, 1.0, "^X:"),
    (X22, np.ones(3), 1.0, "^w_star:"),
    (X22, np.ones((2, 1)), 1.0, "^w_star:"),
    (np.array([[1.0, np.nan], [0.0, 1.0]]), W2, 1.0, "^X, w_star, a_star:"),
    (X22, np.array([0.5, np.inf]), 1.0, "^X, w_star, a_star:"),
    (X22, W2, np.nan, "^X, w_star, a_star:"),
    (X22, W2, 0.0, "^a_star, w_star:"),
    (X22, np.zeros(2), 1.0, "^a_star, w_star:"),
    (np.zeros((2, 0)), np.zeros(0), 1.0, "^a_star, w_star:"),  # d = 0: the empty w* is the zero neuron
])
def test_bad_problems_name_the_argument(X, w, a, match):
    with pytest.raises(ValueError, match=match):
        op.second_neuron_spanning(X, w, a)


def test_a_target_with_one_zero_weight_is_valid():
    sn = op.second_neuron_spanning(X22, np.array([0.0, 1.0]), -0.5)
    assert sn.a == Fraction(1)  # 2·|a*|


def test_targets_enclose_a_star_tanh():
    X = np.array([[0.3, -1.2], [2.0, 0.1], [0.0, 0.0]])
    with op._iv_precision(), mp.workdps(50):
        ys = op.targets_iv(X, W2, -1.5)
        for row, yv in zip(X, ys):
            exact = -1.5 * mp.tanh(mp.fsum(_mp(x) * _mp(w) for x, w in zip(row, W2)))
            assert _contains(yv, exact) and yv.delta < 1e-28


# ---------------------------------------------------------------------------- local identifiability
def _mp_jacobian_det(X, w_star, a_star):
    with mp.workdps(50):
        rows = []
        for x in X:
            t = mp.tanh(mp.fsum(_mp(u) * _mp(v) for u, v in zip(x, w_star)))
            rows.append([t] + [_mp(a_star) * (1 - t * t) * _mp(u) for u in x])
        return mp.det(mp.matrix(rows))


@pytest.mark.parametrize("d", [1, 2, 3])
def test_jacobian_determinant_encloses_the_50_digit_determinant(d):
    rng = np.random.default_rng(40 + d)
    X, w, a = rng.normal(size=(d + 1, d)), rng.normal(size=d), 1.3
    det = op.jacobian_determinant(X, w, a)
    ref = _mp_jacobian_det(X, w, a)
    with mp.workdps(50):
        assert _contains(det, ref)
        assert det.delta < 1e-20 * max(1, abs(ref))  # 30-digit intervals on a (d+1)! -term sum


def test_jacobian_determinant_needs_d_plus_one_rows():
    with pytest.raises(ValueError, match="^X:"):
        op.jacobian_determinant(np.ones((4, 2)), W2, 1.0)
    with pytest.raises(ValueError, match="^X:"):
        op.jacobian_determinant(X22, W2, 1.0)


# ------------------------------------------------------------------------------ below the threshold
def test_nonspanning_construction_is_w_star_plus_a_scaled_null_vector():
    X = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])  # n = 2 < d = 3
    w_star = np.array([0.3, -0.7, 1.1])
    sn = op.second_neuron_nonspanning(X, w_star, -1.25)
    assert sn.exact and sn.a == Fraction(-1.25)
    ws = op.to_fractions(w_star)
    u = [w - v for w, v in zip(sn.w, ws)]
    assert max(abs(v) for v in u) == 1  # the tidy scale: max |u_i| = 1
    assert [Fraction(s) for s in sn.certificate["null_vector"]] == u  # w = w* + u
    for row in op.to_fractions(X):  # X u = 0 exactly
        assert sum(x * v for x, v in zip(row, u)) == 0
    assert Fraction(sn.certificate["argument_gap_at_u"]) == sum(v * v for v in u)  # (w − w*)ᵀu = ‖u‖²
    assert sn.certificate["rank_X"] == 2 and sn.certificate["exact_residual_max"] == 0


def test_nonspanning_construction_avoids_minus_w_star():
    """X = [[0]], w* = −1/2: u = 1 would give w = 1/2 = −w*; the construction takes w* + 2u = 3/2."""
    sn = op.second_neuron_nonspanning(np.array([[0.0]]), np.array([-0.5]), 1.0)
    assert sn.w == [Fraction(3, 2)]
    assert Fraction(sn.certificate["argument_gap_at_u"]) == 2  # (w − w*)ᵀu = 2‖u‖²
    sn = op.second_neuron_nonspanning(np.array([[0.0]]), np.array([0.5]), 1.0)  # no clash: w* + u
    assert sn.w == [Fraction(3, 2)] and Fraction(sn.certificate["argument_gap_at_u"]) == 1


def test_nonspanning_construction_needs_rank_deficient_samples():
    with pytest.raises(ValueError, match="^X:"):
        op.second_neuron_nonspanning(X22, W2, 1.0)


@pytest.mark.parametrize("factor", [Fraction(2), Fraction(3), Fraction(11, 10)])
def test_spanning_solve_encloses_the_50_digit_solution(factor):
    a_star = -0.8
    sn = op.second_neuron_spanning(X22, W2, a_star, factor)
    a = factor * Fraction(0.8)
    assert sn.a == a and not sn.exact
    with mp.workdps(50):
        y = [_mp(a_star) * mp.tanh(mp.fsum(_mp(u) * _mp(v) for u, v in zip(x, W2))) for x in X22]
        z = mp.matrix([mp.atanh(v / mp.mpf(a.numerator) * a.denominator) for v in y])
        w = mp.lu_solve(mp.matrix(X22.tolist()), z)
        for j in range(2):
            assert _contains(sn.w[j], w[j]) and sn.w[j].delta < 1e-25
        c = sn.certificate
        assert abs(c["max_abs_y_over_a"] - float(max(abs(v) for v in y) * a.denominator / a.numerator)) < 1e-15
    assert c["a"] == str(a) and c["a_differs_from_a_star"] == str(a - Fraction(0.8))
    assert 0 < c["max_width_w"] < 1e-25 and 0 <= c["max_residual_enclosure_width"] < 1e-25


@pytest.mark.parametrize("X, factor, match", [
    (np.ones((3, 2)), Fraction(2), "^X:"),  # n ≠ d
    (np.array([[1.0, 2.0], [2.0, 4.0]]), Fraction(2), "^X:"),  # rank 1 < d
    (X22, Fraction(1), "^factor:"),
    (X22, Fraction(1, 2), "^factor:"),
])
def test_spanning_solve_rejects_bad_input(X, factor, match):
    with pytest.raises(ValueError, match=match):
        op.second_neuron_spanning(X, W2, 1.0, factor)


def test_spanning_solve_is_uncertified_when_y_over_a_is_not_certainly_below_one():
    """y = tanh(40) = 1 − 3.6e-35 and a = 1 + 1e-40: y/a < 1, but not at 30 digits."""
    with pytest.raises(op.Uncertified, match="y_i/a"):
        op.second_neuron_spanning(np.array([[40.0]]), np.array([1.0]), 1.0, Fraction(1) + Fraction(1, 10**40))
    with pytest.raises(op.Uncertified, match="y_i/a"):  # the negative side
        op.second_neuron_spanning(np.array([[-40.0]]), np.array([1.0]), 1.0, Fraction(1) + Fraction(1, 10**40))


# --------------------------------------------------------------------------- at/above the threshold
@pytest.mark.parametrize("X, dim", [
    (np.array([[1.0, 0.5], [-0.3, 2.0], [0.7, 0.7]]), 1),
    (np.array([[1.0, 0.5], [-0.3, 2.0], [0.7, 0.7], [2.0, -1.0]]), 2),
    (X22, 0),
])
def test_left_null_vectors_are_an_exact_basis_scaled_to_max_one(X, dim):
    C = op.left_null_vectors(X)
    assert len(C) == dim
    Xq = op.to_fractions(X)
    for c in C:
        assert max(abs(v) for v in c) == 1
        for j in range(X.shape[1]):
            assert sum(ci * row[j] for ci, row in zip(c, Xq)) == 0


def _h_mp(c, rho, t):
    return mp.fsum(mp.mpf(ci.numerator) / ci.denominator * mp.atanh(t * r) for ci, r in zip(c, rho))


def _mp_root(c, rho, lo, hi):
    """The sign change of h in [lo, hi] by 200 bisections in mpmath (h(lo), h(hi) of opposite signs)."""
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    s_lo = mp.sign(_h_mp(c, rho, lo))
    assert s_lo * mp.sign(_h_mp(c, rho, hi)) < 0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mp.sign(_h_mp(c, rho, mid)) == s_lo else (lo, mid)
    return (lo + hi) / 2


def _rho(*vals):
    return [iv.mpf(v) for v in vals]


def test_one_interior_root_is_isolated_and_refined():
    c, rho = [Fraction(1), Fraction(-3)], _rho(1, 0.5)
    with op._iv_precision(), mp.workdps(40):
        roots = op.certified_roots(c, rho, 0)
        assert [r.kind for r in roots] == ["interior"]
        root = _mp_root(c, [1, 0.5], 0.5, 0.99)
        assert roots[0].lo.a < root < roots[0].hi.b
        fine = op.refine_root(c, rho, roots[0], 0)
        assert fine.kind == "interior" and fine.lo.a <= root <= fine.hi.b
        assert fine.hi.b - fine.lo.a < mp.mpf(2) ** -90  # 100 bisections of a box of width < 1
        same = op.refine_root(c, rho, roots[0], 0, steps=0)
        assert same.lo == roots[0].lo and same.hi == roots[0].hi
        # the mirror images: −c, or ρ_jmax = −1 (h ↦ −h, h(t) ↦ h of the negated ρ): the same root
        for cc, rr in (([-v for v in c], rho), (c, _rho(-1, -0.5))):
            box = op.certified_roots(cc, rr, 0)
            assert len(box) == 1 and box[0].lo.a < root < box[0].hi.b


def test_no_root_when_h_increases_to_plus_infinity():
    """artanh t − artanh(t/2): h'(t) > 0 on (0, 1) and h → +∞, the sign of c_j ρ_j: no root."""
    with op._iv_precision():
        assert op.certified_roots([Fraction(1), Fraction(-1)], _rho(1, 0.5), 0) == []
        assert op.certified_roots([Fraction(1), Fraction(-1)], _rho(-1, -0.5), 0) == []


def test_a_root_next_to_one_is_a_right_end_box():
    """artanh t = 10·artanh(t/2) at t = 0.99997: in the end interval [1 − η, 1)."""
    c, rho = [Fraction(1), Fraction(-10)], _rho(1, 0.5)
    with op._iv_precision(), mp.workdps(40):
        roots = op.certified_roots(c, rho, 0)
        assert [r.kind for r in roots] == ["right-end"] and roots[0].hi.b == 1
        root = _mp_root(c, [1, 0.5], 0.999, 1 - mp.mpf(10) ** -20)
        assert roots[0].lo.a < root < 1
        fine = op.refine_root(c, rho, roots[0], 0)
        assert fine.kind == "interior" and fine.lo.a <= root <= fine.hi.b < 1


def test_a_root_within_2_to_the_minus_100_of_one_is_uncertified():
    c, rho = [Fraction(1), Fraction(-100)], _rho(1, 0.5)  # 1 − t* ≈ 2e^{−110}
    with op._iv_precision():
        roots = op.certified_roots(c, rho, 0)
        with pytest.raises(op.Uncertified, match="2\\^-100"):
            op.refine_root(c, rho, roots[-1], 0)


@pytest.mark.parametrize("c, rho, kw, match", [
    ([Fraction(0), Fraction(1)], (1, 0.5), {}, "c_j = 0"),
    ([Fraction(1), Fraction(-3)], (1, 1), {}, "ties the maximum"),
    ([Fraction(1), Fraction(-3)], (1, -1), {}, "ties the maximum"),
    ([Fraction(1), Fraction(-2)], (1, 0.5), {}, "h'\\(0\\)"),  # h'(0) = 1 − 2·½ = 0
    ([Fraction(1), Fraction(-3)], (1, 0.5), {"max_boxes": 1}, "more than 1 boxes"),
])
def test_certified_roots_refuses_to_guess(c, rho, kw, match):
    with op._iv_precision():
        with pytest.raises(op.Uncertified, match=match):
            op.certified_roots(c, _rho(*rho), 0, **kw)


def test_a_zero_coefficient_contributes_nothing():
    """c = (1, 0, −3), ρ = (1, 0.9, 0.5): the root is that of artanh t − 3·artanh(t/2)."""
    with op._iv_precision(), mp.workdps(40):
        roots = op.certified_roots([Fraction(1), Fraction(0), Fraction(-3)], _rho(1, 0.9, 0.5), 0)
        root = _mp_root([Fraction(1), Fraction(-3)], [1, 0.5], 0.5, 0.99)
        assert [r.kind for r in roots] == ["interior"] and roots[0].lo.a < root < roots[0].hi.b


def test_generic_combination_has_no_zero_entry():
    C = [[Fraction(1), Fraction(-1), Fraction(0)], [Fraction(0), Fraction(1), Fraction(-1)]]
    # weights (1, 1) give a zero middle entry; (1, 2) give (1, 1, −2), scaled to max |c| = 1
    assert op._generic_combination(C, 0) == [Fraction(1, 2), Fraction(1, 2), Fraction(-1)]
    assert op._generic_combination([[Fraction(2), Fraction(-4)]], 0) == [Fraction(1, 2), Fraction(-1)]
    with pytest.raises(op.Uncertified, match="no combination"):
        op._generic_combination([[Fraction(1), Fraction(0)]], 0)


# seed 10003 of tests/test_claims_optimistic.py's threshold draws (n = d + 1 = 3, d = 2): a second fit
X3 = np.array([[0.75626812, 0.76646863], [-0.67715476, 1.38762514], [-0.3253689, 1.3943467]])
W3, A3 = np.array([0.68429329, 1.08342081]), -0.8689890639306935


def test_analyze_fits_finds_the_target_and_a_second_fitting_neuron():
    fa = op.analyze_fits(X3, W3, A3)
    cert = fa.certificate
    assert (fa.n, fa.d) == (3, 2) and cert["left_null_dimension"] == 1 and cert["roots_of_h_c1"] == 2
    with mp.workdps(50):
        y = [_mp(A3) * mp.tanh(mp.fsum(_mp(u) * _mp(v) for u, v in zip(x, W3))) for x in X3]
        ymax = max(abs(v) for v in y)
        t_star = ymax / abs(_mp(A3))
        assert fa.t_star.a <= t_star <= fa.t_star.b
        lo, hi = cert["t_star"]  # the enclosure's end points rounded to floats
        assert abs(lo - float(t_star)) < 1e-15 and abs(hi - float(t_star)) < 1e-15
        # the other root: a = max|y|/t fits every sample with w = X⁺ artanh(y/a) (residual ~ 0)
        assert len(fa.other_fits) == 1
        box = fa.other_fits[0]
        t = (mp.mpf(box.lo.a) + mp.mpf(box.hi.b)) / 2
        a = ymax / t
        z = mp.matrix([mp.atanh(v / a) for v in y])
        Xm = mp.matrix(X3.tolist())
        w = mp.qr_solve(Xm, z)[0]
        fit = [a * mp.tanh(mp.fsum(_mp(u) * w[j] for j, u in enumerate(x))) for x in X3]
        assert max(abs(f - v) for f, v in zip(fit, y)) < 1e-20  # a second fit (t refined to 2^-100)
        assert abs(abs(a) - abs(_mp(A3))) > 0.05  # and a different function (sup |a tanh| = |a|)
        (alo, ahi), = cert["other_fits_a"]  # float-rounded end points of a refined (2^-100) box
        assert abs(alo - float(a)) < 1e-14 and abs(ahi - float(a)) < 1e-14
        (tlo, thi), = cert["other_fits_t"]
        assert abs(tlo - float(t)) < 1e-15 and abs(thi - float(t)) < 1e-15
        assert [b[0] for b in cert["root_boxes"]] == sorted(b[0] for b in cert["root_boxes"])


@pytest.mark.parametrize("X, match", [
    (X22, "^X:"),  # n = d < d + 1
    (np.array([[1.0, 2.0], [2.0, 4.0], [-1.0, -2.0]]), "^X:"),  # rank 1 < d
])
def test_analyze_fits_rejects_too_few_or_degenerate_samples(X, match):
    with pytest.raises(ValueError, match=match):
        op.analyze_fits(X, W2, 1.0)


def test_analyze_fits_with_no_second_fit():
    """n = d + 2 = 3 samples in d = 1: the target's root only (the negative control's setting)."""
    X = np.array([[0.4], [-1.3], [0.9]])
    fa = op.analyze_fits(X, np.array([0.8]), 1.2)
    assert fa.other_fits == [] and fa.certificate["left_null_dimension"] == 2
    assert len(fa.roots) >= 1 and fa.certificate["other_fits_t"] == [] and fa.certificate["other_fits_a"] == []


def test_a_small_slope_at_zero_needs_a_narrower_left_end_and_two_roots_are_found():
    """c = (1, k, m), ρ = (1, ½, ¼) with Σ c_i ρ_i = 1e-4 and Σ c_i ρ_i³ = −1: h'(t) ≈ 1e-4 − t² vanishes
    at t ≈ 0.01 < 1/64, so the left end [0, δ] must be halved before h' ≠ 0 is certified; h dips
    below 0 after t ≈ 0.017 and blows up to +∞ at 1: two roots, checked by sign changes at 40 digits."""
    eps = Fraction(1, 10**4)
    k = -(31 + eps) * Fraction(2, 3)
    c = [Fraction(1), k, -128 - 8 * k]
    with op._iv_precision(), mp.workdps(40):
        roots = op.certified_roots(c, _rho(1, 0.5, 0.25), 0)
        assert [r.kind for r in roots] == ["interior", "interior"]
        for box, (lo, hi) in zip(roots, [(0.012, 0.05), (0.5, 0.99)]):
            root = _mp_root(c, [1, 0.5, 0.25], lo, hi)
            assert box.lo.a < root < box.hi.b


def test_the_box_budget_counts_every_box():
    """artanh t − 3·artanh(t/2) is isolated with 7 boxes: a budget of 7 suffices, 6 does not."""
    c, rho = [Fraction(1), Fraction(-3)], _rho(1, 0.5)
    with op._iv_precision():
        assert len(op.certified_roots(c, rho, 0, max_boxes=7)) == 1
        with pytest.raises(op.Uncertified, match="more than 6 boxes"):
            op.certified_roots(c, rho, 0, max_boxes=6)


def test_a_single_sample_in_one_dimension_is_a_valid_problem():
    sn = op.second_neuron_spanning(np.array([[0.5]]), np.array([1.0]), 1.0)
    with mp.workdps(50):
        w = mp.atanh(mp.tanh(mp.mpf(0.5)) / 2) / mp.mpf(0.5)  # a = 2: w = artanh(tanh(½)/2)/½
        assert _contains(sn.w[0], w)


def test_spanning_solve_needs_as_many_samples_as_dimensions():
    X = np.array([[1.0, 0.5], [-0.3, 2.0], [0.7, 0.1]])  # rank 2 = d, but n = 3
    with pytest.raises(ValueError, match="^X: need n = d"):
        op.second_neuron_spanning(X, W2, 1.0)


def test_one_uncertified_ratio_among_certified_ones_is_uncertified():
    X = np.array([[40.0, 0.0], [0.0, 0.5]])  # y = (tanh 40, tanh ½): only the first ratio is at 1⁻
    with pytest.raises(op.Uncertified, match="y_i/a"):
        op.second_neuron_spanning(X, np.array([1.0, 1.0]), 1.0, Fraction(1) + Fraction(1, 10**40))


def test_spanning_certificate_reports_the_widest_enclosure():
    sn = op.second_neuron_spanning(X22, W2, -0.8)
    assert sn.certificate["max_width_w"] == max(float(wj.delta.b) for wj in sn.w)


def test_analyze_fits_with_targets_indistinguishable_from_zero_is_uncertified():
    """w*ᵀx_i ≈ 1e-40: tanh's 30-digit enclosure contains 0 for every sample."""
    with pytest.raises(op.Uncertified, match="all targets"):
        op.analyze_fits(np.array([[1e-40], [2e-40]]), np.array([1.0]), 1.0)
