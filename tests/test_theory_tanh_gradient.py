"""QA.tanh-gradient: ∂L/∂W_11 = 2V_1(t − o)x_1(h_1² − 1) for L = (t − o)², h = tanh(xW + b_h), o = hV + b_o."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from numerics.network import gradient, pack
from overspec.testing import ClaimRejected, assert_close
from theory.tanh_gradient import (
    CLAIMED_GRADIENT,
    MUTATED_GRADIENT,
    tanh_gradient_at_zero_weights,
    tanh_gradient_proof,
    tanh_network_loss,
)

SIZES = [(2, 2), (3, 3), (2, 3), (4, 2)]


def check_tanh_gradient(size, form) -> dict:
    """Claim check: SymPy's ∂L/∂W_11 minus the closed form must expand to a literal 0."""
    proof = tanh_gradient_proof(size, form)
    if not proof["holds"]:
        raise ClaimRejected(f"∂L/∂W_11 ≠ closed form at size {size}: difference {proof['difference'][:300]}")
    return proof


@pytest.mark.claim("QA.tanh-gradient", kind="symbolic")
@pytest.mark.parametrize("size", SIZES + ["symbolic"], ids=lambda s: str(s).replace(" ", ""))
def test_tanh_gradient_matches_the_answer_exactly(evidence, size):
    proof = check_tanh_gradient(size, CLAIMED_GRADIENT)
    evidence.record(
        size=proof["size"],
        derivative=proof["derivative"] if size == "symbolic" else proof["derivative"][:400],
        claimed=proof["claimed"] if size == "symbolic" else proof["claimed"][:400],
        difference=proof["difference"],
        method="sympy.diff of L = (t − o)² w.r.t. W_11 (through the Sums for symbolic n), minus the answer's"
        " closed form with h_1 = tanh(a_1), expanded to a literal 0",
    )


@pytest.mark.claim("QA.tanh-gradient", kind="symbolic")
def test_sign_convention_at_an_exact_rational_point(evidence):
    at = tanh_gradient_at_zero_weights(CLAIMED_GRADIENT)
    assert at["derivative"] == -2 and at["equal"]  # ∂L/∂o = −2(t − o) < 0 for t > o, tanh'(0) = 1
    evidence.record(point=at["point"], derivative=at["derivative"], claimed=at["claimed"],
                    convention="∂L/∂o = −2(t − o), tanh' = 1 − tanh²: the factor (h_1² − 1) carries the minus sign")


@pytest.mark.claim("QA.tanh-gradient", kind="symbolic", control=True)
@pytest.mark.parametrize("size", [(2, 2), (3, 3), "symbolic"], ids=lambda s: str(s).replace(" ", ""))
def test_flipped_sign_convention_is_rejected(evidence, size):
    with pytest.raises(ClaimRejected):
        check_tanh_gradient(size, MUTATED_GRADIENT)
    at = tanh_gradient_at_zero_weights(MUTATED_GRADIENT)
    assert not at["equal"] and at["claimed"] == -at["derivative"] != 0
    evidence.record(mutation="(h_1² − 1) → (1 − h_1²)", size=str(size), rejected=True,
                    exact_witness={"point": at["point"], "derivative": at["derivative"], "mutated": at["claimed"]})


