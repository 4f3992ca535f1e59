"""The loss landscape of f_θ(x) = Σ_k a_k σ(w_kᵀx) at the origin θ = 0 (ZBZ24 §5, reconstructed).

Claims ZBZ24.origin-critical, ZBZ24.hessian-origin, ZBZ24.strict-saddle (and the definition of
the imbalance vector of ZBZ24.imbalance).

L(θ) = (1/2n) Σ_i (Σ_k a_k σ(w_kᵀx_i) − y_i)², θ packed per neuron as (a_1, w_1, …, a_m, w_m)
(the order of ``numerics.network.pack``), σ an *undefined* SymPy Function.

Derivation (done by SymPy in :func:`generic_origin_entries`, not typed in)
-----------------------------------------------------------------------
Every entry of ∇L(0) and ∇²L(0) involves at most two neurons k ≠ l and two input coordinates
j ≠ j'. For one sample (x, y) write the loss as ℓ = ½(a_k σ(u_k) + a_l σ(u_l) + R − y)² with
u_k = w_kj x_j + w_kj' x_j' + U_k (likewise u_l), where R (the other neurons' output) and U_k,
U_l (the other coordinates' contributions) do not depend on the parameters differentiated and
are 0 at θ = 0. SymPy differentiates ℓ for each *pattern* of parameter pair — (a_k,a_k),
(a_k,a_l), (a_k,w_kj), (a_k,w_lj), (w_kj,w_kj), (w_kj,w_kj'), (w_kj,w_lj), (w_kj,w_lj') — and
evaluates at 0 with σ(0) = σ₀, σ'(0) = s₁, σ''(0) = s₂. Since L is the sample mean of ℓ, an
entry of L is the sample mean of the pattern's entry. The patterns cover every pair of
coordinates, for every d and width, so the block structure holds in general:

* gradient: ∂L/∂a_k = −σ₀·ȳ, ∂L/∂w_kj = 0  ⇒ the origin is critical iff σ₀·ȳ = 0 (σ₀ = 0 suffices);
* Hessian (σ₀ = 0): only (a_k, w_kj) survives, = −s₁·z_j with z = (1/n)Σ_i y_i x_i; s₂ drops out
  (it is multiplied by a_k = 0); every cross-neuron entry vanishes ⇒ block-diagonal with
  block B = −s₁·[[0, zᵀ], [z, 0]].

Spectrum (in :func:`origin_spectrum`): the characteristic polynomial of B is factored by SymPy
(λ^{d−1}(λ² − s₁²‖z‖²)); the eigenvector of a simple eigenvalue λ is the column P·e_a of the
spectral projector P = Π_{μ≠λ}(B − μI)/(λ − μ) (B is symmetric, so diagonalizable), normalized.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

import sympy as sp

__all__ = [
    "sigma_symbols",
    "generic_origin_entries",
    "gradient_at_origin",
    "hessian_at_origin",
    "origin_block",
    "OriginSpectrum",
    "origin_spectrum",
    "imbalance_vector",
    "symbolic_data",
    "data_vector",
    "loss_expression",
    "pin_sigma_at_origin",
]

SIGMA = sp.Function("sigma")


@lru_cache(maxsize=None)
def sigma_symbols() -> tuple[sp.Symbol, sp.Symbol, sp.Symbol]:
    """(σ₀, s₁, s₂): symbols for σ(0), σ'(0), σ''(0) (real)."""
    return sp.symbols("sigma_0 s_1 s_2", real=True)


def pin_sigma_at_origin(expr: sp.Expr, sigma: Any = SIGMA) -> sp.Expr:
    """Replace σ(0), σ'(0), σ''(0) (SymPy's ``Subs(Derivative(σ(ξ), ξ), ξ, 0)``) by σ₀, s₁, s₂.

    Raises ValueError when a derivative of σ remains at a non-zero argument or of order > 2.
    """
    s0, s1, s2 = sigma_symbols()
    orders = {0: s0, 1: s1, 2: s2}

    def is_sigma_derivative_subs(e: Any) -> bool:
        return (
            isinstance(e, sp.Subs)
            and isinstance(e.expr, sp.Derivative)
            and isinstance(e.expr.expr, sp.core.function.AppliedUndef)
            and e.expr.expr.func == sigma
        )

    def replace_subs(e: sp.Subs) -> sp.Expr:
        if any(p != 0 for p in e.point):
            raise ValueError(f"expr: {e} is not evaluated at 0")
        order = e.expr.derivative_count
        if order not in orders:
            raise ValueError(f"expr: derivative of order {order} of σ at 0 is not pinned")
        return orders[order]

    out = expr.replace(is_sigma_derivative_subs, replace_subs)
    out = out.subs(sigma(0), s0)
    if out.has(sigma):
        raise ValueError(f"expr: σ remains at a non-zero argument in {out}")
    return out


