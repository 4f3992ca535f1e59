"""Width of the vector lanes of the SS18 GD (numerics/ss18/gd_lanes.py): F and ∇F of L runs at
once against the one-run kernel, per run evaluation, in the same process (issue 10).

Run on demand:  python benchmarks/bench_ss18_lanes.py [--k 14] [--n 14] [--reps 4000]

For each width L the same L runs (k = n = d, initial weights of the table's law) are evaluated
``reps`` times by ``gd_lanes.loss_grad_lanes`` and by ``gd_kernel.loss_grad_one`` run by run,
interleaved; the script prints µs per run evaluation and the ratio, and exits 1 unless the two
agree bit for bit. This is what LANES, VECTOR and MIN_LANES in gd_lanes are chosen from.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numba
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from numerics import ss18  # noqa: E402
from numerics.ss18 import gd_kernel, gd_lanes  # noqa: E402

WIDTHS = (1, 4, 8, 12, 16, 20, 24, 32, 48, 64, 128)


@numba.njit(cache=True)
def _repeat_lanes(w, V, Vh, VhL, b, vconst, ident, G, U, a, coef, C, TH, S, F, reps):
    for _ in range(reps):
        gd_lanes.loss_grad_lanes(w, V, Vh, VhL, b, vconst, ident, G, U, a, coef, C, TH, S, F)


@numba.njit(cache=True)
def _repeat_one(W, V, Vh, b, vconst, ident, G, F, reps):
    n, d = W.shape[1], W.shape[2]
    _, U, a, coef, UT, work = gd_kernel.one_run_work(n, d, V.shape[0])
    for _ in range(reps):
        for r in range(W.shape[0]):
            F[r] = gd_kernel.loss_grad_one(W[r], V, Vh, b, vconst, G[r], U, a, coef, ident, UT, work)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=14)
    ap.add_argument("--n", type=int, default=14)
    ap.add_argument("--reps", type=int, default=4000)
    a = ap.parse_args()
    k, n = a.k, a.n
    V = ss18.teacher(k)
    b, Vh, ident = gd_kernel.teacher_parts(V)
    vconst = ss18._teacher_constant(V)
    m = max(n, k)
    print(f"k = {k}, n = {n}, {a.reps} evaluations per width; load average %.2f %.2f %.2f" % os.getloadavg())
    print("| L | one-run kernel µs/run | lanes µs/run | speed-up |\n|---:|---:|---:|---:|")
    ok = True
    for L in WIDTHS:
        W = ss18.initial_weights(L, n, k, seed=L)
        w = np.ascontiguousarray(W.transpose(1, 2, 0))
        G1, F1 = np.empty_like(W), np.empty(L)
        G, F = np.empty((n, k, L)), np.empty(L)
        args = (w, V, Vh, gd_lanes.lanes_of(Vh, L), b, vconst, ident, G, np.empty_like(w), np.empty((n, L)),
                np.empty((n, L)), *np.empty((3, m, L)), F)
        _repeat_lanes(*args, 1)
        _repeat_one(W, V, Vh, b, vconst, ident, G1, F1, 1)
        ok &= bool(np.array_equal(F, F1) and np.array_equal(G, G1.transpose(1, 2, 0)))
        t1 = t2 = 0.0
        for _ in range(3):  # interleaved rounds
            t = time.perf_counter()
            _repeat_one(W, V, Vh, b, vconst, ident, G1, F1, a.reps // 3)
            t1 += time.perf_counter() - t
            t = time.perf_counter()
            _repeat_lanes(*args, a.reps // 3)
            t2 += time.perf_counter() - t
        per = 1e6 / (3 * (a.reps // 3) * L)
        print(f"| {L} | {t1 * per:.2f} | {t2 * per:.2f} | {t1 / t2:.2f} |", flush=True)
    print("bitwise equal" if ok else "LANES DIFFER FROM THE ONE-RUN KERNEL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
