"""REV.piecewise-example (erratum): f = x/2 | 2x | 2 on [−1, 0] | [0, 1] | [1, 2].

Printed: one node cannot fit f, two can, with h1 = σ(−1.5x), h2 = σ(−2x + 4), v = [−1, 1], bias 2.
Shown here, exactly: no one-node net fits f (slopes/kinks); the transcribed two-node net does not
reproduce f on any piece; the derived net σ(−1.5x) − σ(−2x + 2) + 2 reproduces f on every piece.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from numerics.network import forward
from overspec.testing import ClaimRejected, assert_close
from theory.piecewise import (
    REV_TARGET,
    TRANSCRIBED_NET,
    X,
    PiecewiseLinear,
    ReluNet1D,
    compare_on_pieces,
    derive_two_node_net,
    kinks,
    one_node_fit_impossible,
)

#: A wrong two-node candidate: the corrected net σ(−1.5x) − σ(−2x + 2) + 2 (the catalogue's suggestion
#: and the one derived below) with the sign of v_1 flipped. It is nobody's suggestion: a mutant.
SIGN_FLIPPED_CANDIDATE = ReluNet1D.of(w=[sp.Rational(-3, 2), -2], b=[0, 2], v=[-1, -1], c=2)


def check_represents(net: ReluNet1D, f: PiecewiseLinear) -> list[dict]:
    """Claim check: net ≡ f on every sub-interval (difference expands to 0), else ClaimRejected."""
    pieces = compare_on_pieces(net, f)
    bad = [p for p in pieces if not p["equal"]]
    if bad:
        raise ClaimRejected(
            f"{net} ≠ f: " + "; ".join(f"on {list(p['interval'])} net − f = {p['difference']}" for p in bad)
        )
    return pieces


def _pieces_evidence(pieces: list[dict]) -> list[dict]:
    return [{"interval": [str(a) for a in p["interval"]], "net": str(p["net"]), "target": str(p["target"]),
             "difference": str(p["difference"])} for p in pieces]


@pytest.mark.claim("REV.piecewise-example", kind="symbolic")
def test_no_one_node_net_fits_f(evidence):
    arg = one_node_fit_impossible(REV_TARGET)
    if not arg["impossible"]:
        raise ClaimRejected(f"the slope/kink count does not exclude a one-node net: {arg}")
    assert REV_TARGET.continuity_gaps() == [0, 0]  # f is continuous, so its kinks are genuine
    evidence.record(**arg, argument="a one-node net v·σ(wx + b) + c takes ≤ 2 slope values (v·w and 0) and has ≤ 1"
                    " kink; f takes 3 slopes and has 2 kinks, so they differ on some piece")


@pytest.mark.claim("REV.piecewise-example", kind="symbolic")
def test_transcribed_two_node_solution_does_not_reproduce_f(evidence):
    """The erratum: −σ(−1.5x) + σ(−2x + 4) + 2 differs from f on every piece."""
    with pytest.raises(ClaimRejected):
        check_represents(TRANSCRIBED_NET, REV_TARGET)
    pieces = compare_on_pieces(TRANSCRIBED_NET, REV_TARGET)
    assert not any(p["equal"] for p in pieces)
    at = {str(t): str(TRANSCRIBED_NET.expr().subs(X, t)) for t in (-1, 0, 1, 2)}
    assert at["1"] == "4"  # f(1) = 2
    evidence.record(transcribed=str(TRANSCRIBED_NET), pieces=_pieces_evidence(pieces), values_at_breakpoints=at,
                    target_at_breakpoints={"-1": "-1/2", "0": "0", "1": "2", "2": "2"})


@pytest.mark.claim("REV.piecewise-example", kind="symbolic")
def test_derived_two_node_net_reproduces_f_on_every_piece(evidence):
    net = derive_two_node_net(REV_TARGET)
    assert str(net.expr()) == str(sp.Max(-3 * X / 2, 0) - sp.Max(2 - 2 * X, 0) + 2)  # σ(−1.5x) − σ(−2x + 2) + 2
    pieces = check_represents(net, REV_TARGET)
    evidence.record(derived=str(net), pieces=_pieces_evidence(pieces), kinks=kinks(REV_TARGET),
                    method="one unit σ(κ − x) per kink κ of f, coefficients from the exact piece equations")


@pytest.mark.claim("REV.piecewise-example", kind="symbolic", control=True)
def test_wrong_two_node_candidates_are_rejected(evidence):
    """The same check rejects the corrected net with the sign of v_1 flipped, −σ(−1.5x) − σ(−2x + 2) + 2
    (7x/2 on [−1, 0]), and the corrected net with its bias moved by 10⁻⁹."""
    with pytest.raises(ClaimRejected, match=r"≠ f: on \[-1, 0\] net − f = 3\*x"):   # 7x/2 − x/2
        check_represents(SIGN_FLIPPED_CANDIDATE, REV_TARGET)
    nudged = ReluNet1D.of(w=[sp.Rational(-3, 2), -2], b=[0, 2], v=[1, -1], c=sp.Rational(2) + sp.Rational(1, 10**9))
    with pytest.raises(ClaimRejected, match=r"net − f = 1/1000000000"):
        check_represents(nudged, REV_TARGET)
    evidence.record(rejected=True, candidates=[str(SIGN_FLIPPED_CANDIDATE), str(nudged)],
                    sign_flipped_candidate_pieces=_pieces_evidence(compare_on_pieces(SIGN_FLIPPED_CANDIDATE, REV_TARGET)))


@pytest.mark.claim("REV.piecewise-example", kind="numerical")
def test_derived_net_through_the_numpy_network(evidence):
    """numerics.network's ReLU net on x̃ = (x, 1): a = v, w_k = (w_k, b_k); plus a constant unit for c."""
    net = derive_two_node_net(REV_TARGET)
    xs = np.linspace(-1.0, 2.0, 301)
    Xt = np.stack([xs, np.ones_like(xs)], axis=1)
    W = np.array([[float(w), float(b)] for w, b in zip(net.w, net.b)] + [[0.0, 1.0]])  # σ(1) = 1 carries c
    a = np.array([float(v) for v in net.v] + [float(net.c)])
    f = np.piecewise(xs, [xs < 0, (xs >= 0) & (xs < 1), xs >= 1], [lambda t: t / 2, lambda t: 2 * t, 2.0])
    tol = 16 * np.finfo(float).eps * 8.0
    err = assert_close(forward(a, W, Xt, "relu"), f, atol=tol, name="numpy net vs f")
    evidence.record(grid="301 points on [−1, 2]", max_abs_error=err)
    evidence.tolerance("atol", tol, "16·eps·8: ≤ 8 roundings in the 3-term dot products on values ≤ 8 in magnitude, ×2")


