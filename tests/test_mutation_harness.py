"""The mutation harness (benchmarks/mutation/mutate.py, issue 9) really executes its mutants.

Found the hard way: pytest's assertion rewriter, a meta-path hook ahead of every other, claims the
packages of an editable distribution that registers a pytest11 plugin (overspec: numerics/ and
theory/ too) and loaded their original source, so every mutant "survived" unexecuted. The child
now runs pytest with ``--assert=plain`` and checks, after the tests, that the module was loaded
by the mutant's loader; a run where it was not stops without a report.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = r"""
import sys
sys.path.insert(0, 'benchmarks/mutation')
import mutate as M
path = 'numerics/ss18/table.py'
src = (M.ROOT / path).read_text()
before = M._served(path)                      # not imported yet: nothing to check
if sys.argv[1] == 'mutant':
    x = M.enumerate_mutants(path, src)[0]
    M._install_mutant(path, M.mutated_code(path, src, x.index))
import numerics.ss18.table
print(before, M._served(path))
"""


def _run(mode: str) -> str:
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, cwd=ROOT,
                         check=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    return out.stdout.strip()


def test_a_mutant_import_is_served_by_the_mutant_loader():
    assert _run("mutant") == "True True"


def test_a_module_loaded_by_another_loader_is_reported_not_served():
    """The control: the same module imported without the mutant (any other loader) → False,
    which makes the child exit with NOT_SERVED and the harness stop."""
    assert _run("plain") == "True False"


def _harness():
    sys.path.insert(0, str(ROOT / "benchmarks" / "mutation"))
    import mutate

    return mutate


def test_every_float_mutant_changes_the_value():
    """x + 1 == x for |x| ≥ 2⁵³: such constants (1e150, an overflow limit) are scaled instead,
    so no mutant is the original program under another name."""
    M = _harness()
    for x in (0.0, 1e-9, 0.5, -0.5, 1.0, 3.0, 2.0**53, 1e150, -1e300):
        assert M._float_mutant(x) != x, x


def test_rerun_survivors_carries_over_only_matching_kills(tmp_path):
    """--rerun-survivors: a kill of an earlier run at this commit is carried over for the same
    mutant (kind, position, text); a survivor, or a mutant whose text differs, is run again."""
    import json
    from dataclasses import asdict

    M = _harness()
    path = "numerics/ss18/table.py"
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()
    muts = M.enumerate_mutants(path, (ROOT / path).read_text())
    old = [asdict(x) for x in muts[:3]]
    old[0]["status"], old[1]["status"], old[2]["status"] = "killed", "survived", "killed"
    old[2]["mutated"] += " "  # another mutant at the same place
    f = tmp_path / "old.json"
    f.write_text(json.dumps({"meta": {"commit": head}, "mutants": {path: old}}))
    plan = {path: M.enumerate_mutants(path, (ROOT / path).read_text())}
    M._carry_over(plan, f)
    assert [x.status for x in plan[path][:3]] == ["killed", "pending", "pending"]
    assert plan[path][0].reason.startswith("carried over from old.json")
    assert all(x.status == "pending" for x in plan[path][3:])


def test_combine_keeps_any_kill_and_otherwise_the_latest_verdict(tmp_path):
    """benchmarks/mutation/combine.py: a mutant killed by one run is killed (tests are only
    added between runs); one never killed keeps the status of the latest run that ran it; one no
    run tried stays pending (not a kill)."""
    import json
    from dataclasses import asdict

    M = _harness()
    import combine

    path = "numerics/ss18/table.py"
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()
    muts = [asdict(x) for x in M.enumerate_mutants(path, (ROOT / path).read_text())]

    def run(date, statuses):
        ms = [dict(x, status=s) for x, s in zip(muts, statuses)]
        return {"meta": {"commit": head, "date": date}, "module_seconds": {}, "mutants": {path: ms}}

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(run("2026-01-01 00:00 UTC", ["killed", "survived", "survived"])))
    b.write_text(json.dumps(run("2026-01-02 00:00 UTC", ["survived", "timeout", "survived"])))
    out = combine.combine([str(b), str(a)])["mutants"][path]
    assert [x["status"] for x in out[:3]] == ["killed", "timeout", "survived"]
    assert all(x["status"] in ("pending", "equivalent") for x in out[3:])


def test_an_earlier_join_given_as_a_run_lists_the_runs_it_was_made_of(tmp_path):
    """combine.py: a previous join (with meta.runs) can be joined again with a new run; the result
    lists the join's runs and then the new run, not the join itself, and its kills still count."""
    import json
    from dataclasses import asdict

    M = _harness()
    import combine

    path = "numerics/ss18/table.py"
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()
    muts = [asdict(x) for x in M.enumerate_mutants(path, (ROOT / path).read_text())]
    r1 = {"commit": head, "date": "2026-01-01 00:00 UTC", "command": "run one"}
    r2 = {"commit": head, "date": "2026-01-02 00:00 UTC", "command": "run two"}
    joined = {"meta": {"commit": head, "date": "2026-01-02 00:00 UTC", "command": "a join", "runs": [r1, r2]},
              "module_seconds": {}, "mutants": {path: [dict(muts[0], status="killed")]}}
    new = {"meta": {"commit": head, "date": "2026-01-03 00:00 UTC", "command": "run three"},
           "module_seconds": {}, "mutants": {path: [dict(muts[0], status="survived"), dict(muts[1], status="survived")]}}
    a, b = tmp_path / "join.json", tmp_path / "new.json"
    a.write_text(json.dumps(joined))
    b.write_text(json.dumps(new))
    out = combine.combine([str(a), str(b)])
    assert [r["command"] for r in out["meta"]["runs"]] == ["run one", "run two", "run three"]
    assert [x["status"] for x in out["mutants"][path][:2]] == ["killed", "survived"]
