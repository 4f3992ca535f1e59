"""Join several runs of mutate.py into one result per mutant (issue 9).

Usage (from the repository root)::

    PYTHONPATH=$PWD python benchmarks/mutation/combine.py RUN1.json RUN2.json … --json OUT.json --report OUT.md

Each run may cover some modules or some lines only (``--lines``, ``--rerun-survivors``). For every
mutant of the current source of every module that a run covers:

* **killed** if any run killed it at a commit where the module's source is the one of today
  (``git diff`` empty): a kill is a failing test, and tests are only added between runs;
* **equivalent** if ``equivalents.toml`` lists it now;
* otherwise the status of the latest run (by its ``meta.date``, then argument order) that ran it
  (timeout, truncated, survived or uncovered); a mutant no run tried is reported "pending".

An earlier join (combine.py's own --json) can be given as a run: its mutants count as above (at
its commit) and the runs it lists are listed again. The Markdown report is mutate.py's own, with
every run's command listed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import mutate as M  # noqa: E402


def _same_source(commit: str, module: str) -> bool:
    return subprocess.run(["git", "diff", "--quiet", commit, "--", module], cwd=M.ROOT).returncode == 0


def combine(files: list[str]) -> dict:
    runs = [(json.loads(Path(f).read_text()), f) for f in files]
    runs.sort(key=lambda r: r[0]["meta"]["date"])  # stable: argument order breaks ties
    equivalents = M._load_equivalents()
    modules = sorted({m for r, _ in runs for m in r["mutants"]})
    plan, seconds = {}, {}
    for m in modules:
        muts = M.enumerate_mutants(m, (M.ROOT / m).read_text())
        by_key = {M._key(asdict(x)): x for x in muts}
        seconds[m] = 0.0
        for r, f in runs:
            if m not in r["mutants"] or not _same_source(r["meta"]["commit"], m):
                continue
            seconds[m] += r["module_seconds"].get(m, 0.0)
            for old in r["mutants"][m]:
                x = by_key.get(M._key(old))
                if x is None or old["status"] in ("pending", "equivalent"):
                    continue
                if old["reason"].startswith("carried over"):
                    continue  # the run that killed it is in the list (or the kill is not counted)
                if x.status != "killed":
                    x.status, x.reason, x.seconds = old["status"], f"{Path(f).name}", old["seconds"]
        for x in muts:
            eq = M._equivalent(equivalents, x)
            if eq is not None and x.status != "killed":
                x.status, x.reason = "equivalent", eq["reason"]
        plan[m] = muts
    meta = {
        "command": "PYTHONPATH=$PWD python benchmarks/mutation/combine.py " + " ".join(files),
        "date": max(r["meta"]["date"] for r, _ in runs),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=M.ROOT, capture_output=True,
                                 text=True).stdout.strip(),
        "load": [0.0, 0.0, 0.0], "cap": 0, "seed": 9, "jobs": 0,
        # an earlier join given as a run contributes the runs it was made of
        "runs": [run for r, _ in runs for run in r["meta"].get("runs", [r["meta"]])],
    }
    return {"meta": meta, "totals": {m: len(v) for m, v in plan.items()}, "module_seconds": seconds,
            "mutants": {m: [asdict(x) for x in v] for m, v in plan.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+", help="--json results of mutate.py runs")
    ap.add_argument("--json", required=True)
    ap.add_argument("--report", required=True)
    args = ap.parse_args(argv)
    out = combine(args.runs)
    Path(args.json).write_text(json.dumps(out, indent=1))
    plan = {m: [M.Mutant(**{**x, "stmt_lines": tuple(x["stmt_lines"])}) for x in v] for m, v in out["mutants"].items()}
    text = M._markdown(out["meta"], plan, out["totals"], out["module_seconds"], runs=out["meta"]["runs"])
    pending = sum(x.status == "pending" for v in plan.values() for x in v)
    if pending:
        text += f"\n{pending} mutant(s) pending: no run tried them (not counted as killed).\n"
    Path(args.report).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
