"""Claim checks of SS16 §4: SS16.Def2-indexing (erratum), SS16.Lemma1, SS16.Lemma2.

* Def2-indexing — a label set indexes the basin partition only if (i) the definition can be
  evaluated with it (a_{j,t} exists for every neuron j ∈ [n] and sample t ∈ [m]), (ii) distinct
  labels give distinct cells (no entry is unused), (iii) there are at least as many labels as
  non-empty cells (counted exactly: (#regions of the arrangement)^n · 2^n). The printed n×d shape
  fails on data with d ≠ m; the corrected n×m shape passes, and on a small instance its non-empty
  labels are exactly the realised patterns.
* Lemma1 — Bas(B) from the certified convex program is attained by the lifted network, is a lower
  bound of L on B (random interior points, gradient-descent iterates while inside B), and
  agrees with independent values: singleton closed form, exact rational KKT, global minimum.
* Lemma2 — Bas(W, v) ≤ Bas(sub-network) for every subset of neurons, values certified.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from numerics.basins.arrangement import enumerate_regions, global_minimum
from numerics.basins import (
    BasinMinimum,
    BoundaryError,
    basin_is_nonempty,
    basin_value,
    network_loss,
    sign_pattern,
)
from numerics.basins.batch import basin_values_at
from numerics.basins.exact_kkt import exact_kkt_certificate
from numerics.network import gradient, pack, unpack
from numerics.basins.singleton import singleton_basin_value
from overspec.testing import ClaimRejected

ROUNDING = 1e-12  # relative rounding of evaluating L_S in double precision (m ≤ 10 terms)
GAP_REASON = (
    "|duality gap| of the certificate (Clarabel stops at 1e-8 abs/rel): the computed value is "
    "the primal objective, within |gap| above the true minimum; plus 1e-12·(1+|value|) rounding"
)


# ============================================================================ SS16.Def2-indexing


def check_partition_indexing(X: np.ndarray, n: int, shape: tuple[int, int], seed: int = 0) -> dict:
    """Can sign matrices of ``shape`` (plus b ∈ {±1}^n) index SS16's basin partition of width n?

    Raises ClaimRejected when the definition cannot be evaluated, when labels are redundant, or
    when there are fewer labels than non-empty cells. Otherwise samples points and checks that
    their labels are realised (non-empty) and constant on cells.
    """
    m = X.shape[0]
    arr = enumerate_regions(X)
    cells = arr.n_regions**n * 2**n  # non-empty cells: a region per neuron and a sign per neuron
    rows, cols = shape
    labels = 2 ** (rows * cols) * 2**n
    out = {"shape": list(shape), "n": n, "m": m, "d": X.shape[1], "regions": arr.n_regions,
           "nonempty_cells": cells, "labels": labels}
    if rows < n or cols < m:
        raise ClaimRejected(
            f"shape {shape}: the condition sign⟨w_j, x_t⟩ = a_(j,t) for j ∈ [{n}], t ∈ [{m}] needs "
            f"a_(j,t) with t up to {m}, but the label has only {cols} columns ({out})"
        )
    if rows > n or cols > m:
        raise ClaimRejected(
            f"shape {shape}: entries beyond ({n}, {m}) never enter the condition, so "
            f"{2 ** (rows * cols - n * m)} labels name each cell: not an indexing of a partition ({out})"
        )
    if labels < cells:  # pragma: no cover - impossible for (n, m), kept for the contract
        raise ClaimRejected(f"{labels} labels < {cells} non-empty cells ({out})")
    rng = np.random.default_rng(seed)
    seen: dict[bytes, bytes] = {}
    for _ in range(200):
        W, v = rng.normal(size=(n, X.shape[1])), rng.normal(size=n)
        A, b = sign_pattern(W, v, X)
        if A.shape != shape:
            raise ClaimRejected(f"a point's sign array has shape {A.shape}, not {shape}")
        if not basin_is_nonempty(X, A, b):
            raise ClaimRejected("a realised label was reported empty")
        # the label is constant on the cell: a point moved along its own cell keeps it
        W2 = W * rng.uniform(0.5, 2.0, size=(n, 1))
        if not np.array_equal(sign_pattern(W2, v * 3.0, X)[0], A):
            raise ClaimRejected("the label changed inside a cell")
        seen[A.tobytes() + b.tobytes()] = b"1"
    out["distinct_labels_sampled"] = len(seen)
    return out


def _data(m: int, d: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(m, d))


@pytest.mark.claim("SS16.Def2-indexing", kind="exact")
def test_printed_n_by_d_shape_cannot_index_the_partition(evidence):
    """The printed A ∈ {±1}^{n×d} fails both when m > d (labels too short) and when m < d."""
    results = {}
    for m, d in [(5, 2), (2, 4)]:
        X = _data(m, d, seed=m + d)
        with pytest.raises(ClaimRejected) as info:
            check_partition_indexing(X, n=2, shape=(2, d))
        results[f"m={m}, d={d}"] = str(info.value)
    # pigeonhole for m > d: the non-empty cells outnumber all n×d labels
    arr = enumerate_regions(_data(5, 2, seed=7))
    cells, labels = arr.n_regions**2 * 4, 2 ** (2 * 2) * 4
    assert cells > labels, (cells, labels)
    evidence.record(printed_shape="n×d", rejections=results, pigeonhole={"m": 5, "d": 2, "n": 2,
                    "nonempty_cells": cells, "n_by_d_labels": labels}, seed=7)


@pytest.mark.claim("SS16.Def2-indexing", kind="exact")
def test_corrected_n_by_m_shape_indexes_the_partition(evidence):
    out = {}
    for m, d in [(5, 2), (2, 4), (6, 3)]:
        X = _data(m, d, seed=m + d)
        out[f"m={m}, d={d}"] = check_partition_indexing(X, n=2, shape=(2, m))
    # on a small instance the non-empty n×m labels (n = 1) are exactly the realised patterns
    X = _data(5, 2, seed=7)
    nonempty = sum(basin_is_nonempty(X, np.array([a]), np.array([1])) for a in itertools.product((-1, 1), repeat=5))
    regions = enumerate_regions(X).n_regions
    if nonempty != regions or regions != 2 * (1 + 4):
        raise ClaimRejected(f"non-empty 1×5 labels {nonempty}, regions {regions}, formula 10")
    evidence.record(corrected_shape="n×m", checks=out, exhaustive={"m": 5, "d": 2, "nonempty_labels": nonempty,
                    "of": 32, "regions": regions}, seed=7)


@pytest.mark.claim("SS16.Def2-indexing", kind="exact", control=True)
def test_transposed_m_by_n_shape_is_rejected(evidence):
    X = _data(5, 2, seed=7)
    with pytest.raises(ClaimRejected) as info:
        check_partition_indexing(X, n=2, shape=(5, 2))  # m × n
    evidence.record(mutation="A indexed samples × neurons (m×n) instead of n×m", rejected=True,
                    message=str(info.value)[:200])


# ============================================================================ SS16.Lemma1


def interior_points(X: np.ndarray, A: np.ndarray, b: np.ndarray, k: int, rng) -> list[tuple]:
    """k random points in the interior of B^{A,b}: w_j a positive combination of all rays of K_j."""
    arr = enumerate_regions(X)
    rays = [arr.rays[arr.rays_of(A[j])] for j in range(A.shape[0])]
    pts = []
    while len(pts) < k:
        W = np.array([rng.exponential(size=len(R)) @ R for R in rays]) * rng.uniform(0.2, 3.0)
        v = b * rng.exponential(size=b.size)
        try:
            if np.array_equal(sign_pattern(W, v, X)[0], A):
                pts.append((W, v))
        except BoundaryError:
            continue
    return pts


def descent_iterates(X, y, W, v, A, steps: int = 300, eta: float = 0.01) -> list[tuple]:
    """Plain gradient descent on L_S (numerics.network, ReLU, mean) while it stays inside B."""
    theta = pack(v, W)
    out = []
    for _ in range(steps):
        theta = theta - eta * gradient(theta, X, y, "relu", "mean")
        a, Wt = unpack(theta, X.shape[1])
        try:
            if not np.array_equal(sign_pattern(Wt, a, X)[0], A) or np.any(np.sign(a) != np.sign(v)):
                break
        except BoundaryError:
            break
        out.append((Wt, a))
    return out


def check_basin_lower_bound(X, y, A, b, points, sol: BasinMinimum, require_inside: bool = True) -> dict:
    """Lemma 1's value: L(P) ≥ Bas(B) for P in B, and the lifted minimiser attains Bas(B).

    ``require_inside=False`` is the mutated claim (the hypothesis P ∈ B dropped).
    """
    tol = abs(sol.certificate.gap) + ROUNDING * (1 + abs(sol.value))
    worst = math.inf
    for W, v in points:
        if require_inside:
            A2, b2 = sign_pattern(W, v, X)
            if not (np.array_equal(A2, A) and np.array_equal(b2, b)):
                raise ValueError("points: a point is not inside the basin")
        L = network_loss(X, y, W, v)
        worst = min(worst, L - sol.value)
        if L < sol.value - tol:
            raise ClaimRejected(f"L = {L!r} at a point below Bas(B) = {sol.value!r} (tolerance {tol:.2e})")
    lifted = network_loss(X, y, sol.W, sol.v)
    if abs(lifted - sol.value) > sol.certificate.lift_tolerance:
        raise ClaimRejected(f"the lifted minimiser has L = {lifted!r} ≠ Bas(B) = {sol.value!r}")
    return {"bas": sol.value, "min_excess_over_bas": worst, "points": len(points), "tolerance": tol,
            "certificate": sol.certificate.as_dict()}


def _lemma1_instance(seed: int, n: int = 3, m: int = 6, d: int = 3):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(m, d)), rng.normal(size=m)
    W, v = rng.normal(size=(n, d)), rng.normal(size=n)
    A, b = sign_pattern(W, v, X)
    return rng, X, y, W, v, A, b


@pytest.mark.claim("SS16.Lemma1", kind="exact")
def test_basin_value_is_attained_and_bounds_the_loss_on_the_basin(evidence):
    records = []
    for seed in range(4):
        rng, X, y, W, v, A, b = _lemma1_instance(seed)
        sol = basin_value(X, y, A, b)
        points = interior_points(X, A, b, 20, rng) + [(W, v)] + descent_iterates(X, y, W, v, A)
        out = check_basin_lower_bound(X, y, A, b, points, sol)
        enum = global_minimum(X, y, A.shape[0])
        gm = enum.value
        if sol.value < gm - 1e-7:
            raise ClaimRejected(f"Bas(B) = {sol.value} below the global minimum {gm}")
        out.update(seed=seed, global_minimum=gm, global_minimum_nnls_fallbacks=enum.n_fallback)
        records.append(out)
    evidence.record(instances=records, n=3, m=6, d=3)
    evidence.tolerance("lower_bound", max(r["tolerance"] for r in records), GAP_REASON)
    evidence.tolerance("global_minimum", 1e-7, "two certified solves, each within 1e-8·(1+value) gap, ×10")


@pytest.mark.claim("SS16.Lemma1", kind="exact")
def test_batched_basin_values_bound_the_loss_at_their_points(evidence):
    """At the benchmark's size (n = 10, m = 20, d = 5): the batched engine's values (certified by
    the batched path on its own) are ≤ L at the point that names the basin, and their lifted
    minimisers attain them. Fallbacks to Clarabel are counted into the evidence (0 expected)."""
    rng = np.random.default_rng(2024)
    X, y = rng.normal(size=(20, 5)), rng.normal(size=20)
    Ws, vs = rng.normal(size=(200, 10, 5)), rng.normal(size=(200, 10))
    out = basin_values_at(X, y, Ws, vs)
    worst = math.inf
    for i in range(len(out)):
        tol = abs(out.gap[i]) + ROUNDING * (1 + abs(out.values[i]))
        L = network_loss(X, y, Ws[i], vs[i])
        worst = min(worst, L - out.values[i])
        if L < out.values[i] - tol:
            raise ClaimRejected(f"point {i}: L = {L!r} below its batched Bas = {out.values[i]!r}")
        lifted = network_loss(X, y, out.W[i], out.v[i])
        if abs(lifted - out.values[i]) > out.lift_tolerance[i]:
            raise ClaimRejected(f"point {i}: lifted minimiser L = {lifted!r} ≠ Bas = {out.values[i]!r}")
    evidence.record(batched={"basins": len(out), "n": 10, "m": 20, "d": 5, "min_excess_over_bas": worst,
                             "fallbacks": out.n_fallbacks, "fallback_reasons": out.fallback_counts(),
                             "solver": sorted(set(out.solver))})
    assert out.n_fallbacks == 0, f"the batched path did not certify {out.n_fallbacks} basins itself: {out.fallback_counts()}"


@pytest.mark.claim("SS16.Lemma1", kind="exact")
def test_basin_value_agrees_with_exact_rational_kkt_and_singleton_closed_form(evidence):
    rows = []
    rng = np.random.default_rng(42)
    # rational data: the exact KKT certificate gives Bas as a Fraction
    X = rng.integers(-4, 5, size=(6, 2)).astype(float)
    X[np.all(X == 0, axis=1)] = [1.0, 3.0]
    y = rng.integers(-3, 4, size=6).astype(float)
    for _ in range(4):
        A, b = sign_pattern(rng.normal(size=(3, 2)), rng.normal(size=3), X)
        ex = exact_kkt_certificate(X, y, A, b)
        if ex.status != "certified":
            raise ClaimRejected(f"no exact certificate: {ex.status}: {ex.reason}")
        if not 0 <= ex.float_value - float(ex.value) <= 1e-6 * (1 + float(ex.value)):
            raise ClaimRejected(f"float Bas {ex.float_value} vs exact {ex.value}")
        rows.append({"exact": str(ex.value), "float": ex.float_value, "active": len(ex.active)})
    # singleton data: closed form
    Xs = np.zeros((7, 3))
    Xs[np.arange(7), rng.integers(0, 3, 7)] = rng.choice([-1.0, 1.0], 7) * rng.uniform(0.5, 2.0, 7)
    ys = rng.normal(size=7)
    sing = []
    for _ in range(4):
        A, b = sign_pattern(rng.normal(size=(3, 3)), rng.normal(size=3), Xs)
        closed, prog = singleton_basin_value(Xs, ys, A, b), basin_value(Xs, ys, A, b).value
        if abs(closed - prog) > 1e-7:
            raise ClaimRejected(f"singleton closed form {closed} vs convex program {prog}")
        sing.append({"closed_form": closed, "convex_program": prog})
    evidence.record(exact_rational=rows, singleton=sing, seed=42)
    evidence.tolerance("exact_vs_float", 1e-6, "certificate acceptance: gap ≤ 100·1e-8·(1+|value|)")
    evidence.tolerance("singleton", 1e-7, "Clarabel gap 1e-8·(1+value) ×10 (value ≤ 5)")
    assert all(isinstance(Fraction(r["exact"]), Fraction) for r in rows)


def _neighbour_below(seed_range=range(60)):
    """A deterministic instance with a neighbouring basin (one sign of A flipped) of lower value."""
    for seed in seed_range:
        rng, X, y, W, v, A, b = _lemma1_instance(seed, n=2, m=5, d=2)
        sol = basin_value(X, y, A, b)
        for j, t in itertools.product(range(A.shape[0]), range(A.shape[1])):
            A2 = A.copy()
            A2[j, t] *= -1
            if basin_is_nonempty(X, A2, b):
                other = basin_value(X, y, A2, b)
                if other.value < sol.value - 1e-3:
                    return seed, X, y, A, b, sol, other, (j, t)
    raise AssertionError("no instance with a lower neighbouring basin in the seed range")


@pytest.mark.claim("SS16.Lemma1", kind="exact", control=True)
def test_points_outside_the_basin_can_reach_below_its_value(evidence):
    seed, X, y, A, b, sol, other, flipped = _neighbour_below()
    with pytest.raises(ClaimRejected, match=r"at a point below Bas\(B\)"):
        check_basin_lower_bound(X, y, A, b, [(other.W, other.v)], sol, require_inside=False)
    evidence.record(mutation="hypothesis 'P ∈ B' dropped: a minimiser of the neighbouring basin "
                    "(one entry of A flipped)", seed=seed, flipped=list(flipped), bas=sol.value,
                    neighbour_value=other.value, rejected=True)


# ============================================================================ SS16.Lemma2


def check_subnetwork_inequality(X, y, W, v, reverse: bool = False) -> dict:
    """Bas(W, v) ≤ Bas(W_I, v_I) for every non-empty proper subset I (``reverse``: ≥, mutated)."""
    full = basin_value(X, y, *sign_pattern(W, v, X))
    n = W.shape[0]
    rows, worst = [], -math.inf
    for k in range(1, n):
        for I in itertools.combinations(range(n), k):
            sub = basin_value(X, y, *sign_pattern(W[list(I)], v[list(I)], X))
            tol = abs(full.certificate.gap) + abs(sub.certificate.gap) + ROUNDING * (1 + sub.value)
            lhs, rhs = (sub.value, full.value) if reverse else (full.value, sub.value)
            worst = max(worst, lhs - rhs)
            rows.append({"subset": list(I), "bas_sub": sub.value})
            if lhs > rhs + tol:
                rel = "≥" if reverse else "≤"
                raise ClaimRejected(
                    f"Bas(W,v) = {full.value!r} {rel} Bas(sub {I}) = {sub.value!r} fails (tolerance {tol:.1e})"
                )
    return {"bas_full": full.value, "subsets": rows, "max_lhs_minus_rhs": worst}


@pytest.mark.claim("SS16.Lemma2", kind="exact")
def test_basin_value_is_at_most_that_of_every_subnetwork(evidence):
    records = []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        X, y = rng.normal(size=(6, 3)), rng.normal(size=6)
        W, v = rng.normal(size=(4, 3)), rng.normal(size=4)
        out = check_subnetwork_inequality(X, y, W, v)
        out["seed"] = seed
        records.append(out)
    evidence.record(instances=records, n=4, m=6, d=3, subsets_per_instance=14)
    evidence.tolerance("inequality", 2e-6, GAP_REASON + " (both sides)")


@pytest.mark.claim("SS16.Lemma2", kind="exact", control=True)
def test_reversed_subnetwork_inequality_is_rejected(evidence):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=6)
    W, v = rng.normal(size=(4, 3)), rng.normal(size=4)
    with pytest.raises(ClaimRejected) as info:
        check_subnetwork_inequality(X, y, W, v, reverse=True)
    evidence.record(mutation="reversed inequality Bas(W,v) ≥ Bas(sub-network)", seed=0, rejected=True,
                    message=str(info.value)[:200])
