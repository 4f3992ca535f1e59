"""numerics.init_laws (claim SS16.A1-signs): what each initialization law draws, SphereLaw's
zero-norm redraw and init_two_layer's default (the Assumption 1 flags and the sweep constants:
test_init_laws_declarations.py).

Exact draws are checked against the law's documented formula (module docstring table) applied to
the same generator stream; the zero-norm redraw, which a real generator never triggers, is driven by
a scripted generator.
"""

from __future__ import annotations

import numpy as np

from numerics.init_laws import GaussianLaw, HalfGaussianLaw, MeanShiftedGaussianLaw, SphereLaw, init_two_layer
from overspec.testing import assert_close


def _normals(seed: int, shape: tuple[int, int]) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


# ------------------------------------------------------------------ the draws


def test_gaussian_law_is_scale_times_standard_normals():
    Z = GaussianLaw(2.5).sample(np.random.default_rng(3), 4, 3)
    assert_close(Z, 2.5 * _normals(3, (4, 3)), rtol=1e-15, name="Z")  # one multiplication


def test_mean_shifted_law_is_shift_plus_scale_times_standard_normals():
    Z = MeanShiftedGaussianLaw(0.75, 2.0).sample(np.random.default_rng(4), 5, 3)
    assert_close(Z, 0.75 + 2.0 * _normals(4, (5, 3)), atol=1e-14, name="Z")  # one multiply-add


def test_half_gaussian_law_is_abs_of_scale_times_standard_normals():
    Z = HalfGaussianLaw(3.0).sample(np.random.default_rng(5), 5, 2)
    assert_close(Z, np.abs(3.0 * _normals(5, (5, 2))), rtol=1e-15, name="Z")  # one multiplication


def test_sphere_law_rows_have_norm_radius():
    Z = SphereLaw(3.0).sample(np.random.default_rng(6), 50, 4)
    assert_close(np.linalg.norm(Z, axis=1), np.full(50, 3.0), rtol=1e-14, name="‖row‖")  # rounding


class _Scripted:
    """A generator whose standard_normal returns the given arrays in turn (checking the shape)."""

    def __init__(self, *draws):
        self.draws = [np.array(d, dtype=float) for d in draws]
        self.shapes = []

    def standard_normal(self, shape):
        self.shapes.append(tuple(shape))
        out = self.draws.pop(0)
        assert out.shape == tuple(shape)
        return out


def test_sphere_law_redraws_a_zero_row_instead_of_dividing_by_zero():
    rng = _Scripted([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]], [[0.0, -2.0], [1.0, 0.0]])
    Z = SphereLaw(2.0).sample(rng, 3, 2)
    assert rng.shapes == [(3, 2), (2, 2)]  # only the two zero rows are redrawn
    assert np.array_equal(Z, [[0.0, -2.0], [1.2, 1.6], [2.0, 0.0]])


def test_sphere_law_redraws_until_no_row_is_zero():
    rng = _Scripted([[0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0]], [[0.0, 0.0, 5.0]])
    Z = SphereLaw(1.0).sample(rng, 1, 3)
    assert np.array_equal(Z, [[0.0, 0.0, 1.0]])


# ------------------------------------------------------------------ init_two_layer


def test_init_two_layer_draws_the_output_weight_jointly_by_default():
    W, v = init_two_layer(GaussianLaw(), np.random.default_rng(7), 4, 2)
    Z = _normals(7, (4, 3))  # (w_i, v_i) ∈ R^{d+1} in one row
    assert np.array_equal(W, Z[:, :2]) and np.array_equal(v, Z[:, 2])
    Ws, vs = init_two_layer(GaussianLaw(), np.random.default_rng(7), 4, 2, include_output=False)
    assert not np.array_equal(Ws, W)  # separately: W from the first (4, 2) normals
    assert np.array_equal(Ws, _normals(7, (4, 2)))
