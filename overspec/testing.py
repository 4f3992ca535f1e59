"""Test helpers shared by tests/ and property_tests/ (cf. neural-tangents' test_utils).

* :func:`assert_close` — first asserts finiteness, then closeness, and reports the error it saw.
* :class:`ClaimRejected` — what a claim check raises when the data contradict the claim it
  checks, carrying the counterexample (``witness``); a negative control asserts that the check
  raises it on the mutated claim.
* :func:`assert_rejected_bound` — a control was rejected by its own (mutated) bound.
* :class:`Undecided` — what a check raises when its experiment or proof did not decide (a run at
  its cap, a certificate too weak for a point): no evidence for or against the claim.
* :func:`reference` — a reference value computed with mpmath, carrying its recipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


class ClaimRejected(AssertionError):
    """The evidence contradicts the claim being checked: the message says how, ``witness`` holds
    the counterexample's numbers (JSON-able after :func:`overspec.evidence.to_jsonable`).

    The ledger keeps the witness in the refuted check's entry (``counterexample``), beside the
    evidence the check recorded before it failed::

        raise ClaimRejected("upper bound 0.41 < claimed 0.5", witness={"successes": 3, "trials": 40})
    """

    def __init__(self, message: str = "", witness: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        if witness is not None and not isinstance(witness, dict):
            raise TypeError(f"witness: a dict of named values, got {type(witness).__name__}")
        self.witness: dict[str, Any] = dict(witness or {})


class Undecided(Exception):
    """The check could not decide: the experiment did not converge, or a proof it needs did not go
    through. Not evidence against the claim (so not an AssertionError: a negative control expecting
    :class:`ClaimRejected` is not satisfied by it); the ledger's verdict is ``undecided`` and
    ``witness`` holds what was left undecided::

        raise Undecided("12 bad end points carry no proof", witness={"row": [20, 20], "points": [...]})
    """

    def __init__(self, message: str = "", witness: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        if witness is not None and not isinstance(witness, dict):
            raise TypeError(f"witness: a dict of named values, got {type(witness).__name__}")
        self.witness: dict[str, Any] = dict(witness or {})


def assert_rejected_bound(exc: ClaimRejected, bound: float, direction: str = "at_least",
                          rel: float = 1e-12) -> dict[str, Any]:
    """A negative control's reason check: the binomial check rejected exactly ``bound`` in
    ``direction`` (the witness of :func:`numerics.montecarlo.check_probability_at_least` /
    ``_at_most``), not some other bound or side of the same data. Returns the witness.

    ``rel``: the bound is recomputed by the control from the same numbers, so they agree to
    rounding (1e-12 relative is ≫ the few ulps of a product of ≤ 10 floats)."""
    w = exc.witness
    if w.get("direction") != direction or "bound" not in w:
        raise AssertionError(f"rejected for another reason than p {direction} bound: witness {w!r}")
    if not abs(float(w["bound"]) - float(bound)) <= rel * max(1.0, abs(float(bound))):
        raise AssertionError(f"rejected bound {w['bound']!r}, expected the mutated bound {bound!r}")
    return w


def assert_finite(x: Any, name: str = "value") -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise AssertionError(f"{name}: not finite: {arr!r}")
    return arr


def assert_close(
    actual: Any, expected: Any, *, rtol: float = 0.0, atol: float = 0.0, name: str = "value"
) -> float:
    """Assert |actual − expected| ≤ atol + rtol·|expected| elementwise; return the max abs error.

    Both sides are first checked to be finite. At least one of ``rtol``/``atol`` must be set
    (a check with tolerance 0 belongs in an exact comparison, not here).
    """
    if rtol < 0 or atol < 0 or (rtol == 0 and atol == 0):
        raise ValueError("rtol, atol: need non-negative tolerances, not both 0")
    a = assert_finite(actual, f"{name} (actual)")
    e = assert_finite(expected, f"{name} (expected)")
    if a.shape != e.shape:
        raise AssertionError(f"{name}: shapes differ: {a.shape} vs {e.shape}")
    err = np.abs(a - e)
    allowed = atol + rtol * np.abs(e)
    if np.any(err > allowed):
        i = np.unravel_index(int(np.argmax(err - allowed)), err.shape) if err.ndim else ()
        raise AssertionError(
            f"{name}: max |error| = {float(err.max()):.3e} exceeds atol={atol:.1e} + rtol={rtol:.1e}·|expected|"
            f" (worst at index {i}: actual {a[i]!r}, expected {e[i]!r})"
        )
    return float(err.max()) if err.size else 0.0


@dataclass(frozen=True)
class Reference:
    """A reference value with the recipe that computed it (as SciPy's test data do)."""

    value: float
    recipe: str


def reference(expr: str, dps: int = 50, **variables: Any) -> Reference:
    """Evaluate the mpmath expression ``expr`` at ``dps`` digits; keep the recipe beside the value.

    >>> reference("betainc(a, b, 0, x, regularized=True)", a=1.5, b=0.5, x=0.25).recipe
    'mpmath (dps=50): betainc(a, b, 0, x, regularized=True) with a=1.5, b=0.5, x=0.25'
    """
    import mpmath

    with mpmath.workdps(dps):
        ns = {name: getattr(mpmath, name) for name in dir(mpmath) if not name.startswith("_")}
        ns.update({k: mpmath.mpf(v) if isinstance(v, (int, float)) else v for k, v in variables.items()})
        value = float(eval(expr, {"__builtins__": {}}, ns))  # noqa: S307 - our own recipe strings
    args = ", ".join(f"{k}={v!r}" for k, v in variables.items())
    return Reference(value, f"mpmath (dps={dps}): {expr} with {args}")
