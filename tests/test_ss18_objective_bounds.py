"""numerics.ss18.objective at its edges (REV.ss18-table, REV.local-min-certificate): the smallest
shapes F accepts, batches, the near-parallel branch of the angle computation, and the two
ingredients of the Taylor certificate — the third-derivative bound B on a ball and the interval
(t_−, t_+) — pinned to the statements of their docstrings.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from numerics import ss18
from numerics.ss18 import objective as obj
from overspec.testing import assert_close

TWO_PI = 2.0 * math.pi


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("n, d", [(1, 1), (2, 1), (1, 3)])
def test_loss_accepts_one_neuron_and_one_dimension(n, d):
    """n = 1 and d = 1 are legal sizes: F(W) ≥ 0, and F vanishes when the student is the teacher
    (one neuron per teacher neuron, here with a teacher of width k = n ≤ d)."""
    V = ss18.teacher(min(n, d), d)
    W = np.vstack([V, np.ones((n - V.shape[0], d))]) if n > V.shape[0] else V.copy()
    assert float(ss18.loss(V.copy(), V)) == 0.0
    F, G = ss18.loss_and_gradient(W, V)
    assert F.shape == () and G.shape == (n, d) and float(F) >= 0.0


def test_a_teacher_of_one_neuron_is_accepted():
    V = ss18.teacher(1, 3)
    W = np.array([[2.0, 0.0, 0.0]])
    # one neuron parallel to the teacher: F = ½E[((‖w‖ − 1)[v·x]_+)²] = ½(‖w‖ − 1)²·g(v, v) = ½·½ = 1/4
    assert_close(float(ss18.loss(W, V)), 0.25, rtol=1e-15, name="F(2v; v)")


@pytest.mark.parametrize("shape", [(2, 0), (3, 2, 0), (0, 3)])
def test_weights_with_an_empty_axis_are_refused_by_name(shape):
    with pytest.raises(ValueError, match=r"W: need shape \(\.\.\., n, d\) with n, d ≥ 1"):
        ss18.loss(np.zeros(shape), ss18.teacher(2))


def test_a_batch_of_points_gives_one_loss_per_point():
    V = ss18.teacher(3)
    rng = np.random.default_rng(5)
    Ws = rng.standard_normal((2, 4, 3))
    F = ss18.loss(Ws, V)
    Fg, G = ss18.loss_and_gradient(Ws, V)
    assert F.shape == (2,) and Fg.shape == (2,) and G.shape == (2, 4, 3)
    for r in range(2):  # the batch is the points one at a time (same code path: bitwise)
        assert float(F[r]) == float(ss18.loss(Ws[r], V))
        np.testing.assert_array_equal(G[r], ss18.gradient(Ws[r], V))


# ------------------------------------------------------------------ the chord branch of _angles
def _mp_angle(a: np.ndarray, b: np.ndarray) -> float:
    """θ between the rows a, b from atan2(‖a × b‖-like, a·b) at 40 digits (exact float inputs)."""
    with mpmath.workdps(40):
        am = [mpmath.mpf(float(x)) for x in a]
        bm = [mpmath.mpf(float(x)) for x in b]
        dot = sum(x * y for x, y in zip(am, bm))
        cross2 = sum(x * x for x in am) * sum(y * y for y in bm) - dot * dot
        return float(mpmath.atan2(mpmath.sqrt(max(cross2, 0)), dot))


def test_angles_mix_near_parallel_and_generic_pairs_in_one_batched_matrix():
    """Each entry is accurate whichever branch it takes, with the near-parallel entries in the
    second batch element only (so the branch must index the batch correctly)."""
    rng = np.random.default_rng(8)
    U = rng.standard_normal((2, 3, 4))
    U[1, 1] = U[1, 0] + 1e-7 * rng.standard_normal(4)   # θ ≈ 1e-7: chord branch
    U[1, 2] = -U[1, 0] + 1e-6 * rng.standard_normal(4)  # θ ≈ π − 1e-6: chord branch
    U /= np.linalg.norm(U, axis=-1, keepdims=True)
    C = U @ np.swapaxes(U, -1, -2)
    th, s = obj._angles(C, U, U)
    for r in range(2):
        for i in range(3):
            for j in range(3):
                if i == j:
                    continue
                ref = _mp_angle(U[r, i], U[r, j])
                # both branches resolve θ to ~1e-15 absolute at these angles (|c| ≤ 0.99 or chord);
                # arccos alone near θ = 1e-7 would be off by ~1e-9 (δc/sin θ with δc ≈ 1e-16)
                assert_close(th[r, i, j], ref, rtol=0, atol=1e-14, name=f"θ[{r},{i},{j}]")
                assert_close(s[r, i, j], math.sin(ref), rtol=0, atol=1e-14, name=f"sin θ[{r},{i},{j}]")


# ------------------------------------------------------------------ third-derivative bound B
def _l_ww(a: float, b: float) -> float:
    """‖D ∂²_ww g‖ ≤ (2/a + 4b/a² + 8bκ₁/a)/(2π), κ₁ = 1/a + 1/b (third_derivative_bound's docstring)."""
    k1 = 1 / a + 1 / b
    return (2 / a + 4 * b / a**2 + 8 * b * k1 / a) / TWO_PI


def _l_wv(a: float, b: float) -> float:
    """‖D ∂²_wv g‖ ≤ (16κ₁ + 4/b)/(2π) (same docstring)."""
    return (16 * (1 / a + 1 / b) + 4 / b) / TWO_PI


def _documented_B(W: np.ndarray, V: np.ndarray, alpha: float) -> float:
    """B = max_i [Σ_{i'≠i} L_ii' + Σ_j L_ij] with every per-pair bound at its worst case over the
    ball: norms of the moving neurons in [‖w‖ − α, ‖w‖ + α]; l_ww decreases in a and increases in
    b, l_wv decreases in both, so the supremum is at (a, b) = (low, high) resp. (low, low)."""
    norms = np.linalg.norm(W, axis=1)
    lo, hi = norms - alpha, norms + alpha
    tn = np.linalg.norm(V, axis=1)
    rows = []
    for i in range(W.shape[0]):
        tot = sum(max(_l_ww(lo[i], hi[i2]), _l_ww(lo[i2], hi[i])) + _l_wv(lo[i], lo[i2])
                  for i2 in range(W.shape[0]) if i2 != i)
        rows.append(tot + sum(_l_ww(lo[i], b) for b in tn))
    return max(rows)


SPREAD = np.diag([0.18, 0.145, 1.38, 0.29, 6.7])  # norms over two decades: the largest row of B
# is not the smallest neuron's, and its worst pair term is the partner's l_ww (found by a search)


@pytest.mark.parametrize("W, V, alpha", [
    (np.array([[0.9, 0.3, 0.0], [0.0, 0.5, 0.7], [1.5, -0.2, 0.4]]), np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]), 1e-3),
    (np.array([[0.9, 0.3, 0.0], [0.0, 0.5, 0.7], [1.5, -0.2, 0.4]]), np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]), 0.2),
    (SPREAD, np.array([[0.21, 0.0, 0.0, 0.0, 0.0]]), 0.059),
], ids=["small-ball", "large-ball", "spread-norms"])
def test_third_derivative_bound_is_the_documented_per_pair_sum_at_its_worst_case(W, V, alpha):
    """B, written out from the docstring, on points with unequal norms (so the worst-case ends
    of the norm intervals matter) and teacher neurons of different lengths."""
    got = ss18.third_derivative_bound(W, V, alpha)
    # ≤ 30 terms of size ≲ 10², each a handful of float operations: 1e-13 relative
    assert_close(got["B"], _documented_B(W, V, alpha), rtol=1e-13, name="B")
    assert got["alpha"] == alpha
    assert_close(got["min_norm_on_ball"], float(np.linalg.norm(W, axis=1).min()) - alpha, rtol=1e-15,
                 name="min ‖w‖ − α")