@lru_cache(maxsize=None)
def generic_origin_entries() -> dict[str, Any]:
    """Gradient and Hessian entries at θ = 0 per parameter pattern, for ONE sample (x, y).

    Returns {"gradient": {pattern: expr}, "hessian": {pattern: expr}, "x": (x_j, x_j'),
    "y": y}; the expressions are in x_j, x_j', y, σ₀, s₁, s₂ (see the module docstring).
    """
    ak, al, wkj, wkjp, wlj, wljp = sp.symbols("a_k a_l w_kj w_kjp w_lj w_ljp", real=True)
    xj, xjp, y, Uk, Ul, R = sp.symbols("x_j x_jp y U_k U_l R", real=True)
    uk = wkj * xj + wkjp * xjp + Uk
    ul = wlj * xj + wljp * xjp + Ul
    ell = sp.Rational(1, 2) * (ak * SIGMA(uk) + al * SIGMA(ul) + R - y) ** 2
    origin = {v: 0 for v in (ak, al, wkj, wkjp, wlj, wljp, Uk, Ul, R)}

    def at0(e: sp.Expr) -> sp.Expr:
        return sp.expand(pin_sigma_at_origin(e.subs(origin)))

    grad = {"a_k": at0(sp.diff(ell, ak)), "w_kj": at0(sp.diff(ell, wkj))}
    pairs = {
        "a_k,a_k": (ak, ak),
        "a_k,a_l": (ak, al),
        "a_k,w_kj": (ak, wkj),
        "a_k,w_lj": (ak, wlj),
        "w_kj,w_kj": (wkj, wkj),
        "w_kj,w_kjp": (wkj, wkjp),
        "w_kj,w_lj": (wkj, wlj),
        "w_kj,w_ljp": (wkj, wljp),
    }
    hess = {name: at0(sp.diff(ell, p, q)) for name, (p, q) in pairs.items()}
    return {"gradient": grad, "hessian": hess, "x": (xj, xjp), "y": y}


def symbolic_data(n: int, d: int) -> tuple[sp.Matrix, sp.Matrix]:
    """Symbolic data: X = [x_{i,j}] (n × d) and y = [y_i] (real symbols)."""
    if int(n) < 1:
        raise ValueError(f"n: need at least one data point, got {n}")
    if int(d) < 1:
        raise ValueError(f"d: need at least one input coordinate, got {d}")
    X = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"x_{i + 1}_{j + 1}", real=True))
    y = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"y_{i + 1}", real=True))
    return X, y


def _check_data(data: Any, d: int) -> tuple[sp.Matrix, sp.Matrix]:
    try:
        X, y = data
    except (TypeError, ValueError) as exc:
        raise ValueError("data: expected a pair (X, y)") from exc
    X = sp.Matrix(X)
    y = sp.Matrix(y).reshape(len(sp.Matrix(y)), 1) if len(sp.Matrix(y)) else sp.Matrix(0, 1, [])
    if X.rows == 0:
        raise ValueError("data: zero data points")
    if X.cols != d:
        raise ValueError(f"data: X has {X.cols} columns, expected d = {d}")
    if y.rows != X.rows:
        raise ValueError(f"data: y has {y.rows} entries, X has {X.rows} rows")
    for v in list(X) + list(y):
        if v.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or (v.is_number and not v.is_real):
            raise ValueError(f"data: entry {v} is not a finite real number")
    return X, y


def data_vector(d: int, data: Any = None) -> sp.Matrix:
    """z = (1/n)Σ_i y_i x_i (exact) for data = (X, y); symbols z_1..z_d when data is None."""
    d = _check_sizes(d, 1)
    if data is None:
        return sp.Matrix(d, 1, lambda j, _: sp.Symbol(f"z_{j + 1}", real=True))
    X, y = _check_data(data, d)
    return (X.T * y) / X.rows


def _positive_int(value: Any, name: str) -> int:
    """A positive integer (Python, NumPy or SymPy integer; a bool is not a size)."""
    if isinstance(value, bool) or not hasattr(value, "__index__") or int(value) < 1:
        raise ValueError(f"{name}: must be a positive integer, got {value!r}")
    return int(value)


def _check_sizes(d: Any, width: Any) -> int:
    _positive_int(width, "width")
    return _positive_int(d, "d")


