"""SS16.Thm3 (statistical part) — realizable low-rank data, width c⌈n/p_ε⌉: P[Bas ≤ ε] ≥ 1 − e^{−cn/4}.

How Bas ≤ ε is decided. The widths are in the hundreds to thousands, so instead of solving the
basin program at full width each trial builds the point of the key step
(numerics.basin_probability.thm3_key_step): one neuron per target neuron, rescaled by a positive
factor (its signs on the data unchanged) and given the target's output weight (same sign), all
other neurons with output weight 0 (the boundary of their sign condition). That point lies in
the closure of the initialization's basin, so its *computed* loss is an upper bound on Bas (this
is Lemma 2 — Bas(net) ≤ Bas(sub-network of the chosen neurons) — made explicit). A trial counts
as a success only when that loss is ≤ ε: the success count can only under-count {Bas ≤ ε}, which
keeps the check of the lower bound sound. The engine cross-check below confirms on small
instances that the full-width Bas, the sub-network's Bas and the key-step loss are ordered as
claimed.

The count is bracketed from above by {bas_lower_bound ≤ ε} (a point with no active neuron of the
right output sign costs at least y_t²/m anywhere in the basin); the negative control uses that
upper bracket, so its rejection is sound too.
"""

from __future__ import annotations

from functools import partial

import math
import numpy as np
import pytest
import sympy as sp

from numerics.basins import basin_value_at
from numerics.basins.probability import bas_lower_bound, probability_figure, thm3_block_trial, thm3_key_step
from numerics.datasets import check_realizable, realizable_lowrank_data
from numerics.init_laws import GaussianLaw, init_two_layer
from numerics.montecarlo import check_probability_at_least, run_trials
from overspec.testing import ClaimRejected
from theory.bounds import bound_thm3
from theory.cap import p_epsilon, theorem3_width

ALPHA = 1e-6
SEED = 3333
DATA_SEED = 300
B = 1
# (n target neurons, rank r, t = √ε/(nB)); ε = t²n²B² (exact rational)
CONFIGS = ((1, 2, "1/5"), (2, 2, "3/20"), (1, 3, "3/20"), (2, 3, "1/10"), (1, 4, "1/5"))
ENGINE_TOL = 1e-6
ENGINE_TOL_REASON = "Clarabel's default accuracy (gap 1e-8) on basin values ≤ 1, ×100 margin"


def _data(k: int, n: int, r: int):
    return realizable_lowrank_data(40, 6, r, n, float(B), np.random.default_rng(DATA_SEED + k))


def _eps(n: int, t: str) -> sp.Rational:
    return sp.Rational(t) ** 2 * n**2 * B**2


