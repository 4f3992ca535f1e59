"""REV.sgd-identity and REV.sgd-summed: Azizan–Hassibi's Lemmas 1 and 2, exact in SymPy.

Lemma 1 is proved for every dimension by the inner-product (Gram) algebra and cross-checked with
coordinate vectors for d = 1..4; Lemma 2 by telescoping for a symbolic number of steps T and for
T = 1..4 concrete steps. Negative controls: the factor (1 − 2η‖x‖²), a broken telescoping term.
"""

from __future__ import annotations

import pytest
import sympy as sp

from overspec.testing import ClaimRejected
from theory.sgd_identity import (
    E_I,
    E_PI,
    ERROR_CANDIDATES,
    derive_error_definitions,
    gram_inner,
    GramVector,
    lemma1_proof,
    lemma2_proof,
    lemma2_symbolic_T_proof,
)

WRONG_FACTOR = sp.sympify("1 - 2*eta*xx")  # (1 − η‖x‖²) → (1 − 2η‖x‖²)


def check_identity(proof: dict, what: str) -> dict:
    """Claim check: the difference LHS − RHS must be the literal 0, else ClaimRejected."""
    if not proof["holds"]:
        detail = proof.get("witness") or proof.get("residual_after_telescoping")
        raise ClaimRejected(f"{what}: LHS − RHS does not expand to 0 (left: {proof.get('difference', detail)!s:.200}); witness {detail}")
    return proof


# ----------------------------------------------------------------------------------- Lemma 1
@pytest.mark.claim("REV.sgd-identity", kind="symbolic")
def test_lemma1_expands_to_zero_in_the_inner_product_algebra_for_every_dimension(evidence):
    proof = check_identity(lemma1_proof("gram"), "Lemma 1 (Gram algebra)")
    evidence.record(
        method="vectors w, w_{i−1}, x_i as formal generators; ⟨·,·⟩ expanded by bilinearity and symmetry into"
        " free symbols <a,b>; LHS − RHS expands to the literal polynomial 0, hence 0 under every"
        " specialization to the Gram matrix of vectors in any R^d",
        difference=proof["difference"],
        e_i=proof["e_i"],
        e_pi=proof["e_pi"],
        factor=proof["factor"],
    )


@pytest.mark.claim("REV.sgd-identity", kind="symbolic")
def test_lemma1_error_definitions_are_derived_not_transcribed(evidence):
    found = derive_error_definitions()
    assert found == [(E_I, E_PI)], found  # unique among the 16 candidate assignments
    # The definitions the registry used before (e_{p,i} = x_iᵀ(w − w_i) in the (1 − η‖x‖²) slot,
    # e_i = x_iᵀ(w − w_{i−1})) do NOT give an identity:
    old = lemma1_proof("gram", e_def="x_iᵀw − x_iᵀw_i", ep_def="x_iᵀw − x_iᵀw_{i−1}")
    assert not old["holds"] and old["witness"] is not None
    evidence.record(
        candidates=list(ERROR_CANDIDATES),
        n_assignments_tried=len(ERROR_CANDIDATES) ** 2,
        identities_found=[list(p) for p in found],
        rejected_old_convention={"factor_slot": old["e_i"], "plain_slot": old["e_pi"], "witness": old["witness"]},
    )


@pytest.mark.claim("REV.sgd-identity", kind="symbolic")
@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_lemma1_expands_to_zero_with_coordinate_vectors(evidence, d):
    proof = check_identity(lemma1_proof("coordinates", d), f"Lemma 1 (d = {d})")
    evidence.record(method="w, w_{i−1}, x_i as d-vectors of real coordinate symbols", d=d, difference=proof["difference"])


@pytest.mark.claim("REV.sgd-identity", kind="symbolic", control=True)
def test_lemma1_with_factor_one_minus_two_eta_is_rejected(evidence):
    proof = lemma1_proof("gram", factor=WRONG_FACTOR)
    with pytest.raises(ClaimRejected):
        check_identity(proof, "Lemma 1 with (1 − 2η‖x‖²)")
    # the witness is an exact rational point where the mutated difference is non-zero
    assert sp.Rational(proof["witness"]["value"]) != 0
    evidence.record(mutation="(1 − η‖x_i‖²) → (1 − 2η‖x_i‖²)", rejected=True, difference=proof["difference"],
                    witness=proof["witness"])