def _check_scalar(value: Any, name: str) -> sp.Expr:
    """A real number or a SymPy expression (a symbol), never NaN, ±∞ or a complex number."""
    expr = None
    if not isinstance(value, (bool, str, complex)):
        try:
            expr = sp.sympify(value, strict=True)
        except (sp.SympifyError, TypeError):
            pass
    if not isinstance(expr, sp.Expr):
        raise ValueError(f"{name}: a real number or a SymPy expression, got {value!r}")
    if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or (expr.is_number and not expr.is_real):
        raise ValueError(f"{name}: must be a finite real number, got {value!r}")
    return expr


def _sample_mean(entry: sp.Expr, coords: tuple[int, int], d: int, data: Any) -> sp.Expr:
    """The sample mean of a one-sample pattern entry, mapped onto coordinates (j, j').

    With data: exact mean over the samples. Without data: the entry must be a combination of
    1, y·x_j, y·x_j' (the only monomials that occur when σ(0) = 0, and the constant σ₀²), which
    map to 1, z_j, z_j'; ȳ maps to the symbol ybar.
    """
    gen = generic_origin_entries()
    xj, xjp = gen["x"]
    yv = gen["y"]
    j, jp = coords
    if data is not None:
        X, y = _check_data(data, d)
        total = sum(
            (entry.subs({xj: X[i, j], xjp: X[i, jp] if jp is not None else 0, yv: y[i]},
                        simultaneous=True)
             for i in range(X.rows)),
            sp.Integer(0),
        )
        return sp.expand(total / X.rows)
    z = data_vector(d)
    poly = sp.Poly(entry, xj, xjp, yv)
    out = sp.Integer(0)
    for monom, coeff in poly.terms():
        if monom == (0, 0, 0):
            out += coeff
        elif monom == (1, 0, 1):
            out += coeff * z[j]
        elif monom == (0, 1, 1) and jp is not None:
            out += coeff * z[jp]
        elif monom == (0, 0, 1):
            out += coeff * sp.Symbol("ybar", real=True)
        else:
            raise ValueError(
                f"data: entry {entry} needs data moments beyond z and ȳ; pass data=(X, y)"
            )
    return sp.expand(out)


def gradient_at_origin(d: int, width: int, sigma0: Any = None, data: Any = None) -> sp.Matrix:
    """∇L(0) (packed per neuron) from the generic derivation; σ(0) = σ₀ symbol by default."""
    d = _check_sizes(d, width)
    gen = generic_origin_entries()["gradient"]
    s0 = sigma_symbols()[0]
    subs = {} if sigma0 is None else {s0: sp.sympify(sigma0)}
    g_a = _sample_mean(gen["a_k"].subs(subs), (0, None), d, data)
    out = []
    for _k in range(width):
        out.append(g_a)
        for j in range(d):
            out.append(_sample_mean(gen["w_kj"].subs(subs), (j, None), d, data))
    return sp.Matrix(out)


def hessian_at_origin(
    d: int, width: int, dsigma0: Any = None, data: Any = None, sigma0: Any = 0
) -> sp.Matrix:
    """∇²L(0), (d+1)·width square, packed (a_1, w_1, …, a_m, w_m), derived per pattern.

    ``dsigma0`` = σ'(0) (the symbol s₁ when None); ``sigma0`` = σ(0) (0 by the hypothesis of
    ZBZ24; a symbol or number to see what σ(0) ≠ 0 adds). ``data`` = (X, y) with numbers or
    symbols, or None for the symbolic data vector z = (z_1, …, z_d). σ''(0) cancels (derived).
    """
    d = _check_sizes(d, width)
    s0, s1, _s2 = sigma_symbols()
    subs = {s0: _check_scalar(sigma0, "sigma0")}
    if dsigma0 is not None:
        subs[s1] = _check_scalar(dsigma0, "dsigma0")
    hess = {k: v.subs(subs) for k, v in generic_origin_entries()["hessian"].items()}
    size = width * (d + 1)
    memo: dict[tuple[str, int, Any], sp.Expr] = {}

    def mean(pattern: str, coords: tuple[int, Any]) -> sp.Expr:
        key = (pattern, *coords)
        if key not in memo:
            memo[key] = _sample_mean(hess[pattern], coords, d, data)
        return memo[key]

    def entry(p: int, q: int) -> sp.Expr:
        k, i = divmod(p, d + 1)
        l, j = divmod(q, d + 1)
        same = k == l
        if i == 0 and j == 0:
            return mean("a_k,a_k" if same else "a_k,a_l", (0, None))
        if i == 0 or j == 0:
            jw = (j if i == 0 else i) - 1
            return mean("a_k,w_kj" if same else "a_k,w_lj", (jw, None))
        ji, jj = i - 1, j - 1
        if ji == jj:
            pattern = "w_kj,w_kj" if same else "w_kj,w_lj"
            return mean(pattern, (ji, None))
        pattern = "w_kj,w_kjp" if same else "w_kj,w_ljp"
        return mean(pattern, (ji, jj))

    return sp.Matrix(size, size, entry)


