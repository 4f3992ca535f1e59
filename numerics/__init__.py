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
