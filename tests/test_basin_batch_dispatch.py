"""The batched basin engine certifies on its own, and dispatches its work as documented (SS16.Lemma1).

numerics.basins.batch: on generic data every row must be certified by the batched path itself
(``n_fallbacks == 0``) — for labels below 1 in size (the path rescales y) and for patterns with
duplicated neurons (merged into one group of columns). A certificate that fails is reported with
its numbers: on a hand-made basin the Farkas dual residual of c = 0 is known exactly. The worker
pool is replaced by an in-process executor that records what it is asked to run, so the
partition rule of ``_run`` and warm_pool's warm-up are checked without starting processes.
"""

from __future__ import annotations

import re
from concurrent.futures import Future

import numpy as np
import pytest

import numerics.basins.batch as bb
from numerics.basins import basin_value, basin_values, basin_values_at, sign_pattern, sign_patterns
from overspec.testing import assert_close

# Clarabel stops at a 1e-8 gap: 1e-7 is the engine's agreement target (as tests/test_basin_batch.py)
AGREE = 1e-7


def _points(seed: int, count: int, n: int, m: int, d: int):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    return X, y, rng.normal(size=(count, n, d)), rng.normal(size=(count, n))


# ------------------------------------------------------------------------- input
def test_an_empty_list_of_patterns_is_refused_as_such():
    X, y, _, _ = _points(0, 1, 1, 6, 2)
    with pytest.raises(ValueError, match=r"^patterns: no patterns given$"):
        basin_values(X, y, [])


def test_one_malformed_pattern_among_good_ones_is_refused():
    X, y, Ws, vs = _points(0, 1, 1, 6, 2)
    good = sign_pattern(Ws[0], vs[0], X)
    with pytest.raises(ValueError, match=r"^patterns: expected \(A, b\) pairs or a pair of stacked arrays$"):
        basin_values(X, y, [good, np.ones((1, 6), dtype=int)])


# ------------------------------------------------------------ the batched path certifies alone
@pytest.mark.parametrize("size", [0.5, 1e-3])
def test_labels_smaller_than_one_are_certified_by_the_batched_path(size):
    """y rescaled to max|y| = size < 1 (the batch divides y by max|y| and scales U back): every
    row certified without fallback, and Bas(αy) = α²·Bas(y) for the same patterns."""
    X, y, Ws, vs = _points(31, 40, 3, 9, 3)
    alpha = size / np.abs(y).max()
    ref = basin_values_at(X, y, Ws, vs)
    out = basin_values_at(X, alpha * y, Ws, vs)
    assert out.n_fallbacks == 0, out.fallback_counts()
    assert all(s.startswith("NNLS") for s in out.solver)
    # values are certified to AGREE (relative to 1 + value): scaled, α²·AGREE bounds the difference
    assert_close(out.values, alpha**2 * ref.values, atol=alpha**2 * AGREE, name="α²-scaling")
    for i in (0, 17, 39):
        direct = basin_value(X, alpha * y, *sign_pattern(Ws[i], vs[i], X), method="direct", cache=False)
        # Clarabel solves the rescaled problem too (max|y| = 1): its accuracy scales with α² as well
        assert_close(out.values[i], direct.value, atol=AGREE * alpha**2, name=f"basin {i} vs Clarabel")


def test_duplicated_neurons_are_certified_by_the_batched_path():
    """Neurons with equal (A_j, b_j) share one group of columns; the split U must still give the
    optimal predictions, so the batched certificate accepts every row (no fallback)."""
    X, y, Ws, vs = _points(5, 12, 3, 7, 3)
    Ws[:, 1] = 2.0 * Ws[:, 0]  # neuron 1 in the same cone as neuron 0 ...
    vs[:, 1] = 3.0 * vs[:, 0]  # ... with the same output sign
    out = basin_values_at(X, y, Ws, vs)
    assert out.n_fallbacks == 0, out.fallback_counts()
    for i in range(len(Ws)):
        ref = basin_value(X, y, *sign_pattern(Ws[i], vs[i], X), method="direct", cache=False)
        assert_close(out.values[i], ref.value, atol=AGREE, name=f"basin {i}")
        assert np.array_equal(out.U[i, 0], out.U[i, 1])  # split equally within the group


def test_the_dual_residual_of_c_zero_is_the_normalised_farkas_violation(monkeypatch):
    """Hand-made basin: X = diag(2, 1), one neuron with pattern (+, +) and b = +1, so K = the
    positive quadrant with generators e₁, e₂; y = (1, 2). A solver returning c = 0 gives p = 0,
    λ = (2/m)(p − y) = (−1, −2), Q_jᵀλ = Σ_t λ_t x_t = (−2, −2): the worst Farkas slope is 2, the
    normalisation 1 + ‖λ‖_∞·max_t‖x_t‖ = 1 + 2·2 = 5, so the dual residual is 2/5 = 0.4. The gap is
    0 exactly (value ½(1 + 4) = 2.5, h*(λ) = −2.5) and U = 0 is primal feasible. The certificate must
    reject it for the dual residual alone, say so with those numbers, and Clarabel re-solve it."""
    X, y = np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([1.0, 2.0])
    A, b = np.array([[[1, 1]]]), np.array([[1]])
    monkeypatch.setattr(bb, "polar_nnls", lambda MT, y_: (np.zeros(MT.shape[0]), ""))
    out = basin_values(X, y, (A, b))
    reason = re.fullmatch(r"certificate failed \(gap (\S+), primal (\S+), dual (\S+)\)", out.fallback[0])
    assert reason is not None and out.n_fallbacks == 1, out.fallback
    assert [float(v) for v in reason.groups()] == [0.0, 0.0, 0.4]  # printed to 2 digits: 4.0e-01
    assert out.values[0] == pytest.approx(0.0, abs=1e-8)  # u = (½, 2) fits y exactly; Clarabel's 1e-8
    assert "re-solved" in out.solver[0]


