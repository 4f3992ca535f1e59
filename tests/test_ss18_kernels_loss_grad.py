"""F and ∇F of the compiled SS18 GD kernels (REV.ss18-table) on tiny instances (n, k, d ≤ 3).

``numerics.ss18.gd_kernel.loss_grad_one`` against the NumPy closed form
``numerics.ss18.objective.loss_and_gradient`` (gd_kernel's docstring: the same formulas, equal to
rounding, not bitwise), for the identity teacher (its ``ident`` shortcuts) and general teachers
with k < d and k > d, with nearly parallel and antiparallel student pairs and students nearly
(anti)parallel to a teacher (the chord rule). ``numerics.ss18.gd_lanes.loss_grad_lanes`` and
``_grad_norms_lanes`` against the one-run functions lane by lane, bit for bit (gd_lanes'
docstring). The helpers (``norms_and_units``, ``teacher_parts``, ``one_run_work``,
``_grad_norms``, ``lanes_of``) against their docstrings on hand-made inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics.ss18 import gd_kernel, gd_lanes
from numerics.ss18.objective import _teacher_constant, loss_and_gradient
from overspec.testing import assert_close


def _case(name: str):
    """(W, V) of one tiny instance; the comments say which branch each special row takes."""
    rng = np.random.default_rng({"identity": 1, "wide": 2, "tall": 3}[name])
    if name == "identity":  # k = d = 2, n = 3: the ident shortcuts, n > k
        V = np.eye(2)
        W = rng.standard_normal((3, 2)) / np.sqrt(2)
        W[1] = 0.7 * W[0] + 1e-9 * np.array([W[0, 1], -W[0, 0]])  # students nearly parallel
        W[2] = -1.1 * V[0] + np.array([0.0, 1e-8])  # nearly antiparallel to the teacher v_1
    elif name == "wide":  # k = 2 < d = 3, n = 3
        V = rng.standard_normal((2, 3))
        W = rng.standard_normal((3, 3)) / np.sqrt(3)
        W[2] = -1.3 * W[0] + 1e-7 * rng.standard_normal(3)  # students nearly antiparallel
        W[1] = 0.9 * V[0] + 1e-8 * rng.standard_normal(3)  # nearly parallel to the teacher v_1
    else:  # "tall": k = 3 > d = n = 2
        V = rng.standard_normal((3, 2))
        W = rng.standard_normal((2, 2)) / np.sqrt(2)
        W[1] = 1.2 * V[2] + np.array([1e-9, 0.0])  # nearly parallel to the last teacher
    return W, V


def _kernel_F_G(W, V):
    n, d = W.shape
    k = V.shape[0]
    b, Vh, ident = gd_kernel.teacher_parts(V)
    # work arrays filled with NaN: a slot read before it is written would show in F or ∇F
    G, U, a, coef, UT, work = (np.full_like(x, np.nan) for x in gd_kernel.one_run_work(n, d, k))
    F = gd_kernel.loss_grad_one(W, V, Vh, b, _teacher_constant(V), G, U, a, coef, ident, UT, work)
    return F, G


@pytest.mark.parametrize("name", ["identity", "wide", "tall"])
def test_one_run_kernel_matches_the_numpy_closed_form(name):
    """F and ∇F of loss_grad_one against objective.loss_and_gradient: the same formulas summed
    in another order, so a few ulps of the O(1) terms apart (atol 1e-13, as in the module's
    original test); on random points and on points with chord-rule pairs."""
    W, V = _case(name)
    rng = np.random.default_rng(7)
    for X in (W, rng.standard_normal(W.shape)):
        F, G = _kernel_F_G(X, V)
        F_ref, G_ref = loss_and_gradient(X, V)
        assert_close(F, F_ref, atol=1e-13, name=f"F ({name})")
        assert_close(G, G_ref, atol=1e-13, name=f"∇F ({name})")


def test_one_run_kernel_is_zero_at_the_teacher():
    """F(V) = 0 and ∇F(V) = 0 for the student W = V (identity and general teacher), and the
    kernel's ident shortcut gives the same as the general path on the identity teacher."""
    for V in (np.eye(3), np.random.default_rng(4).standard_normal((2, 3))):
        F, G = _kernel_F_G(V.copy(), V)
        assert abs(F) <= 1e-15  # F is a difference of O(1) sums: rounding only
        assert np.abs(G).max() <= 1e-15


