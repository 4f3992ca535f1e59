"""numerics.stiff_flow.integrate_cells: which executor runs the cells, and that every one agrees.

Claims ZBZ24.full-sample / .separation / .ratio run their grids through integrate_cells. The
docstring promises: a Dask cluster when ``scheduler`` (an address or a Client) or
$OVERSPEC_DASK_SCHEDULER is set; serially in this process for ``n_jobs=1`` (or a single cell);
joblib processes otherwise — with identical, ordered results. Where a cell runs is observed with a
recording wrapper around integrate_cell: it records only when called in this process (a joblib
worker imports numerics.stiff_flow afresh; a Dask task calls the function it was given).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from numerics import stiff_flow as sf
from numerics.montecarlo import DASK_SCHEDULER_ENV

FAST = sf.Criterion(j_first=0, j_max=4)


def _cells():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 2))
    y = np.tanh(X @ [1.0, -0.5])
    near = sf.make_cell("near", np.r_[1.0, 1.0, -0.5] + 1e-2 * rng.normal(size=3), X, y, X, y)
    Xo = np.eye(2)
    Xt = np.array([[1.0, 1.0], [2.0, -1.0]])
    other = sf.make_cell("other", np.array([0.3, 0.2, 0.4]), Xo, np.tanh(Xo @ [1.0, -0.5]), Xt,
                         np.tanh(Xt @ [1.0, -0.5]))
    return [near, other]


@pytest.fixture
def calls(monkeypatch):
    """(cell name, ran in the main thread) for every cell integrated in this process."""
    seen: list[tuple[str, bool]] = []
    orig = sf.integrate_cell

    def recording(cell, *args, **kw):
        seen.append((cell.name, threading.current_thread() is threading.main_thread()))
        return orig(cell, *args, **kw)

    monkeypatch.setattr(sf, "integrate_cell", recording)
    monkeypatch.delenv(DASK_SCHEDULER_ENV, raising=False)
    return seen


def _same(a, b):
    assert [r.name for r in a] == [r.name for r in b] and [r.status for r in a] == [r.status for r in b]
    for x, y in zip(a, b):
        assert np.array_equal(x.theta, y.theta) and np.array_equal(x.t, y.t)


def test_n_jobs_one_runs_every_cell_here_in_order(calls):
    out = sf.integrate_cells(_cells(), FAST, n_jobs=1)
    assert calls == [("near", True), ("other", True)] and [r.status for r in out] == [sf.RECOVERED, sf.OTHER]


@pytest.mark.parametrize("n_jobs", [2, None, -1])
def test_a_single_cell_runs_here_whatever_n_jobs(calls, n_jobs):
    out = sf.integrate_cells(_cells()[:1], FAST, n_jobs=n_jobs)
    assert calls == [("near", True)] and out[0].status == sf.RECOVERED


class _FakeParallel:
    """Stands in for joblib.Parallel: records how it was built and runs the tasks here, in order."""

    made: list[dict] = []

    def __init__(self, n_jobs, backend):
        _FakeParallel.made.append({"n_jobs": n_jobs, "backend": backend})

    def __call__(self, tasks):
        return [fn(*args, **kw) for fn, args, kw in tasks]


@pytest.fixture
def fake_joblib(monkeypatch):
    import joblib

    _FakeParallel.made = []
    monkeypatch.setattr(joblib, "Parallel", _FakeParallel)
    return _FakeParallel.made


@pytest.mark.parametrize("n_jobs, workers", [(None, 2), (-1, 2), (2, 2), (3, 3)])
def test_several_cells_go_to_joblib_with_all_cores_by_default(calls, fake_joblib, monkeypatch, n_jobs, workers):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    out = sf.integrate_cells(_cells(), FAST, n_jobs=n_jobs, rtol=1e-9)
    assert fake_joblib == [{"n_jobs": workers, "backend": "loky"}]
    assert [r.name for r in out] == ["near", "other"] and all(r.settings["rtol"] == 1e-9 for r in out)


def test_an_unknown_core_count_means_one_worker(calls, fake_joblib, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: None)
    sf.integrate_cells(_cells(), FAST)
    assert fake_joblib == [] and [c for c, _ in calls] == ["near", "other"]  # serial, here


class _FakeClient:
    """Stands in for distributed.Client: records its construction, map options and closing; runs here."""

    log: list = []

    def __init__(self, address=None, set_as_default=True):
        _FakeClient.log.append(("new", address, set_as_default))

    def map(self, fn, cells, **kw):
        _FakeClient.log.append(("map", kw.get("pure"), kw.get("criterion")))
        options = {k: v for k, v in kw.items() if k != "pure"}
        return [fn(c, **options) for c in cells]

    def gather(self, futures):
        return futures

    def close(self):
        _FakeClient.log.append(("close",))


@pytest.fixture
def fake_client(monkeypatch):
    distributed = pytest.importorskip("distributed")
    _FakeClient.log = []
    monkeypatch.setattr(distributed, "Client", _FakeClient)
    return _FakeClient.log


def test_a_scheduler_address_gets_an_own_client_that_is_closed(calls, fake_client):
    out = sf.integrate_cells(_cells(), FAST, scheduler="tcp://somewhere:8786", rtol=1e-9)
    assert fake_client == [("new", "tcp://somewhere:8786", False), ("map", False, FAST), ("close",)]
    assert [r.name for r in out] == ["near", "other"] and all(r.settings["rtol"] == 1e-9 for r in out)


def test_a_client_passed_in_is_used_and_left_open(calls, fake_client):
    client = _FakeClient("given")
    sf.integrate_cells(_cells(), FAST, scheduler=client)
    assert fake_client == [("new", "given", True), ("map", False, FAST)]


def test_the_environment_variable_selects_dask(calls, fake_client, monkeypatch):
    monkeypatch.setenv(DASK_SCHEDULER_ENV, "tcp://from-env:8786")
    sf.integrate_cells(_cells(), FAST, n_jobs=1)
    assert fake_client[0] == ("new", "tcp://from-env:8786", False)
    monkeypatch.setenv(DASK_SCHEDULER_ENV, "")  # empty: not set
    fake_client.clear()
    sf.integrate_cells(_cells(), FAST, n_jobs=1)
    assert fake_client == []
