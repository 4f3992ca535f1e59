"""numerics.stiff_flow.integrate_cell: a state that turns non-finite in ANY component is an
IntegrationError naming the cell, never a checkpoint (module docstring: "an integrator failure
raises IntegrationError naming the cell"; the cells' status must never rest on a NaN).

Claims ZBZ24.full-sample, .separation, .init-scale, .ratio (the integrator they use). A real stiff
solver spreads a NaN of the field over the whole state within one step (tests/test_flow.py has that
case), so the partial case is produced by a stand-in solver with the scipy OdeSolver interface that
integrate_cell drives (``step()``, ``status``, ``t``, ``y``, ``nfev``, ``njev``), registered as a
method for the duration of the test: it keeps reporting "running" while one coordinate is NaN.
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics import stiff_flow as sf


class _OneCoordinateNaN:
    """Steps t by 1; from the first step on, the first coordinate of the state is NaN."""

    def __init__(self, fun, t0, y0, t_bound, **_options):
        self.t, self.y, self.t_bound = t0, np.array(y0, dtype=float), t_bound
        self.status, self.nfev, self.njev = "running", 0, 0

    def step(self):
        self.t += 1.0
        self.y = self.y.copy()
        self.y[0] = np.nan
        return None


def test_a_state_non_finite_in_one_coordinate_raises_naming_the_cell(monkeypatch):
    monkeypatch.setitem(sf._SOLVERS, "OneNaN", _OneCoordinateNaN)
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.tanh(X @ [1.0, -0.5])
    cell = sf.make_cell("partly-nan", np.array([0.3, 0.2, 0.4]), X, y, X, y)
    with pytest.raises(sf.IntegrationError, match=r"^cell partly-nan: solve_ivp's OneNaN failed at t = 1: None$"):
        sf.integrate_cell(cell, sf.Criterion(j_first=0, j_max=4), method="OneNaN")
