"""Verdict rules, determinism and rendering of the ledger."""

import json
import re
from pathlib import Path

import pytest

from overspec.ledger import (
    CheckResult,
    build_ledger,
    exit_status,
    merge_ledger,
    render_markdown,
    same_results,
    strip_volatile,
    verdict,
    verdict_differences,
    write_ledger,
)
from overspec.registry import get_claim, registry

ENV = {
    "generated_at": "2026-01-01T00:00:00Z", "python": "3.11", "platform": "Linux x86_64",
    "packages": {"numpy": "2"}, "solver": "CLARABEL", "git_commit": "abc", "git_dirty": False,
    "profile": "ci", "hypothesis": {"max_examples": 25},
}


def check(outcome="passed", control=False, failure=None, claim="SS16.Lemma2", name="t"):
    return CheckResult(f"tests/x.py::{name}", claim, "exact", control, outcome, failure, "msg" if failure else None)


@pytest.mark.parametrize(
    "claim_id, checks, expected",
    [
        ("SS16.Lemma2", [], "not-run"),
        ("SS16.Lemma2", [check("skipped")], "not-run"),
        ("SS16.Lemma2", [check(), check(control=True)], "verified"),
        ("SS16.Def2-indexing", [check(), check(control=True)], "erratum"),
        ("SS16.Lemma2", [check()], "partial"),  # no negative control ran
        ("SS16.Lemma2", [check("failed", failure="assertion"), check(control=True)], "refuted"),
        # a proof or experiment that did not decide is no verdict, and a refutation outranks it
        ("SS16.Lemma2", [check("failed", failure="undecided"), check(control=True)], "undecided"),
        ("SS16.Lemma2", [check("failed", failure="undecided"), check("failed", failure="assertion", name="u"),
                         check(control=True)], "refuted"),
        ("SS16.Lemma2", [check(), check("failed", failure="error")], "error"),
        ("SS16.Lemma2", [check(), check("error")], "error"),
        # a negative control that did not reject its mutation: the check cannot fail
        ("SS16.Lemma2", [check(), check("failed", control=True, failure="assertion")], "error"),
    ],
)
def test_verdict_rules(claim_id, checks, expected):
    assert verdict(get_claim(claim_id), checks)[0] == expected


def test_a_claim_partial_in_a_profile_is_partial_there_and_verified_in_the_others():
    """REV.ss18-table: the ci profile runs 4 of its rows (registry ``partial_in``), so passing
    checks there earn `partial` with that scope; under thorough the same checks earn `verified`."""
    claim, ok = get_claim("REV.ss18-table"), [check(claim="REV.ss18-table"), check(control=True, claim="REV.ss18-table")]
    v, why = verdict(claim, ok, "ci")
    assert v == "partial" and "ci profile" in why and "thorough" in why
    assert verdict(claim, ok, "thorough")[0] == "verified" and verdict(claim, ok)[0] == "verified"
    # a failure still outranks the profile's scope
    assert verdict(claim, [check("failed", failure="assertion", claim="REV.ss18-table")] + ok, "ci")[0] == "refuted"
    entry = next(e for e in build_ledger(registry(), ok, ENV)["claims"] if e["id"] == "REV.ss18-table")
    assert entry["verdict"] == "partial"  # ENV's profile is ci


def test_registry_rejects_a_partial_in_without_its_scope(tmp_path):
    from overspec.registry import RegistryError, load_claims

    src = Path(__file__).resolve().parents[1] / "overspec" / "claims.toml"
    text = src.read_text().replace('partial_in = { ci = "rows (6, 6)', 'partial_in = { ci = "", x = "rows (6, 6)', 1)
    bad = tmp_path / "claims.toml"
    bad.write_text(text)
    with pytest.raises(RegistryError, match="partial_in"):
        load_claims(bad)


def test_exit_status_gates_on_refuted_and_error():
    claims = {c: registry()[c] for c in ("SS16.Lemma2", "SS16.Thm2")}
    ok = build_ledger(claims, [check(), check(control=True)], ENV)
    bad = build_ledger(claims, [check(), check(control=True), check("failed", failure="assertion", claim="SS16.Thm2")], ENV)
    assert exit_status(ok) == 0 and exit_status(bad) == 1


def test_ledger_lists_every_claim_and_is_deterministic_apart_from_volatile_fields(tmp_path):
    results = [check(), check(control=True, name="c")]
    a = build_ledger(registry(), results, dict(ENV))
    b = build_ledger(registry(), list(reversed(results)), dict(ENV, generated_at="2030-01-01T00:00:00Z"))
    next(e for e in b["claims"] if e["id"] == "SS16.Lemma2")["checks"][0]["duration_s"] = 9.0
    assert [e["id"] for e in a["claims"]] == list(registry())
    assert a != b and strip_volatile(a) == strip_volatile(b)
    jpath, mpath = write_ledger(a, tmp_path)
    assert json.loads(jpath.read_text()) == a
    md = mpath.read_text()
    assert "| [SS16.Lemma2](#ss16lemma2) | **verified** |" in md


def test_markdown_shows_printed_and_corrected_statements_of_an_erratum():
    md = render_markdown(build_ledger(registry(), [], ENV))
    section = md.split("## SS16.Def2-indexing")[1].split("\n## ")[0]
    assert "Statement (as printed)" in section and "Corrected statement" in section


def test_every_claim_of_claims_md_is_in_the_registry():
    claims_md = Path(__file__).resolve().parents[2] / "shared" / "CLAIMS.md"
    if not claims_md.exists():
        pytest.skip("../shared/CLAIMS.md is not beside this checkout")
    ids = set(re.findall(r"^\| ((?:SS16|REV|QA|ZBZ24)\.[\w.-]+) \|", claims_md.read_text(), re.M))
    assert ids and ids == set(registry())


def test_merge_replaces_the_rerun_entries_keeps_the_others_in_registry_order():
    claims = {c: registry()[c] for c in ("SS16.Lemma2", "SS16.Thm2", "SS16.Thm4")}
    base = build_ledger(claims, [check(), check(control=True)], ENV)
    base["claims"].append(dict(base["claims"][0], id="SS16.Gone"))  # no longer in the registry
    rerun = build_ledger(claims, [check("failed", failure="assertion", claim="SS16.Thm2")],
                         dict(ENV, git_commit="def"), selection=["SS16.Thm2"])
    merged = merge_ledger(base, rerun, claims)
    assert [e["id"] for e in merged["claims"]] == ["SS16.Lemma2", "SS16.Thm2", "SS16.Thm4"]
    assert merged["claims"][0] == base["claims"][0] and merged["claims"][1]["verdict"] == "refuted"
    assert merged["environment"] == ENV and merged["reruns"] == [{"claims": ["SS16.Thm2"], "environment": rerun["environment"]}]
    assert merged["summary"]["refuted"] == 1 and merge_ledger(None, rerun, claims) is rerun
    assert same_results(merged, merged) and not same_results(base, merged)


def test_verdict_differences_per_claim_id():
    claims = {c: registry()[c] for c in ("SS16.Lemma2", "SS16.Thm2")}
    a = build_ledger(claims, [check(), check(control=True)], ENV)
    b = build_ledger({"SS16.Lemma2": claims["SS16.Lemma2"]}, [check()], ENV)
    assert verdict_differences(a, a) == []
    assert verdict_differences(a, b) == ["SS16.Thm2: missing (expected not-run)", "SS16.Lemma2: verified -> partial"]
    assert verdict_differences(b, a) == ["SS16.Thm2: extra claim (not-run)", "SS16.Lemma2: partial -> verified"]
