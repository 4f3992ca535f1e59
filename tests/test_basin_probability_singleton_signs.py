"""Singleton-data basins of numerics.basins.probability (SS16.Thm2, SS16.AppC) on data where every
side matters, checked by brute force over sign patterns, and the counts of the singleton /
single-neuron Monte Carlo blocks replayed draw by draw.

* α(n) = min of Bas over every (σ, b) ∈ {±1}^{n×d} × {±1}^n (enumeration, n ≤ 3), on data whose
  sides need output signs (+, −) and (−, +): one neuron of a sign reaches one side of a
  coordinate, so which sides a sign can reach changes α.
* a neuron with output sign b = 0 generates the cone {0} (it serves no side);
* ``denominator`` is the least common denominator of the table's values;
* the block trials' counts equal those of the per-sample table methods on the same draws
  (the draws are replayed from the same seed), at widths where the sufficient event can hold.
"""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import numpy as np

from numerics.basins.probability import CONE_ZERO, single_neuron_block_trial, singleton_block_trial, singleton_table
from numerics.datasets import check_singleton

# coordinate 0: side + targets (1, 1.5) at scales (1, 2), side − target −2 at scale 1;
# coordinate 1: side + target −1 at scale 1, side − targets (2, 0.5) at scales (3, 1)
X_MIX = np.array([[1.0, 0.0], [2.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -3.0], [0.0, -1.0]])
Y_MIX = np.array([1.0, 1.5, -2.0, -1.0, 2.0, 0.5])


def _all_basins(n, d):
    for s in itertools.product((-1, 1), repeat=n * (d + 1)):
        yield np.array(s[: n * d]).reshape(n, d), np.array(s[n * d:])


def test_mixed_sign_table_needs_both_signs_on_each_coordinate():
    t = singleton_table(check_singleton(X_MIX, Y_MIX))
    assert t.needed_sign().tolist() == [[1, -1], [-1, 1]]
    # c* per side: Σ|s|y/Σs²: (1 + 3)/5, 2/1 (|s| = 1, y = −2 → −2), −1, (6 + 0.5)/10
    assert t.c_star == ((F(4, 5), F(-2)), (F(-1), F(13, 20)))


def test_alpha_is_the_minimum_of_bas_over_every_basin_on_mixed_sign_data():
    t = singleton_table(check_singleton(X_MIX, Y_MIX))
    for n in (1, 2, 3):
        best = min(t.bas(sigma, b) for sigma, b in _all_basins(n, 2))
        assert t.alpha(n) == best, n
    # width 4: two neurons of each sign can sit on both sides of every coordinate, so every side
    # attains its least-squares value
    assert t.alpha(4) == t.unconstrained_value()


def test_alpha_on_one_coordinate_whose_sides_need_opposite_signs():
    """d = 1, side + needs b = +, side − needs b = −. Width 1: the neuron serves one side only;
    width 2: one neuron of each sign, one on each side, fits both (α = V(R) + V(R))."""
    X = np.array([[1.0], [-1.0]])
    t = singleton_table(check_singleton(X, np.array([1.0, -3.0])))
    # m = 2: V_+(0) = 1/2, V_−(0) = 9/2; fitted sides have value 0
    assert t.alpha(1) == F(1, 2)  # b = −, σ = −1: side − fitted, side + predicts 0
    assert t.alpha(2) == 0
    for n in (1, 2):
        assert t.alpha(n) == min(t.bas(s, b) for s, b in _all_basins(n, 1))


def test_a_neuron_with_output_sign_zero_serves_no_side():
    t = singleton_table(check_singleton(X_MIX, Y_MIX))
    sigma = np.array([[1, -1]])
    assert t.cones(sigma, np.array([0])).tolist() == [[CONE_ZERO, CONE_ZERO]] * 2
    assert t.bas(sigma, np.array([0])) == t.bas(np.zeros((0, 2), dtype=int), np.zeros(0, dtype=int))
    # controls: b = ±1 give the + and − cones on the sides the neuron is on
    assert t.cones(sigma, np.array([1])).tolist() == [[1, 0], [0, 1]]
    assert t.cones(sigma, np.array([-1])).tolist() == [[2, 0], [0, 2]]


def test_denominator_is_the_least_common_denominator():
    # m = 3: side + of coordinate 0 has targets (1, 1) at scale 1 → V(0) = 2/3, c* = 1, V(c*) = 0;
    # side − has target 2 at scale 1 → V(0) = 4/3: every value is a multiple of 1/3, none of 1/1
    X = np.array([[1.0], [1.0], [-1.0]])
    t = singleton_table(check_singleton(X, np.array([1.0, 1.0, 2.0])))
    assert t.values == ((((F(2, 3), F(0), F(2, 3), F(0)), (F(4, 3), F(0), F(4, 3), F(0)))),)
    assert t.denominator == 3
    assert t.scaled.tolist() == [[[2, 0, 2, 0], [4, 0, 4, 0]]]


def _replay_signs(seed, block, n, d):
    s = np.random.default_rng(seed).integers(0, 2, size=(block, n, d + 1), dtype=np.int8) * 2 - 1
    return s[:, :, :d], s[:, :, d]


def _table_counts(t, sigma, b, alpha):
    good = sum(t.bas(sigma[i], b[i]) <= alpha for i in range(len(b)))
    suff = sum(t.sufficient_event(sigma[i], b[i]) for i in range(len(b)))
    return int(good), int(suff)


def test_singleton_block_trial_counts_match_the_table_where_the_sufficient_event_can_hold():
    """Data with a side of need 0 (coordinate 1, side −, empty) and sides needing both signs;
    widths 3 and 4, where the sufficient event has probability strictly between 0 and 1."""
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0]])
    t = singleton_table(check_singleton(X, np.array([1.0, -1.0, -1.0])))
    assert t.needed_sign().tolist() == [[1, -1], [-1, 0]]
    for n, seed in ((3, 1), (4, 2)):
        a_scaled = int(t.alpha(n) * t.denominator)
        block = 120
        got = singleton_block_trial(np.random.default_rng(seed), 0, table=t, n=n, alpha_scaled=a_scaled, block=block)
        sigma, b = _replay_signs(seed, block, n, 2)
        want = _table_counts(t, sigma, b, t.alpha(n))
        assert got == want, n
        assert 0 < want[1] < block and 0 < want[0] < block, want
        # sensitivity: the same draws with the sides exchanged (σ → −σ) give other counts
        assert _table_counts(t, -sigma, b, t.alpha(n)) != want


def test_single_neuron_block_trial_counts_positive_coordinates_of_its_draws():
    d, block = 3, 200
    count, hist = single_neuron_block_trial(np.random.default_rng(4), 0, d=d, block=block)
    w = np.random.default_rng(4).standard_normal((block, d))  # the same draws
    pos = (w > 0).sum(axis=1)
    assert count == int(np.sum(np.all(w > 0, axis=1)))
    assert hist.tolist() == [int(np.sum(pos == k)) for k in range(d + 1)]
    # sensitivity: the mirrored count (all coordinates negative) differs for this seed
    assert count != int(np.sum(np.all(w < 0, axis=1)))
