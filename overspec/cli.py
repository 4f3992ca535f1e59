"""The ``overspec`` command: ``verify`` (run the claim checks, write the ledger), ``docs``, ``list``,
``compare`` (the verdicts of two ledgers).

Every command works on the project of the current folder (``[tool.overspec]`` in its
pyproject.toml; see :mod:`overspec.project`) and changes only what it says: ``verify`` writes
the ledger alone (``--out`` elsewhere; ``--claim`` replaces those claims' entries in the
existing ledger and keeps the rest; a rerun that reproduces the ledger leaves it untouched),
``docs`` writes docs/ and README's table alone.

Exit status of ``verify``: 0 when no claim is refuted and no check errored, 1 otherwise, 2 for
bad use (unknown claim ID or profile, an unreachable Dask scheduler: a one-line error, never a
traceback).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from overspec.profiles import PROFILES, UnknownProfileError, get_profile
from overspec.project import ProjectError, find_project
from overspec.registry import RegistryError, registry
from overspec.runner import DASK_ENV


class UsageError(Exception):
    """Bad use of the command: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + error
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="overspec", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    v = sub.add_parser("verify", help="run every claim check and write the ledger")
    v.add_argument("--profile", default=None, help=f"one of {', '.join(PROFILES)} (default: $OVERSPEC_PROFILE or ci)")
    v.add_argument("--claim", action="append", default=[], metavar="ID", help="run only this claim (repeatable)")
    v.add_argument("--out", type=Path, default=None, help="ledger directory (default: the project's ledger/)")
    v.add_argument("--dask-scheduler", default=None, metavar="ADDR",
                   help=f"run Monte Carlo trials on this Dask cluster (default: ${DASK_ENV})")
    v.add_argument("--jobs", type=_positive_int, default=1, metavar="N", help="run the checks in N pytest-xdist workers")
    v.add_argument("--quiet", action="store_true", help="no progress lines")
    sub.add_parser("docs", help="regenerate docs/ and README's claims table from the registry")
    sub.add_parser("list", help="list the claims of the registry")
    c = sub.add_parser("compare", help="exit 1 when two ledgers' verdicts differ (per claim ID)")
    c.add_argument("expected", type=Path, help="ledger.json (or its folder) to compare against")
    c.add_argument("actual", type=Path, help="ledger.json (or its folder) of the new run")
    from overspec import reproduce  # `overspec reproduce ss18` (REV.ss18-table)
    reproduce.add_parser(sub)
    return p


DASK_CONNECT_TIMEOUT = "10s"  # a reachable scheduler answers in milliseconds


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"a positive integer, got {text!r}")
    return n


