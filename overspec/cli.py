"""The ``overspec`` command: ``verify`` (run the claim checks, write the ledger), ``docs``, ``list``.

Exit status of ``verify``: 0 when no claim is refuted and no check errored, 1 otherwise, 2 for
bad use (unknown claim ID or profile: a one-line error, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from overspec.profiles import PROFILES, UnknownProfileError, get_profile
from overspec.registry import registry


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
    v.add_argument("--out", type=Path, default=None, help="ledger directory (default: <checkout>/ledger)")
    v.add_argument("--dask-scheduler", default=None, metavar="ADDR", help="run Monte Carlo trials on this Dask cluster")
    v.add_argument("--quiet", action="store_true", help="no progress lines")
    sub.add_parser("docs", help="regenerate docs/ and README's claims table from the registry")
    sub.add_parser("list", help="list the claims of the registry")
    from overspec import reproduce  # `overspec reproduce ss18` (REV.ss18-table)
    reproduce.add_parser(sub)
    return p


def _verify(args: argparse.Namespace) -> int:
    from overspec import docs
    from overspec.ledger import build_ledger, exit_status, write_ledger
    from overspec.runner import environment, repo_root, run_checks

    profile = get_profile(args.profile)
    claims = registry()
    for cid in args.claim:
        if cid not in claims:
            raise UsageError(f"unknown claim ID {cid!r} (see `overspec list`)")
    root = repo_root()
    out = args.out or root / "ledger"
    results, code, collect_errors, seconds = run_checks(
        root, profile, args.claim, out / "figures", args.dask_scheduler, quiet=args.quiet
    )
    if collect_errors or code in (2, 3, 4):
        for err in collect_errors:
            print(err, file=sys.stderr)
        print(f"overspec: the checks could not be collected or run (pytest exit {code})", file=sys.stderr)
        return 1
    env = environment(root, profile)
    ledger = build_ledger(claims, results, env, selection=args.claim or None)
    ledger["environment"]["total_duration_s"] = round(seconds, 1)
    jpath, mpath = write_ledger(ledger, out)
    width = max(len(c) for c in claims)
    print(f"\n{'claim':<{width}}  verdict    evidence")
    for e in ledger["claims"]:
        print(f"{e['id']:<{width}}  {e['verdict']:<9}  {', '.join(e['evidence_kinds']) or '-'}")
    print("\n" + ", ".join(f"{v}: {n}" for v, n in ledger["summary"].items() if n) + f"  ({seconds:.0f} s)")
    print(f"wrote {jpath} and {mpath}")
    if not args.claim and args.out is None:
        docs.write_all(root)  # README's verdict table follows the ledger just written
    for e in ledger["claims"]:
        if e["verdict"] in ("refuted", "error"):
            print(f"{e['id']}: {e['verdict']}: {e['reason']}", file=sys.stderr)
    return exit_status(ledger)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "verify":
            return _verify(args)
        if args.command == "docs":
            from overspec import docs
            from overspec.runner import repo_root

            for path in docs.write_all(repo_root()):
                print(f"wrote {path}")
            return 0
        if args.command == "reproduce":
            from overspec import reproduce
            return reproduce.run(args)
        if args.command == "list":
            for cid, c in registry().items():
                print(f"{cid:<28} {c.kind:<12} {c.title}")
            return 0
    except BrokenPipeError:  # `overspec list | head`
        return 0
    except (UsageError, UnknownProfileError) as exc:
        print(f"overspec: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the command reports, the ledger keeps details
        from overspec.runner import CheckoutNotFound

        if isinstance(exc, CheckoutNotFound):
            print(f"overspec: error: {exc}", file=sys.stderr)
            return 2
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
