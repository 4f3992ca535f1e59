"""Monte Carlo engine: exact one-sided binomial bounds, their power, and reproducible trials.

Statistical evidence (the ``statistical`` rung of the ladder in CLAIMS.md) for a claim
"P[event] ≥ bound" (or "≤ bound") observed as k successes in n independent trials:

* **Clopper–Pearson one-sided bounds** at confidence 1 − α (exact, from the beta quantiles):

      lower(k, n) = Beta⁻¹(α; k, n − k + 1)          (0 when k = 0)
      upper(k, n) = Beta⁻¹(1 − α; k + 1, n − k)      (1 when k = n)

  They invert the binomial tails exactly: upper(k) < p  ⟺  P_p[K ≤ k] < α, and
  lower(k) > p  ⟺  P_p[K ≥ k] < α  (K ~ Bin(n, p)).
* **The check** of "p ≥ bound" rejects (raises :class:`overspec.testing.ClaimRejected`) exactly
  when upper(k) < bound; if the claim is true the probability of that false alarm is ≤ α
  (1e-6 by default). Symmetrically "p ≤ bound" is rejected when lower(k) > bound.
* **Power** (:func:`detectable_violation`): the rejection region is {K ≤ k*}; the check detects
  a true p = bound − Δ with probability P_p[K ≤ k*] ≥ 0.99 exactly when
  p ≤ Beta⁻¹(0.01; k* + 1, n − k*). The smallest such Δ is recorded as ``power_gap`` — "the
  smallest true violation this sample size detects with probability ≥ 0.99" (∞ when the
  sample is too small to ever reject).

Trials (:func:`run_trials`) get independent streams from ``SeedSequence(base).spawn(n)``: trial
i always sees the same generator, so results are identical whether they run serially
(``n_jobs=1``), in joblib processes (all cores by default) or on a Dask cluster (``scheduler=``
address, or the environment variable ``OVERSPEC_DASK_SCHEDULER`` that
``overspec verify --dask-scheduler ADDR`` sets).
"""

from __future__ import annotations

import math
import numbers
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

import numpy as np
from scipy import stats

from overspec.testing import ClaimRejected

__all__ = [
    "DASK_SCHEDULER_ENV",
    "BinomialEvidence",
    "clopper_pearson_lower",
    "clopper_pearson_upper",
    "check_probability_at_least",
    "check_probability_at_most",
    "detectable_violation",
    "trial_seeds",
    "run_trials",
]

DASK_SCHEDULER_ENV = "OVERSPEC_DASK_SCHEDULER"

TrialFn = Callable[[np.random.Generator, int], Any]


# --------------------------------------------------------------------------- validation
def _check_counts(k: Any, n: Any) -> tuple[int, int]:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"n: number of trials must be an integer, got {n!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"k: number of successes must be an integer, got {k!r}")
    n, k = int(n), int(k)
    if n < 1:
        raise ValueError(f"n: need at least one trial, got {n}")
    if not 0 <= k <= n:
        raise ValueError(f"k: successes must lie in [0, n={n}], got {k}")
    return k, n


