"""Exact small cases of the ray machinery (numerics.basins.rays; SS16 Lemma 1's NNLS path).

What is checked, against oracles that do not use the module's code path:
* ``_row_space``: the numerical rank is NumPy's ``matrix_rank`` (tolerance σ_max·max(m, d)·eps),
  at any scale of X, and the basis is orthonormal and spans the rows;
* ``_rays``: the rays and their signs of hand-made arrangements, the same at every scale of X;
  a nearly dependent subset above the documented σ_min > 1e-10·σ_max still gives its line;
  directions equal to 9 decimals are one line;
* ``_RaySquared.compatible`` and ``_generators``: the compatible rays of every sign row, by brute
  force over all 2^m rows; the strict-sign coverage mask as an explicit set;
* ``_witnessed``: a narrow cone whose generators cover every sample but whose w̄ = Σ g has a
  normalised margin below INTERIOR_MARGIN is not shown; an open one is, at any scale of X;
* ``_ray_program``: an LRU cache of 16 programs, oldest evicted first;
* ``_RaySquared.solve``: a single generator, and no active generator (p = 0, λ = −(2/m) y).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

import numpy as np
import pytest

import numerics.basins.rays as rays_mod
from numerics.basins.patterns import INTERIOR_MARGIN
from numerics.basins.rays import _RaySquared, _generators, _ray_program, _rays, _row_space, _witnessed


def _rays_of(X):
    r, V = _row_space(X)
    return _rays(X, X @ V, V, r)


def _as_set(G, S, digits=7):
    """The (ray, signs) pairs as a set of rounded tuples (the enumeration order is not promised)."""
    return {(tuple(np.round(g, digits) + 0.0), tuple(int(s) for s in row)) for g, row in zip(G, S)}


def _signs(G, X):
    """Independent sign oracle: sign⟨g, x_t⟩, 0 within 1e-12‖x_t‖ (on-hyperplane values are
    ~1e-16 here, off-hyperplane ones ≥ 1e-3 for the random data used)."""
    Z = G @ X.T
    return np.where(np.abs(Z) <= 1e-12 * np.linalg.norm(X, axis=1), 0, np.sign(Z)).astype(int)


def _all_rows(m):
    return np.array(list(itertools.product([-1, 1], repeat=m)), dtype=np.int64)


# ----------------------------------------------------------------------------- _row_space


@pytest.mark.parametrize("scale", [1e-8, 1.0, 1e8])
def test_row_space_rank_of_full_rank_data_is_scale_invariant(scale):
    X = scale * np.random.default_rng(0).normal(size=(3, 2))
    r, V = _row_space(X)
    assert r == 2 == np.linalg.matrix_rank(X)
    assert V.shape == (2, 2)


@pytest.mark.parametrize("sigma2, rank", [(1e-14, 1), (5e-14, 2)])
def test_row_space_rank_uses_the_largest_dimension_in_its_tolerance(sigma2, rank):
    """100 × 2 data with singular values (1, σ₂): the tolerance 100·eps ≈ 2.2e-14 puts σ₂ = 1e-14
    below it and 5e-14 above it (NumPy's matrix_rank uses the same rule)."""
    rng = np.random.default_rng(1)
    Uo, _ = np.linalg.qr(rng.normal(size=(100, 2)))
    Vo, _ = np.linalg.qr(rng.normal(size=(2, 2)))
    X = Uo @ np.diag([1.0, sigma2]) @ Vo
    assert _row_space(X)[0] == rank == np.linalg.matrix_rank(X)


def test_row_space_basis_is_orthonormal_and_spans_the_rows():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(4, 2)) @ rng.normal(size=(2, 3))  # rank 2 in R^3
    r, V = _row_space(X)
    assert r == 2 and V.shape == (3, 2)
    # round-off of an SVD of O(1) data: 1e-12
    assert np.allclose(V.T @ V, np.eye(2), rtol=0, atol=1e-12)
    assert np.allclose(X @ V @ V.T, X, rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- _rays


@pytest.mark.parametrize("c", [1e-3, 1.0, 1e3])
def test_rays_and_signs_of_a_hand_made_arrangement_at_every_scale(c):
    """x_0 = e1, x_1 = (1, δ, 0), x_2 = e3 with δ = 1e-5 (x_0, x_1 nearly parallel but
    σ_min/σ_max ≈ δ/2 ≫ 1e-10): lines e3 = x_0^⊥ ∩ x_1^⊥, e2 = x_0^⊥ ∩ x_2^⊥ and
    u ∝ (δ, −1, 0) = x_1^⊥ ∩ x_2^⊥; ⟨e2, x_1⟩ = cδ and ⟨u, x_0⟩ ≈ cδ are small but not zero
    relative to ‖x_t‖ (1e-5 ≫ 1e-10), so their signs are ±1."""
    d = 1e-5
    X = c * np.array([[1.0, 0.0, 0.0], [1.0, d, 0.0], [0.0, 0.0, 1.0]])
    G, S = _rays_of(X)
    u = np.array([d, -1.0, 0.0]) / np.hypot(d, 1.0)
    e2, e3 = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0])
    expected = [(e3, (0, 0, 1)), (e2, (0, 1, 0)), (u, (1, 0, 0))]
    want = _as_set([s * g for g, _ in expected for s in (1, -1)],
                   [tuple(s * t for t in sg) for _, sg in expected for s in (1, -1)])
    assert _as_set(G, S) == want
    assert np.allclose(np.linalg.norm(G, axis=1), 1.0, rtol=0, atol=1e-12)  # unit rays


