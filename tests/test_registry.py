"""The registry loads, and rejects malformed entries with a message naming the claim."""

import pytest

from overspec.registry import RegistryError, load_claims, registry

GOOD = """
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
        (('source = "SS16"', 'source = "REV"'), "does not match its ID"),
        (('title = "t"\n', ""), "missing fields ['title']"),
        (('title = "t"', 'title = "t"\ncolour = "red"'), "unknown fields ['colour']"),
    ],
)
def test_malformed_entries_are_rejected(tmp_path, edit, message):
    path = tmp_path / "claims.toml"
    path.write_text(GOOD.replace(*edit))
    with pytest.raises(RegistryError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_claims(path)


def test_duplicate_ids_are_rejected(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text(GOOD + GOOD)
    with pytest.raises(RegistryError, match="duplicate"):
        load_claims(path)


def test_the_good_entry_loads(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text(GOOD)
    assert list(load_claims(path)) == ["SS16.X"]