def _real(value: Any, name: str, what: str) -> float:
    """A real number (int, float, Fraction, NumPy or SymPy real; not a bool, a string or a
    complex number) as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: {what} must be a real number, got {value!r}")
    return float(value)


def _check_alpha(alpha: Any, name: str = "alpha") -> float:
    a = _real(alpha, name, "a false-alarm level")
    if not (math.isfinite(a) and 0.0 < a < 0.5):
        raise ValueError(f"{name}: must lie in (0, 0.5), got {alpha!r}")
    return a


def _check_bound(bound: Any) -> float:
    b = _real(bound, "bound", "a probability bound")
    if not (math.isfinite(b) and 0.0 <= b <= 1.0):
        raise ValueError(f"bound: a probability bound must lie in [0, 1], got {bound!r}")
    return b


# --------------------------------------------------------------------------- Clopper–Pearson
def clopper_pearson_lower(k: int, n: int, alpha: float) -> float:
    """One-sided lower confidence bound for p at level 1 − α: Beta⁻¹(α; k, n − k + 1), 0 if k = 0."""
    k, n = _check_counts(k, n)
    alpha = _check_alpha(alpha)
    if k == 0:
        return 0.0
    return float(stats.beta.ppf(alpha, k, n - k + 1))


def clopper_pearson_upper(k: int, n: int, alpha: float) -> float:
    """One-sided upper confidence bound for p at level 1 − α: Beta⁻¹(1 − α; k + 1, n − k), 1 if k = n."""
    k, n = _check_counts(k, n)
    alpha = _check_alpha(alpha)
    if k == n:
        return 1.0
    # isf(α) = ppf(1 − α) without the cancellation in 1 − α for tiny α
    return float(stats.beta.isf(alpha, k + 1, n - k))


# --------------------------------------------------------------------------- evidence
@dataclass(frozen=True)
class BinomialEvidence:
    """What a statistical check saw and how strong it is (recorded in the ledger).

    ``power_gap`` is the smallest Δ such that, were the true probability bound − Δ (for an
    "at least" claim; bound + Δ for "at most"), the check would reject with probability ≥ 0.99.
    """

    successes: int
    trials: int
    estimate: float
    lower: float
    upper: float
    alpha: float
    bound: float
    power_gap: float
    direction: str = "at_least"  # the claim tested: "at_least" (p ≥ bound) or "at_most" (p ≤ bound)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["interval"] = [self.lower, self.upper]
        d["confidence"] = 1.0 - self.alpha
        d["power"] = 0.99
        rel = "≥" if self.direction == "at_least" else "≤"
        d["claimed"] = f"p {rel} {self.bound!r}"
        if math.isfinite(self.power_gap):
            sign = "−" if self.direction == "at_least" else "+"
            d["power_statement"] = (
                f"a true p = bound {sign} {self.power_gap:.4g} is rejected with probability ≥ 0.99 "
                f"at n = {self.trials}"
            )
        else:
            d["power_statement"] = f"n = {self.trials} is too small to ever reject p {rel} {self.bound!r}"
        return d


def _critical_count(n: int, bound: float, alpha: float) -> int:
    """Largest k with upper(k, n) < bound (the check rejects "p ≥ bound" iff K ≤ k*); −1 if none.

    Equivalently the largest k with P_bound[K ≤ k] < α. Found from the binomial quantile and
    then settled with :func:`clopper_pearson_upper` itself, so the power refers to exactly the
    rejection rule the checks apply.
    """
    if bound <= 0.0:
        return -1
    guess = int(stats.binom.ppf(alpha, n, bound)) - 1
    k = min(max(guess, -1), n - 1)
    while k + 1 <= n - 1 and clopper_pearson_upper(k + 1, n, alpha) < bound:
        k += 1
    while k >= 0 and not clopper_pearson_upper(k, n, alpha) < bound:
        k -= 1
    return k


def detectable_violation(
    n: int, bound: float, alpha: float = 1e-6, power: float = 0.99, *, direction: str = "at_least"
) -> float:
    """Smallest true violation Δ that the check of "p ≥ bound" at n trials detects w.p. ≥ ``power``.

    Exact: with k* the critical count (reject iff K ≤ k*), P_p[K ≤ k*] = 1 − I_p(k* + 1, n − k*)
    is decreasing in p, so the check has power ≥ ``power`` iff p ≤ Beta⁻¹(1 − power; k* + 1, n − k*),
    and Δ = bound − that quantile (clipped at 0). ∞ when no count rejects (n too small or
    bound = 0). For ``direction="at_most"`` (claim p ≤ bound, detect p = bound + Δ) the same
    computation runs on the complementary event.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or int(n) < 1:
        raise ValueError(f"n: number of trials must be a positive integer, got {n!r}")
    n = int(n)
    bound = _check_bound(bound)
    alpha = _check_alpha(alpha)
    pw = float(power)
    if not (math.isfinite(pw) and 0.5 < pw < 1.0):
        raise ValueError(f"power: must lie in (0.5, 1), got {power!r}")
    if direction == "at_most":
        return detectable_violation(n, 1.0 - bound, alpha, pw, direction="at_least")
    if direction != "at_least":
        raise ValueError(f"direction: 'at_least' or 'at_most', got {direction!r}")
    k_star = _critical_count(n, bound, alpha)
    if k_star < 0:
        return math.inf
    p_max = float(stats.beta.ppf(1.0 - pw, k_star + 1, n - k_star))
    return max(bound - p_max, 0.0)


