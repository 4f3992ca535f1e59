"""Unit tests of the SS16 data generators (numerics/datasets.py) that the claim checks do not
pin: the edges of the generators' hypotheses (mutation survivors of issue 9)."""

from __future__ import annotations

import numpy as np
import pytest

from numerics.datasets import check_clusters, clustered_data
from numerics.symmetry import make_qanet


def test_clustered_data_allows_one_point_per_cluster_around_unit_centres():
    data = clustered_data(2, 3, 1, np.random.default_rng(0))
    assert data.X.shape == (2, 3)
    # the random centres are unit vectors (the radius bound δ_j/‖c_j‖ is stated for them)
    np.testing.assert_allclose(np.linalg.norm(data.centers, axis=1), 1.0, rtol=1e-15)
    with pytest.raises(ValueError, match=r"^per_cluster: need at least one point"):
        clustered_data(2, 3, 0, np.random.default_rng(0))


def _two_point_cluster(excess: float):
    """One cluster of two points at distance dx = 1e-3 from each other with γ = 1 and targets
    |y_1 − y_2| = γ·dx + excess (targets ≈ 0, so the rounding slack is 1e-12·(1 + max|y|))."""
    C = np.array([[1.0, 0.0]])
    X = np.array([[1.0, 0.0], [1.0, 1e-3]])
    y = np.array([0.0, 1e-3 + excess])
    return X, y, C


def test_the_lipschitz_hypothesis_has_only_a_rounding_level_slack():
    # accepted: a violation below the slack 1e-12·(1 + 1e-3) is float rounding of γ·dx
    X, y, C = _two_point_cluster(0.5e-12)
    check_clusters(X, y, C, np.array([0.01]), B=2.0, gamma=1.0)
    # rejected: 1.5e-12 exceeds the slack (a doubled slack would accept it)
    X, y, C = _two_point_cluster(1.5e-12)
    with pytest.raises(ValueError, match=r"^gamma: hypothesis '\|y_t − y_t'\| ≤ γ‖x_t − x_t'‖"):
        check_clusters(X, y, C, np.array([0.01]), B=2.0, gamma=1.0)


def test_make_qanet_rejects_a_one_dimensional_weight_matrix_naming_W():
    with pytest.raises(ValueError, match=r"^W: expected a 2-d array"):
        make_qanet(np.ones(3), np.zeros(3), np.ones(3), 0.0)
