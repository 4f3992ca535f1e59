"""The project whose claims overspec checks: found from its ``pyproject.toml``'s ``[tool.overspec]``.

Any project can hold claims (overspec's own checkout is one)::

    [tool.overspec]
    claims = "claims.toml"          # its registry (same schema as overspec/claims.toml)
    tests = ["tests"]               # where its claim checks live
    # optional: ledger = "ledger", docs = "docs", api = ["mypkg"] (packages for docs/api.md)

Paths are relative to the folder of that ``pyproject.toml`` (the project root). The nearest
``pyproject.toml`` with a ``[tool.overspec]`` table at or above the start folder wins. Without
one, the packaged registry (overspec's own claims) is used and there is no project root: the
plugin still knows the marker and the fixtures, but ``overspec verify``/``docs`` need a project.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

PACKAGED_CLAIMS = Path(__file__).with_name("claims.toml")
_KEYS = {"claims", "tests", "ledger", "docs", "api"}


class ProjectError(ValueError):
    """A malformed ``[tool.overspec]`` table, or no project where one is needed."""


@dataclass(frozen=True)
class Project:
    root: Path | None  # None: no [tool.overspec] found (packaged registry only)
    claims: Path
    tests: tuple[str, ...] = ()
    ledger: str = "ledger"
    docs: str = "docs"
    api: tuple[str, ...] = ()

    @property
    def ledger_dir(self) -> Path:
        return self.require_root() / self.ledger

    @property
    def docs_dir(self) -> Path:
        return self.require_root() / self.docs

    def require_root(self) -> Path:
        if self.root is None:
            raise ProjectError(
                "no pyproject.toml with a [tool.overspec] table at or above this folder "
                "(declare `claims` and `tests` there; see overspec's README)"
            )
        return self.root


def _strings(value: object, key: str, where: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not (isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)):
        raise ProjectError(f"{where}: [tool.overspec] {key}: a non-empty list of paths, got {value!r}")
    return tuple(value)


def load_project(pyproject: Path) -> Project | None:
    """The project declared in ``pyproject`` (None when it has no ``[tool.overspec]`` table)."""
    try:
        with open(pyproject, "rb") as fh:
            table = tomllib.load(fh).get("tool", {}).get("overspec")
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{pyproject}: not valid TOML ({exc})") from None
    if table is None:
        return None
    unknown = set(table) - _KEYS
    if unknown:
        raise ProjectError(f"{pyproject}: [tool.overspec] unknown keys {sorted(unknown)} (known: {sorted(_KEYS)})")
    for key in ("claims", "tests"):
        if key not in table:
            raise ProjectError(f"{pyproject}: [tool.overspec] needs `{key}`")
    root = pyproject.parent.resolve()
    claims = root / _strings(table["claims"], "claims", pyproject)[0]
    if not claims.is_file():
        raise ProjectError(f"{pyproject}: [tool.overspec] claims: no file {claims}")
    tests = _strings(table["tests"], "tests", pyproject)
    for t in tests:
        if not (root / t).is_dir():
            raise ProjectError(f"{pyproject}: [tool.overspec] tests: no folder {root / t}")
    return Project(
        root=root,
        claims=claims,
        tests=tests,
        ledger=_strings(table.get("ledger", "ledger"), "ledger", pyproject)[0],
        docs=_strings(table.get("docs", "docs"), "docs", pyproject)[0],
        api=_strings(table["api"], "api", pyproject) if "api" in table else (),
    )


def find_project(start: Path | None = None) -> Project:
    """The nearest project at or above ``start`` (default: the current folder)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            project = load_project(candidate)
            if project is not None:
                return project
    return Project(root=None, claims=PACKAGED_CLAIMS)
