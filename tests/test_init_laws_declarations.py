"""numerics.init_laws's declarations (claim SS16.A1-signs): which law says it satisfies SS16's
Assumption 1, the default of a new law, and the sweep constants ASSUMPTION1_LAWS / VIOLATING_LAWS.
"""

from __future__ import annotations

import numpy as np

from numerics.init_laws import (
    ASSUMPTION1_LAWS,
    VIOLATING_LAWS,
    GaussianLaw,
    HalfGaussianLaw,
    InitLaw,
    MeanShiftedGaussianLaw,
    PositiveOutputLaw,
    SphereLaw,
)


def test_assumption1_flags_and_sweep_constants_are_the_documented_ones():
    # module docstring table: Gaussian and sphere satisfy Assumption 1; shifted, positive-output
    # and half-Gaussian laws do not
    flags = {law: law().satisfies_assumption1 for law in
             (GaussianLaw, SphereLaw, MeanShiftedGaussianLaw, PositiveOutputLaw, HalfGaussianLaw)}
    assert flags == {GaussianLaw: True, SphereLaw: True, MeanShiftedGaussianLaw: False,
                     PositiveOutputLaw: False, HalfGaussianLaw: False}

    class Ones(InitLaw):  # a new law claims nothing unless it says so
        def sample(self, rng, n_neurons, dim):
            return np.ones((n_neurons, dim))

    assert Ones().satisfies_assumption1 is False and repr(Ones()) == "law"

    # docs/claims/SS16.A1-signs.md: "Gaussian at scales 0.01, 1, 100 and uniform on spheres of radius 1, 3"
    assert sorted(map(repr, ASSUMPTION1_LAWS)) == sorted([
        "gaussian(scale=0.01)", "gaussian(scale=1)", "gaussian(scale=100)", "sphere(radius=1)", "sphere(radius=3)"])
    assert all(law.satisfies_assumption1 for law in ASSUMPTION1_LAWS)
    # negative controls: the three violating laws of the module docstring table, at their defaults
    assert [repr(law) for law in VIOLATING_LAWS] == [
        "mean_shifted_gaussian(shift=0.5, scale=1)", "positive_output(gaussian(scale=1))", "half_gaussian(scale=1)"]
    assert VIOLATING_LAWS == (MeanShiftedGaussianLaw(), PositiveOutputLaw(), HalfGaussianLaw())
    assert not any(law.satisfies_assumption1 for law in VIOLATING_LAWS)
