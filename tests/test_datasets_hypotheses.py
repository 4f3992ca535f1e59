"""numerics.datasets (claims SS16.Thm2, SS16.AppC, SS16.Thm3, SS16.Thm4, SS16.Thm5): every
generator's promised output on small cases, and every validator's hypotheses at their edges — each
failure a ValueError whose message names the hypothesis (and the argument), each boundary case
that the hypothesis allows accepted.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics.datasets import (
    auer_singleton_data,
    check_clusters,
    check_full_row_rank,
    check_realizable,
    check_singleton,
    clustered_data,
    full_row_rank_data,
    realizable_lowrank_data,
    singleton_data,
    thm5_radius_ratio,
)
from overspec.testing import assert_close


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ------------------------------------------------------------------ singleton data (SS16.Thm2, App. C)


def test_check_singleton_returns_the_coordinate_and_scale_of_each_row():
    X = [[0.0, -2.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.5], [0.0, 1.0, 0.0]]  # 4 rows in R^3
    S = check_singleton(X, [1.0, 2.0, 3.0, 4.0])
    assert np.array_equal(S.coord, [1, 0, 2, 1]) and S.coord.dtype == np.int64
    assert np.array_equal(S.scale, [-2.0, 3.0, 0.5, 1.0])


@pytest.mark.parametrize("row, nnz", [([0.0, 0.0], 0), ([1.0, 1.0], 2)])
def test_check_singleton_rejects_a_row_with_zero_or_two_nonzeros(row, nnz):
    with pytest.raises(ValueError, match=rf"^X: hypothesis 'each x_t is a singleton' fails: row 1 has {nnz} non-zero"):
        check_singleton([[1.0, 0.0], row], [0.0, 0.0])


def test_singleton_data_has_per_side_points_of_each_sign_on_every_coordinate():
    S = singleton_data(3, 2, rng(1))
    assert S.X.shape == (12, 3)
    # order: coordinate j, then the + side, then the − side, per_side points each
    assert np.array_equal(S.coord, np.repeat([0, 1, 2], 4))
    assert np.array_equal(np.sign(S.scale), np.tile([1, 1, -1, -1], 3))
    # every one-dimensional problem is non-trivial: Σ |s|·t ≠ 0 on every side
    sides = (np.abs(S.scale) * S.y).reshape(6, 2).sum(axis=1)
    assert np.all(sides != 0)


def test_singleton_data_scales_and_targets_fill_their_integer_ranges():
    S = singleton_data(2, 60, rng(2))  # defaults |s| ≤ 3, |y| ≤ 4; 240 points: every value shows
    assert set(np.abs(S.scale).tolist()) == {1.0, 2.0, 3.0}
    assert set(S.y.tolist()) <= set(range(-4, 5)) and {-4.0, 4.0} <= set(S.y.tolist())
    S1 = singleton_data(1, 1, rng(3), max_scale=1, max_target=1)  # the smallest data set
    assert np.array_equal(S1.X, [[1.0], [-1.0]]) and set(S1.y.tolist()) <= {-1.0, 1.0}


def test_singleton_data_redraws_a_side_whose_problem_is_trivial():
    # per_side = 1, targets in {−1, 0, 1}: a side is trivial iff its target is 0 (a third of the
    # draws over 20 sides), and each such side is redrawn
    S = singleton_data(10, 1, rng(6), max_target=1)
    assert np.all(S.y != 0) and set(S.y.tolist()) == {-1.0, 1.0}


@pytest.mark.parametrize("d, per_side, name", [(0, 1, "d"), (1, 0, "per_side")])
def test_singleton_data_needs_a_coordinate_and_a_point_per_side(d, per_side, name):
    with pytest.raises(ValueError, match=f"^{name}: need at least one"):
        singleton_data(d, per_side, rng())


def test_auer_data_is_e_j_with_target_1_and_minus_e_j_with_target_a():
    S = auer_singleton_data(2, 0.25)
    assert np.array_equal(S.X, [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    assert np.array_equal(S.y, [1.0, 1.0, 0.25, 0.25])
    assert np.array_equal(auer_singleton_data(1).y, [1.0, 0.5])  # default a = 1/2


@pytest.mark.parametrize("d, a, name", [(0, 0.5, "d"), (1, 0.0, "a"), (1, 1.0, "a"), (1, -0.5, "a")])
def test_auer_data_needs_a_coordinate_and_0_lt_a_lt_1(d, a, name):
    with pytest.raises(ValueError, match=f"^{name}: "):
        auer_singleton_data(d, a)


# ------------------------------------------------------------------ full row rank (SS16.Thm4)


def test_full_row_rank_accepts_a_square_invertible_X_and_rejects_more_rows_than_columns():
    F = check_full_row_rank(np.eye(3), np.ones(3))  # m = d is allowed
    assert np.array_equal(F.X, np.eye(3))
    with pytest.raises(ValueError, match=r"^X: hypothesis 'rank X = m' fails: m = 3 > d = 2"):
        check_full_row_rank(np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match=r"^X: hypothesis 'rank X = m' fails: smallest singular value"):
        check_full_row_rank([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0]], np.ones(2))  # rank 1


def test_full_row_rank_threshold_is_matrix_rank_default_max_shape_times_eps_times_sigma_max():
    thr = 3 * np.finfo(float).eps  # σ_max = 1, max(m, d) = 3: numpy.linalg.matrix_rank's tolerance
    check_full_row_rank([[1.0, 0.0, 0.0], [0.0, 1.25 * thr, 0.0]], np.ones(2))  # above it: rank 2
    with pytest.raises(ValueError, match="smallest singular value"):
        check_full_row_rank([[1.0, 0.0, 0.0], [0.0, 0.8 * thr, 0.0]], np.ones(2))  # below: rank 1


def test_full_row_rank_data_is_gaussian_or_orthonormal_rows():
    F = full_row_rank_data(3, 3, rng(4))
    r = rng(4)
    assert np.array_equal(F.X, r.standard_normal((3, 3))) and np.array_equal(F.y, r.standard_normal(3))
    O = full_row_rank_data(2, 4, rng(4), orthogonal=True)
    assert_close(O.X @ O.X.T, np.eye(2), atol=1e-14, name="X Xᵀ")  # QR's orthonormality, rounding
    with pytest.raises(ValueError, match="^m: hypothesis 'rank X = m' needs m ≤ d"):
        full_row_rank_data(3, 2, rng())


# ------------------------------------------------------------------ clusters (SS16.Thm5)


@pytest.mark.parametrize("d, value", [
    # mpmath, 30 digits: 2*sin(sqrt(2*pi)/(16*d*sqrt(d)))
    (1, 0.312048399762045591895866435876),
    (2, 0.110721730408478636047784307909),
    (3, 0.0602909692381010221891989649081),
])
def test_thm5_radius_ratio_matches_the_printed_bound(d, value):
    assert_close(thm5_radius_ratio(d), value, rtol=1e-15, name="ratio")  # a few float operations


def _two_clusters(**kw):
    """Two clusters around e_1, e_2 in R^2 (ratio bound 0.1107): points at distance 0.05."""
    C = np.eye(2)
    X = np.array([[1.05, 0.0], [1.0, 0.05], [0.0, 1.05]])
    y = np.array([0.0, 0.01, 1.0])
    args = {"centers": C, "radii": np.array([0.1, 0.08]), "B": 1.05, "gamma": 1.0}
    args.update(kw)
    return X, y, args


def test_check_clusters_accepts_the_edges_and_reports_the_constants():
    X, y, args = _two_clusters()
    D = check_clusters(X, y, **args)  # max ‖x_t‖ = B exactly; γ·dx = 0.0707 ≥ |dy| = 0.01
    assert np.array_equal(D.label, [0, 0, 1]) and D.label.dtype == np.int64
    assert np.array_equal(D.y_hat, [0.0, 1.0])  # the first instance of each cluster
    assert D.c == 1.0 and D.B == 1.05 and D.gamma == 1.0 and D.delta == 0.1  # δ = max_j δ_j
    D0 = check_clusters(X, np.array([0.0, 0.0, 1.0]), **dict(args, gamma=0.0))  # γ = 0: constant per cluster
    assert D0.gamma == 0.0


@pytest.mark.parametrize("change, match", [
    ({"centers": np.eye(3)}, r"^centers: expected shape \(k, 2\)"),
    ({"centers": np.ones(2)}, r"^centers: expected shape \(k, 2\)"),
    ({"radii": np.array([0.1])}, r"^radii: expected 2 positive radii"),
    ({"radii": np.array([0.1, 0.0])}, r"^radii: expected 2 positive radii"),
    ({"radii": np.array([0.1, np.inf])}, r"^radii: expected 2 positive radii"),
    ({"radii": np.array([0.1, 0.2])}, r"^radii: hypothesis 'δ_j/‖c_j‖ ≤ 2 sin.* fails for cluster 1"),
    ({"B": 1.04}, r"^B: hypothesis '‖x_t‖ ≤ B' fails"),
    ({"B": math.inf}, r"^B: hypothesis '‖x_t‖ ≤ B' fails"),
    ({"gamma": -0.5}, r"^gamma: must be a finite non-negative constant"),
    ({"gamma": math.inf}, r"^gamma: must be a finite non-negative constant"),
    ({"gamma": 0.1}, r"^gamma: hypothesis '\|y_t − y_t'\| ≤ γ‖x_t − x_t'‖ within a cluster' fails in cluster 0"),
])
def test_check_clusters_names_the_failed_hypothesis(change, match):
    X, y, args = _two_clusters(**change)
    with pytest.raises(ValueError, match=match):
        check_clusters(X, y, **args)


def test_check_clusters_constants_of_unequal_centres():
    C = np.array([[1.0, 0.0], [0.0, 2.0]])
    D = check_clusters(C, [0.0, 1.0], C, [0.1, 0.2], B=2.0, gamma=0.0)
    assert D.c == 1.0  # min_j ‖c_j‖
    assert_close([D.sigma_min, D.sigma_max], [1.0, 2.0], rtol=1e-15, name="σ(C)")  # SVD of diag(1, 2)


def test_check_clusters_accepts_fewer_clusters_than_dimensions():
    D = check_clusters([[1.0, 0.0], [1.0, 0.05]], [0.0, 0.0], [[1.0, 0.0]], [0.1], B=2.0, gamma=1.0)
    assert np.array_equal(D.label, [0, 0]) and D.centers.shape == (1, 2)


def test_radius_ratio_failure_names_the_cluster_with_the_largest_ratio():
    # δ/‖c‖ = 0.5/4 = 0.125 and 0.2/1 = 0.2 (bound 0.1107): cluster 1 has the larger ratio,
    # cluster 0 the larger radius
    C = np.array([[4.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="fails for cluster 1: 0.2$"):
        check_clusters(C, [0.0, 0.0], C, [0.5, 0.2], B=5.0, gamma=1.0)


def test_lipschitz_slack_scales_with_the_largest_target_of_the_cluster():
    # γ = 1e5 over dx = 1e-3: |y_1 − y_2| may reach 100; the rounding slack is
    # 1e-12·(1 + max|y|) ≈ 1.0e-10 there (with targets 0 and 100, not 1e-12)
    C, r = np.array([[1.0, 0.0]]), np.array([0.01])
    X = np.array([[1.0, 0.0], [1.0, 1e-3]])
    check_clusters(X, np.array([0.0, 100.0 + 0.5e-10]), C, r, B=2.0, gamma=1e5)
    with pytest.raises(ValueError, match=r"^gamma: hypothesis"):
        check_clusters(X, np.array([0.0, 100.0 + 2e-10]), C, r, B=2.0, gamma=1e5)


def test_check_clusters_needs_k_le_d_and_centres_in_general_position():
    X = np.array([[1.0, 0.0]])
    with pytest.raises(ValueError, match=r"^centers: hypothesis 'k ≤ d clusters' fails: k = 2 > d = 1"):
        check_clusters([[1.0], [2.0]], [0.0, 0.0], [[1.0], [2.0]], [0.01, 0.01], B=3.0, gamma=1.0)
    with pytest.raises(ValueError, match=r"^centers: hypothesis 'centres in general position' fails"):
        check_clusters(X, [0.0], [[1.0, 0.0], [2.0, 0.0]], [0.01, 0.01], B=3.0, gamma=1.0)


def test_check_clusters_needs_each_point_within_exactly_one_radius_and_every_cluster_used():
    C, r = np.eye(2), np.array([0.1, 0.1])
    with pytest.raises(ValueError, match=r"^X: hypothesis 'each x_t within δ_j of a unique centre' fails at t = 1 \(0 centres\)"):
        check_clusters([[1.0, 0.0], [0.5, 0.5]], [0.0, 0.0], C, r, B=2.0, gamma=1.0)
    with pytest.raises(ValueError, match=r"^centers: cluster 1 has no data point"):
        check_clusters([[1.0, 0.0], [1.0, 0.05]], [0.0, 0.0], C, r, B=2.0, gamma=1.0)


def test_check_clusters_rejects_a_point_nearer_to_another_centre_than_its_own():
    # x = (1.06, 0) is within δ_1 = 0.1 of c_1 = e_1 only (0.041 from c_2, outside δ_2 = 0.03),
    # but c_2 is its nearest centre
    C = np.array([[1.0, 0.0], [1.1, 0.01]])
    with pytest.raises(ValueError, match=r"^X: hypothesis 'the nearest centre of x_t is its cluster's centre' fails"):
        check_clusters([[1.06, 0.0], [1.1, 0.01]], [0.0, 0.0], C, [0.1, 0.03], B=2.0, gamma=1.0)


def test_check_clusters_accepts_a_point_exactly_at_its_radius():
    # x = (4, 0.25) is at distance exactly δ = 0.25 (a binary fraction) of c = 4e_1;
    # δ/‖c‖ = 0.0625 is below the d = 2 bound 0.1107
    C = np.array([[4.0, 0.0], [0.0, 4.0]])
    D = check_clusters([[4.0, 0.25], [0.0, 4.0]], [0.0, 0.0], C, [0.25, 0.25], B=4.01, gamma=0.0)
    assert np.array_equal(D.label, [0, 1])


def test_clustered_data_from_given_centres_offsets_and_targets():
    C = np.eye(2)
    # (k, per_cluster, d); norms < 1 so that no point sits on its radius up to rounding
    o = np.array([[[0.0, 0.5], [0.75, 0.0]], [[0.0, -0.75], [0.0, 0.0]]])
    D = clustered_data(2, 2, 2, rng(), delta_fraction=0.5, gamma=2.0, offsets=o, targets=[1.0, -1.0], centers=C)
    delta = 0.5 * thm5_radius_ratio(2)  # min ‖c_j‖ = 1
    assert_close(D.radii, np.full(2, delta), rtol=1e-15, name="δ")  # a product of three floats
    assert_close(D.X, (C[:, None, :] + delta * o).reshape(4, 2), atol=1e-15, name="X")  # same sum, one rounding
    # y_t = ŷ_j + γ(‖x_t − c_j‖ − ‖x_first − c_j‖): distances δ·(0.5, 0.75) and δ·(0.75, 0)
    assert_close(D.y, [1.0, 1.0 + 2.0 * 0.25 * delta, -1.0, -1.0 - 2.0 * 0.75 * delta], atol=1e-15, name="y")  # norms of δ·o: a few ulps of δ ≈ 0.06
    assert np.array_equal(D.y_hat, [1.0, -1.0]) and np.array_equal(D.label, [0, 0, 1, 1])
    assert_close(D.B, 1.0 + 0.75 * delta, rtol=1e-15, name="B")  # the largest ‖x_t‖: e_1 + 0.75δ·e_1
    # delta_fraction = 1 is the largest allowed radius
    D1 = clustered_data(2, 2, 2, rng(), delta_fraction=1.0, offsets=o, targets=[1.0, -1.0], centers=C)
    assert_close(D1.radii, np.full(2, thm5_radius_ratio(2)), rtol=1e-15, name="δ at fraction 1")  # one product


def test_clustered_data_radius_scales_with_the_smallest_centre_norm():
    C = np.array([[2.0, 0.0], [0.0, 3.0]])
    D = clustered_data(2, 2, 1, rng(), offsets=np.zeros((2, 1, 2)), targets=[1.0, 1.0], centers=C)
    assert_close(D.radii, np.full(2, 0.5 * thm5_radius_ratio(2) * 2.0), rtol=1e-15, name="δ")  # a product of three floats
    assert D.c == 2.0


def test_clustered_data_random_parts_have_the_documented_ranges():
    D = clustered_data(3, 4, 50, rng(5))
    assert_close(np.linalg.norm(D.centers, axis=1), np.ones(3), rtol=1e-15, name="‖c_j‖")  # normalized vectors, rounding
    dist = np.linalg.norm(D.X - D.centers[D.label], axis=1) / D.delta  # ‖o_t‖ ∈ [0.2, 1]
    assert dist.min() >= 0.2 - 1e-12 and dist.max() <= 1.0 + 1e-12  # rounding of δ·o
    assert dist.min() < 0.3 and dist.max() > 0.9  # 150 uniform draws fill the range
    assert np.all((np.abs(D.y_hat) >= 0.5) & (np.abs(D.y_hat) <= 1.5))
    assert D.B == np.linalg.norm(D.X, axis=1).max() and D.gamma == 1.0


@pytest.mark.parametrize("kw, match", [
    ({"per_cluster": 0}, r"^per_cluster: need at least one point"),
    ({"delta_fraction": 0.0}, r"^delta_fraction: hypothesis"),
    ({"delta_fraction": 1.5}, r"^delta_fraction: hypothesis"),
    ({"centers": np.eye(3)}, r"^centers: expected shape \(2, 2\)"),
    ({"offsets": np.zeros((2, 1, 3))}, r"^offsets: expected shape \(2, 1, 2\) with norms ≤ 1"),
    ({"offsets": np.array([[[0.75, 0.75]], [[0.0, 0.0]]])}, r"^offsets: expected shape \(2, 1, 2\) with norms ≤ 1"),
    ({"offsets": np.array([[[1.0 + 5e-12, 0.0]], [[0.0, 0.0]]])}, r"^offsets: expected shape \(2, 1, 2\) with norms ≤ 1"),
    ({"targets": [1.0, 2.0, 3.0]}, r"^targets: expected shape \(2,\)"),
])
def test_clustered_data_rejects_bad_arguments_by_name(kw, match):
    args = {"per_cluster": 1, **kw}
    per = args.pop("per_cluster")
    with pytest.raises(ValueError, match=match):
        clustered_data(2, 2, per, rng(), **args)


def test_clustered_data_accepts_offsets_of_norm_one():
    o = np.array([[[0.6, 0.8]], [[-1.0, 0.0]]])
    D = clustered_data(2, 2, 1, rng(), offsets=o, targets=[1.0, 1.0], centers=np.eye(2))
    assert D.X.shape == (2, 2)
    # the offsets' own check allows rounding (1e-12) above norm 1; such a point then lies just
    # outside its radius, which the cluster check reports
    o = np.array([[[1.0 + 5e-13, 0.0]], [[0.0, 0.0]]])
    with pytest.raises(ValueError, match="^X: hypothesis 'each x_t within δ_j of a unique centre'"):
        clustered_data(2, 2, 1, rng(), offsets=o, targets=[1.0, 1.0], centers=np.eye(2))


def test_clustered_data_random_targets_are_signed_magnitudes_in_half_to_one_and_a_half():
    D = clustered_data(20, 20, 1, rng(10))
    a = np.abs(D.y_hat)
    assert np.all((a >= 0.5) & (a <= 1.5))
    assert a.min() < 0.55 and a.max() > 1.45  # 20 uniform draws on [0.5, 1.5] (this seed)
    assert 0 < np.sum(D.y_hat > 0) < 20  # both signs


# ------------------------------------------------------------------ realizable low rank (SS16.Thm3)


def _realizable():
    X = np.array([[1.0, 0.0, 0.0], [0.0, 0.6, 0.0]])  # rank 2, norms ≤ 1 (the first exactly 1)
    W = np.array([[2.0, 1.0, 0.0]])
    v = np.array([-1.5])
    return X, np.maximum(X @ W.T, 0.0) @ v, W, v


def test_check_realizable_tolerances_on_norms_weights_and_residual():
    X, y, W, v = _realizable()
    B = 1.5 * math.sqrt(5.0)
    # ‖x_t‖ ≤ 1 up to 1e-12
    Xa = X * [[1.0 + 5e-13], [1.0]]
    check_realizable(Xa, np.maximum(Xa @ W.T, 0.0) @ v, W, v, B)
    Xr = X * [[1.0 + 5e-12], [1.0]]
    with pytest.raises(ValueError, match="^X: hypothesis '‖x_t‖ ≤ 1' fails"):
        check_realizable(Xr, np.maximum(Xr @ W.T, 0.0) @ v, W, v, B)
    # |v_i|·‖w_i‖ ≤ B up to a relative 1e-12
    check_realizable(X, y, W, v, B / (1.0 + 5e-13))
    with pytest.raises(ValueError, match="^B: hypothesis"):
        check_realizable(X, y, W, v, B / (1.0 + 5e-12))
    # residual ≤ 1e-12·(1 + max|y|) = 4e-12 (max |y| = 3)
    check_realizable(X, y + [0.0, 2e-12], W, v, B)
    for excess in (4.5e-12, 2e-11):
        with pytest.raises(ValueError, match="^y: hypothesis"):
            check_realizable(X, y + [0.0, excess], W, v, B)


def test_check_realizable_bound_is_per_neuron_and_may_be_below_one():
    X = np.array([[1.0, 0.0, 0.0], [0.0, 0.6, 0.0]])
    W = np.array([[0.5, 0.0, 0.0], [0.0, 0.25, 0.0]])
    v = np.array([1.0, 1.0])  # |v_i|·‖w_i‖ = 0.5, 0.25
    y = np.maximum(X @ W.T, 0.0) @ v
    assert check_realizable(X, y, W, v, 0.5)[0] == 2
    with pytest.raises(ValueError, match=r"^B: hypothesis '\|v_i\*\|·‖w_i\*‖ ≤ B' fails: max = 0.5 > B = 0.4"):
        check_realizable(X, y, W, v, 0.4)  # only the first neuron exceeds


def test_check_realizable_rank_threshold_is_max_shape_times_eps_times_sigma_max():
    # σ = (1, 5.5e-16) for a 2 × 3 X: below 3·eps·σ_max = 6.7e-16, so rank 1
    X = np.array([[1.0, 0.0, 0.0], [0.0, 5.5e-16, 0.0]])
    W, v = np.array([[1.0, 0.0, 0.0]]), np.array([1.0])
    r, basis = check_realizable(X, np.array([1.0, 0.0]), W, v, 1.0)
    assert r == 1 and np.array_equal(np.abs(basis), [[1.0], [0.0], [0.0]])


def test_check_realizable_returns_rank_and_row_space_basis():
    X, y, W, v = _realizable()
    r, basis = check_realizable(X, y, W, v, B=1.5 * math.sqrt(5.0))  # |v|·‖w‖ = B exactly
    assert r == 2 and basis.shape == (3, 2)
    assert_close(basis.T @ basis, np.eye(2), atol=1e-15, name="basisᵀ basis")  # SVD rounding
    P = basis @ basis.T
    assert_close(P, np.diag([1.0, 1.0, 0.0]), atol=1e-15, name="projector on row(X)")  # SVD rounding


@pytest.mark.parametrize("change, match", [
    ({"W": np.ones((1, 2))}, r"^W_star, v_star: expected shapes"),
    ({"v": np.ones(2)}, r"^W_star, v_star: expected shapes"),
    ({"X": np.array([[1.0 + 1e-9, 0.0, 0.0], [0.0, 0.6, 0.0]])}, r"^X: hypothesis '‖x_t‖ ≤ 1' fails"),
    ({"B": 0.0}, r"^B: must be a positive constant"),
    ({"B": math.inf}, r"^B: must be a positive constant"),
    ({"B": 3.0}, r"^B: hypothesis '\|v_i\*\|·‖w_i\*‖ ≤ B' fails"),
    ({"y": np.array([-3.0, -0.9 + 1e-9])}, r"^y: hypothesis 'L_S\(W\*, v\*\) = 0' fails"),
])
def test_check_realizable_names_the_failed_hypothesis(change, match):
    X, y, W, v = _realizable()
    args = {"X": X, "y": y, "W": W, "v": v, "B": 4.0, **change}
    with pytest.raises(ValueError, match=match):
        check_realizable(args["X"], args["y"], args["W"], args["v"], args["B"])


def test_realizable_lowrank_data_has_the_promised_rank_norms_and_weights():
    R = realizable_lowrank_data(6, 5, 3, 4, 2.0, rng(7))
    assert R.rank == 3 and R.basis.shape == (5, 3)
    norms = np.linalg.norm(R.X, axis=1)
    assert np.all((norms >= 0.5 - 1e-12) & (norms <= 1.0 + 1e-12))  # uniform(0.5, 1) radii; rounding
    assert_close(np.abs(R.v_star) * np.linalg.norm(R.W_star, axis=1), np.full(4, 2.0), rtol=1e-14, name="|v|·‖w‖")  # unit rows rotated by Q
    assert_close(np.maximum(R.X @ R.W_star.T, 0.0) @ R.v_star, R.y, atol=1e-14, name="y")  # the same net re-evaluated
    assert R.B == 2.0
    # rows of W* lie in the row space of X
    assert_close(R.W_star @ R.basis @ R.basis.T, R.W_star, atol=1e-13, name="W* in row(X)")  # two QR/SVD bases of one subspace
    assert realizable_lowrank_data(3, 4, 3, 1, 1.0, rng(8)).rank == 3  # rank = min(m, d) allowed
    assert realizable_lowrank_data(4, 3, 1, 2, 1.0, rng(8)).rank == 1
    assert set(np.sign(R.v_star).tolist()) == {-1.0, 1.0}  # v_i* = ±B, random signs (this seed)


class _RankDeficientDraws:
    """A generator whose (m, rank) normal draw has identical rows (probability 0 for a real one)."""

    def __init__(self, m: int, rank: int, seed: int = 0):
        self.g, self.shape = np.random.default_rng(seed), (m, rank)

    def standard_normal(self, shape):
        return np.ones(shape) if tuple(shape) == self.shape else self.g.standard_normal(shape)

    def __getattr__(self, name):
        return getattr(self.g, name)


def test_realizable_lowrank_data_rejects_a_draw_of_lower_rank():
    with pytest.raises(ValueError, match="^rank: drew data of rank 1, asked for 3"):
        realizable_lowrank_data(6, 5, 3, 2, 1.0, _RankDeficientDraws(6, 3))


@pytest.mark.parametrize("m, d, rank", [(4, 3, 0), (4, 3, 4), (2, 5, 3)])
def test_realizable_lowrank_data_needs_rank_between_1_and_min_m_d(m, d, rank):
    with pytest.raises(ValueError, match=r"^rank: need 1 ≤ rank ≤ min\(m, d\)"):
        realizable_lowrank_data(m, d, rank, 2, 1.0, rng())
