"""Safran & Shamir (2018)'s ReLU teacher–student experiment and its certified reproduction (REV.ss18-table).

Modules, one idea each:

* :mod:`~numerics.ss18.objective` — F, ∇F, ∇²F of the population loss in closed form (float64);
* :mod:`~numerics.ss18.table` — the seed's table, row by row, with the OCR each row was read from;
* :mod:`~numerics.ss18.certificate` — ball-arithmetic (arb) proofs that a point is near a strict
  local minimum and that GD from a ball around it converges there;
* :mod:`~numerics.ss18.dynamics` — batched full-batch GD with the certified early decision;
* :mod:`~numerics.ss18.experiment` — rows of the table, in parallel (joblib or Dask).
"""

from numerics.ss18.objective import (  # noqa: F401
    MAX_WEIGHT,
    TWO_PI,
    _angle,
    _angles,
    _as_weights,
    _check_teacher,
    _loss_grad,
    _teacher_constant,
    as_real_array,
    gradient,
    hessian,
    kernel,
    kernel_angle,
    loss,
    loss_and_gradient,
    taylor_certificate,
    teacher,
    third_derivative_bound,
)
from numerics.ss18.table import (  # noqa: F401
    ROWS,
    TABLE_N_EQ_K,
    TABLE_N_EQ_K_PLUS_1,
    UNREADABLE_ROWS,
    Row,
    row,
    transcribed_rate,
)
from numerics.ss18.certificate import CertificateFailed, CertifiedMinimum, Certifier, certify_minimum  # noqa: F401
from numerics.ss18.dynamics import (  # noqa: F401
    CERTIFIED_BAD,
    CONVERGED,
    GOOD_EARLY,
    INCREASE_TOL,
    NOT_CONVERGED,
    STATUS_NAMES,
    GDResult,
    gradient_descent,
    initial_weights,
)
from numerics.ss18.experiment import ExperimentResult, distinct_points, run_experiment, run_table  # noqa: F401
