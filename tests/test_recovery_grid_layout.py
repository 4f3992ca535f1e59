"""numerics.recovery_grid: the set-up of ZBZ24.full-sample / ZBZ24.separation, without running the
flows to convergence — the test grid, the sample draws, θ(0) for a ratio r, the (n, draw, r) order
of cells and results, the Grid accessors (status, gen_error, decided_at, fraction, summary,
cell) and run_grid's input guards.

Grid accessors are checked on hand-built CellResults (their numbers say where they sit in the
grid); run_grid itself is run with ``t_end=1`` (one checkpoint at flow time 1: every cell is
undecided, the run takes milliseconds) — these tests are about bookkeeping, not about recovery.
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics.imbalance import imbalance_vector
from numerics.recovery_grid import EPS, Grid, grid_cells, ratio_init, run_grid, sample
from numerics.stiff_flow import OTHER, RECOVERED, STATUSES, UNDECIDED, CellResult, Criterion
from overspec.testing import assert_close

FAST = {"t_end": 1.0, "n_jobs": 1}  # one checkpoint at t = 1, serial: a bookkeeping-only run


# ---------------------------------------------- the samples (the test grid: test_recovery_grid_test_grid.py)


def test_sample_draw_s_at_size_n_is_seeded_1000n_plus_s():
    X, y = sample(5, 3)
    assert np.array_equal(X, np.random.default_rng(5003).normal(size=(5, 2)))
    assert_close(y, np.tanh(X[:, 0] + 0.5 * X[:, 1]), atol=1e-15, name="y")  # one rounding
    assert not np.array_equal(sample(5, 4)[0], X)  # another draw is another sample


# ------------------------------------------------------------------ θ(0) for a ratio


@pytest.mark.parametrize("r, C", [(0.75, (0.8, 0.6)), (0.0, (1.0, 0.0)), (1.0, (2 ** -0.5, 2 ** -0.5))])
def test_ratio_init_has_unit_imbalance_vector_1_r_normalized(r, C):
    X, y = sample(4, 0)
    theta = ratio_init(r, X, y)
    # θ(0)/ε lies in the escape eigenspace with C(θ̄) = (1, r)/‖(1, r)‖ (a 3-4-5 triangle for 0.75)
    assert_close(imbalance_vector(theta / EPS, X, y), np.array(C), atol=1e-12, name="C")  # rounding
    assert_close(np.linalg.norm(theta), EPS, rtol=1e-12, name="‖θ(0)‖")  # orthonormal basis, ‖C‖ = 1


def test_ratio_init_scales_with_eps_and_rejects_nonpositive_eps():
    X, y = sample(4, 0)
    assert_close(ratio_init(0.5, X, y, eps=1e-2), 100.0 * ratio_init(0.5, X, y), rtol=1e-12, name="θ(0)")  # ε multiplies the same θ̄; rounding
    for bad in (0.0, -1e-4, np.inf):
        with pytest.raises(ValueError, match="eps"):
            ratio_init(0.5, X, y, eps=bad)


def test_grid_cells_come_in_n_draw_r_order():
    cells = grid_cells([2, 3], 2, [0.0, 1.0])
    names = [c.name for c in cells]
    assert names == [f"n={n} draw={s} r={r:.4g}" for n in (2, 3) for s in range(2) for r in (0.0, 1.0)]
    X, y = sample(3, 1)
    assert np.array_equal(cells[6].X, X) and np.array_equal(cells[6].y, y)
    assert np.array_equal(cells[6].theta0, ratio_init(0.0, X, y))


# ------------------------------------------------------------------ Grid accessors on hand-built results

SIZES, DRAWS, RATIOS = (2, 3), 2, np.array([0.0, 0.5, 1.0])
# status[i, s, k]: size 2 — draw 0 recovers at r = 0, 1; draw 1 only at r = 0.5, 1 (one undecided);
# size 3 — nothing recovers, one cell at another minimum
STATUS = np.array([[[RECOVERED, OTHER, RECOVERED], [UNDECIDED, RECOVERED, RECOVERED]],
                   [[OTHER, OTHER, OTHER], [OTHER, UNDECIDED, OTHER]]])


def _result(i: int, s: int, k: int) -> CellResult:
    code = 100 * i + 10 * s + k  # where the cell sits, readable from any of its numbers
    st = str(STATUS[i, s, k])
    return CellResult(name=f"cell {code}", status=st, t=np.array([1e2, 1e3, 1e4 + code]),
                      theta=np.zeros((3, 6)), gen_error=np.array([1.0, 0.5, code + 0.25]),
                      loss=np.zeros(3), grad_norm=np.zeros(3), nfev=1, njev=1)


def _grid() -> Grid:
    res = tuple(_result(i, s, k) for i in range(2) for s in range(DRAWS) for k in range(RATIOS.size))
    return Grid(SIZES, RATIOS, DRAWS, res, Criterion())


def test_grid_status_and_gen_error_are_indexed_size_draw_ratio():
    g = _grid()
    assert np.array_equal(g.status, STATUS)
    code = 100 * np.arange(2)[:, None, None] + 10 * np.arange(2)[None, :, None] + np.arange(3)
    assert np.array_equal(g.gen_error, code + 0.25)  # the last checkpoint's G


def test_grid_decided_at_is_last_checkpoint_time_or_inf_when_undecided():
    g = _grid()
    d = g.decided_at
    assert d[0, 1, 0] == np.inf and d[1, 1, 1] == np.inf
    assert d[0, 0, 2] == 1e4 + 2 and d[1, 0, 1] == 1e4 + 101


def test_grid_fraction_is_recovered_share_over_draws_per_size_and_ratio():
    f = _grid().fraction()
    assert f.shape == (2, 3)
    assert np.array_equal(f, [[0.5, 0.5, 1.0], [0.0, 0.0, 0.0]])


def test_grid_summary_counts_statuses_per_size():
    out = _grid().summary()
    assert list(out) == [2, 3]
    assert {k: out[2][k] for k in STATUSES} == {RECOVERED: 4, OTHER: 1, UNDECIDED: 1}
    assert {k: out[3][k] for k in STATUSES} == {RECOVERED: 0, OTHER: 5, UNDECIDED: 1}
    assert out[2]["cells"] == 6 and out[3]["cells"] == 6
    assert out[2]["fraction_recovered"] == pytest.approx(4 / 6, rel=1e-15)  # one float division
    assert out[3]["fraction_recovered"] == 0.0
    assert out[2]["recovered_per_ratio"] == [1, 1, 2]  # summed over the draws
    assert out[3]["recovered_per_ratio"] == [0, 0, 0]


def test_grid_cell_returns_the_result_of_size_draw_ratio():
    g = _grid()
    for i, n in enumerate(SIZES):
        for s in range(DRAWS):
            for k in range(RATIOS.size):
                assert g.cell(n, s, k).name == f"cell {100 * i + 10 * s + k}"


# ------------------------------------------------------------------ run_grid


def test_run_grid_runs_every_cell_in_order_and_normalizes_its_arguments():
    g = run_grid([2, 3], 2.0, [0.0, 1.0], **FAST)
    assert g.sizes == (2, 3) and all(type(n) is int for n in g.sizes)
    assert g.draws == 2 and type(g.draws) is int
    assert np.array_equal(g.ratios, [0.0, 1.0])
    assert [r.name for r in g.results] == [c.name for c in grid_cells([2, 3], 2, [0.0, 1.0])]
    assert g.cell(3, 1, 0).name == "n=3 draw=1 r=0"
    assert np.all(g.status == UNDECIDED)  # t_end = 1: nothing is decided yet


def test_run_grid_accepts_one_draw_and_one_ratio_at_the_ends_of_0_1():
    for r in (0.0, 1.0):
        g = run_grid([2], 1, [r], **FAST)
        assert g.status.shape == (1, 1, 1)


@pytest.mark.parametrize("ratios", [[], [[0.5, 0.5]], [-0.5, 0.5], [0.5, 1.5], [-1e-9], [1.0 + 1e-9]])
def test_run_grid_rejects_ratios_outside_0_1_or_not_1d(ratios):
    with pytest.raises(ValueError, match="ratios"):
        run_grid([2], 1, ratios, **FAST)


@pytest.mark.parametrize("draws", [0, -1, 1.5, 0.5])
def test_run_grid_rejects_draws_not_a_positive_integer(draws):
    with pytest.raises(ValueError, match="draws"):
        run_grid([2], draws, [0.5], **FAST)
