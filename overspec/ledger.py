"""The ledger: per claim its verdict, the checks run, their evidence, and the run's environment.

Verdict rules (one place, used by the JSON, the Markdown and the exit status):

* ``not-run``  — no check of the claim ran (none written yet, or all skipped by the profile);
* ``error``    — a check broke (an exception other than a failed assertion), or a negative
  control did *not* reject its mutated claim (the check cannot fail, so it proves nothing);
* ``refuted``  — a positive check's assertion failed: the data contradict the claim (the
  check's entry keeps what it recorded before failing, its message, and the counterexample
  that a :class:`overspec.testing.ClaimRejected` carried, as ``counterexample``);
* ``undecided`` — no refutation, but a positive check raised :class:`overspec.testing.Undecided`:
  its experiment or proof did not decide (no verdict; reported, and the exit status is 1);
* ``partial``  — every check passed but no negative control ran, or the registry marks the
  claim as only partly checkable (its ``scope`` says which part);
* ``verified`` / ``erratum`` — every check passed, including ≥ 1 negative control; ``erratum``
  when the registry records that the statement as printed is wrong and the corrected one holds.

Two runs of the same commit and profile give identical ledgers apart from the fields listed in
:data:`VOLATILE_KEYS` (timestamps, durations, the number of parallel jobs).

A run of some claims only (``overspec verify --claim ID``) is merged into the existing ledger
(:func:`merge_ledger`): the other entries and the environment of the run that made them stay,
and ``reruns`` lists each partial run with its own environment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from overspec.registry import Claim

VERDICTS = ("verified", "erratum", "partial", "refuted", "undecided", "error", "not-run")
FAILING_VERDICTS = ("refuted", "undecided", "error")  # undecided is no verdict: reported, never passed
VOLATILE_KEYS = ("generated_at", "duration_s", "total_duration_s", "jobs")


@dataclass
class CheckResult:
    """One test item linked to a claim, as the run saw it."""

    nodeid: str
    claim: str
    kind: str
    control: bool
    outcome: str  # passed | failed | error | skipped
    failure: str | None = None  # assertion | error (for failed checks)
    message: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    counterexample: dict[str, Any] | None = None  # the witness of a ClaimRejected

    def as_dict(self) -> dict[str, Any]:
        d = {
            "nodeid": self.nodeid,
            "kind": self.kind,
            "negative_control": self.control,
            "outcome": self.outcome,
            "evidence": self.evidence,
            "duration_s": round(self.duration_s, 3),
        }
        if self.message:
            d["message"] = self.message
        if self.counterexample:  # an Undecided check's witness is what was left undecided
            d["left_undecided" if self.failure == "undecided" else "counterexample"] = self.counterexample
        return d


def verdict(claim: Claim, checks: list[CheckResult], profile: str | None = None) -> tuple[str, str]:
    """The verdict of ``claim`` given its checks (run under ``profile``), with the reason in words."""
    ran = [c for c in checks if c.outcome != "skipped"]
    if not ran:
        return "not-run", "no check of this claim ran" + (" (all skipped)" if checks else "")
    broken = [c for c in ran if c.outcome == "error" or c.failure == "error"]
    if broken:
        return "error", f"{len(broken)} check(s) broke: {broken[0].nodeid}"
    blind = [c for c in ran if c.control and c.outcome == "failed"]
    if blind:
        return "error", f"negative control did not reject its mutated claim: {blind[0].nodeid}"
    refuting = [c for c in ran if not c.control and c.outcome == "failed" and c.failure != "undecided"]
    if refuting:
        return "refuted", f"{refuting[0].nodeid}: {refuting[0].message or 'assertion failed'}"
    undecided = [c for c in ran if c.failure == "undecided"]
    if undecided:
        return "undecided", f"{undecided[0].nodeid}: {undecided[0].message or 'undecided'}"
    positives = [c for c in ran if not c.control]
    controls = [c for c in ran if c.control]
    if not positives:
        return "partial", "only negative controls ran"
    if not controls:
        return "partial", "every check passed, but no negative control ran"
    if claim.outcome == "partial":
        return "partial", f"checked part: {claim.scope}"
    if profile in claim.partial_in:
        return "partial", f"checked part under the {profile} profile: {claim.partial_in[profile]}"
    if claim.outcome == "erratum":
        return "erratum", "the statement as printed fails; the corrected statement is verified"
    return "verified", f"{len(positives)} check(s) and {len(controls)} negative control(s) passed"


def build_ledger(
    claims: dict[str, Claim],
    results: list[CheckResult],
    environment: dict[str, Any],
    selection: list[str] | None = None,
) -> dict[str, Any]:
    """The ledger as a JSON-able dict (claims in registry order)."""
    by_claim: dict[str, list[CheckResult]] = {cid: [] for cid in claims}
    for r in results:
        by_claim.setdefault(r.claim, []).append(r)
    entries = []
    for cid, claim in claims.items():
        if selection and cid not in selection:
            continue
        checks = sorted(by_claim[cid], key=lambda c: c.nodeid)
        v, why = verdict(claim, checks, environment.get("profile"))
        kinds = sorted({c.kind for c in checks if c.outcome != "skipped"})
        entries.append(
            {
                "id": cid,
                "title": claim.title,
                "source": claim.source,
                "where": claim.where,
                "statement": claim.statement,
                "corrected": claim.corrected or None,
                "registry_kind": claim.kind,
                "evidence_kinds": kinds,
                "verdict": v,
                "reason": why,
                "checks": [c.as_dict() for c in checks],
            }
        )
    summary = {v: sum(e["verdict"] == v for e in entries) for v in VERDICTS}
    return {
        "ledger_format": 1,
        "environment": environment,
        "selection": selection or "all",
        "summary": summary,
        "claims": entries,
    }


def merge_ledger(
    base: dict[str, Any] | None, rerun: dict[str, Any], claims: dict[str, Claim]
) -> dict[str, Any]:
    """``base`` with the entries of the claims ``rerun`` ran replaced (registry order kept).

    ``rerun`` is a ledger of a selection (``build_ledger(..., selection=ids)``). The base's
    environment stays (it made the other entries); ``reruns`` gains the selection and the
    rerun's environment. Entries of claims no longer in the registry are dropped. Without a
    base the rerun ledger is returned as it is (it lists only its selection).
    """
    if base is None:
        return rerun
    ids = list(rerun["selection"]) if isinstance(rerun["selection"], list) else list(claims)
    new = {e["id"]: e for e in rerun["claims"]}
    old = {e["id"]: e for e in base.get("claims", [])}
    entries = [new[cid] if cid in new else old[cid] for cid in claims if cid in new or cid in old]
    merged = dict(base)
    merged["claims"] = entries
    merged["summary"] = {v: sum(e["verdict"] == v for e in entries) for v in VERDICTS}
    merged["reruns"] = list(base.get("reruns", [])) + [{"claims": ids, "environment": rerun["environment"]}]
    return merged


def same_results(a: dict[str, Any] | None, b: dict[str, Any]) -> bool:
    """True when two ledgers hold the same claims, verdicts and evidence (timestamps, durations
    and the run's environment aside): a rerun that reproduced ``a`` leaves it as it is."""
    return a is not None and strip_volatile(a.get("claims")) == strip_volatile(b["claims"])


def verdict_differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Per claim ID, how the verdicts of ``actual`` differ from ``expected`` (missing and extra
    claims included); empty when they agree."""
    want = {e["id"]: e["verdict"] for e in expected["claims"]}
    got = {e["id"]: e["verdict"] for e in actual["claims"]}
    out = [f"{cid}: missing (expected {v})" for cid, v in want.items() if cid not in got]
    out += [f"{cid}: extra claim ({v})" for cid, v in got.items() if cid not in want]
    out += [f"{cid}: {want[cid]} -> {got[cid]}" for cid in want if cid in got and want[cid] != got[cid]]
    return out


def load_ledger(path: Path) -> dict[str, Any] | None:
    """The ledger in ``path`` (a ledger.json or its folder); None when there is none."""
    path = path / "ledger.json" if path.is_dir() or path.suffix != ".json" else path
    return json.loads(path.read_text()) if path.exists() else None


def exit_status(ledger: dict[str, Any]) -> int:
    """0 unless a claim is refuted or a check errored (what CI gates on)."""
    return int(any(e["verdict"] in FAILING_VERDICTS for e in ledger["claims"]))


def strip_volatile(obj: Any) -> Any:
    """The ledger without timestamps and durations: what two runs must agree on."""
    if isinstance(obj, dict):
        return {k: strip_volatile(v) for k, v in obj.items() if k not in VOLATILE_KEYS}
    if isinstance(obj, list):
        return [strip_volatile(v) for v in obj]
    return obj


def _fmt(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 300 else text[:297] + "…"


def render_markdown(ledger: dict[str, Any]) -> str:
    """LEDGER.md: a summary table, then one section per claim with its checks and evidence."""
    env = ledger["environment"]
    lines = [
        "# overspec ledger",
        "",
        f"Generated {env.get('generated_at', '?')} · profile `{env['profile']}` · commit "
        f"`{env['git_commit']}`{' (dirty)' if env.get('git_dirty') else ''} · Python {env['python']}",
        "",
        "Verdicts: " + ", ".join(f"{v} {n}" for v, n in ledger["summary"].items() if n),
        "",
        "| claim | verdict | evidence | checks (passed/run) | title |",
        "|---|---|---|---|---|",
    ]
    for e in ledger["claims"]:
        ran = [c for c in e["checks"] if c["outcome"] != "skipped"]
        ok = sum(c["outcome"] == "passed" for c in ran)
        anchor = e["id"].lower().replace(".", "")
        lines.append(
            f"| [{e['id']}](#{anchor}) | **{e['verdict']}** | {', '.join(e['evidence_kinds']) or '—'}"
            f" | {ok}/{len(ran)} | {e['title']} |"
        )
    lines += ["", "## Environment", ""]
    for key in ("python", "platform", "cpu", "blas", "dask", "solver", "git_commit", "git_dirty", "profile"):
        if key in env:
            lines.append(f"- **{key}**: `{_fmt(env[key])}`" if isinstance(env[key], (dict, list)) else f"- **{key}**: `{env[key]}`")
    lines.append("- **packages**: " + ", ".join(f"{k} {v}" for k, v in env["packages"].items()))
    lines.append(f"- **hypothesis**: `{_fmt(env['hypothesis'])}`")
    for run in ledger.get("reruns", []):
        renv = run["environment"]
        lines.append(
            f"- **re-run** {', '.join(run['claims'])}: {renv.get('generated_at', '?')}, profile "
            f"`{renv['profile']}`, commit `{renv['git_commit']}`{' (dirty)' if renv.get('git_dirty') else ''}"
        )
    for e in ledger["claims"]:
        lines += ["", f"## {e['id']}", "", f"**{e['title']}** — {e['source']} {e['where']}", ""]
        lines.append(f"- Statement (as printed): {e['statement']}")
        if e["corrected"]:
            lines.append(f"- Corrected statement: {e['corrected']}")
        lines.append(f"- Verdict: **{e['verdict']}** — {e['reason']}")
        lines.append(f"- Evidence kinds: {', '.join(e['evidence_kinds']) or '—'} (registry: {e['registry_kind']})")
        if not e["checks"]:
            continue
        lines += ["", "| check | kind | control | outcome |", "|---|---|---|---|"]
        for c in e["checks"]:
            lines.append(
                f"| `{c['nodeid']}` | {c['kind']} | {'yes' if c['negative_control'] else ''} | {c['outcome']} |"
            )
        for c in e["checks"]:
            ev = c["evidence"]
            if not (ev.get("data") or ev.get("tolerances") or ev.get("figures") or c.get("message")
                    or c.get("counterexample") or c.get("left_undecided")):
                continue
            lines += ["", f"`{c['nodeid']}`"]
            for k, v in sorted(ev.get("data", {}).items()):
                lines.append(f"- {k}: `{_fmt(v)}`")
            for k, t in sorted(ev.get("tolerances", {}).items()):
                lines.append(f"- tolerance {k} = `{t['value']}` — {t['reason']}")
            for fig in ev.get("figures", []):
                lines.append(f"- figure: ![{fig}](figures/{fig})")
            if c.get("counterexample"):
                lines.append(f"- **counterexample**: `{_fmt(c['counterexample'])}`")
            if c.get("left_undecided"):
                lines.append(f"- **left undecided**: `{_fmt(c['left_undecided'])}`")
            if c.get("message"):
                lines.append(f"- message: `{c['message'][:500]}`")
    return "\n".join(lines) + "\n"


def write_ledger(ledger: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write ``ledger.json`` and ``LEDGER.md`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    jpath, mpath = out_dir / "ledger.json", out_dir / "LEDGER.md"
    jpath.write_text(json.dumps(ledger, indent=2, ensure_ascii=False, sort_keys=False) + "\n")
    mpath.write_text(render_markdown(ledger))
    return jpath, mpath
