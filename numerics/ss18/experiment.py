"""Rows of the Safran–Shamir table: R independent GD runs per (k, n), serially, in joblib
processes or on a Dask cluster, with the same counts either way (REV.ss18-table).

A row's runs are split into interleaved chunks of the same initial weights (drawn once from
``default_rng(seed)``; chunk p of P takes the runs p, p + P, …), each chunk runs
:func:`~numerics.ss18.dynamics.gradient_descent` with its own
:class:`~numerics.ss18.certificate.Certifier`, and the results are put back in run order.
After GD, every bad run that ended by the gradient rule, and every run at the iteration cap, is
offered to the certifier once more (so every bad end point carries a proof, and a capped run
in a proved basin is decided rather than left undecided). An end that lies outside every accept
ball although a minimum at its loss level is proved — at small λ_min the accept radius (∝ λ/β)
is smaller than the distance ‖∇F‖/λ at which the gradient rule stops a run — is *followed*: the
same GD, same step, continued until it enters the ball (:func:`_follow`, the undecided ends of a
chunk together; counted in the stats). The proved minima of all chunks are merged up to the
symmetries of F: two are the same when the aligned centre of one, plus its location radius,
lies inside the other's ball (then both are the unique critical point there).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from numerics.ss18 import certificate as cert
from numerics.ss18.dynamics import (
    CERTIFIED_BAD, CONVERGED, GOOD_EARLY, NOT_CONVERGED, GDResult, check_positive_int, check_positive_real,
    check_seed, gradient_descent, initial_weights,
)
from numerics.ss18.gd_lanes import LANES
from numerics.ss18.objective import teacher

__all__ = ["ExperimentResult", "run_experiment", "run_table", "distinct_points", "check_n_jobs"]


def check_n_jobs(n_jobs) -> int:
    """joblib's convention: a positive count, or −1 for all cores; returns the worker count."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs: a positive integer or -1 (all cores), got {n_jobs!r}")
    return (os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)


@dataclass
class ExperimentResult:
    """One (k, n) row of the table: how the runs ended."""

    k: int
    n: int
    runs: int
    seed: int
    bad: int  # converged (gradient rule) with F ≥ bad_loss, or certified bad
    good: int  # converged with F < bad_loss, or reached F < bad_loss early
    not_converged: int  # undecided: excluded from the estimate, widening the interval (reported)
    decided: int  # bad + good
    restarts: int
    loss_increases: int  # iterations with F rising beyond rounding, over all runs
    loss_increases_good_early: int  # … over the runs classified good early (must be 0)
    max_iterations: int
    certified_bad: int = 0  # bad runs decided by the certificate (early or after the cap)
    uncertified_bad: int = 0  # bad runs whose end point no minimum proof covers
    # … of which the end point provably has negative curvature (uᵀ∇²F u < 0 in ball arithmetic):
    # the gradient rule stopped the run near a saddle, which the protocol counts as bad
    saddle_bad: int = 0
    bad_losses: list[float] = field(default_factory=list)
    minima: list = field(default_factory=list)  # distinct proved minima (CertifiedMinimum), one per orbit
    orbit_counts: list[int] = field(default_factory=list)  # bad runs ending at each of them
    certifier_stats: dict = field(default_factory=dict)
    gd: GDResult | None = None
    _all_minima: list = field(default_factory=list, repr=False)

    def minima_by_index(self, j: int):
        """The proved minimum with index j in ``gd.minimum``."""
        return self._all_minima[j]

    @property
    def rate(self) -> float:
        return self.bad / self.decided if self.decided else float("nan")

    def summary(self) -> dict:
        return {
            "k": self.k, "n": self.n, "runs": self.runs, "seed": self.seed, "bad": self.bad,
            "good": self.good, "not_converged": self.not_converged, "decided": self.decided,
            "rate": self.rate, "restarts": self.restarts, "loss_increases": self.loss_increases,
            "loss_increases_good_early": self.loss_increases_good_early,
            "max_iterations": self.max_iterations, "certified_bad": self.certified_bad,
            "uncertified_bad": self.uncertified_bad, "saddle_bad": self.saddle_bad,
            "distinct_bad_losses": sorted({round(x, 9) for x in self.bad_losses}),
            "distinct_minima": len(self.minima), "orbit_counts": self.orbit_counts,
        }


