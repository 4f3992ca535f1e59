"""SS16.Thm3, key step (reconstruction, CLAIMS.md), for the construction the Monte Carlo check of
tests/test_claims_thm3_stat.py relies on (numerics.basin_probability.thm3_key_step).

A neuron whose row-space direction lies in the cap of chord √ε/(nB) around ŵ_i*, with output sign
sign v_i*, can stand in for target neuron i.

Property: on realizable data (‖x_t‖ ≤ 1, |v_i*|·‖w_i*‖ ≤ B), for any initialization containing one
such neuron per target (distinct neurons, any direction component off the row space, any
positive scales, any extra neurons), the point built by thm3_key_step lies in the closure of the
initialization's basin (same signs on every x_t for the rescaled neurons, output weights of the
same sign or 0, the other neurons' hidden weights untouched) and has L_S ≤ ε; hence Bas ≤ ε. On
small instances the basin engine confirms Bas ≤ ε.

Negative control: neurons placed at three times the cap's angle make the loss exceed ε for some
seeds — the cap radius of the argument is needed.

(property_tests/test_thm3_key_step_shared_caps.py, written by another helper, checks the same
step with shared neurons and the certified engine; this file pins the construction used for
the statistical evidence.)
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.basins import basin_value_at
from numerics.basins.probability import thm3_key_step
from numerics.datasets import realizable_lowrank_data
from overspec.profiles import scaled_examples

ROUNDING = 1e-12  # relative slack: the loss is a mean of squares of O(1) sums of ≤ 10 terms in float64
ENGINE_TOL = 1e-7  # Clarabel's accuracy (gap 1e-8) ×10 on basin values ≤ 1


def _cap_init(data, eps: float, rng: np.random.Generator, extra: int, angle_factor: float):
    """One neuron per target at angle ≤ angle_factor·θ_ε (θ_ε = 2 arcsin(√ε/(2nB))) from ŵ_i* in
    the row space (uniform in [0, θ_ε] for factor ≤ 1, exactly factor·θ_ε otherwise), plus a random
    off-row-space component, plus ``extra`` random neurons, in random order."""
    n_t = data.W_star.shape[0]
    Q = data.basis  # d × r
    t = math.sqrt(eps) / (n_t * data.B)
    theta = 2.0 * math.asin(t / 2.0)
    W, v = [], []
    for i in range(n_t):
        s = data.W_star[i] @ Q
        s /= np.linalg.norm(s)
        u = rng.standard_normal(Q.shape[1])
        u -= (u @ s) * s
        u /= np.linalg.norm(u)
        phi = angle_factor * theta * (rng.uniform(0.0, 1.0) if angle_factor <= 1 else 1.0)
        direction = math.cos(phi) * s + math.sin(phi) * u
        off = rng.standard_normal(Q.shape[0])
        off -= Q @ (Q.T @ off)  # orthogonal to the row space: invisible to the data
        W.append(rng.uniform(0.1, 10.0) * (Q @ direction) + rng.uniform(0.0, 3.0) * off)
        v.append(np.sign(data.v_star[i]) * rng.uniform(0.1, 10.0))
    for _ in range(extra):
        W.append(rng.standard_normal(Q.shape[0]))
        v.append(rng.standard_normal())
    perm = rng.permutation(len(W))
    return np.array(W)[perm], np.array(v)[perm]


@settings(max_examples=scaled_examples(1))
@given(
    seed=st.integers(0, 2**31 - 1),
    n_t=st.integers(1, 3),
    rank=st.integers(2, 4),
    B=st.floats(0.5, 3.0, allow_nan=False, allow_subnormal=False),
    eps_frac=st.floats(0.01, 0.9, allow_nan=False, allow_subnormal=False),
    extra=st.integers(0, 6),
)
def test_cap_neurons_give_a_point_in_the_basin_with_loss_at_most_eps(seed, n_t, rank, B, eps_frac, extra):
    rng = np.random.default_rng(seed)
    data = realizable_lowrank_data(12, 5, rank, n_t, B, rng)
    eps = eps_frac * float(np.mean(data.y**2)) + 1e-6  # below L_S(0) (up to 1e-6): not trivial
    W, v = _cap_init(data, eps, rng, extra, angle_factor=1.0)
    ks = thm3_key_step(data, W, v, eps)
    assert ks.in_caps
    assert ks.loss <= eps * (1 + ROUNDING)
    used = ks.assignment
    assert np.all(used >= 0) and len(set(used.tolist())) == n_t
    assert np.array_equal(np.sign(ks.W[used] @ data.X.T), np.sign(W[used] @ data.X.T))
    assert np.all((np.sign(ks.v) == np.sign(v)) | (ks.v == 0))
    others = np.setdiff1d(np.arange(W.shape[0]), used)
    assert np.array_equal(ks.W[others], W[others]) and np.all(ks.v[others] == 0)


@settings(max_examples=scaled_examples(5))
@given(
    seed=st.integers(0, 2**31 - 1),
    n_t=st.integers(1, 2),
    eps_frac=st.floats(0.05, 0.9, allow_nan=False, allow_subnormal=False),
)
def test_basin_engine_confirms_bas_at_most_eps(seed, n_t, eps_frac):
    rng = np.random.default_rng(seed)
    data = realizable_lowrank_data(10, 4, 2, n_t, 1.0, rng)
    eps = eps_frac * float(np.mean(data.y**2)) + 1e-6
    W, v = _cap_init(data, eps, rng, 2, angle_factor=1.0)
    bas = basin_value_at(data.X, data.y, W, v).value
    assert bas <= thm3_key_step(data, W, v, eps).loss + ENGINE_TOL
    assert bas <= eps + ENGINE_TOL


def test_negative_control_neurons_outside_the_cap_can_exceed_eps():
    """Mutation: the neuron sits at 3θ_ε (outside the cap); the key-step loss then exceeds ε for
    some seeds (14 of these 20) — the cap radius is needed."""
    exceeded = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        data = realizable_lowrank_data(12, 5, 2, 1, 1.0, rng)
        eps = 0.2 * float(np.mean(data.y**2))
        W, v = _cap_init(data, eps, rng, 0, angle_factor=3.0)
        exceeded += thm3_key_step(data, W, v, eps).loss > eps
    assert exceeded >= 5
