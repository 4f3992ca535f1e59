"""Claim check SS16.A1-signs: under Assumption 1 a neuron's sign vector is uniform on {−1,+1}^D.

The test: draw N neurons, count the 2^D sign patterns, and test every cell probability against
2^{−D} on both sides with exact one-sided Clopper–Pearson bounds at α/(2·2^D) each (Bonferroni:
the false-alarm probability of the whole test is ≤ α = 1e-6, exactly, with no asymptotics).
Pearson's χ² statistic and its asymptotic p-value are recorded beside it as a second,
descriptive view. Power: the smallest deviation of one cell probability from 2^{−D} that the
test detects with probability ≥ 0.99.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from numerics.init_laws import (
    GaussianLaw,
    HalfGaussianLaw,
    InitLaw,
    MeanShiftedGaussianLaw,
    PositiveOutputLaw,
    SphereLaw,
    init_two_layer,
)
from numerics.montecarlo import check_probability_at_least, check_probability_at_most, detectable_violation
from overspec.testing import ClaimRejected

ALPHA = 1e-6
D = 4  # weight-vector dimension (d = 3 inputs + the output weight): 16 sign patterns


def sign_pattern_counts(Z: np.ndarray) -> np.ndarray:
    """Counts of the 2^D sign patterns of the rows of Z (bit j set ⟺ Z[:, j] > 0)."""
    Z = np.asarray(Z, dtype=float)
    if Z.ndim != 2 or Z.shape[0] < 1 or Z.shape[1] < 1:
        raise ValueError(f"Z: need an (N, D) sample with N ≥ 1, got shape {Z.shape}")
    if not np.all(np.isfinite(Z)):
        raise ValueError("Z: contains NaN or infinite entries")
    codes = (Z > 0).astype(np.int64) @ (1 << np.arange(Z.shape[1], dtype=np.int64))
    return np.bincount(codes, minlength=1 << Z.shape[1])


def check_sign_uniformity(Z: np.ndarray, alpha: float = ALPHA) -> dict:
    """ClaimRejected unless every sign-pattern probability is consistent with 2^{−D} (see module doc)."""
    Z = np.asarray(Z, dtype=float)
    counts = sign_pattern_counts(Z)
    N, K = Z.shape[0], counts.size
    if np.any(Z == 0.0):
        raise ClaimRejected(f"{int(np.sum(Z == 0.0))} weights are exactly 0: the sign vector is not in {{−1,+1}}^{Z.shape[1]}")
    cell_alpha = alpha / (2 * K)
    p0 = 1.0 / K
    worst = None
    for cell, c in enumerate(counts):
        try:
            check_probability_at_least(int(c), N, p0, cell_alpha)
            check_probability_at_most(int(c), N, p0, cell_alpha)
        except ClaimRejected as exc:
            if worst is None or abs(c / N - p0) > abs(worst[1] / N - p0):
                worst = (cell, int(c), str(exc))
    chi2 = stats.chisquare(counts)
    out = {
        "trials": N,
        "cells": K,
        "counts": counts.tolist(),
        "cell_probability_claimed": p0,
        "max_abs_cell_deviation": float(np.max(np.abs(counts / N - p0))),
        "chi2_statistic": float(chi2.statistic),
        "chi2_df": K - 1,
        "chi2_p_value_asymptotic": float(chi2.pvalue),
        "alpha": alpha,
        "cell_alpha": cell_alpha,
        "power_gap_per_cell": max(
            detectable_violation(N, p0, cell_alpha), detectable_violation(N, p0, cell_alpha, direction="at_most")
        ),
        "power_statement": "a cell probability off 2^−D by power_gap_per_cell (either side) is rejected w.p. ≥ 0.99",
    }
    if worst is not None:
        cell, c, msg = worst
        bits = "".join("+" if (cell >> j) & 1 else "−" for j in range(Z.shape[1]))
        raise ClaimRejected(
            f"sign pattern {bits}: {c}/{N} (claimed probability {p0:g}); {msg}; "
            f"χ² = {out['chi2_statistic']:.1f} on {K - 1} df (asymptotic p = {out['chi2_p_value_asymptotic']:.2e})",
            witness={"pattern": bits, "cell": cell, "count": c, "trials": N, "claimed": p0,
                     "counts": out["counts"], "chi2_statistic": out["chi2_statistic"]},
        )
    return out


def neuron_vectors(law: InitLaw, rng: np.random.Generator, n: int, include_output: bool) -> np.ndarray:
    """n neurons (w_i, v_i) ∈ R^{D−1} × R of a two-layer net drawn by init_two_layer."""
    W, v = init_two_layer(law, rng, n, D - 1, include_output=include_output)
    return np.column_stack([W, v])


def record(evidence, out: dict, **extra) -> None:
    evidence.record(**out, **extra)
    evidence.tolerance(
        "false_alarm", ALPHA,
        "Bonferroni over 2·16 exact one-sided Clopper–Pearson tests at α/32 each (project standard α = 1e-6)",
    )


# ----------------------------------------------------------------------------- unit tests
def test_sign_pattern_counts_uses_one_bit_per_coordinate():
    Z = np.array([[1.0, -1.0], [-2.0, 3.0], [1.0, 1.0], [1.0, 2.0]])
    assert sign_pattern_counts(Z).tolist() == [0, 1, 1, 2]


@pytest.mark.parametrize("Z", [np.zeros((0, 3)), np.array([[np.nan, 1.0]]), np.ones(4)])
def test_sign_pattern_counts_rejects_bad_samples(Z):
    with pytest.raises(ValueError, match="Z"):
        sign_pattern_counts(Z)


def test_zero_weights_are_not_a_sign_vector():
    Z = np.random.default_rng(0).standard_normal((100, 2))
    Z[3, 1] = 0.0
    with pytest.raises(ClaimRejected, match="exactly 0"):
        check_sign_uniformity(Z)


@pytest.mark.parametrize("law", [GaussianLaw(1.0), SphereLaw(2.0), MeanShiftedGaussianLaw(0.5, 1.0), HalfGaussianLaw()])
def test_laws_draw_the_requested_shape_and_say_whether_they_satisfy_assumption1(law):
    Z = law.sample(np.random.default_rng(1), 5, 3)
    assert Z.shape == (5, 3) and np.all(np.isfinite(Z))
    assert law.satisfies_assumption1 == isinstance(law, (GaussianLaw, SphereLaw))


def test_sphere_law_lies_on_its_sphere_and_init_two_layer_shapes():
    Z = SphereLaw(3.0).sample(np.random.default_rng(2), 50, 4)
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 3.0, rtol=1e-12)  # normalization: a few ulps
    W, v = init_two_layer(SphereLaw(3.0), np.random.default_rng(2), 50, 3, include_output=True)
    np.testing.assert_allclose(np.hypot(np.linalg.norm(W, axis=1), v), 3.0, rtol=1e-12)
    W, v = init_two_layer(SphereLaw(3.0), np.random.default_rng(2), 50, 3, include_output=False)
    assert W.shape == (50, 3) and set(np.abs(v).round(12)) == {3.0}
    W, v = init_two_layer(PositiveOutputLaw(), np.random.default_rng(2), 50, 3, include_output=False)
    assert np.all(v > 0) and np.any(W[:, -1] < 0)  # only the output weights are forced positive


@pytest.mark.parametrize(
    "make", [lambda: GaussianLaw(0.0), lambda: SphereLaw(-1.0), lambda: MeanShiftedGaussianLaw(0.0), lambda: GaussianLaw(float("nan"))]
)
def test_bad_law_parameters_raise_value_error(make):
    with pytest.raises(ValueError):
        make()


def test_bad_shapes_raise_value_error():
    with pytest.raises(ValueError, match="n_neurons"):
        GaussianLaw().sample(np.random.default_rng(0), 0, 3)
    with pytest.raises(ValueError, match="law"):
        init_two_layer("gaussian", np.random.default_rng(0), 2, 3)


# ----------------------------------------------------------------------------- claim checks
A1_LAWS = [GaussianLaw(1.0), GaussianLaw(0.01), GaussianLaw(100.0), SphereLaw(1.0), SphereLaw(3.0)]


@pytest.mark.claim("SS16.A1-signs", kind="statistical")
@pytest.mark.parametrize("law", A1_LAWS, ids=repr)
def test_sign_vector_of_an_assumption1_neuron_is_uniform(law, evidence, profile):
    """(w_i, v_i) drawn jointly from the law (output weight included)."""
    assert law.satisfies_assumption1
    seed = 17
    Z = neuron_vectors(law, np.random.default_rng(seed), profile.samples(200000), include_output=True)
    out = check_sign_uniformity(Z)
    record(evidence, out, law=repr(law), include_output=True, dimension=D, seed=seed)


@pytest.mark.claim("SS16.A1-signs", kind="statistical")
@pytest.mark.parametrize("law", [GaussianLaw(1.0), SphereLaw(2.0)], ids=repr)
def test_sign_vector_is_uniform_when_output_weight_is_drawn_separately(law, evidence, profile):
    """w_i from the law on R^3, v_i from its 1-D version (±radius for the sphere)."""
    seed = 18
    Z = neuron_vectors(law, np.random.default_rng(seed), profile.samples(200000), include_output=False)
    out = check_sign_uniformity(Z)
    record(evidence, out, law=repr(law), include_output=False, dimension=D, seed=seed)


@pytest.mark.claim("SS16.A1-signs", kind="statistical", control=True)
def test_mean_shifted_gaussian_is_rejected(evidence, profile):
    law = MeanShiftedGaussianLaw(0.5, 1.0)
    assert not law.satisfies_assumption1
    Z = law.sample(np.random.default_rng(19), profile.samples(200000), D)
    with pytest.raises(ClaimRejected) as info:
        check_sign_uniformity(Z)
    # rejected for the right reason: the all-positive cell, P = Φ(0.5)^4 ≈ 0.20 ≫ 1/16, in excess
    w = info.value.witness
    assert w["pattern"] == "+" * D and w["count"] / w["trials"] > 1 / 16
    evidence.record(law=repr(law), rejected=True, trials=Z.shape[0], message=str(info.value), seed=19)


@pytest.mark.claim("SS16.A1-signs", kind="statistical", control=True)
def test_small_mean_shift_is_within_the_power_and_rejected(evidence, profile):
    """Shift 0.05: P[++++] = Φ(0.05)^4 ≈ 0.0731 vs 1/16, a deviation above the recorded power gap."""
    law = MeanShiftedGaussianLaw(0.05, 1.0)
    n = profile.samples(200000)
    gap = detectable_violation(n, 1 / 16, ALPHA / 32)
    true_dev = stats.norm.cdf(0.05) ** D - 1 / 16
    assert true_dev > gap  # the control is within the test's power by design
    Z = law.sample(np.random.default_rng(20), n, D)
    with pytest.raises(ClaimRejected) as info:
        check_sign_uniformity(Z)
    # the shifted extremes: ++++ in excess (Φ(0.05)^4 ≈ 0.0731) or −−−− short (Φ(−0.05)^4 ≈ 0.0531)
    w = info.value.witness
    assert w["pattern"] in ("+" * D, "−" * D)
    assert (w["count"] / w["trials"] > 1 / 16) == (w["pattern"] == "+" * D)
    evidence.record(law=repr(law), rejected=True, trials=n, true_cell_deviation=true_dev, power_gap=gap,
                    message=str(info.value), seed=20)


@pytest.mark.claim("SS16.A1-signs", kind="statistical", control=True)
def test_positive_only_output_weights_are_rejected(evidence, profile):
    law = PositiveOutputLaw(GaussianLaw(1.0))
    Z = neuron_vectors(law, np.random.default_rng(21), profile.samples(200000), include_output=True)
    with pytest.raises(ClaimRejected) as info:
        check_sign_uniformity(Z)
    # the output weight (the last coordinate) is never negative: every such cell is empty
    w = info.value.witness
    negative_output = [c for cell, c in enumerate(w["counts"]) if not (cell >> (D - 1)) & 1]
    assert negative_output == [0] * (1 << (D - 1))
    assert (w["count"] == 0) == (w["pattern"][-1] == "−")
    evidence.record(law=repr(law), rejected=True, trials=Z.shape[0], message=str(info.value), seed=21)
