"""The ReLU [x]_+ = max(x, 0) in SymPy, and its positive homogeneity (claim SS16.relu-homogeneous).

SS16 §4 uses [c·x]_+ = c·[x]_+ for every c ≥ 0 (rescaling a neuron's incoming weights by c and its
outgoing weight by 1/c leaves the network unchanged). :func:`relu_homogeneity_proof` proves it by
an exhaustive case split on the signs of c and x, each case carried by a SymPy symbol with the
matching assumption (``positive``/``negative``) or by the literal 0, so that ``Max`` evaluates and
the difference [c·x]_+ − c·[x]_+ reduces to a literal 0 in every case:

* c ∈ {0} ∪ (0, ∞)  (the hypothesis c ≥ 0),  x ∈ (−∞, 0) ∪ {0} ∪ (0, ∞).

For a domain of c that violates the hypothesis (c < 0), the same case split finds the cases where
the difference is provably non-zero (SymPy decides its sign from the assumptions) and returns a
concrete rational witness, e.g. c = −1, x = 1: [−1]_+ = 0 ≠ −1 = (−1)·[1]_+.

The derivative is pinned: ReLU'(0) := 0 (SymPy's Heaviside(0) is ½, which is not what the
numerics use), see :data:`RELU_PRIME_AT_0`.
"""

from __future__ import annotations

from typing import Literal

import sympy as sp

__all__ = [
    "RELU_PRIME_AT_0",
    "relu",
    "relu_prime",
    "relu_homogeneity_cases",
    "relu_homogeneity_proof",
]

#: ReLU'(0), pinned (the one-sided convention shared with numerics/network.py).
RELU_PRIME_AT_0 = sp.Integer(0)

CDomain = Literal["nonnegative", "positive", "zero", "negative"]


def relu(x: sp.Expr) -> sp.Expr:
    """[x]_+ = max(x, 0) as ``sympy.Max`` (evaluates under sign assumptions and on numbers)."""
    return sp.Max(sp.sympify(x), sp.Integer(0))


def relu_prime(x: sp.Expr) -> sp.Expr:
    """ReLU'(x) = 1 for x > 0 and 0 for x ≤ 0 — ReLU'(0) pinned to :data:`RELU_PRIME_AT_0`."""
    return sp.Piecewise((sp.Integer(1), sp.sympify(x) > 0), (RELU_PRIME_AT_0, True))


def _c_cases(domain: CDomain) -> list[tuple[str, sp.Expr, sp.Expr]]:
    """(case name, the symbol/literal standing for c, a representative rational of the case)."""
    zero = ("c = 0", sp.Integer(0), sp.Integer(0))
    pos = ("c > 0", sp.Symbol("c", positive=True), sp.Integer(2))
    neg = ("c < 0", sp.Symbol("c", negative=True), sp.Integer(-1))
    table = {
        "nonnegative": [zero, pos],
        "positive": [pos],
        "zero": [zero],
        "negative": [neg],
    }
    try:
        return table[domain]
    except KeyError:
        raise ValueError(f"c_domain: expected one of {sorted(table)}, got {domain!r}") from None


_X_CASES = [
    ("x < 0", sp.Symbol("x", negative=True), sp.Integer(-1)),
    ("x = 0", sp.Integer(0), sp.Integer(0)),
    ("x > 0", sp.Symbol("x", positive=True), sp.Integer(1)),
]


def relu_homogeneity_cases(c_domain: CDomain = "nonnegative") -> list[dict]:
    """The difference [c·x]_+ − c·[x]_+ in every sign case of (c, x), c ranging over ``c_domain``.

    Each entry: ``case``, ``difference`` (the SymPy expression after ``expand``), ``is_zero``
    (the difference is the literal 0), and for a non-zero case ``witness`` (c, x, difference at a
    representative rational point of the case) and ``nonzero_everywhere`` (SymPy proves the
    difference non-zero on the whole case from the sign assumptions).
    """
    out = []
    for c_name, c, c_rep in _c_cases(c_domain):
        for x_name, x, x_rep in _X_CASES:
            diff = sp.expand(relu(c * x) - c * relu(x))
            entry: dict = {"case": f"{c_name}, {x_name}", "difference": diff, "is_zero": diff == 0}
            if diff != 0:
                at = diff.subs({c: c_rep, x: x_rep}) if diff.free_symbols else diff
                entry["witness"] = {"c": c_rep, "x": x_rep, "difference": at}
                entry["nonzero_everywhere"] = bool(diff.is_nonzero)
            out.append(entry)
    return out


def relu_homogeneity_proof(c_domain: CDomain = "nonnegative") -> dict:
    """Try to prove [c·x]_+ = c·[x]_+ for all real x and all c in ``c_domain``.

    The proof is the exhaustive sign case split of :func:`relu_homogeneity_cases`; it ``holds``
    when every case reduces to a literal 0. Otherwise ``failing`` lists the cases that do not, each
    with a concrete rational witness whose difference is a non-zero rational (so a refutation is
    itself exact). Pure SymPy: the tests turn ``holds=False`` into ``ClaimRejected``.
    """
    cases = relu_homogeneity_cases(c_domain)
    failing = [e for e in cases if not e["is_zero"]]
    for e in failing:
        if e["witness"]["difference"] == 0:  # a non-literal zero would be a SymPy gap, not a refutation
            raise RuntimeError(f"case {e['case']}: difference {e['difference']} not reduced, yet 0 at the witness")
    return {
        "holds": not failing,
        "c_domain": c_domain,
        "cases": [e["case"] for e in cases],
        "differences": [str(e["difference"]) for e in cases],
        "failing": [
            {
                "case": e["case"],
                "difference": str(e["difference"]),
                "nonzero_everywhere": e["nonzero_everywhere"],
                "witness": {k: str(v) for k, v in e["witness"].items()},
            }
            for e in failing
        ],
    }
