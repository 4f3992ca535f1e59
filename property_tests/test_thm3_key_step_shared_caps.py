"""SS16.Thm3, the key step of the (reconstructed) proof, as a property test with exact basin values.

Setting: ‖x_t‖ ≤ 1, rank X = r, targets y = Σ_i v_i*[⟨w_i*, x⟩]_+ with |v_i*|·‖w_i*‖ ≤ B (B is
taken as the max), squared loss L_S = (1/m)Σ_t(N(x_t) − y_t)², t_ε = √ε/(nB).

Key step: if for every target i some initial neuron j has (a) sign v_j = sign v_i* and (b) its
direction projected on the row space of X, dir_j = Pw_j/‖Pw_j‖, within Euclidean distance t_ε
of ŵ_i* = Pw_i*/‖Pw_i*‖ (angle ≤ θ_ε = 2·arcsin(t_ε/2)), then the stand-in point
    w'_j = w_j/‖Pw_j‖,  v'_j = Σ_{i → j} v_i*·‖Pw_i*‖,  every other neuron (0, 0)
lies in the closure of the initialization's basin (w'_j is a positive multiple of w_j, v'_j has
the sign of v_j) and has L_S ≤ ε, since |N'(x_t) − y_t| ≤ Σ_i |v_i*|‖Pw_i*‖·‖dir_j − ŵ_i*‖ ≤
n·B·t_ε = √ε. Hence Bas(W, v) ≤ ε — checked with the certified basin engine
(numerics.basin.basin_value_at, SS16.Lemma1). Several targets of the same output sign may share
one neuron (overlapping caps; instances with ``share`` force it), so the union bound over the
caps ("every cap holds a neuron of the right sign") suffices and no distinct matching is
needed. On instances with distinct neurons the project's own construction,
numerics.basin_probability.thm3_key_step, is cross-checked (in_caps and loss ≤ ε).

Negative control: drop condition (a) — a neuron in the cap with the wrong output sign. The
stand-in then leaves the basin, and Bas(W, v) = L_S(0) > ε is exhibited.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerics.basins import basin_value_at, network_loss, sign_pattern
from numerics.basins.probability import thm3_key_step
from numerics.datasets import RealizableData, check_realizable
from overspec.testing import ClaimRejected

BAS_TOL_FACTOR = 1e-6  # Clarabel tol 1e-8 × the engine's CERT_FACTOR 100: |Bas − true| ≤ 1e-6·(1+|Bas|)


def row_space_projector(X: np.ndarray) -> tuple[np.ndarray, int]:
    """Orthogonal projector P onto the row space of X and r = rank X (SVD, relative cut 1e-10)."""
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    r = int(np.sum(s > 1e-10 * s[0]))
    V = Vt[:r].T
    return V @ V.T, r


def check_key_step(X, y, Wstar, vstar, W, v, eps: float, require_sign: bool = True) -> dict:
    """The key step on one instance; ClaimRejected when the stand-in leaves the basin or Bas > ε."""
    P, r = row_space_projector(X)
    n_t = Wstar.shape[0]
    PWs = Wstar @ P
    norms_s = np.linalg.norm(PWs, axis=1)
    B = float(np.max(np.abs(vstar) * norms_s))
    t_eps = np.sqrt(eps) / (n_t * B)
    PW = W @ P
    s = np.linalg.norm(PW, axis=1)
    dirs = PW / s[:, None]
    w_hat = PWs / norms_s[:, None]
    Wp = np.zeros_like(W)
    vp = np.zeros_like(v)
    chords = []
    for i in range(n_t):
        ok = np.ones(W.shape[0], bool) if not require_sign else np.sign(v) == np.sign(vstar[i])
        dist = np.where(ok, np.linalg.norm(dirs - w_hat[i], axis=1), np.inf)
        j = int(np.argmin(dist))
        if not dist[j] <= t_eps:
            raise ValueError(f"W: no neuron in the cap of target {i} (the good event did not occur)")
        chords.append(float(dist[j]))
        Wp[j] = W[j] / s[j]
        vp[j] += vstar[i] * norms_s[i]
    used = np.flatnonzero(vp != 0)
    A0, b0 = sign_pattern(W, v, X)
    A1, b1 = sign_pattern(Wp[used], vp[used], X)
    if not (np.array_equal(A1, A0[used]) and np.array_equal(b1, b0[used])):
        raise ClaimRejected("the stand-in point is not in the closure of the initialization's basin")
    standin_loss = network_loss(X, y, Wp, vp)
    resid = np.max(np.abs(np.maximum(X @ Wp.T, 0) @ vp - y))
    tol_loss = 1e-12 * (1 + eps)  # rounding of m-term sums of O(1) values
    if standin_loss > eps + tol_loss or resid > np.sqrt(eps) * (1 + 1e-12):
        raise ClaimRejected(f"stand-in loss {standin_loss:.3e} > ε = {eps:.3e} (max residual {resid:.3e})")
    bas = basin_value_at(X, y, W, v)
    tol_bas = BAS_TOL_FACTOR * (1 + abs(bas.value))
    if bas.value > eps + tol_bas:
        raise ClaimRejected(f"Bas(W, v) = {bas.value:.3e} > ε = {eps:.3e}")
    return {"rank": r, "t_eps": float(t_eps), "max_chord": max(chords), "standin_loss": float(standin_loss),
            "bas": float(bas.value), "gap": float(bas.certificate.gap), "shared": int(n_t - used.size)}


def _unit_perp(rng, Q, w_hat):
    g = Q @ rng.standard_normal(Q.shape[1])
    u = g - (g @ w_hat) * w_hat
    return u / np.linalg.norm(u)


def make_instance(seed: int, d: int, r: int, n_t: int, m: int, extra: int, phi_fracs, eps_frac: float,
                  wrong_sign: bool = False, share: bool = False):
    """Realizable rank-r data with ‖x_t‖ ≤ 1, a target net, and an initialization in which each
    target has a neuron at angle phi_frac·θ_ε from ŵ_i* (sign of v_j = sign v_i* unless
    wrong_sign). ``share`` (n_t ≥ 2): target 1 has the output sign of target 0 and a direction
    θ_ε/2 away from it, and gets no neuron of its own — the neuron of target 0, planted between
    them (≤ θ_ε/2 from both), must stand in for both."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, r)))
    X = rng.standard_normal((m, r)) @ Q.T
    X *= (rng.uniform(0.3, 1.0, m) / np.linalg.norm(X, axis=1))[:, None]
    norms = rng.uniform(0.5, 2.0, n_t)
    vstar = rng.standard_normal(n_t)
    if wrong_sign:
        vstar = np.abs(vstar)
    if share:
        vstar[1] = abs(vstar[1]) * np.sign(vstar[0])
    B = float(np.max(np.abs(vstar) * norms))
    # eps: a fraction of (nB)² (so t_ε ≤ 1), or of L_S(0) for the wrong-sign control (set below)
    dirs = [Q @ rng.standard_normal(r) for _ in range(n_t)]
    dirs = [w / np.linalg.norm(w) for w in dirs]
    eps = eps_frac * n_t**2 * B**2
    theta = 2 * np.arcsin(min(np.sqrt(eps) / (n_t * B) / 2, 1.0))
    if np.all(X @ dirs[0] <= 0):  # target 0 inactive on every point: flip it (so y ≠ 0)
        dirs[0] = -dirs[0]
    if share:
        u = _unit_perp(rng, Q, dirs[0])
        dirs[1] = np.cos(theta / 2) * dirs[0] + np.sin(theta / 2) * u
    Wstar = norms[:, None] * np.array(dirs)
    y = np.maximum(X @ Wstar.T, 0) @ vstar
    if wrong_sign:
        eps = eps_frac * float(np.mean(y**2))
        theta = 2 * np.arcsin(min(np.sqrt(eps) / (n_t * B) / 2, 1.0))
    W, v = [], []
    for i in range(n_t):
        if share and i == 1:
            continue
        if share and i == 0:  # halfway between ŵ_0* and ŵ_1*: θ_ε/4 from each (< θ_ε)
            direction = np.cos(theta / 4) * dirs[0] + np.sin(theta / 4) * u
        else:
            phi = phi_fracs[i] * theta * (1 - 1e-9)  # strictly inside the cap
            direction = np.cos(phi) * dirs[i] + np.sin(phi) * _unit_perp(rng, Q, dirs[i])
        perp = rng.standard_normal(d)
        perp -= Q @ (Q.T @ perp)
        W.append(rng.uniform(0.5, 2.0) * direction + perp)
        sign = -np.sign(vstar[i]) if wrong_sign else np.sign(vstar[i])
        v.append(sign * rng.uniform(0.1, 2.0))
    for _ in range(extra):
        W.append(rng.standard_normal(d))
        v.append(rng.standard_normal())
    perm = rng.permutation(len(v))
    return X, y, Wstar, vstar, np.array(W)[perm], np.array(v)[perm], eps


