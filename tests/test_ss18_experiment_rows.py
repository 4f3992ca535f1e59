"""numerics/ss18/experiment.py (claim REV.ss18-table): how one row's runs are classified and put
together — counts, statuses, the post-GD certification pass, :func:`_follow`, and the assembly of
interleaved chunks — on tiny rows that run in milliseconds.

Rows used (teacher v_j = e_j, d = k; their outcomes were measured once and are asserted here only
through properties the module promises, not through the measured numbers themselves):

* (1, 1): F(w) = ½E[([wx]_+ − [x]_+)²] = (w − 1)²/4 for w > 0 and (w² + 1)/4 for w < 0, so a run
  started at w < 0 converges by the gradient rule to w → 0⁻ with F = 1/4: a bad end that no
  strict-minimum proof can cover (the point is a kink). Runs started at w > 0 are good early.
* (2, 1): a single neuron cannot fit two teachers; every run ends at the same strict minimum
  (F ≈ 0.0885), proved in ball arithmetic.
* (3, 2) at a cap of 6000 iterations: some runs stop at the cap a little outside the accept ball
  of the proved minimum, at its loss level; the post-GD pass follows them in.

``joblib.Parallel`` is replaced by an in-process stand-in where a test needs several chunks: the
chunks are independent (each has its own initial weights and Certifier), so running them here
exercises the same split and merge code without starting processes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from numerics import ss18
from numerics.ss18 import experiment as E
from numerics.ss18.dynamics import CERTIFIED_BAD, CONVERGED, GOOD_EARLY, NOT_CONVERGED
from numerics.ss18.gd_lanes import LANES
from numerics.ss18.objective import teacher


def _kw(max_iter: int) -> dict:
    return dict(max_iter=max_iter, tol=1e-9, bad_loss=1e-3, step=0.1, lanes=LANES)


@pytest.fixture(scope="module")
def row_32_capped():
    """(3, 2), 6 runs, cap 6000: some runs end at the cap, some of them followed into a proof."""
    return ss18.run_experiment(3, 2, 6, 0, max_iter=6000)


# ---------------------------------------------------------------- counts and statuses


def test_without_certificate_every_run_of_row_2_1_is_bad_and_uncertified():
    """certify=False: runs go to the gradient rule; a CONVERGED end with F ≥ bad_loss is bad, not
    good, and carries no proof (certified_bad = 0)."""
    res = ss18.run_experiment(2, 1, 4, 0, max_iter=20_000, certify=False)
    assert np.all(res.gd.status == CONVERGED) and np.all(res.gd.loss >= 1e-3)
    assert (res.bad, res.good, res.not_converged, res.decided) == (4, 0, 0, 4)
    assert (res.certified_bad, res.uncertified_bad) == (0, 4)
    assert res.minima == [] and res.orbit_counts == []


def test_a_proved_minimum_reached_by_a_single_run_is_listed_with_count_one():
    res = ss18.run_experiment(2, 1, 1, 0, max_iter=20_000)
    assert res.bad == res.certified_bad == 1
    assert len(res.minima) == 1 and res.orbit_counts == [1]


def test_runs_decided_during_gd_are_not_offered_again_after_it():
    """Row (2, 1): every run is decided during GD, each either by matching a proved minimum or by
    the proof created from its own polish; the post-GD pass (for bad gradient-rule ends and capped
    runs only) does not offer them once more, so the matches and creations add up to the runs."""
    res = ss18.run_experiment(2, 1, 4, 0, max_iter=20_000)
    st = res.certifier_stats
    assert np.all(res.gd.status == CERTIFIED_BAD)
    assert st["matched"] + st["created"] == res.certified_bad == 4


def test_row_1_1_bad_kink_ends_are_recorded_as_unproved_and_runs_without_proof_have_minimum_minus_one():
    """The w < 0 runs end CONVERGED at F = 1/4 (closed form, module docstring) without a proof:
    each is listed in ``unproved_bad_ends`` with its run number (its index in run order), it is
    not a saddle (∇²F = 1/2 > 0 there), and no run carries a minimum index (−1 = none)."""
    res = ss18.run_experiment(1, 1, 6, 0, max_iter=20_000)
    st = res.gd.status
    bad_runs = np.flatnonzero(st == CONVERGED)
    assert bad_runs.size >= 1 and np.any(bad_runs > 0)  # a run number other than 0 is checked
    # F = 1/4 at the kink, reached to the gradient rule's accuracy (‖∇F‖ = |w|/2 ≤ 1e-9 ⇒ F − 1/4 ≤ 1e-18)
    assert np.allclose(res.gd.loss[bad_runs], 0.25, rtol=0, atol=1e-12)
    ends = res.certifier_stats["unproved_bad_ends"]
    assert sorted(e["run"] for e in ends) == bad_runs.tolist()
    assert all(e["loss"] == pytest.approx(0.25, abs=1e-12) and not e["proved"] for e in ends)  # same reason
    assert res.saddle_bad == 0 and res.uncertified_bad == res.bad == bad_runs.size
    assert res.good == int(np.sum(st == GOOD_EARLY)) == 6 - bad_runs.size
    assert np.all(res.gd.minimum == -1)
    # the longest run, not the shortest (runs differ in length here)
    assert res.max_iterations == int(res.gd.iterations.max()) > int(res.gd.iterations.min())


def test_unproved_bad_ends_carry_run_numbers_in_run_order_with_two_chunks(in_process_joblib):
    """Chunk p of 2 takes the runs p, p + 2, …: the run numbers of the unproved ends are those of
    the serial row, and every per-run array is put back in run order."""
    one = ss18.run_experiment(1, 1, 6, 0, max_iter=20_000)
    two = ss18.run_experiment(1, 1, 6, 0, max_iter=20_000, n_jobs=2)
    assert len(in_process_joblib.made) == 1 and in_process_joblib.made[0].n_jobs == 2
    runs = lambda r: sorted(e["run"] for e in r.certifier_stats["unproved_bad_ends"])  # noqa: E731
    assert runs(two) == runs(one) and len(runs(one)) >= 1
    for f in ("status", "loss", "iterations", "minimum"):
        assert np.array_equal(getattr(two.gd, f), getattr(one.gd, f)), f
    assert two.summary() == one.summary()


def test_good_early_loss_increases_are_counted_over_the_good_early_runs_only():
    """Step 3 on (2, 2) is beyond the stable range for most runs: F rises on many iterations of
    the undecided runs and on a few of the good-early one(s); the good-early count is the sum over
    the runs classified GOOD_EARLY (its definition in ExperimentResult), not over the others."""
    res = ss18.run_experiment(2, 2, 6, 0, step=3.0, max_iter=3000)
    st, inc = res.gd.status, res.gd.loss_increases
    assert np.any(st == GOOD_EARLY) and np.any(st != GOOD_EARLY)
    assert res.loss_increases_good_early == int(inc[st == GOOD_EARLY].sum())
    assert 0 < res.loss_increases_good_early < res.loss_increases == int(inc.sum())


def test_an_end_that_is_not_finite_is_never_offered_to_the_certifier():
    """Step 1e200: every run blows up past its 30 restarts; its end W is finite but F overflows to
    NaN, so the post-GD pass has nothing to certify (no proof attempted, no polish)."""
    with np.errstate(all="ignore"):
        res = ss18.run_experiment(1, 1, 3, 0, step=1e200, max_iter=200)
    assert np.all(res.gd.status == NOT_CONVERGED) and np.all(np.isnan(res.gd.loss))
    st = res.certifier_stats
    assert (st["match_attempts"], st["created"], st["create_failed"], st["polish_failed"]) == (0, 0, 0, 0)
    assert "followed" not in st and "unproved_bad_ends" not in st


def test_default_bad_loss_is_1e_3():
    """The protocol's threshold (module docstring of dynamics): the good runs of (2, 2) stop at
    the first iterate with F < 1e-3, exactly as with bad_loss=1e-3 given."""
    dflt = ss18.run_experiment(2, 2, 4, 0, max_iter=20_000)
    given = ss18.run_experiment(2, 2, 4, 0, max_iter=20_000, bad_loss=1e-3)
    assert np.all(dflt.gd.status == GOOD_EARLY) and np.all(dflt.gd.loss < 1e-3)
    assert np.array_equal(dflt.gd.iterations, given.gd.iterations)


def test_lanes_zero_runs_one_at_a_time_with_the_same_counts():
    """lanes=0 (documented: one run at a time) is accepted and gives bit-identical trajectories."""
    lanes0 = ss18.run_experiment(2, 1, 3, 0, max_iter=20_000, lanes=0)
    dflt = ss18.run_experiment(2, 1, 3, 0, max_iter=20_000)
    assert lanes0.summary() == dflt.summary()
    assert np.array_equal(lanes0.gd.loss, dflt.gd.loss) and np.array_equal(lanes0.gd.status, dflt.gd.status)


# ---------------------------------------------------------------- post-GD pass and _follow


def test_capped_runs_followed_into_a_proved_ball_become_certified_bad(row_32_capped):
    """A run at the cap whose end is followed into the accept ball of a proved minimum with
    F(x*) ≥ bad_loss is counted bad (CERTIFIED_BAD, with that minimum); the other capped runs stay
    undecided with no minimum."""
    res = row_32_capped
    st, mi = res.gd.status, res.gd.minimum
    assert res.certifier_stats["followed"] >= 1
    assert np.any(st == CERTIFIED_BAD) and np.any(st == NOT_CONVERGED)
    assert np.all((mi >= 0) == (st == CERTIFIED_BAD)) and np.all(mi[st == NOT_CONVERGED] == -1)
    assert res.bad == res.certified_bad == int(np.sum(st == CERTIFIED_BAD))
    assert res.not_converged == int(np.sum(st == NOT_CONVERGED))
    m = res.minima_by_index(0)
    assert m.F_enclosure[0] >= 1e-3 and res.orbit_counts == [res.bad]
    # each certified run's end lies at that minimum's loss level (within the certifier's LEVEL_TOL)
    assert np.all(np.abs(res.gd.loss[st == CERTIFIED_BAD] - m.loss) <= ss18.Certifier.LEVEL_TOL)


@pytest.mark.parametrize("max_iter, status, factor", [(20_000, CONVERGED, 8), (5, NOT_CONVERGED, 1)])
def test_follow_budget_is_eight_caps_for_a_gradient_rule_end_and_one_cap_for_a_capped_run(
    monkeypatch, max_iter, status, factor
):
    """Module comment at FOLLOW_FACTOR: a bad end stopped by the gradient rule is followed for at
    most 8 × max_iter iterations, a run at the cap for max_iter more only. Row (1, 1): its kink
    ends (20,000 cap) and, at a cap of 5, all of its runs are pending after the first decision."""
    seen = []
    real = E._follow

    def spy(Y, V, steps, F, ctf, bad_loss, budgets):
        seen.append(list(budgets))
        return real(Y, V, steps, F, ctf, bad_loss, budgets)

    monkeypatch.setattr(E, "_follow", spy)
    res = ss18.run_experiment(1, 1, 6, 0, max_iter=max_iter)
    pending = int(np.sum(res.gd.status == status))
    assert pending >= 1
    assert seen == [[factor * max_iter] * pending]


def _row_32_minimum_and_ends(res):
    m = res.minima_by_index(0)
    V = teacher(3)
    return m, V, res.gd


def test_an_end_is_followed_when_any_proved_level_matches_not_only_when_all_do(row_32_capped):
    """A decoy proof at another loss level (and far away) in the same certifier does not stop the
    end at the real minimum's level from being followed into its ball."""
    m, V, gd = _row_32_minimum_and_ends(row_32_capped)
    e = int(np.flatnonzero(gd.status == CERTIFIED_BAD)[0])
    decoy = dataclasses.replace(m, W=m.W + 1.0, loss=m.loss + 0.01)
    ctf = ss18.Certifier(V)
    ctf.minima.extend([decoy, m])
    got = E._follow(gd.W[e][None], V, [float(gd.step[e])], [float(gd.loss[e])], ctf, 1e-3, [6000])
    assert got == [1] and ctf.stats["followed"] == 1


