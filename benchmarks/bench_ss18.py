"""Speed of the SS18 table reproduction (issue 10, REV.ss18-table), against plain batched NumPy GD.

Run on demand:  python benchmarks/bench_ss18.py [--k 14] [--n 14] [--runs 1000] [--table]

Measured in the same process, on the same row (seed of the claim check, 201800 + 100·k + n):
  baseline    plain batched NumPy GD (numerics.ss18.objective._loss_grad per iteration over all
              live runs, the good-early stop at F < 1e-3, bad runs to max_i ‖∇_{w_i}F‖ ≤ 1e-9)
  compiled    numerics.ss18.run_experiment(certify=False): the compiled GD loop, same rules
  one-run     run_experiment(lanes=0): the compiled loop one run at a time + the certified
              early decision of bad runs (and a proof for every bad end point), 1 process
  certified   run_experiment(): the same with the live runs evaluated 32 at a time in the
              vector lanes (numerics.ss18.gd_lanes; bitwise the same trajectories), 1 process
  certified×2 the same with n_jobs=2 (two chunks of the row in two processes; process start-up
              and Numba's cached compilation included)
Every path must give the same bad / good / undecided counts (exit status 1 otherwise).
``--table``: also time the whole table (every row of the seed, 1000 runs each unless --runs,
rows over 2 processes) — the thorough profile's workload.
The load average (``uptime``) is printed beside the times: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from numerics import ss18  # noqa: E402
from numerics.ss18.objective import _loss_grad, _teacher_constant  # noqa: E402

SEED_BASE = 2018_00


def numpy_gd(W0: np.ndarray, V: np.ndarray, step=0.1, tol=1e-9, bad_loss=1e-3, max_iter=400_000):
    """The baseline: batched NumPy GD, one vectorised gradient over all live runs per iteration."""
    vconst = _teacher_constant(V)
    R = W0.shape[0]
    ids = np.arange(R)
    W = W0.copy()
    bad = good = undecided = 0
    it = 0
    while ids.size:
        F, G = _loss_grad(W, V, vconst=vconst)
        gmax = np.sqrt((G * G).sum(-1)).max(-1)
        conv = gmax <= tol
        g = (F < bad_loss) & ~conv
        done = conv | g | (it >= max_iter)
        bad += int(np.sum(conv & (F >= bad_loss)))
        good += int(np.sum(conv & (F < bad_loss)) + g.sum())
        undecided += int(np.sum(done & ~conv & ~g))
        keep = ~done
        ids, W, G = ids[keep], W[keep], G[keep]
        W = W - step * G
        it += 1
    return bad, good, undecided


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=14)
    ap.add_argument("--n", type=int, default=14)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--table", action="store_true")
    a = ap.parse_args()
    k, n, R = a.k, a.n, a.runs
    seed = SEED_BASE + 100 * k + n
    V = ss18.teacher(k)
    W0 = ss18.initial_weights(R, n, k, seed)
    ss18.run_experiment(3, 3, 2, 0)  # Numba: load the cached compilation outside the timings
    print(f"row (k={k}, n={n}), {R} runs, seed {seed}; {load()}")
    rows = []
    t = time.perf_counter()
    base = numpy_gd(W0, V)
    tb = time.perf_counter() - t
    rows.append(("baseline: batched NumPy GD", tb, base))
    print(f"  baseline done ({tb:.1f} s; {load()})", flush=True)
    for name, kw in (("compiled, 1 process", dict(certify=False)),
                     ("certified, one run at a time, 1 process", dict(lanes=0)), ("certified, 1 process", {}),
                     ("certified, 2 processes", dict(n_jobs=2))):
        t = time.perf_counter()
        r = ss18.run_experiment(k, n, R, seed, max_iter=400_000, **kw)
        rows.append((name, time.perf_counter() - t, (r.bad, r.good, r.not_converged)))
        print(f"  {name} done ({rows[-1][1]:.1f} s; {load()})", flush=True)
    print(f"\n| path | seconds | speed-up over baseline | bad / good / undecided |\n|---|---:|---:|---|")
    for name, sec, c in rows:
        print(f"| {name} | {sec:.1f} | {tb / sec:.2f} | {c[0]} / {c[1]} / {c[2]} |")
    print(f"\n{load()}")
    ok = all(c == rows[0][2] for _, _, c in rows)
    if a.table:
        rows_t = [(r.k, r.n) for r in ss18.ROWS]
        t = time.perf_counter()
        res = ss18.run_table(rows_t, R, SEED_BASE, n_jobs=2, max_iter=400_000)
        tt = time.perf_counter() - t
        print(f"\nwhole table ({len(rows_t)} rows × {R} runs, 2 processes): {tt:.0f} s; {load()}")
        print(f"undecided runs: {sum(r.not_converged for r in res)}; uncertified bad: {sum(r.uncertified_bad for r in res)}")
    if not ok:
        print("COUNTS DIFFER between paths", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