def _binomial_evidence(k: int, n: int, bound: float, alpha: float, direction: str) -> BinomialEvidence:
    k, n = _check_counts(k, n)
    bound = _check_bound(bound)
    alpha = _check_alpha(alpha)
    return BinomialEvidence(
        successes=k,
        trials=n,
        estimate=k / n,
        lower=clopper_pearson_lower(k, n, alpha),
        upper=clopper_pearson_upper(k, n, alpha),
        alpha=alpha,
        bound=bound,
        power_gap=detectable_violation(n, bound, alpha, direction=direction),
        direction=direction,
    )


def check_probability_at_least(k: int, n: int, bound: float, alpha: float = 1e-6) -> BinomialEvidence:
    """Test the claim P[event] ≥ bound from k successes in n trials; ClaimRejected if upper < bound."""
    ev = _binomial_evidence(k, n, bound, alpha, "at_least")
    if ev.upper < ev.bound:
        raise ClaimRejected(
            f"claimed P ≥ {ev.bound:.6g}, but {ev.successes}/{ev.trials} successes (estimate "
            f"{ev.estimate:.6g}) give the one-sided Clopper–Pearson upper bound {ev.upper:.6g} < "
            f"{ev.bound:.6g} at false-alarm probability {ev.alpha:g}",
            witness=ev.as_dict(),
        )
    return ev


def check_probability_at_most(k: int, n: int, bound: float, alpha: float = 1e-6) -> BinomialEvidence:
    """Test the claim P[event] ≤ bound from k successes in n trials; ClaimRejected if lower > bound."""
    ev = _binomial_evidence(k, n, bound, alpha, "at_most")
    if ev.lower > ev.bound:
        raise ClaimRejected(
            f"claimed P ≤ {ev.bound:.6g}, but {ev.successes}/{ev.trials} successes (estimate "
            f"{ev.estimate:.6g}) give the one-sided Clopper–Pearson lower bound {ev.lower:.6g} > "
            f"{ev.bound:.6g} at false-alarm probability {ev.alpha:g}",
            witness=ev.as_dict(),
        )
    return ev


# --------------------------------------------------------------------------- trials
def trial_seeds(base_seed: int, n_trials: int) -> list[np.random.SeedSequence]:
    """Independent per-trial seeds: ``SeedSequence(base_seed).spawn(n_trials)`` (trial i ↦ child i)."""
    if isinstance(base_seed, bool) or not isinstance(base_seed, (int, np.integer)) or base_seed < 0:
        raise ValueError(f"base_seed: must be a non-negative integer, got {base_seed!r}")
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 0:
        raise ValueError(f"n_trials: must be a non-negative integer, got {n_trials!r}")
    return np.random.SeedSequence(int(base_seed)).spawn(int(n_trials))


def _run_chunk(trial_fn: TrialFn, indices: Sequence[int], seeds: Sequence[np.random.SeedSequence]) -> list:
    """Run trials ``indices`` (seed i for trial i) in order; the unit of work shipped to a worker."""
    return [trial_fn(np.random.default_rng(s), int(i)) for i, s in zip(indices, seeds)]


def _chunks(n_trials: int, chunk: int) -> list[range]:
    return [range(a, min(a + chunk, n_trials)) for a in range(0, n_trials, chunk)]


