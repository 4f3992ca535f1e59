"""Networks, losses, basins, Monte Carlo and dynamics in NumPy + CVXPY.

Every public name is resolved on first use (PEP 562), so importing one subpackage — a worker
process of the SS18 experiment imports :mod:`numerics.ss18` — does not import CVXPY, SymPy and
the rest of the package (≈ 2 s per process); ``from numerics import basin_value`` works as before.
"""

from __future__ import annotations

from importlib import import_module

# name → (module, attribute); attribute None: the module itself
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "deep_relu": ("numerics.deep_relu", None),
    "init_laws": ("numerics.init_laws", None),
    "montecarlo": ("numerics.montecarlo", None),
    "datasets": ("numerics.datasets", None),
    "ss18": ("numerics.ss18", None),
    "monotone_path": ("numerics.monotone_path", None),
    "optimistic": ("numerics.optimistic", None),
    "sgd_linear": ("numerics.sgd_linear", None),
    "symmetry": ("numerics.symmetry", None),
    "ACTIVATIONS": ("numerics.network", "ACTIVATIONS"),
    "Activation": ("numerics.network", "Activation"),
    "check_data": ("numerics.network", "check_data"),
    "finite_difference_hessian": ("numerics.network", "finite_difference_hessian"),
    "forward": ("numerics.network", "forward"),
    "get_activation": ("numerics.network", "get_activation"),
    "gradient": ("numerics.network", "gradient"),
    "hessian": ("numerics.network", "hessian"),
    "loss": ("numerics.network", "loss"),
    "pack": ("numerics.network", "pack"),
    "unpack": ("numerics.network", "unpack"),
    "Arrangement": ("numerics.basins", "Arrangement"),
    "BasinBatch": ("numerics.basins", "BasinBatch"),
    "BasinMinimum": ("numerics.basins", "BasinMinimum"),
    "BoundaryError": ("numerics.basins", "BoundaryError"),
    "Certificate": ("numerics.basins", "Certificate"),
    "EmptyBasinError": ("numerics.basins", "EmptyBasinError"),
    "ExactKKT": ("numerics.basins", "ExactKKT"),
    "GlobalMinimum": ("numerics.basins", "GlobalMinimum"),
    "SolverError": ("numerics.basins", "SolverError"),
    "basin_is_nonempty": ("numerics.basins", "basin_is_nonempty"),
    "basin_value": ("numerics.basins", "basin_value"),
    "basin_value_at": ("numerics.basins", "basin_value_at"),
    "basin_values": ("numerics.basins", "basin_values"),
    "basin_values_at": ("numerics.basins", "basin_values_at"),
    "enumerate_regions": ("numerics.basins", "enumerate_regions"),
    "exact_kkt_certificate": ("numerics.basins", "exact_kkt_certificate"),
    "expected_region_count": ("numerics.basins", "expected_region_count"),
    "global_minimum": ("numerics.basins", "global_minimum"),
    "network_loss": ("numerics.basins", "network_loss"),
    "sign_pattern": ("numerics.basins", "sign_pattern"),
    "singleton_basin_value": ("numerics.basins", "singleton_basin_value"),
    "singleton_global_minimum": ("numerics.basins", "singleton_global_minimum"),
    "basin_probability": ("numerics.basins", "probability"),
    "ConditionViolated": ("numerics.monotone_path", "ConditionViolated"),
    "build_monotone_path": ("numerics.monotone_path", "build_monotone_path"),
    "slice_minima": ("numerics.monotone_path", "slice_minima"),
    "energy_ratio": ("numerics.sgd_linear", "energy_ratio"),
    "min_norm_limit": ("numerics.sgd_linear", "min_norm_limit"),
    "worst_case_ratio": ("numerics.sgd_linear", "worst_case_ratio"),
    "Trajectories": ("numerics.flow", "Trajectories"),
    "batched_gradient": ("numerics.flow", "batched_gradient"),
    "batched_loss": ("numerics.flow", "batched_loss"),
    "batched_predict": ("numerics.flow", "batched_predict"),
    "generalization_error": ("numerics.flow", "generalization_error"),
    "gradient_descent": ("numerics.flow", "gradient_descent"),
    "gradient_descent_datasets": ("numerics.flow", "gradient_descent_datasets"),
    "gradient_flow": ("numerics.flow", "gradient_flow"),
    "plot_trajectories": ("numerics.flow", "plot_trajectories"),
    "small_init_flow": ("numerics.flow", "small_init_flow"),
    "RateFit": ("numerics.imbalance", "RateFit"),
    "data_vector": ("numerics.imbalance", "data_vector"),
    "escape_basis": ("numerics.imbalance", "escape_basis"),
    "escape_rates": ("numerics.imbalance", "escape_rates"),
    "escape_time": ("numerics.imbalance", "escape_time"),
    "fit_rate": ("numerics.imbalance", "fit_rate"),
    "imbalance_vector": ("numerics.imbalance", "imbalance_vector"),
    "init_with_imbalance": ("numerics.imbalance", "init_with_imbalance"),
    "sigma_prime_zero": ("numerics.imbalance", "sigma_prime_zero"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'numerics' has no attribute {name!r}") from None
    if attr is None:
        value = import_module(module)
    else:
        parent = import_module(module)
        try:
            value = getattr(parent, attr)
        except AttributeError:  # a submodule not imported by its package (basins.probability)
            value = import_module(f"{module}.{attr}")
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
