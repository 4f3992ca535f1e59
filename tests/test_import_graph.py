"""The modules of numerics/ import each other without a cycle (issue 13: the basin engine is one
subpackage, numerics/basins/, and no module imports one that imports it back).

The graph is read statically (ast) from every ``import numerics…`` / ``from numerics… import``
in numerics/**.py, including imports inside functions (a lazy import is still a cycle of ideas).
An edge to a package (``numerics.basins``) is an edge to its ``__init__``; ``from numerics.basins
import probability`` is an edge to the submodule. The package ``__init__`` files only re-export,
so edges *into* ``numerics/__init__`` and ``numerics/basins/__init__`` from their own children
are the only ones not allowed to exist either way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((ROOT / "numerics").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def import_graph() -> dict[str, set[str]]:
    """module → the numerics modules it imports (resolved to files that exist)."""
    mods = _modules()
    graph: dict[str, set[str]] = {name: set() for name in mods}
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for t in targets:
                if t in mods and t != name:
                    graph[name].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the directed graph as a list of nodes (first = last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(u: str) -> list[str] | None:
        state[u] = 1
        stack.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == 1:
                return stack[stack.index(v):] + [v]
            if v not in state:
                found = visit(v)
                if found:
                    return found
        stack.pop()
        state[u] = 2
        return None

    for u in sorted(graph):
        if u not in state:
            found = visit(u)
            if found:
                return found
    return None


def _without_reexports(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Drop the edges package → its own submodules (a package's __init__ re-exporting them)."""
    return {u: {v for v in vs if not v.startswith(u + ".")} for u, vs in graph.items()}


def test_numerics_modules_import_without_a_cycle():
    graph = _without_reexports(import_graph())
    assert "numerics.basins.value" in graph and "numerics.basins.batch" in graph
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle among numerics modules: {' → '.join(cycle)}"


def test_basin_submodules_never_import_their_package_or_numerics_init():
    graph = import_graph()
    bad = {u: sorted(vs & {"numerics", "numerics.basins"}) for u, vs in graph.items()
           if u.startswith("numerics.basins.") and vs & {"numerics", "numerics.basins"}}
    assert not bad, f"submodules importing their package (a hidden cycle): {bad}"


def test_the_cycle_finder_finds_a_cycle():
    """Negative control: the old layout (basin ↔ arrangement) is reported as a cycle."""
    graph = {"numerics.basin": {"numerics.arrangement"}, "numerics.arrangement": {"numerics.basin"},
             "numerics.network": set()}
    assert find_cycle(graph) in (["numerics.arrangement", "numerics.basin", "numerics.arrangement"],
                                 ["numerics.basin", "numerics.arrangement", "numerics.basin"])
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("old", ["basin", "basin_batch", "arrangement", "exact_kkt", "singleton", "basin_probability"])
def test_no_module_left_at_an_old_path(old):
    assert not (ROOT / "numerics" / f"{old}.py").exists(), f"numerics/{old}.py: the engine lives in numerics/basins/"


def test_basin_modules_import_only_modules_listed_above_them():
    """The layout list of numerics/basins/__init__.py is a topological order of the imports."""
    import re

    import numerics.basins as pkg

    block = pkg.__doc__.split("Layout, one idea per module", 1)[1].split("Every public name", 1)[0]
    order = [name for line in block.splitlines() if line.startswith("* ") for name in re.findall(r"``(\w+)``", line.split(" — ")[0])]
    assert set(order) == {u.rsplit(".", 1)[1] for u in import_graph() if u.startswith("numerics.basins.")}
    rank = {f"numerics.basins.{name}": i for i, name in enumerate(order)}
    late = [(u, v) for u, vs in import_graph().items() if u in rank for v in vs if rank.get(v, -1) > rank[u]]
    assert not late, f"imports of modules listed below the importer: {late}"


def test_importing_the_ss18_subpackage_does_not_import_cvxpy_or_sympy():
    """numerics/__init__ resolves its names on first use: a worker of the SS18 experiment, which
    imports numerics.ss18 only, does not pay for CVXPY and SymPy (≈ 2 s per process)."""
    import subprocess
    import sys

    code = ("import sys, numerics.ss18.experiment; "
            "print(sorted(m for m in ('cvxpy', 'sympy', 'numerics.basins') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout


def test_every_public_name_of_numerics_resolves():
    import numerics

    assert len(numerics.__all__) >= 60
    for name in numerics.__all__:
        assert getattr(numerics, name) is not None, name
    from numerics import basin_probability, basin_value, ss18  # the from-import form

    assert basin_probability.__name__ == "numerics.basins.probability" and callable(basin_value)
    assert ss18.__name__ == "numerics.ss18"
    try:
        numerics.no_such_name
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")
