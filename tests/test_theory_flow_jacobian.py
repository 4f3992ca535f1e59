"""theory.flow_jacobian: the SymPy Jacobian of the gradient field F = −∇ℓ of the two-layer net.

The numerical comparison with numerics.network.hessian is in tests/test_flow.py; here the
derivation itself is checked in exact SymPy arithmetic: the packed parameter order, the field
Jacobian against a Hessian of a loss written out independently, the closed form for a width
and an input dimension ≥ 2 (where neuron and coordinate offsets matter), and that the
entry-by-entry check notices a wrong closed form.
"""

from __future__ import annotations

import pytest
import sympy as sp

from theory import flow_jacobian as fj


def test_symbols_are_packed_per_neuron_and_real():
    theta, x, y = fj.symbols(2, 3)
    assert [str(t) for t in theta] == ["a_1", "w_11", "w_12", "w_13", "a_2", "w_21", "w_22", "w_23"]
    assert [str(e) for e in x] == ["x_1", "x_2", "x_3"] and str(y) == "y"
    assert all(s.is_real for s in (*theta, *x, y))
    theta1, x1, _ = fj.symbols(1, 1)  # the smallest sizes are allowed
    assert [str(t) for t in theta1] == ["a_1", "w_11"] and [str(e) for e in x1] == ["x_1"]


def test_sigma_is_real_valued_so_the_jacobian_of_a_real_loss_is_real():
    """σ is declared real: σ(z) is its own conjugate for real z, and the (a_1, a_1) entry
    −σ(z_1)² of the field Jacobian is a real (non-positive) number for every real θ, x."""
    z = sp.Symbol("z", real=True)
    assert sp.conjugate(fj.SIGMA(z)) == fj.SIGMA(z)
    J = fj.field_jacobian(1, 2)
    assert J[0, 0].is_real is True and J[0, 0].is_nonpositive is True
    assert sp.conjugate(J[0, 0]) == J[0, 0]


@pytest.mark.parametrize("m, d", [(0, 1), (1, 0), (-1, 2), (sp.Rational(3, 2), 1), (1, 2.5)])
def test_symbols_reject_sizes_that_are_not_positive_integers_naming_them(m, d):
    with pytest.raises(ValueError, match="^m, d: expected positive integers"):
        fj.symbols(m, d)


def _independent_loss(m: int, d: int, sigma):
    """½(Σ_k a_k σ(Σ_j w_kj x_j) − y)², written from the symbols' names (not through the module)."""
    a = [sp.Symbol(f"a_{k}", real=True) for k in range(1, m + 1)]
    w = [[sp.Symbol(f"w_{k}{j}", real=True) for j in range(1, d + 1)] for k in range(1, m + 1)]
    x = [sp.Symbol(f"x_{j}", real=True) for j in range(1, d + 1)]
    y = sp.Symbol("y", real=True)
    f = sum(a[k] * sigma(sum(w[k][j] * x[j] for j in range(d))) for k in range(m))
    theta = [p for k in range(m) for p in (a[k], *w[k])]
    return (f - y) ** 2 / 2, theta


@pytest.mark.parametrize("m, d", [(2, 2), (1, 3)])
def test_field_jacobian_is_minus_the_hessian_of_the_one_sample_loss(m, d):
    ell, theta = _independent_loss(m, d, fj.SIGMA)
    J = fj.field_jacobian(m, d)
    assert J.shape == (m * (d + 1), m * (d + 1))
    H = sp.hessian(ell, theta)
    assert all(sp.expand((J[i, j] + H[i, j]).doit()) == 0 for i in range(J.rows) for j in range(J.cols))


def test_closed_form_is_derived_for_two_neurons_in_two_dimensions():
    """Width 2, d = 2: the neuron offsets k(d + 1) and the coordinate blocks x_i x_j all occur."""
    assert fj.closed_form_matches(2, 2)
    C = fj.closed_form_jacobian(2, 2)
    ell, theta = _independent_loss(2, 2, fj.SIGMA)
    H = sp.hessian(ell, theta)
    assert all(sp.expand((C[i, j] + H[i, j]).doit()) == 0 for i in range(6) for j in range(6))


def test_closed_form_check_rejects_a_closed_form_with_one_wrong_entry(monkeypatch):
    """closed_form_matches is an entry-by-entry proof: one wrong entry (here ∂²/∂a_1² given the
    value 1 instead of −σ(z_1)²) makes it False although every other entry still agrees."""
    right = fj.closed_form_jacobian(1, 1)
    wrong = right.copy()
    wrong[0, 0] = sp.Integer(1)
    monkeypatch.setattr(fj, "closed_form_jacobian", lambda m, d: wrong)
    assert fj.closed_form_matches(1, 1) is False


def test_tanh_jacobian_function_evaluates_the_field_jacobian_with_tanh():
    """At θ = (a, w) = (1, 0), x = 1, y = 0 (z = 0, tanh(0) = 0, tanh'(0) = 1, tanh''(0) = 0):
    ℓ = ½(a·tanh(wx) − y)² has ∂²ℓ/∂a² = tanh(0)² = 0, ∂²ℓ/∂a∂w = x·tanh'(0)·(2a·tanh(0) − y) = 0
    and ∂²ℓ/∂w² = a²x²tanh'(0)² = 1, so J = −∇²ℓ = [[0, 0], [0, −1]]; at θ = (2, 1), x = 1, y = 0
    it is compared with the exact Hessian of the independently written loss."""
    J = fj.tanh_jacobian_function(1, 1)
    assert [[float(v) for v in row] for row in J([1.0, 0.0], [1.0], 0.0)] == [[0.0, 0.0], [0.0, -1.0]]
    ell, theta = _independent_loss(1, 1, sp.tanh)
    H = sp.hessian(ell, theta).subs({theta[0]: 2, theta[1]: 1, sp.Symbol("x_1", real=True): 1,
                                     sp.Symbol("y", real=True): 0})
    got = J([2.0, 1.0], [1.0], 0.0)
    for i in range(2):
        for j in range(2):
            assert abs(float(got[i][j]) + float(H[i, j])) <= 1e-14 * max(1.0, abs(float(H[i, j])))
