"""The basin engine: exact, certified basin values of two-layer ReLU networks (SS16 §4, Def. 2, Lemmas 1–2).

SS16's network is N_n(W, v)(x) = Σ_j v_j [⟨w_j, x⟩]_+ with W ∈ R^{n×d}, v ∈ R^n (n neurons) and
the objective L_S(W, v) = (1/m) Σ_t ℓ(N(x_t), y_t) over m samples x_t (rows of X ∈ R^{m×d}).

**Basin partition (Definition 2, claim SS16.Def2-indexing).** A sign pattern is a pair (A, b) with
A ∈ {−1,+1}^{n×m} — one sign per *neuron × sample*; the paper prints n×d, an erratum — and
b ∈ {−1,+1}^n. The basin B^{A,b} is the closure of
{(W, v) : sign⟨w_j, x_t⟩ = a_{j,t}, sign v_j = b_j  ∀ j, t}.

**Basin value as a convex program (Lemma 1, claim SS16.Lemma1).** On B^{A,b},
v_j [⟨w_j,x_t⟩]_+ = [a_{j,t} = +1]·⟨u_j, x_t⟩ with u_j = v_j w_j, and (W, v) ↦ U is onto
C = Π_j b_j·K_j, K_j = {w : a_{j,t}⟨w, x_t⟩ ≥ 0 ∀t} (closed polyhedral cones). Hence

    Bas(B^{A,b}) = min_{U ∈ C} (1/m) Σ_t ℓ(p_t, y_t),   p_t = Σ_{j : a_{j,t} = +1} ⟨u_j, x_t⟩,

a convex program. The minimiser U is lifted back by v_j = b_j·√‖u_j‖, w_j = u_j / v_j
(‖w_j‖ = |v_j|); a neuron with u_j = 0 is lifted to (w_j, v_j) = (0, 0), which lies in the closure
of the basin because the basin is a product over neurons of (open cone) × (open half-line) and
both factors contain 0 in their closure when the basin is non-empty. The engine evaluates the
lifted network with :func:`numerics.network.forward` and checks that its loss equals the value.

**Certificate.** With the explicit constraints p = Σ_j Q_j u_j (multiplier λ) and G_j u_j ≥ 0
(multipliers z_j ≥ 0), where Q_j has rows [a_{j,t}=+1]·x_t and G_j has rows b_j a_{j,t} x_t,
the Lagrange dual value is −h*(λ) with h(p) = (1/m) Σ_t ℓ(p_t, y_t), valid when the
stationarity residual max_j ‖Q_jᵀλ − G_jᵀz_j‖ vanishes. The certificate records the duality gap
h(p) + h*(λ), that residual, the primal feasibility residual max(0, −G_j u_j) (relative to
‖x_t‖·‖u_j‖), the solver and its status.

Layout, one idea per module (a module imports only modules listed above it; no cycle —
tests/test_import_graph.py):

* ``errors``, ``checks``, ``losses`` — exceptions; input validation; h(p), its CVXPY form, h*.
* ``patterns`` — sign patterns (A, b), the interior LP and emptiness, the canonical pattern.
* ``polar`` — the NNLS over generators as a projection onto the polar cone, solved by DAQP.
* ``rays`` — the arrangement's rays and the generators of every cone K_j (NNLS paths).
* ``programs`` — the convex program: compiled DPP CVXPY (every loss), Clarabel direct (squared).
* ``certificate`` — duality gap, residuals, Farkas check on generators, the lift and its check.
* ``value`` — one basin: :func:`basin_value`, :func:`basin_value_at` (the public entry; squared
  loss: NNLS over rays by DAQP where the rays are affordable, else Clarabel).
* ``batch`` — many basins: :func:`basin_values`, :func:`basin_values_at` (fallbacks counted).
* ``exact_kkt`` — the exact rational KKT certificate of a squared-loss basin value.
* ``arrangement`` — the hyperplane arrangement's regions and :func:`global_minimum`.
* ``singleton`` — closed forms for singleton data.
* ``probability`` — exact basin probabilities and good events of SS16's Theorems 2–5.

Every public name is re-exported here and from :mod:`numerics`.
"""

from numerics.basins.arrangement import (  # noqa: F401
    Arrangement,
    GlobalMinimum,
    enumerate_regions,
    expected_region_count,
    global_minimum,
)
from numerics.basins.batch import BasinBatch, basin_values, basin_values_at  # noqa: F401
from numerics.basins.certificate import Certificate, lift  # noqa: F401
from numerics.basins.checks import check_pattern  # noqa: F401
from numerics.basins.errors import BoundaryError, EmptyBasinError, SolverError  # noqa: F401
from numerics.basins.exact_kkt import ExactKKT, exact_kkt_certificate  # noqa: F401
from numerics.basins.losses import objective_value  # noqa: F401
from numerics.basins.patterns import (  # noqa: F401
    basin_is_nonempty,
    canonical_pattern,
    interior_margin,
    sign_pattern,
    sign_patterns,
)
from numerics.basins.value import BasinMinimum, basin_value, basin_value_at, clear_caches, network_loss  # noqa: F401
from numerics.basins.singleton import singleton_basin_value, singleton_global_minimum  # noqa: F401
from numerics.basins import probability  # noqa: F401