def origin_block(d: int, dsigma0: Any = None, data: Any = None) -> sp.Matrix:
    """The diagonal block of ∇²L(0) for one neuron (coordinates (a_k, w_k))."""
    H = hessian_at_origin(d, 1, dsigma0=dsigma0, data=data)
    return H


def loss_expression(
    d: int, width: int, data: Any = None, n: int = 2, sigma: Any = SIGMA
) -> tuple[sp.Expr, list[sp.Symbol], tuple[sp.Matrix, sp.Matrix]]:
    """L(θ) = (1/2n)Σ_i(Σ_k a_k σ(w_kᵀx_i) − y_i)² with an undefined σ; (L, packed θ, data).

    Symbolic data with ``n`` samples when ``data`` is None.
    """
    d = _check_sizes(d, width)
    X, y = symbolic_data(n, d) if data is None else _check_data(data, d)
    theta: list[sp.Symbol] = []
    a, W = [], []
    for k in range(width):
        ak = sp.Symbol(f"a_{k + 1}", real=True)
        wk = [sp.Symbol(f"w_{k + 1}_{j + 1}", real=True) for j in range(d)]
        a.append(ak)
        W.append(wk)
        theta += [ak, *wk]
    L = sum(
        (
            (sum((a[k] * sigma(sum(W[k][j] * X[i, j] for j in range(d))) for k in range(width)))
             - y[i]) ** 2
            for i in range(X.rows)
        ),
        sp.Integer(0),
    ) / (2 * X.rows)
    return L, theta, (X, y)


# ----------------------------------------------------------------------------- spectrum
@dataclass(frozen=True)
class OriginSpectrum:
    """Spectrum of ∇²L(0): eigenvalues {λ: multiplicity}, top eigenvalues and eigenvectors of
    ∇²L(0) and of −∇²L(0) (one vector per neuron, packed like θ), and the data vector z."""

    eigenvalues: dict[sp.Expr, int]
    top: sp.Expr
    top_vectors: list[sp.Matrix]
    escape: sp.Expr
    escape_vectors: list[sp.Matrix]
    z: sp.Matrix
    block: sp.Matrix


def _block_eigen(block: sp.Matrix) -> tuple[dict[sp.Expr, int], sp.Symbol]:
    lam = sp.Symbol("lambda")
    cp = sp.factor(block.charpoly(lam).as_expr())
    roots = sp.roots(sp.Poly(cp, lam))
    if sum(roots.values()) != block.rows:
        raise ValueError(f"block: characteristic polynomial {cp} not solved in radicals")
    return dict(roots), lam


def _projector_vector(block: sp.Matrix, lam: sp.Expr, others: Sequence[sp.Expr]) -> sp.Matrix:
    """Normalized P·e_a, P = Π_{μ≠λ}(B − μI)/(λ − μ): the eigenvector of the simple λ."""
    n = block.rows
    v = sp.zeros(n, 1)
    v[0] = 1
    for mu in others:
        v = (block - mu * sp.eye(n)) * v / (lam - mu)
    v = v.applyfunc(sp.cancel)
    if v[0] == 0:  # not reached for ∇²L(0) (P·e_a has first entry ½); general fallback
        norm = sp.sqrt(sp.simplify(sum((e**2 for e in v), sp.Integer(0))))
        return v.applyfunc(lambda e: sp.simplify(e / norm))
    w = v.applyfunc(lambda e: sp.cancel(e / v[0]))
    norm2 = sp.cancel(sum((e**2 for e in w), sp.Integer(0)))
    return w / sp.sqrt(norm2)


