"""The evidence a claim check records, and its conversion to deterministic JSON.

A check asks for the ``evidence`` fixture and records what it saw::

    evidence.record(estimate=0.93, bound=0.87, sample_size=4000, seed=11)
    evidence.tolerance("gap", 1e-7, "Clarabel's duality-gap tolerance (tol_gap_abs = 1e-8) × 10")
    evidence.figure("probability_vs_width", fig)

Values must be JSON-able after :func:`to_jsonable` (numbers, strings, bools, None, lists, dicts,
NumPy arrays and scalars, Fractions, SymPy expressions — the last two as strings).
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

FIGURE_DIR_ENV = "OVERSPEC_FIGURE_DIR"
USER_PROPERTY = "overspec_evidence"


def to_jsonable(value: Any) -> Any:
    """A JSON-serializable copy of ``value`` (stable: same input, same output)."""
    import numpy as np

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v) or math.isinf(v):
            return repr(v)
        return v
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return str(value)  # SymPy expressions and anything else: their printed form


class Evidence:
    """What one check records; stored on the pytest report as a user property."""

    def __init__(self, claim_id: str, nodeid: str) -> None:
        self.claim_id = claim_id
        self.nodeid = nodeid
        self.data: dict[str, Any] = {}
        self.tolerances: dict[str, dict[str, Any]] = {}
        self.figures: list[str] = []

    def record(self, **fields: Any) -> None:
        """Record named values (estimate, bound, interval, sample_size, seed, certificate, …)."""
        for key, value in fields.items():
            self.data[key] = to_jsonable(value)

    def tolerance(self, name: str, value: float, reason: str) -> float:
        """Record a tolerance with where it comes from; returns ``value`` for use in the check."""
        if not reason:
            raise ValueError("reason: a tolerance needs the reason it has this value")
        self.tolerances[name] = {"value": to_jsonable(value), "reason": reason}
        return value

    def figure(self, name: str, fig: Any) -> Path | None:
        """Save a matplotlib figure for the ledger (only when the ledger command asks for figures)."""
        import matplotlib.pyplot as plt

        out = os.environ.get(FIGURE_DIR_ENV)
        path = None
        if out:
            safe = self.claim_id.replace("/", "_")
            path = Path(out) / f"{safe}__{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, dpi=100, metadata={"Software": None})
            self.figures.append(path.name)
        plt.close(fig)
        return path

    def as_dict(self) -> dict[str, Any]:
        return {"data": self.data, "tolerances": self.tolerances, "figures": self.figures}
