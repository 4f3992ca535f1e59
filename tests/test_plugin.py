"""The claim marker, the evidence fixture and the selection options, run in a scratch pytest."""

import json

import pytest

import overspec.testing  # noqa: F401  (imports numpy before pytester snapshots sys.modules)

from overspec.runner import Collector

CHECKS = '''
import pytest

import overspec.testing  # noqa: F401  (imports numpy before pytester snapshots sys.modules)
from overspec.testing import ClaimRejected

def check(bound):
    if 0.5 > bound:
        raise ClaimRejected(f"saw 0.5 > {bound}")

@pytest.mark.claim("SS16.Lemma2", kind="exact")
def test_holds(evidence):
    check(1.0)
    evidence.record(estimate=0.5, seed=3)
    evidence.tolerance("gap", 1e-7, "solver gap")

@pytest.mark.claim("SS16.Lemma2", kind="exact", control=True)
def test_mutation_rejected(evidence):
    with pytest.raises(ClaimRejected):
        check(0.1)

@pytest.mark.claim("SS16.Thm2", kind="statistical")
def test_refuting(evidence):
    check(0.1)

@pytest.mark.claim("SS16.Thm4", kind="statistical")
def test_broken(evidence):
    raise RuntimeError("solver said: infeasible")

def test_unit():
    pass
'''


@pytest.fixture
def scratch(pytester):
    pytester.makeconftest('pytest_plugins = ["overspec.pytest_plugin"]')
    return pytester


def _run(pytester, *args):
    collector = Collector(stream=open("/dev/null", "w"), quiet=True)
    result = pytester.inline_run(*args, plugins=[collector])
    return result, {r.nodeid.split("::")[-1]: r for r in collector.results.values()}


def test_unknown_claim_id_is_a_collection_error(scratch):
    scratch.makepyfile(
        'import pytest\n@pytest.mark.claim("SS16.NoSuchLemma", kind="exact")\ndef test_x(): pass\n'
    )
    result = scratch.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown claim ID 'SS16.NoSuchLemma'*"])


def test_unknown_evidence_kind_is_a_collection_error(scratch):
    scratch.makepyfile('import pytest\n@pytest.mark.claim("SS16.Lemma2", kind="proof")\ndef test_x(): pass\n')
    result = scratch.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*kind='proof' must be one of*"])


def test_evidence_and_outcomes_are_collected(scratch):
    scratch.makepyfile(test_checks=CHECKS)
    _, got = _run(scratch)
    assert set(got) == {"test_holds", "test_mutation_rejected", "test_refuting", "test_broken"}
    holds = got["test_holds"]
    assert holds.outcome == "passed" and holds.evidence["data"] == {"estimate": 0.5, "seed": 3}
    assert holds.evidence["tolerances"]["gap"] == {"value": 1e-7, "reason": "solver gap"}
    assert got["test_mutation_rejected"].control and got["test_mutation_rejected"].outcome == "passed"
    assert (got["test_refuting"].outcome, got["test_refuting"].failure) == ("failed", "assertion")
    assert "saw 0.5 > 0.1" in got["test_refuting"].message
    assert (got["test_broken"].outcome, got["test_broken"].failure) == ("failed", "error")
    json.dumps([r.as_dict() for r in got.values()])  # the evidence is JSON-able


def test_claims_only_and_claim_selection(scratch):
    scratch.makepyfile(test_checks=CHECKS)
    result, got = _run(scratch, "--overspec-claims-only")
    assert "test_unit" not in str(result.getreports("pytest_runtest_logreport"))
    _, got = _run(scratch, "--overspec-claim", "SS16.Lemma2")
    assert set(got) == {"test_holds", "test_mutation_rejected"}


def test_evidence_fixture_needs_a_claim_marker(scratch):
    scratch.makepyfile("def test_x(evidence): pass\n")
    result = scratch.runpytest()
    result.assert_outcomes(errors=1)


