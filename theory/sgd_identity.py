"""Azizan–Hassibi's fundamental identity of SGD on a linear model (claims REV.sgd-identity, REV.sgd-summed).

Setting (REV §4.2, Lemma 1, eq. (8)): data y_i = x_iᵀw + v_i for an arbitrary weight w and noise
v_i; SGD with step η and batch size 1,

    w_i = w_{i−1} + η·x_i·(y_i − x_iᵀw_{i−1}).

Lemma 1 (eq. (9)), with the definitions this module *derives* (:func:`derive_error_definitions`):

    ‖w − w_{i−1}‖² + η·v_i² = ‖w − w_i‖² + η(1 − η‖x_i‖²)·e_i² + η·e_{p,i}²,
    e_i     = y_i − x_iᵀw_{i−1}           (the data misfit of the prior iterate),
    e_{p,i} = x_iᵀw − x_iᵀw_{i−1}         (the prediction error of the prior iterate),

so e_i = v_i + e_{p,i}, which is the rewriting the review's proof sketch uses. (The OCR'd seed lost
both definitions; of the natural candidates only this assignment makes (9) an identity. Writing
the (1 − η‖x‖²)-term with the name e_{p,i} — as CLAIMS.md does — only swaps the two names.)

Lemma 2 (eq. (10)) is Lemma 1 summed over i = 1..T; the ‖w − w_i‖² terms telescope:

    ‖w − w_0‖² + η Σ_i v_i² = ‖w − w_T‖² + η Σ_i (1 − η‖x_i‖²)·e_i² + η Σ_i e_{p,i}².

Proof for every dimension (``space="gram"``): vectors are formal linear combinations of named
generators (w, w_{i−1}, x_i, …) and ⟨·,·⟩ is expanded by bilinearity and symmetry into symbols
G(a, b) = ⟨a, b⟩. The difference of the two sides then expands to the literal polynomial 0 in the
free variables (G entries, η, v_i). A polynomial identity in free variables stays true under every
specialization, and the Gram matrix of the generators in any real inner-product space R^d (or
Hilbert space) is such a specialization — so this is a proof for every d, not a test at one d.
Cross-check (``space="coordinates"``): the same construction with d-vectors of coordinate symbols,
d = 1..4.

Pure SymPy; results are returned as dicts (difference, whether it is the literal 0, and for a
non-zero difference an exact rational witness point where it is non-zero).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Callable, Literal

import sympy as sp

__all__ = [
    "GramVector",
    "ERROR_CANDIDATES",
    "sgd_step",
    "lemma1_difference",
    "lemma1_proof",
    "derive_error_definitions",
    "lemma2_difference",
    "lemma2_proof",
    "lemma2_symbolic_T_proof",
]

Space = Literal["gram", "coordinates"]
ETA = sp.Symbol("eta", positive=True)


# --------------------------------------------------------------------------- inner-product algebra
@dataclass(frozen=True)
class GramVector:
    """A formal vector Σ_g c_g·g over named generators g; ⟨·,·⟩ by bilinearity into G(a, b)."""

    coeffs: dict = field(default_factory=dict)

    @staticmethod
    def generator(name: str) -> "GramVector":
        return GramVector({name: sp.Integer(1)})

    def __add__(self, other: "GramVector") -> "GramVector":
        out = dict(self.coeffs)
        for g, c in other.coeffs.items():
            out[g] = out.get(g, sp.Integer(0)) + c
        return GramVector(out)

    def __neg__(self) -> "GramVector":
        return GramVector({g: -c for g, c in self.coeffs.items()})

    def __sub__(self, other: "GramVector") -> "GramVector":
        return self + (-other)

    def __mul__(self, scalar) -> "GramVector":
        s = sp.sympify(scalar)
        return GramVector({g: s * c for g, c in self.coeffs.items()})

    __rmul__ = __mul__


def gram_symbol(a: str, b: str) -> sp.Symbol:
    """G(a, b) = ⟨a, b⟩ (symmetric: one symbol per unordered pair, real)."""
    a, b = sorted((a, b))
    return sp.Symbol(f"<{a},{b}>", real=True)


def gram_inner(u: GramVector, v: GramVector) -> sp.Expr:
    """⟨u, v⟩ = Σ_{a,b} u_a v_b G(a, b): bilinearity and symmetry, nothing else."""
    return sp.Add(*[cu * cv * gram_symbol(a, b) for a, cu in u.coeffs.items() for b, cv in v.coeffs.items()])


def _coordinate_inner(u: sp.Matrix, v: sp.Matrix) -> sp.Expr:
    return (u.T * v)[0, 0]


def _make_space(space: Space, d: int | None) -> tuple[Callable[[str], object], Callable]:
    """(vector factory name → vector, inner product) for the chosen model of R^d."""
    if space == "gram":
        return GramVector.generator, gram_inner
    if space == "coordinates":
        if not isinstance(d, int) or d < 1:
            raise ValueError(f"d: need a positive integer dimension for coordinates, got {d!r}")
        return (lambda name: sp.Matrix(sp.symbols(f"{name}_1:{d + 1}", real=True))), _coordinate_inner
    raise ValueError(f"space: expected 'gram' or 'coordinates', got {space!r}")


# --------------------------------------------------------------------------- SGD and the identity
def sgd_step(w_prev, x, y: sp.Expr, eta: sp.Expr, inner: Callable):
    """w_i = w_{i−1} + η·x_i·(y_i − x_iᵀw_{i−1})  (REV eq. (8))."""
    return w_prev + x * (eta * (y - inner(x, w_prev)))


#: The natural candidates for the two error quantities of Lemma 1 (given w, w_{i−1}, w_i, x_i, y_i).
ERROR_CANDIDATES: dict[str, Callable] = {
    "y_i − x_iᵀw_{i−1}": lambda w, wp, wi, x, y, inner: y - inner(x, wp),
    "y_i − x_iᵀw_i": lambda w, wp, wi, x, y, inner: y - inner(x, wi),
    "x_iᵀw − x_iᵀw_{i−1}": lambda w, wp, wi, x, y, inner: inner(x, w) - inner(x, wp),
    "x_iᵀw − x_iᵀw_i": lambda w, wp, wi, x, y, inner: inner(x, w) - inner(x, wi),
}
#: The derived assignment: (factor-(1 − η‖x‖²) error e_i, plain error e_{p,i}).
E_I = "y_i − x_iᵀw_{i−1}"
E_PI = "x_iᵀw − x_iᵀw_{i−1}"


def lemma1_difference(
    space: Space = "gram",
    d: int | None = None,
    *,
    e_def: str = E_I,
    ep_def: str = E_PI,
    factor: sp.Expr | None = None,
) -> tuple[sp.Expr, dict]:
    """LHS − RHS of Lemma 1 after one SGD step, expanded; and the symbols used.

    LHS = ‖w − w_{i−1}‖² + ηv_i², RHS = ‖w − w_i‖² + η·factor·e_i² + η·e_{p,i}² with
    factor = 1 − η‖x_i‖² unless a (mutated) ``factor`` is given as a function of η and ‖x‖² via
    the symbols ``eta`` and ``xx`` (substituted here).
    """
    vec, inner = _make_space(space, d)
    w, wp, x = vec("w"), vec("wprev"), vec("x")
    v = sp.Symbol("v", real=True)
    y = inner(x, w) + v  # y_i = x_iᵀw + v_i
    wi = sgd_step(wp, x, y, ETA, inner)
    e = ERROR_CANDIDATES[e_def](w, wp, wi, x, y, inner)
    ep = ERROR_CANDIDATES[ep_def](w, wp, wi, x, y, inner)
    xx = inner(x, x)
    fac = 1 - ETA * xx if factor is None else sp.sympify(factor).subs({sp.Symbol("xx"): xx, sp.Symbol("eta"): ETA})
    lhs = inner(w - wp, w - wp) + ETA * v**2
    rhs = inner(w - wi, w - wi) + ETA * fac * e**2 + ETA * ep**2
    diff = sp.expand(lhs - rhs)
    return diff, {"v": v, "eta": ETA}


def _witness(diff: sp.Expr) -> dict | None:
    """An exact rational point where a non-zero polynomial ``diff`` is non-zero (None if diff ≡ 0).

    Tries small integer points (deterministic order); for a non-zero polynomial one is found
    quickly (a non-zero polynomial cannot vanish on a whole grid of (deg+1)^k points).
    """
    if diff == 0:
        return None
    syms = sorted(diff.free_symbols, key=lambda s: s.name)
    for values in _grid(len(syms)):
        at = diff.subs(dict(zip(syms, values)))
        if at != 0:
            return {"point": {s.name: str(val) for s, val in zip(syms, values)}, "value": str(at)}
    raise RuntimeError(f"no witness found for the non-zero expression {diff}")  # pragma: no cover


def _grid(k: int):
    """Points of {1, 2, −1, 3, 5}^k in a fixed order (lazy: the first non-zero value ends the search)."""
    return product([sp.Integer(v) for v in (1, 2, -1, 3, 5)], repeat=k)


def _proof_result(diff: sp.Expr, **context) -> dict:
    holds = diff == 0
    return {
        "holds": holds,
        "difference": str(diff),
        "n_terms": 0 if holds else len(sp.Add.make_args(diff)),
        "witness": None if holds else _witness(diff),
        **context,
    }


def lemma1_proof(space: Space = "gram", d: int | None = None, *, factor: sp.Expr | None = None,
                 e_def: str = E_I, ep_def: str = E_PI) -> dict:
    """Lemma 1 as an exact identity: ``holds`` iff LHS − RHS expands to the literal 0."""
    diff, _ = lemma1_difference(space, d, e_def=e_def, ep_def=ep_def, factor=factor)
    return _proof_result(diff, space=space, d=d, factor=str(factor) if factor is not None else "1 - eta*xx",
                         e_i=e_def, e_pi=ep_def)


def derive_error_definitions() -> list[tuple[str, str]]:
    """All (e_i, e_{p,i}) among :data:`ERROR_CANDIDATES` that make Lemma 1 an identity (Gram proof).

    e_i is the error multiplied by (1 − η‖x_i‖²), e_{p,i} the other one. The derivation finds one
    assignment: e_i = y_i − x_iᵀw_{i−1}, e_{p,i} = x_iᵀ(w − w_{i−1}).
    """
    found = []
    for e_def in ERROR_CANDIDATES:
        for ep_def in ERROR_CANDIDATES:
            diff, _ = lemma1_difference("gram", e_def=e_def, ep_def=ep_def)
            if diff == 0:
                found.append((e_def, ep_def))
    return found


# --------------------------------------------------------------------------- Lemma 2 (summed)
def lemma2_difference(T: int, space: Space = "gram", d: int | None = None, *,
                      start_index: int = 0, factor: sp.Expr | None = None) -> sp.Expr:
    """LHS − RHS of Lemma 2 for T concrete SGD steps, expanded.

    LHS = ‖w − w_{start}‖² + η Σ_i v_i² (``start_index`` = 0 is the lemma; 1 is the broken
    telescoping of the negative control), RHS = ‖w − w_T‖² + η Σ_i fac_i·e_i² + η Σ_i e_{p,i}².
    """
    if not isinstance(T, int) or T < 1:
        raise ValueError(f"T: need a positive integer number of steps, got {T!r}")
    if start_index not in range(T + 1):
        raise ValueError(f"start_index: need 0 ≤ start_index ≤ T, got {start_index!r}")
    vec, inner = _make_space(space, d)
    w = vec("w")
    iterates = [vec("w0")]
    lhs_noise = sp.Integer(0)
    rhs_terms = sp.Integer(0)
    for i in range(1, T + 1):
        x = vec(f"x{i}")
        v = sp.Symbol(f"v{i}", real=True)
        y = inner(x, w) + v
        wp = iterates[-1]
        wi = sgd_step(wp, x, y, ETA, inner)
        e = ERROR_CANDIDATES[E_I](w, wp, wi, x, y, inner)
        ep = ERROR_CANDIDATES[E_PI](w, wp, wi, x, y, inner)
        xx = inner(x, x)
        fac = 1 - ETA * xx if factor is None else sp.sympify(factor).subs({sp.Symbol("xx"): xx, sp.Symbol("eta"): ETA})
        lhs_noise += ETA * v**2
        rhs_terms += ETA * fac * e**2 + ETA * ep**2
        iterates.append(wi)
    ws = iterates[start_index]
    lhs = inner(w - ws, w - ws) + lhs_noise
    rhs = inner(w - iterates[-1], w - iterates[-1]) + rhs_terms
    return sp.expand(lhs - rhs)


def lemma2_proof(T: int, space: Space = "gram", d: int | None = None, *, start_index: int = 0,
                 factor: sp.Expr | None = None) -> dict:
    """Lemma 2 for T concrete steps: ``holds`` iff LHS − RHS expands to the literal 0."""
    diff = lemma2_difference(T, space, d, start_index=start_index, factor=factor)
    return _proof_result(diff, T=T, space=space, d=d, start_index=start_index)


def lemma2_symbolic_T_proof(*, start_index: int = 0) -> dict:
    """Lemma 2 for a symbolic number of steps T, from Lemma 1 by telescoping.

    With undefined per-step functions D(i) = ‖w − w_i‖², V(i) = v_i, E(i) = e_i, P(i) = e_{p,i},
    X(i) = ‖x_i‖², Lemma 1 (proved for a generic step by :func:`lemma1_proof`) says
    δ(i) := D(i−1) + ηV(i)² − D(i) − η(1 − ηX(i))E(i)² − ηP(i)² = 0 for every i ≥ 1. Then

        Δ_T := D(s) + η Σ V² − D(T) − η Σ (1 − ηX)E² − η Σ P²  (s = ``start_index``)
        Δ_T − Σ_{i=1}^T δ(i) = D(s) − D(T) − Σ_{i=1}^T (D(i−1) − D(i)),

    which SymPy sums by telescoping to D(s) − D(0): the literal 0 exactly when s = 0. Hence
    Δ_T = Σ δ(i) = 0 for every T ≥ 1. The sums are combined by linearity (a single Sum over the
    summands), then evaluated with ``doit`` and ``expand``.
    """
    i = sp.Symbol("i", integer=True, positive=True)
    T = sp.Symbol("T", integer=True, positive=True)
    D, V, E, P, X = (sp.Function(n) for n in ("D", "V", "E", "P", "X"))
    delta = D(i - 1) + ETA * V(i) ** 2 - D(i) - ETA * (1 - ETA * X(i)) * E(i) ** 2 - ETA * P(i) ** 2
    summand = ETA * V(i) ** 2 - ETA * (1 - ETA * X(i)) * E(i) ** 2 - ETA * P(i) ** 2
    # Δ_T − Σ δ(i), the two sums combined by linearity into one Sum over i = 1..T
    residual = D(start_index) - D(T) + sp.Sum(sp.expand(summand - delta), (i, 1, T))
    evaluated = sp.expand(residual.doit())
    return {
        "holds": evaluated == 0,
        "lemma1_step": str(delta) + " = 0",
        "residual_summand": str(sp.expand(summand - delta)),
        "residual_after_telescoping": str(evaluated),
        "start_index": start_index,
    }
