"""Initialization laws for the weights of one neuron, and whether they satisfy SS16's Assumption 1.

Assumption 1 (SS16 §2.4): the weights of every neuron are drawn independently, each neuron's
weight vector (including its bias — and, where a claim says so, its output weight) from a
*spherically symmetric* law supported on non-zero vectors. Its consequence used throughout
SS16 (claim SS16.A1-signs): the sign vector of a neuron's weights is uniform on {−1,+1}^D.

Every law here draws ``n_neurons`` independent vectors in R^D (one row per neuron) with
:meth:`InitLaw.sample` and says whether it satisfies Assumption 1:

==========================  =======================================  ============
law                         vector                                   Assumption 1
==========================  =======================================  ============
``GaussianLaw(scale)``      scale · N(0, I_D)                        yes
``SphereLaw(radius)``       radius · uniform on S^{D−1}              yes
``MeanShiftedGaussianLaw``  shift·1 + scale · N(0, I_D)              no (not centred)
``PositiveOutputLaw(base)`` base law with the last coordinate |·|    no (sign of output fixed)
``HalfGaussianLaw(scale)``  |scale · N(0, I_D)| entrywise            no (all weights positive)
==========================  =======================================  ============

The last two exist for negative controls. :func:`init_two_layer` draws (W, v) of a two-layer net
N_n(W, v)(x) = Σ_i v_i [⟨w_i, x⟩]_+ per neuron, either jointly ((w_i, v_i) ∈ R^{d+1} from the
law — SS16's "including the output weight") or W's rows and v's entries separately.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

__all__ = [
    "InitLaw",
    "GaussianLaw",
    "SphereLaw",
    "MeanShiftedGaussianLaw",
    "PositiveOutputLaw",
    "HalfGaussianLaw",
    "init_two_layer",
    "ASSUMPTION1_LAWS",
    "VIOLATING_LAWS",
]


def _check_shape(n_neurons: int, dim: int) -> tuple[int, int]:
    for name, v in (("n_neurons", n_neurons), ("dim", dim)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name}: must be a positive integer, got {v!r}")
    return int(n_neurons), int(dim)


def _positive_finite(value: float, name: str) -> float:
    v = float(value)
    if not (np.isfinite(v) and v > 0):
        raise ValueError(f"{name}: must be a finite positive number, got {value!r}")
    return v


class InitLaw(ABC):
    """A law for one neuron's weight vector in R^D; rows of :meth:`sample` are i.i.d. neurons."""

    name: str = "law"
    satisfies_assumption1: bool = False

    @abstractmethod
    def sample(self, rng: np.random.Generator, n_neurons: int, dim: int) -> Array:
        """``n_neurons`` independent weight vectors in R^``dim`` (shape (n_neurons, dim))."""

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True, repr=False)
class GaussianLaw(InitLaw):
    """scale · N(0, I_D): spherically symmetric, no atom at 0 — satisfies Assumption 1."""

    scale: float = 1.0
    satisfies_assumption1 = True

    def __post_init__(self) -> None:
        _positive_finite(self.scale, "scale")

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"gaussian(scale={self.scale:g})"

    def sample(self, rng: np.random.Generator, n_neurons: int, dim: int) -> Array:
        n, d = _check_shape(n_neurons, dim)
        return self.scale * rng.standard_normal((n, d))


@dataclass(frozen=True, repr=False)
class SphereLaw(InitLaw):
    """radius · uniform on the unit sphere S^{D−1} (normalized Gaussians) — satisfies Assumption 1."""

    radius: float = 1.0
    satisfies_assumption1 = True

    def __post_init__(self) -> None:
        _positive_finite(self.radius, "radius")

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"sphere(radius={self.radius:g})"

    def sample(self, rng: np.random.Generator, n_neurons: int, dim: int) -> Array:
        n, d = _check_shape(n_neurons, dim)
        g = rng.standard_normal((n, d))
        norms = np.linalg.norm(g, axis=1, keepdims=True)
        while np.any(norms == 0.0):  # probability zero; redraw rather than divide by 0
            bad = (norms == 0.0).ravel()
            g[bad] = rng.standard_normal((int(bad.sum()), d))
            norms = np.linalg.norm(g, axis=1, keepdims=True)
        return self.radius * g / norms