def test_a_nearly_dependent_pair_above_1e_minus_10_still_gives_its_line():
    """x_0 = e1 and x_1 = (1, δ, 0), δ = 1.5e-9: σ_min/σ_max ≈ δ/2 = 7.5e-10 > 1e-10, so their
    common line e3 is a ray (6 rays: ±e3, ±e2 and ±u with u ⟂ x_1, x_2)."""
    X = np.array([[1.0, 0.0, 0.0], [1.0, 1.5e-9, 0.0], [0.0, 0.0, 1.0]])
    G, S = _rays_of(X)
    assert G.shape == (6, 3)
    e3 = [tuple(g) for g, s in _as_set(G, S) if abs(g[2]) == 1.0]
    assert sorted(e3) == [(0.0, 0.0, -1.0), (0.0, 0.0, 1.0)]


def test_an_exactly_dependent_pair_gives_no_line():
    """x_1 = 2 x_0: the pair {0, 1} has a 2-dim kernel and gives no line; the rays are ±e1, ±e2,
    ±e3, each met by its hyperplanes once (duplicates from {0, ·} and {1, ·} merged)."""
    X = np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    G, S = _rays_of(X)
    assert G.shape == (6, 3)
    assert {tuple(np.abs(np.round(g, 9))) for g in G} == {(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)}


def test_directions_equal_to_nine_decimals_are_one_line():
    """In R², the lines x_0^⊥ = (0, 1) and x_1^⊥ = (−sin ε, cos ε): at ε = 3e-10 they agree to 9
    decimals and are one line (2 rays; the sign of (0, 1) on x_1 is sin ε = 3e-10 > 1e-10‖x_1‖,
    hence +1); at ε = 3e-9 they are two (4 rays)."""
    eps = 3e-10
    X = np.array([[1.0, 0.0], [np.cos(eps), np.sin(eps)]])
    G, S = _rays_of(X)
    assert _as_set(G, S) == {((0.0, 1.0), (0, 1)), ((0.0, -1.0), (0, -1))}
    eps = 3e-9
    X = np.array([[1.0, 0.0], [np.cos(eps), np.sin(eps)]])
    G, S = _rays_of(X)
    assert G.shape == (4, 2)
    assert sorted(tuple(int(s) for s in row) for row in S) == [(-1, 0), (0, -1), (0, 1), (1, 0)]