@st.composite
def instances(draw):
    d = draw(st.integers(2, 5))
    r = draw(st.integers(2, min(d, 3)))
    n_t = draw(st.integers(1, 3))
    return dict(
        seed=draw(st.integers(0, 2**31 - 1)), d=d, r=r, n_t=n_t,
        share=draw(st.booleans()) if n_t >= 2 else False,
        m=draw(st.integers(r + 1, 8)), extra=draw(st.integers(0, 2)),
        phi_fracs=draw(st.lists(st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False), min_size=n_t, max_size=n_t)),
        eps_frac=draw(st.floats(1e-4, 0.5, allow_nan=False, allow_subnormal=False)),
    )


@pytest.mark.claim("SS16.Thm3", kind="exact")
def test_neuron_in_cap_with_right_sign_gives_basin_value_at_most_eps(evidence):
    seen: list[dict] = []

    @given(instances())
    def prop(inst):
        X, y, Wstar, vstar, W, v, eps = make_instance(**inst)
        out = check_key_step(X, y, Wstar, vstar, W, v, eps)
        if not inst["share"]:  # distinct neurons: the project's construction must agree
            B = float(np.max(np.abs(vstar) * np.linalg.norm(Wstar, axis=1)))
            rank, basis = check_realizable(X, y, Wstar, vstar, B)
            data = RealizableData(X=X, y=y, W_star=Wstar, v_star=vstar, B=B, rank=rank, basis=basis)
            ks = thm3_key_step(data, W, v, eps)
            if not (ks.in_caps and ks.loss <= eps + 1e-12 * (1 + eps)):
                raise ClaimRejected(f"numerics thm3_key_step: in_caps={ks.in_caps}, loss {ks.loss:.3e} vs ε {eps:.3e}")
        seen.append(dict(eps=eps, shared_instance=inst["share"], **out))

    prop()
    evidence.record(
        examples=len(seen),
        max_standin_loss_over_eps=max(e["standin_loss"] / e["eps"] for e in seen),
        max_bas_over_eps=max(e["bas"] / e["eps"] for e in seen),
        max_certificate_gap=max(e["gap"] for e in seen),
        max_chord_over_t_eps=max(e["max_chord"] / e["t_eps"] for e in seen),
        examples_with_shared_neuron=sum(e["shared"] > 0 for e in seen),
        shared_instances=sum(e["shared_instance"] for e in seen),
    )
    evidence.tolerance("bas", BAS_TOL_FACTOR, "Clarabel tolerance 1e-8 × the engine's certificate factor 100, relative to 1 + |Bas|")
    evidence.tolerance("standin_loss", 1e-12, "rounding of m-term sums of O(1) terms, relative to 1 + ε")


