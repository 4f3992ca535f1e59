"""Fixtures shared by the tests of tests/ (the root conftest loads the overspec plugin)."""

from __future__ import annotations

import joblib
import pytest


class InProcessParallel:
    """Stand-in for joblib.Parallel: runs the delayed calls here, in submission order, and records
    how it was asked to run (``n_jobs``, ``backend``, the submitted argument tuples). The drivers'
    tasks are independent, so running them in-process checks the dispatch without starting
    worker processes."""

    made: list = []

    def __init__(self, n_jobs=None, backend=None, return_as="list", **kw):
        self.n_jobs, self.backend, self.return_as = n_jobs, backend, return_as
        self.submitted: list = []
        InProcessParallel.made.append(self)

    def __call__(self, tasks):
        results = []
        for f, args, kwargs in tasks:
            self.submitted.append(args)
            results.append(f(*args, **kwargs))
        return iter(results) if self.return_as == "generator" else results


@pytest.fixture
def in_process_joblib(monkeypatch):
    """joblib.Parallel replaced by :class:`InProcessParallel`; yields the class (``.made`` lists
    the instances created during the test)."""
    InProcessParallel.made = []
    monkeypatch.setattr(joblib, "Parallel", InProcessParallel)
    return InProcessParallel