def test_exactly_2000000_ray_candidates_are_enumerated():
    """The refusal is for more than 2 000 000 candidates (2 000 001 is refused elsewhere):
    rank 2 with m = 2 000 000 passes the check and starts the enumeration — here with a
    deliberately one-row Xr, so it stops at once on an IndexError instead of the ValueError."""
    X = np.broadcast_to(np.array([1.0, 0.0]), (2_000_000, 2))
    with pytest.raises(IndexError):
        _rays(X, np.zeros((1, 2)), np.eye(2), 2)


# ----------------------------------------------------------------------------- compatibility


def _half_space_data(m, seed):
    """m points with x_t1 > 0 (an open half-space, so some rays are ≤ 0 on every sample)."""
    X = np.random.default_rng(seed).normal(size=(m, 2))
    X[:, 0] = np.abs(X[:, 0]) + 0.5
    return X


@pytest.mark.parametrize("X", [_half_space_data(4, 3), np.random.default_rng(4).normal(size=(4, 2)),
                               np.random.default_rng(5).normal(size=(5, 3))])
def test_compatible_rays_of_every_sign_row_by_brute_force(X):
    """compatible(a) = {k : a_t⟨g_k, x_t⟩ ≥ 0 ∀t, and ⟨g_k, x_t⟩ > 0 for some t}."""
    prog = _RaySquared(X)
    S = _signs(prog.G, X)
    for a in _all_rows(X.shape[0]):
        want = [k for k in range(len(S)) if np.all(a * S[k] >= 0) and np.any(S[k] > 0)]
        assert prog.compatible(a).tolist() == want, a


@pytest.mark.parametrize("X", [_half_space_data(4, 6), np.random.default_rng(7).normal(size=(4, 2)),
                               np.random.default_rng(8).normal(size=(5, 3)), _half_space_data(12, 9)])
def test_generators_of_every_sign_row_by_brute_force(X):
    """_generators numbers the rows of A (N × n × m) row-major and returns every (row, ray) with
    a_t⟨g, x_t⟩ ≥ 0 ∀t (inactive rays included), sorted by row, and per row the mask of the
    samples some generator is strict on. m = 12 > 10 exercises the prefix index on part of a row."""
    m = X.shape[0]
    rows = _all_rows(m)
    if m > 5:
        rows = rows[np.random.default_rng(10).choice(len(rows), 64, replace=False)]
    A = rows.reshape(-1, 4, m)  # N × 4 neurons
    prog = _RaySquared(X)
    S = _signs(prog.G, X)
    row, ray, covered = _generators(prog, A)
    want_pairs, want_cov = [], []
    for j, a in enumerate(rows):
        ks = [k for k in range(len(S)) if np.all(a * S[k] >= 0)]
        want_pairs += [(j, k) for k in ks]
        want_cov.append(sum(1 << t for t in range(m) if any(S[k, t] != 0 for k in ks)))
    assert list(zip(row.tolist(), ray.tolist())) == want_pairs
    assert covered.tolist() == want_cov


# ----------------------------------------------------------------------------- _witnessed


def _sector(eps, scale=1.0):
    """x_0 = e1, x_1 = (cos ε, sin ε), x_2 = (0, −1) with a = (+, −, +): the cone between
    (0, −1) and (sin ε, −cos ε), of angle ε. Both generators together are strict on every sample,
    and w̄ = (sin ε, −1 − cos ε) has margin min_t a_t⟨w̄, x̂_t⟩/‖w̄‖_∞ = sin ε/(1 + cos ε) ≈ ε/2
    (on x_0 and x_1; on x_2 it is 1)."""
    X = scale * np.array([[1.0, 0.0], [np.cos(eps), np.sin(eps)], [0.0, -1.0]])
    A = np.array([[[1, -1, 1]]])
    prog = _RaySquared(X)
    return prog, X, A, _generators(prog, A)


