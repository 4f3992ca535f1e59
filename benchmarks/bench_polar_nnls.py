"""Why DAQP (issue 13, item 4): the NNLS of a basin solved three ways on the same problems.

Run on demand:  python benchmarks/bench_polar_nnls.py [--basins 300]

n = 10, m = 20, d = 5 (the bench_basin workload), squared loss. For each basin the NNLS over the
rays of X, min_{c ≥ 0} ‖Mc − y‖² (M: m × ≈ 290), is solved by

  scipy      scipy.optimize.nnls (Lawson–Hanson), the engine's solver before issue 13
  polar      numerics.basins.polar.polar_nnls: DAQP on the polar-cone projection (m variables,
             identity Hessian), the engine's solver now
  daqp-U     DAQP on the basin QP in U (n·d = 50 variables, singular Hessian (2/m)QᵀQ, DAQP's
             automatic proximal regularisation) — the direct use of a dense QP solver

and prints the median time per solve, the ratio to scipy, and the largest value difference to
the engine's certified Clarabel value (interleaved: every basin is solved by all three in turn).
Load average printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import daqp
import numpy as np
from scipy.optimize import nnls

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_basin import workload  # noqa: E402

from numerics.basins import basin_value, sign_pattern  # noqa: E402
from numerics.basins.patterns import _pattern_data  # noqa: E402
from numerics.basins.polar import polar_nnls  # noqa: E402
from numerics.basins.rays import _generators, _ray_program  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--basins", type=int, default=300)
    args = ap.parse_args()
    load0 = os.getloadavg()
    X, y, Ws, vs = workload(args.basins)
    n, m, d = Ws.shape[1], X.shape[0], X.shape[1]
    prog = _ray_program(X, X.tobytes())
    times = {"scipy": [], "polar": [], "daqp-U": []}
    diff = {"scipy": 0.0, "polar": 0.0, "daqp-U": 0.0}
    flags: dict[int, int] = {}
    for i in range(args.basins):
        A, b = sign_pattern(Ws[i], vs[i], X)
        row, ray, _ = _generators(prog, A[None])
        act = prog.pos[ray] != 0
        row, ray = row[act], ray[act]
        MT = prog.images_T[ray] * b[row][:, None]
        M = np.ascontiguousarray(MT.T)
        t0 = time.perf_counter()
        c, _ = nnls(M, y, maxiter=50 * M.shape[1])
        times["scipy"].append(time.perf_counter() - t0)
        ref = basin_value(X, y, A, b, method="direct", cache=False).value  # Clarabel, certified
        diff["scipy"] = max(diff["scipy"], abs(float(np.mean((M @ c - y) ** 2)) - ref))
        t0 = time.perf_counter()
        c2, _ = polar_nnls(MT, y)
        times["polar"].append(time.perf_counter() - t0)
        diff["polar"] = max(diff["polar"], abs(float(np.mean((c2 @ MT - y) ** 2)) - ref))
        Q, G = _pattern_data(X, A, b)
        Qm = Q.transpose(1, 0, 2).reshape(m, n * d)
        Gm = np.zeros((n * m, n * d))
        for j in range(n):
            Gm[j * m:(j + 1) * m, j * d:(j + 1) * d] = G[j]
        H, f = (2 / m) * Qm.T @ Qm, -(2 / m) * Qm.T @ y
        t0 = time.perf_counter()
        x, _, flag, _ = daqp.solve(H, f, -Gm, np.zeros(n * m), np.full(n * m, -1e30))
        times["daqp-U"].append(time.perf_counter() - t0)
        flags[flag] = flags.get(flag, 0) + 1
        diff["daqp-U"] = max(diff["daqp-U"], abs(float(np.mean((Qm @ x - y) ** 2)) - ref))
    load1 = os.getloadavg()
    med = {k: float(np.median(v)) for k, v in times.items()}
    print(f"NNLS of {args.basins} basins (n={n}, m={m}, d={d}, ≈{M.shape[1]} columns); load average "
          f"{load0[0]:.2f} → {load1[0]:.2f}, cpus={os.cpu_count()}")
    print("| solver | median µs per solve | speed-up vs scipy | max |value − Clarabel| |")
    print("|---|---:|---:|---:|")
    print(f"| scipy.optimize.nnls | {med['scipy'] * 1e6:.0f} | 1.0 | {diff['scipy']:.1e} |")
    print(f"| DAQP, polar projection (engine) | {med['polar'] * 1e6:.0f} | {med['scipy'] / med['polar']:.1f} | {diff['polar']:.1e} |")
    print(f"| DAQP, QP in U (singular H) | {med['daqp-U'] * 1e6:.0f} | {med['scipy'] / med['daqp-U']:.1f} | "
          f"{diff['daqp-U']:.1e} (exit flags {flags}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
