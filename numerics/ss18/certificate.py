"""Computer-assisted proofs for the bad end points of the SS18 experiment (REV.ss18-table).

For a float point x̃ (exactly representable, hence exact in ball arithmetic) this module proves,
in python-flint's ``arb`` ball arithmetic, that F has a strict local minimum x* near x̃, encloses
F(x*), and proves that gradient descent started anywhere in a ball around x̃ converges to x*.
That is the *certified early decision* of a bad run: once a run's iterate (up to a symmetry of
F) lies in such a ball, its end is x*, and it is bad when the certified lower bound of F(x*) is
≥ the threshold.

Why arb (not mpmath's ``iv``): the proof needs F, ∇F and the nd × nd Hessian (nd ≤ 420) and two
congruence products of that size per point. arb does this in C with rigorous error radii
(correctly rounded midpoints, propagated radii, ``acos``/``sin`` with proven error bounds), in
about a second; mpmath's ``iv`` is pure Python, 10³–10⁴ times slower on matrix products, and
has no matrix type to keep the code readable. Comparisons of balls (``x > 0``) are True only
when they hold for every point of the balls, so every decision below is a proof.

The theorem (each hypothesis is checked in ball arithmetic; ‖·‖ is the Euclidean norm on R^{n×d}):
let ρ > 0 and B = B(x̃, ρ), and suppose
  (i)   min_i ‖w̃_i‖ > ρ (no zero neuron in B, so F is C² with a Lipschitz Hessian on B);
  (ii)  ‖∇²F(x) − ∇²F(x̃)‖₂ ≤ βρ on B, with β = max_i Σ_{pairs ∋ i} L_pair from the per-pair
        Lipschitz bounds of the Hessian blocks derived in
        :func:`numerics.ss18.objective.third_derivative_bound` — here evaluated in ball
        arithmetic over the whole norm intervals ‖w_i‖ ∈ [‖w̃_i‖ − ρ, ‖w̃_i‖ + ρ] (not at sampled
        points). The derivation of the per-pair constants is by hand (its docstring), so the
        proof is computer-assisted *given that lemma*;
  (iii) λ₀ ≤ λ_min(∇²F(x̃)) and λ_max(∇²F(x̃)) ≤ Λ₀: λ₀ proved by congruence, X(H − λ₀I)Xᵀ (X
        the float inverse of the Cholesky factor of mid(H) − λ₀I, an exact matrix in arb) is
        strictly diagonally dominant with positive diagonal in ball arithmetic, hence positive
        definite (Gershgorin), hence so is H − λ₀I (Sylvester's law of inertia); Λ₀ = max_i
        Σ_j |H_ij| (Gershgorin on H itself), or the congruence proof for Λ₀I − H when that bound
        would forbid the protocol's step 0.1;
  (iv)  ε ≥ ‖∇F(x̃)‖ and, with λ = λ₀ − βρ > 0 and L = Λ₀ + βρ, 2ε/λ < ρ.
Then λ ≤ ∇²F ≤ L on B (Weyl), and
  (a) F has exactly one critical point x* in B, a strict local minimum, with ‖x* − x̃‖ ≤ ε/λ:
      on the sphere ‖x − x̃‖ = ρ, F(x) ≥ F(x̃) − ερ + λρ²/2 > F(x̃), so the minimum of F over B is
      interior, a critical point; strong monotonicity ⟨∇F(x) − ∇F(y), x − y⟩ ≥ λ‖x − y‖² on B
      gives uniqueness and ‖x* − x̃‖ ≤ ‖∇F(x̃)‖/λ;
  (b) F(x̃) − ε²/(2λ) ≤ F(x*) ≤ F(x̃), and F ≥ F(x*) on B (x* minimizes F over B; the lower
      bound is min_t F(x̃) − εt + λt²/2 along the segment to x*);
  (c) for a step 0 < η < 2/L, the GD map T(y) = y − η∇F(y) sends B* = B(x*, r), r = ρ − ε/λ
      (⊂ B), into itself: T(y) − x* = (I − η∫₀¹∇²F(x* + s(y − x*))ds)(y − x*), whose matrix has
      eigenvalues in [1 − ηL, 1 − ηλ], so ‖T(y) − x*‖ ≤ q‖y − x*‖, q = max(1 − ηλ, ηL − 1) < 1.
      Every start y with ‖y − x̃‖ ≤ r_accept = ρ − 2ε/λ lies in B* and GD from it converges to x*
      with F ≥ F(x*) and ‖∇F‖ ≤ L·r < 1e4 along the way: the run's gradient rule stops it (at
      max_i ‖∇_{w_i}F‖ ≤ tol) at F ≥ F(x*), never restarts it and never stops it as good when
      F(x*) ≥ the threshold. (This is GD in exact arithmetic; float GD adds ≲ 1e-16 per step,
      which the contraction q absorbs: the float iterates stay within r + δ/(1 − q) of x*.)

Symmetries: for the teacher v_j = e_j (d = k), F(W) depends only on the Gram matrix of the
student and teacher neurons, so F(PWQ) = F(W) for permutation matrices P (students) and Q
(coordinates, which permutes the teacher neurons among themselves); GD commutes with these maps.
A run's iterate y is compared with a certified x̃ after aligning y by such a P, Q (found by
assignment problems — a heuristic, but the distance test after it is rigorous), so one proof
serves a whole symmetry orbit.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.linalg import solve_triangular

from numerics.ss18 import objective as obj

Array = NDArray[np.float64]

__all__ = ["CertifiedMinimum", "Certifier", "certify_minimum", "polish", "prove_positive_definite", "align"]

PREC = 96  # bits of the arb midpoints: radii stay ≈ 1e-28 relative, far below every margin used


@contextmanager
def _precision(bits: int = PREC):
    import flint

    old = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        yield flint
    finally:
        flint.ctx.prec = old


def _up(x) -> float:
    """A float ≥ every point of the ball x (outward rounding of arb's upper end)."""
    return math.nextafter(float(x.upper()), math.inf)


def _down(x) -> float:
    """A float ≤ every point of the ball x."""
    return math.nextafter(float(x.lower()), -math.inf)


def _enclosure(x) -> list[float]:
    return [_down(x), _up(x)]


# ------------------------------------------------------------------ F, ∇F, ∇²F in ball arithmetic
def _pairs_arb(flint, W: Array, V: Array):
    """Per-row arb column vectors and norms, and per-pair geometry (θ, s, c) for student–student
    (i < i') and student–teacher pairs."""
    arb, arb_mat = flint.arb, flint.arb_mat
    n, d = W.shape
    cols = [arb_mat(d, 1, [float(t) for t in row]) for row in W]
    tcols = [arb_mat(d, 1, [float(t) for t in row]) for row in V]
    norms = [((c.transpose() * c)[0, 0]).sqrt() for c in cols]
    tnorms = [((c.transpose() * c)[0, 0]).sqrt() for c in tcols]

    def geom(x, a, y, b):
        c = (x.transpose() * y)[0, 0] / (a * b)
        th = c.acos()
        return th, th.sin(), c

    ww = {(i, j): geom(cols[i], norms[i], cols[j], norms[j]) for i in range(n) for j in range(i + 1, n)}
    wv = {(i, j): geom(cols[i], norms[i], tcols[j], tnorms[j]) for i in range(n) for j in range(len(V))}
    return cols, tcols, norms, tnorms, ww, wv


def _kernel_arb(flint, a, b, th, s, c):
    return a * b * (s + (flint.arb.pi() - th) * c) / (2 * flint.arb.pi())


def enclose(W: Array, V: Array, want_hessian: bool = True) -> dict:
    """Balls containing F(W), ∇F(W) (n × d) and ∇²F(W) (nd × nd, an arb_mat) at the float point W."""
    W = obj._as_weights(W)
    V = obj._check_teacher(W, V)
    with _precision() as flint:
        arb, arb_mat = flint.arb, flint.arb_mat
        pi2 = 2 * arb.pi()
        n, d = W.shape
        k = V.shape[0]
        cols, tcols, norms, tnorms, ww, wv = _pairs_arb(flint, W, V)
        # F = Σ_i ‖w_i‖²/4 + Σ_{i<i'} g(w_i, w_i') − Σ_{i,j} g(w_i, v_j) + ½Σ_{j,j'} g(v_j, v_j')
        F = sum((a * a / 4 for a in norms), arb(0))
        F += sum((_kernel_arb(flint, norms[i], norms[j], *ww[i, j]) for (i, j) in ww), arb(0))
        F -= sum((_kernel_arb(flint, norms[i], tnorms[j], *wv[i, j]) for (i, j) in wv), arb(0))
        for j in range(k):
            F += tnorms[j] ** 2 / 4
            for j2 in range(j + 1, k):
                c = (tcols[j].transpose() * tcols[j2])[0, 0] / (tnorms[j] * tnorms[j2])
                th = c.acos()
                F += _kernel_arb(flint, tnorms[j], tnorms[j2], th, th.sin(), c)

        def dg(x, a, y, b, th, s):  # ∂_w g(w, v) = (b s ŵ + (π − θ) v)/(2π)
            return (x * (b * s / a) + y * (arb.pi() - th)) * (1 / pi2)

        G = [cols[i] * arb(0.5) for i in range(n)]
        for (i, j), (th, s, c) in ww.items():
            G[i] += dg(cols[i], norms[i], cols[j], norms[j], th, s)
            G[j] += dg(cols[j], norms[j], cols[i], norms[i], th, s)
        for (i, j), (th, s, c) in wv.items():
            G[i] -= dg(cols[i], norms[i], tcols[j], tnorms[j], th, s)
        out = {"F": F, "G": G}
        if not want_hessian:
            return out
        eye = arb_mat(d, d, [1.0 if r == q else 0.0 for r in range(d) for q in range(d)])

        def h_ww(x, a, y, b, th, s, c):  # (b/(2πa))[s(I − ŵŵᵀ) + ppᵀ/s], p = v̂ − cŵ
            u, vh = x * (1 / a), y * (1 / b)
            p = vh - u * c
            return (eye * s - (u * u.transpose()) * s + (p * p.transpose()) * (1 / s)) * (b / (pi2 * a))

        def h_wv(x, a, y, b, th, s, c):  # [(π−θ)I + cs v̂v̂ᵀ − c qqᵀ/s + s(v̂qᵀ + qv̂ᵀ)]/(2π)
            u, vh = x * (1 / a), y * (1 / b)
            q = u - vh * c
            M = eye * (arb.pi() - th) + (vh * vh.transpose()) * (c * s) - (q * q.transpose()) * (c / s)
            M += (vh * q.transpose() + q * vh.transpose()) * s
            return M * (1 / pi2)

        blocks = [[None] * n for _ in range(n)]
        for i in range(n):
            blocks[i][i] = eye * arb(0.5)
        for (i, j), (th, s, c) in ww.items():
            blocks[i][i] += h_ww(cols[i], norms[i], cols[j], norms[j], th, s, c)
            blocks[j][j] += h_ww(cols[j], norms[j], cols[i], norms[i], th, s, c)
            off = h_wv(cols[i], norms[i], cols[j], norms[j], th, s, c)
            blocks[i][j], blocks[j][i] = off, off.transpose()
        for (i, j), (th, s, c) in wv.items():
            blocks[i][i] -= h_ww(cols[i], norms[i], tcols[j], tnorms[j], th, s, c)
        rows = [[None] * (n * d) for _ in range(n * d)]
        for i in range(n):
            for j in range(n):
                ent = blocks[i][j].tolist()
                for r in range(d):
                    rows[i * d + r][j * d:(j + 1) * d] = ent[r]
        out["H"] = arb_mat(rows)
        return out


def prove_positive_definite(A, A_mid: Array) -> bool:
    """True only if every symmetric matrix in the arb_mat ``A`` is positive definite (a proof).

    X = inverse of the float Cholesky factor of ``A_mid`` (any matrix X works; this one makes
    M = X A Xᵀ ≈ I); M is enclosed in ball arithmetic and Gershgorin's theorem applied to it:
    M_ii − Σ_{j≠i}|M_ij| > 0 for every i proves M ≻ 0, so X is invertible and A = X⁻¹MX⁻ᵀ ≻ 0.
    False when the float Cholesky fails or the dominance cannot be proved.
    """
    try:
        Lc = np.linalg.cholesky(A_mid)
    except np.linalg.LinAlgError:
        return False
    X = solve_triangular(Lc, np.eye(len(Lc)), lower=True)
    if not np.all(np.isfinite(X)):
        return False
    with _precision() as flint:
        Xa = flint.arb_mat(X.tolist())
        M = (Xa * A * Xa.transpose()).tolist()
        zero = flint.arb(0)
        for i, row in enumerate(M):
            off = sum((abs(x) for j, x in enumerate(row) if j != i), zero)
            if not (row[i] - off > 0):
                return False
    return True


def _shift(H, t: float, sign: int):
    """sign·(H − tI) as an arb_mat (t an exact float)."""
    import flint

    N = H.nrows()
    I = flint.arb_mat(N, N, [t if r == q else 0.0 for r in range(N) for q in range(N)])
    return (H - I) if sign > 0 else (I - H)


def _gershgorin_upper(H) -> float:
    """A float ≥ λ_max of every symmetric matrix in the arb_mat H: max_i Σ_j |H_ij| (Gershgorin)."""
    import flint

    best = 0.0
    for row in H.tolist():
        best = max(best, _up(sum((abs(x) for x in row), flint.arb(0))))
    return best


def _mid(H) -> Array:
    return np.array([[float(x.mid()) for x in row] for row in H.tolist()])


def hessian_lipschitz_bound(W: Array, V: Array, rho: float):
    """β (an arb ball) with ‖∇²F(x) − ∇²F(x̃)‖₂ ≤ βρ on B(x̃, ρ): the per-pair Lipschitz bounds of
    :func:`numerics.ss18.objective._pair_lipschitz` evaluated in ball arithmetic with each norm
    ranging over its whole interval [‖w̃_i‖ − ρ, ‖w̃_i‖ + ρ] (interval evaluation encloses the
    supremum). None when the ball reaches a zero neuron."""
    with _precision() as flint:
        arb = flint.arb
        pi2 = 2 * arb.pi()
        n = W.shape[0]
        norms = [sum((arb(float(t)) ** 2 for t in row), arb(0)).sqrt() for row in W]
        tn = [sum((arb(float(t)) ** 2 for t in row), arb(0)).sqrt() for row in V]
        r = arb(rho)
        if not all(a - r > 0 for a in norms):
            return None
        rng = [(a - r).union(a + r) for a in norms]

        def l_ww(a, b):
            k1 = 1 / a + 1 / b
            return (2 / a + 4 * b / a**2 + 8 * b * k1 / a) / pi2

        def l_wv(a, b):
            return (16 * (1 / a + 1 / b) + 4 / b) / pi2

        best = arb(0)
        for i in range(n):
            tot = arb(0)
            for i2 in range(n):
                if i2 != i:
                    tot += l_ww(rng[i], rng[i2]).max(l_ww(rng[i2], rng[i])) + l_wv(rng[i], rng[i2])
            for b in tn:
                tot += l_ww(rng[i], b)
            best = best.max(tot.upper())
        return best


# ------------------------------------------------------------------ the certificate of one point
@dataclass
class CertifiedMinimum:
    """A proved strict local minimum x* near the float point ``W`` (see the module docstring)."""

    W: Array  # x̃, the float centre
    loss: float  # float64 F(x̃) (for filtering; the proof uses the enclosure)
    F_enclosure: list[float]  # [lo, hi] ∋ F(x*) (outward-rounded)
    radius: float  # ρ: the ball on which λ ≤ ∇²F ≤ L
    accept_radius: float  # r_accept = ρ − 2ε/λ (rounded down): GD from here converges to x*
    location_radius: float  # ε/λ (rounded up): ‖x* − x̃‖ ≤ this
    lam: float  # λ (rounded down), lower bound of λ_min(∇²F) on the ball
    L: float  # L (rounded up), upper bound of λ_max(∇²F) on the ball
    lam0: float  # λ₀ ≤ λ_min(∇²F(x̃)) (proved)
    Lam0: float  # Λ₀ ≥ λ_max(∇²F(x̃)) (proved)
    eps: float  # ε ≥ ‖∇F(x̃)‖
    beta: float  # β: Lipschitz constant of ∇²F on the ball (hand lemma, ball-arithmetic evaluation)
    max_step: float  # 2/L rounded down: every GD step η < this converges from the accept ball

    def summary(self) -> dict:
        return {
            "loss": self.loss, "F_enclosure": self.F_enclosure, "radius": self.radius,
            "accept_radius": self.accept_radius, "location_radius": self.location_radius,
            "lambda_lower": self.lam, "L_upper": self.L, "lambda0_lower": self.lam0,
            "Lambda0_upper": self.Lam0, "eps": self.eps, "beta": self.beta, "max_step": self.max_step,
            "dimension": int(self.W.size), "n": int(self.W.shape[0]), "d": int(self.W.shape[1]),
            "arithmetic": f"arb ball arithmetic (python-flint), {PREC}-bit midpoints",
        }


class CertificateFailed(Exception):
    """The hypotheses of the theorem could not be proved at this point (the reason is the message)."""


def certify_minimum(W: Array, V: Array) -> CertifiedMinimum:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # small dense LAPACK calls: threads only contend on a shared machine
        return _certify_minimum(W, V)


def _certify_minimum(W: Array, V: Array) -> CertifiedMinimum:
    """Prove (module docstring, (i)–(iv)) that the float point W is near a strict local minimum,
    with the largest radius ρ this proof allows; CertificateFailed naming the failing hypothesis."""
    W = obj._as_weights(W)
    V = obj._check_teacher(W, V)
    enc = enclose(W, V)
    H = enc["H"]
    Hm = _mid(H)
    if not np.all(np.isfinite(Hm)):
        raise CertificateFailed("the Hessian enclosure is not finite (an exactly parallel pair: sin θ = 0)")
    ev = np.linalg.eigvalsh(Hm)
    if not ev[0] > 0:
        raise CertificateFailed(f"the Hessian is not positive definite (λ̂_min = {ev[0]:.3g})")
    lam0 = lam_try = None
    for frac in (1e-3, 0.05, 0.5):
        lam_try = float(ev[0] * (1.0 - frac))
        if prove_positive_definite(_shift(H, lam_try, +1), Hm - lam_try * np.eye(len(Hm))):
            lam0 = lam_try
            break
    if lam0 is None:
        raise CertificateFailed(f"λ_min > 0 could not be proved (λ̂_min = {ev[0]:.3g})")
    Lam0 = _gershgorin_upper(H)  # λ_max ≤ max_i Σ_j |H_ij| (cheap; the congruence proof if too loose)
    if not 0.1 * (Lam0 * 1.01) < 1.9:
        Lam0 = None
        for frac in (1e-3, 0.05, 0.5):
            t = float(ev[-1] * (1.0 + frac))
            if prove_positive_definite(_shift(H, t, -1), t * np.eye(len(Hm)) - Hm):
                Lam0 = t
                break
    if Lam0 is None:
        raise CertificateFailed(f"an upper bound on λ_max could not be proved (λ̂_max = {ev[-1]:.3g})")
    with _precision() as flint:
        arb = flint.arb
        eps_b = sum((x * x for g in enc["G"] for x in g.entries()), arb(0)).sqrt()
        eps = arb(_up(eps_b))
        lam0_b = arb(lam0)
        # ρ: λ(ρ) = λ₀ − β(ρ)ρ, aim at λ ≈ λ₀/2; β(ρ) grows with ρ, so recompute and shrink if needed
        beta0 = hessian_lipschitz_bound(W, V, 1e-12)
        if beta0 is None:
            raise CertificateFailed("a zero neuron")
        rho = _down(lam0_b / (2 * beta0))
        for _ in range(60):
            beta = hessian_lipschitz_bound(W, V, rho)
            if beta is not None:
                lam = lam0_b - beta * rho
                if lam > lam0_b / 4 and 2 * eps / lam < arb(rho):
                    break
            rho *= 0.5
        else:
            raise CertificateFailed("no radius satisfies λ > 0 and 2ε/λ < ρ")
        L = arb(Lam0) + beta * rho
        accept = arb(rho) - 2 * eps / lam
        F_lo = enc["F"] - eps * eps / (2 * lam)
        F_x = enc["F"]
        F_enc = [_down(F_lo), _up(F_x)]
        return CertifiedMinimum(
            W=W.copy(), loss=float(F_x.mid()), F_enclosure=F_enc, radius=float(rho),
            accept_radius=_down(accept), location_radius=_up(eps / lam), lam=_down(lam), L=_up(L),
            lam0=lam0, Lam0=Lam0, eps=_up(eps), beta=_up(beta), max_step=_down(2 / L),
        )


def negative_curvature(W: Array, V: Array) -> dict:
    """At a float point W: a unit float vector u (the float eigenvector of λ̂_min) and a ball
    enclosing uᵀ∇²F(W)u. ``proved`` is True when that ball lies below 0 — then W is provably
    not a local minimum of the quadratic model (∇²F(W) has a negative direction)."""
    from threadpoolctl import threadpool_limits

    W = obj._as_weights(W)
    V = obj._check_teacher(W, V)
    with threadpool_limits(1):
        ev, vec = np.linalg.eigh(obj.hessian(W, V))
    u = vec[:, 0]
    enc = enclose(W, V)
    with _precision() as flint:
        ua = flint.arb_mat(len(u), 1, [float(t) for t in u])
        q = (ua.transpose() * enc["H"] * ua)[0, 0]
        nrm = (ua.transpose() * ua)[0, 0]
        val = q / nrm
        return {"lambda_min_float": float(ev[0]), "rayleigh_upper": _up(val), "proved": bool(val < 0)}


def polish(W: Array, V: Array, max_steps: int = 8, target: float = 1e-14) -> Array | None:
    """Newton's method from W (float): the near-critical point the certificate is centred on.
    None if the Hessian is singular there or the iteration does not reduce ‖∇F‖ below ``target``
    relative to its start (a saddle or a degenerate point: no certificate to try)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        try:
            return _polish(np.array(W, dtype=float), V, max_steps, target)
        except ValueError:  # Newton left the domain (a zero neuron, overflow): no point to certify
            return None


def _polish(X: Array, V: Array, max_steps: int, target: float) -> Array | None:
    for _ in range(max_steps):
        F, G = obj.loss_and_gradient(X, V)
        g = float(np.linalg.norm(G))
        if g <= target:
            return X
        try:
            step = np.linalg.solve(obj.hessian(X, V), G.ravel()).reshape(X.shape)
        except np.linalg.LinAlgError:
            return None
        X = X - step
        if not np.all(np.isfinite(X)) or np.any(np.linalg.norm(X, axis=1) == 0):
            return None
    g = float(np.linalg.norm(obj.gradient(X, V)))
    return X if g <= 1e3 * target else None


# ------------------------------------------------------------------ symmetries and the decision
def is_identity_teacher(V: Array) -> bool:
    return V.shape[0] == V.shape[1] and bool(np.array_equal(V, np.eye(V.shape[0])))


def align(Y: Array, X: Array, permute_coordinates: bool) -> Array:
    """Y moved by a symmetry of F towards X: student rows permuted (and, for v_j = e_j, the
    coordinates permuted too), by assignment problems on sorted columns, then on rows. A
    heuristic choice of the symmetry; its distance to X is tested rigorously by the caller."""
    if permute_coordinates:
        sy, sx = np.sort(Y, axis=0), np.sort(X, axis=0)
        cost = ((sy[:, :, None] - sx[:, None, :]) ** 2).sum(0)  # (d_Y, d_X)
        r, c = linear_sum_assignment(cost)
        Q = np.empty(Y.shape[1], dtype=int)
        Q[c] = r
        Y = Y[:, Q]
    cost = ((Y[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    r, c = linear_sum_assignment(cost)
    P = np.empty(Y.shape[0], dtype=int)
    P[c] = r
    return Y[P]


def distance_below(Y: Array, X: Array, r) -> bool:
    """Rigorous: ‖Y − X‖ < r (ball arithmetic on the exact float entries; r a float or an arb)."""
    with _precision() as flint:
        arb = flint.arb
        d2 = sum(((arb(float(a)) - arb(float(b))) ** 2 for a, b in zip(Y.ravel(), X.ravel())), arb(0))
        return bool(d2.sqrt() < (r if isinstance(r, arb) else arb(float(r))))


def _inside(Y: Array, m: CertifiedMinimum) -> bool:
    """Rigorous: ‖Y − x̃‖ < r_accept (its float value is rounded down, so this is a proof)."""
    return distance_below(Y, m.W, m.accept_radius)


class Certifier:
    """The certified minima of one (teacher, width) row and the decision of runs against them.

    ``decide(Y, F, step)`` returns the index of a certified minimum x* such that GD with ``step``
    from the point Y (up to a symmetry) provably converges to x*, or None. New minima are proved
    on demand (``create=True``) from Newton-polished copies of Y. Every attempt and every failure
    is counted (``stats``)."""

    def __init__(self, V: Array) -> None:
        self.V = np.asarray(V, dtype=float)
        self.minima: list[CertifiedMinimum] = []
        self.perm_coords = is_identity_teacher(self.V)
        self.stats = {"match_attempts": 0, "matched": 0, "created": 0, "create_failed": 0,
                      "polish_failed": 0, "failures": []}

    # a run within this of a proved minimum's loss is taken to be on its way there: no new proof
    # is attempted for it before it converges (LEVEL_TOL ≫ λ·r²/2 for the accept radii r ≲ 1e-4
    # seen, ≪ the gaps ≳ 1e-4 between the loss levels of distinct minima)
    LEVEL_TOL = 1e-8

    def decide(self, Y: Array, F: float, step: float, create: bool, force: bool = False) -> int | None:
        """The index of a proved minimum GD from Y (with ``step``) converges to, or None.
        ``create``: may prove a new minimum from Y's polish, unless a proved minimum has F within
        LEVEL_TOL (``force``: regardless)."""
        for idx, m in enumerate(self.minima):
            # a necessary condition, cheap: on the accept ball F − F(x*) ≤ L·ρ²/2
            if abs(F - m.loss) > m.L * m.radius**2 + 1e-12 or not step < m.max_step:
                continue
            self.stats["match_attempts"] += 1
            A = align(Y, m.W, self.perm_coords)
            if float(np.linalg.norm(A - m.W)) < m.accept_radius and _inside(A, m):
                self.stats["matched"] += 1
                return idx
        if not (create or force):
            return None
        if not force and any(abs(F - m.loss) <= self.LEVEL_TOL for m in self.minima):
            return None
        X = polish(Y, self.V)
        if X is None:
            self.stats["polish_failed"] += 1
            return None
        try:
            m = certify_minimum(X, self.V)
        except CertificateFailed as exc:
            self.stats["create_failed"] += 1
            self.stats["failures"].append({"loss": float(F), "reason": str(exc)})
            return None
        self.minima.append(m)
        self.stats["created"] += 1
        if step < m.max_step and _inside(Y, m):
            return len(self.minima) - 1
        return None