def _same(m1: cert.CertifiedMinimum, m2: cert.CertifiedMinimum, perm: bool) -> bool:
    """Proved: the minimum of m2 is that of m1 up to a symmetry (aligned centre of m2 plus its
    location radius inside m1's ball ⇒ both are the unique critical point of that ball)."""
    if m1.W.shape != m2.W.shape or abs(m1.loss - m2.loss) > 1e-6 * max(1.0, abs(m1.loss)):
        return False
    A = cert.align(m2.W, m1.W, perm)
    return cert.distance_below(A, m1.W, m1.radius - m2.location_radius)


def _chunk(k: int, n: int, runs: int, seed: int, first: int, stride: int, kw: dict, certify: bool):
    """GD for the runs first, first + stride, … of the row, then the post-GD certification pass."""
    V = teacher(k)
    W0 = initial_weights(runs, n, k, seed)[first::stride]
    ctf = cert.Certifier(V) if certify else None
    res = gradient_descent(W0, V, certifier=ctf, **kw)
    if ctf is None:
        return res, [], {}
    bad_loss = kw["bad_loss"]
    finite = np.all(np.isfinite(res.W), axis=(1, 2)) & np.isfinite(res.loss)
    bad_end = (res.status == CONVERGED) & (res.loss >= bad_loss)
    ends = np.flatnonzero((bad_end | (res.status == NOT_CONVERGED)) & finite)
    # a proof from each end's polish unless one exists at its level; the ends still undecided
    # are followed into a proved ball (together: in the vector lanes); a new proof at the end
    # regardless (another minimum at the same level) last
    decided = {i: ctf.decide(res.W[i], float(res.loss[i]), float(res.step[i]), create=True) for i in ends}
    pending = [i for i in ends if decided[i] is None]
    budgets = [kw["max_iter"] * (FOLLOW_FACTOR if res.status[i] == CONVERGED else 1) for i in pending]
    for i, m in zip(pending, _follow(res.W[pending], V, res.step[pending], res.loss[pending], ctf, bad_loss, budgets)):
        decided[i] = m if m is not None else ctf.decide(res.W[i], float(res.loss[i]), float(res.step[i]),
                                                        create=True, force=True)
    for i in ends:
        m = decided[i]
        if m is not None and ctf.minima[m].F_enclosure[0] >= bad_loss:
            res.minimum[i] = m
            if res.status[i] == NOT_CONVERGED:
                res.status[i] = CERTIFIED_BAD
        elif res.status[i] == CONVERGED:  # a bad end without a proof: is it a saddle?
            nc = cert.negative_curvature(res.W[i], V)
            ctf.stats.setdefault("unproved_bad_ends", []).append(
                {"run": int(first + stride * i), "loss": float(res.loss[i]),
                 "grad_max": float(res.grad_max[i]), "iterations": int(res.iterations[i]), **nc})
    return res, ctf.minima, ctf.stats


# a followed run is offered to the certifier every time ‖∇F‖ halves (O(log) offers); its
# gradient rule is off (FOLLOW_TOL is below the rounding floor of ‖∇F‖ ≈ 1e-17), so it stops
# only when it enters an accept ball, reaches F < bad_loss, or exhausts its budget
FOLLOW_TOL = 1e-300
# budget of a followed bad end, in units of the row's max_iter: near a minimum with λ_min ≈ 3.8e-5
# (row (17, 18), F ≈ 0.019157) GD contracts by 1 − ηλ ≈ 1 − 3.8e-6 per step, and the end
# (‖x − x*‖ ≈ 2.7e-5) reaches the accept ball (5.7e-8) after ≈ 1.6e6 steps = 4 × 400,000;
# a run at the cap is followed for max_iter more steps only (it has not met the gradient rule)
FOLLOW_FACTOR = 8


