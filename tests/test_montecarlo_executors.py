"""numerics.montecarlo.run_trials: which executor runs the trials, how they are chunked, and that every
executor gives the serial results.

Supports every statistical claim (the ``statistical`` rung of CLAIMS.md) that runs its trials through
run_trials. The docstring promises: a Dask cluster when ``scheduler`` (an address or a Client) or
$OVERSPEC_DASK_SCHEDULER is set; serially in this process for ``n_jobs == 1``; joblib processes
otherwise (``n_jobs=None`` or -1 → all cores); ``chunk`` trials per task, by default about four tasks
per worker (chunks of ceil(n / (4·workers)) trials); results in index order, the same whichever
executor. The executors are observed through stand-ins for ``joblib.Parallel`` and
``distributed.Client`` that record what they are asked and run the tasks here (the real executors
are exercised in tests/test_montecarlo.py, on a local Dask cluster and loky processes).
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics.montecarlo import DASK_SCHEDULER_ENV, run_trials


def _draw(rng: np.random.Generator, index: int) -> tuple[int, float]:
    return index, float(rng.random())


def _serial(n: int, seed: int) -> list:
    return run_trials(_draw, n, seed, n_jobs=1)


def _ranges(n: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, n)) for a in range(0, n, size)]


@pytest.fixture(autouse=True)
def _no_env_scheduler(monkeypatch):
    monkeypatch.delenv(DASK_SCHEDULER_ENV, raising=False)


# --- joblib --------------------------------------------------------------------------------------

class _FakeParallel:
    """Stands in for joblib.Parallel: records its options and the trial range of every task."""

    log: list = []

    def __init__(self, n_jobs=None, backend=None, return_as="list"):
        _FakeParallel.log.append(("new", n_jobs, backend, return_as))

    def __call__(self, tasks):
        for fn, args, kwargs in tasks:  # joblib.delayed(fn)(*args) is (fn, args, kwargs)
            r = args[1]
            _FakeParallel.log.append(("task", r.start, r.stop))
            yield fn(*args, **kwargs)


@pytest.fixture
def parallel(monkeypatch):
    joblib = pytest.importorskip("joblib")
    _FakeParallel.log = []
    monkeypatch.setattr(joblib, "Parallel", _FakeParallel)
    return _FakeParallel.log


def _tasks(log) -> list[tuple[int, int]]:
    return [(a, b) for kind, a, b in (e for e in log if e[0] == "task")]


def test_two_workers_get_about_four_chunks_each_and_the_serial_results(parallel):
    """37 trials on 2 workers: chunks of ceil(37 / 8) = 5 trials (8 tasks), results as serial."""
    assert run_trials(_draw, 37, 123, n_jobs=2) == _serial(37, 123)
    assert parallel[0] == ("new", 2, "loky", "generator")
    assert _tasks(parallel) == _ranges(37, 5)


def test_fewer_trials_than_four_per_worker_go_one_per_task(parallel):
    """5 trials on 2 workers: ceil(5 / 8) = 1 trial per task."""
    assert run_trials(_draw, 5, 9, n_jobs=2) == _serial(5, 9)
    assert _tasks(parallel) == _ranges(5, 1)


def test_minus_one_means_all_cores(parallel, monkeypatch):
    """n_jobs=-1 on 3 cores: 3 workers, chunks of ceil(37 / 12) = 4."""
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    assert run_trials(_draw, 37, 123, n_jobs=-1) == _serial(37, 123)
    assert parallel[0] == ("new", 3, "loky", "generator")
    assert _tasks(parallel) == _ranges(37, 4)


def test_an_unknown_core_count_means_one_worker_and_runs_here(parallel, monkeypatch, capsys):
    """os.cpu_count() None: one worker, so the serial path (no joblib); its default chunk is
    max(1, n // 20) trials, so a 7-trial sweep reports progress after every trial."""
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert run_trials(_draw, 7, 4, progress=True) == _serial(7, 4)
    assert parallel == []
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"run_trials: {i}/7 trials" for i in range(1, 8)]


