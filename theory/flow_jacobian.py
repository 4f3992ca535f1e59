"""The Jacobian of the gradient field of the two-layer net, derived with SymPy (ZBZ24 flows).

Claims ZBZ24.full-sample, ZBZ24.separation, ZBZ24.init-scale, ZBZ24.ratio: the stiff integrator
(numerics.stiff_flow) is handed ∂F/∂θ for F = −∇L. Derived here for one sample,
ℓ(θ) = ½(f_θ(x) − y)², f_θ(x) = Σ_k a_k σ(w_kᵀx), σ an undefined SymPy function (so the result holds
for every C² activation), by differentiating ℓ twice: :func:`field_jacobian`. The closed form
used by the numerics (numerics.network.hessian, summed over samples with weight 1/n),

    −∂F/∂θ = ∇²ℓ = ∇f ∇fᵀ + r·∇²f,   r = f − y,
    ∇f = (σ(z_k), a_k σ'(z_k) x)_k,  ∇²f block-diagonal: ∂²f/∂a_k∂w_k = σ'(z_k) x,
    ∂²f/∂w_k² = a_k σ''(z_k) x xᵀ, ∂²f/∂a_k² = 0   (z_k = w_kᵀx),

is built from those pieces by :func:`closed_form_jacobian` and proved equal entry by entry
(:func:`closed_form_matches`: the difference expands to a literal 0). Nothing here imports
numerics/.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

SIGMA = sp.Function("sigma", real=True)


@lru_cache(maxsize=None)
def symbols(m: int, d: int) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...], sp.Symbol]:
    """(θ in packed order (a_1, w_11..w_1d, a_2, ...), x = (x_1..x_d), y), all real."""
    if int(m) != m or m < 1 or int(d) != d or d < 1:
        raise ValueError(f"m, d: expected positive integers, got {m!r}, {d!r}")
    theta = []
    for k in range(1, m + 1):
        theta.append(sp.Symbol(f"a_{k}", real=True))
        theta.extend(sp.Symbol(f"w_{k}{j}", real=True) for j in range(1, d + 1))
    x = tuple(sp.Symbol(f"x_{j}", real=True) for j in range(1, d + 1))
    return tuple(theta), x, sp.Symbol("y", real=True)


def _net(m: int, d: int, sigma=SIGMA) -> tuple[sp.Expr, list[sp.Expr]]:
    theta, x, _ = symbols(m, d)
    z = [sum(theta[k * (d + 1) + 1 + j] * x[j] for j in range(d)) for k in range(m)]
    return sum(theta[k * (d + 1)] * sigma(z[k]) for k in range(m)), z


@lru_cache(maxsize=None)
def field_jacobian(m: int, d: int, sigma=SIGMA) -> sp.Matrix:
    """∂F/∂θ for F = −∇ℓ, one sample (x, y): −(the SymPy Hessian of ½(f_θ(x) − y)²);
    ``sigma`` an undefined function (default) or a concrete one such as ``sp.tanh``."""
    theta, _, y = symbols(m, d)
    f, _ = _net(m, d, sigma)
    ell = sp.Rational(1, 2) * (f - y) ** 2
    F = [-sp.diff(ell, t) for t in theta]
    return sp.Matrix([[sp.diff(Fi, t) for t in theta] for Fi in F])


@lru_cache(maxsize=None)
def closed_form_jacobian(m: int, d: int) -> sp.Matrix:
    """−(∇f∇fᵀ + r∇²f) from the closed-form pieces in the module docstring."""
    theta, x, y = symbols(m, d)
    f, z = _net(m, d)
    s = sp.Symbol("s", real=True)
    d1 = [sp.diff(SIGMA(s), s).subs(s, zk) for zk in z]
    d2 = [sp.diff(SIGMA(s), s, 2).subs(s, zk) for zk in z]
    p = m * (d + 1)
    grad = []
    for k in range(m):
        grad.append(SIGMA(z[k]))
        grad.extend(theta[k * (d + 1)] * d1[k] * x[j] for j in range(d))
    H2 = sp.zeros(p, p)
    for k in range(m):
        o = k * (d + 1)
        for j in range(d):
            H2[o, o + 1 + j] = H2[o + 1 + j, o] = d1[k] * x[j]
            for i in range(d):
                H2[o + 1 + i, o + 1 + j] = theta[o] * d2[k] * x[i] * x[j]
    g = sp.Matrix(grad)
    return -(g * g.T + (f - y) * H2)


def closed_form_matches(m: int, d: int) -> bool:
    """True iff every entry of field_jacobian − closed_form_jacobian expands to a literal 0."""
    D = field_jacobian(m, d) - closed_form_jacobian(m, d)
    return all(sp.expand(e.doit()) == 0 for e in D)


def tanh_jacobian_function(m: int, d: int):
    """A NumPy callable J(θ, x, y) of :func:`field_jacobian` with σ = tanh (for numerical
    comparison in tests; σ', σ'' come from differentiating tanh, not typed in)."""
    theta, x, y = symbols(m, d)
    J = field_jacobian(m, d, sp.tanh)
    return sp.lambdify((theta, x, y), J, "numpy")
