"""Networks, losses, basins, Monte Carlo and dynamics in NumPy + CVXPY."""

from numerics.network import (  # noqa: F401
    ACTIVATIONS,
    Activation,
    check_data,
    finite_difference_hessian,
    forward,
    get_activation,
    gradient,
    hessian,
    loss,
    pack,
    unpack,
)
from numerics import deep_relu, init_laws, montecarlo  # noqa: F401,E402
from numerics.basins import (  # noqa: F401,E402  (the basin engine, SS16 Def. 2, Lemmas 1–2)
    Arrangement,
    BasinBatch,
    BasinMinimum,
    BoundaryError,
    Certificate,
    EmptyBasinError,
    ExactKKT,
    GlobalMinimum,
    SolverError,
    basin_is_nonempty,
    basin_value,
    basin_value_at,
    basin_values,
    basin_values_at,
    enumerate_regions,
    exact_kkt_certificate,
    expected_region_count,
    global_minimum,
    network_loss,
    sign_pattern,
    singleton_basin_value,
    singleton_global_minimum,
)
from numerics import datasets  # noqa: F401,E402  (SS16 Thm2–5: data generators)
from numerics.basins import probability as basin_probability  # noqa: F401,E402  (exact basin probabilities)
from numerics import ss18  # noqa: F401,E402  (REV.ss18-table)
from numerics import monotone_path, optimistic, sgd_linear, symmetry  # noqa: F401,E402  (SS16.Thm1, ZBZ24.optimistic, REV.sgd-*, QA.symmetry-*)
from numerics.monotone_path import ConditionViolated, build_monotone_path, slice_minima  # noqa: F401,E402
from numerics.sgd_linear import energy_ratio, min_norm_limit, worst_case_ratio  # noqa: F401,E402
from numerics.flow import (  # noqa: F401,E402
    Trajectories,
    batched_gradient,
    batched_loss,
    batched_predict,
    generalization_error,
    gradient_descent,
    gradient_descent_datasets,
    gradient_flow,
    plot_trajectories,
    small_init_flow,
)
from numerics.imbalance import (  # noqa: F401,E402
    RateFit,
    data_vector,
    escape_basis,
    escape_rates,
    escape_time,
    fit_rate,
    imbalance_vector,
    init_with_imbalance,
    sigma_prime_zero,
)
