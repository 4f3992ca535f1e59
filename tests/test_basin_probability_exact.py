"""Exact basin values and good-event probabilities (numerics.basins.probability; SS16.Thm2, Thm4,
AppC, A1-signs).

Hand-computed cases in exact rationals: the singleton table of a 4-point data set (one side
empty), Bas of chosen sign patterns, α(n) for n = 1, 2, 3 (also the minimum of Bas over every
(σ, b) by enumeration), the sufficient event; closed forms of the sufficient-event probability
(1 − (3/4)ⁿ for one side, …); the full-row-rank closed forms; the lower bound on Bas; the
necessary event of Thm5; the Monte Carlo block trials' bookkeeping; every input guard.
"""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import numpy as np
import pytest

from numerics.basins.probability import (
    CONE_MINUS,
    CONE_PLUS,
    CONE_REAL,
    CONE_ZERO,
    auer_single_neuron_good_probability,
    auer_width_good_probability,
    bas_lower_bound,
    probability_figure,
    full_rank_alpha,
    full_rank_bas,
    full_rank_block_trial,
    full_rank_good_probability_orthogonal,
    full_rank_pattern,
    sample_signs,
    single_neuron_block_trial,
    singleton_block_trial,
    singleton_pattern,
    singleton_table,
    sufficient_event_probability,
    thm3_key_step,
    thm5_constant,
    thm5_construction,
    thm5_necessary_event,
)
from numerics.datasets import ClusteredData, RealizableData, check_singleton