def _follow(Y, V, steps, F, ctf: cert.Certifier, bad_loss: float, budgets) -> list[int | None]:
    """GD continued from run ends Y (E, n, d) (each with its step, same float iteration) until
    each enters the accept ball of a proved minimum; per end, the index of that minimum or None.

    Used when the gradient rule stopped a bad run (or the cap a run) outside every accept ball
    although a minimum at its loss level is proved: at small λ the accept radius ρ − 2ε/λ
    (ρ ∝ λ/β) is below the distance ‖∇F‖/λ at which max_i ‖∇_{w_i}F‖ ≤ tol stops the run, so the
    end is only decided by following the run further. Only ends within Certifier.LEVEL_TOL of a
    proved loss level are followed (any other would have no ball to enter), end e for at most
    ``budgets[e]`` more iterations. Ends with the same step and budget are followed in one
    batch (no minimum is proved meanwhile, so each end's fate is its own). Counted in the stats
    (``followed``, ``followed_iterations``, ``followed_undecided``, ``followed_escaped``: reached
    F < bad_loss)."""
    out: list[int | None] = [None] * len(Y)
    groups: dict = {}
    for e in range(len(Y)):
        if any(abs(float(F[e]) - m.loss) <= ctf.LEVEL_TOL for m in ctf.minima):
            groups.setdefault((float(steps[e]), int(budgets[e])), []).append(e)
    st = ctf.stats
    for (step, budget), idx in groups.items():
        g = gradient_descent(np.asarray(Y)[idx], V, step=step, tol=FOLLOW_TOL, max_iter=budget,
                             bad_loss=bad_loss, max_restarts=0, certifier=ctf, screen_grad=math.inf,
                             create_grad=0.0)
        for q, e in enumerate(idx):
            st["followed"] = st.get("followed", 0) + 1
            st["followed_iterations"] = st.get("followed_iterations", 0) + int(g.iterations[q])
            if g.status[q] == CERTIFIED_BAD:
                out[e] = int(g.minimum[q])
                continue
            key = "followed_escaped" if g.status[q] == GOOD_EARLY else "followed_undecided"
            st[key] = st.get(key, 0) + 1
    return out


def _concat(parts: list[GDResult]) -> GDResult:
    return GDResult(*[np.concatenate([getattr(p, f) for p in parts]) for f in GDResult.__dataclass_fields__])


def run_experiment(
    k: int,
    n: int,
    runs: int,
    seed: int,
    *,
    max_iter: int = 100_000,
    tol: float = 1e-9,
    bad_loss: float = 1e-3,
    step: float = 0.1,
    n_jobs: int = 1,
    scheduler=None,
    certify: bool = True,
    lanes: int = LANES,
) -> ExperimentResult:
    """``runs`` GD runs for teacher v_j = e_j (d = k) and student width n; classify the ends.

    ``n_jobs``: joblib processes (−1 = all cores; 1 = this process); ``scheduler``: a Dask
    ``distributed.Client`` or scheduler address (then ``n_jobs`` chunks are submitted there).
    ``certify``: the certified early decision and the proof of every bad end point (module
    docstrings); without it bad runs run to the gradient rule and carry no proof.
    ``lanes``: runs evaluated together in the vector lanes (:mod:`numerics.ss18.gd_lanes`; 0 =
    one run at a time): the same trajectories bit for bit, so the same counts.
    """
    k = check_positive_int("k", k)
    n = check_positive_int("n", n)
    runs = check_positive_int("runs", runs)
    seed = check_seed(seed)
    kw = dict(max_iter=check_positive_int("max_iter", max_iter), tol=check_positive_real("tol", tol),
              bad_loss=check_positive_real("bad_loss", bad_loss), step=check_positive_real("step", step),
              lanes=check_positive_int("lanes", lanes, minimum=0))
    workers = check_n_jobs(n_jobs)
    parts = min(workers, runs)
    # chunk p takes the runs p, p + parts, …: slow runs are spread evenly over the processes
    args = [(k, n, runs, seed, p, parts, kw, certify) for p in range(parts)]
    if scheduler is not None:
        out = _on_dask(scheduler, args)
    elif parts == 1:
        out = [_chunk(*a) for a in args]
    else:
        from joblib import Parallel, delayed

        out = Parallel(n_jobs=parts, backend="loky")(delayed(_chunk)(*a) for a in args)
    return _assemble(k, n, runs, seed, kw["bad_loss"], out)


def _on_dask(scheduler, args: list) -> list:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise RuntimeError("scheduler: a Dask scheduler was given but distributed is not installed") from exc
    own = not isinstance(scheduler, Client)
    client = Client(scheduler, set_as_default=False) if own else scheduler
    try:
        futures = [client.submit(_chunk, *a, pure=False) for a in args]
        return [f.result() for f in futures]
    finally:
        if own:
            client.close()


