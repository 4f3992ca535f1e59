"""numerics.recovery_grid's test grid (ZBZ24.full-sample / ZBZ24.separation set-up): generalization
error is measured on the 41 × 41 grid of [−2, 2]² against tanh(w*ᵀx), w* = (1, 0.5).
"""

from __future__ import annotations

import numpy as np

from numerics.recovery_grid import T_TEST, W_STAR, X_TEST
from overspec.testing import assert_close


def test_test_grid_is_the_41_by_41_grid_of_the_square_minus2_2():
    assert X_TEST.shape == (41 * 41, 2)
    step01 = np.arange(-20, 21) / 10.0  # −2, −1.9, …, 2: spacing 0.1
    for j in range(2):
        vals = np.unique(np.round(X_TEST[:, j], 12))  # linspace rounding is ~1e-16
        assert_close(vals, step01, atol=1e-12, name=f"coordinate {j} values")
    assert np.unique(np.round(X_TEST, 12), axis=0).shape[0] == 41 * 41  # every pair once
    assert X_TEST.min() == -2.0 and X_TEST.max() == 2.0


def test_test_target_is_tanh_of_x1_plus_half_x2():
    assert np.array_equal(W_STAR, [1.0, 0.5])
    expected = np.array([np.tanh(x1 + 0.5 * x2) for x1, x2 in X_TEST])
    assert_close(T_TEST, expected, atol=1e-15, name="T_TEST")  # one rounding of a 2-term dot product