def test_piecewise_linear_validation():
    with pytest.raises(ValueError, match="breakpoints"):
        PiecewiseLinear((sp.Integer(1), sp.Integer(0)), (X,))
    with pytest.raises(ValueError, match="pieces"):
        PiecewiseLinear((sp.Integer(0), sp.Integer(1)), (X**2,))
    with pytest.raises(ValueError, match="w, b, v"):
        ReluNet1D.of([1], [0, 1], [1], 0)
    with pytest.raises(ValueError, match="floats"):
        ReluNet1D.of([0.5], [0], [1], 0)


def test_one_node_count_does_not_exclude_a_one_node_function():
    """σ(x) on [−1, 1] (slopes 0 and 1, one kink) is a one-node net: the counting argument must not
    call it impossible — it is the largest count over the cases (2 slopes, 1 kink) that bounds a node."""
    relu = PiecewiseLinear((sp.Integer(-1), sp.Integer(0), sp.Integer(1)), (sp.Integer(0), X))
    assert one_node_fit_impossible(relu)["impossible"] is False
    assert one_node_fit_impossible(REV_TARGET)["impossible"] is True


# ------------------------------------------------------------------ the pieces of the argument
from theory.piecewise import one_node_slope_sets  # noqa: E402

ZERO_ON_THREE = PiecewiseLinear((sp.Integer(-1), sp.Integer(0), sp.Integer(1)), (sp.Integer(0), sp.Integer(0)))


def test_x_is_real():
    assert X.is_real is True


def test_piecewise_linear_needs_one_piece_per_interval_and_increasing_breakpoints():
    assert PiecewiseLinear((sp.Integer(0), sp.Integer(1)), (X,)).pieces == (X,)  # one piece is fine
    for bps, pieces in [((0, 1, 2), (X,)), ((0,), ())]:
        with pytest.raises(ValueError, match="^pieces: need one affine piece per interval"):
            PiecewiseLinear(tuple(map(sp.Integer, bps)), pieces)
    with pytest.raises(ValueError, match="^breakpoints: must be strictly increasing"):
        PiecewiseLinear((sp.Integer(0), sp.Integer(2), sp.Integer(1)), (X, X))