@pytest.mark.claim("REV.sgd-identity", kind="symbolic", control=True)
@pytest.mark.parametrize("d", [1, 3])
def test_lemma1_with_factor_one_minus_two_eta_is_rejected_in_coordinates(evidence, d):
    proof = lemma1_proof("coordinates", d, factor=WRONG_FACTOR)
    with pytest.raises(ClaimRejected):
        check_identity(proof, f"Lemma 1 with (1 − 2η‖x‖²), d = {d}")
    evidence.record(mutation="(1 − η‖x_i‖²) → (1 − 2η‖x_i‖²)", d=d, rejected=True, witness=proof["witness"])


# ----------------------------------------------------------------------------------- Lemma 2
@pytest.mark.claim("REV.sgd-summed", kind="symbolic")
def test_lemma2_telescopes_for_symbolic_T(evidence):
    proof = check_identity(lemma2_symbolic_T_proof(), "Lemma 2 (symbolic T)")
    assert proof["residual_summand"] == "D(i) - D(i - 1)"
    evidence.record(
        method="Δ_T − Σ_{i≤T} δ(i) with δ(i) the Lemma-1 difference (≡ 0): one Sum over i = 1..T, summed by"
        " SymPy's telescoping (doit) and expanded",
        lemma1_step=proof["lemma1_step"],
        residual_summand=proof["residual_summand"],
        residual_after_telescoping=proof["residual_after_telescoping"],
    )


@pytest.mark.claim("REV.sgd-summed", kind="symbolic")
@pytest.mark.parametrize("T", [1, 2, 3, 4])
def test_lemma2_expands_to_zero_for_T_steps_in_the_inner_product_algebra(evidence, T):
    proof = check_identity(lemma2_proof(T, "gram"), f"Lemma 2 (T = {T})")
    evidence.record(method="T SGD steps from generators w, w_0, x_1..x_T (Gram algebra, any d)", T=T,
                    difference=proof["difference"])


@pytest.mark.claim("REV.sgd-summed", kind="symbolic")
@pytest.mark.parametrize("T, d", [(1, 1), (2, 1), (2, 2), (3, 1)])
def test_lemma2_expands_to_zero_with_coordinate_vectors(evidence, T, d):
    proof = check_identity(lemma2_proof(T, "coordinates", d), f"Lemma 2 (T = {T}, d = {d})")
    evidence.record(method="coordinate symbols", T=T, d=d, difference=proof["difference"])


@pytest.mark.claim("REV.sgd-summed", kind="symbolic", control=True)
def test_lemma2_with_a_broken_telescoping_term_is_rejected(evidence):
    sym = lemma2_symbolic_T_proof(start_index=1)
    with pytest.raises(ClaimRejected):
        check_identity(sym, "Lemma 2 with ‖w − w_1‖² for ‖w − w_0‖² (symbolic T)")
    concrete = lemma2_proof(3, "gram", start_index=1)
    with pytest.raises(ClaimRejected):
        check_identity(concrete, "Lemma 2 with ‖w − w_1‖² for ‖w − w_0‖² (T = 3)")
    assert sp.Rational(concrete["witness"]["value"]) != 0
    evidence.record(mutation="‖w − w_0‖² → ‖w − w_1‖² on the left", rejected=True,
                    residual_after_telescoping=sym["residual_after_telescoping"], witness_T3=concrete["witness"])


@pytest.mark.claim("REV.sgd-summed", kind="symbolic", control=True)
def test_lemma2_with_factor_one_minus_two_eta_is_rejected(evidence):
    proof = lemma2_proof(2, "gram", factor=WRONG_FACTOR)
    with pytest.raises(ClaimRejected):
        check_identity(proof, "Lemma 2 with (1 − 2η‖x‖²)")
    evidence.record(mutation="(1 − η‖x_i‖²) → (1 − 2η‖x_i‖²)", T=2, rejected=True, witness=proof["witness"])


# ----------------------------------------------------------------------------------- machinery
def test_gram_inner_is_bilinear_and_symmetric():
    a, b, c = (GramVector.generator(n) for n in "abc")
    s, t = sp.symbols("s t")
    lhs = gram_inner(a * s + b * t, c)
    assert sp.expand(lhs - (s * gram_inner(a, c) + t * gram_inner(c, b))) == 0
    assert gram_inner(a, b) == gram_inner(b, a)


def test_bad_arguments_are_value_errors():
    with pytest.raises(ValueError, match="d"):
        lemma1_proof("coordinates", 0)
    with pytest.raises(ValueError, match="space"):
        lemma1_proof("matrix")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="T"):
        lemma2_proof(0)
    with pytest.raises(ValueError, match="start_index"):
        lemma2_proof(2, start_index=5)


# ----------------------------------------------------------------------------------- the pieces
from theory import sgd_identity as sgd  # noqa: E402


