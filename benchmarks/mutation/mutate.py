"""Mutation testing of ``numerics/`` and ``theory/`` (issue 9): one textual fault at a time.

Usage (from the repository root, with this tree first on the path)::

    PYTHONPATH=$PWD python benchmarks/mutation/mutate.py theory numerics          # everything
    PYTHONPATH=$PWD python benchmarks/mutation/mutate.py numerics/montecarlo.py --cap 60
    PYTHONPATH=$PWD python benchmarks/mutation/mutate.py theory/cap.py --list     # mutants only

Why a harness of our own rather than mutmut 3: mutmut rewrites every function into a trampoline
in a copied ``mutants/`` tree, which does not mutate module-level constants or default
arguments (where this code keeps its tolerances and false-alarm levels), and it has no place
for an equivalent mutant's reason. This harness is standard library + coverage.py.

How one run works:

1. **Coverage map**, cached in ``--cache-dir`` per test file (under a hash of that file and of
   every ``.py`` file of ``numerics/``, ``theory/``, ``overspec/``): each test file of ``tests/``
   and ``property_tests/`` runs once, unmutated, under ``coverage`` in a forked child, with one
   coverage context per test, so the map records which *tests* execute which lines of
   ``numerics/`` and ``theory/``, how long each test takes, and which tests fail unmutated
   (those are never run against a mutant: they cannot kill).
2. **Mutants** (``ast``): for every site of the module, one mutation —
   an ordering comparison negated (``<`` → ``>=``), plus the boundary (``<`` → ``<=``) when one
   side is an integer literal; ``==``/``!=``, ``is``/``is not``, ``in``/``not in`` swapped;
   ``+``↔``-``, ``*``↔``/``, ``**`` → ``*``, ``//`` → ``/``, ``&``↔``|`` (also in ``+=`` …);
   a term dropped (``a + b`` → ``a``); unary ``-``/``not`` dropped; ``and``↔``or``;
   ``True``↔``False``; a numeric literal changed (int n → n + 1, float x → 10·x when |x| < 1
   (a tolerance loosened tenfold) else x + 1, 0.0 → 1.0); a guard disabled
   (``if cond: raise …`` → ``if False: raise …``); ``min``↔``max``, ``any``↔``all``,
   ``argmin``↔``argmax``, ``floor``↔``ceil``, ``minimum``↔``maximum``. Not mutated: docstrings,
   strings, annotations, decorators, the arguments of ``raise`` (messages), ``__all__``, chained
   comparisons' operators (their operands are).
   When a module has more than ``--cap`` mutants, ``--cap`` of them are drawn with
   ``random.Random(seed ⊕ crc32(path)).sample`` (deterministic; the report says so).
3. **Runs** (fork server): this parent imports the heavy third-party libraries once (NumPy,
   SciPy, SymPy, CVXPY, Hypothesis, pytest, …) but no project module. Each mutant runs in a
   forked child (its own process group) whose import system serves the mutated code object for
   the target module (the file on disk is never touched), as ``pytest.main([test ids…, "-x"])``
   over the tests that execute the mutated statement (for a default argument: the function's
   body; for a statement run at import — module or class body: every test of every file that
   imports the module, since the import happens in whichever context comes first), fastest
   first, with a timeout of 3 × those tests' unmutated time + 30 s, capped at ``--max-timeout``.
   Exit status 0 = survived; tests failed, collection error or timeout = killed — except a
   timeout at the cap, before the tests' own time was up: that is "truncated", no verdict,
   counted as not killed. A mutant on a line no test executes survives without a run
   ("uncovered").
4. **Equivalents** (``benchmarks/mutation/equivalents.toml``): a mutant matched there by module,
   source line text and mutation is not run; it is listed with its reason and excluded from the
   score. Score = (killed + timeout) / (tried − equivalent).
5. **Report**: ``--report`` (Markdown) and ``--json``; every survivor with file:line:col and the
   mutation. ``--merge A.json B.json --report R.md`` joins runs made with different caps.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
TEST_DIRS = ("tests", "property_tests")
MUTATED_DIRS = ("numerics", "theory")
EQUIVALENTS = Path(__file__).with_name("equivalents.toml")
HEAVY = (
    "numpy", "scipy", "scipy.linalg", "scipy.optimize", "scipy.stats", "scipy.special",
    "scipy.integrate", "scipy.spatial", "sympy", "mpmath", "cvxpy", "clarabel", "hypothesis",
    "pytest", "_pytest.pytester", "joblib", "matplotlib", "flint", "daqp", "coverage",
)


# ------------------------------------------------------------------------------ mutants
@dataclass
class Mutant:
    module: str          # path relative to ROOT, e.g. "numerics/montecarlo.py"
    index: int           # position among the module's mutation sites (stable for one source)
    kind: str            # operator name
    line: int
    col: int
    stmt_lines: tuple[int, int]
    original: str
    mutated: str
    line_text: str
    toplevel: bool = False    # the statement runs at import (module or class body), not in a function
    status: str = "pending"   # killed | timeout | truncated | survived | uncovered | equivalent
    reason: str = ""
    tests: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def description(self) -> str:
        return f"`{_clip(self.original)}` → `{_clip(self.mutated)}`"


def _clip(s: str, n: int = 90) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


_CMP_NEGATE = {ast.Lt: ast.GtE, ast.LtE: ast.Gt, ast.Gt: ast.LtE, ast.GtE: ast.Lt}
_CMP_BOUNDARY = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
_CMP_SWAP = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
             ast.In: ast.NotIn, ast.NotIn: ast.In}
_BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
             ast.Pow: ast.Mult, ast.FloorDiv: ast.Div, ast.BitAnd: ast.BitOr,
             ast.BitOr: ast.BitAnd, ast.Mod: ast.FloorDiv}
_NAME_SWAP = {"min": "max", "max": "min", "any": "all", "all": "any", "argmin": "argmax",
              "argmax": "argmin", "floor": "ceil", "ceil": "floor", "minimum": "maximum",
              "maximum": "minimum", "amin": "amax", "amax": "amin", "nanmin": "nanmax",
              "nanmax": "nanmin"}


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes never mutated: docstrings, annotations, decorators, raise arguments, __all__."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            for sub in ast.walk(node):
                skip.add(id(sub))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                mark(body[0])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for d in node.decorator_list:
                mark(d)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mark(node.returns)
            a = node.args
            for arg in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
                if arg is not None:
                    mark(arg.annotation)
        if isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        if isinstance(node, ast.Raise):
            if isinstance(node.exc, ast.Call):
                for a in node.exc.args + [k.value for k in node.exc.keywords]:
                    mark(a)
        if isinstance(node, ast.JoinedStr):
            mark(node)
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            mark(node)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            mark(node)
    return skip


def _ops(node: ast.AST):
    """Yield (kind, apply) for every mutation of one node; ``apply(node)`` mutates in place and
    returns the node that replaces it (itself unless a parent slot must be replaced)."""
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        op = type(node.ops[0])
        if op in _CMP_NEGATE:
            new = _CMP_NEGATE[op]
            yield "negate-compare", lambda n, new=new: (setattr(n, "ops", [new()]), n)[1]
            lit = [x for x in (node.left, node.comparators[0])
                   if isinstance(x, ast.Constant) and type(x.value) is int]
            if lit:
                b = _CMP_BOUNDARY[op]
                yield "boundary-compare", lambda n, b=b: (setattr(n, "ops", [b()]), n)[1]
        elif op in _CMP_SWAP:
            new = _CMP_SWAP[op]
            yield "swap-compare", lambda n, new=new: (setattr(n, "ops", [new()]), n)[1]
    elif isinstance(node, ast.BinOp) and type(node.op) in _BIN_SWAP:
        new = _BIN_SWAP[type(node.op)]
        yield "swap-binop", lambda n, new=new: (setattr(n, "op", new()), n)[1]
        if isinstance(node.op, (ast.Add, ast.Sub)):
            yield "drop-term", lambda n: n.left
    elif isinstance(node, ast.AugAssign) and type(node.op) in _BIN_SWAP:
        new = _BIN_SWAP[type(node.op)]
        yield "swap-augassign", lambda n, new=new: (setattr(n, "op", new()), n)[1]
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        yield "drop-unary", lambda n: n.operand
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield "swap-boolop", lambda n, new=new: (setattr(n, "op", new()), n)[1]
    elif isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool):
            yield "flip-bool", lambda n: (setattr(n, "value", not n.value), n)[1]
        elif isinstance(v, int):
            yield "change-int", lambda n: (setattr(n, "value", n.value + 1), n)[1]
        elif isinstance(v, float):
            yield "change-float", lambda n: (setattr(n, "value", _float_mutant(n.value)), n)[1]
    elif isinstance(node, ast.If) and node.body and isinstance(node.body[0], ast.Raise):
        yield "disable-guard", lambda n: (setattr(n, "test", ast.Constant(False)), n)[1]
    elif isinstance(node, ast.Name) and node.id in _NAME_SWAP and isinstance(node.ctx, ast.Load):
        yield "swap-name", lambda n: (setattr(n, "id", _NAME_SWAP[n.id]), n)[1]
    elif isinstance(node, ast.Attribute) and node.attr in _NAME_SWAP and isinstance(node.ctx, ast.Load):
        yield "swap-name", lambda n: (setattr(n, "attr", _NAME_SWAP[n.attr]), n)[1]


def _float_mutant(x: float) -> float:
    if x == 0.0:
        return 1.0
    if abs(x) < 1.0 or x + 1.0 == x:  # a tolerance loosened tenfold; x + 1 would not change 1e150
        return x * 10.0
    return x + 1.0


def _sites(tree: ast.AST):
    """Deterministic list of (node, parent, field, list_index, stmt) in source order."""
    skip = _skipped_nodes(tree)
    out = []

    def visit(node, parent, fld, idx, stmt):
        if isinstance(node, ast.stmt):
            stmt = node
        if id(node) not in skip:
            out.append((node, parent, fld, idx, stmt))
        for f, value in ast.iter_fields(node):
            if isinstance(value, list):
                for i, v in enumerate(value):
                    if isinstance(v, ast.AST):
                        visit(v, node, f, i, stmt)
            elif isinstance(value, ast.AST):
                visit(value, node, f, None, stmt)

    visit(tree, None, None, None, None)
    return out


def enumerate_mutants(path: str, source: str) -> list[Mutant]:
    tree = ast.parse(source)
    lines = source.splitlines()
    bodies = [(f.body[0].lineno, f.end_lineno) for f in ast.walk(tree)
              if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
    result = []
    for node, _p, _f, _i, stmt in _sites(tree):
        for kind, apply in _ops(node):
            clone = copy.deepcopy(node)
            new = apply(clone)
            if isinstance(node, ast.If):   # show the guard only, not its body
                orig_s, new_s = f"if {ast.unparse(node.test)}:", f"if {ast.unparse(new.test)}:"
            else:
                orig_s, new_s = ast.unparse(node), ast.unparse(new)
            s0 = stmt.lineno if stmt is not None else node.lineno
            s1 = max(node.end_lineno or node.lineno, s0)
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):  # a default: the calls
                s0, s1 = stmt.body[0].lineno, stmt.end_lineno
            result.append(Mutant(
                module=path, index=len(result), kind=kind, line=node.lineno, col=node.col_offset,
                stmt_lines=(s0, s1), toplevel=not any(s0 >= f0 and s1 <= f1 for f0, f1 in bodies),
                original=orig_s, mutated=new_s, line_text=lines[node.lineno - 1].strip(),
            ))
    return result


def mutated_code(path: str, source: str, index: int):
    """The code object of ``source`` with its ``index``-th mutation applied."""
    tree = ast.parse(source)
    k = 0
    for node, parent, fld, idx, _stmt in _sites(tree):
        for _kind, apply in _ops(node):
            if k == index:
                new = apply(node)
                if new is not node:
                    if idx is None:
                        setattr(parent, fld, new)
                    else:
                        getattr(parent, fld)[idx] = new
                ast.fix_missing_locations(tree)
                return compile(tree, str(ROOT / path), "exec", dont_inherit=True)
            k += 1
    raise IndexError(f"{path}: no mutant {index}")


# ------------------------------------------------------------------------ fork server
def _import_heavy() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    import importlib

    for name in HEAVY:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - an optional library that is absent is fine
            pass
    leaked = [m for m in sys.modules if m.split(".")[0] in ("numerics", "theory", "overspec")]
    if leaked:
        raise SystemExit(f"the fork server imported project modules before forking: {leaked}")


NOT_SERVED = 97  # a child's exit status: the mutated module was imported by another loader


def _module_name(path: str) -> str:
    name = path[:-3].replace("/", ".")
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


def _served(path: str) -> bool:
    """After a mutant's tests: was the module (if imported at all) loaded from the mutant? Any
    other import hook ahead of the harness's (pytest's assertion rewriter is one) would run the
    original code, and every mutant would "survive" without being executed."""
    mod = sys.modules.get(_module_name(path))
    return mod is None or getattr(getattr(mod, "__spec__", None), "loader", None).__class__.__name__ == "MutantLoader"


def _install_mutant(path: str, code) -> None:
    import importlib.machinery
    import importlib.util

    fullname = _module_name(path)
    filename = str(ROOT / path)

    class MutantLoader(importlib.machinery.SourceFileLoader):
        def get_code(self, name):  # noqa: D401 - importlib protocol
            return code if name == fullname else super().get_code(name)

    class Finder:
        @staticmethod
        def find_spec(name, target_path=None, target=None):
            if name != fullname:
                return None
            return importlib.util.spec_from_file_location(name, filename, loader=MutantLoader(name, filename))

    sys.meta_path.insert(0, Finder)


def _child(test_files: list[str], extra: list[str], mutant: tuple[str, int] | None,
           cov_out: str | None, log: str | None) -> None:
    """Body of a forked child: never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        fd = os.open(log or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.chdir(ROOT)
        if mutant is not None:
            path, index = mutant
            _install_mutant(path, mutated_code(path, (ROOT / path).read_text(), index))
        import pytest

        plugins = []
        cov = None
        durations: dict[str, float] = {}
        failed: set[str] = set()
        if cov_out is not None:
            import coverage

            cov = coverage.Coverage(data_file=None, include=[str(ROOT / d / "*") for d in MUTATED_DIRS])

            class PerTest:  # record which test executes which line: one coverage context per test
                @pytest.hookimpl(hookwrapper=True)
                def pytest_runtest_protocol(self, item, nextitem):
                    cov.switch_context(item.nodeid)
                    t = time.perf_counter()
                    yield
                    durations[item.nodeid] = time.perf_counter() - t
                    cov.switch_context("")

                def pytest_runtest_logreport(self, report):
                    if report.failed:
                        failed.add(report.nodeid)

            plugins.append(PerTest())
            cov.start()
        t0 = time.perf_counter()
        # --assert=plain: pytest's assertion rewriter is a meta-path hook placed ahead of every
        # other; it claims the packages of the distribution that registers a pytest11 plugin
        # (overspec: numerics/ and theory/ too) and would load their original source
        code = int(pytest.main([*test_files, "-q", "-p", "no:cacheprovider", "--assert=plain", *extra],
                               plugins=plugins))
        dt = time.perf_counter() - t0
        if mutant is not None and not _served(mutant[0]):
            code = NOT_SERVED
        if cov is not None:
            cov.stop()
            data = cov.get_data()
            lines = {
                os.path.relpath(f, ROOT): {str(ln): sorted(c) for ln, c in data.contexts_by_lineno(f).items()}
                for f in data.measured_files()
            }
            Path(cov_out).write_text(json.dumps({"code": code, "seconds": dt, "lines": lines,
                                                 "durations": durations, "failed": sorted(failed)}))
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - report through the exit status
        import traceback

        traceback.print_exc()
        code = 3
    finally:
        os._exit(code if 0 <= code < 256 else 3)


class Pool:
    """At most ``jobs`` forked children at a time, each in its own process group."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.running: dict[int, tuple[object, float, float]] = {}

    def submit(self, tag, timeout: float, *child_args) -> list:
        done = []
        while len(self.running) >= self.jobs:
            done += self._poll()
        pid = os.fork()
        if pid == 0:
            _child(*child_args)
        self.running[pid] = (tag, time.monotonic(), timeout)
        return done

    def drain(self) -> list:
        done = []
        while self.running:
            done += self._poll()
        return done

    def kill_all(self) -> None:
        for pid in list(self.running):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            del self.running[pid]

    def _poll(self) -> list:
        done = []
        for pid, (tag, t0, timeout) in list(self.running.items()):
            info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            elapsed = time.monotonic() - t0
            if info is None and elapsed < timeout:
                continue
            try:  # the whole group: worker processes a test started die with it
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status = os.waitpid(pid, 0)
            del self.running[pid]
            rc = "timeout" if info is None else os.waitstatus_to_exitcode(status)
            done.append((tag, rc, elapsed))
        if not done:
            time.sleep(0.05)
        return done


# ------------------------------------------------------------------------ coverage map
def _source_hash() -> str:
    """Hash of the code under test and the shared test machinery (not of the test files, nor of
    data files such as the claims registry, whose text does not change which lines run)."""
    h = hashlib.sha256()
    for d in (*MUTATED_DIRS, "overspec"):
        for f in sorted((ROOT / d).rglob("*.py")):
            if "__pycache__" not in f.parts:
                h.update(str(f.relative_to(ROOT)).encode())
                h.update(f.read_bytes())
    for f in ("conftest.py", "pyproject.toml"):
        h.update((ROOT / f).read_bytes())
    return h.hexdigest()


def coverage_map(pool: Pool, cache_dir: Path, extra: list[str], only: list[str] | None = None) -> dict:
    """{test file: {"seconds", "durations": {test id: s}, "lines": {module: {line: [test ids]}}}}.

    Cached per test file under a hash of that file and of every source file, so editing one
    test file re-measures only that file."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    src = _source_hash()
    files = sorted(str(f.relative_to(ROOT)) for d in TEST_DIRS for f in (ROOT / d).glob("test_*.py"))
    if only:
        files = [f for f in files if f in set(only)]
    target = {}
    for f in files:
        key = hashlib.sha256((src + (ROOT / f).read_text()).encode()).hexdigest()[:16]
        target[f] = cache_dir / f"cov-{f.replace('/', '_')}-{key}.json"
    todo = [f for f in files if not target[f].exists()]
    print(f"coverage map: {len(files)} test files, {len(todo)} to measure (cache {cache_dir})", flush=True)
    results = []
    for f in todo:
        tmp = str(target[f]) + ".tmp"
        results += pool.submit(f, 1800.0, [f], extra, None, tmp, None)
    results += pool.drain()
    for f, rc, _dt in results:
        tmp = Path(str(target[f]) + ".tmp")
        if rc not in (0, 1) or not tmp.exists():
            raise SystemExit(f"coverage map: {f} could not run unmutated (exit {rc})")
        tmp.rename(target[f])
    out = {f: json.loads(target[f].read_text()) for f in files}
    for f in todo:
        print(f"  {f}: {out[f]['seconds']:.1f} s", flush=True)
    for f in files:
        for t in out[f].get("failed", []):
            print(f"  WARNING {t} fails unmutated: it is never run against a mutant", flush=True)
    return out


def select_tests(cov: dict, module: str, lo: int, hi: int, toplevel: bool = False) -> tuple[list[str], float]:
    """The test ids that execute a line of ``module`` in [lo, hi], fastest first, and their time.

    A statement that runs at import (``toplevel``: a module-level constant, a class attribute)
    is executed once, in whichever context first imports the module — collection, or the first
    test of a file that imports inside a test — so the lines say nothing about who reads it (and
    reading a constant executes no line of the module): it selects every test of every file that
    imports the module. Tests that fail unmutated are
    never selected (they cannot kill).
    """
    bad = {t for v in cov.values() for t in v.get("failed", [])}
    ids: dict[str, float] = {}
    for f, v in cov.items():
        lines = v["lines"].get(module, {})
        if toplevel and lines:  # every test of a file that imports the module (reading a constant runs no line)
            ids.update({c: t for c, t in v["durations"].items() if c not in bad})
            continue
        for ln, ctxs in lines.items():
            if lo <= int(ln) <= hi:
                for c in ctxs:
                    if c and c not in bad:
                        ids[c] = v["durations"].get(c, 0.0)
    return sorted(ids, key=lambda c: (ids[c], c)), sum(ids.values())


# ------------------------------------------------------------------------------ driver
def _load_equivalents() -> list[dict]:
    if not EQUIVALENTS.exists():
        return []
    return tomllib.loads(EQUIVALENTS.read_text()).get("equivalent", [])


def _equivalent(equivalents: list[dict], x: Mutant) -> dict | None:
    return next((e for e in equivalents if e["module"] == x.module and e["line"] == x.line_text
                 and e["mutation"] == x.description and e.get("col", x.col) == x.col), None)


def _modules(args: list[str]) -> list[str]:
    out = []
    for a in args:
        p = (ROOT / a).resolve()
        if p.is_dir():
            out += [str(f.relative_to(ROOT)) for f in sorted(p.rglob("*.py")) if "__pycache__" not in f.parts]
        elif p.suffix == ".py" and p.exists():
            out.append(str(p.relative_to(ROOT)))
        else:  # dotted name
            q = ROOT / (a.replace(".", "/") + ".py")
            if not q.exists():
                raise SystemExit(f"modules: no module {a!r}")
            out.append(str(q.relative_to(ROOT)))
    return list(dict.fromkeys(out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("modules", nargs="*", help="files, directories or dotted names under numerics/ and theory/")
    ap.add_argument("--merge", nargs="+", metavar="JSON",
                    help="write --report from the --json results of earlier runs (no mutant is run)")
    ap.add_argument("--cap", type=int, default=0, help="at most this many mutants per module (0: all)")
    ap.add_argument("--seed", type=int, default=9, help="sampling seed (with --cap)")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="mutants run at the same time")
    ap.add_argument("--cache-dir", default=os.path.join(tempfile.gettempdir(), "overspec-mutation"))
    ap.add_argument("--report", help="write the Markdown report here")
    ap.add_argument("--json", help="write the machine-readable result here")
    ap.add_argument("--list", action="store_true", help="list the mutants and stop")
    ap.add_argument("--test-files", nargs="+", help="use only these test files (default: every test_*.py of "
                    "tests/ and property_tests/); a mutant no selected file executes counts as uncovered")
    ap.add_argument("--max-timeout", type=float, default=300.0,
                    help="cap on a mutant's timeout in seconds (default 300; the timeout is otherwise "
                         "3 × its tests' unmutated time + 30 s)")
    ap.add_argument("--rerun-survivors", metavar="JSON",
                    help="an earlier run's --json: its killed mutants of a module unchanged since "
                         "that run's commit are carried over, only the others are run (tests added since "
                         "can only kill more)")
    ap.add_argument("--lines", help="only the mutants on these source lines (comma-separated; one module): "
                    "a quick check that a new test kills them, not a score")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every mutant's outcome")
    ap.add_argument("--logs", help="keep each mutant's pytest output in this directory")
    args = ap.parse_args(argv)
    if args.merge:
        return _merge(args.merge, args.report)
    if not args.modules:
        ap.error("give at least one module (or --merge)")

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    modules = _modules(args.modules)
    equivalents = _load_equivalents()
    plan: dict[str, list[Mutant]] = {}
    totals: dict[str, int] = {}
    for m in modules:
        muts = enumerate_mutants(m, (ROOT / m).read_text())
        totals[m] = len(muts)
        if args.cap and len(muts) > args.cap:
            rng = random.Random(args.seed ^ zlib.crc32(m.encode()))
            muts = sorted(rng.sample(muts, args.cap), key=lambda x: x.index)
        if args.lines:
            keep = {int(t) for t in args.lines.split(",")}
            muts = [x for x in muts if x.line in keep]
        plan[m] = muts
    if args.list:
        for m, muts in plan.items():
            print(f"{m}: {len(muts)} of {totals[m]} mutants")
            for x in muts:
                print(f"  {m}:{x.line}:{x.col} [{x.kind}] {x.description}")
        return 0

    if args.rerun_survivors:
        _carry_over(plan, Path(args.rerun_survivors))
    _import_heavy()
    pool = Pool(args.jobs)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return _run(args, argv, plan, totals, equivalents, pool)
    finally:
        pool.kill_all()


def _run(args, argv, plan, totals, equivalents, pool) -> int:
    extra = ["-x", "--no-header", "-p", "no:randomly"]
    t_cov = time.perf_counter()
    cov = coverage_map(pool, Path(args.cache_dir), [], args.test_files)
    t_cov = time.perf_counter() - t_cov
    if args.logs:
        Path(args.logs).mkdir(parents=True, exist_ok=True)
    module_time: dict[str, float] = {}
    for m, muts in plan.items():
        t0 = time.perf_counter()
        print(f"{m}: {len(muts)} of {totals[m]} mutants", flush=True)
        by_tag = {}
        capped = {}
        results = []
        for x in muts:
            eq = _equivalent(equivalents, x)
            if eq is not None:
                x.status, x.reason = "equivalent", eq["reason"]
                continue
            if x.status == "killed":  # carried over (--rerun-survivors)
                continue
            x.tests, cost = select_tests(cov, m, *x.stmt_lines, x.toplevel)
            if not x.tests:
                x.status = "uncovered"
                continue
            timeout = min(3.0 * cost + 30.0, args.max_timeout)
            capped[(m, x.index)] = 3.0 * cost + 30.0 > args.max_timeout
            log = os.path.join(args.logs, f"{m.replace('/', '_')}-{x.index}.log") if args.logs else None
            by_tag[(m, x.index)] = x
            results += pool.submit((m, x.index), timeout, x.tests, extra, (m, x.index), None, log)
        results += pool.drain()
        for tag, rc, dt in results:
            x = by_tag[tag]
            if args.verbose:
                print(f"    {m}:{x.line} [{x.kind}] exit {rc} {dt:.1f} s", flush=True)
            x.seconds = dt
            if rc == NOT_SERVED:
                pool.kill_all()
                raise SystemExit(f"{m}: the mutant was not executed (another import hook loaded the module); "
                                 "no report is written — every score would be void")
            x.status = "timeout" if rc == "timeout" else ("survived" if rc == 0 else "killed")
            if rc == "timeout" and capped[tag]:
                x.status = "truncated"  # stopped by --max-timeout before its tests could finish: no verdict
            if rc == 5:
                x.status = "survived"   # no test collected: nothing checks it
        module_time[m] = time.perf_counter() - t0
        c = _counts(muts)
        print(f"  killed {c['killed']} timeout {c['timeout']} truncated {c['truncated']} survived {c['survived']} "
              f"uncovered {c['uncovered']} equivalent {c['equivalent']} score {c['score']} "
              f"({module_time[m]:.0f} s)", flush=True)
        for x in muts:
            if x.status in ("survived", "uncovered", "truncated"):
                print(f"    SURVIVED {m}:{x.line}:{x.col} [{x.kind}] {x.description}", flush=True)

        _write(args, argv, plan, totals, module_time, t_cov)
    return 0


def _key(x) -> tuple:
    return (x["kind"], x["line"], x["col"], x["original"], x["mutated"], x["line_text"])


def _carry_over(plan: dict[str, list[Mutant]], old_json: Path) -> None:
    """Mark as killed (status and reason) the mutants an earlier run killed, where the module's
    source is the same as at that run's commit (``git diff`` empty) and the mutant is the same
    (kind, position, text). Refused if a test file of that commit has been deleted since."""
    old = json.loads(old_json.read_text())
    commit = old["meta"]["commit"]
    gone = subprocess.run(["git", "diff", "--diff-filter=DR", "--name-only", commit, "--", *TEST_DIRS],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    if gone:
        raise SystemExit(f"--rerun-survivors: test files deleted since {commit}: {gone}; run every mutant")
    for m, muts in plan.items():
        if m not in old["mutants"]:
            continue
        same = subprocess.run(["git", "diff", "--quiet", commit, "--", m], cwd=ROOT).returncode == 0
        if not same:
            print(f"{m}: changed since {commit}: every mutant is run", flush=True)
            continue
        # a timeout is run again: an earlier run may have stopped it at --max-timeout (no verdict)
        done = {_key(x): x["status"] for x in old["mutants"][m] if x["status"] == "killed"}
        for x in muts:
            st = done.get(_key(asdict(x)))
            if st is not None:
                x.status, x.reason = st, f"carried over from {old_json.name} (commit {commit})"


def _write(args, argv, plan, totals, module_time, t_cov) -> None:
    """--json and --report for the modules finished so far (written after every module, so an
    interrupted run keeps what it measured)."""
    done = {m: plan[m] for m in module_time}
    meta = {
        "command": "PYTHONPATH=$PWD python benchmarks/mutation/mutate.py " + " ".join(argv or sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip(),
        "load": os.getloadavg(),
        "cap": args.cap, "seed": args.seed, "jobs": args.jobs, "coverage_map_seconds": t_cov,
        "modules_done": len(done), "modules_planned": len(plan),
        "carried_over": sum(x.reason.startswith("carried over") for muts in done.values() for x in muts),
    }
    if args.json:
        Path(args.json).write_text(json.dumps({
            "meta": meta, "totals": {m: totals[m] for m in done}, "module_seconds": module_time,
            "mutants": {m: [asdict(x) for x in muts] for m, muts in done.items()},
        }, indent=1))
    if args.report:
        Path(args.report).write_text(_markdown(meta, done, totals, module_time))


def _merge(files: list[str], report: str | None) -> int:
    """One Markdown report from several runs' JSON results (each run's command is listed)."""
    runs = [json.loads(Path(f).read_text()) for f in files]
    equivalents = _load_equivalents()
    plan: dict[str, list[Mutant]] = {}
    totals: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for r in runs:
        for m, muts in r["mutants"].items():
            plan[m] = [Mutant(**{**x, "stmt_lines": tuple(x["stmt_lines"])}) for x in muts]
            for x in plan[m]:  # equivalents added since the run: a survivor that is one is not a miss
                eq = _equivalent(equivalents, x)
                if eq is not None and x.status in ("survived", "uncovered", "truncated"):
                    x.status, x.reason = "equivalent", eq["reason"]
            totals[m] = r["totals"][m]
            seconds[m] = r["module_seconds"].get(m, 0.0)
    text = _markdown(runs[0]["meta"], plan, totals, seconds, runs=[r["meta"] for r in runs])
    if report:
        Path(report).write_text(text)
    else:
        print(text)
    return 0


def _counts(muts: list[Mutant]) -> dict:
    c = {s: sum(x.status == s for x in muts)
         for s in ("killed", "timeout", "truncated", "survived", "uncovered", "equivalent")}
    c["tried"] = len(muts)
    live = c["tried"] - c["equivalent"]
    c["score"] = f"{100.0 * (c['killed'] + c['timeout']) / live:.0f}%" if live else "–"
    return c


def _run_line(meta: dict) -> str:
    return (f"`{meta['command']}` — made {meta['date']} at commit {meta['commit']}; load average at the end "
            f"{meta['load'][0]:.1f}/{meta['load'][1]:.1f}/{meta['load'][2]:.1f}; {meta['jobs']} mutant(s) at a time; "
            + (f"at most {meta['cap']} mutants per module, drawn with seed {meta['seed']} "
               "(`random.Random(seed ^ crc32(path))`)." if meta["cap"] else "every mutant of every module.")
            + (f" {meta['carried_over']} kills carried over from the run named in `--rerun-survivors` "
               "(module unchanged since its commit); every other mutant run." if meta.get("carried_over") else ""))


def _markdown(meta: dict, plan: dict, totals: dict, module_time: dict, runs: list[dict] | None = None) -> str:
    out = ["# Mutation report", "", "Made by:", ""]
    out += [f"- {_run_line(r)}" for r in (runs or [meta])]
    out += ["", "Score = (killed + timeout) / (tried − equivalent); *truncated* (stopped at --max-timeout before "
           "its tests' own time was up) counts as not killed. *Uncovered*: no test executes the line "
           "(a survivor found without a run).", "",
           "| module | mutants | tried | killed | timeout | truncated | survived | uncovered | equivalent | score | seconds |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    allm = []
    for m, muts in plan.items():
        c = _counts(muts)
        allm += muts
        out.append(f"| {m} | {totals[m]} | {c['tried']} | {c['killed']} | {c['timeout']} | {c['truncated']} | {c['survived']} | "
                   f"{c['uncovered']} | {c['equivalent']} | {c['score']} | {module_time.get(m, 0):.0f} |")
    c = _counts(allm)
    out.append(f"| **all** | {sum(totals.values())} | {c['tried']} | {c['killed']} | {c['timeout']} | {c['truncated']} | "
               f"{c['survived']} | {c['uncovered']} | {c['equivalent']} | **{c['score']}** | "
               f"{sum(module_time.values()):.0f} |")
    out += ["", "## Survivors", ""]
    surv = [x for x in allm if x.status in ("survived", "uncovered", "truncated")]
    out += [f"- {x.module}:{x.line}:{x.col} [{x.kind}{'' if x.status == 'survived' else ', ' + x.status}] "
            f"{x.description}" for x in surv] or ["(none)"]
    out += ["", "## Equivalent mutants (from `benchmarks/mutation/equivalents.toml`)", ""]
    eq = [x for x in allm if x.status == "equivalent"]
    out += [f"- {x.module}:{x.line}:{x.col} {x.description} — {x.reason}" for x in eq] or ["(none)"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    # Numba kernels (numerics/ss18/gd_kernel.py, gd_lanes.py) run as plain Python in a harness run:
    # coverage cannot trace compiled code, and a kernel compiled from the unmutated source
    # (cache=True) would otherwise stand in for its mutant. Set here, not at import: importing this
    # module (tests/test_mutation_harness.py) must not switch the JIT off for the rest of a pytest
    # session (it did: the later compiled-kernel tests then failed to compile).
    os.environ.setdefault("NUMBA_DISABLE_JIT", "1")
    raise SystemExit(main())