# --- Dask ----------------------------------------------------------------------------------------

class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


class _FakeClient:
    """Stands in for distributed.Client: a cluster of ``workers`` workers that runs tasks here and
    records construction, submissions and closing; ``short`` drops one result of every task."""

    log: list = []
    workers = 2
    short = False

    def __init__(self, address=None, set_as_default=True):
        _FakeClient.log.append(("new", address, set_as_default))

    def scheduler_info(self):
        return {"workers": {f"tcp://w{i}": {} for i in range(self.workers)}}

    def submit(self, fn, *args, pure=True):
        r = args[1]
        _FakeClient.log.append(("submit", r.start, r.stop, pure))
        out = fn(*args)
        return _Done(out[:-1] if self.short else out)

    def close(self):
        _FakeClient.log.append(("close",))


@pytest.fixture
def client(monkeypatch):
    distributed = pytest.importorskip("distributed")
    _FakeClient.log, _FakeClient.workers, _FakeClient.short = [], 2, False
    monkeypatch.setattr(distributed, "Client", _FakeClient)
    return _FakeClient


def _submitted(log) -> list[tuple[int, int]]:
    return [(e[1], e[2]) for e in log if e[0] == "submit"]


def test_a_scheduler_address_runs_on_dask_with_an_own_client_that_is_closed(client):
    """Own client, not made the process-wide default; chunks of ceil(37 / (4·2)) = 5 submitted as
    impure tasks (never merged with an equal-looking earlier one); the client is closed at the end."""
    assert run_trials(_draw, 37, 123, scheduler="tcp://somewhere:8786", n_jobs=1) == _serial(37, 123)
    log = client.log
    assert log[0] == ("new", "tcp://somewhere:8786", False) and log[-1] == ("close",)
    assert _submitted(log) == _ranges(37, 5)
    assert all(e[3] is False for e in log if e[0] == "submit")


def test_dask_chunks_are_about_four_per_worker_of_the_cluster(client):
    client.workers = 3  # ceil(37 / 12) = 4
    assert run_trials(_draw, 37, 1, scheduler="tcp://x:1") == _serial(37, 1)
    assert _submitted(client.log) == _ranges(37, 4)


def test_dask_few_trials_go_one_per_task(client):
    assert run_trials(_draw, 5, 1, scheduler="tcp://x:1") == _serial(5, 1)  # ceil(5 / 8) = 1
    assert _submitted(client.log) == _ranges(5, 1)


def test_a_cluster_without_workers_yet_is_counted_as_one_worker(client):
    client.workers = 0  # one worker: ceil(37 / 4) = 10
    assert run_trials(_draw, 37, 1, scheduler="tcp://x:1") == _serial(37, 1)
    assert _submitted(client.log) == _ranges(37, 10)


def test_the_environment_variable_selects_dask_and_an_empty_one_does_not(client, monkeypatch):
    monkeypatch.setenv(DASK_SCHEDULER_ENV, "tcp://from-env:8786")
    assert run_trials(_draw, 6, 2, n_jobs=1) == _serial(6, 2)
    assert client.log[0] == ("new", "tcp://from-env:8786", False)
    client.log.clear()
    monkeypatch.setenv(DASK_SCHEDULER_ENV, "")  # empty: not set
    assert run_trials(_draw, 6, 2, n_jobs=1) == _serial(6, 2)
    assert client.log == []


def test_a_client_passed_in_is_used_and_left_open(client):
    c = client()
    client.log.clear()
    assert run_trials(_draw, 6, 2, scheduler=c, n_jobs=1) == _serial(6, 2)
    assert [e[0] for e in client.log] == ["submit", "submit", "submit", "submit", "submit", "submit"]


def test_a_dask_task_returning_too_few_results_is_an_error_not_a_short_list(client):
    client.short = True
    with pytest.raises(RuntimeError, match="^scheduler: a Dask task returned 4 results for 5 trials$"):
        run_trials(_draw, 37, 123, scheduler="tcp://x:1")
    assert client.log[-1] == ("close",)  # closed on the error path too