def _check_dask(address: str) -> dict:
    """Connect to the scheduler before any check runs: its address and workers, or a UsageError."""
    try:
        from distributed import Client

        client = Client(address, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the same one-line error
        why = (str(exc).splitlines() or [""])[0] or type(exc).__name__
        raise UsageError(f"--dask-scheduler {address}: cannot connect ({why})") from None
    try:
        workers = client.scheduler_info().get("workers", {})
    finally:
        client.close()
    if not workers:
        raise UsageError(f"--dask-scheduler {address}: the scheduler has no workers")
    threads = sum(int(w.get("nthreads", 0)) for w in workers.values())
    return {"scheduler": address, "workers": len(workers), "threads": threads}


def _install_figures(staged: Path, target: Path, claim_ids: list[str]) -> None:
    """Replace the figures of the claims run (all when ``claim_ids`` is empty) by the staged ones."""
    target.mkdir(parents=True, exist_ok=True)
    old = target.glob("*.png") if not claim_ids else (p for cid in claim_ids for p in target.glob(f"{cid}__*.png"))
    for path in list(old):
        path.unlink()
    for path in sorted(staged.glob("*.png")):
        shutil.move(str(path), target / path.name)


def _verify(args: argparse.Namespace) -> int:
    from overspec.ledger import build_ledger, exit_status, load_ledger, merge_ledger, same_results, write_ledger
    from overspec.runner import environment, run_checks

    profile = get_profile(args.profile)
    project = find_project()
    root = project.require_root()
    claims = registry(project)
    for cid in args.claim:
        if cid not in claims:
            raise UsageError(f"unknown claim ID {cid!r} (see `overspec list`)")
    if profile.name == "dev" and args.out is None:
        raise UsageError(f"profile dev is not for ledgers: give --out DIR (it would overwrite {project.ledger_dir})")
    dask_address = args.dask_scheduler or os.environ.get(DASK_ENV) or None
    dask = _check_dask(dask_address) if dask_address else None
    out = args.out or project.ledger_dir
    env = environment(root, profile, dask=dask, jobs=args.jobs)  # before the run: git_dirty of the checkout as it was
    with tempfile.TemporaryDirectory(prefix="overspec-figures-") as staged:
        results, code, collect_errors, seconds = run_checks(
            project, profile, args.claim, Path(staged), dask_address, quiet=args.quiet, jobs=args.jobs
        )
        if collect_errors or code in (2, 3, 4):
            for err in collect_errors:
                print(err, file=sys.stderr)
            print(f"overspec: the checks could not be collected or run (pytest exit {code})", file=sys.stderr)
            return 1
        env["total_duration_s"] = round(seconds, 1)
        ledger = build_ledger(claims, results, env, selection=args.claim or None)
        base = load_ledger(out)
        if args.claim:
            ledger = merge_ledger(base, ledger, claims)
        width = max(len(c) for c in claims)
        print(f"\n{'claim':<{width}}  verdict    evidence")
        for e in ledger["claims"]:
            if not args.claim or e["id"] in args.claim:
                print(f"{e['id']:<{width}}  {e['verdict']:<9}  {', '.join(e['evidence_kinds']) or '-'}")
        print("\n" + ", ".join(f"{v}: {n}" for v, n in ledger["summary"].items() if n) + f"  ({seconds:.0f} s)")
        if same_results(base, ledger):
            print(f"{out / 'ledger.json'}: reproduced (same verdicts and evidence), left unchanged")
        else:
            jpath, mpath = write_ledger(ledger, out)
            _install_figures(Path(staged), out / "figures", args.claim)
            rerun = f" (re-ran {', '.join(args.claim)}; other entries kept)" if args.claim and base else ""
            print(f"wrote {jpath} and {mpath}{rerun}")
    for e in ledger["claims"]:
        if e["verdict"] in ("refuted", "error") and (not args.claim or e["id"] in args.claim):
            print(f"{e['id']}: {e['verdict']}: {e['reason']}", file=sys.stderr)
    return exit_status(ledger)


def _compare(args: argparse.Namespace) -> int:
    from overspec.ledger import load_ledger, verdict_differences

    ledgers = []
    for path in (args.expected, args.actual):
        ledger = load_ledger(path)
        if ledger is None:
            raise UsageError(f"no ledger at {path}")
        ledgers.append(ledger)
    diff = verdict_differences(*ledgers)
    for line in diff:
        print(line, file=sys.stderr)
    print(f"{len(ledgers[1]['claims'])} claims: " + (f"{len(diff)} verdict(s) differ" if diff else "same verdicts"))
    return int(bool(diff))


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "verify":
            return _verify(args)
        if args.command == "docs":
            from overspec import docs

            for path in docs.write_all(find_project()):
                print(f"wrote {path}")
            return 0
        if args.command == "reproduce":
            from overspec import reproduce
            return reproduce.run(args)
        if args.command == "list":
            for cid, c in registry(find_project()).items():
                print(f"{cid:<28} {c.kind:<12} {c.title}")
            return 0
        if args.command == "compare":
            return _compare(args)
    except BrokenPipeError:  # `overspec list | head`
        return 0
    except (UsageError, UnknownProfileError, ProjectError, RegistryError) as exc:
        print(f"overspec: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