def test_third_derivative_bound_grows_with_the_ball():
    V = ss18.teacher(3)
    W = np.random.default_rng(3).standard_normal((4, 3))
    assert ss18.third_derivative_bound(W, V, 0.1)["B"] > ss18.third_derivative_bound(W, V, 1e-3)["B"]


@pytest.mark.parametrize("alpha", [0.0, -1e-3, float("nan"), float("inf")])
def test_third_derivative_bound_refuses_a_nonsense_radius(alpha):
    with pytest.raises(ValueError, match="alpha: the ball radius must be positive"):
        ss18.third_derivative_bound(np.eye(2), ss18.teacher(2), alpha)


def test_third_derivative_bound_refuses_a_ball_that_just_touches_the_origin():
    """‖w‖ − α = 0 exactly (0.5 − 0.5): the ball contains the zero neuron, where F is not twice
    differentiable."""
    with pytest.raises(ValueError, match="alpha: the ball .* reaches a zero neuron"):
        ss18.third_derivative_bound(np.array([[0.5, 0.0], [0.0, 1.0]]), ss18.teacher(2), 0.5)


def test_third_derivative_bound_takes_one_point_only():
    with pytest.raises(ValueError, match=r"W: one point of shape \(n, d\)"):
        ss18.third_derivative_bound(np.ones((2, 2, 2)), ss18.teacher(2), 1e-3)


