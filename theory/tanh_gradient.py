"""The gradient of the squared loss through a tanh hidden layer (claim QA.tanh-gradient).

The Q&A's network: inputs x (a row of n_in values), hidden h = tanh(xW + b_h) (n_hid units,
W_pq the weight from input p to hidden unit q), one linear output o = hV + b_o, loss
L = (t − o)². The answer states

    ∂L/∂W_11 = 2·V_1·(t − o)·x_1·(h_1² − 1).

Sign convention: ∂L/∂o = −2(t − o) and tanh' = 1 − tanh², so
∂L/∂W_11 = −2(t − o)·V_1·(1 − h_1²)·x_1 — the answer's (h_1² − 1) absorbs the minus sign of
∂L/∂o; writing (1 − h_1²) instead flips the sign of the gradient.

:func:`tanh_gradient_proof` differentiates L with SymPy (nothing typed in), substitutes the
claimed closed form with h_1 = tanh(a_1), a_1 = Σ_p x_p W_p1 + b_h1, and expands the difference to
a literal 0 — for concrete sizes (Matrix of symbols) and for symbolic sizes (n inputs, k hidden
units, n, k ≥ 1: IndexedBase with Sums, differentiated through the Sums with KroneckerDelta).
"""

from __future__ import annotations

from typing import Callable, Literal

import sympy as sp

__all__ = [
    "CLAIMED_GRADIENT",
    "MUTATED_GRADIENT",
    "tanh_network_loss",
    "tanh_gradient_proof",
    "tanh_gradient_at_zero_weights",
]

Form = Callable[[sp.Expr, sp.Expr, sp.Expr, sp.Expr, sp.Expr], sp.Expr]

#: The answer's closed form: (V_1, t, o, x_1, h_1) ↦ 2V_1(t − o)x_1(h_1² − 1).
CLAIMED_GRADIENT: Form = lambda V1, t, o, x1, h1: 2 * V1 * (t - o) * x1 * (h1**2 - 1)  # noqa: E731
#: The negative control: the sign convention flipped, (1 − h_1²) for (h_1² − 1).
MUTATED_GRADIENT: Form = lambda V1, t, o, x1, h1: 2 * V1 * (t - o) * x1 * (1 - h1**2)  # noqa: E731


def tanh_network_loss(n_in: int, n_hid: int) -> dict:
    """L = (t − o)² for concrete sizes; returns the symbols and the pieces (a, h, o, L)."""
    if not isinstance(n_in, int) or n_in < 1:
        raise ValueError(f"n_in: need a positive integer, got {n_in!r}")
    if not isinstance(n_hid, int) or n_hid < 1:
        raise ValueError(f"n_hid: need a positive integer, got {n_hid!r}")
    x = sp.Matrix(1, n_in, lambda i, p: sp.Symbol(f"x_{p + 1}", real=True))
    W = sp.Matrix(n_in, n_hid, lambda p, q: sp.Symbol(f"W_{p + 1}{q + 1}", real=True))
    b_h = sp.Matrix(1, n_hid, lambda i, q: sp.Symbol(f"b_h{q + 1}", real=True))
    V = sp.Matrix(n_hid, 1, lambda q, i: sp.Symbol(f"V_{q + 1}", real=True))
    b_o, t = sp.symbols("b_o t", real=True)
    a = x * W + b_h
    h = a.applyfunc(sp.tanh)
    o = (h * V)[0, 0] + b_o
    return {"x": x, "W": W, "b_h": b_h, "V": V, "b_o": b_o, "t": t, "a": a, "h": h, "o": o, "L": (t - o) ** 2}


def _symbolic_size_network() -> dict:
    """The same network with symbolic sizes: n ≥ 1 inputs and k ≥ 1 hidden units."""
    n = sp.Symbol("n", integer=True, positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    p, q = sp.symbols("p q", integer=True)
    x, W, b_h, V = sp.IndexedBase("x"), sp.IndexedBase("W"), sp.IndexedBase("b_h"), sp.IndexedBase("V")
    b_o, t = sp.symbols("b_o t", real=True)

    def a(qq):
        return sp.Sum(x[p] * W[p, qq], (p, 1, n)) + b_h[qq]

    o = sp.Sum(sp.tanh(a(q)) * V[q], (q, 1, k)) + b_o
    return {"n": n, "k": k, "x": x, "W": W, "V": V, "t": t, "o": o, "a1": a(1), "L": (t - o) ** 2}


def tanh_gradient_proof(size: tuple[int, int] | Literal["symbolic"], form: Form = CLAIMED_GRADIENT) -> dict:
    """Is ``form`` equal to ∂L/∂W_11 identically? ``holds`` iff the difference expands to a literal 0.

    ``size`` is (n_in, n_hid) or ``"symbolic"`` (n inputs and k hidden units, n and k
    positive-integer symbols). Returns the derivative SymPy computed, the claimed expression and their difference.
    """
    if size == "symbolic":
        net = _symbolic_size_network()
        grad = sp.diff(net["L"], net["W"][1, 1]).doit()
        h1 = sp.tanh(net["a1"])
        claimed = form(net["V"][1], net["t"], net["o"], net["x"][1], h1)
    else:
        n_in, n_hid = size
        net = tanh_network_loss(n_in, n_hid)
        grad = sp.diff(net["L"], net["W"][0, 0])
        claimed = form(net["V"][0, 0], net["t"], net["o"], net["x"][0, 0], net["h"][0, 0])
    diff = sp.expand(grad - claimed)
    return {"holds": diff == 0, "size": str(size), "derivative": str(grad), "claimed": str(claimed),
            "difference": str(diff)}


def tanh_gradient_at_zero_weights(form: Form = CLAIMED_GRADIENT, n_in: int = 2, n_hid: int = 2) -> dict:
    """An exact rational witness of the sign: all W = 0, b_h = 0 (so h = tanh(0) = 0 exactly).

    At x_1 = 1, V_1 = 1, t = 1, b_o = 0 the derivative is −2 (a rational), so it separates the
    claimed form (−2) from the flipped one (+2) without any floating point.
    """
    net = tanh_network_loss(n_in, n_hid)
    point = {s: sp.Integer(0) for s in list(net["W"]) + list(net["b_h"])}
    point.update({s: sp.Integer(1) for s in list(net["x"]) + list(net["V"])})
    point.update({net["t"]: sp.Integer(1), net["b_o"]: sp.Integer(0)})
    grad = sp.diff(net["L"], net["W"][0, 0]).subs(point)
    claimed = form(net["V"][0, 0], net["t"], net["o"], net["x"][0, 0], net["h"][0, 0]).subs(point)
    return {"derivative": grad, "claimed": claimed, "equal": sp.expand(grad - claimed) == 0,
            "point": "W = 0, b_h = 0, x = 1, V = 1, t = 1, b_o = 0"}
