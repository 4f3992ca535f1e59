"""The explicit points of numerics.basins.probability, checked against their docstrings by hand
(SS16.Thm3 key step, SS16.Thm5 construction), and the "active neuron" boundary of the lower bound
and of the Thm5 necessary event.

* :func:`thm5_construction`: the serving neuron's u_i = v'_i w'_i solves ⟨u_i, c_l⟩ = z_l with
  z_l = b_i·max(|ŷ_l|, η) on the clusters it serves and η·b_i·a_il on the others, η = 2δY/σ_min;
  with orthonormal centres u_i = z, so W', v' and the loss are computed here by hand.
* :func:`thm3_key_step`: w'_j = (‖w_i*‖/‖P w_j‖)·w_j, v'_j = v_i*, the loss of that point, and the
  cap chord √ε/(nB) with n = 2 targets and B = 2 (so n·B differs from n/B and from n, B alone).
* A neuron is active on x iff ⟨w, x⟩ > 0 and has output sign sign v; a zero pre-activation or a
  zero output weight covers nothing (the prediction there is 0).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics.basins.probability import bas_lower_bound, thm3_key_step, thm5_construction, thm5_necessary_event
from numerics.datasets import ClusteredData, RealizableData

EXACT = 1e-15  # a few ulps of O(1) quantities: every value below is a handful of float operations


def _two_clusters(X, y, y_hat):
    C = np.eye(2)  # orthonormal centres: σ_min = 1, pinv(C) = I
    label = np.argmax(X, axis=1)
    return ClusteredData(X=np.asarray(X, float), y=np.asarray(y, float), centers=C, label=label,
                         radii=np.full(2, 0.05), y_hat=np.asarray(y_hat, float), c=1.0, B=1.5, gamma=0.0)


# neuron 0: ⟨w, c⟩ = (1, −½), clean (|⟨w, c_j⟩| > 0.05‖w‖), b = + → serves cluster 0 (ŷ > 0);
# neuron 1: ⟨w, c⟩ = (−½, 1), clean, b = − → serves cluster 1 (ŷ < 0)
W0 = np.array([[1.0, -0.5], [-0.5, 1.0]])
V0 = np.array([1.0, -1.0])


def test_thm5_construction_solves_the_documented_linear_conditions():
    # ŷ = (2, −1): Y = 3, δ = 0.05, η = 2δY/σ_min = 0.3
    # neuron 0: b = +, a = (+, −): z = (max(2, η), −η) = (2, −0.3)
    # neuron 1: b = −, a = (−, +): z = (−η·(−1), −max(1, η)) = (0.3, −1)
    X = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.04]]
    con = thm5_construction(_two_clusters(X, [2.0, -1.0, 2.0], [2.0, -1.0]), W0, V0)
    assert con.good and con.feasible
    U = con.v[:, None] * con.W  # u_i = v'_i w'_i
    np.testing.assert_allclose(U, [[2.0, -0.3], [0.3, -1.0]], rtol=0, atol=EXACT)
    np.testing.assert_allclose(np.linalg.norm(con.W, axis=1), 1.0, rtol=0, atol=EXACT)  # ‖w'_i‖ = 1
    assert np.all(np.sign(con.v) == np.sign(V0))  # v'_i has the sign of v_i
    # on x = (1, 0.04): neuron 0 predicts ⟨u_0, x⟩ = 2 − 0.012, neuron 1 is off (⟨u_1, x⟩ = 0.3 − 0.04 > 0
    # but w'_1 = −u_1/‖u_1‖); the centres are fitted exactly: L = 0.012²/3
    assert con.loss == pytest.approx(0.012**2 / 3, rel=1e-9)  # rel: 0.012 is a difference of O(1) terms


def test_thm5_construction_raises_small_targets_to_eta():
    # ŷ = (2, −0.1): Y = 2.1, η = 0.21 > |ŷ_1|: neuron 1's own target becomes −max(0.1, η) = −0.21
    X = [[1.0, 0.0], [0.0, 1.0]]
    con = thm5_construction(_two_clusters(X, [2.0, -0.1], [2.0, -0.1]), W0, V0)
    assert con.good and con.feasible
    U = con.v[:, None] * con.W
    np.testing.assert_allclose(U, [[2.0, -0.21], [0.21, -0.21]], rtol=0, atol=EXACT)
    assert con.loss == pytest.approx(0.11**2 / 2, rel=1e-9)  # prediction −0.21 on the target −0.1


def test_thm5_construction_leaves_the_unused_neurons_at_output_weight_zero():
    W = np.vstack([W0, [[-1.0, -1.0]]])  # neuron 2 is clean but inactive on both balls: it serves nothing
    v = np.array([1.0, -1.0, 1.0])
    con = thm5_construction(_two_clusters([[1.0, 0.0], [0.0, 1.0]], [2.0, -1.0], [2.0, -1.0]), W, v)
    assert con.good and con.feasible
    assert con.v[2] == 0.0 and np.array_equal(con.W[2], W[2])  # v' = 0, w' = w
    assert con.loss == pytest.approx(0.0, abs=1e-30)  # both centres fitted exactly (see above)


def test_thm5_construction_reports_a_tiny_violation_of_the_basin_constraints():
    """The serving neuron ends along the centre (1, 0); a data point x = (−5e−12, 1) with
    ⟨w, x⟩ > 0 then has ⟨w', x⟩ = −5e−12 of the wrong sign: 5e−12 ≫ the rounding of ⟨w', x⟩
    (≈ 1e−16 here), so the point is not in the basin's closure."""
    X = np.array([[1.0, 0.0], [-5e-12, 1.0]])
    data = ClusteredData(X=X, y=np.array([1.0, 1.0]), centers=np.array([[1.0, 0.0]]),
                         label=np.zeros(2, dtype=np.int64), radii=np.array([0.05]), y_hat=np.array([1.0]),
                         c=1.0, B=1.0, gamma=0.0)
    con = thm5_construction(data, np.array([[0.1, 1.0]]), np.array([1.0]))
    assert con.good and not con.feasible
    assert con.W[0].tolist() == [1.0, 0.0]


