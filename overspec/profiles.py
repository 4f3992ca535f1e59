"""Run profiles: how hard the checks push (Hypothesis examples, Monte Carlo sample sizes).

A profile is chosen by the environment variable ``OVERSPEC_PROFILE`` (``ci`` when unset) or by
``overspec verify --profile``. ``ci`` keeps the default ``pytest`` run under 5 minutes on 2
cores; ``thorough`` runs the heavy sweeps (tests marked ``@pytest.mark.thorough``) and larger
samples; ``dev`` is a quick, randomized profile for local iteration (not used for ledgers).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

ENV_VAR = "OVERSPEC_PROFILE"


@dataclass(frozen=True)
class Profile:
    """Knobs a check reads through the ``profile`` fixture."""

    name: str
    max_examples: int  # Hypothesis examples per property test
    derandomize: bool  # Hypothesis seeds fixed (required for a reproducible ledger)
    mc_scale: int  # multiplier on Monte Carlo sample sizes (the ci sizes are the unit)
    run_thorough: bool  # run tests marked @pytest.mark.thorough

    def samples(self, ci: int) -> int:
        """The Monte Carlo sample size for a check whose ``ci``-profile size is ``ci``."""
        return int(ci) * self.mc_scale


PROFILES: dict[str, Profile] = {
    "ci": Profile("ci", max_examples=25, derandomize=True, mc_scale=1, run_thorough=False),
    "dev": Profile("dev", max_examples=10, derandomize=False, mc_scale=1, run_thorough=False),
    "thorough": Profile("thorough", max_examples=200, derandomize=True, mc_scale=8, run_thorough=True),
}


class UnknownProfileError(ValueError):
    pass


def get_profile(name: str | None = None) -> Profile:
    """The profile named ``name``, else the one in ``$OVERSPEC_PROFILE``, else ``ci``."""
    name = name or os.environ.get(ENV_VAR) or "ci"
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownProfileError(
            f"unknown profile {name!r} (known: {', '.join(PROFILES)})"
        ) from None


def register_hypothesis_profiles() -> None:
    """Register the three profiles with Hypothesis (CI settings per the developers' guide)."""
    from hypothesis import HealthCheck, settings

    for p in PROFILES.values():
        settings.register_profile(
            p.name,
            max_examples=p.max_examples,
            derandomize=p.derandomize,
            database=None,
            deadline=None,
            print_blob=True,
            # the `evidence` fixture is meant to be shared by a property test's examples
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        )


def scaled_examples(divisor: int = 1, minimum: int = 3) -> int:
    """Hypothesis examples for a slow property test: the active profile's count ÷ ``divisor``.

    Use as ``@settings(max_examples=scaled_examples(5))`` so the test still grows under
    ``thorough``. Read at import time, after the plugin has loaded the profile.
    """
    return max(minimum, get_profile().max_examples // divisor)