class _Progress:
    """Progress lines on stderr ("label: done/total trials"), at most ~20 lines per sweep."""

    def __init__(self, total: int, enabled: bool, label: str = "run_trials") -> None:
        self.total, self.enabled, self.label = total, enabled, label
        self.done = 0
        self.step = max(1, total // 20)
        self.next = self.step

    def advance(self, k: int) -> None:
        if not self.enabled:
            return
        self.done += k
        if self.done >= self.next or self.done == self.total:
            print(f"{self.label}: {self.done}/{self.total} trials", file=sys.stderr, flush=True)
            while self.next <= self.done:
                self.next += self.step


def run_trials(
    trial_fn: TrialFn,
    n_trials: int,
    base_seed: int,
    *,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    chunk: int | None = None,
    progress: bool = False,
) -> list:
    """Run ``trial_fn(rng, i)`` for i = 0..n_trials−1 with ``rng = default_rng(trial_seeds(base)[i])``.

    Returns the results in index order; they are identical whichever executor runs them:

    * a Dask cluster when ``scheduler`` (or ``$OVERSPEC_DASK_SCHEDULER``) is an address (or a
      ``distributed.Client`` is passed as ``scheduler``);
    * serially in this process when ``n_jobs == 1``;
    * otherwise joblib worker processes (``n_jobs=None`` → all cores).

    ``trial_fn`` must be picklable (a module-level function or a ``functools.partial`` of one)
    and its result picklable. ``chunk`` trials are shipped per task (default: about four tasks
    per worker). ``progress=True`` prints progress lines on stderr.
    """
    if not callable(trial_fn):
        raise ValueError(f"trial_fn: must be callable, got {trial_fn!r}")
    seeds = trial_seeds(base_seed, n_trials)
    n_trials = len(seeds)
    if n_trials == 0:
        return []
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1):
        raise ValueError(f"n_jobs: a positive integer, -1 or None (all cores), got {n_jobs!r}")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        raise ValueError(f"chunk: a positive integer, got {chunk!r}")
    if scheduler is None:
        scheduler = os.environ.get(DASK_SCHEDULER_ENV) or None
    prog = _Progress(n_trials, progress)

    if scheduler is not None:
        return _run_dask(trial_fn, seeds, scheduler, chunk, prog)

    workers = (os.cpu_count() or 1) if n_jobs in (None, -1) else n_jobs
    if workers == 1 or n_trials == 1:
        out: list = []
        for r in _chunks(n_trials, chunk or max(1, n_trials // 20)):
            out.extend(_run_chunk(trial_fn, r, seeds[r.start : r.stop]))
            prog.advance(len(r))
        return out

    from joblib import Parallel, delayed

    size = chunk or max(1, math.ceil(n_trials / (4 * workers)))
    parts = _chunks(n_trials, size)
    out = []
    parallel = Parallel(n_jobs=workers, backend="loky", return_as="generator")
    for r, res in zip(parts, parallel(delayed(_run_chunk)(trial_fn, r, seeds[r.start : r.stop]) for r in parts)):
        out.extend(res)
        prog.advance(len(r))
    return out


def _run_dask(
    trial_fn: TrialFn,
    seeds: list[np.random.SeedSequence],
    scheduler: Any,
    chunk: int | None,
    prog: _Progress,
) -> list:
    """The Dask executor: chunks mapped on the cluster, gathered back in index order."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
        raise RuntimeError("scheduler: a Dask scheduler was given but dask.distributed is not installed") from exc

    own = not isinstance(scheduler, Client)
    client = Client(scheduler, set_as_default=False) if own else scheduler
    try:
        n_trials = len(seeds)
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        size = chunk or max(1, math.ceil(n_trials / (4 * workers)))
        parts = _chunks(n_trials, size)
        futures = [
            client.submit(_run_chunk, trial_fn, r, seeds[r.start : r.stop], pure=False) for r in parts
        ]
        out: list = []
        for r, fut in zip(parts, futures):
            res = fut.result()
            if len(res) != len(r):
                raise RuntimeError(f"scheduler: a Dask task returned {len(res)} results for {len(r)} trials")
            out.extend(res)
            prog.advance(len(r))
        return out
    finally:
        if own:
            client.close()
