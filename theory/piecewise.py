"""The review's piecewise-linear example and ReLU nets in one variable (claim REV.piecewise-example).

REV §2: f(x) = x/2 on [−1, 0], 2x on [0, 1], 2 on [1, 2]. The review says one hidden ReLU node
cannot fit f but two can, and transcribes the solution h_1 = σ(−1.5x), h_2 = σ(−2x + 4),
v = [−1, 1], output bias 2, i.e. y = −σ(−1.5x) + σ(−2x + 4) + 2.

Everything here is exact (SymPy Rationals); a ReLU net in one variable is
N(x) = c + Σ_k v_k·σ(w_k x + b_k), σ = ReLU, and is compared with a piecewise-linear target on
[lo, hi] by :func:`compare_on_pieces`: split [lo, hi] at every breakpoint of either function;
on each sub-interval every unit is affine (its activation pattern is read at the midpoint), so
both sides are polynomials of degree ≤ 1 in x and their difference must expand to a literal 0.

* :func:`one_node_slope_sets` — a one-node net v·σ(wx + b) + c, with symbolic v, w, b, c and the
  sign of w split into cases (w > 0, w < 0, w = 0), takes at most two slope values on R (v·w
  and 0) and has at most one kink; f takes three distinct slopes (1/2, 2, 0) and has two kinks
  (:func:`kinks`). So no one-node net equals f on [−1, 2]: a computed, exact argument.
* :func:`derive_two_node_net` — derives a two-node net from f's kinks: units σ(−(x − κ)) at each
  interior kink κ (active to the left), plus the value of f on the last piece as the bias; the
  coefficients solve the piece-by-piece equations exactly. It gives σ(−1.5x) − σ(−2x + 2) + 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import sympy as sp

__all__ = [
    "X",
    "PiecewiseLinear",
    "ReluNet1D",
    "REV_TARGET",
    "TRANSCRIBED_NET",
    "kinks",
    "compare_on_pieces",
    "one_node_slope_sets",
    "one_node_fit_impossible",
    "derive_two_node_net",
]

X = sp.Symbol("x", real=True)


def _q(v) -> sp.Rational:
    if isinstance(v, float):
        raise ValueError(f"floats are not exact; got {v!r} (use fractions.Fraction or sympy.Rational)")
    r = sp.sympify(v)
    if not r.is_Rational:
        raise ValueError(f"need a rational number, got {v!r}")
    return sp.Rational(r)


@dataclass(frozen=True)
class PiecewiseLinear:
    """A continuous piecewise-linear function given by breakpoints t_0 < … < t_p and affine pieces."""

    breakpoints: tuple  # t_0 < t_1 < … < t_p (the domain is [t_0, t_p])
    pieces: tuple  # p affine expressions in X, piece k on [t_k, t_{k+1}]

    def __post_init__(self) -> None:
        if len(self.breakpoints) != len(self.pieces) + 1 or len(self.pieces) == 0:
            raise ValueError("pieces: need one affine piece per interval between consecutive breakpoints")
        if any(a >= b for a, b in zip(self.breakpoints, self.breakpoints[1:])):
            raise ValueError("breakpoints: must be strictly increasing")
        for p in self.pieces:
            if sp.Poly(p, X).degree() > 1:
                raise ValueError(f"pieces: {p} is not affine in x")

    def piece_at(self, t: sp.Rational) -> sp.Expr:
        for k in range(len(self.pieces)):
            if self.breakpoints[k] <= t <= self.breakpoints[k + 1]:
                return self.pieces[k]
        raise ValueError(f"t: {t} is outside [{self.breakpoints[0]}, {self.breakpoints[-1]}]")

    def slopes(self) -> list:
        return [sp.diff(p, X) for p in self.pieces]

    def continuity_gaps(self) -> list:
        return [sp.expand(self.pieces[k].subs(X, t) - self.pieces[k + 1].subs(X, t))
                for k, t in enumerate(self.breakpoints[1:-1])]


@dataclass(frozen=True)
class ReluNet1D:
    """N(x) = c + Σ_k v_k·σ(w_k x + b_k), σ = ReLU (exact rationals)."""

    w: tuple
    b: tuple
    v: tuple
    c: sp.Rational

    @staticmethod
    def of(w: Sequence, b: Sequence, v: Sequence, c) -> "ReluNet1D":
        if not (len(w) == len(b) == len(v)):
            raise ValueError(f"w, b, v: need equal lengths, got {len(w)}, {len(b)}, {len(v)}")
        return ReluNet1D(tuple(map(_q, w)), tuple(map(_q, b)), tuple(map(_q, v)), _q(c))

    def expr(self) -> sp.Expr:
        return self.c + sp.Add(*[v * sp.Max(w * X + b, 0) for w, b, v in zip(self.w, self.b, self.v)])

    def breakpoints(self) -> list:
        return sorted({-b / w for w, b in zip(self.w, self.b) if w != 0})

    def affine_at(self, t: sp.Rational) -> sp.Expr:
        """The affine expression N agrees with on a neighbourhood of the (non-breakpoint) t."""
        out = self.c
        for w, b, v in zip(self.w, self.b, self.v):
            if w * t + b > 0:
                out += v * (w * X + b)
        return sp.expand(out)

    def __str__(self) -> str:
        terms = [f"{v}·σ({w}x + {b})" for w, b, v in zip(self.w, self.b, self.v)]
        return " + ".join(terms + [str(self.c)])


REV_TARGET = PiecewiseLinear(
    breakpoints=(sp.Integer(-1), sp.Integer(0), sp.Integer(1), sp.Integer(2)),
    pieces=(X / 2, 2 * X, sp.Integer(2)),
)
#: As transcribed: h1 = σ(−1.5x), h2 = σ(−2x + 4), v = [−1, 1], bias 2.
TRANSCRIBED_NET = ReluNet1D.of(w=[sp.Rational(-3, 2), -2], b=[0, 4], v=[-1, 1], c=2)


def kinks(f: PiecewiseLinear) -> list:
    """Interior breakpoints where the slope actually changes (exact)."""
    s = f.slopes()
    return [t for k, t in enumerate(f.breakpoints[1:-1]) if s[k] != s[k + 1]]


def compare_on_pieces(net: ReluNet1D, f: PiecewiseLinear) -> list[dict]:
    """net − f on each sub-interval between consecutive breakpoints of either, as an exact affine expression.

    Each entry: ``interval`` (a, b), ``net`` and ``target`` (the affine forms there), ``difference``
    (expanded) and ``equal`` (the difference is the literal 0).
    """
    lo, hi = f.breakpoints[0], f.breakpoints[-1]
    cuts = sorted({*f.breakpoints, *[t for t in net.breakpoints() if lo < t < hi]})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        mid = (a + b) / 2
        n_aff, f_aff = net.affine_at(mid), sp.expand(f.piece_at(mid))
        diff = sp.expand(n_aff - f_aff)
        out.append({"interval": (a, b), "net": n_aff, "target": f_aff, "difference": diff, "equal": diff == 0})
    return out


def one_node_slope_sets() -> list[dict]:
    """For v·σ(wx + b) + c with symbolic v, b, c and w > 0, w < 0, w = 0: its slopes on R and kinks.

    With w ≠ 0 the unit is inactive on one side of −b/w (slope 0) and has slope v·w on the other;
    with w = 0 it is constant. Computed from the expression: the derivative on each side.
    """
    v, b, c = sp.symbols("v b c", real=True)
    cases = []
    for name, w in (("w > 0", sp.Symbol("w", positive=True)), ("w < 0", sp.Symbol("w", negative=True)),
                    ("w = 0", sp.Integer(0))):
        u = sp.Symbol("u", positive=True)  # distance from the unit's breakpoint
        net = c + v * sp.Max(w * X + b, 0)
        if w == 0:
            slopes = {sp.diff(net, X)}
            n_kinks = 0
        else:
            kink = -b / w
            left = sp.diff(net.subs(X, kink - u), u) * -1  # d/dx = −d/du on the left
            right = sp.diff(net.subs(X, kink + u), u)
            slopes = {sp.simplify(left), sp.simplify(right)}
            n_kinks = 1
        cases.append({"case": name, "slopes": slopes, "n_distinct_slopes": len(slopes), "max_kinks": n_kinks})
    return cases


def one_node_fit_impossible(f: PiecewiseLinear) -> dict:
    """Exact argument that no one-node net equals f on its domain.

    Equal continuous functions on [t_0, t_p] have the same slope on each open piece, so the
    one-node net would have to take every slope of f there. It takes at most
    max_case |slopes| values (2) and has at most 1 kink, while f has ``len(set(slopes))`` distinct
    slopes and ``len(kinks(f))`` kinks. ``impossible`` is True when either count exceeds the cap.
    """
    cases = one_node_slope_sets()
    max_slopes = max(c["n_distinct_slopes"] for c in cases)
    max_kinks = max(c["max_kinks"] for c in cases)
    f_slopes = set(f.slopes())
    f_kinks = kinks(f)
    return {
        "one_node_cases": [{"case": c["case"], "slopes": sorted(map(str, c["slopes"]))} for c in cases],
        "one_node_max_distinct_slopes": max_slopes,
        "one_node_max_kinks": max_kinks,
        "target_slopes": sorted(f_slopes),
        "target_kinks": f_kinks,
        "impossible": len(f_slopes) > max_slopes or len(f_kinks) > max_kinks,
    }


def derive_two_node_net(f: PiecewiseLinear) -> ReluNet1D:
    """A ReLU net with one unit per kink of f, fitted exactly.

    Ansatz N(x) = c + Σ_κ p_κ·σ(κ − x) over the kinks κ of f: on the last piece every unit is
    off, so c and f must agree there (needs f constant on its last piece); on the piece left of
    the kinks ≥ κ the units add their slopes. The unknowns c, p_κ solve the linear equations
    "N − f has zero slope and zero value at the piece's midpoint" on every piece (exact solve);
    a ValueError is raised if the ansatz has no solution.
    """
    ks = kinks(f)
    p = sp.symbols(f"p0:{len(ks)}")
    c = sp.Symbol("c")
    ansatz = c + sp.Add(*[pk * sp.Max(k - X, 0) for pk, k in zip(p, ks)])
    eqs = []
    for a, b in zip(f.breakpoints, f.breakpoints[1:]):
        mid = (a + b) / 2
        aff = c + sp.Add(*[pk * (k - X) for pk, k in zip(p, ks) if k - mid > 0])
        diff = sp.Poly(sp.expand(aff - f.piece_at(mid)), X)
        eqs += [diff.coeff_monomial(1), diff.coeff_monomial(X)]
    sol = sp.solve(eqs, [c, *p], dict=True)
    if len(sol) != 1 or set(sol[0]) != {c, *p}:
        raise ValueError(f"f: no unique fit of the ansatz {ansatz} (solutions {sol})")
    s = sol[0]
    # σ(κ − x) with coefficient p = sign(p)·σ(|p|κ − |p|x): the review's form (weights scaled into the unit)
    w = [-abs(s[pk]) for pk in p]
    b = [abs(s[pk]) * k for pk, k in zip(p, ks)]
    v = [sp.sign(s[pk]) for pk in p]
    return ReluNet1D.of(w=w, b=b, v=v, c=s[c])