def origin_spectrum(
    d: int, width: int, dsigma0: Any = None, data: Any = None
) -> OriginSpectrum:
    """Eigenvalues (with multiplicities) and top eigenvectors of ±∇²L(0) (ZBZ24.hessian-origin).

    The block B (one neuron) is computed by :func:`hessian_at_origin`; its characteristic
    polynomial is factored exactly; multiplicities are multiplied by ``width`` (∇²L(0) is
    block-diagonal — checked here: off-diagonal blocks are literally 0). The top eigenvalue of
    ±∇²L(0) is the largest root of ±B (|σ'(0)|‖z‖ when σ'(0)z ≠ 0, derived as Abs of the root
    pair ±ρ); its eigenvectors, neuron by neuron, are the spectral-projector columns.
    Symbolic z is treated as generic (z ≠ 0); numeric z = 0 or σ'(0) = 0 give the zero matrix.
    """
    d = _check_sizes(d, width)
    H = hessian_at_origin(d, width, dsigma0=dsigma0, data=data)
    m, b = width, d + 1
    for k in range(m):
        for l in range(m):
            if k != l and any(e != 0 for e in H[k * b:(k + 1) * b, l * b:(l + 1) * b]):
                raise AssertionError("hessian_at_origin: a cross-neuron block is non-zero")
    block = H[:b, :b]
    z = data_vector(d, data)
    roots, (top, vec), (escape, vec_escape) = _block_spectrum(sp.ImmutableMatrix(block))
    eigenvalues = {r: mult * m for r, mult in roots.items()}

    def per_neuron(v: sp.Matrix | None) -> list[sp.Matrix]:
        if v is None:  # B = 0: the whole space is the top eigenspace
            return [sp.eye(m * b)[:, i] for i in range(m * b)]
        vecs = []
        for k in range(m):
            full = sp.zeros(m * b, 1)
            full[k * b:(k + 1) * b, 0] = v
            vecs.append(full)
        return vecs

    return OriginSpectrum(
        eigenvalues, top, per_neuron(vec), escape, per_neuron(vec_escape), z, block
    )


@lru_cache(maxsize=256)
def _block_spectrum(block: sp.ImmutableMatrix) -> tuple[dict, tuple, tuple]:
    """Roots (with multiplicities) of one block, and (top, eigenvector) of ±block."""
    roots, _ = _block_eigen(sp.Matrix(block))

    def top_of(B: sp.Matrix, rts: dict[sp.Expr, int]) -> tuple[sp.Expr, sp.Matrix | None]:
        nonzero = [r for r in rts if r != 0]
        if not nonzero:
            return sp.Integer(0), None
        if len(nonzero) != 2 or sp.expand(nonzero[0] + nonzero[1]) != 0:
            raise AssertionError(f"block: non-zero eigenvalues {nonzero} are not a pair ±ρ")
        rho = nonzero[0]
        top = sp.Abs(rho)
        # λ_top = |ρ|: the eigenvector of ρ when ρ > 0, of −ρ when ρ < 0. For symbolic sign the
        # projector with λ = |ρ| works as it stands: (B − μI) products only need λ − μ ≠ 0.
        others = [r for r in rts if sp.expand(r - rho) != 0 and sp.expand(r + rho) != 0]
        return top, _projector_vector(B, top, [-top, *others])

    B = sp.Matrix(block)
    return roots, top_of(B, roots), top_of(-B, {-r: mult for r, mult in roots.items()})


def imbalance_vector(theta_bar: Any, z: Any, dsigma0: Any = None) -> sp.Matrix:
    """C(θ̄): C_k = ⟨θ̄_k, v_esc⟩, v_esc the escape eigenvector of −∇²L(0) for one neuron.

    θ̄ packed per neuron (a_k, w_k); z the data vector; dsigma0 = σ'(0) (symbol s₁ when None).
    By ZBZ24.hessian-origin, v_esc = (1, sgn(σ'(0))ẑ)/√2, so C_k = (a_k + sgn(σ'(0))·w_kᵀẑ)/√2.
    """
    z = sp.Matrix(z)
    z = z.reshape(len(z), 1)
    d = z.rows
    theta_bar = sp.Matrix(theta_bar)
    theta_bar = theta_bar.reshape(len(theta_bar), 1)
    if len(theta_bar) == 0 or len(theta_bar) % (d + 1):
        raise ValueError(f"theta_bar: length {len(theta_bar)} is not a multiple of d + 1 = {d + 1}")
    if all(e.is_number for e in z) and all(e == 0 for e in z):
        raise ValueError("z: the data vector is 0; there is no escape direction")
    if dsigma0 is not None and sp.sympify(dsigma0) == 0:
        raise ValueError("dsigma0: σ'(0) = 0; there is no escape direction")
    spec = origin_spectrum(d, 1, dsigma0=dsigma0, data=None)
    zsyms = data_vector(d)
    v = spec.escape_vectors[0].subs(dict(zip(zsyms, z)), simultaneous=True)
    m = len(theta_bar) // (d + 1)
    return sp.Matrix(
        [sp.simplify((theta_bar[k * (d + 1):(k + 1) * (d + 1), 0].T * v)[0]) for k in range(m)]
    )
