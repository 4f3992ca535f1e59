"""pytest plugin: the ``claim`` marker, the ``evidence`` and ``profile`` fixtures, profiles.

Link a check to a claim of the registry::

    @pytest.mark.claim("SS16.Lemma2", kind="exact")
    def test_basin_value_of_network_below_every_subnetwork(evidence): ...

    @pytest.mark.claim("SS16.Lemma2", kind="exact", control=True)
    def test_reversed_inequality_is_rejected(evidence): ...

A negative control (``control=True``) passes exactly when the check machinery *rejects* the
mutated claim (typically ``with pytest.raises(ClaimRejected): check(mutated)``).
An unknown claim ID or evidence kind stops the run at collection with a one-line error.

Installed, the plugin loads in every pytest run through the ``pytest11`` entry point (a
conftest's ``pytest_plugins = ["overspec.pytest_plugin"]`` is then a no-op). The claim IDs come
from the registry of the project at pytest's rootdir (``[tool.overspec]`` in its
``pyproject.toml``, see :mod:`overspec.project`); only such a project gets overspec's
Hypothesis profile, so the plugin leaves other projects' settings alone. A bad
``OVERSPEC_PROFILE`` is a one-line usage error.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from overspec.evidence import USER_PROPERTY, Evidence, to_jsonable
from overspec.profiles import Profile, UnknownProfileError, get_profile, register_hypothesis_profiles
from overspec.project import Project, ProjectError, find_project
from overspec.registry import EVIDENCE_KINDS, Claim, RegistryError, registry
from overspec.testing import Undecided

CLAIM_PROPERTY = "overspec_claim"
MARKERS = (
    "claim(claim_id, kind, control=False): links a check to a claim of the project's registry "
    "(overspec: overspec/claims.toml; elsewhere: [tool.overspec] claims in pyproject.toml)",
    "thorough: heavy sweep, runs only under the `thorough` profile (OVERSPEC_PROFILE=thorough)",
)


@dataclass(frozen=True)
class ClaimMark:
    claim_id: str
    kind: str
    control: bool


_mark_key = pytest.StashKey[ClaimMark]()
_evidence_key = pytest.StashKey[Evidence]()


def claim_mark(item: pytest.Item, claims: dict[str, Claim] | None = None) -> ClaimMark | None:
    """The parsed ``claim`` marker of an item (None when it has none)."""
    marker = item.get_closest_marker("claim")
    if marker is None:
        return None
    if len(marker.args) != 1:
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.claim takes exactly one claim ID")
    unknown = set(marker.kwargs) - {"kind", "control"}
    if unknown:
        raise pytest.UsageError(f"{item.nodeid}: unknown claim marker arguments {sorted(unknown)}")
    cid = marker.args[0]
    kind = marker.kwargs.get("kind")
    claims = claims if claims is not None else item.config.stash[_claims_key]
    if cid not in claims:
        raise pytest.UsageError(f"{item.nodeid}: unknown claim ID {cid!r} (not in {_registry_name(item.config)})")
    if kind not in EVIDENCE_KINDS:
        raise pytest.UsageError(
            f"{item.nodeid}: claim {cid}: kind={kind!r} must be one of {', '.join(EVIDENCE_KINDS)}"
        )
    return ClaimMark(cid, kind, bool(marker.kwargs.get("control", False)))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("overspec")
    group.addoption(
        "--overspec-claims-only",
        action="store_true",
        help="run only the checks linked to a claim (what `overspec verify` runs)",
    )
    group.addoption(
        "--overspec-claim",
        action="append",
        default=[],
        metavar="ID",
        help="run only the checks of this claim (repeatable)",
    )


def pytest_configure(config: pytest.Config) -> None:
    import os

    for line in MARKERS:
        config.addinivalue_line("markers", line)
    try:
        profile = get_profile()
        project = find_project(config.rootpath)
        claims = registry(project)
    except (UnknownProfileError, ProjectError, RegistryError) as exc:
        raise pytest.UsageError(f"overspec: {exc}") from None
    config.stash[_profile_key] = profile
    config.stash[_project_key] = project
    config.stash[_claims_key] = claims
    if project.root is not None:  # an overspec project: its profile drives Hypothesis
        from hypothesis import settings

        os.environ.setdefault("MPLBACKEND", "Agg")  # figures are files, never windows
        register_hypothesis_profiles()
        settings.load_profile(profile.name)


_profile_key = pytest.StashKey[Profile]()
_project_key = pytest.StashKey[Project]()
_claims_key = pytest.StashKey[dict]()


def _registry_name(config: pytest.Config) -> str:
    project = config.stash[_project_key]
    return str(project.claims.relative_to(project.root)) if project.root else "overspec/claims.toml"


def pytest_report_header(config: pytest.Config) -> str:
    return f"overspec profile: {config.stash[_profile_key].name}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    profile = config.stash[_profile_key]
    skip_heavy = pytest.mark.skip(reason="heavy sweep: runs under the thorough profile")
    only_claims = config.getoption("--overspec-claims-only")
    wanted = set(config.getoption("--overspec-claim"))
    claims = config.stash[_claims_key]
    unknown = wanted - set(claims)
    if unknown:
        raise pytest.UsageError(f"unknown claim ID {sorted(unknown)[0]!r} (not in {_registry_name(config)})")
    keep, drop = [], []
    for item in items:
        mark = claim_mark(item, claims)
        if mark is not None:
            item.stash[_mark_key] = mark
        if item.get_closest_marker("thorough") and not profile.run_thorough:
            item.add_marker(skip_heavy)
        selected = (mark is not None or not (only_claims or wanted)) and (
            not wanted or (mark is not None and mark.claim_id in wanted)
        )
        (keep if selected else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def profile(request: pytest.FixtureRequest) -> Profile:
    """The active run profile (sample sizes, Hypothesis examples)."""
    return request.config.stash[_profile_key]


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """Where a claim check records its evidence (see overspec.evidence.Evidence)."""
    mark = request.node.stash.get(_mark_key, None)
    if mark is None:
        raise pytest.UsageError(f"{request.node.nodeid}: the evidence fixture needs a @pytest.mark.claim")
    ev = Evidence(mark.claim_id, request.node.nodeid)
    request.node.stash[_evidence_key] = ev
    return ev


def _is_assertion(exc: BaseException) -> bool:
    """An AssertionError, or a group (Hypothesis' multiple failures) made only of them."""
    if isinstance(exc, BaseExceptionGroup):
        return all(_is_assertion(e) for e in exc.exceptions)
    return isinstance(exc, AssertionError)


def _witness(exc: BaseException) -> dict | None:
    """The counterexample a ClaimRejected carries (the first one in an exception group)."""
    if isinstance(exc, BaseExceptionGroup):
        found = [w for e in exc.exceptions if (w := _witness(e))]
        return found[0] if found else None
    witness = getattr(exc, "witness", None)
    return to_jsonable(witness) if isinstance(witness, dict) and witness else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    mark = item.stash.get(_mark_key, None)
    if mark is None:
        return
    info = {"claim": mark.claim_id, "kind": mark.kind, "control": mark.control}
    if call.excinfo is not None and report.failed:
        # A failed assertion is evidence against the (possibly mutated) claim; anything else is a
        # broken check (an error in the machinery), which never counts as evidence.
        # An Undecided check (overspec.testing) is neither: the verdict is "undecided".
        exc = call.excinfo.value
        info["failure"] = ("undecided" if isinstance(exc, Undecided) else
                           "assertion" if _is_assertion(exc) else "error")
        info["message"] = call.excinfo.exconly()[:2000]
        witness = _witness(call.excinfo.value)
        if witness:
            info["counterexample"] = witness
    report.user_properties.append((CLAIM_PROPERTY, info))
    ev = item.stash.get(_evidence_key, None)
    if ev is not None:
        report.user_properties.append((USER_PROPERTY, ev.as_dict()))