@pytest.mark.claim("SS16.Thm3", kind="exact", control=True)
def test_neuron_in_cap_with_wrong_output_sign_is_rejected(evidence):
    seen: list[float] = []

    @given(seed=st.integers(0, 2**31 - 1), d=st.integers(2, 5), m=st.integers(3, 8),
           phi=st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False),
           eps_frac=st.floats(0.05, 0.9, allow_nan=False, allow_subnormal=False))
    def prop(seed, d, m, phi, eps_frac):
        X, y, Wstar, vstar, W, v, eps = make_instance(seed, d, 2, 1, m, 0, [phi], eps_frac, wrong_sign=True)
        assert eps > 0  # y ≠ 0: target 0 is active on some point by construction
        with pytest.raises(ClaimRejected, match="not in the closure"):
            check_key_step(X, y, Wstar, vstar, W, v, eps, require_sign=False)
        bas = basin_value_at(X, y, W, v).value  # the conclusion fails too: Bas = L_S(0) > ε
        if not bas > eps:
            raise AssertionError(f"Bas = {bas} ≤ ε = {eps}: the mutation is not a counterexample")
        seen.append(bas / eps)

    prop()
    evidence.record(mutation="output sign of the cap neuron opposite to v_i*", rejected=True,
                    examples=len(seen), min_bas_over_eps=min(seen))