@pytest.mark.claim("QA.tanh-gradient", kind="numerical")
def test_closed_form_agrees_with_the_numpy_gradient_on_random_data(evidence):
    """Against numerics.network: with b_h = 0, b_o = 0 and one sample, L_QA = (t − o)² = 2·L_half_mean."""
    seed, n_draws, errors = 20240601, 20, []
    rng = np.random.default_rng(seed)
    net = tanh_network_loss(3, 4)
    zero_bias = {net["b_o"]: 0, **{b: 0 for b in net["b_h"]}}
    args = list(net["x"]) + list(net["W"]) + list(net["V"]) + [net["t"]]
    reference = sp.lambdify(args, sp.diff(net["L"], net["W"][0, 0]).subs(zero_bias), modules="mpmath")
    for _ in range(n_draws):
        x = rng.standard_normal(3)
        W = rng.standard_normal((3, 4))  # W_pq: input p → hidden q
        V = rng.standard_normal(4)
        t = float(rng.standard_normal())
        h = np.tanh(x @ W)
        closed = CLAIMED_GRADIENT(V[0], t, float(h @ V), x[0], h[0])
        theta = pack(V, W.T)  # numerics packs neuron q as (a_q, w_q) with w_q = W[:, q]
        g_num = 2.0 * gradient(theta, x[None, :], np.array([t]), "tanh", "half_mean")[1]  # ∂/∂(w_1)_1
        with mpmath.workdps(30):
            ref = float(reference(*x, *W.ravel(), *V, t))
        errors.append(assert_close(g_num, ref, rtol=1e-12, atol=1e-14, name="numpy gradient"))
        errors.append(assert_close(closed, ref, rtol=1e-12, atol=1e-14, name="closed form"))
    evidence.record(draws=n_draws, seed=seed, max_abs_error=max(errors), sizes="n_in = 3, n_hid = 4",
                    reference="SymPy's derivative evaluated with mpmath at 30 digits")
    evidence.tolerance("rtol", 1e-12, "both sides are O(10) double-precision operations on O(1) values: rounding"
                       " ≤ ~10·2^-53 ≈ 1e-15 relative, ×1e3 margin")
    evidence.tolerance("atol", 1e-14, "absolute floor for a gradient that happens to be ≈ 0 (same rounding argument)")


def test_bad_sizes_are_value_errors():
    with pytest.raises(ValueError, match="n_in"):
        tanh_network_loss(0, 2)
    with pytest.raises(ValueError, match="n_hid"):
        tanh_network_loss(2, -1)


def test_the_control_form_is_exactly_the_claim_with_the_sign_convention_flipped():
    V1, t, o, x1, h1 = sp.symbols("V1 t o x1 h1", real=True)
    assert sp.expand(MUTATED_GRADIENT(V1, t, o, x1, h1) + CLAIMED_GRADIENT(V1, t, o, x1, h1)) == 0
    assert sp.expand(CLAIMED_GRADIENT(V1, t, o, x1, h1) - 2 * V1 * (t - o) * x1 * (h1**2 - 1)) == 0


def test_the_smallest_network_is_allowed_and_its_gradient_matches():
    assert tanh_gradient_proof((1, 1))["holds"]


def test_network_pieces_are_real_and_include_both_biases():
    """a = xW + b_h, h = tanh(a), o = hV + b_o: for one input and one hidden unit
    o = V_1·tanh(x_1W_11 + b_h1) + b_o; every symbol is real."""
    net = tanh_network_loss(1, 1)
    x1, W11, bh1, V1 = net["x"][0, 0], net["W"][0, 0], net["b_h"][0, 0], net["V"][0, 0]
    assert net["o"] == V1 * sp.tanh(x1 * W11 + bh1) + net["b_o"]
    assert all(s.is_real for s in (x1, W11, bh1, V1, net["b_o"], net["t"]))


def test_symbolic_size_network_specializes_to_the_concrete_one():
    """n = k = 1: o = tanh(x_1W_11 + b_h1)·V_1 + b_o, with real b_o and t."""
    from theory.tanh_gradient import _symbolic_size_network

    net = _symbolic_size_network()
    x, W, V = net["x"], net["W"], net["V"]
    b_h, b_o = sp.IndexedBase("b_h"), sp.Symbol("b_o", real=True)
    o1 = net["o"].subs({net["n"]: 1, net["k"]: 1}).doit()
    assert sp.expand(o1 - (sp.tanh(x[1] * W[1, 1] + b_h[1]) * V[1] + b_o)) == 0
    assert net["t"].is_real