def test_ident_shortcut_and_general_path_agree():
    """On the identity teacher the ident shortcut (cos θ = a coordinate of û_i) and the general
    dot products give F, ∇F to rounding."""
    V = np.eye(3)
    W = np.random.default_rng(8).standard_normal((2, 3))
    b, Vh, ident = gd_kernel.teacher_parts(V)
    assert ident
    out = []
    for flag in (True, False):
        G, U, a, coef, UT, work = gd_kernel.one_run_work(2, 3, 3)
        F = gd_kernel.loss_grad_one(W, V, Vh, b, _teacher_constant(V), G, U, a, coef, flag, UT, work)
        out.append((F, G.copy()))
    assert_close(out[0][0], out[1][0], atol=1e-15, name="F")  # one dot product of 3 terms apart
    assert_close(out[0][1], out[1][1], atol=1e-15, name="∇F")


# ------------------------------------------------------------------ the helpers
def test_norms_and_units_of_a_non_square_matrix():
    """Row norms and unit rows of a 3 × 2 and a 2 × 3 matrix (Pythagorean triples: exact)."""
    for M, norms_ref in ((np.array([[3.0, 4.0], [-5.0, 12.0], [0.0, 2.0]]), [5.0, 13.0, 2.0]),
                         (np.array([[1.0, 2.0, 2.0], [0.0, -3.0, 4.0]]), [3.0, 5.0])):
        norms, units = np.full(M.shape[0], np.nan), np.full(M.shape, np.nan)
        gd_kernel.norms_and_units(M, norms, units)
        assert np.array_equal(norms, norms_ref)
        assert np.array_equal(units, M / np.array(norms_ref)[:, None])


@pytest.mark.parametrize("V, ident", [
    (np.eye(2), True),
    (np.eye(3), True),
    (np.eye(2, 3), False),  # not square: not "the identity"
    (np.array([[0.0, 1.0], [1.0, 0.0]]), False),  # a permutation
    (2.0 * np.eye(2), False),
    (np.array([[1.0, 0.0], [1e-300, 1.0]]), False),
    (np.array([[1.0, 0.0], [0.0, 0.5]]), False),
])
def test_teacher_parts_gives_norms_units_and_whether_v_is_the_identity(V, ident):
    b, Vh, is_ident = gd_kernel.teacher_parts(V)
    assert is_ident == ident
    assert_close(b, np.linalg.norm(V, axis=1), rtol=1e-15, name="‖v_j‖")  # one rounding each
    assert_close(Vh, V / np.linalg.norm(V, axis=1)[:, None], rtol=1e-15, atol=1e-300, name="v̂_j")


def test_one_run_work_has_the_documented_shapes():
    """G, U (n, d), a, coef (n,), UT (d, n), work (3, max(n, k)), for n < k and n > k."""
    for n, d, k in ((2, 3, 3), (3, 2, 1)):
        G, U, a, coef, UT, work = gd_kernel.one_run_work(n, d, k)
        assert [x.shape for x in (G, U, a, coef, UT, work)] == [(n, d), (n, d), (n,), (n,), (d, n), (3, max(n, k))]