def test_continuity_gaps_are_the_jumps_at_interior_breakpoints():
    f = PiecewiseLinear((sp.Integer(0), sp.Integer(1), sp.Integer(2)), (X, X + 1))
    assert f.continuity_gaps() == [-1]


def test_kinks_are_where_consecutive_slopes_differ():
    f = PiecewiseLinear((sp.Integer(0), sp.Integer(1), sp.Integer(2), sp.Integer(3)), (X, X, 2 * X - 1))
    assert kinks(f) == [2]


def test_relu_net_breakpoints_strings_and_rationals():
    net = ReluNet1D.of(w=[2, 0, 1], b=[-1, 3, 1], v=[1, 1, 1], c=0)
    assert net.breakpoints() == [-1, sp.Rational(1, 2)]            # −b/w for w ≠ 0 only
    assert str(ReluNet1D.of([1], [0], [1], 3)) == "1·σ(1x + 0) + 3"
    with pytest.raises(ValueError, match="^need a rational number"):
        ReluNet1D.of([sp.sqrt(2)], [0], [1], 0)


def test_transcribed_net_is_the_printed_formula():
    """y = −σ(−1.5x) + σ(−2x + 4) + 2, as the review prints it."""
    want = -sp.Max(-sp.Rational(3, 2) * X, 0) + sp.Max(-2 * X + 4, 0) + 2
    assert sp.expand(TRANSCRIBED_NET.expr() - want) == 0


@pytest.mark.parametrize("b, w, diff", [(-sp.Rational(1, 2), 1, X - sp.Rational(1, 2)),   # kink at ½, active right
                                        (-sp.Rational(1, 2), -1, -X - sp.Rational(1, 2))])  # kink at −½, active left
def test_compare_on_pieces_splits_at_a_kink_of_the_net_inside_a_piece(b, w, diff):
    """σ(wx + b) against f ≡ 0 on [−1, 0] ∪ [0, 1]: the net's kink ±½ lies inside a piece of f, so
    that piece is split there and the net differs from f exactly on the active side."""
    pieces = compare_on_pieces(ReluNet1D.of([w], [b], [1], 0), ZERO_ON_THREE)
    bad = [(p["interval"], p["difference"]) for p in pieces if not p["equal"]]
    assert len(pieces) == 3
    assert bad == [((sp.Rational(1, 2), 1), diff)] if w > 0 else bad == [((-1, -sp.Rational(1, 2)), diff)]


def test_one_node_net_slopes_and_kinks_in_each_sign_case():
    """v·σ(wx + b) + c: slopes {0, v·w} with one kink for w > 0 and for w < 0, the slope 0 and no
    kink for w = 0 (computed from the derivative on each side of −b/w)."""
    cases = {c["case"]: c for c in one_node_slope_sets()}
    assert list(cases) == ["w > 0", "w < 0", "w = 0"]
    v = sp.Symbol("v", real=True)
    for name, sign in (("w > 0", {"positive": True}), ("w < 0", {"negative": True})):
        w = sp.Symbol("w", **sign)
        assert cases[name]["slopes"] == {0, v * w} and cases[name]["max_kinks"] == 1
        assert cases[name]["n_distinct_slopes"] == 2
    assert cases["w = 0"]["slopes"] == {0} and cases["w = 0"]["max_kinks"] == 0


def test_two_kinks_exclude_a_one_node_net_even_with_two_slopes():
    """Slopes 1, 2, 1: only two distinct slopes, but two kinks — more than one node can make."""
    f = PiecewiseLinear((sp.Integer(0), sp.Integer(1), sp.Integer(2), sp.Integer(3)), (X, 2 * X - 1, X + 1))
    assert f.continuity_gaps() == [0, 0]
    assert one_node_fit_impossible(f)["impossible"] is True


def test_derivation_refuses_a_target_not_constant_on_its_last_piece():
    f = PiecewiseLinear((sp.Integer(0), sp.Integer(1), sp.Integer(2)), (X, 2 * X - 1))
    with pytest.raises(ValueError, match=r"^f: no unique fit of the ansatz c \+ p0\*Max\(0, 1 - x\) \(solutions \[\]\)"):
        derive_two_node_net(f)