# t0 = 2e₀ (y 1), t1 = −e₀ (y 2), t2 = e₀ (y 3), t3 = 3e₁ (y −1); side (1, −) is empty.
X = np.array([[2.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [0.0, 3.0]])
Y = np.array([1.0, 2.0, 3.0, -1.0])
DATA = check_singleton(X, Y)
# V(cone) = (Σy² − 2c·Σ|s|y + c²·Σs²)/m at the clipped c, m = 4, cones (0, R₊, R₋, R):
# (0,+): Σs² = 5, Σ|s|y = 5, Σy² = 10, c* = 1  → (10/4, 5/4, 10/4, 5/4)
# (0,−): Σs² = 1, Σ|s|y = 2, Σy² = 4,  c* = 2  → (1, 0, 1, 0)
# (1,+): Σs² = 9, Σ|s|y = −3, Σy² = 1, c* = −1/3 → (1/4, 1/4, 0, 0)
# (1,−): no sample → (0, 0, 0, 0), c* = 0
VALUES = (((F(5, 2), F(5, 4), F(5, 2), F(5, 4)), (F(1), F(0), F(1), F(0))),
          ((F(1, 4), F(1, 4), F(0), F(0)), (F(0), F(0), F(0), F(0))))


def test_singleton_table_by_hand():
    t = singleton_table(DATA)
    assert t.values == VALUES
    assert t.c_star == ((F(1), F(2)), (F(-1, 3), F(0)))
    assert t.denominator == 4 and t.d == 2
    assert t.scaled.tolist() == [[[10, 5, 10, 5], [4, 0, 4, 0]], [[1, 1, 0, 0], [0, 0, 0, 0]]]
    assert t.needed_sign().tolist() == [[1, 1], [-1, 0]]
    assert t.unconstrained_value() == F(5, 4)
    assert (CONE_ZERO, CONE_PLUS, CONE_MINUS, CONE_REAL) == (0, 1, 2, 3)


@pytest.mark.parametrize(
    "sigma, b, cones, bas, sufficient",
    [
        # σ = (+, +), b = +: serves (0,+) and (1,+) with R₊: 5/4 + 1 + 1/4 + 0
        ([[1, 1]], [1], [[1, 0], [1, 0]], F(5, 2), False),
        # σ = (−, −), b = −: serves (0,−), (1,−) with R₋: 10/4 + 1 + 1/4 + 0
        ([[-1, -1]], [-1], [[0, 2], [0, 2]], F(15, 4), False),
        # σ₁ = (+, −) b = +, σ₂ = (−, +) b = −: 5/4 + V(0,−)[R₋] 1 + V(1,+)[R₋] 0 + 0
        ([[1, -1], [-1, 1]], [1, -1], [[1, 2], [2, 1]], F(9, 4), False),
        # three neurons meeting every needed sign: the unconstrained value
        ([[1, -1], [-1, -1], [1, 1]], [1, 1, -1], [[3, 1], [2, 1]], F(5, 4), True),
    ],
)
def test_bas_cones_and_sufficient_event_of_chosen_signs(sigma, b, cones, bas, sufficient):
    t = singleton_table(DATA)
    assert t.cones(sigma, b).tolist() == cones
    assert t.bas(sigma, b) == bas
    assert t.bas_scaled(sigma, b) == bas * 4
    assert t.sufficient_event(sigma, b) is sufficient


def test_alpha_by_hand_and_as_the_minimum_over_every_basin():
    t = singleton_table(DATA)
    assert [t.alpha(n) for n in (1, 2, 3, 4)] == [F(5, 2), F(3, 2), F(5, 4), F(5, 4)]
    for n in (1, 2, 3):  # enumerate every (σ, b) ∈ {±1}^{n×2} × {±1}^n
        best = min(
            t.bas(np.array(s[: 2 * n]).reshape(n, 2), np.array(s[2 * n:]))
            for s in itertools.product((-1, 1), repeat=3 * n)
        )
        assert best == t.alpha(n)


def test_bad_widths_and_shapes_are_refused():
    t = singleton_table(DATA)
    with pytest.raises(ValueError, match="n: width must be ≥ 1"):
        t.alpha(0)
    with pytest.raises(ValueError, match="sigma, b: expected shapes"):
        t.cones(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="sigma, b: expected shapes"):
        t.cones(np.ones((2, 2)), np.ones(3))
    with pytest.raises(ValueError, match="sigma, b: expected shapes"):
        t.cones(np.ones(2), np.ones(2))


def test_singleton_pattern_is_sigma_of_the_coordinate_times_the_sign():
    A = singleton_pattern(DATA, np.array([[1, -1], [-1, 1]]))
    assert A.tolist() == [[1, -1, 1, -1], [-1, 1, -1, 1]]


def test_sample_signs_are_plus_minus_one_with_the_documented_shapes():
    sigma, b = sample_signs(np.random.default_rng(0), 50, 3)
    assert sigma.shape == (50, 3) and b.shape == (50,)
    for a in (sigma, b):
        assert set(np.unique(a).tolist()) == {-1, 1}
    # b is the last column of the same draw: a fresh generator with the same seed reproduces it
    s = np.random.default_rng(0).integers(0, 2, size=(50, 4), dtype=np.int8) * 2 - 1
    assert np.array_equal(sigma, s[:, :3]) and np.array_equal(b, s[:, 3])


@pytest.mark.parametrize(
    "need, n, p",
    [
        ([[1, 0]], 2, 1 - F(3, 4) ** 2),  # one side: 1 − (3/4)ⁿ
        ([[0, -1]], 3, 1 - F(3, 4) ** 3),
        ([[1, 1]], 2, F(1, 8)),  # same sign on both sides: 1 + 2⁻ⁿ − 2(3/4)ⁿ
        ([[1, 1]], 3, 1 + F(1, 8) - 2 * F(27, 64)),
        ([[-1, -1]], 4, 1 + F(1, 16) - 2 * F(81, 256)),
        ([[1, -1]], 2, F(1, 8)),  # opposite signs: only n₊ = n₋ = 1, (1/2)(1/2)·(1/2)
        ([[0, 0]], 3, F(1)),
        ([[1, 0], [1, 0]], 1, F(1, 8)),  # two coordinates, width 1: (1/2)·(1/2)²
        ([[1, 1]], 1, F(0)),  # one neuron cannot be on both sides
    ],
)
def test_sufficient_event_probability_closed_forms(need, n, p):
    assert sufficient_event_probability(np.array(need), n) == p


def test_sufficient_event_probability_equals_enumeration_over_signs():
    t = singleton_table(DATA)
    need = t.needed_sign()
    for n in (1, 2, 3):
        hits = sum(
            t.sufficient_event(np.array(s[: 2 * n]).reshape(n, 2), np.array(s[2 * n:]))
            for s in itertools.product((-1, 1), repeat=3 * n)
        )
        assert F(hits, 2 ** (3 * n)) == sufficient_event_probability(need, n)


@pytest.mark.parametrize(
    "need, n, match",
    [
        (np.array([1, 0]), 2, "need: expected a"),
        (np.array([[1, 0, 1]]), 2, "need: expected a"),
        (np.array([[2, 0]]), 2, "need: expected a"),
        (np.array([[1, 0]]), 0, "n: width must be ≥ 1"),
    ],
)
def test_sufficient_event_probability_guards(need, n, match):
    with pytest.raises(ValueError, match=match):
        sufficient_event_probability(need, n)


def test_auer_probabilities():
    assert auer_single_neuron_good_probability(3) == F(1, 8)
    assert auer_single_neuron_good_probability(1) == F(1, 2)
    # d = 1, n = 2: both sides need b = + and the two neurons split: 1/8
    assert auer_width_good_probability(1, 2) == F(1, 8)
    # d = 2, n = 3: with k positive neurons each coordinate's two sides are both served with
    # probability 1 − 2·2⁻ᵏ (k ≥ 1), independently: Σ_k C(3, k)/8·(1 − 2^{1−k})²
    assert auer_width_good_probability(2, 3) == sum(F([1, 3, 3, 1][k], 8) * (1 - F(2, 2**k)) ** 2 for k in range(1, 4))


def test_full_rank_bas_and_alpha_by_hand():
    y = np.array([1.0, -2.0, 0.0])
    A = np.array([[1, 1, -1], [-1, 1, 1]])
    # t0: neuron 0 (b +) covers y > 0; t1: neuron 1 (b −) covers y < 0; t2: y = 0
    assert full_rank_bas(y, A, np.array([1, -1])) == 0.0
    assert full_rank_bas(y, A, np.array([1, 1])) == pytest.approx(4.0 / 3.0, abs=1e-15)
    assert full_rank_bas(y, A, np.array([-1, -1])) == pytest.approx(1.0 / 3.0, abs=1e-15)
    assert full_rank_bas(y, A, np.array([-1, 1])) == pytest.approx(1.0 / 3.0, abs=1e-15)  # t0 missed
    assert full_rank_alpha(y, 1) == pytest.approx(min(4.0, 1.0) / 3.0, abs=1e-15)
    assert full_rank_alpha(y, 2) == 0.0 and full_rank_alpha(y, 5) == 0.0
    with pytest.raises(ValueError, match="n: width must be ≥ 1"):
        full_rank_alpha(y, 0)
    with pytest.raises(ValueError, match="A, b: expected shapes"):
        full_rank_bas(y, A[:, :2], np.array([1, 1]))
    with pytest.raises(ValueError, match="A, b: expected shapes"):
        full_rank_bas(y, A, np.array([1]))


def test_full_rank_good_probability_orthogonal_by_hand():
    y = np.array([1.0, -2.0, 0.0])
    assert full_rank_good_probability_orthogonal(y, 1) == 0
    assert full_rank_good_probability_orthogonal(y, 2) == F(1, 8)  # n₊ = n₋ = 1, both covered
    # only positive targets: 1 − (3/4)ⁿ per point, independent points: Σ C(n,k)2⁻ⁿ(1 − 2⁻ᵏ)²
    yp = np.array([1.0, 2.0])
    assert full_rank_good_probability_orthogonal(yp, 2) == F(1, 4) * (F(3, 4)) ** 2 + F(2, 4) * F(1, 4)


def test_full_rank_pattern_signs_and_boundary():
    X = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    y = np.array([1.0, -1.0])
    W = np.array([[1.0, -2.0, 5.0], [-1.0, 3.0, 0.0]])
    assert full_rank_pattern(X, y, W).tolist() == [[1, -1], [-1, 1]]
    with pytest.raises(ValueError, match="W: a neuron lies on a data hyperplane"):
        full_rank_pattern(X, y, np.array([[0.0, 1.0, 0.0]]))


def test_bas_lower_bound_counts_uncovered_targets():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    y = np.array([2.0, -1.0, 3.0])
    W = np.array([[1.0, 1.0], [1.0, -1.0]])  # neuron 0 active on t0, t1; neuron 1 on t0
    # v = (+, −): t0 covered (b +), t1: only neuron 0 (b +) active, y < 0 → 1; t2: none → 9
    assert bas_lower_bound(X, y, W, np.array([1.0, -1.0])) == pytest.approx(10.0 / 3.0, abs=1e-15)
    # v = (−, +): t0 covered by neuron 1; t1 covered by neuron 0 (b −); t2: 9
    assert bas_lower_bound(X, y, W, np.array([-1.0, 1.0])) == pytest.approx(3.0, abs=1e-15)
    # a zero target is always covered
    assert bas_lower_bound(X, np.array([0.0, 0.0, 0.0]), W, np.array([1.0, 1.0])) == 0.0


def _clusters(X, y):
    k = X.shape[0]
    return ClusteredData(X=X, y=y, centers=X.copy(), label=np.arange(k), radii=np.full(k, 0.1),
                         y_hat=y.copy(), c=1.0, B=1.0, gamma=0.0)


def test_thm5_necessary_event():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    y = np.array([1.0, -1.0, 0.0])
    data = _clusters(X, y)
    W = np.array([[1.0, 0.5], [0.5, 1.0]])  # both active on t0 and t1, inactive on t2
    assert thm5_necessary_event(data, W, np.array([1.0, -1.0]))  # t0 by +, t1 by −, t2 has y = 0
    assert not thm5_necessary_event(data, W, np.array([1.0, 1.0]))  # t1 needs a − neuron
    assert not thm5_necessary_event(data, W, np.array([-1.0, -1.0]))  # t0 needs a + neuron
    assert not thm5_necessary_event(data, -W, np.array([1.0, -1.0]))  # nothing active on t0, t1


def test_thm5_constant_formula_and_guard():
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    data = _clusters(X, np.array([1.0, -3.0]))
    # k = 2, Y = 4, σ_min = 1, γ = 0: K = (4·2·4/1)² = 1024; needs 2√2·0.1 ≤ 1
    assert thm5_constant(data) == pytest.approx(1024.0, rel=1e-12)
    wide = ClusteredData(**{**data.__dict__, "radii": np.full(2, 0.4)})  # 2√2·0.4 > 1
    with pytest.raises(ValueError, match="data: the construction needs"):
        thm5_constant(wide)


def test_single_neuron_block_trial_bookkeeping():
    count, hist = single_neuron_block_trial(np.random.default_rng(3), 0, d=3, block=400)
    assert hist.shape == (4,) and hist.sum() == 400 and count == hist[3]
    # P[all three coordinates positive] = 1/8: 50 expected, 400 draws; the count is far from 0 and 400
    assert 20 < count < 90


def test_singleton_block_trial_agrees_with_the_table_on_its_own_draws():
    t = singleton_table(DATA)
    n, block = 2, 64
    a_scaled = int(t.alpha(n) * t.denominator)
    good, suff = singleton_block_trial(np.random.default_rng(5), 0, table=t, n=n, alpha_scaled=a_scaled, block=block)
    s = np.random.default_rng(5).integers(0, 2, size=(block, n, 3), dtype=np.int8) * 2 - 1
    assert good == sum(t.bas(s[i, :, :2], s[i, :, 2]) <= t.alpha(n) for i in range(block))
    assert suff == sum(t.sufficient_event(s[i, :, :2], s[i, :, 2]) for i in range(block))


def test_full_rank_block_trial_needs_width_two():
    X = np.eye(2)
    with pytest.raises(ValueError, match="n: the exact comparison"):
        full_rank_block_trial(np.random.default_rng(0), 0, X=X, y=np.ones(2), n=1, alpha=0.0, block=4)
    # width 2, targets (1, −1) on orthogonal points: Bas = 0 iff each point has an active neuron
    # of its target's sign; the count is within [0, block]
    k = full_rank_block_trial(np.random.default_rng(0), 0, X=X, y=np.array([1.0, -1.0]), n=2, alpha=0.0, block=200)
    assert 0 < k < 200


def _series():
    return {"a": {"n": [1, 2], "estimate": [0.5, 0.7], "lower": [0.4, 0.6], "upper": [0.65, 0.8],
                  "bound": [0.3, 0.5], "exact": [0.52, 0.69]},
            "b": {"n": [1, 2], "bound": [0.1, 0.2], "n_exact": [1, 1.5]}}


def test_probability_figure_draws_the_interval_the_exact_line_and_the_bound():
    import matplotlib.pyplot as plt

    fig = probability_figure(_series(), title="T")
    ax = fig.axes[0]
    assert tuple(fig.get_size_inches()) == pytest.approx((6.4, 4.2))
    assert ax.get_ylim() == pytest.approx((-0.05, 1.05)) and ax.get_title() == "T"
    assert ax.get_xscale() == "linear" and ax.get_yscale() == "linear"
    assert ax.get_ylabel() == "P[Bas ≤ α]" and ax.get_xlabel() == "width n"
    # the error bars run from the lower to the upper end of the interval
    (container,) = ax.containers
    segs = container.lines[2][0].get_segments()
    assert [s.tolist() for s in segs] == [[[1.0, 0.4], [1.0, 0.65]], [[2.0, 0.6], [2.0, 0.8]]]
    assert container.lines[1][0].get_markersize() == 6.0  # caps of capsize 3 (points, both sides)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["a: exact", "a: claimed bound", "b: claimed bound", "a: estimate (CP interval)"]
    assert all(t.get_fontsize() == 7 for t in ax.get_legend().get_texts())
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert lines["a: exact"].get_alpha() == 0.6
    assert lines["a: claimed bound"].get_markersize() == 14 and lines["a: claimed bound"].get_marker() == "_"
    assert lines["b: claimed bound"].get_xdata().tolist() == [1.0, 1.5]  # the n_exact grid
    assert lines["a: exact"].get_color() == lines["a: claimed bound"].get_color() == "C0"
    plt.close(fig)


def test_probability_figure_log_axes():
    import matplotlib.pyplot as plt

    fig = probability_figure(_series(), title="T", logy=True, logx=True, ylabel="p")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log" and ax.get_ylabel() == "p"
    plt.close(fig)


def test_a_neuron_with_output_weight_zero_covers_nothing_in_the_full_rank_closed_form():
    # b = 0 generates the cone {0}: the sample stays uncovered whatever its target's sign
    assert full_rank_bas(np.array([-1.0, 2.0]), np.array([[1, 1]]), np.array([0])) == pytest.approx(2.5, abs=1e-15)


def test_thm5_constant_counts_clusters_not_dimensions_and_its_guard_is_2_sqrt_k_delta():
    # k = 2 clusters in R³ (centers e₁, e₂: σ_min = 1), ŷ = (1, −1), γ = 0.5
    C = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    data = ClusteredData(X=C.copy(), y=np.array([1.0, -1.0]), centers=C, label=np.arange(2),
                         radii=np.full(2, 0.3), y_hat=np.array([1.0, -1.0]), c=1.0, B=1.0, gamma=0.5)
    # 2√2·0.3 ≈ 0.85 ≤ 1: allowed (3√2·0.3 ≈ 1.27 would not be); K = (4·2·2/1 + 2·0.5)² = 17²
    assert thm5_constant(data) == pytest.approx(289.0, rel=1e-12)


def _one_cluster(X, y, radius=0.05):
    return ClusteredData(X=X, y=y, centers=np.array([[1.0, 0.0]]), label=np.zeros(len(y), dtype=np.int64),
                         radii=np.array([radius]), y_hat=np.array([1.0]), c=1.0, B=1.0, gamma=0.0)


def test_thm5_construction_checks_feasibility_on_the_used_neurons():
    """The construction puts the serving neuron along the centre c = (1, 0); a data point with
    ⟨c, x⟩ < 0 but ⟨w, x⟩ > 0 then leaves the basin's closure: not feasible (the radii are
    deliberately not those of the points, to make that happen)."""
    X = np.array([[1.0, 0.0], [-0.1, 1.0]])
    con = thm5_construction(_one_cluster(X, np.array([1.0, 1.0])), np.array([[0.1, 1.0]]), np.array([1.0]))
    assert con.good and not con.feasible
    ok = thm5_construction(_one_cluster(np.array([[1.0, 0.0], [1.0, 0.02]]), np.array([1.0, 1.0])),
                           np.array([[0.1, 1.0]]), np.array([1.0]))
    assert ok.good and ok.feasible


def test_thm5_construction_is_infeasible_when_an_initial_neuron_is_on_a_data_hyperplane():
    # neuron 1 (unused) has ⟨w_1, x_0⟩ = 0: the initialization is on a basin boundary
    X = np.array([[1.0, 0.0], [1.0, 0.02]])
    W = np.array([[1.0, 0.0], [0.0, 1.0]])
    con = thm5_construction(_one_cluster(X, np.array([1.0, 1.0])), W, np.array([1.0, -1.0]))
    assert con.good and not con.feasible
    W2 = np.array([[1.0, 0.0], [0.5, 1.0]])
    assert thm5_construction(_one_cluster(X, np.array([1.0, 1.0])), W2, np.array([1.0, -1.0])).feasible


def _realizable(basis):
    Ws = np.array([[1.0, 0.0], [0.0, 1.0]])
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    return RealizableData(X=X, y=np.ones(2), W_star=Ws, v_star=np.ones(2), B=1.0, rank=basis.shape[1], basis=basis)


def test_thm3_key_step_falls_back_to_the_nearest_matching_outside_the_caps():
    """Targets e₁, e₂ (v* = 1, B = 1), ε = 0.04: caps of chord √ε/(nB) = 0.1. Neuron 0 is in the
    cap of e₁, neuron 1 (direction (1, 1)/√2) in no cap: the caps event fails, and every target
    still gets a distinct neuron of the least total distance."""
    data = _realizable(np.eye(2))
    ks = thm3_key_step(data, np.array([[1.0, 0.01], [1.0, 1.0]]), np.array([1.0, 2.0]), 0.04)
    assert ks.assignment.tolist() == [0, 1] and not ks.in_caps
    assert ks.distances[1] == pytest.approx(np.sqrt(2 - np.sqrt(2)), rel=1e-12)
    ks2 = thm3_key_step(data, np.array([[1.0, 0.01], [0.01, 1.0]]), np.array([1.0, 2.0]), 0.04)
    assert ks2.assignment.tolist() == [0, 1] and ks2.in_caps


def test_thm3_key_step_refuses_a_neuron_orthogonal_to_the_row_space():
    data = _realizable(np.array([[1.0], [0.0]]))
    with pytest.raises(ValueError, match="W: a neuron is orthogonal to the row space of X"):
        thm3_key_step(data, np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([1.0, 1.0]), 0.04)


def test_the_module_reads_the_cone_codes_as_bit_flags():
    """CONE_PLUS = 1 and CONE_MINUS = 2 are the bits 'some + neuron' and 'some − neuron' of the
    cone index (CONE_REAL = 3 both): the sufficient event reads them on a fresh module instance."""
    import importlib.util

    spec = importlib.util.find_spec("numerics.basins.probability")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert (mod.CONE_ZERO, mod.CONE_PLUS, mod.CONE_MINUS, mod.CONE_REAL) == (0, 1, 2, 3)
    t = mod.singleton_table(DATA)
    assert t.sufficient_event([[1, -1], [-1, -1], [1, 1]], [1, 1, -1])
    assert not t.sufficient_event([[1, -1], [-1, 1]], [1, -1])
    n, block = 2, 32
    good, suff = mod.singleton_block_trial(np.random.default_rng(5), 0, table=t, n=n,
                                           alpha_scaled=int(t.alpha(n) * t.denominator), block=block)
    s = np.random.default_rng(5).integers(0, 2, size=(block, n, 3), dtype=np.int8) * 2 - 1
    assert suff == sum(t.sufficient_event(s[i, :, :2], s[i, :, 2]) for i in range(block))
