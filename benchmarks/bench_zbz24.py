"""Benchmarks of the ZBZ24 small-initialization flows (numerics/stiff_flow.py), run on demand:

    PYTHONPATH=$PWD python benchmarks/bench_zbz24.py [--grid]

1. per-cell cost of the stiff integrator (LSODA + analytic Jacobian) on fixed cells of the
   recovery grid, against two baselines in the same run: BDF (same Jacobian) and LSODA with
   the batched kernel of numerics.network as the right-hand side (the single-state field's gain);
2. the right-hand side alone: single-state field vs the batched kernel (µs per call);
3. ``--grid``: the whole thorough grid (n = 2..6 × 16 draws × 21 ratios) on joblib with 2
   workers, wall time and the per-n status counts.

Absolute times depend on the machine's load; the script prints ``uptime`` beside them. Ratios
within one run are the figures to compare.
"""

from __future__ import annotations

import subprocess
import sys
import time
import timeit

import numpy as np
from scipy.integrate import solve_ivp

from numerics.network import _grad_unchecked, get_activation, hessian
from numerics.recovery_grid import T_TEST, X_TEST, ratio_init, run_grid, sample
from numerics.stiff_flow import Criterion, _field, integrate_cell, make_cell

CELLS = [(6, 0, 0.5), (6, 1, 0.25), (5, 0, 0.5), (4, 1, 0.75), (3, 0, 0.5), (2, 0, 0.5)]


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def per_cell() -> None:
    print("per-cell cost (flow to decision), uptime:", _uptime())
    print(f"{'cell':>16} {'LSODA s':>8} {'nfev':>6} {'status':>22} {'BDF s':>8} {'BDF ok':>6} {'batched-rhs s':>13}")
    tot = np.zeros(3)
    sigma = get_activation("tanh")
    for n, s, r in CELLS:
        X, y = sample(n, s)
        cell = make_cell(f"n={n} draw={s} r={r}", ratio_init(r, X, y), X, y, X_TEST, T_TEST)
        t0 = time.perf_counter()
        res = integrate_cell(cell)
        t_l = time.perf_counter() - t0
        t_end = res.t[-1]
        t0 = time.perf_counter()
        bdf = solve_ivp(_field(X, y, sigma), (0, t_end), cell.theta0, method="BDF",
                        jac=lambda _t, v: -hessian(v, X, y), rtol=1e-8, atol=1e-14)
        t_b = time.perf_counter() - t0
        t0 = time.perf_counter()
        solve_ivp(lambda _t, v: -_grad_unchecked(v[None], X, y, sigma, 1.0 / n, 2)[0], (0, t_end), cell.theta0,
                  method="LSODA", jac=lambda _t, v: -hessian(v, X, y), rtol=1e-8, atol=1e-14)
        t_k = time.perf_counter() - t0
        tot += (t_l, t_b, t_k)
        print(f"{cell.name:>16} {t_l:8.2f} {res.nfev:6d} {res.status:>22} {t_b:8.2f} {str(bdf.status == 0):>6} {t_k:13.2f}")
    print(f"total: LSODA {tot[0]:.2f} s, BDF {tot[1]:.2f} s ({tot[1] / tot[0]:.1f}×), "
          f"LSODA with the batched kernel {tot[2]:.2f} s ({tot[2] / tot[0]:.2f}×)")


def rhs_cost() -> None:
    X, y = sample(6, 0)
    th = np.random.default_rng(0).normal(size=6)
    sigma = get_activation("tanh")
    f = _field(X, y, sigma)
    a = timeit.timeit(lambda: f(0.0, th), number=20000) / 20000 * 1e6
    b = timeit.timeit(lambda: _grad_unchecked(th[None], X, y, sigma, 1.0 / 6, 2), number=20000) / 20000 * 1e6
    print(f"rhs per call: single-state field {a:.1f} µs, batched kernel {b:.1f} µs ({b / a:.2f}×); uptime: {_uptime()}")


def grid() -> None:
    print("thorough grid on 2 joblib workers, uptime before:", _uptime())
    t0 = time.perf_counter()
    g = run_grid((2, 3, 4, 5, 6), 16, np.linspace(0, 1, 21), Criterion(), n_jobs=2)
    print(f"wall {time.perf_counter() - t0:.1f} s for {len(g.results)} cells; uptime after: {_uptime()}")
    for n, row in g.summary().items():
        print(n, row)


if __name__ == "__main__":
    rhs_cost()
    per_cell()
    if "--grid" in sys.argv:
        grid()
