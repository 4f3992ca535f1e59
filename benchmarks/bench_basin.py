"""Certified basins per second of the basin engine (issue 13), against a rebuilt-CVXPY baseline.

Run on demand:  python benchmarks/bench_basin.py [--basins 600] [--batch-basins 8000] [--workers 2]
                                                  [--rounds 5] [--chunk 1000]

Workload: random initialisations (W, v) ~ Gaussian at n = 10 neurons, m = 20 samples, d = 5
(seed 2024), squared loss; every value carries a certificate (duality gap, primal and Farkas
dual residuals, lift check on the network). Measured in the same run, in interleaved rounds
(every round times every path on its slice of the workload, so a change of load on a shared
machine hits all paths alike); printed: the median rate and the median per-round ratio to the
baseline, and the load average (os.getloadavg) before and after.

  baseline   a CVXPY problem built afresh for every basin (the naive approach), Clarabel
  direct     numerics.basins.basin_value(method="direct"): Clarabel on hand-compiled data
  single     numerics.basins.basin_value(X, y, A, b) as a user calls it, once per basin: default
             method ("auto" → NNLS over rays by DAQP), emptiness checked, no cache
  single_at  numerics.basins.basin_value_at(X, y, W, v): the point witnesses non-emptiness
  batch      numerics.basins.basin_values_at, all basins of a round in one call, 1 process
  batch×P    the same over a warm loky pool of P workers (start-up reported apart)

Not timed: the rays of X and their prefix index (once per data set; printed), pool start-up.
Exits non-zero unless every value agrees with the baseline to 1e-7, every batched value was
certified by the batched path itself (0 fallbacks), and — the issue's targets — single ≥ 8×
and batched×P ≥ 40× the baseline (``--no-targets`` reports without enforcing them).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import cvxpy as cp
import numpy as np

from numerics.basins import basin_value, basin_value_at, basin_values_at, sign_pattern
from numerics.basins.batch import warm_pool

N, M, D = 10, 20, 5
SEED = 2024


def workload(count: int, n: int = N, m: int = M, d: int = D, seed: int = SEED):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    return X, y, rng.normal(size=(count, n, d)), rng.normal(size=(count, n))


def rebuilt_value(X, y, A, b) -> float:
    """The baseline: build the basin program from scratch in CVXPY and solve it with Clarabel."""
    U = cp.Variable((A.shape[0], X.shape[1]))
    Z = U @ X.T
    p = cp.sum(cp.multiply((A > 0).astype(float), Z), axis=0)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(p - y) / X.shape[0]),
                      [cp.multiply((b[:, None] * A).astype(float), Z) >= 0])
    prob.solve(solver=cp.CLARABEL)
    if prob.status != "optimal":
        raise RuntimeError(f"baseline status {prob.status}")
    return float(prob.value)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--basins", type=int, default=600)
    ap.add_argument("--baseline-basins", type=int, default=100)
    ap.add_argument("--batch-basins", type=int, default=8000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--no-targets", action="store_true")
    args = ap.parse_args()
    load0 = os.getloadavg()

    X, y, Ws, vs = workload(max(args.basins, args.batch_basins, args.baseline_basins))
    pats = [sign_pattern(Ws[i], vs[i], X) for i in range(max(args.basins, args.baseline_basins))]
    t_rays, _ = timed(lambda: basin_values_at(X, y, Ws[:2], vs[:2]))  # rays of X + prefix index
    basin_value(X, y, *pats[0], method="direct", cache=False)  # compile the direct layout
    t_pool, _ = timed(lambda: warm_pool(X, y, N, args.workers))
    print(f"basin engine benchmark: n={N}, m={M}, d={D}, squared loss, seed={SEED}; {args.basins} single-call "
          f"basins, {args.batch_basins} batched, {args.baseline_basins} baseline; cpus={os.cpu_count()}, "
          f"load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")

    paths = ["baseline", "direct", "single", "single_at", "batch", "batch×P"]
    rates: dict[str, list[float]] = {p: [] for p in paths}
    vals: dict[str, dict[int, float]] = {p: {} for p in paths}
    fallbacks = {"batch": 0, "batch×P": 0}
    solvers: dict[str, int] = {}
    sl = {k: np.array_split(np.arange(c), args.rounds) for k, c in
          (("base", args.baseline_basins), ("one", args.basins), ("bat", args.batch_basins))}
    for r in range(args.rounds):
        bi, oi, ti = sl["base"][r], sl["one"][r], sl["bat"][r]
        dt, v = timed(lambda: [rebuilt_value(X, y, *pats[i]) for i in bi])
        rates["baseline"].append(len(bi) / dt)
        vals["baseline"].update(zip(bi.tolist(), v))
        runs = {
            "direct": lambda: [basin_value(X, y, *pats[i], method="direct", cache=False).value for i in oi],
            "single": lambda: [basin_value(X, y, *pats[i], cache=False).value for i in oi],
            "single_at": lambda: [basin_value_at(X, y, Ws[i], vs[i], cache=False).value for i in oi],
        }
        for name, fn in runs.items():
            dt, v = timed(fn)
            rates[name].append(len(oi) / dt)
            vals[name].update(zip(oi.tolist(), v))
        for name, procs in (("batch", 1), ("batch×P", args.workers)):
            dt, out = timed(lambda: basin_values_at(X, y, Ws[ti], vs[ti], processes=procs, chunk=args.chunk))
            rates[name].append(len(ti) / dt)
            vals[name].update(zip(ti.tolist(), out.values.tolist()))
            fallbacks[name] += out.n_fallbacks
            for s in out.solver:
                solvers[s] = solvers.get(s, 0) + 1
    load1 = os.getloadavg()
    err = max(abs(vals[p][i] - vals["baseline"][i]) for p in paths[1:] for i in vals["baseline"] if i in vals[p])
    med = {p: float(np.median(rates[p])) for p in paths}
    ratio = {p: float(np.median(np.array(rates[p]) / np.array(rates["baseline"]))) for p in paths}
    label = {
        "baseline": "baseline (rebuilt CVXPY per basin)",
        "direct": "basin_value, method='direct' (Clarabel)",
        "single": "basin_value, default (1 call per basin)",
        "single_at": "basin_value_at, default (1 call per basin)",
        "batch": "basin_values_at, 1 process",
        "batch×P": f"basin_values_at, {args.workers} processes (warm)",
    }
    print(f"  {args.rounds} interleaved rounds; median certified basins/s, median per-round ratio to the baseline")
    for p in paths:
        print(f"  {label[p]:<44} {med[p]:9.1f} basins/s   ratio {ratio[p]:6.2f}")
    print(f"  batched fallbacks to Clarabel: 1 process {fallbacks['batch']}, {args.workers} processes "
          f"{fallbacks['batch×P']} (of {args.batch_basins} each)")
    for s, c in sorted(solvers.items()):
        print(f"  batched solves by: {s}: {c}")
    print(f"  2 processes / 1 process: {float(np.median(np.array(rates['batch×P']) / np.array(rates['batch']))):.2f}")
    print(f"  (rays of X and their index once: {t_rays:.2f} s; pool start-up {t_pool:.1f} s; not included)")
    print(f"  max |value − baseline| = {err:.2e} (must be ≤ 1e-7); load average after "
          f"{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    ok = err <= 1e-7 and fallbacks["batch"] == fallbacks["batch×P"] == 0
    targets = ratio["single"] >= 8 and ratio["batch×P"] >= 40
    print(f"  targets (single ≥ 8×, batched×{args.workers} ≥ 40× the baseline): {'met' if targets else 'NOT met'}")
    return 0 if ok and (targets or args.no_targets) else 1


if __name__ == "__main__":
    sys.exit(main())
