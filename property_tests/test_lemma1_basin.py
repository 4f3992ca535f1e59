"""SS16.Lemma1 as properties: on a non-empty basin B every local descent ends at Bas(B), and every
sublevel set B ∩ {L ≤ α} is path-connected.

* **Descent.** Projected gradient descent on L(W, v) = h(Σ_j v_j Q_j w_j) inside the closed basin
  (projection onto the product of closed cones K_j — NNLS over the arrangement's rays — and
  half-lines b_j·R₊), Armijo steps, plus three moves that stay in B and never increase L:
  rescaling (w_j, v_j) → (c w_j, v_j / c) to balance ‖w_j‖ = |v_j| (L unchanged), the exact line
  search on each neuron's scale v_j → s v_j, s ∈ [0, 2] (L is a convex quadratic in s), and, when a
  neuron is at u_j = v_j w_j = 0, turning w_j inside K_j at no cost to a ray along which growing
  v_j decreases L. A spurious local minimum would stop the descent above Bas(B); the property is
  that it reaches Bas(B) + tol, tol = 1e-6·(1 + Bas) (the engine's certificate acceptance)
  + |gap|, within 20 000 iterations, for basins whose minimiser is within reach
  (max ‖u_j*‖ ≤ 20, see MAX_MINIMISER_NORM; far-out minimisers only make descent slow).
* **Path.** Two random interior points P₀, P₁ of B, α = max(L(P₀), L(P₁)). The path: rescale P₀ to
  the balanced lift of U₀ (L constant), follow the balanced lift of the segment
  (1−s)U₀ + sU₁ (convex in U, so L ≤ α), rescale to P₁. Every point of a fine grid is checked to
  lie in B (its sign pattern) with L ≤ α + rounding, and consecutive points are close.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import nnls

from numerics.basins.arrangement import enumerate_regions
from numerics.basins import BoundaryError, basin_value, lift, network_loss, sign_pattern
from numerics.basins.patterns import _pattern_data
from overspec.profiles import scaled_examples
from overspec.testing import ClaimRejected

SHARED_EVIDENCE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
MAX_ITERS = 20_000
ROUNDING = 1e-12


def _instance(seed: int, n: int, m: int, d: int):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    while True:
        W, v = rng.normal(size=(n, d)), rng.normal(size=n)
        try:
            A, b = sign_pattern(W, v, X)
            return rng, X, y, W, v, A, b
        except BoundaryError:  # pragma: no cover - probability 0
            continue


class BasinDescent:
    """Projected descent inside the closed basin B^{A,b} (squared loss), see the module docstring."""

    def __init__(self, X, y, A, b):
        self.X, self.y, self.A, self.b = X, y, A, b
        self.m, self.n = X.shape[0], A.shape[0]
        arr = enumerate_regions(X)
        self.rays = [arr.rays[arr.rays_of(A[j])].T for j in range(self.n)]  # d × k_j generators
        self.Q, _ = _pattern_data(X, A, b)

    def loss(self, W, v):
        r = np.einsum("jtd,jd->t", self.Q, v[:, None] * W) - self.y
        return float(r @ r) / self.m, r

    def project(self, W, v):
        P = np.empty_like(W)
        for j, R in enumerate(self.rays):
            c, _ = nnls(R, W[j])
            P[j] = R @ c
        return P, self.b * np.maximum(self.b * v, 0.0)

    @staticmethod
    def balance(W, v):
        nw = np.linalg.norm(W, axis=1)
        ok = (nw > 0) & (v != 0)
        c = np.where(ok, np.sqrt(np.abs(v) / np.where(ok, nw, 1.0)), 1.0)
        return W * c[:, None], v / c

    def run(self, W, v, target: float) -> tuple[float, int, int]:
        """Descend from (W, v) until L ≤ target; returns (L, iterations, escapes)."""
        f, r = self.loss(W, v)
        eta, escapes = 1.0, 0
        for it in range(MAX_ITERS):
            if f <= target:
                return f, it, escapes
            for j in range(self.n):  # exact line search on each neuron's scale s ∈ [0, 2]
                c = v[j] * (self.Q[j] @ W[j])
                cc = c @ c
                if cc > 0:  # capped at 2 so that two cancelling neurons cannot blow up in one move
                    v[j] *= min(2.0, max(0.0, 1.0 - (r @ c) / cc))
                    f, r = self.loss(W, v)
            W, v = self.balance(W, v)
            g = (2.0 / self.m) * r
            gW = v[:, None] * np.einsum("jtd,t->jd", self.Q, g)
            gv = np.einsum("jtd,t,jd->j", self.Q, g, W)
            while True:
                W2, v2 = self.project(W - eta * gW, v - eta * gv)
                f2, r2 = self.loss(W2, v2)
                moved = float(((W - W2) ** 2).sum() + ((v - v2) ** 2).sum())
                if f2 <= f - 1e-4 * moved / eta or eta < 1e-12:
                    break
                eta *= 0.5
            stalled = f - f2 < 1e-13 * (1 + f)
            if f2 <= f:  # Armijo accepted (or a step that does not increase L)
                W, v, f, r = W2, v2, f2, r2
            eta = min(2 * eta, 1e3)
            if stalled:
                g = (2.0 / self.m) * r
                turned = False
                for j, R in enumerate(self.rays):
                    if abs(v[j]) * np.linalg.norm(W[j]) < 1e-6:
                        Rn = R / np.linalg.norm(R, axis=0)
                        slopes = self.b[j] * (g @ (self.Q[j] @ Rn))
                        k = int(np.argmin(slopes))
                        if slopes[k] < -1e-12:
                            W[j], v[j] = 1e-3 * Rn[:, k], self.b[j] * 1e-3
                            turned = True
                            escapes += 1
                f, r = self.loss(W, v)
                if not turned:
                    return f, it, escapes
        return f, MAX_ITERS, escapes


#: scope of the descent property: basins whose certified minimiser has max_j ‖u_j*‖ ≤ this (the
#: start has ‖u_j‖ ≈ 1). Two neurons of one pattern and opposite output signs can have a minimiser
#: far out (‖u*‖ ~ 100, cancelling), which plain gradient descent approaches only linearly
#: in time; that is a matter of speed, not of spurious minima, and is left out of the property.
MAX_MINIMISER_NORM = 20.0
EXCLUSION_REASON = (
    f"basins whose certified minimiser has max_j ‖u_j*‖ > {MAX_MINIMISER_NORM:g} (about 5 % of generated "
    "basins: two neurons of one pattern with opposite output signs cancel far out) are left out of the "
    "descent test: plain descent approaches them only linearly in time — speed, not a spurious minimum"
)


def check_descent_reaches_basin_value(seed: int, n: int, m: int, d: int, offset: float = 0.0) -> dict:
    """Descent from a random interior point ends within tol of Bas(B) (+ ``offset``: mutation).

    Returns {"in_scope": False} without running when the minimiser is beyond MAX_MINIMISER_NORM.
    """
    rng, X, y, W, v, A, b = _instance(seed, n, m, d)
    sol = basin_value(X, y, A, b)
    unorm = float(np.linalg.norm(sol.U, axis=1).max())
    if unorm > MAX_MINIMISER_NORM:
        return {"in_scope": False, "seed": seed, "minimiser_norm": unorm}
    tol = 1e-6 * (1 + sol.value) + abs(sol.certificate.gap)
    claimed = sol.value - offset  # the mutated claim says descent gets ``offset`` below Bas
    f, iters, escapes = BasinDescent(X, y, A, b).run(W.copy(), v.copy(), claimed + tol)
    if f > claimed + tol:
        raise ClaimRejected(f"descent stopped at L = {f!r} > claimed {claimed!r} + {tol:.1e} after {iters} iterations")
    if f < sol.value - tol:
        raise ClaimRejected(f"descent inside B reached L = {f!r} below Bas(B) = {sol.value!r}")
    return {"in_scope": True, "seed": seed, "n": n, "m": m, "d": d, "bas": sol.value, "final": f,
            "iterations": iters, "escapes": escapes, "tolerance": tol, "minimiser_norm": unorm}


sizes = st.tuples(st.integers(1, 3), st.integers(2, 6), st.integers(2, 3)).filter(lambda s: s[1] >= s[2])


@pytest.mark.claim("SS16.Lemma1", kind="numerical")
@settings(max_examples=scaled_examples(5), suppress_health_check=SHARED_EVIDENCE)
@given(seed=st.integers(0, 2**32 - 1), size=sizes)
# found by Hypothesis (thorough profile): two neurons of one pattern and opposite output signs; an
# uncapped scale line search blew them up and the descent stalled numerically above Bas(B)
@example(seed=125, size=(3, 4, 3))
def test_projected_descent_inside_the_basin_ends_at_its_value(evidence, seed, size):
    out = check_descent_reaches_basin_value(seed, *size)
    if not out["in_scope"]:  # left out of the property, and said so in the evidence
        evidence.record(excluded=evidence.data.get("excluded", []) + [out], exclusion_reason=EXCLUSION_REASON)
    assume(out["in_scope"])
    evidence.record(runs=evidence.data.get("runs", []) + [out])
    evidence.tolerance("descent", 1e-6, "certificate acceptance 1e-6·(1 + Bas) plus the certificate's |gap|")


@pytest.mark.claim("SS16.Lemma1", kind="numerical", control=True)
def test_descent_claimed_to_beat_the_basin_value_is_rejected(evidence):
    """Mutation: 'local descent inside B reaches Bas(B) − 0.01' — impossible, and rejected."""
    with pytest.raises(ClaimRejected):
        check_descent_reaches_basin_value(0, 2, 5, 2, offset=0.01)
    evidence.record(mutation="descent inside B claimed to reach Bas(B) − 0.01", seed=0, rejected=True)


# ----------------------------------------------------------------------------- sublevel paths


def _interior_point(X, A, b, rays, rng):
    while True:
        W = np.array([rng.exponential(size=R.shape[1]) @ R.T for R in rays]) * rng.uniform(0.2, 3.0)
        v = b * rng.exponential(size=b.size) * rng.uniform(0.2, 3.0)
        try:
            if np.array_equal(sign_pattern(W, v, X)[0], A):
                return W, v
        except BoundaryError:  # pragma: no cover
            continue


def sublevel_path(P0, P1, b, grid: int = 150) -> list[tuple[np.ndarray, np.ndarray]]:
    """P₀ → balanced lift of U₀ → lifted segment to U₁ → P₁ (see the module docstring)."""
    (W0, v0), (W1, v1) = P0, P1
    U0, U1 = v0[:, None] * W0, v1[:, None] * W1
    Wb0, vb0 = lift(U0, b)
    Wb1, vb1 = lift(U1, b)
    path = []
    c0, c1 = vb0 / v0, vb1 / v1  # (w, v) → (w / c, v·c) keeps u = v w; c goes 1 → c_end
    for s in np.linspace(0.0, 1.0, grid):
        c = c0**s
        path.append((W0 / c[:, None], v0 * c))
    for s in np.linspace(0.0, 1.0, grid)[1:]:
        path.append(lift((1 - s) * U0 + s * U1, b))
    for s in np.linspace(1.0, 0.0, grid)[1:]:
        c = c1**s
        path.append((W1 / c[:, None], v1 * c))
    return path


def check_sublevel_path(X, y, A, b, P0, P1, alpha=None) -> dict:
    """Every grid point of the path lies in B with L ≤ α; α defaults to max(L(P₀), L(P₁))."""
    L0, L1 = network_loss(X, y, *P0), network_loss(X, y, *P1)
    alpha = max(L0, L1) if alpha is None else alpha
    path = sublevel_path(P0, P1, b)
    worst, max_step = -np.inf, 0.0
    for k, (W, v) in enumerate(path):
        A2, b2 = sign_pattern(W, v, X)
        if not (np.array_equal(A2, A) and np.array_equal(b2, b)):
            raise ClaimRejected(f"path point {k} left the basin")
        L = network_loss(X, y, W, v)
        worst = max(worst, L - alpha)
        if L > alpha + ROUNDING * (1 + abs(alpha)):
            raise ClaimRejected(f"path point {k}: L = {L!r} > α = {alpha!r}")
        if k:
            Wp, vp = path[k - 1]
            max_step = max(max_step, float(np.sqrt(((W - Wp) ** 2).sum() + ((v - vp) ** 2).sum())))
    scale = max(float(np.sqrt((W**2).sum() + (v**2).sum())) for W, v in path)
    if max_step > 0.1 * scale:
        raise ClaimRejected(f"path not fine enough: a step of {max_step:.3g} on a path of scale {scale:.3g}")
    return {"alpha": alpha, "points": len(path), "max_L_minus_alpha": worst, "max_step": max_step, "scale": scale}


@pytest.mark.claim("SS16.Lemma1", kind="numerical")
@settings(max_examples=scaled_examples(5), suppress_health_check=SHARED_EVIDENCE)
@given(seed=st.integers(0, 2**32 - 1), size=sizes)
def test_sublevel_sets_of_the_basin_are_path_connected(evidence, seed, size):
    rng, X, y, W, v, A, b = _instance(seed, *size)
    arr = enumerate_regions(X)
    rays = [arr.rays[arr.rays_of(A[j])].T for j in range(A.shape[0])]
    P0, P1 = _interior_point(X, A, b, rays, rng), _interior_point(X, A, b, rays, rng)
    out = check_sublevel_path(X, y, A, b, P0, P1)
    out.update(seed=seed, size=list(size))
    evidence.record(paths=evidence.data.get("paths", []) + [out])
    evidence.tolerance("sublevel", ROUNDING, "double-precision rounding of L_S relative to 1 + α")


@pytest.mark.claim("SS16.Lemma1", kind="numerical", control=True)
def test_sublevel_path_below_the_endpoints_level_is_rejected(evidence):
    """Mutation: the same path stays in {L ≤ min(L(P₀), L(P₁)) − 0.01} — false at an endpoint."""
    rng, X, y, W, v, A, b = _instance(3, 2, 5, 2)
    arr = enumerate_regions(X)
    rays = [arr.rays[arr.rays_of(A[j])].T for j in range(A.shape[0])]
    P0, P1 = _interior_point(X, A, b, rays, rng), _interior_point(X, A, b, rays, rng)
    low = min(network_loss(X, y, *P0), network_loss(X, y, *P1)) - 0.01
    with pytest.raises(ClaimRejected):
        check_sublevel_path(X, y, A, b, P0, P1, alpha=low)
    evidence.record(mutation="sublevel level α lowered below both endpoints' loss by 0.01", seed=3, rejected=True)
