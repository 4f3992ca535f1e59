"""SS16.Thm1: the path built by rescaling the last layer is continuous, strictly decreasing, and
ends at the value L(P(W^(1))) — over random deep ReLU nets (depth 2–4), squared and softmax
cross-entropy losses, and random paths (straight lines, smooth wiggles, polygons; most go uphill).

Continuity certificate (derived in check_monotone_path): on the increasing branch φ is convex with
φ' > 0, so between grid points |c_{j+1} − c_j| ≤ |φ_{j+1}(c_j) − φ_{j+1}(c_{j+1})| / φ'_{j+1}(min(c_j, c_{j+1}));
the numerator is O(h) because the path is continuous and the levels move by (L_0 − τ_end)·h.
Hence ‖W̃(λ_{j+1}) − W̃(λ_j)‖ ≤ ‖Δ hidden‖ + c_{j+1}‖ΔW_h‖ + |Δc|·‖W_h‖ = O(h): the check asserts the
slope bound at every step and that the largest increment divided by h does not grow when the
grid is refined (a jump would double it).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from numerics import deep_relu
from numerics import monotone_path as mpath
from numerics.init_laws import GaussianLaw
from overspec.profiles import scaled_examples
from overspec.testing import ClaimRejected

EPS = float(np.finfo(float).eps)
GRID = 100


def check_monotone_path(path, X, Y, loss: str, k: int, grid: int = GRID) -> dict:
    """Build the path of Theorem 1 and check it; ClaimRejected when the construction fails or the
    built path is not continuous / strictly decreasing / at the target value."""
    try:
        mp = mpath.build_monotone_path(path, X, Y, loss, k, grid=grid)
    except mpath.ConditionViolated as exc:
        lams, mins = mpath.slice_minima(path, X, Y, loss, grid=grid)
        L0 = mpath.slice_of(path(0.0), X, Y, loss).value(1.0)
        j = int(np.argmax(mins))
        blocked = bool(mins[j] > L0)
        raise ClaimRejected(
            f"{exc}; slice minimum max_λ min_c L(c·P(W^λ)) = {mins[j]:.6g} at λ = {lams[j]:.3f} "
            f"{'>' if blocked else '≤'} L(P(W0)) = {L0:.6g}"
            + (": no rescaled decreasing path exists" if blocked else "")) from exc

    # 1. strictly decreasing (values recomputed by the forward pass, no tolerance)
    vals = mp.all_values
    steps = np.diff(vals)
    if not np.all(steps < 0):
        j = int(np.argmax(steps))
        raise ClaimRejected(f"not strictly decreasing at grid step {j}: ΔL = {steps[j]!r}")
    # 2. starts at W0 exactly and ends at the value L1 (brentq's xtol = 4·eps·c moves the value
    #    by ≤ |φ'(c_fin)|·4·eps·c_fin; ×2, plus 64 ulps of rounding in the loss itself)
    if mp.scales[0] != 1.0 or vals[0] != mp.L0:
        raise ClaimRejected(f"does not start at W0: c(0) = {mp.scales[0]!r}, L = {vals[0]!r} vs {mp.L0!r}")
    c_fin = float(mp.finish_scales[-1])
    end_tol = 64 * EPS * max(1.0, abs(mp.L1)) + abs(mpath.slice_of(path(1.0), X, Y, loss).slope(c_fin)) * 8 * EPS * max(1.0, c_fin)
    if abs(vals[-1] - mp.L1) > end_tol:
        raise ClaimRejected(f"end value {vals[-1]!r} ≠ L(P(W1)) = {mp.L1!r} (tol {end_tol:.1e})")
    # 3. continuity: (a) every Δc within its convexity bound |φ_{j+1}(c_j) − φ_{j+1}(c_{j+1})| / φ'_{j+1}(min c)
    dc = np.abs(np.diff(mp.scales))
    if not np.all(mp.slopes > 0):
        raise ClaimRejected("a grid point left the increasing branch (φ' ≤ 0)")
    bound_c = np.abs(mp.cross_values - mp.values[1:]) / mp.slopes
    slack = 1e-9 * bound_c + 64 * EPS * np.maximum(mp.scales[1:], 1.0)  # rounding of φ near the root
    if np.any(dc > bound_c + slack):
        j = int(np.argmax(dc - bound_c))
        raise ClaimRejected(f"|Δc| = {dc[j]:.3e} exceeds its convexity bound {bound_c[j]:.3e} at step {j}")
    #    (b) on the refined grid every step moves W̃ by ≤ rel_step of its norm: a jump larger than that
    #    would have forced bisection below h_min and be left standing here
    rel = mp.relative_steps
    if rel.max() > mp.rel_step:
        j = int(np.argmax(rel))
        # build_monotone_path has already looked for an EXACT violation of condition 1 next to every
        # unresolved step (mpath.certify_condition1_violation) and raised ConditionViolated if found:
        # a jump still standing here is unexplained, i.e. a failure of the construction
        raise ClaimRejected(f"jump: W̃ moves by {rel[j]:.3g} of its norm between λ = {mp.lambdas[j]:.9f} and "
                            f"{mp.lambdas[j + 1]:.9f} (step < h_min = {mp.h_min:g})")
    return {"L0": mp.L0, "L1": mp.L1, "L_zero": mp.L_zero, "tau_end": mp.tau_end, "c0_solver": mp.c0_solver,
            "c_fin": c_fin, "c_max": float(mp.scales.max()), "grid_points": len(mp.lambdas),
            "min_spacing": float(np.diff(mp.lambdas).min()), "max_relative_step": float(rel.max()),
            "min_decrease": float(-steps.max()), "end_error": float(abs(vals[-1] - mp.L1)), "end_tol": end_tol,
            "max_dc_over_bound": float(np.max(dc / np.maximum(bound_c, 1e-300))),
            "given_path_uphill": bool(np.any(np.diff(mp.given_values) > 0))}


# ----------------------------------------------------------------------------- random problems
def random_problem(seed: int, depth: int, loss: str, path_kind: str):
    rng = np.random.default_rng(seed)
    m, d = 8, 3
    k = int(rng.integers(1, 3)) if loss == "squared" else 3
    widths = [d] + [int(rng.integers(3, 6)) for _ in range(depth - 1)] + [k]
    X = rng.normal(size=(m, d))
    if loss == "squared":
        Y = rng.normal(size=(m, k))
    else:
        # condition 1 for cross-entropy (SS16 footnote 3: some point predicted 'incorrectly' for every
        # λ): one input carries all three labels, so L(c·P) → ∞ as c → ∞ unless the three outputs
        # at that input tie — a codimension-2 event that a random path generically misses
        X[m - 3:] = X[m - 3]
        Y = np.concatenate([rng.integers(0, k, size=m - 3), np.arange(3)])
    law = GaussianLaw(1.0)
    Lfun = deep_relu.LOSSES[loss]
    Lz = mpath.zero_loss(X, Y, k, loss)
    W0 = deep_relu.init_params(widths, law, rng)
    if not Lfun(deep_relu.forward(W0, X), Y) > Lz:  # condition 2 by the pairing argument (SS16.Prop1)
        W0 = mpath.scaled(W0, -1.0)
    # W1: fresh hidden layers, last layer fitted (least squares) or improved (a backtracked
    # gradient step from 0) so that L1 < L(0) < L0
    W1 = deep_relu.init_params(widths, law, rng)
    O = deep_relu.last_hidden(W1, X)
    if loss == "squared":
        Vt = np.linalg.lstsq(O, Y, rcond=None)[0]
        W1 = [*W1[:-1], (Vt.T.copy(), None)]
    else:
        # ∇_P L at P = 0 = (1 − k·onehot(Y))/(mk): the integer matrix is applied first and 1/(mk)
        # afterwards, so that the three rows of the shared input cancel exactly in G.T @ O even with
        # fused multiply-adds (softmax(0) − onehot left 1e-17 residues, a rounding-level
        # near-violation of condition 1 at λ = 1 that no grid resolves — seeds 365648 and 939401)
        G = 1.0 - k * np.eye(k)[np.asarray(Y)]
        GV = (G.T @ O) * (1.0 / (m * k))  # ∇ over W_h (k × n)
        t = 1.0
        while Lfun(O @ (-t * GV).T, Y) >= Lz and t > 1e-8:
            t /= 2
        W1 = [*W1[:-1], (-t * GV, None)]
    if path_kind == "straight":
        path = mpath.straight_path(W0, W1)
    elif path_kind == "wiggly":
        path = mpath.wiggly_path(W0, W1, [deep_relu.init_params(widths, law, rng) for _ in range(2)])
    else:
        mids = [deep_relu.init_params(widths, law, rng) for _ in range(2)]
        path = mpath.polygon_path([W0, *mids, W1])
    return path, X, Y, k


SHARED_EVIDENCE = settings(max_examples=scaled_examples(1), suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.claim("SS16.Thm1", kind="numerical")
@SHARED_EVIDENCE
@given(seed=st.integers(0, 2**20), depth=st.integers(2, 4), loss=st.sampled_from(["squared", "softmax_xent"]),
       path_kind=st.sampled_from(["straight", "wiggly", "polygon"]))
@example(seed=0, depth=2, loss="squared", path_kind="wiggly")
@example(seed=1, depth=4, loss="softmax_xent", path_kind="polygon")
# found by the thorough profile: the straight path crosses, at the rational λ* ≈ 0.9418473145, a tie of
# classes 0 and 1 in the one last-layer column through which the live points are fed — there the
# slice is bounded (s(P) = 0 exactly) and condition 1 fails; certified and set aside (see
# test_tie_crossing_violates_condition_one_exactly)
@example(seed=2909, depth=3, loss="softmax_xent", path_kind="straight")
def test_rescaled_path_is_continuous_strictly_decreasing_and_reaches_the_target(evidence, seed, depth, loss, path_kind):
    path, X, Y, k = random_problem(seed, depth, loss, path_kind)
    try:
        out = check_monotone_path(path, X, Y, loss, k)
    except ClaimRejected as exc:
        # condition 1 can genuinely fail on a random path: a slice that cannot reach its level at a
        # grid point (confirmed exactly or by interval arithmetic: dead or correct data points), or a
        # tie crossing where the slice is bounded and c(λ) → ∞ next to it (certified exactly on
        # straight/polygonal paths, by interval arithmetic on wiggly ones); that is outside the theorem's
        # hypotheses, not a counterexample. The same for condition 2 when P(W0) = 0 (every ReLU of
        # the last hidden layer dead on the data: then L(P(W0)) = L(0) for both signs of the last layer)
        for cond in ("condition 1", "condition 2"):
            if cond in str(exc) and "not certified" not in str(exc):  # an uncertified violation fails
                key = cond.replace(" ", "") + "_discarded"
                evidence.record(**{key: evidence.data.get(key, 0) + 1})
                for tag, name in (("certified exactly: at the rational", "condition1_exact_tie_certificates"),
                                  ("certified by interval arithmetic: a", "condition1_interval_tie_certificates"),
                                  ("at this λ", "condition1_grid_point_certificates")):
                    if tag in str(exc):
                        evidence.record(**{name: evidence.data.get(name, 0) + 1})
                assume(False)
        raise
    up = out["given_path_uphill"]
    evidence.record(examples=evidence.data.get("examples", 0) + 1,
                    uphill_paths=evidence.data.get("uphill_paths", 0) + int(up),
                    initial_grid=GRID, rel_step=0.05, h_min=1e-6, finish_grid=50)
    for key in (f"depth_{depth}", f"loss_{loss}", f"path_{path_kind}"):
        evidence.record(**{key: evidence.data.get(key, 0) + 1})
    evidence.record(max_end_error=max(out["end_error"], evidence.data.get("max_end_error", 0.0)),
                    max_dc_over_convexity_bound=max(out["max_dc_over_bound"], evidence.data.get("max_dc_over_convexity_bound", 0.0)))
    evidence.tolerance("strict_decrease", 0.0, "exact: consecutive recomputed values must satisfy L_{j+1} < L_j")
    evidence.tolerance("end_value", 64 * EPS, "×max(1,|L1|), plus |φ'(c_fin)|·8·eps·c_fin (brentq xtol = 4·eps·c) — rounding of the root")
    evidence.tolerance("rel_step", 0.05, "continuity resolution: consecutive points of the bisected grid differ by ≤ 5% of ‖W̃‖; a larger jump would survive bisection down to h_min = 1e-6 and be rejected")


@pytest.mark.claim("SS16.Thm1", kind="numerical")
def test_fixed_example_with_uphill_path_figure(evidence):
    """One example drawn: the given path goes uphill; the rescaled one decreases to L(P(W1))."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path, X, Y, k = random_problem(0, 3, "squared", "wiggly")
    out = check_monotone_path(path, X, Y, "squared", k)
    assert out["given_path_uphill"]
    mp = mpath.build_monotone_path(path, X, Y, "squared", k)
    lams = mp.lambdas
    orig = mp.given_values
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.3))
    ax[0].plot(lams, orig, label="given path L(P(W^λ))")
    s = np.concatenate([lams, 1.0 + np.linspace(0, 0.25, len(mp.finish_values))[1:]])
    ax[0].plot(s, mp.all_values, label="rescaled path (then finish on slice 1)")
    ax[0].axhline(mp.L_zero, color="gray", ls=":", label="L(0)")
    ax[0].set_xlabel("λ")
    ax[0].set_yscale("log")
    ax[0].legend(fontsize=7)
    ax[1].plot(lams, mp.scales, ".-", ms=2)
    ax[1].set_xlabel("λ")
    ax[1].set_ylabel("c(λ)")
    fig.tight_layout()
    evidence.figure("monotone_path", fig)
    evidence.record(**out, seed=0, depth=3, loss="squared", path="wiggly")


