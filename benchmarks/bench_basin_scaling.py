"""How the cost of a certified basin value grows with n, m, d (issue 13), against the baseline.

Run on demand:  python benchmarks/bench_basin_scaling.py [--baseline 6] [--single 12] [--batch 120]

For every n ∈ {5, 10, 50} neurons, m ∈ {20, 100} samples, d ∈ {5, 10} (Gaussian data and
initialisations, seed 2024 + size, squared loss) it measures, in one run:

  baseline  a CVXPY problem built afresh for every basin (bench_basin.rebuilt_value)
  single    numerics.basins.basin_value(X, y, A, b), default method, emptiness checked, no cache
  batch     numerics.basins.basin_values_at, one call for the whole batch, 1 process

and prints a Markdown table: rates (certified basins/s), ratios to the baseline, which path
"auto" took (NNLS over rays by DAQP where C(m, r−1) ≤ numerics.basins.rays.RAY_LIMIT and m ≤ 62,
else Clarabel direct), the one-off cost of the rays of X, the batched fallbacks, and the largest
|value − baseline| (must be ≤ 1e-7; exit status 1 otherwise). Load average printed before/after.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_basin import rebuilt_value  # noqa: E402

from numerics.basins import basin_value, basin_values_at, sign_pattern  # noqa: E402
from numerics.basins.rays import rays_affordable  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=int, default=6)
    ap.add_argument("--single", type=int, default=12)
    ap.add_argument("--batch", type=int, default=120)
    args = ap.parse_args()
    load0 = os.getloadavg()
    print(f"load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}; cpus={os.cpu_count()}\n")
    print("| n | m | d | auto path | baseline /s | single /s | ratio | batch /s | ratio | rays once (s) | batch fallbacks | max err |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for n, m, d in itertools.product((5, 10, 50), (20, 100), (5, 10)):
        rng = np.random.default_rng(2024 + n + m + d)
        X, y = rng.normal(size=(m, d)), rng.normal(size=m)
        count = max(args.baseline, args.single, args.batch)
        Ws, vs = rng.normal(size=(count, n, d)), rng.normal(size=(count, n))
        pats = [sign_pattern(Ws[i], vs[i], X) for i in range(max(args.baseline, args.single))]
        t0 = time.perf_counter()
        basin_values_at(X, y, Ws[:1], vs[:1])  # rays of X (when used) and the compiled layouts
        basin_value(X, y, *pats[0], cache=False)
        t_once = time.perf_counter() - t0
        t0 = time.perf_counter()
        base = [rebuilt_value(X, y, *pats[i]) for i in range(args.baseline)]
        r_base = args.baseline / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        single = [basin_value(X, y, *pats[i], cache=False).value for i in range(args.single)]
        r_single = args.single / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        out = basin_values_at(X, y, Ws[: args.batch], vs[: args.batch])
        r_batch = args.batch / (time.perf_counter() - t0)
        err = max(max(abs(single[i] - base[i]), abs(out.values[i] - base[i])) for i in range(args.baseline))
        worst = max(worst, err)
        path = "NNLS/DAQP" if rays_affordable(X) else "Clarabel"
        rays = f"{t_once:.2f}" if path == "NNLS/DAQP" else "—"
        print(f"| {n} | {m} | {d} | {path} | {r_base:.1f} | {r_single:.1f} | {r_single / r_base:.1f} | "
              f"{r_batch:.1f} | {r_batch / r_base:.1f} | {rays} | {out.n_fallbacks} | {err:.1e} |", flush=True)
    load1 = os.getloadavg()
    print(f"\nload average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}; max |value − baseline| = {worst:.1e}")
    return 0 if worst <= 1e-7 else 1


if __name__ == "__main__":
    sys.exit(main())
