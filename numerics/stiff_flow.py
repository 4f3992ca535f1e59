"""Small-initialization gradient flow integrated to convergence, and a classification that decides.

Claims ZBZ24.full-sample, ZBZ24.separation, ZBZ24.init-scale, ZBZ24.ratio.

**Integrator.** dθ/dt = F(θ) = −∇L(θ), L = (1/2n)Σ_i (f_θ(x_i) − y_i)², from θ(0) = θ0 (an ε-small
initialization), by ``scipy.integrate.solve_ivp(method="LSODA")`` with the analytic Jacobian
∂F/∂θ = −∇²L(θ) (:func:`numerics.network.hessian`, whose formula is derived with SymPy in
theory/flow_jacobian.py and checked against it in tests/test_flow.py). The flow is stiff: the
approach to a degenerate minimum (both neurons aligned with the target, a quartic valley) is
polynomial, L ~ t⁻², while the curvature across the valley stays O(1), so explicit methods need
~t steps; LSODA switches to BDF there and takes steps growing with t. (BDF alone fails on these
cells with "step size too small" near the end of the plateau; Radau costs ~10³× more evaluations:
benchmarks/bench_zbz24.py.) Tolerances:

* ``rtol = 1e-8``: the classification needs the generalization error to ~1e-2 relative at the
  threshold 1e-8; rtol = 1e-10 reproduces every status on the cross-checked cells (the test
  records the largest parameter difference);
* ``atol = 1e-14``: the state starts at ε‖θ̄‖ ≥ 1e-6 in the experiments, so atol ≤ 1e-8·|θ| during
  the escape phase (error control stays relative while θ is small); once θ = O(1), 1e-14 is far
  below the rtol·|θ| part and below the 1e-5 parameter distances at which t⁻² cells still move.

One solver object steps the whole run; the state is read (dense output) at the checkpoints
t_j = 10^j, j = j_first..j_max, and the run stops at the first checkpoint where the cell is
decided.

**Classification** (:class:`Criterion`, at checkpoint j with generalization error G_j on the test
set, training loss L_j and gradient norm g_j):

* ``recovered``: G ≤ ``recover_tol`` at two consecutive checkpoints (one decade apart) and still
  falling ≥ 10× over that decade, or ≤ ``zero_floor``;
* ``other global minimum``: L_j ≤ ``loss_floor``, g_j ≤ ``grad_floor``, G_j > ``zero_floor``
  and |G_i − G_j| ≤ ``stable_rel``·G_j for the last three checkpoints (stable over two decades);
* ``undecided``: neither by t = 10^j_max (reported and counted separately, never as either class).

The criterion's reasons are in :class:`Criterion`. An integrator failure raises
:class:`IntegrationError` naming the cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import BDF, LSODA, Radau

from numerics.network import batched_loss, batched_predict, get_activation, hessian

Array = NDArray[np.float64]

RECOVERED, OTHER, UNDECIDED = "recovered", "other global minimum", "undecided"
STATUSES = (RECOVERED, OTHER, UNDECIDED)


_SOLVERS = {"LSODA": LSODA, "BDF": BDF, "Radau": Radau}


class IntegrationError(RuntimeError):
    """solve_ivp failed on a cell (the message names the cell): never a silent status."""


@dataclass(frozen=True)
class Criterion:
    """The convergence/classification criterion (ZBZ24 recovery experiments).

    * ``recover_tol = 1e-8``: recovered cells reach G ≤ 1e-16 within a decade or two of crossing
      1e-8 (G ~ t⁻² on the degenerate branch, exponential on the other);
    * ``decay = 0.1``, ``zero_floor = 1e-20``: below the threshold G must still fall ≥ 10× per
      decade (t⁻² on the degenerate branch gives 100×, the exponential branch more) or be ≤ 1e-20
      (rms 1e-10; rounding leaves G ≈ 1e-30): a cell that stays at G ≈ 1e-9 is at another global
      minimum close to the target, not recovered (such cells occur at n = 3, r near 1, and at
      n = 4, 5: the thorough grid saw stable G from 1e-8 down to below it);
    * ``loss_floor = 1e-20``: √(2L) ≤ 1.5e-10 — the training residual is 10⁶ times below the rms
      error √1e-8 that separates the classes, so the point is a global minimum of the training
      loss up to that residual (rounding level is 1e-32);
    * ``grad_floor = 1e-9``: ‖∇L‖ ≤ 1e-9 — with ‖∇L‖ ~ √L·‖J‖ and ‖J‖ = O(1) this is implied
      near an interpolating point; a larger gradient means the flow is still moving;
    * ``stable_rel = 1e-3``: G changed by ≤ 0.1% over two decades of t — a polynomially moving
      cell (G ~ t^−α, α ≥ 0.01) changes by more than that;
    * checkpoints 10^2 … 10^12 (j_first, j_max).
    """

    recover_tol: float = 1e-8
    decay: float = 0.1
    zero_floor: float = 1e-20
    loss_floor: float = 1e-20
    grad_floor: float = 1e-9
    stable_rel: float = 1e-3
    j_first: int = 2
    j_max: int = 12

    def __post_init__(self) -> None:
        for name in ("recover_tol", "decay", "zero_floor", "loss_floor", "grad_floor", "stable_rel"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"{name}: expected a positive finite number, got {v}")
        if not (isinstance(self.j_first, int) and isinstance(self.j_max, int) and 0 <= self.j_first < self.j_max):
            raise ValueError(f"j_first, j_max: expected integers 0 ≤ j_first < j_max, got {self.j_first}, {self.j_max}")

    def decide(self, G: Array, L: Array, g: Array) -> str | None:
        """The status from the checkpoint histories so far (None: not yet decided)."""
        if (G.size >= 2 and G[-1] <= self.recover_tol and G[-2] <= self.recover_tol
                and (G[-1] <= self.decay * G[-2] or G[-1] <= self.zero_floor)):
            return RECOVERED
        if (G.size >= 3 and L[-1] <= self.loss_floor and g[-1] <= self.grad_floor and G[-1] > self.zero_floor
                and np.all(np.abs(G[-3:] - G[-1]) <= self.stable_rel * G[-1])):
            return OTHER
        return None


@dataclass(frozen=True)
class Cell:
    """One small-initialization experiment: θ(0) = theta0 on data (X, y), judged on (X_test, target)."""

    name: str
    theta0: Array
    X: Array
    y: Array
    X_test: Array
    target: Array
    activation: str = "tanh"


@dataclass(frozen=True)
class CellResult:
    """Checkpoint histories of one cell and its status (``t[j]`` = 10^(j_first + j))."""

    name: str
    status: str
    t: Array
    theta: Array  # (T, p)
    gen_error: Array
    loss: Array
    grad_norm: Array
    nfev: int
    njev: int
    settings: dict = field(default_factory=dict)

    @property
    def decided_at(self) -> float:
        """Flow time of the deciding checkpoint (inf if undecided)."""
        return float(self.t[-1]) if self.status != UNDECIDED else math.inf

    @property
    def end(self) -> Array:
        return self.theta[-1]


def _check_array(name: str, a: ArrayLike, ndim: int) -> Array:
    a = np.asarray(a)
    if np.iscomplexobj(a):
        raise ValueError(f"{name}: complex values are not supported")
    a = a.astype(float)
    if a.ndim != ndim or a.size == 0:
        raise ValueError(f"{name}: expected a non-empty {ndim}-d array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: contains NaN or inf")
    return a


def make_cell(
    name: str,
    theta0: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    X_test: ArrayLike,
    target: ArrayLike,
    activation: str = "tanh",
) -> Cell:
    """A validated :class:`Cell` (ValueError naming the argument on bad input)."""
    X = _check_array("X", X, 2)
    y = _check_array("y", y, 1)
    X_test = _check_array("X_test", X_test, 2)
    target = _check_array("target", target, 1)
    theta0 = _check_array("theta0", theta0, 1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y: expected {X.shape[0]} labels (one per row of X), got {y.shape[0]}")
    if X_test.shape[1] != X.shape[1]:
        raise ValueError(f"X_test: expected {X.shape[1]} columns like X, got {X_test.shape[1]}")
    if target.shape[0] != X_test.shape[0]:
        raise ValueError(f"target: expected {X_test.shape[0]} values (one per row of X_test), got {target.shape[0]}")
    if theta0.size % (X.shape[1] + 1):
        raise ValueError(f"theta0: length {theta0.size} is not a multiple of d + 1 = {X.shape[1] + 1}")
    if not np.any(theta0):
        raise ValueError("theta0: the origin is a fixed point of the flow")
    get_activation(activation)
    return Cell(str(name), theta0, X, y, X_test, target, activation)


def _field(X: Array, y: Array, sigma) -> Any:
    """F(θ) = −∇L(θ) for one θ: the single-state form of numerics.network's batched gradient
    (2c Σ_i r_i (σ(z_ik), a_k σ'(z_ik) x_i)_k, c = 1/(2n)), without its batch axes — on 6-dim
    states the batched kernel costs ~1.6× more per call (benchmarks/bench_zbz24.py); tests/test_flow.py
    checks the two agree."""
    n, d = X.shape
    c2 = 1.0 / n  # 2c
    XT = np.ascontiguousarray(X.T)

    def rhs(_t: float, v: Array) -> Array:
        blocks = v.reshape(-1, d + 1)
        a = blocks[:, 0]
        Z = blocks[:, 1:] @ XT  # (m, n)
        S = sigma(Z)
        r = (a @ S - y) * c2
        G = np.empty_like(blocks)
        G[:, 0] = S @ r
        G[:, 1:] = (sigma.df(Z) * (a[:, None] * r)) @ X
        return -G.ravel()

    return rhs


def integrate_cell(
    cell: Cell,
    criterion: Criterion = Criterion(),
    *,
    rtol: float = 1e-8,
    atol: float = 1e-14,
    method: str = "LSODA",
    t_end: float | None = None,
) -> CellResult:
    """Integrate the flow of ``cell`` decade by decade and classify it (module docstring).

    ``t_end`` (default 10^j_max) truncates the integration: a cell not decided by then is
    ``undecided``. Raises :class:`IntegrationError` naming the cell when solve_ivp fails.
    """
    if method not in _SOLVERS:
        raise ValueError(f"method: expected one of {sorted(_SOLVERS)} (stiff), got {method!r}")
    if not (0 < rtol < 1):
        raise ValueError(f"rtol: expected 0 < rtol < 1, got {rtol}")
    if not (np.isfinite(atol) and atol > 0):
        raise ValueError(f"atol: expected a positive finite number, got {atol}")
    t_max = 10.0 ** criterion.j_max if t_end is None else float(t_end)
    if not (np.isfinite(t_max) and t_max > 0):
        raise ValueError(f"t_end: expected a positive finite flow time, got {t_end}")
    sigma = get_activation(cell.activation)
    X, y = cell.X, cell.y
    rhs = _field(X, y, sigma)

    def jac(_t: float, v: Array) -> Array:
        return -hessian(v, X, y, cell.activation)

    checkpoints = [10.0 ** j for j in range(criterion.j_first, criterion.j_max + 1) if 10.0 ** j < t_max] + [t_max]
    # One solver object across all checkpoints (solve_ivp's stepping loop, inlined so that the
    # run stops at the deciding checkpoint): restarting LSODA per decade would restart it in
    # its non-stiff mode, whose steps are bounded by the O(1) curvature — ~t steps per decade.
    solver = _SOLVERS[method](rhs, 0.0, cell.theta0.copy(), t_max, rtol=rtol, atol=atol, jac=jac)
    ts, thetas, G, L, g = [], [], [], [], []
    status, k = UNDECIDED, 0
    while k < len(checkpoints):
        if solver.status != "running":
            raise IntegrationError(f"cell {cell.name}: solve_ivp's {method} stopped at t = {solver.t:.3g}: {solver.status}")
        msg = solver.step()
        if solver.status == "failed" or not np.all(np.isfinite(solver.y)):
            raise IntegrationError(f"cell {cell.name}: solve_ivp's {method} failed at t = {solver.t:.3g}: {msg}")
        if solver.t < checkpoints[k]:
            continue
        dense = solver.dense_output()
        while k < len(checkpoints) and checkpoints[k] <= solver.t:
            t1 = checkpoints[k]
            v = dense(t1) if t1 < solver.t else solver.y.copy()
            ts.append(t1)
            thetas.append(v)
            G.append(float(np.mean((batched_predict(v, cell.X_test, sigma)[0] - cell.target) ** 2)))
            L.append(float(batched_loss(v, X, y, sigma)[0]))
            g.append(float(np.linalg.norm(rhs(t1, v))))
            k += 1
            decided = criterion.decide(np.array(G), np.array(L), np.array(g))
            if decided is not None:
                status = decided
                k = len(checkpoints)
    nfev, njev = int(solver.nfev), int(solver.njev)
    return CellResult(cell.name, status, np.array(ts), np.array(thetas), np.array(G), np.array(L), np.array(g),
                      nfev, njev, {"method": method, "rtol": rtol, "atol": atol, "t_end": t_max})


def integrate_cells(
    cells: Sequence[Cell],
    criterion: Criterion = Criterion(),
    *,
    n_jobs: int | None = None,
    scheduler: Any = None,
    **options: Any,
) -> list[CellResult]:
    """:func:`integrate_cell` for every cell, results in order: on a Dask cluster when
    ``scheduler`` (an address or a ``distributed.Client``) or ``$OVERSPEC_DASK_SCHEDULER`` is set,
    serially for ``n_jobs=1``, else in joblib processes (``n_jobs``, all cores by default), one
    task per cell (cells differ in cost by 100×, so no static chunks). The cells are
    deterministic: every executor gives the same results."""
    import os

    from numerics.montecarlo import DASK_SCHEDULER_ENV

    cells = list(cells)
    if not cells or not all(isinstance(c, Cell) for c in cells):
        raise ValueError("cells: expected a non-empty sequence of Cell (numerics.stiff_flow.make_cell)")
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1):
        raise ValueError(f"n_jobs: a positive integer, -1 or None (all cores), got {n_jobs!r}")
    scheduler = scheduler if scheduler is not None else (os.environ.get(DASK_SCHEDULER_ENV) or None)
    if scheduler is not None:
        from distributed import Client

        own = not isinstance(scheduler, Client)
        client = Client(scheduler, set_as_default=False) if own else scheduler
        try:
            futures = client.map(integrate_cell, cells, criterion=criterion, pure=False, **options)
            return client.gather(futures)
        finally:
            if own:
                client.close()
    workers = (os.cpu_count() or 1) if n_jobs in (None, -1) else n_jobs
    if workers == 1 or len(cells) == 1:
        return [integrate_cell(c, criterion, **options) for c in cells]
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=workers, backend="loky")(delayed(integrate_cell)(c, criterion, **options) for c in cells))


def status_counts(results: Sequence[CellResult]) -> dict[str, int]:
    """{status: count} over ``results`` (every status present, 0 when absent)."""
    out = {s: 0 for s in STATUSES}
    for r in results:
        out[r.status] += 1
    return out
