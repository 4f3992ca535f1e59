"""Full-row-rank closed forms (SS16.Thm4), the Thm3 key-step fallback and the Thm5 construction's
scales and feasibility slack in numerics.basins.probability, by hand.

* full_rank_bas: only a_it = +1 makes neuron i active on x_t (a_it = 0 is not active);
* full_rank_alpha(y, 1) = min(Σ_{y<0} y², Σ_{y>0} y²)/m — with the negative side the smaller;
* full_rank_block_trial counts #{Bas ≤ α} for any α, on the law's own draws (a law with exact
  zeros in w and v is replayed net by net through full_rank_bas);
* thm3_key_step falls back to the least-distance matching when no neuron is in any cap;
* thm5_constant / thm5_construction with σ_min(Cᵀ) = 2 (centres 2e₁, 2e₂), a neuron that cuts a
  ball is not clean, and the feasibility slack 1e−12·max‖x_t‖.
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics.basins.probability import (
    full_rank_alpha,
    full_rank_bas,
    full_rank_block_trial,
    thm3_key_step,
    thm5_constant,
    thm5_construction,
)
from numerics.datasets import ClusteredData, RealizableData

EXACT = 1e-14  # pinv(2I) by SVD and a few float operations on O(1) values: rounding well below this


def test_a_zero_sign_entry_is_not_active_in_the_full_rank_closed_form():
    assert full_rank_bas(np.array([1.0]), np.array([[0]]), np.array([1])) == 1.0
    assert full_rank_bas(np.array([1.0]), np.array([[1]]), np.array([1])) == 0.0  # control


def test_full_rank_alpha_at_width_one_when_the_negative_targets_are_cheaper():
    # Σ_{y<0} y² = 1, Σ_{y>0} y² = 0.25 + 9 = 9.25, m = 3: the neuron fits the positive targets, α = 1/3
    assert full_rank_alpha(np.array([0.5, 3.0, -1.0]), 1) == pytest.approx(1.0 / 3.0, abs=1e-15)
    assert full_rank_alpha(np.array([3.0, -1.0]), 1) == pytest.approx(0.5, abs=1e-15)


class _LawWithZeros:
    """Gaussian rows (w, v) with v = 0 on every other neuron and w ⟂ e₀ on every third."""

    def sample(self, rng, n, D):
        Z = rng.standard_normal((n, D))
        Z[::2, -1] = 0.0
        Z[1::3, 0] = 0.0
        return Z


def _replay_full_rank(seed, X, y, n, alpha, block):
    Z = _LawWithZeros().sample(np.random.default_rng(seed), block * n, X.shape[1] + 1).reshape(block, n, -1)
    d = X.shape[1]
    return sum(full_rank_bas(y, np.sign(Z[i, :, :d] @ X.T), np.sign(Z[i, :, d])) <= alpha for i in range(block))


@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_full_rank_block_trial_replays_through_the_closed_form(alpha):
    """X = I₃, y = (1, −1, 0.5): Bas ∈ {0, 1/12, 1/3, …}; α = 0.3 also counts Bas = 1/12 (only the
    0.5-target missed) and not 1/3, so the scale of Bas matters."""
    X, y = np.eye(3), np.array([1.0, -1.0, 0.5])
    got = full_rank_block_trial(np.random.default_rng(3), 0, X=X, y=y, n=3, alpha=alpha, block=300,
                                law=_LawWithZeros())
    want = _replay_full_rank(3, X, y, 3, alpha, 300)
    assert got == want and 0 < want < 300


def test_full_rank_block_trial_counts_more_at_a_larger_alpha():
    X, y = np.eye(3), np.array([1.0, -1.0, 0.5])
    k0, k1 = (full_rank_block_trial(np.random.default_rng(3), 0, X=X, y=y, n=3, alpha=a, block=300,
                                    law=_LawWithZeros()) for a in (0.0, 0.3))
    assert k0 < k1


def _realizable():
    return RealizableData(X=np.eye(2), y=np.array([1.0, 1.0]), W_star=np.eye(2), v_star=np.ones(2), B=1.0,
                          rank=2, basis=np.eye(2))


def test_thm3_key_step_falls_back_when_no_neuron_is_in_any_cap():
    # ε = 0.04: chord 0.1; both neurons ≈ 0.2 from their nearest target: no cap holds any neuron
    ks = thm3_key_step(_realizable(), np.array([[0.2, 1.0], [1.0, 0.2]]), np.ones(2), 0.04)
    assert ks.assignment.tolist() == [1, 0] and not ks.in_caps
    assert np.all(ks.distances < 0.25)


def test_thm3_caps_event_fails_for_a_target_without_a_neuron_even_with_unbounded_caps():
    # ε = ∞: every cap is the whole sphere, but target 1 (v* < 0) has no neuron of its sign
    data = RealizableData(X=np.eye(2), y=np.array([1.0, 0.0]), W_star=np.eye(2), v_star=np.array([1.0, -1.0]),
                          B=1.0, rank=2, basis=np.eye(2))
    ks = thm3_key_step(data, np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, 1.0]), float("inf"))
    assert ks.assignment[1] == -1 and ks.assignment[0] >= 0
    assert not ks.in_caps


def _scaled_clusters(X, y, y_hat, scale=2.0):
    C = scale * np.eye(2)  # σ_min(Cᵀ) = 2
    return ClusteredData(X=np.asarray(X, float), y=np.asarray(y, float), centers=C,
                         label=np.argmax(X, axis=1), radii=np.full(2, 0.05), y_hat=np.asarray(y_hat, float),
                         c=scale, B=3.0, gamma=0.0)


W0 = np.array([[1.0, -0.5], [-0.5, 1.0]])  # clean; neuron 0 active on c₀ only, neuron 1 on c₁ only
V0 = np.array([1.0, -1.0])


def test_thm5_constant_divides_by_sigma_min():
    data = _scaled_clusters([[2.0, 0.0], [0.0, 2.0]], [2.0, -1.0], [2.0, -1.0])
    # k = 2, Y = 3, σ_min = 2, γ = 0: K = (4·2·3/2)² = 144
    assert thm5_constant(data) == pytest.approx(144.0, rel=1e-12)


def test_thm5_construction_eta_divides_by_sigma_min():
    # η = 2δY/σ_min = 2·0.05·3/2 = 0.15; u_i = pinv(2I) z = z/2:
    # neuron 0: z = (2, −η) → u = (1, −0.075); neuron 1: z = (η, −1) → u = (0.075, −0.5)
    data = _scaled_clusters([[2.0, 0.0], [0.0, 2.0]], [2.0, -1.0], [2.0, -1.0])
    con = thm5_construction(data, W0, V0)
    assert con.good and con.feasible
    np.testing.assert_allclose(con.v[:, None] * con.W, [[1.0, -0.075], [0.075, -0.5]], rtol=0, atol=EXACT)


def test_a_neuron_whose_hyperplane_cuts_another_ball_does_not_serve():
    # ⟨w, c⟩ = (2, 0.02) with ‖w‖·δ ≈ 0.05 > 0.02: the hyperplane cuts ball 1, so the neuron is not
    # clean although it is active on ball 0 with the right sign; ŷ₁ = 0 needs nobody
    data = _scaled_clusters([[2.0, 0.0], [0.0, 2.0]], [1.0, 0.0], [1.0, 0.0])
    con = thm5_construction(data, np.array([[1.0, 0.01]]), np.array([1.0]))
    assert not con.good and not con.feasible and con.W is None and np.isnan(con.loss)
    ok = thm5_construction(data, np.array([[1.0, -0.5]]), np.array([1.0]))  # control: clean
    assert ok.good and ok.feasible


def _one_cluster(X):
    X = np.asarray(X, float)
    return ClusteredData(X=X, y=np.ones(len(X)), centers=np.array([[1.0, 0.0]]), label=np.zeros(len(X), dtype=np.int64),
                         radii=np.array([0.05]), y_hat=np.array([1.0]), c=1.0, B=10.0, gamma=0.0)


def test_thm5_feasibility_slack_scales_with_the_largest_data_norm():
    """w' = (1, 0) (along the centre); on x = (−5e−12, 1) the constraint is violated by 5e−12, within
    the slack 1e−12·max‖x_t‖ = 1e−11 (max‖x_t‖ = 10): feasible. At −5e−11 it is not."""
    W, v = np.array([[0.1, 1.0]]), np.array([1.0])
    inside = thm5_construction(_one_cluster([[10.0, 0.0], [-5e-12, 1.0]]), W, v)
    assert inside.good and inside.feasible and inside.W[0].tolist() == [1.0, 0.0]
    outside = thm5_construction(_one_cluster([[10.0, 0.0], [-5e-11, 1.0]]), W, v)
    assert outside.good and not outside.feasible
    # a point exactly on w'’s hyperplane is in the closure of the basin
    on = thm5_construction(_one_cluster([[10.0, 0.0], [0.0, 1.0]]), W, v)
    assert on.good and on.feasible
