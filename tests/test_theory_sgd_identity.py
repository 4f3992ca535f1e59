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
