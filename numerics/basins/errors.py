"""The basin engine's exceptions (one place, so every module raises the same types)."""

from __future__ import annotations


class EmptyBasinError(ValueError):
    """The sign pattern (A, b) is not realisable on X: the basin B^{A,b} is empty."""


class SolverError(RuntimeError):
    """The convex program did not end with status "optimal" (or its certificate failed)."""


class BoundaryError(ValueError):
    """(W, v) lies on a basin boundary (⟨w_j, x_t⟩ = 0 or v_j = 0 up to rounding)."""

