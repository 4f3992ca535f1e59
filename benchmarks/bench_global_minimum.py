"""Time of numerics.basins.global_minimum against (m, d, width), region counts checked (issue 13).

Run on demand:  python benchmarks/bench_global_minimum.py

Gaussian data (seed 0 + size), squared loss. For each size the arrangement's region count is
checked against Cover's formula 2·Σ_{k<r} C(m−1, k) (numerics.basins.arrangement
.expected_region_count; r = d for data in general position) and the printed Markdown table gives
the regions, (region, sign) candidates, candidate sets, the sets actually solved (the rest are
pruned by the exact coverage bound) and the wall time. Exit status 1 if a count disagrees.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from numerics.basins import expected_region_count, global_minimum

SIZES = [(6, 2, 1), (6, 2, 2), (6, 2, 3), (8, 2, 2), (8, 3, 2), (10, 2, 3), (10, 3, 2), (10, 3, 3), (12, 3, 2)]


def main() -> int:
    load0 = os.getloadavg()
    print(f"load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}; cpus={os.cpu_count()}\n")
    print("| m | d | width | regions | Cover's formula | candidates | sets | solved | value | time (s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ok = True
    for m, d, width in SIZES:
        rng = np.random.default_rng(m * 100 + d * 10 + width)
        X, y = rng.normal(size=(m, d)), rng.normal(size=m)
        t0 = time.perf_counter()
        gm = global_minimum(X, y, width)
        dt = time.perf_counter() - t0
        expected = expected_region_count(m, d)
        ok &= gm.n_regions == expected
        print(f"| {m} | {d} | {width} | {gm.n_regions} | {expected} | {gm.n_candidates} | {gm.n_sets} | "
              f"{gm.n_solved} | {gm.value:.6g} | {dt:.2f} |", flush=True)
    load1 = os.getloadavg()
    print(f"\nload average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}; region counts "
          f"{'all equal' if ok else 'DISAGREE with'} Cover's formula")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
