"""Run a project's claim checks with pytest (in-process) and collect their results for the ledger.

``jobs > 1`` spreads the checks over pytest-xdist workers; each check's evidence travels back on
its report, so the ledger is the same as a serial run's (apart from durations). The run's
environment records what determines its numbers: packages, the solver, the CPU model, the BLAS
library and its threads (threadpoolctl), and the Dask cluster when one ran the Monte Carlo trials.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

import pytest

from overspec.evidence import FIGURE_DIR_ENV, USER_PROPERTY
from overspec.ledger import CheckResult
from overspec.profiles import ENV_VAR, Profile, register_hypothesis_profiles
from overspec.project import Project, find_project
from overspec.pytest_plugin import CLAIM_PROPERTY

PACKAGES = (
    "overspec", "numpy", "scipy", "sympy", "mpmath", "cvxpy", "clarabel", "hypothesis", "pytest",
    "matplotlib", "joblib", "dask", "threadpoolctl",
)
DASK_ENV = "OVERSPEC_DASK_SCHEDULER"


def repo_root() -> Path:
    """The root of the project of the current folder (its ``[tool.overspec]`` pyproject.toml)."""
    return find_project().require_root()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> list[dict[str, Any]]:
    """The BLAS/OpenMP libraries NumPy and SciPy loaded, with their threads (threadpoolctl)."""
    import numpy  # noqa: F401  (load the libraries before asking)
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info

    keys = ("user_api", "internal_api", "version", "num_threads", "architecture")
    return sorted(
        ({k: lib.get(k) for k in keys if lib.get(k) is not None} for lib in threadpool_info()),
        key=lambda d: (d.get("user_api", ""), d.get("internal_api", ""), str(d.get("version"))),
    )


def _git(root: Path, *args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def environment(
    root: Path, profile: Profile, dask: dict[str, Any] | None = None, jobs: int = 1
) -> dict[str, Any]:
    """Python, packages, solver, machine (CPU, BLAS), git commit, profile and Hypothesis settings
    of this run, and the Dask cluster (``dask``: scheduler address and workers) when one is used."""
    from hypothesis import settings

    register_hypothesis_profiles()  # (Hypothesis has a built-in "ci" profile: ours must win)
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    hyp = settings.get_profile(profile.name)
    return {
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "cpu": {"model": _cpu_model(), "logical_cores": os.cpu_count()},
        "blas": blas_info(),
        "dask": dask,
        "jobs": jobs,
        "packages": versions,
        "solver": f"CLARABEL {versions['clarabel']} (via cvxpy {versions['cvxpy']})",
        "git_commit": _git(root, "rev-parse", "HEAD") or "unknown",
        "git_dirty": bool(_git(root, "status", "--porcelain", "--untracked-files=no")),
        "profile": profile.name,
        "monte_carlo_scale": profile.mc_scale,
        "hypothesis": {
            "profile": profile.name,
            "max_examples": hyp.max_examples,
            "derandomize": hyp.derandomize,
            "deadline": None if hyp.deadline is None else str(hyp.deadline),
            "database": None if hyp.database is None else type(hyp.database).__name__,
        },
        "seeds": "fixed per check; recorded in each check's evidence",
    }


class Collector:
    """pytest plugin object: gathers claim-linked reports and prints progress."""

    def __init__(self, stream: TextIO, quiet: bool = False) -> None:
        self.results: dict[str, CheckResult] = {}
        self.stream = stream
        self.quiet = quiet
        self.total = 0
        self.done = 0
        self.collection_errors: list[str] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if session.items or not session.config.pluginmanager.has_plugin("dsession"):
            self._collected(len(session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if not self.total:  # every xdist worker collects the same items
            self._collected(len(ids))

    def _collected(self, total: int) -> None:
        self.total = total
        if not self.quiet:
            print(f"overspec: {self.total} claim checks collected", file=self.stream, flush=True)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext.strip()[-1500:]}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        info = props.get(CLAIM_PROPERTY)
        if info is None:
            return
        r = self.results.get(report.nodeid)
        if r is None:
            r = self.results[report.nodeid] = CheckResult(
                report.nodeid, info["claim"], info["kind"], info["control"], "passed"
            )
        r.duration_s += report.duration
        if USER_PROPERTY in props:
            r.evidence = props[USER_PROPERTY]
        if report.skipped and report.when in ("setup", "call"):
            r.outcome = "skipped"
            r.message = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else None
        elif report.failed:
            # failures in setup/teardown are broken checks; in the call they are as classified
            r.outcome = "failed" if report.when == "call" else "error"
            r.failure = info.get("failure", "error") if report.when == "call" else "error"
            r.message = info.get("message") or report.longreprtext.strip().splitlines()[-1][:2000]
            r.counterexample = info.get("counterexample")
        if report.when == "teardown":
            self.done += 1
            if not self.quiet:
                mark = {"passed": "ok", "failed": "FAIL", "error": "ERROR", "skipped": "skip"}[r.outcome]
                ctl = " [control]" if r.control else ""
                print(
                    f"[{self.done:>3}/{self.total}] {mark:<5} {r.claim:<26} {report.nodeid}{ctl}"
                    f" ({r.duration_s:.1f}s)",
                    file=self.stream,
                    flush=True,
                )


def run_checks(
    project: Project,
    profile: Profile,
    claim_ids: list[str] | None,
    figure_dir: Path | None,
    dask_scheduler: str | None = None,
    stream: TextIO = sys.stderr,
    quiet: bool = False,
    jobs: int = 1,
) -> tuple[list[CheckResult], int, list[str], float]:
    """Run the project's claim checks (``jobs`` xdist workers when > 1); return (results, pytest
    exit code, collection errors, seconds)."""
    root = project.require_root()
    os.environ[ENV_VAR] = profile.name
    os.environ.setdefault("MPLBACKEND", "Agg")
    if figure_dir is not None:
        figure_dir.mkdir(parents=True, exist_ok=True)
        stale = figure_dir.glob("*.png") if not claim_ids else (
            p for cid in claim_ids for p in figure_dir.glob(f"{cid}__*.png")
        )
        for old in list(stale):
            old.unlink()
        os.environ[FIGURE_DIR_ENV] = str(figure_dir)
    else:
        os.environ.pop(FIGURE_DIR_ENV, None)
    if dask_scheduler:
        os.environ[DASK_ENV] = dask_scheduler
    args = [str(root / d) for d in project.tests]
    # our own progress replaces the terminal reporter (whose -ra in addopts then goes too)
    # `-p overspec.pytest_plugin` is a no-op when the entry point (or a conftest) loaded it already
    args += ["--rootdir", str(root), "-o", "addopts=", "--strict-markers", "-p", "no:terminal",
             "-p", "no:cacheprovider", "-p", "overspec.pytest_plugin", "--overspec-claims-only"]
    if jobs > 1:
        args += ["-p", "xdist", "-n", str(jobs)]
    for cid in claim_ids or []:
        args += ["--overspec-claim", cid]
    collector = Collector(stream, quiet)
    start = time.perf_counter()
    code = pytest.main(args, plugins=[collector])
    elapsed = time.perf_counter() - start
    return list(collector.results.values()), int(code), collector.collection_errors, elapsed