def test_points_are_not_put_through_the_emptiness_test(monkeypatch):
    """basin_values_at: the points witness their basins (docstring), so the ray witness test is not
    run — a witness test that rejects every row changes nothing there, while basin_values with
    check_nonempty=True consults it (and re-solves the realisable rows it failed)."""
    X, y, Ws, vs = _points(2, 3, 2, 6, 2)
    calls = []
    monkeypatch.setattr(bb, "_witnessed", lambda prog, X_, A_, *g: calls.append(1) or np.zeros(A_.shape[:2], dtype=bool))
    at = basin_values_at(X, y, Ws, vs)
    assert calls == [] and at.n_fallbacks == 0
    pat = basin_values(X, y, sign_patterns(Ws, vs, X))
    assert calls == [1] and pat.n_fallbacks == 3


# ------------------------------------------------------------------------- dispatch
class RecordingPool:
    """Stands in for the loky executor: runs each task here, at once, and records it."""

    def __init__(self, processes: int) -> None:
        self.processes, self.sizes, self.mapped = processes, [], []

    def submit(self, f, *args):
        self.sizes.append(args[2].shape[0])  # the chunk's patterns A: (size, n, m)
        fut: Future = Future()
        fut.set_result(f(*args))
        return fut

    def map(self, f, *iterables):
        results = [f(*args) for args in zip(*iterables)]
        self.mapped += results
        return iter(results)


@pytest.fixture
def pools(monkeypatch):
    made: list[RecordingPool] = []

    def pool(processes: int) -> RecordingPool:
        made.append(RecordingPool(processes))
        return made[-1]

    monkeypatch.setattr(bb, "_pool", pool)
    return made


@pytest.mark.parametrize(
    "N, processes, chunk, sizes",
    [
        (130, 2, 50, [33, 33, 32, 32]),  # ⌈130/50⌉ = 3 chunks, rounded up to a multiple of 2
        (130, 2, 40, [33, 33, 32, 32]),  # ⌈130/40⌉ = 4 chunks
        (130, 2, 200, [65, 65]),  # one chunk would do, but every process gets one
        (130, 3, 40, [22, 22, 22, 22, 21, 21]),  # 4 chunks → 6, a multiple of 3
        (128, 2, 512, [64, 64]),  # the smallest batch sent to the pool: 2·_POOL_CHUNK_MIN
    ],
)
def test_the_pool_gets_a_multiple_of_processes_chunks_in_order(pools, N, processes, chunk, sizes):
    """``processes`` > 1 and N ≥ 2·64: the batch is split (np.array_split, in order) into the
    smallest multiple of ``processes`` of chunks that is ≥ max(processes, ⌈N/chunk⌉); the rows come
    back in input order with the values of the one-process run."""
    X, y, Ws, vs = _points(4, N, 1, 4, 2)
    one = basin_values_at(X, y, Ws, vs)
    assert pools == []  # the default is one process: no pool
    out = basin_values_at(X, y, Ws, vs, processes=processes, chunk=chunk)
    assert [p.processes for p in pools] == [processes] and pools[0].sizes == sizes
    assert np.array_equal(out.values, one.values) and out.fallback == one.fallback


def test_the_default_chunk_is_512_patterns(pools):
    """1025 patterns, two processes: ⌈1025/512⌉ = 3 chunks of the default size → 4 tasks (both APIs)."""
    X, y, Ws, vs = _points(6, 1025, 1, 4, 2)
    basin_values(X, y, sign_patterns(Ws, vs, X), processes=2)
    basin_values_at(X, y, Ws, vs, processes=2)
    assert [p.sizes for p in pools] == [[257, 256, 256, 256]] * 2


@pytest.mark.parametrize("N, processes", [(127, 2), (300, 1)])
def test_small_batches_and_one_process_never_start_the_pool(pools, N, processes):
    X, y, Ws, vs = _points(4, N, 1, 4, 2)
    out = basin_values_at(X, y, Ws, vs, processes=processes, chunk=10)
    pat = basin_values(X, y, sign_patterns(Ws, vs, X), chunk=10)  # default processes
    assert pools == [] and len(out) == len(pat) == N


@pytest.mark.parametrize("processes, tasks", [(None, 4), (3, 6)])
def test_warm_pool_runs_two_warm_up_solves_per_worker(pools, processes, tasks):
    """warm_pool starts the pool (two workers by default) and hands it 2·processes warm-up solves of
    one pattern, each of which computes the rays of X; nothing is returned."""
    X, y, _, _ = _points(8, 1, 3, 7, 2)
    args = {} if processes is None else {"processes": processes}
    assert bb.warm_pool(X, y, 3, **args) is None
    assert [p.processes for p in pools] == [tasks // 2] and len(pools[0].mapped) == tasks
    for r in pools[0].mapped:  # one row each, solved and certified
        assert r["values"].shape == (1,) and np.isfinite(r["values"]).all() and r["fallback"] == [""]
