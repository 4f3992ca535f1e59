"""The ZBZ24 recovery grid: sample size n × sample draw × imbalance ratio, run to convergence.

Claims ZBZ24.full-sample and ZBZ24.separation (ZBZ24 §6). Set-up: f_θ(x) = Σ_{k≤2} a_k tanh(w_kᵀx),
d = 2 (6 parameters), target tanh(w*ᵀx), w* = (1, 0.5); sample draw s at size n: x_i ~ N(0, I₂)
from ``default_rng(1000·n + s)``; small init θ(0) = ε·θ̄, θ̄ = C_1e_1 + C_2e_2 with
C = (1, r)/‖(1, r)‖ (numerics.imbalance.init_with_imbalance), ε = 1e-4; r = C_2/C_1 ∈ [0, 1] (r and
−r, and swapping the neurons, are symmetries; r = 0: neuron 2 stays at 0, r = 1: two identical
neurons — the two *extreme* ratios, where the net is effectively one neuron). Generalization error
on the 41 × 41 grid of [−2, 2]². Each cell is integrated and classified by numerics.stiff_flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

from numerics.imbalance import init_with_imbalance
from numerics.stiff_flow import RECOVERED, STATUSES, Cell, CellResult, Criterion, integrate_cells, make_cell

Array = NDArray[np.float64]

W_STAR = np.array([1.0, 0.5])
D_IN, EPS = 2, 1e-4
_g = np.linspace(-2.0, 2.0, 41)
X_TEST = np.array(np.meshgrid(_g, _g)).reshape(2, -1).T
T_TEST = np.tanh(X_TEST @ W_STAR)


def sample(n: int, draw: int, w_star: Array = W_STAR) -> tuple[Array, Array]:
    """Sample draw ``draw`` of size n: X (n, 2) ~ N(0, I), y = tanh(X w*)."""
    X = np.random.default_rng(1000 * n + draw).normal(size=(n, D_IN))
    return X, np.tanh(X @ w_star)


def ratio_init(r: float, X: Array, y: Array, eps: float = EPS) -> Array:
    """θ(0) = ε·(C_1e_1 + C_2e_2), C = (1, r)/‖(1, r)‖."""
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps: expected a positive initialization scale, got {eps}")
    return eps * init_with_imbalance(np.array([1.0, r]) / np.hypot(1.0, r), X, y)


def grid_cells(sizes: Sequence[int], draws: int, ratios: Sequence[float], eps: float = EPS,
               test_target: Array | None = None) -> list[Cell]:
    """Cells in (n, draw, r) order; ``test_target`` replaces tanh(w*ᵀx) on the test grid (controls)."""
    target = T_TEST if test_target is None else test_target
    cells = []
    for n in sizes:
        for s in range(draws):
            X, y = sample(n, s)
            for r in ratios:
                cells.append(make_cell(f"n={n} draw={s} r={r:.4g}", ratio_init(r, X, y, eps), X, y, X_TEST, target))
    return cells


@dataclass(frozen=True)
class Grid:
    """Results of a grid: ``status[i, s, k]`` for size sizes[i], draw s, ratio ratios[k]."""

    sizes: tuple[int, ...]
    ratios: Array
    draws: int
    results: tuple[CellResult, ...]
    criterion: Criterion

    def _arr(self, f) -> np.ndarray:
        return np.array([f(r) for r in self.results]).reshape(len(self.sizes), self.draws, self.ratios.size)

    @property
    def status(self) -> np.ndarray:
        return self._arr(lambda r: r.status)

    @property
    def gen_error(self) -> Array:
        return self._arr(lambda r: r.gen_error[-1])

    @property
    def decided_at(self) -> Array:
        return self._arr(lambda r: r.decided_at)

    def fraction(self) -> Array:
        """Recovery fraction per (n, r) over draws (undecided cells count as not recovered here;
        :meth:`summary` reports them)."""
        return np.mean(self.status == RECOVERED, axis=1)

    def summary(self) -> dict:
        st = self.status
        out = {}
        for i, n in enumerate(self.sizes):
            s = st[i]
            out[n] = {k: int(np.sum(s == k)) for k in STATUSES}
            out[n]["cells"] = int(s.size)
            out[n]["fraction_recovered"] = float(np.mean(s == RECOVERED))
            out[n]["recovered_per_ratio"] = np.sum(s == RECOVERED, axis=0).tolist()
        return out

    def cell(self, n: int, draw: int, k: int) -> CellResult:
        i = self.sizes.index(n)
        return self.results[(i * self.draws + draw) * self.ratios.size + k]


def run_grid(sizes: Sequence[int], draws: int, ratios: Sequence[float], criterion: Criterion = Criterion(),
             *, eps: float = EPS, test_target: Array | None = None, n_jobs: int | None = None,
             scheduler: Any = None, **options: Any) -> Grid:
    """Integrate and classify every (n, draw, r) cell (numerics.stiff_flow.integrate_cells)."""
    ratios = np.asarray(ratios, dtype=float)
    if ratios.ndim != 1 or ratios.size == 0 or np.any(ratios < 0) or np.any(ratios > 1):
        raise ValueError(f"ratios: expected a non-empty 1-d array in [0, 1], got {ratios}")
    if int(draws) != draws or draws < 1:
        raise ValueError(f"draws: expected a positive integer, got {draws}")
    cells = grid_cells(sizes, int(draws), ratios, eps, test_target)
    res = integrate_cells(cells, criterion, n_jobs=n_jobs, scheduler=scheduler, **options)
    return Grid(tuple(int(n) for n in sizes), ratios, int(draws), tuple(res), criterion)
