"""The claims registry: one source of truth for the claims a project checks.

A registry is a TOML file: ``[[source]]`` tables (``key``, ``title``, optionally ``file``, the
document's text) and one ``[[claim]]`` table per claim, whose ``source`` is one of the keys and
whose ID starts with it (``KEY.name``). overspec's own registry (``claims.toml`` beside this
module) declares SS16, REV, QA and ZBZ24 that way; another project names its registry in its
``pyproject.toml`` (see :mod:`overspec.project`). This module loads and validates a registry;
the pytest plugin, the ledger and the docs all read it here. To add a claim: append a
``[[claim]]`` table (see README, "Adding a claim") and write its checks.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from overspec.project import Project, find_project

EVIDENCE_KINDS = ("symbolic", "exact", "statistical", "numerical")
# What a claim's verdict is when all its checks (and its negative control) pass:
#   verified — the statement as printed holds;
#   erratum  — the statement as printed is wrong; the corrected statement holds;
#   partial  — only the part named in ``scope`` is checkable / checked.
OUTCOMES = ("verified", "erratum", "partial")


@dataclass(frozen=True)
class Source:
    """A document claims come from (a ``[[source]]`` table of the registry)."""

    key: str
    title: str
    file: str = ""  # the document's text (overspec: the seed file), if there is one


class RegistryError(ValueError):
    pass


@dataclass(frozen=True)
class Claim:
    id: str
    source: str  # key of a [[source]] table of the registry (SS16, REV, QA, ZBZ24 for overspec)
    where: str  # section / theorem number in the source
    title: str
    statement: str  # as printed (reconstructed where the seed lost it; then says so)
    kind: str  # strongest evidence kind the claim admits
    outcome: str  # verified | erratum | partial  (what passing checks establish)
    negative_control: str  # what the negative control mutates
    hypotheses: tuple[str, ...] = ()
    conventions: str = ""
    corrected: str = ""  # errata: the corrected statement that the checks verify
    scope: str = ""  # partial: which part is checked
    # profiles whose checks cover only part of the claim → the part they cover (verdict partial
    # there, e.g. a table whose ci profile runs 4 of its rows; the full profile gives the outcome)
    partial_in: dict = field(default_factory=dict, compare=False, hash=False)
    weaker_kind_reason: str = ""  # why a weaker kind than symbolic/exact is used
    notes: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    source_info: Source | None = field(default=None, compare=False, hash=False)

    @property
    def seed_file(self) -> str:
        return self.source_info.file if self.source_info else ""

    @property
    def source_title(self) -> str:
        return self.source_info.title if self.source_info else self.source


_FIELDS = {f for f in Claim.__dataclass_fields__ if f not in ("extra", "source_info")}
_SOURCE_FIELDS = {"key", "title", "file"}
_REQUIRED = {"id", "source", "where", "title", "statement", "kind", "outcome", "negative_control"}


def _source(raw: dict) -> Source:
    key = raw.get("key")
    if not (isinstance(key, str) and key and "." not in key):
        raise RegistryError(f"[[source]] {raw!r}: needs a `key` without dots")
    unknown = raw.keys() - _SOURCE_FIELDS
    if unknown:
        raise RegistryError(f"source {key}: unknown fields {sorted(unknown)}")
    if not raw.get("title"):
        raise RegistryError(f"source {key}: missing field 'title'")
    return Source(key, str(raw["title"]), str(raw.get("file", "")))


def _validate(raw: dict, sources: dict[str, Source]) -> Claim:
    cid = raw.get("id", "<missing id>")
    missing = _REQUIRED - raw.keys()
    if missing:
        raise RegistryError(f"claim {cid}: missing fields {sorted(missing)}")
    unknown = raw.keys() - _FIELDS
    if unknown:
        raise RegistryError(f"claim {cid}: unknown fields {sorted(unknown)}")
    if raw["source"] not in sources:
        raise RegistryError(
            f"claim {cid}: source {raw['source']!r} is not a [[source]] key of the registry "
            f"(declared: {', '.join(sources) or 'none'})"
        )
    if not cid.startswith(raw["source"] + "."):
        raise RegistryError(f"claim {cid}: source {raw['source']!r} does not match its ID")
    if raw["kind"] not in EVIDENCE_KINDS:
        raise RegistryError(f"claim {cid}: kind {raw['kind']!r} not in {EVIDENCE_KINDS}")
    if raw["outcome"] not in OUTCOMES:
        raise RegistryError(f"claim {cid}: outcome {raw['outcome']!r} not in {OUTCOMES}")
    if raw["outcome"] == "erratum" and not raw.get("corrected"):
        raise RegistryError(f"claim {cid}: an erratum needs its corrected statement")
    if raw["outcome"] == "partial" and not raw.get("scope"):
        raise RegistryError(f"claim {cid}: a partial claim needs its scope")
    partial_in = raw.get("partial_in", {})
    if not isinstance(partial_in, dict) or not all(isinstance(v, str) and v for v in partial_in.values()):
        raise RegistryError(f"claim {cid}: partial_in maps a profile name to the part it checks (a non-empty string)")
    raw = dict(raw)
    raw["hypotheses"] = tuple(raw.get("hypotheses", ()))
    return Claim(**raw, source_info=sources[raw["source"]])


def load_claims(path: Path | None = None) -> dict[str, Claim]:
    """All claims of the registry at ``path`` (default: overspec's own), by ID, in registry order."""
    path = path or Path(__file__).with_name("claims.toml")
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    unknown = data.keys() - {"source", "claim"}
    if unknown:
        raise RegistryError(f"{path}: unknown tables {sorted(unknown)} (a registry has [[source]] and [[claim]])")
    sources: dict[str, Source] = {}
    for raw in data.get("source", []):
        src = _source(raw)
        if src.key in sources:
            raise RegistryError(f"source {src.key}: duplicate key")
        sources[src.key] = src
    claims: dict[str, Claim] = {}
    for raw in data.get("claim", []):
        c = _validate(raw, sources)
        if c.id in claims:
            raise RegistryError(f"claim {c.id}: duplicate ID")
        claims[c.id] = c
    return claims


@lru_cache(maxsize=8)
def _cached(path: Path, mtime_ns: int) -> dict[str, Claim]:
    return load_claims(path)


def registry(project: Project | None = None) -> dict[str, Claim]:
    """The registry of ``project`` (default: the project of the current folder, see
    :func:`overspec.project.find_project`; overspec's own registry when there is none). Cached
    per file and modification time; callers must not mutate the dict."""
    path = (project or find_project()).claims
    return _cached(path, path.stat().st_mtime_ns)


def get_claim(claim_id: str, project: Project | None = None) -> Claim:
    try:
        return registry(project)[claim_id]
    except KeyError:
        raise RegistryError(f"unknown claim ID {claim_id!r}") from None