def _assemble(k: int, n: int, runs: int, seed: int, bad_loss: float, out: list) -> ExperimentResult:
    res = _concat([o[0] for o in out])
    perm = cert.is_identity_teacher(teacher(k))
    minima: list = []
    remap = []
    stats: dict = {}
    for part_res, part_minima, part_stats in out:
        local = []
        for m in part_minima:
            j = next((j for j, m0 in enumerate(minima) if _same(m0, m, perm)), None)
            if j is None:
                minima.append(m)
                j = len(minima) - 1
            local.append(j)
        remap.append(local)
        for key, val in part_stats.items():
            stats[key] = stats.get(key, 0 if not isinstance(val, list) else []) + val
    offs = np.cumsum([0] + [len(o[0].status) for o in out])
    for p, local in enumerate(remap):
        seg = slice(offs[p], offs[p + 1])
        mm = res.minimum[seg]
        res.minimum[seg] = np.where(mm >= 0, np.array(local + [-1])[mm], -1)
    run_of_row = np.concatenate([np.arange(p, runs, len(out)) for p in range(len(out))])
    back = np.argsort(run_of_row)  # rows of the concatenated chunks → run order
    res = GDResult(*[getattr(res, f)[back] for f in GDResult.__dataclass_fields__])
    conv = res.status == CONVERGED
    bad_mask = (conv & (res.loss >= bad_loss)) | (res.status == CERTIFIED_BAD)
    good = int(np.sum(conv & (res.loss < bad_loss)) + np.sum(res.status == GOOD_EARLY))
    bad = int(bad_mask.sum())
    counts = [int(np.sum(bad_mask & (res.minimum == j))) for j in range(len(minima))]
    used = [j for j in range(len(minima)) if counts[j] > 0]
    return ExperimentResult(
        k=k, n=n, runs=runs, seed=seed, bad=bad, good=good,
        not_converged=int(np.sum(res.status == NOT_CONVERGED)), decided=bad + good,
        restarts=int(res.restarts.sum()), loss_increases=int(res.loss_increases.sum()),
        loss_increases_good_early=int(res.loss_increases[res.status == GOOD_EARLY].sum()),
        max_iterations=int(res.iterations.max()),
        certified_bad=int(np.sum(bad_mask & (res.minimum >= 0))),
        uncertified_bad=int(np.sum(bad_mask & (res.minimum < 0))),
        bad_losses=[float(x) for x in res.loss[bad_mask]],
        minima=[minima[j] for j in used], orbit_counts=[counts[j] for j in used],
        saddle_bad=sum(1 for e in stats.get("unproved_bad_ends", []) if e["proved"]),
        certifier_stats=stats, gd=res, _all_minima=minima,
    )


def run_table(rows, runs: int, seed_base: int, *, n_jobs: int = 1, progress=None, **kw) -> list[ExperimentResult]:
    """Several rows (k, n) (seed of a row: ``seed_base + 100·k + n``), one process per row at a
    time (−1 = all cores); results in the order of ``rows``. ``progress(done_row, result)`` is
    called as rows finish (in order)."""
    rows = [(check_positive_int("k", k), check_positive_int("n", n)) for k, n in rows]
    workers = check_n_jobs(n_jobs)
    args = [(k, n, runs, seed_base + 100 * k + n) for k, n in rows]
    if workers == 1 or len(rows) == 1:
        out = []
        for a in args:
            out.append(run_experiment(*a, **kw))
            if progress:
                progress(a[:2], out[-1])
        return out
    from joblib import Parallel, delayed

    # big rows first (longest-processing-time order), results put back in the caller's order
    order = sorted(range(len(args)), key=lambda i: -(args[i][0] * args[i][1]))
    par = Parallel(n_jobs=workers, backend="loky", return_as="generator")
    results: dict = {}
    for i, r in zip(order, par(delayed(run_experiment)(*args[i], **kw) for i in order)):
        results[i] = r
        if progress:
            progress(args[i][:2], r)
    return [results[i] for i in range(len(args))]


def distinct_points(losses, rel_tol: float = 1e-6) -> list[int]:
    """Indices of the first occurrence of each distinct loss value (relative tolerance ``rel_tol``)."""
    L = np.asarray(losses, dtype=float)
    chosen: list[int] = []
    for i in np.argsort(L, kind="stable"):
        if all(abs(L[i] - L[j]) > rel_tol * max(abs(L[j]), 1e-300) for j in chosen):
            chosen.append(int(i))
    return sorted(chosen)