# ------------------------------------------------------------------ the Taylor interval
def test_taylor_interval_without_third_derivative_is_unbounded_above():
    """B = 0: F(W + tu) ≥ F − εt + λt²/2 has only the root t_− = 2ε/λ; t_+ = ∞ and the radius is α."""
    cert = ss18.taylor_certificate(1e-6, 0.5, 0.0, alpha=0.1)
    assert cert["certified"] and cert["t_plus"] == math.inf and cert["radius"] == 0.1
    assert_close(cert["t_minus"], 2e-6 / 0.5, rtol=1e-15, name="t_− = 2ε/λ")
    assert cert["strict_on_ball"]


def test_taylor_interval_radius_is_the_smaller_of_t_plus_and_alpha():
    eps, lam, B = 1e-6, 0.5, 0.5
    t_plus = (3 * lam + math.sqrt(9 * lam**2 - 24 * B * eps)) / (2 * B)  # ≈ 3.0, B < 1 on purpose
    small = ss18.taylor_certificate(eps, lam, B, alpha=0.1)
    large = ss18.taylor_certificate(eps, lam, B, alpha=10.0)
    assert_close(small["t_plus"], t_plus, rtol=1e-15, name="t_+")
    assert small["radius"] == 0.1
    assert_close(large["radius"], t_plus, rtol=1e-15, name="radius = t_+")
    assert small["strict_on_ball"] and not large["strict_on_ball"]  # B·α < λ only for the small ball


def test_taylor_interval_with_no_real_roots_reports_none():
    """9λ² ≤ 24Bε: the cubic lower bound never rises above F(W), so there is no interval at all."""
    # (2, 3, 1/2): 9λ² = 24Bε exactly, a double root — still no interval of strict increase
    for lam, B, eps in [(0.1, 1e3, 1.0), (0.0, 1.0, 0.0), (0.0, 0.0, 0.0), (2.0, 3.0, 0.5)]:
        cert = ss18.taylor_certificate(eps, lam, B, alpha=0.1)
        assert cert == {"certified": False, "discriminant": 9 * lam**2 - 24 * B * eps,
                        "t_minus": None, "t_plus": None}


def test_taylor_interval_at_a_critical_point_starts_at_zero():
    cert = ss18.taylor_certificate(0.0, 0.5, 2.0, alpha=1e-3)
    assert cert["certified"] and cert["t_minus"] == 0.0


@pytest.mark.parametrize("name", ["eps", "lam", "B", "alpha"])
@pytest.mark.parametrize("bad", [-1e-9, float("nan"), float("inf")])
def test_taylor_certificate_refuses_negative_or_non_finite_inputs(name, bad):
    args = {"eps": 1e-6, "lam": 0.5, "B": 1.0, "alpha": 0.1, name: bad}
    with pytest.raises(ValueError, match=f"{name}: must be finite and ≥ 0"):
        ss18.taylor_certificate(**args)
