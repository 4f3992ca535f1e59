"""The registry loads, and rejects malformed entries with a message naming the claim; sources
are declared by the registry itself; a project names its registry in [tool.overspec]."""

import pytest

from overspec.project import PACKAGED_CLAIMS, ProjectError, find_project
from overspec.registry import RegistryError, load_claims, registry

SOURCE = """
[[source]]
key = "SS16"
title = "Safran & Shamir (2016)"
file = "seed.txt"
"""
GOOD = SOURCE + """
[[claim]]
id = "SS16.X"
source = "SS16"
where = "§1"
title = "t"
statement = "s"
kind = "exact"
outcome = "verified"
negative_control = "n"
"""


def test_registry_has_unique_ids_and_valid_entries():
    claims = registry()
    assert len(claims) == 37
    assert all(c.id.startswith(c.source + ".") for c in claims.values())


@pytest.mark.parametrize(
    "edit, message",
    [
        (('kind = "exact"', 'kind = "proof"'), "kind 'proof'"),
        (('outcome = "verified"', 'outcome = "erratum"'), "needs its corrected statement"),
        (('outcome = "verified"', 'outcome = "partial"'), "needs its scope"),
        (('id = "SS16.X"', 'id = "SS17.X"'), "does not match its ID"),
        (('title = "t"\n', ""), "missing fields ['title']"),
        (('title = "t"', 'title = "t"\ncolour = "red"'), "unknown fields ['colour']"),
        (('id = "SS16.X"\nsource = "SS16"', 'id = "XY.X"\nsource = "XY"'), "'XY' is not a [[source]] key"),
        (('title = "Safran & Shamir (2016)"\n', ""), "source SS16: missing field 'title'"),
        (('file = "seed.txt"', 'file = "seed.txt"\nyear = 2016'), "source SS16: unknown fields ['year']"),
    ],
)
def test_malformed_entries_are_rejected(tmp_path, edit, message):
    path = tmp_path / "claims.toml"
    path.write_text(GOOD.replace(*edit))
    with pytest.raises(RegistryError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_claims(path)


def test_duplicate_ids_are_rejected(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text(GOOD + GOOD.replace(SOURCE, ""))
    with pytest.raises(RegistryError, match="claim SS16.X: duplicate"):
        load_claims(path)


def test_duplicate_source_keys_are_rejected(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text(SOURCE + GOOD)
    with pytest.raises(RegistryError, match="source SS16: duplicate key"):
        load_claims(path)


def test_the_good_entry_loads_with_its_declared_source(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text(GOOD)
    claim = load_claims(path)["SS16.X"]
    assert (claim.source_title, claim.seed_file) == ("Safran & Shamir (2016)", "seed.txt")


def test_no_source_key_is_hard_coded(tmp_path):
    """Any key works when the registry declares it, and overspec's own four are declared the same way."""
    path = tmp_path / "claims.toml"
    path.write_text(GOOD.replace("SS16", "ACME23"))
    assert list(load_claims(path)) == ["ACME23.X"]
    own = {c.source_info.key: c.source_title for c in load_claims(PACKAGED_CLAIMS).values()}
    assert set(own) == {"SS16", "REV", "QA", "ZBZ24"} and all(own.values())


def _project(tmp_path, table: str):
    (tmp_path / "tests").mkdir(exist_ok=True)
    (tmp_path / "claims.toml").write_text(GOOD.replace("SS16", "ACME23"))
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'acme'\n\n[tool.overspec]\n" + table)
    return tmp_path


def test_a_project_declares_its_registry_in_pyproject(tmp_path):
    root = _project(tmp_path, 'claims = "claims.toml"\ntests = ["tests"]\n')
    (root / "tests" / "deep").mkdir()
    project = find_project(root / "tests" / "deep")  # found from below, as pytest's rootdir is
    assert (project.root, project.tests, project.ledger_dir) == (root.resolve(), ("tests",), root.resolve() / "ledger")
    assert list(registry(project)) == ["ACME23.X"]


@pytest.mark.parametrize(
    "table, message",
    [
        ('tests = ["tests"]\n', "needs `claims`"),
        ('claims = "nope.toml"\ntests = ["tests"]\n', "claims: no file"),
        ('claims = "claims.toml"\ntests = ["missing"]\n', "tests: no folder"),
        ('claims = "claims.toml"\ntests = []\n', "tests: a non-empty list"),
        ('claims = "claims.toml"\ntests = ["tests"]\ncolour = 1\n', "unknown keys \\['colour'\\]"),
    ],
)
def test_a_malformed_project_table_is_a_clear_error(tmp_path, table, message):
    with pytest.raises(ProjectError, match=message):
        find_project(_project(tmp_path, table))


def test_without_a_project_the_packaged_registry_is_used(tmp_path):
    project = find_project(tmp_path)
    assert project.root is None and project.claims == PACKAGED_CLAIMS
    with pytest.raises(ProjectError, match=r"no pyproject.toml with a \[tool.overspec\] table"):
        project.require_root()