def test_a_followed_run_that_blows_up_is_not_restarted(row_32_capped):
    """Step 3.5 > 2/λ_max(∇²F(x̃)) ≈ 2.33: GD from the end diverges until ‖∇F‖ passes the blowup
    level. A follow has no restarts, so the end stays undecided, although a restart at half the
    step (1.75 < the proof's max_step ≈ 2.17) would converge into the ball."""
    m, V, gd = _row_32_minimum_and_ends(row_32_capped)
    lam_max = float(np.linalg.eigvalsh(ss18.hessian(m.W, V))[-1])
    assert 2 / lam_max < 3.5 and 1.75 < m.max_step  # the premise of this test, for this row
    e = int(np.flatnonzero(gd.status == CERTIFIED_BAD)[0])
    ctf = ss18.Certifier(V)
    ctf.minima.append(m)
    with np.errstate(all="ignore"):
        got = E._follow(gd.W[e][None], V, [3.5], [float(gd.loss[e])], ctf, 1e-3, [6000])
    assert got == [None] and ctf.stats["followed_undecided"] == 1
    # it stopped at the blowup, long before its budget (so it did blow up, it did not wander)
    assert 0 < ctf.stats["followed_iterations"] < 1000


def test_no_minimum_is_proved_while_following(row_32_capped):
    """_follow's docstring: no minimum is proved meanwhile (each end's fate is its own). With only
    a decoy proof at the end's own level (far from it), the end descends towards the unproved
    minimum, is never matched, and no proof is created on the way."""
    m, V, gd = _row_32_minimum_and_ends(row_32_capped)
    e = int(np.argmax(gd.loss - m.loss))  # the capped end farthest above the minimum's level
    F = float(gd.loss[e])
    assert F - m.loss > 1e-6  # so its level moves by ≫ LEVEL_TOL while it is followed
    decoy = dataclasses.replace(m, W=m.W + 1.0, loss=F)
    ctf = ss18.Certifier(V)
    ctf.minima.append(decoy)
    got = E._follow(gd.W[e][None], V, [float(gd.step[e])], [F], ctf, 1e-3, [2000])
    assert got == [None] and len(ctf.minima) == 1 and ctf.stats["created"] == 0