def control_problem(loss: str = "squared"):
    """Condition 2 violated: W0 = a teacher with its last layer ×0.8 (L0 ≪ L(0)), W1 = the teacher
    with a least-squares last layer (L1 < L0), and the path passes through a random network."""
    rng = np.random.default_rng(5)
    m, d, k = 8, 3, 1
    widths = [d, 5, 4, k]
    law = GaussianLaw(1.0)
    X = rng.normal(size=(m, d))
    T = deep_relu.init_params(widths, law, rng)
    Y = deep_relu.forward(T, X) + 0.01 * rng.normal(size=(m, k))
    W0 = mpath.scaled(T, 0.8)
    O = deep_relu.last_hidden(T, X)
    W1 = [*T[:-1], (np.linalg.lstsq(O, Y, rcond=None)[0].T.copy(), None)]
    mid = deep_relu.init_params(widths, law, rng)
    return mpath.polygon_path([W0, mid, W1]), X, Y, k


@pytest.mark.claim("SS16.Thm1", kind="numerical", control=True)
def test_start_below_zero_predictor_is_detected_and_blocked(evidence):
    path, X, Y, k = control_problem()
    with pytest.raises(ClaimRejected, match="no rescaled decreasing path exists") as info:
        check_monotone_path(path, X, Y, "squared", k)
    lams, mins = mpath.slice_minima(path, X, Y, "squared")
    L0 = mpath.slice_of(path(0.0), X, Y, "squared").value(1.0)
    L1 = mpath.slice_of(path(1.0), X, Y, "squared").value(1.0)
    evidence.record(mutation="condition 2 dropped: L(P(W0)) ≤ L(0)", rejected=True, message=str(info.value),
                    L0=L0, L1=L1, L_zero=mpath.zero_loss(X, Y, k, "squared"),
                    max_slice_minimum=float(mins.max()), at_lambda=float(lams[np.argmax(mins)]), seed=5)


