"""The claims registry: one source of truth for every claim of ../shared/CLAIMS.md.

The data live in ``claims.toml`` beside this module, one ``[[claim]]`` table per claim. This
module loads and validates them; the pytest plugin, the ledger and the docs all read them here.
To add a claim: append a ``[[claim]]`` table (see README, "Adding a claim") and write its checks.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

EVIDENCE_KINDS = ("symbolic", "exact", "statistical", "numerical")
# What a claim's verdict is when all its checks (and its negative control) pass:
#   verified — the statement as printed holds;
#   erratum  — the statement as printed is wrong; the corrected statement holds;
#   partial  — only the part named in ``scope`` is checkable / checked.
OUTCOMES = ("verified", "erratum", "partial")
SOURCES = {
    "SS16": "Safran & Shamir, On the Quality of the Initial Basin in Overspecified Neural Networks (ICML 2016)",
    "REV": "A review of gradient descent on one-hidden-layer ReLU networks (OCR'd transcription)",
    "QA": "A Q&A answer on symmetry breaking by random initialization",
    "ZBZ24": "Zhao, Bai & Zhang, Disentangle Sample Size and Initialization Effect on Perfect Generalization for Single-Neuron Target (arXiv 2405.13787)",
}
SEED_FILES = {
    "SS16": "000_2bff6eac88490779.txt",
    "REV": "001_f3a8f3668e711d70.txt",
    "QA": "002_adbdc996c59e8459.txt",
    "ZBZ24": "003_626ac362a314c94f.txt",
}


class RegistryError(ValueError):
    pass


@dataclass(frozen=True)
class Claim:
    id: str
    source: str  # seed key: SS16, REV, QA, ZBZ24
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
    weaker_kind_reason: str = ""  # why a weaker kind than symbolic/exact is used
    notes: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def seed_file(self) -> str:
        return SEED_FILES[self.source]

    @property
    def source_title(self) -> str:
        return SOURCES[self.source]


_FIELDS = {f for f in Claim.__dataclass_fields__ if f != "extra"}
_REQUIRED = {"id", "source", "where", "title", "statement", "kind", "outcome", "negative_control"}


def _validate(raw: dict) -> Claim:
    cid = raw.get("id", "<missing id>")
    missing = _REQUIRED - raw.keys()
    if missing:
        raise RegistryError(f"claim {cid}: missing fields {sorted(missing)}")
    unknown = raw.keys() - _FIELDS
    if unknown:
        raise RegistryError(f"claim {cid}: unknown fields {sorted(unknown)}")
    if raw["source"] not in SOURCES or not cid.startswith(raw["source"] + "."):
        raise RegistryError(f"claim {cid}: source {raw['source']!r} does not match its ID")
    if raw["kind"] not in EVIDENCE_KINDS:
        raise RegistryError(f"claim {cid}: kind {raw['kind']!r} not in {EVIDENCE_KINDS}")
    if raw["outcome"] not in OUTCOMES:
        raise RegistryError(f"claim {cid}: outcome {raw['outcome']!r} not in {OUTCOMES}")
    if raw["outcome"] == "erratum" and not raw.get("corrected"):
        raise RegistryError(f"claim {cid}: an erratum needs its corrected statement")
    if raw["outcome"] == "partial" and not raw.get("scope"):
        raise RegistryError(f"claim {cid}: a partial claim needs its scope")
    raw = dict(raw)
    raw["hypotheses"] = tuple(raw.get("hypotheses", ()))
    return Claim(**raw)


def load_claims(path: Path | None = None) -> dict[str, Claim]:
    """All claims, by ID, in registry order."""
    path = path or Path(__file__).with_name("claims.toml")
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    claims: dict[str, Claim] = {}
    for raw in data.get("claim", []):
        c = _validate(raw)
        if c.id in claims:
            raise RegistryError(f"claim {c.id}: duplicate ID")
        claims[c.id] = c
    return claims


@lru_cache(maxsize=1)
def registry() -> dict[str, Claim]:
    """The packaged registry (cached)."""
    return load_claims()


def get_claim(claim_id: str) -> Claim:
    try:
        return registry()[claim_id]
    except KeyError:
        raise RegistryError(f"unknown claim ID {claim_id!r}") from None