def check_thm3(configs, cs, n_samples: int, *, width_fn=None, use_upper_bracket: bool = False,
               block: int = 100, max_width: int | None = None, progress: bool = False,
               n_jobs: int | None = 1) -> dict:
    """P[Bas ≤ ε] at width c⌈n/p_ε⌉ against 1 − e^{−cn/4}; ClaimRejected on a violation.

    ``n_jobs``: run_trials' executor (1 = serial in ci; results are identical for any executor).

    ``width_fn(eps, n, r, c)`` replaces the theorem's width (mutations); ``use_upper_bracket``
    tests with the count of {bas_lower_bound ≤ ε} ⊇ {Bas ≤ ε} (sound for rejecting)."""
    width_fn = width_fn or (lambda eps, n, r, c: int(theorem3_width(eps, n, B, r, c)))
    rows, series = [], {}
    for k, (n, r, t) in enumerate(configs):
        data = _data(k, n, r)
        eps = _eps(n, t)
        L0 = float(np.mean(data.y**2))
        if not float(eps) < L0:
            raise ValueError(f"eps: ε = {eps} ≥ L_S(0) = {L0:.4g}: Bas ≤ ε would hold trivially")
        label = f"n={n}, r={r}, ε={eps}"
        ser = series.setdefault(label, {k2: [] for k2 in ("n", "estimate", "lower", "upper", "bound")})
        for c in cs:
            width = width_fn(eps, n, r, c)
            if max_width is not None and width > max_width and c != cs[0]:
                continue  # ci profile: the widest nets only at the smallest c
            res = run_trials(partial(thm3_block_trial, data=data, width=width, eps=float(eps), block=block),
                             n_samples // block, SEED + 97 * k + c, n_jobs=n_jobs, progress=progress)
            N = block * (n_samples // block)
            ok, caps, nec = (sum(x[i] for x in res) for i in range(3))
            assert ok <= nec  # a certified success is never excluded by the necessary condition
            bound = float(bound_thm3(c, n))
            ev = check_probability_at_least(nec if use_upper_bracket else ok, N, bound, ALPHA)
            rows.append({"n_target": n, "rank": r, "eps": str(eps), "c": c, "width": width, "L_S(0)": L0,
                         "p_eps": float(p_epsilon(eps, n, B, r)), "cap_event_count": caps,
                         "upper_bracket_count": nec, "bound_gap": ev.estimate - bound, **ev.as_dict()})
            ser["n"].append(width)
            for key, v in (("estimate", ev.estimate), ("lower", ev.lower), ("upper", ev.upper), ("bound", bound)):
                ser[key].append(v)
    return {"rows": rows, "series": series}


@pytest.mark.claim("SS16.Thm3", kind="statistical")
def test_bas_below_eps_with_probability_above_the_bound(evidence, profile):
    N = profile.samples(200)
    out = check_thm3(CONFIGS, (2, 3, 4), N, max_width=None if profile.run_thorough else 500,
                     progress=profile.run_thorough, n_jobs=None if profile.run_thorough else 1)
    evidence.record(
        rows=out["rows"], samples_per_point=N, seed=SEED, data_seed=DATA_SEED, alpha=ALPHA, B=B,
        method=("success = the key-step point (in the closure of the basin) has computed loss ≤ ε: an upper "
                "bound on Bas (Lemma 2 made explicit), so the count under-counts {Bas ≤ ε}"),
        note=("the bound 1 − e^{−cn/4} is far below the truth here (estimates ≈ 1 against bounds 0.39–0.86): "
              "bound_gap records it; the width c⌈n/p_ε⌉ is very conservative"),
    )
    evidence.figure("probability_vs_width", probability_figure(out["series"], title="SS16 Thm 3: width c⌈n/p_ε⌉, c = 2, 3, 4",
                                                               ylabel="P[Bas ≤ ε]", logx=True))


@pytest.mark.claim("SS16.Thm3", kind="statistical", control=True)
def test_without_overspecification_the_bound_is_rejected(evidence, profile):
    """Mutation: p_ε := 1 (width c·n instead of c⌈n/p_ε⌉), at ε = 1/200 on rank-2 data. Tested with
    the upper bracket {bas_lower_bound ≤ ε} ⊇ {Bas ≤ ε}, so the rejection is sound."""
    N = profile.samples(1000)
    with pytest.raises(ClaimRejected, match=rf"^claimed P ≥ {1 - math.exp(-2 / 4):.6g}, but ") as exc:   # 1 − e^(−cn/4), c = 2, n = 1
        check_thm3(((1, 2, "1/200"),), (2,), N, width_fn=lambda eps, n, r, c: c * n, use_upper_bracket=True)
    evidence.record(mutation="width c⌈n/p_ε⌉ → c·n (p_ε := 1)", eps="1/40000", rejected=True,
                    message=str(exc.value), samples=N, seed=SEED)


@pytest.mark.claim("SS16.Thm3", kind="exact")
def test_key_step_loss_bounds_the_engine_basin_values(evidence):
    """Lemma 2 chain on small instances: Bas(full net) ≤ Bas(chosen neurons) ≤ key-step loss ≤ ε."""
    tol = evidence.tolerance("engine", ENGINE_TOL, ENGINE_TOL_REASON)
    n, r, t = CONFIGS[0]
    data = _data(0, n, r)
    eps = float(_eps(n, t))
    width = int(theorem3_width(_eps(n, t), n, B, r, 2))
    rng = np.random.default_rng(SEED)
    rows = []
    for _ in range(4):
        W, v = init_two_layer(GaussianLaw(1.0), rng, width, data.X.shape[1])
        ks = thm3_key_step(data, W, v, eps)
        sub = ks.assignment[ks.assignment >= 0]
        bas_sub = basin_value_at(data.X, data.y, W[sub], v[sub]).value
        bas_full = basin_value_at(data.X, data.y, W, v).value
        rows.append({"bas_full": bas_full, "bas_sub": bas_sub, "key_step_loss": ks.loss, "eps": eps,
                     "lower_bound": bas_lower_bound(data.X, data.y, W, v)})
        assert bas_full <= bas_sub + tol and bas_sub <= ks.loss + tol and ks.loss <= eps
        assert rows[-1]["lower_bound"] <= bas_full + tol
        # the constructed point is in the closure of the basin: same signs on the data, v' ∈ {v-sign, 0}
        assert np.all(np.sign(ks.W @ data.X.T)[sub] == np.sign(W @ data.X.T)[sub])
        assert np.all((np.sign(ks.v) == np.sign(v)) | (ks.v == 0))
    evidence.record(rows=rows, width=width, seed=SEED)


def test_realizable_hypotheses_are_checked():
    data = _data(0, 1, 2)
    with pytest.raises(ValueError, match="‖x_t‖ ≤ 1"):
        check_realizable(2 * data.X, 2 * data.y, data.W_star, data.v_star, data.B)
    with pytest.raises(ValueError, match="B"):
        check_realizable(data.X, data.y, data.W_star, data.v_star, 0.5 * data.B)
    with pytest.raises(ValueError, match="L_S"):
        check_realizable(data.X, data.y + 0.1, data.W_star, data.v_star, data.B)
    with pytest.raises(ValueError, match="rank"):
        realizable_lowrank_data(5, 3, 4, 1, 1.0, np.random.default_rng(0))


def test_trivial_eps_is_refused():
    with pytest.raises(ValueError, match="trivially"):
        check_thm3(((1, 2, "2"),), (2,), 100)