def _realizable_two_targets():
    # targets w* = e₁, e₂ with v* = 2: B = max|v*|‖w*‖ = 2; y = 2[x₁]₊ + 2[x₂]₊ on X = I
    X = np.eye(2)
    return RealizableData(X=X, y=np.array([2.0, 2.0]), W_star=np.eye(2), v_star=np.array([2.0, 2.0]), B=2.0,
                          rank=2, basis=np.eye(2))


def test_thm3_key_step_rescales_the_matched_neurons_and_reports_their_loss():
    data = _realizable_two_targets()
    W = np.array([[3.0, 0.6], [0.2, 1.0]])  # directions at angle atan(0.2) from e₁, e₂
    ks = thm3_key_step(data, W, np.array([5.0, 0.5]), eps=0.16)
    assert ks.assignment.tolist() == [0, 1]
    r = math.hypot(1.0, 0.2)
    np.testing.assert_allclose(ks.W, [[1 / r, 0.2 / r], [0.2 / r, 1 / r]], rtol=0, atol=EXACT)  # ‖w*‖/‖w‖·w
    assert ks.v.tolist() == [2.0, 2.0]  # v' = v*
    np.testing.assert_allclose(ks.distances, math.sqrt(2 - 2 / r), rtol=1e-12)  # ‖ŵ − e‖ for unit vectors
    # prediction on e₁ (and on e₂): 2/r + 2·0.2/r against 2
    assert ks.loss == pytest.approx((2.4 / r - 2.0) ** 2, rel=1e-12)


def test_thm3_caps_have_chord_sqrt_eps_over_n_times_b():
    """n = 2 targets, B = 2, ε = 0.16: chord √ε/(nB) = 0.1. Neurons at distance ≈ 0.197 of their
    targets are outside the caps (they would be inside with √ε/(n/B) = 0.4 or √ε·nB = 1.6);
    at distance ≈ 0.05 inside."""
    data = _realizable_two_targets()
    far = thm3_key_step(data, np.array([[1.0, 0.2], [0.2, 1.0]]), np.array([1.0, 1.0]), eps=0.16)
    assert far.assignment.tolist() == [0, 1] and not far.in_caps
    near = thm3_key_step(data, np.array([[1.0, 0.05], [0.05, 1.0]]), np.array([1.0, 1.0]), eps=0.16)
    assert near.in_caps and float(near.distances.max()) < 0.1


def test_thm3_key_step_gives_no_neuron_to_a_target_without_one_of_its_sign():
    """Both neurons have b = −, both targets v* = +: no usable neuron, assignment −1, the point
    predicts 0 everywhere (L = mean y² = 4) and the caps event fails."""
    data = _realizable_two_targets()
    ks = thm3_key_step(data, np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([-1.0, -1.0]), eps=0.16)
    assert ks.assignment.tolist() == [-1, -1] and not ks.in_caps
    assert ks.v.tolist() == [0.0, 0.0] and ks.loss == 4.0


# --------------------------------------------------------------------------- "active" boundary
def test_a_zero_pre_activation_or_a_zero_output_weight_covers_nothing_in_the_lower_bound():
    X = np.array([[1.0, 0.0]])
    # ⟨w, x⟩ = 0: the neuron predicts 0 on x
    assert bas_lower_bound(X, np.array([1.0]), np.array([[0.0, 1.0]]), np.array([1.0])) == 1.0
    # active, but v = 0 is neither a + nor a − neuron
    assert bas_lower_bound(X, np.array([1.0]), np.array([[1.0, 0.0]]), np.array([0.0])) == 1.0
    assert bas_lower_bound(X, np.array([-2.0]), np.array([[1.0, 0.0]]), np.array([0.0])) == 4.0
    # controls: an active neuron of the target's sign covers it
    assert bas_lower_bound(X, np.array([1.0]), np.array([[1.0, 0.0]]), np.array([0.5])) == 0.0
    assert bas_lower_bound(X, np.array([-2.0]), np.array([[1.0, 0.0]]), np.array([-0.5])) == 0.0


def test_a_zero_pre_activation_or_a_zero_output_weight_fails_the_thm5_necessary_event():
    X = np.array([[1.0, 0.0]])
    data = ClusteredData(X=X, y=np.array([1.0]), centers=X.copy(), label=np.zeros(1, dtype=np.int64),
                         radii=np.array([0.1]), y_hat=np.array([1.0]), c=1.0, B=1.0, gamma=0.0)
    assert not thm5_necessary_event(data, np.array([[0.0, 1.0]]), np.array([1.0]))  # ⟨w, x⟩ = 0
    assert not thm5_necessary_event(data, np.array([[1.0, 0.0]]), np.array([0.0]))  # v = 0
    assert thm5_necessary_event(data, np.array([[1.0, 0.0]]), np.array([0.5]))