# ---------------------------------------------------------------- chunks and their assembly


def test_two_chunks_of_row_2_1_merge_their_proofs_and_add_their_stats(in_process_joblib):
    """Each chunk proves the (2, 1) minimum with its own Certifier; the row lists it once, with
    every run at it, and its certifier stats are the sums (lists: concatenations) of the chunks'."""
    runs, seed = 4, 0
    two = ss18.run_experiment(2, 1, runs, seed, max_iter=20_000, n_jobs=2)
    chunks = [E._chunk(2, 1, runs, seed, p, 2, _kw(20_000), True) for p in range(2)]
    expect: dict = {}
    for _, _, st in chunks:
        for key, val in st.items():
            expect[key] = expect.get(key, [] if isinstance(val, list) else 0) + val
    assert two.certifier_stats == expect and expect["created"] == 2
    assert len(two.minima) == 1 and two.orbit_counts == [runs] and np.all(two.gd.minimum == 0)
    one = ss18.run_experiment(2, 1, runs, seed, max_iter=20_000)
    assert one.certifier_stats["created"] == len(one.minima) == 1  # one chunk: its own stats
    assert two.summary() == one.summary()


def test_chunk_local_minimum_indices_are_mapped_to_the_merged_list():
    """Chunk 1 proved a decoy at another level first (its local index 0), then the minimum chunk 0
    proved (local 1): after the merge every run points at the shared minimum (index 0), the decoy
    keeps index 1 in the full list, and it is not listed among the row's minima (no run at it)."""
    runs, seed = 4, 0
    out = [E._chunk(2, 1, runs, seed, p, 2, _kw(20_000), True) for p in range(2)]
    res1, minima1, st1 = out[1]
    m = minima1[0]
    decoy = dataclasses.replace(m, W=m.W + 1.0, loss=m.loss + 0.01)
    res1.minimum = np.where(res1.minimum >= 0, res1.minimum + 1, -1)
    out[1] = (res1, [decoy] + minima1, st1)
    got = E._assemble(2, 1, runs, seed, 1e-3, out)
    assert np.all(got.gd.status == CERTIFIED_BAD)
    assert got.gd.minimum.tolist() == [0] * runs
    assert got.minima_by_index(1) is decoy and len(got._all_minima) == 2
    assert got.minima == [got.minima_by_index(0)] and got.orbit_counts == [runs]


def test_run_experiment_uses_a_process_pool_only_for_several_chunks(in_process_joblib):
    """n_jobs=1 (the default) runs the row in this process; n_jobs=2 splits it into two chunks
    handed to joblib (loky) as two jobs."""
    ss18.run_experiment(2, 1, 2, 0, max_iter=20_000)
    ss18.run_experiment(2, 1, 2, 0, max_iter=20_000, n_jobs=1)
    assert in_process_joblib.made == []
    ss18.run_experiment(2, 1, 2, 0, max_iter=20_000, n_jobs=2)
    (par,) = in_process_joblib.made
    assert (par.n_jobs, par.backend) == (2, "loky") and [a[4:6] for a in par.submitted] == [(0, 2), (1, 2)]
