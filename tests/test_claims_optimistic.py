"""ZBZ24.optimistic: below the optimistic sample size d + 1 a second single neuron fits every sample.

Setting (reconstructed from ZBZ24 §3 and §6): target f*(x) = a*·tanh(w*ᵀx), no bias, samples
y_i = f*(x_i); the network is f_θ(x) = Σ_k a_k tanh(w_kᵀx) of width m, and a single neuron
(a, w) fitting the samples, embedded with the other neurons at 0, is a global minimum of the
training loss. numerics.optimistic derives the threshold (tangent rank d + 1 at the target) and
builds / excludes second neurons with exact rationals and interval arithmetic.

Finding recorded here: at the threshold n = d + 1 the target is *locally* identifiable (the
sample Jacobian is invertible, certified) but not always globally: for a positive fraction of
Gaussian samples (d ≥ 2) a second neuron still fits, certified. From n = d + 2 on, no second
neuron fits the random samples tried (certified) — the negative control.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import scipy.stats

from numerics import network
from numerics import optimistic as op
from overspec.testing import ClaimRejected

EPS = float(np.finfo(float).eps)


def _problem(seed: int, n: int, d: int):
    rng = np.random.default_rng(seed)
    w_star = rng.normal(size=d)
    a_star = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0))
    return rng.normal(size=(n, d)), w_star, a_star


def _embedding_check(X, w_star, a_star, a, w, m: int = 3, seed: int = 0) -> dict:
    """The second neuron inside a width-m tanh net (other neurons 0), evaluated by numerics.network:
    training loss ≈ 0, generalization error against the target > 0."""
    d = X.shape[1]
    A = np.zeros(m)
    W = np.zeros((m, d))
    A[0], W[0] = a, w
    theta = network.pack(A, W)
    y = a_star * np.tanh(X @ w_star)
    train = network.loss(theta, X, y, "tanh")
    Xt = np.random.default_rng(1000 + seed).normal(size=(400, d))
    gen = network.loss(theta, Xt, a_star * np.tanh(Xt @ w_star), "tanh")
    return {"train_loss": train, "generalization_error": gen}


def _neuron_from_root(X, w_star, a_star, box) -> tuple[float, np.ndarray]:
    """(a, w) = (max|y|/t, X⁺ artanh(y/a)) at the midpoint t of a certified root box, in 50-digit
    mpmath (a root can sit within 1e-16 of t = 1, where a double y/a rounds to 1)."""
    import mpmath

    with mpmath.workdps(50):
        t = (mpmath.mpf(box.lo._mpi_[0]) + mpmath.mpf(box.hi._mpi_[1])) / 2  # exact endpoints
        y = [a_star * mpmath.tanh(mpmath.fsum(mpmath.mpf(x) * mpmath.mpf(v) for x, v in zip(row, w_star))) for row in X]
        a = max(abs(v) for v in y) / t
        z = mpmath.matrix([mpmath.atanh(v / a) for v in y])
        w = mpmath.qr_solve(mpmath.matrix(X.tolist()), z)[0]
        return float(a), np.array([float(v) for v in w])


def check_second_neuron(X: np.ndarray, w_star: np.ndarray, a_star: float) -> dict:
    """Find a second single neuron fitting all samples; ClaimRejected when it is certified that none exists."""
    n, d = X.shape
    if np.linalg.matrix_rank(X) < d:
        sn = op.second_neuron_nonspanning(X, w_star, a_star)
        a, w = float(sn.a), np.array([float(v) for v in sn.w])
        how = "exact (rational null-space construction)"
    elif n == d:
        sn = op.second_neuron_spanning(X, w_star, a_star)
        a, w = float(sn.a), np.array([float(v.mid) for v in sn.w])
        how = "certified (interval solve of X w = artanh(y/a))"
    else:
        fa = op.analyze_fits(X, w_star, a_star)
        if not fa.other_fits:
            raise ClaimRejected(f"certified: no second single neuron fits these n = {n} samples in R^{d} "
                                f"(roots of h_c: {fa.certificate['root_boxes']}, t* = {fa.certificate['t_star']})")
        r = fa.other_fits[0]
        a, w = _neuron_from_root(X, w_star, a_star, r)
        sn = None
        how = "certified (isolated root of h_c away from t*)"
        cert = fa.certificate
    emb = _embedding_check(X, w_star, a_star, a, w)
    out = {"n": n, "d": d, "how": how, "a": a, "a_star": a_star, **emb,
           "certificate": sn.certificate if sn is not None else cert}
    # |a| ≠ |a*| or w ≠ w* with the same a: a different function (sup|a tanh(wᵀx)| = |a|)
    if sn is not None and sn.exact:
        if all(Fraction(float(u)) == v for u, v in zip(w_star, sn.w)):
            raise ClaimRejected("the constructed neuron is the target itself")
    elif abs(abs(a) - abs(a_star)) <= 1e-9 * abs(a_star):
        raise ClaimRejected("the fitted neuron has |a| = |a*|: not shown to differ from the target")
    return out


# the float embedding's training loss: residuals are rounding of tanh and of w (≤ 64·eps·(1 + |a|·‖x‖‖w‖)),
# squared and halved — far below this bound; the generalization error is an O(1) number
TRAIN_TOL = 1e-24


@pytest.mark.claim("ZBZ24.optimistic", kind="exact")
@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_below_threshold_a_second_neuron_fits_every_sample(evidence, d):
    rows = []
    for n in range(1, d + 1):
        for seed in range(3):
            X, w_star, a_star = _problem(100 * d + 10 * n + seed, n, d)
            out = check_second_neuron(X, w_star, a_star)
            assert out["train_loss"] <= TRAIN_TOL, out
            assert out["generalization_error"] > 1e-4, out
            rows.append({k: out[k] for k in ("n", "how", "a", "a_star", "train_loss", "generalization_error")})
    evidence.record(d=d, optimistic_size=d + 1, cases=rows, seeds="100·d + 10·n + {0,1,2}")
    evidence.tolerance("train_loss", TRAIN_TOL, "float embedding of an exact/certified fit: residuals are rounding (≲ 64·eps·scale), squared")


@pytest.mark.claim("ZBZ24.optimistic", kind="exact")
def test_samples_not_spanning_give_an_exact_rational_second_neuron(evidence):
    """n = d samples that do not span R^d (one repeated): the exact construction applies even at n = d."""
    X, w_star, a_star = _problem(7, 3, 3)
    X[2] = X[0]
    sn = op.second_neuron_nonspanning(X, w_star, a_star)
    assert sn.exact and sn.certificate["exact_residual_max"] == 0
    Xq = op.to_fractions(X)
    wq = op.to_fractions(w_star)
    for row in Xq:  # exact: wᵀx_i = w*ᵀx_i in rationals, so the fit is exact
        assert sum(x * v for x, v in zip(row, sn.w)) == sum(x * v for x, v in zip(row, wq))
    assert sn.w != wq
    evidence.record(d=3, n=3, rank=sn.certificate["rank_X"], null_vector=sn.certificate["null_vector"],
                    argument_gap_at_u=sn.certificate["argument_gap_at_u"], seed=7)


@pytest.mark.claim("ZBZ24.optimistic", kind="exact")
@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_tangent_rank_at_the_target_is_d_plus_one(evidence, d):
    """The optimistic size d + 1, derived: the sample Jacobian at the target on d + 1 generic points
    has a certified non-zero determinant (rank d + 1 = number of parameters of one neuron)."""
    dets = []
    for seed in range(3):
        X, w_star, a_star = _problem(500 + 10 * d + seed, d + 1, d)
        det = op.jacobian_determinant(X, w_star, a_star)
        assert det.a > 0 or det.b < 0, f"det J encloses 0: {det}"
        dets.append([float(det.a), float(det.b)])
    evidence.record(d=d, n=d + 1, det_enclosures=dets, rank=d + 1, optimistic_size=d + 1,
                    note="width-m embedding: neurons at 0 contribute zero columns (tanh(0) = 0, a_k = 0)")


def _plot_h(evidence, seed: int) -> None:
    """Figure: h_c(t) = Σ c_i artanh(t ρ_i) for one threshold draw with a second fit (float picture of
    the certified root boxes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, w_star, a_star = _problem(seed, 3, 2)
    fa = op.analyze_fits(X, w_star, a_star)
    y = a_star * np.tanh(X @ w_star)
    rho = y / np.abs(y).max()
    c = np.array([float(v) for v in op.left_null_vectors(X)[0]])
    t = np.linspace(0.0, 1.0 - 1e-6, 2000)
    h = np.arctanh(t[:, None] * rho[None, :]) @ c
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(t, h)
    ax.axhline(0.0, color="gray", lw=0.8)
    ax.axvline(fa.certificate["t_star"][0], color="g", ls="--", label="t* (the target)")
    for lo, hi in fa.certificate["other_fits_t"]:
        ax.axvline(lo, color="r", ls=":", label="second fitting neuron")
    ax.set_xlabel("t = max|y| / a")
    ax.set_ylabel("h_c(t)")
    ax.set_ylim(-3 * np.abs(h[: len(h) // 2]).max(), 3 * np.abs(h[: len(h) // 2]).max())
    ax.legend(fontsize=8)
    ax.set_title(f"n = d + 1 = 3, seed {seed}")
    fig.tight_layout()
    evidence.figure("threshold_second_fit", fig)


@pytest.mark.claim("ZBZ24.optimistic", kind="statistical")
def test_at_threshold_a_second_neuron_still_fits_a_positive_fraction(evidence, profile):
    """n = d + 1 = 3 (d = 2, the ZBZ24 setting): certified second fits on some draws, none on others.

    Why a positive *fraction* (not a null set): a certified second fit is a sign-changing (simple)
    root of h_c, and simple roots persist under small perturbations of the samples (implicit
    function theorem), so every hit has an open neighbourhood of hits. The one-sided Clopper–Pearson
    lower bound (confidence 1 − 1e-6) estimates the frequency under Gaussian samples."""
    draws = profile.samples(100)
    hits, rejected, examples = 0, 0, []
    for seed in range(draws):
        X, w_star, a_star = _problem(10_000 + seed, 3, 2)
        try:
            out = check_second_neuron(X, w_star, a_star)
            assert out["train_loss"] <= TRAIN_TOL
            hits += 1
            if len(examples) < 5:
                examples.append({"seed": 10_000 + seed, "a": out["a"], "a_star": a_star,
                                 "t_other": out["certificate"]["other_fits_t"][0][0],
                                 "generalization_error": out["generalization_error"]})
        except ClaimRejected:
            rejected += 1
    alpha = 1e-6
    lower = float(scipy.stats.beta.ppf(alpha, hits, draws - hits + 1)) if hits else 0.0
    assert lower > 0, f"no certified second fit at the threshold in {draws} draws"
    assert rejected > 0
    _plot_h(evidence, min(examples, key=lambda e: e["t_other"])["seed"])  # the clearest picture
    evidence.record(d=2, n=3, draws=draws, certified_second_fits=hits, certified_none=rejected,
                    frequency=hits / draws, clopper_pearson_lower=lower, false_alarm=alpha,
                    examples=examples, seeds=f"10000..{10_000 + draws - 1}")


@pytest.mark.claim("ZBZ24.optimistic", kind="exact", control=True)
@pytest.mark.parametrize("d,extra", [(1, 1), (2, 1), (3, 1), (2, 2), (3, 2)])
def test_above_threshold_no_second_neuron_fits(evidence, d, extra):
    """Mutated claim: the threshold one (or two) higher — 'a second neuron fits n = d + 1 + extra
    samples'. The certified root isolation rejects it on every random draw."""
    n = d + 1 + extra
    roots = []
    for seed in range(4):
        X, w_star, a_star = _problem(900 + 10 * n + seed, n, d)
        with pytest.raises(ClaimRejected, match="certified: no second"):
            check_second_neuron(X, w_star, a_star)
        roots.append(op.analyze_fits(X, w_star, a_star).certificate["roots_of_h_c1"])
    evidence.record(mutation=f"second neuron fits at n = d + {1 + extra}", rejected=True, d=d, n=n,
                    draws=4, roots_of_h_c1_per_draw=roots)


def test_bad_input_is_rejected():
    X, w_star, a_star = _problem(0, 2, 2)
    with pytest.raises(ValueError, match="w_star"):
        op.second_neuron_spanning(X, w_star[:1], a_star)
    with pytest.raises(ValueError, match="a_star"):
        op.second_neuron_spanning(X, w_star, 0.0)
    with pytest.raises(ValueError, match="X"):
        op.second_neuron_nonspanning(np.array([[np.nan, 1.0]]), w_star, a_star)
    with pytest.raises(ValueError, match="X"):
        op.analyze_fits(X, w_star, a_star)  # n < d + 1
    with pytest.raises(ValueError, match="X"):
        op.jacobian_determinant(X, w_star, a_star)  # needs d + 1 rows