@dataclass(frozen=True, repr=False)
class MeanShiftedGaussianLaw(InitLaw):
    """shift·(1,…,1) + scale·N(0, I_D): centred off the origin — VIOLATES Assumption 1."""

    shift: float = 0.5
    scale: float = 1.0
    satisfies_assumption1 = False

    def __post_init__(self) -> None:
        _positive_finite(self.scale, "scale")
        if not np.isfinite(self.shift) or self.shift == 0:
            raise ValueError(f"shift: must be finite and non-zero (0 is the Gaussian law), got {self.shift!r}")

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"mean_shifted_gaussian(shift={self.shift:g}, scale={self.scale:g})"

    def sample(self, rng: np.random.Generator, n_neurons: int, dim: int) -> Array:
        n, d = _check_shape(n_neurons, dim)
        return self.shift + self.scale * rng.standard_normal((n, d))


@dataclass(frozen=True, repr=False)
class PositiveOutputLaw(InitLaw):
    """``base`` with the last coordinate (the output weight v_i) replaced by its absolute value.

    Positive-only output weights — VIOLATES Assumption 1 (the sign of v_i is always +).
    """

    base: InitLaw = GaussianLaw()
    satisfies_assumption1 = False

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"positive_output({self.base.name})"

    def sample(self, rng: np.random.Generator, n_neurons: int, dim: int) -> Array:
        out = np.array(self.base.sample(rng, n_neurons, dim), dtype=float)
        out[:, -1] = np.abs(out[:, -1])
        return out


@dataclass(frozen=True, repr=False)
class HalfGaussianLaw(InitLaw):
    """|scale · N(0, I_D)| entrywise: every weight positive — VIOLATES Assumption 1.

    Used as the law of a deep net's output layer ("positive-only output weights").
    """

    scale: float = 1.0
    satisfies_assumption1 = False

    def __post_init__(self) -> None:
        _positive_finite(self.scale, "scale")

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"half_gaussian(scale={self.scale:g})"

    def sample(self, rng: np.random.Generator, n_neurons: int, dim: int) -> Array:
        n, d = _check_shape(n_neurons, dim)
        return np.abs(self.scale * rng.standard_normal((n, d)))


ASSUMPTION1_LAWS: tuple[InitLaw, ...] = (
    GaussianLaw(1.0),
    GaussianLaw(0.01),
    GaussianLaw(100.0),
    SphereLaw(1.0),
    SphereLaw(3.0),
)
"""Laws satisfying Assumption 1, at several scales (for sweeps over laws)."""

VIOLATING_LAWS: tuple[InitLaw, ...] = (
    MeanShiftedGaussianLaw(0.5, 1.0),
    PositiveOutputLaw(GaussianLaw(1.0)),
    HalfGaussianLaw(1.0),
)
"""Laws violating Assumption 1 (negative controls)."""


def init_two_layer(
    law: InitLaw, rng: np.random.Generator, n: int, d: int, *, include_output: bool = True
) -> tuple[Array, Array]:
    """(W, v) ∈ R^{n×d} × R^n for N_n(W, v)(x) = Σ_i v_i [⟨w_i, x⟩]_+, neuron by neuron.

    ``include_output=True``: row i of ``law.sample(rng, n, d + 1)`` is (w_i, v_i) — the neuron's
    whole weight vector, output weight included, drawn from the law (SS16 Assumption 1 read with
    the output weight). ``include_output=False``: W = ``law.sample(rng, n, d)`` and
    v = ``law.sample(rng, n, 1)`` (each output weight a 1-D draw of the law: for the sphere,
    ±radius with equal probability).
    """
    if not isinstance(law, InitLaw):
        raise ValueError(f"law: must be an InitLaw, got {law!r}")
    n, d = _check_shape(n, d)
    if include_output:
        Z = law.sample(rng, n, d + 1)
        return np.ascontiguousarray(Z[:, :d]), np.ascontiguousarray(Z[:, d])
    hidden = law.base if isinstance(law, PositiveOutputLaw) else law  # only v's sign is forced
    W = hidden.sample(rng, n, d)
    v = law.sample(rng, n, 1)[:, 0]
    return W, v