def test_condition_one_failure_is_reported():
    """A slice with P = 0 (all last-layer weights 0) cannot reach any level above L(0)."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    W = deep_relu.init_params([2, 4, 1], GaussianLaw(1.0), rng)
    S = mpath.slice_of(mpath.scaled(W, 0.0), X, Y, "squared")
    with pytest.raises(mpath.ConditionViolated, match="condition 1"):
        S.increasing_branch_point(mpath.zero_loss(X, Y, 1, "squared") + 1.0, 0.5)


def test_slice_slope_matches_finite_differences():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(7, 3))
    W = deep_relu.init_params([3, 4, 3], GaussianLaw(1.0), rng)
    for loss, Y in (("squared", rng.normal(size=(7, 3))), ("softmax_xent", rng.integers(0, 3, size=7))):
        S = mpath.slice_of(W, X, Y, loss)
        for c in (0.0, 0.7, 2.0):
            h = 1e-5
            fd = (S.value(c + h) - S.value(c - h)) / (2 * h)
            # central difference: truncation h²·|φ'''|/6 ≲ 1e-9, rounding eps·|φ|/h ≲ 1e-10
            assert abs(S.slope(c) - fd) <= 1e-7 * max(1.0, abs(fd))


def test_build_rejects_a_path_that_does_not_improve():
    path, X, Y, k = random_problem(2, 2, "squared", "straight")
    stay = lambda lam: path(0.0)  # noqa: E731  (condition 2 holds at W0, but L(P(W1)) = L(P(W0)))
    with pytest.raises(ValueError, match="path"):
        mpath.build_monotone_path(stay, X, Y, "squared", k)


# ------------------------------------------------------------------ the tie crossing (seed 2909)
def test_tie_crossing_violates_condition_one_exactly():
    """The case the thorough profile found (seed 2909, depth 3, softmax, straight path): the live data
    points 1 (label 1) and 3 (label 0) reach the output only through last-hidden unit 3, whose
    last-layer entries for classes 0 and 1 cross at a rational λ*. There, in exact arithmetic, every
    label attains its row maximum (rows 1, 3 tie 0/1; rows 0, 4 correct; rows 2, 5, 6, 7 dead), so
    s(P) = 0, sup_c L(c·P(W^λ*)) = L(0) = log 3 < L_0 and condition 1 fails: c(λ) → ∞ as λ → λ*."""
    path, X, Y, k = random_problem(2909, 3, "softmax_xent", "straight")
    cert = mpath.certify_condition1_violation(path, X, Y, "softmax_xent", 0.93, 0.96)
    assert cert is not None and cert.kind == "tie of classes 0, 1 in column 3"
    lam = cert.lam_star
    assert 0.9418473 < lam < 0.9418474
    P = cert.P_star
    assert P[1][0] == P[1][1] > P[1][2] and P[3][0] == P[3][1] > P[3][2]  # exact ties, labels 1 and 0
    assert all(v == 0 for t in (2, 5, 6, 7) for v in P[t])
    # the certificate is sharp: one ulp-scale rational step away the slice is unbounded again
    vA, vB = path.vertices
    for du in (Fraction(1, 2**40), -Fraction(1, 2**40)):
        assert not mpath.slice_is_bounded_exact(mpath._exact_forward(vA, vB, lam + du, np.asarray(X)), Y, "softmax_xent")
    # the construction's scale blows up like 1/|λ − λ*| on both sides (float evaluation)
    rp = mpath.RescaledPath(path, X, Y, "softmax_xent", k)
    for side in (-1.0, 1.0):
        cs = [rp.scale(float(lam) + side * d) for d in (1e-5, 1e-6, 1e-7)]
        assert cs[0] > 1e4 and all(8 < b / a < 12 for a, b in zip(cs, cs[1:]))  # ×10 per decade
    with pytest.raises(mpath.ConditionViolated, match="certified exactly") as info:
        mpath.build_monotone_path(path, X, Y, "softmax_xent", k, grid=GRID)
    assert info.value.condition == 1 and info.value.certificate["lam"] == float(lam)


def test_certificate_is_not_issued_for_a_path_satisfying_condition_one():
    """No exact violation on a healthy straight path, nor on the 2909 path away from λ*."""
    path, X, Y, k = random_problem(2, 2, "squared", "straight")
    assert mpath.certify_condition1_violation(path, X, Y, "squared") is None
    path, X, Y, k = random_problem(2909, 3, "softmax_xent", "straight")
    assert mpath.certify_condition1_violation(path, X, Y, "softmax_xent", 0.0, 0.9) is None


def test_a_jump_from_a_construction_bug_is_rejected_not_set_aside(monkeypatch):
    """Mutated construction: c(λ) multiplied by 0.7 for λ > ½ (a discontinuous scale on a path that
    satisfies both conditions). The check must reject it as a failure of the construction — not
    discard it as a violated hypothesis."""
    path, X, Y, k = random_problem(2, 2, "squared", "straight")
    check_monotone_path(path, X, Y, "squared", k)  # the unmutated construction passes
    orig = mpath.RescaledPath.scale
    monkeypatch.setattr(mpath.RescaledPath, "scale", lambda self, lam: orig(self, lam) * (0.7 if lam > 0.5 else 1.0))
    with pytest.raises(ClaimRejected) as info:
        check_monotone_path(path, X, Y, "squared", k)
    assert "condition" not in str(info.value)


def test_interval_certificate_on_a_wiggly_path():
    """A smooth (sin) path: squared loss, k = 1, every data point fed through last-hidden unit 0 near
    λ ≈ 0.0206848, whose output weight changes sign there. The interval certificate (mpmath.iv)
    proves a zero λ* of that weight in a bracket of width ≈ 1e-12 with no other unit live, so
    P(W^λ*) = 0 and condition 1 fails; away from it (a window without a sign change) nothing is
    certified, and on the 2909 straight path the interval route finds the same tie as the exact one."""
    path, X, Y, k = random_problem(547935, 4, "squared", "wiggly")
    cert = mpath.certify_condition1_violation_near(path, X, Y, "squared", np.linspace(0.02, 0.0215, 16))
    assert cert is not None and cert[2] == "zero of last-layer entry (0, 0)"
    a, b, _ = cert
    assert 0.02068 < a < b < 0.02069 and b - a < 1e-11
    assert mpath.certify_condition1_violation_near(path, X, Y, "squared", np.linspace(0.1, 0.2, 11)) is None
    path, X, Y, k = random_problem(2909, 3, "softmax_xent", "straight")
    a, b, what = mpath.certify_condition1_violation_near(path, X, Y, "softmax_xent", np.linspace(0.94, 0.95, 11))
    assert what == "tie of classes 0, 1 in column 3 of the last layer"
    lam = mpath.certify_condition1_violation(path, X, Y, "softmax_xent").lam_star
    assert Fraction(a) <= lam <= Fraction(b)