def test_grad_norms_gives_the_largest_row_and_the_total_norm():
    """(max_i ‖G_i‖², ‖G‖) for a 3 × 2 gradient whose largest row is the last, and a 2 × 3 one."""
    gmax2, gtot = gd_kernel._grad_norms(np.array([[1.0, 0.0], [0.0, -2.0], [3.0, 4.0]]))
    assert gmax2 == 25.0 and gtot == np.sqrt(30.0)
    gmax2, gtot = gd_kernel._grad_norms(np.array([[3.0, 4.0, 12.0], [0.0, 1.0, 0.0]]))
    assert gmax2 == 169.0 and gtot == np.sqrt(170.0)


def test_lanes_of_copies_a_matrix_into_every_lane():
    M = np.arange(6.0).reshape(2, 3)
    out = gd_lanes.lanes_of(M, 4)
    assert out.shape == (2, 3, 4)
    for l in range(4):
        assert np.array_equal(out[:, :, l], M)


# ------------------------------------------------------------------ the lanes
def _lane_runs(name: str, L: int = 5):
    """L runs of the instance: lane 0 is the special point of _case, the others random ones
    with one special pair each (a student pair at cos ≈ 0.995, where the chord e ≈ 0.1)."""
    W, V = _case(name)
    rng = np.random.default_rng(11)
    runs = [W] + [rng.standard_normal(W.shape) for _ in range(L - 1)]
    w0 = runs[1][0]
    p = rng.standard_normal(w0.shape)
    p -= (p @ w0) / (w0 @ w0) * w0
    runs[1][1] = 0.8 * (w0 + 0.1 * np.linalg.norm(w0) * p / np.linalg.norm(p))  # cos θ = 1/√1.01
    runs[2][0] = -0.6 * (V[0] / np.linalg.norm(V[0])) + 1e-9  # nearly antiparallel to the first teacher
    return runs, V


@pytest.mark.parametrize("name", ["identity", "wide", "tall"])
def test_lane_kernel_is_bitwise_the_one_run_kernel(name):
    """loss_grad_lanes on L = 5 runs returns, lane by lane, exactly loss_grad_one's F and ∇F
    (gd_lanes' docstring: bitwise), including the chord-rule lanes; and a changed lane is
    told apart (the comparison sees values)."""
    runs, V = _lane_runs(name)
    L = len(runs)
    n, d = runs[0].shape
    k = V.shape[0]
    b, Vh, ident = gd_kernel.teacher_parts(V)
    vconst = _teacher_constant(V)
    m = max(n, k)

    def lanes(w):
        F, G = np.empty(L), np.empty((n, d, L))
        nan = np.nan  # work arrays filled with NaN: a slot read before it is written would show
        gd_lanes.loss_grad_lanes(w, V, Vh, gd_lanes.lanes_of(Vh, L), b, vconst, ident, G,
                                 np.full_like(w, nan), np.full((n, L), nan), np.full((n, L), nan),
                                 np.full((m, L), nan), np.full((m, L), nan), np.full((m, L), nan), F)
        return F, G

    w = np.ascontiguousarray(np.stack(runs, axis=-1))
    F, G = lanes(w)
    for r in range(L):
        F1, G1 = _kernel_F_G(runs[r], V)
        assert F[r] == F1, (r, F[r] - F1)
        assert np.array_equal(G[:, :, r], G1), (r, np.abs(G[:, :, r] - G1).max())
    w[0, 0, 3] += 1e-12
    assert not np.array_equal(lanes(w)[1][:, :, 3], _kernel_F_G(runs[3], V)[1])


def test_lane_grad_norms_are_bitwise_the_one_run_grad_norms():
    G = np.random.default_rng(12).standard_normal((3, 2, 4))
    G[2, :, 1] *= 10.0  # lane 1: the largest row is the last
    gmax2, gtot = np.full(4, np.nan), np.full(4, np.nan)
    gd_lanes._grad_norms_lanes(G, gmax2, gtot)
    for l in range(4):
        assert (gmax2[l], gtot[l]) == gd_kernel._grad_norms(np.ascontiguousarray(G[:, :, l]))
