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
