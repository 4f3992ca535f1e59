"""``overspec reproduce ss18``: re-run Safran & Shamir (2018)'s table and compare it with the seed.

    overspec reproduce ss18 [--rows 14,14 15,16 ...] [--runs N] [--n-jobs J] [--out DIR]

Writes ``DIR/ss18.json`` (per row: runs, bad, good, undecided, the reproduced rate, its 99.9%
two-sided Clopper–Pearson interval, the 1 − 1e-6 interval the claim check REV.ss18-table uses,
the transcribed rate, the OCR text it was read from and the decision) and ``DIR/ss18.png`` (the
reproduced rate with its 99.9% interval against the transcribed rate, per k, one panel per
column of the table). A progress bar on stderr counts rows and runs left. Seeds are those of the
claim check (row (k, n): 201800 + 100·k + n), so the counts equal the ledger's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

SEED_BASE = 2018_00  # as tests/test_claims_ss18.py
FIGURE_ALPHA = 1e-3  # the figure's intervals: 99.9% two-sided
CHECK_ALPHA = 1e-6  # the claim check's false-alarm probability per row


def _row_arg(text: str) -> tuple[int, int]:
    try:
        k, n = (int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--rows: a row is 'k,n' (e.g. 14,15), got {text!r}") from None
    if k < 1 or n < 1:
        raise argparse.ArgumentTypeError(f"--rows: k and n must be positive, got {text!r}")
    return k, n


def _positive(name: str):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: an integer, got {text!r}") from None
        if v < 1 and not (name == "--n-jobs" and v == -1):
            raise argparse.ArgumentTypeError(f"{name}: must be ≥ 1{' or -1' if name == '--n-jobs' else ''}, got {v}")
        return v

    return parse


def add_parser(subparsers) -> None:
    """Register ``reproduce`` on the ``overspec`` command's subparsers."""
    p = subparsers.add_parser("reproduce", help="re-run a paper's experiment (ss18: Safran & Shamir 2018's table)")
    p.add_argument("experiment", choices=["ss18"], help="which experiment")
    p.add_argument("--rows", nargs="+", type=_row_arg, default=None, metavar="K,N",
                   help="rows to run (default: every row of the seed's table)")
    p.add_argument("--runs", type=_positive("--runs"), default=1000, help="GD runs per row (default 1000, the paper's)")
    p.add_argument("--n-jobs", type=_positive("--n-jobs"), default=-1, help="processes (joblib; -1 = all cores)")
    p.add_argument("--max-iter", type=_positive("--max-iter"), default=400_000, help="iteration cap per run")
    p.add_argument("--out", type=Path, default=Path("ss18-reproduction"), help="output directory")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _interval(b: int, u: int, R: int, alpha: float) -> list[float]:
    from numerics.montecarlo import clopper_pearson_lower, clopper_pearson_upper

    return [clopper_pearson_lower(b, R, alpha / 2), clopper_pearson_upper(b + u, R, alpha / 2)]


def row_report(res) -> dict:
    """The JSON record of one reproduced row (numerics.ss18.ExperimentResult)."""
    from numerics import ss18

    R, b, u = res.runs, res.bad, res.not_converged
    try:
        r = ss18.row(res.k, res.n)
        claimed, ocr, reading = r.rate, r.ocr, r.reading
    except KeyError as exc:
        claimed, ocr, reading = None, None, str(exc)
    check = _interval(b, u, R, CHECK_ALPHA)
    if claimed is None:
        decision = f"not checked ({reading})"
    else:
        decision = "consistent" if check[0] <= claimed <= check[1] else "rejected"
    return {
        "k": res.k, "n": res.n, "runs": R, "bad": b, "good": res.good, "undecided": u,
        "rate": b / R, "interval_99_9": _interval(b, u, R, FIGURE_ALPHA),
        "interval_check": check, "check_false_alarm": CHECK_ALPHA,
        "transcribed_rate": claimed, "ocr": ocr, "reading": reading, "decision": decision,
        "certified_bad": res.certified_bad, "uncertified_bad": res.uncertified_bad,
        "distinct_minima": len(res.minima), "seed": res.seed, "max_iterations": res.max_iterations,
        "minima": [m.summary() for m in res.minima],
    }


def figure(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, (title, off) in zip(axes, (("n = k", 0), ("n = k + 1", 1))):
        sel = sorted((r for r in rows if r["n"] == r["k"] + off), key=lambda r: r["k"])
        if sel:
            ks = [r["k"] for r in sel]
            est = [100 * r["rate"] for r in sel]
            lo = [100 * (r["rate"] - r["interval_99_9"][0]) for r in sel]
            hi = [100 * (r["interval_99_9"][1] - r["rate"]) for r in sel]
            ax.errorbar(ks, est, yerr=[lo, hi], fmt="o", capsize=3, label="reproduced (99.9% CI)")
            tk = [r["k"] for r in sel if r["transcribed_rate"] is not None]
            tv = [100 * r["transcribed_rate"] for r in sel if r["transcribed_rate"] is not None]
            ax.plot(tk, tv, "x", color="C3", markersize=8, label="transcribed (seed's table)")
            for r in sel:
                if r["decision"] == "rejected":
                    ax.annotate("rejected", (r["k"], 100 * r["rate"]), textcoords="offset points", xytext=(4, -12), color="C3")
        ax.set_title(f"Safran–Shamir 2018, {title}")
        ax.set_xlabel("k (teacher neurons)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("% of runs ending at a spurious local minimum")
    axes[0].legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    """Run the experiment named in ``args``; 0 when no transcribed row is rejected, 1 otherwise."""
    from numerics import ss18

    rows = args.rows or [(r.k, r.n) for r in ss18.ROWS]
    total = len(rows) * args.runs
    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="run", file=sys.stderr, desc=f"ss18: {len(rows)} rows left")
    left = [len(rows)]

    def progress(kn, res) -> None:
        left[0] -= 1
        if bar is not None:
            bar.set_description(f"ss18: {left[0]} rows left (done {kn[0]},{kn[1]}: {res.bad}/{res.runs} bad)")
            bar.update(res.runs)

    t0 = time.perf_counter()
    results = ss18.run_table(rows, args.runs, SEED_BASE, n_jobs=args.n_jobs, progress=progress, max_iter=args.max_iter)
    if bar is not None:
        bar.close()
    report = [row_report(r) for r in results]
    args.out.mkdir(parents=True, exist_ok=True)
    out = {"experiment": "ss18", "claim": "REV.ss18-table", "runs_per_row": args.runs, "seed_base": SEED_BASE,
           "max_iter": args.max_iter, "seconds": round(time.perf_counter() - t0, 1), "rows": report}
    jpath, fpath = args.out / "ss18.json", args.out / "ss18.png"
    jpath.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    figure(report, fpath)
    for r in report:
        tr = "—" if r["transcribed_rate"] is None else f"{100 * r['transcribed_rate']:.1f}%"
        lo, hi = r["interval_99_9"]
        print(f"k={r['k']:>2} n={r['n']:>2}  {r['bad']:>4}/{r['runs']} bad = {100 * r['rate']:5.1f}% "
              f"[{100 * lo:5.1f}, {100 * hi:5.1f}]  table {tr:>6}  {r['decision']}")
    print(f"wrote {jpath} and {fpath}")
    return 1 if any(r["decision"] == "rejected" for r in report) else 0
