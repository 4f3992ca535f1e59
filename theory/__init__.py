"""Closed forms of the sources, derived with SymPy. Imports nothing from ``numerics``."""

from theory.bounds import (  # noqa: F401,E402
    bound_prop1,
    bound_thm2,
    bound_thm3,
    bound_thm4,
    bound_thm5,
    width_needed,
)

from theory.hessian_origin import (  # noqa: F401,E402
    OriginSpectrum,
    generic_origin_entries,
    gradient_at_origin,
    hessian_at_origin,
    imbalance_vector,
    loss_expression,
    origin_spectrum,
    pin_sigma_at_origin,
    sigma_symbols,
)
from theory.cap import (  # noqa: F401,E402
    cap_elementary_bound,
    cap_measure,
    p_epsilon,
    theorem3_union_failure,
    theorem3_width,
    theta_epsilon,
)
from theory.relu import RELU_PRIME_AT_0, relu, relu_homogeneity_proof, relu_prime  # noqa: F401,E402
from theory.sgd_identity import (  # noqa: F401,E402
    derive_error_definitions,
    lemma1_proof,
    lemma2_proof,
    lemma2_symbolic_T_proof,
)
from theory.tanh_gradient import tanh_gradient_proof, tanh_network_loss  # noqa: F401,E402
from theory.interpolation import (  # noqa: F401,E402
    construction_failures,
    construction_report,
    zhang_interpolation,
)
from theory.piecewise import (  # noqa: F401,E402
    compare_on_pieces,
    derive_two_node_net,
    one_node_fit_impossible,
)
from theory.local_min import certificate_radius, claimed_interval, derive_certificate_interval, interval_proof  # noqa: F401,E402
from theory.khatri_rao import exact_rank, khatri_rao, rank_profile  # noqa: F401,E402