def test_gram_algebra_symbols_and_scalars():
    a, b = GramVector.generator("a"), GramVector.generator("b")
    assert a.coeffs == {"a": 1}
    assert gram_inner(a, b) == sp.Symbol("<a,b>", real=True) == sgd.gram_symbol("b", "a")
    assert (a * 2 * 3).coeffs == {"a": 6} and (3 * (a - b)).coeffs == {"a": 3, "b": -3}
    assert gram_inner(a * 2, b * 3) == 6 * sp.Symbol("<a,b>", real=True)


def test_step_size_and_noise_are_positive_and_real():
    assert sgd.ETA.is_positive
    _, syms = sgd.lemma1_difference()
    assert syms["v"].is_real and syms["eta"] is sgd.ETA


def test_error_candidates_compute_what_their_names_say():
    """With numbers for the vectors and ⟨a, b⟩ = a·b: w = 1, w_{i−1} = 2, w_i = 3, x = 5, y = 7."""
    def inner(a, b):
        return a * b

    values = {name: f(1, 2, 3, 5, 7, inner) for name, f in ERROR_CANDIDATES.items()}
    assert values == {"y_i − x_iᵀw_{i−1}": 7 - 10, "y_i − x_iᵀw_i": 7 - 15,
                      "x_iᵀw − x_iᵀw_{i−1}": 5 - 10, "x_iᵀw − x_iᵀw_i": 5 - 15}


def test_lemma1_difference_for_a_wrong_assignment_is_the_independent_polynomial():
    """d = 1, e_{p,i} := e_i (both y_i − x_iw_{i−1}): the difference is, written out independently,
    (w − w')² + ηv² − (w − w_i)² − η(1 − ηx²)e² − ηe² with y = xw + v, w_i = w' + ηx(y − xw')."""
    w, wp, x = (sp.Symbol(f"{n}_1", real=True) for n in ("w", "wprev", "x"))
    v, eta = sp.Symbol("v", real=True), sgd.ETA
    y = x * w + v
    wi = wp + eta * x * (y - x * wp)
    e = y - x * wp
    want = (w - wp) ** 2 + eta * v**2 - (w - wi) ** 2 - eta * (1 - eta * x**2) * e**2 - eta * e**2
    diff, _ = sgd.lemma1_difference("coordinates", 1, e_def=E_I, ep_def=E_I)
    assert sp.expand(diff - want) == 0 and diff != 0


def test_lemma2_with_start_index_one_leaves_the_first_step_of_the_telescope():
    """T = 1, start_index = 1: by Lemma 1 the difference is ‖w − w_1‖² − ‖w − w_0‖² (d = 1)."""
    w, w0, x1 = (sp.Symbol(n, real=True) for n in ("w_1", "w0_1", "x1_1"))
    v1, eta = sp.Symbol("v1", real=True), sgd.ETA
    w1 = w0 + eta * x1 * (x1 * w + v1 - x1 * w0)
    assert sp.expand(sgd.lemma2_difference(1, "coordinates", 1, start_index=1) - ((w - w1) ** 2 - (w - w0) ** 2)) == 0
    assert sgd.lemma2_difference(2) == 0  # start_index = 0 (the lemma) by default
    # T = 1 is one step: a wrong factor leaves a difference in ⟨w, x_1⟩, ⟨w_0, x_1⟩, ‖x_1‖², v_1, η only
    names = {s.name for s in sgd.lemma2_difference(1, factor=WRONG_FACTOR).free_symbols}
    assert names == {"<w,x1>", "<w0,x1>", "<x1,x1>", "v1", "eta"}
    assert sgd.lemma2_difference(2, start_index=2) != 0  # start_index = T is allowed
    with pytest.raises(ValueError, match="^start_index: need 0 ≤ start_index ≤ T"):
        sgd.lemma2_difference(2, start_index=3)


def test_witness_search_order_and_values():
    """Points of {1, 2, −1, 3, 5}^k in that order; the first point with a non-zero value is taken."""
    assert list(sgd._grid(1)) == [(1,), (2,), (-1,), (3,), (5,)]
    z = sp.Symbol("z")
    assert sgd._witness(z - 1) == {"point": {"z": "2"}, "value": "1"}   # z = 1 is a root: skipped
    assert sgd._witness(sp.Integer(1)) == {"point": {}, "value": "1"}   # a non-zero constant is its own witness
    assert sgd._witness(sp.Integer(0)) is None


def test_proof_records_say_what_was_proved():
    proof = lemma1_proof()
    assert proof["n_terms"] == 0 and proof["witness"] is None and proof["factor"] == "1 - eta*xx"
    assert lemma1_proof(factor=WRONG_FACTOR)["factor"] == str(WRONG_FACTOR)
    assert lemma2_symbolic_T_proof()["lemma1_step"].endswith(" = 0")