def test_markers_are_registered_by_the_plugin_itself(scratch):
    """No ini `markers` line is needed: --strict-markers accepts `claim` and `thorough`."""
    scratch.makepyfile(
        'import pytest\n@pytest.mark.thorough\n@pytest.mark.claim("SS16.Lemma2", kind="exact")\n'
        "def test_x(evidence): pass\n"
    )
    result = scratch.runpytest("--strict-markers")
    result.assert_outcomes(skipped=1)  # thorough: skipped under the ci profile, but known


def test_loading_the_plugin_twice_is_harmless(scratch):
    """The entry point registers the plugin under its module name, so the conftest's
    pytest_plugins (the root conftest of this checkout) then finds it loaded and does nothing."""
    scratch.makepyfile('import pytest\n@pytest.mark.claim("SS16.Lemma2", kind="exact")\ndef test_x(evidence): pass\n')
    result = scratch.runpytest("-p", "overspec.pytest_plugin", "--strict-markers")
    result.assert_outcomes(passed=1)


def test_a_bad_profile_is_a_one_line_usage_error(scratch, monkeypatch):
    monkeypatch.setenv("OVERSPEC_PROFILE", "bogus")
    scratch.makepyfile("def test_x(): pass\n")
    result = scratch.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in text and "Traceback" not in text
    result.stderr.fnmatch_lines(["ERROR: overspec: unknown profile 'bogus' (known: ci, dev, thorough)"])


def test_a_rejection_keeps_its_counterexample_and_the_evidence_recorded_before(scratch):
    scratch.makepyfile(
        test_refute='''
import pytest
from overspec.testing import ClaimRejected

@pytest.mark.claim("SS16.Thm2", kind="statistical")
def test_refuted(evidence):
    evidence.record(seed=7, trials=40)
    raise ClaimRejected("3/40 < 0.5", witness={"successes": 3, "trials": 40, "upper": 0.21})
'''
    )
    _, got = _run(scratch)
    r = got["test_refuted"]
    assert (r.outcome, r.failure) == ("failed", "assertion")
    assert r.counterexample == {"successes": 3, "trials": 40, "upper": 0.21}
    assert r.evidence["data"] == {"seed": 7, "trials": 40}
    assert r.as_dict()["counterexample"] == r.counterexample


def test_an_undecided_check_is_classified_undecided_not_refuted(scratch):
    """overspec.testing.Undecided (a proof that did not go through) is no evidence against the
    claim: the failure is 'undecided' and keeps its witness."""
    scratch.makepyfile(
        test_undecided='''
import pytest
from overspec.testing import Undecided

@pytest.mark.claim("SS16.Thm2", kind="exact")
def test_gap(evidence):
    raise Undecided("1 point carries no proof", witness={"points": 1})
'''
    )
    _, got = _run(scratch)
    r = got["test_gap"]
    assert (r.outcome, r.failure) == ("failed", "undecided")
    assert r.as_dict()["left_undecided"] == {"points": 1} and "counterexample" not in r.as_dict()


def test_a_project_registry_replaces_overspecs(scratch):
    """In a project with [tool.overspec], its claim IDs are the known ones, overspec's are not."""
    scratch.makefile(".toml", claims='[[source]]\nkey = "ACME"\ntitle = "Acme notes"\n\n'
                     '[[claim]]\nid = "ACME.one"\nsource = "ACME"\nwhere = "§1"\ntitle = "t"\nstatement = "s"\n'
                     'kind = "exact"\noutcome = "verified"\nnegative_control = "n"\n')
    scratch.makepyprojecttoml('[tool.overspec]\nclaims = "claims.toml"\ntests = ["."]\n')
    scratch.makepyfile(
        'import pytest\n@pytest.mark.claim("ACME.one", kind="exact")\ndef test_a(evidence): pass\n'
        '@pytest.mark.claim("SS16.Lemma2", kind="exact")\ndef test_b(evidence): pass\n'
    )
    result = scratch.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown claim ID 'SS16.Lemma2' (not in claims.toml)*"])