def test_a_cone_narrower_than_the_interior_margin_is_not_witnessed():
    eps = 1.2e-9  # margin ≈ 6e-10 < INTERIOR_MARGIN = 1e-9, though every sign is strict
    assert INTERIOR_MARGIN == 1e-9
    prog, X, A, (row, ray, covered) = _sector(eps)
    assert covered.tolist() == [0b111] and row.size == 2
    assert not _witnessed(prog, X, A, row, ray, covered)[0, 0]


@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e4])
def test_an_open_cone_is_witnessed_at_every_scale_of_X(scale):
    prog, X, A, gens = _sector(1e-3, scale)  # margin ≈ 5e-4 ≫ 1e-9 on normalised samples
    assert _witnessed(prog, X, A, *gens).tolist() == [[True]]


def test_a_row_without_full_strict_coverage_is_not_witnessed():
    """x_1 = 2 x_0 with a = (+, −): the open cone is empty; its closed cone {⟨w, x_0⟩ = 0} has
    generators, none strict on x_0 or x_1."""
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    prog = _RaySquared(X)
    A = np.array([[[1, -1, 1], [1, 1, 1]]])
    gens = _generators(prog, A)
    assert _witnessed(prog, X, A, *gens).tolist() == [[False, True]]


# ----------------------------------------------------------------------------- _ray_program


def test_ray_programs_are_cached_for_the_16_most_recent_data(monkeypatch):
    monkeypatch.setattr(rays_mod, "_RAYS", OrderedDict())
    Xs = [np.array([[1.0, float(i)], [-float(i), 1.0]]) for i in range(17)]
    first = _ray_program(Xs[0], Xs[0].tobytes())
    assert list(rays_mod._RAYS) == [Xs[0].tobytes()]
    assert _ray_program(Xs[0], Xs[0].tobytes()) is first  # a hit: the same program
    for X in Xs[1:16]:
        _ray_program(X, X.tobytes())
    assert len(rays_mod._RAYS) == 16  # full, nothing evicted yet
    newest = _ray_program(Xs[16], Xs[16].tobytes())
    assert list(rays_mod._RAYS) == [X.tobytes() for X in Xs[1:]]  # the oldest is gone
    assert rays_mod._RAYS[Xs[16].tobytes()] is newest


# ----------------------------------------------------------------------------- solve


def test_solve_with_a_single_generator():
    """X = [[1]], one neuron active on the sample, y = 2: K = {w ≥ 0} has the single generator
    g = 1, and u = 2 fits exactly (p = 2, λ = 0)."""
    prog = _RaySquared(np.array([[1.0]]))
    U, p, lam, (row, G) = prog.solve(np.array([[1]]), np.array([1]), np.array([2.0]))
    assert row.tolist() == [0] and G.tolist() == [[1.0]]
    # DAQP's projection on a 1-column problem: exact up to round-off, 1e-12
    assert np.allclose(U, [[2.0]], rtol=0, atol=1e-12) and np.allclose(p, [2.0], rtol=0, atol=1e-12)
    assert np.allclose(lam, [0.0], rtol=0, atol=1e-12)


def test_solve_without_an_active_generator_predicts_zero():
    """Neuron inactive on every sample (data in x_1 > 0, a = −1): p = 0, U = 0 and the
    multiplier is the gradient of (1/m)‖p − y‖² at p = 0: λ = −(2/m) y, exactly."""
    X = _half_space_data(3, 11)
    y = np.array([1.0, -2.0, 0.5])
    prog = _RaySquared(X)
    U, p, lam, (row, G) = prog.solve(np.array([[-1, -1, -1]]), np.array([1]), y)
    assert U.tolist() == [[0.0, 0.0]] and p.tolist() == [0.0, 0.0, 0.0]
    assert lam.tolist() == [-2.0 / 3, 4.0 / 3, -1.0 / 3]
    assert row.size == 0 and G.shape == (0, 2)
