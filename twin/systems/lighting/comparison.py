"""The run's nights under other lighting policies: what each would have drawn.

A planner asks "how much would adaptive dimming save here?". Rather than a
second run, the lighting system evaluates, at every tick, the built-in
policies (:data:`BUILT_IN`, with their default parameters) on the very inputs
the run's own policy sees — the same clock, sun, motion and failed luminaires —
and integrates the power each would draw with the run's own energy formula
(:func:`twin.kernels.lighting.apply_levels`). A level array per policy and
tick is all it costs.

The counterfactual lights change nothing in the run: crime and every other
system see the run's own lights only. The run's own policy is one of the
entries — under its name when it *is* a built-in with default parameters,
otherwise as ``"<name> (this run)"`` — and its energy is the run's actual energy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.kernels.lighting import apply_levels
from twin.sim import policies
from twin.systems.lighting.lights import StreetLights
from twin.systems.lighting.policies import LightingContext, LightingPolicy

#: The policies every run is compared with, evaluated with their default parameters.
BUILT_IN: tuple[str, ...] = ("always_on", "dusk_to_dawn", "adaptive")


def run_label(name: str, policy: LightingPolicy) -> str:
    """The run's own entry in the comparison.

    Parameters
    ----------
    name : str
        The run's policy name (``lighting.policy.name``).
    policy : LightingPolicy
        The run's policy, with its parameters.

    Returns
    -------
    str
        ``name`` when the policy equals the built-in of that name with default
        parameters (pydantic models compare field by field), else ``"<name> (this run)"``.
    """
    if name in BUILT_IN and policies.create("lighting", name) == policy:
        return name
    return f"{name} (this run)"


@dataclass
class PolicyComparison:
    """Power of the built-in policies under the run's conditions, tick by tick.

    Parameters
    ----------
    lights : StreetLights
        The run's luminaires (lit mask, counts, watts).
    run_label : str
        The run's own entry (:func:`run_label`); a built-in of that name is not
        evaluated again.
    """

    lights: StreetLights
    run_label: str
    others: dict[str, LightingPolicy] = field(init=False)

    def __post_init__(self) -> None:
        self.others = {name: policies.create("lighting", name) for name in BUILT_IN if name != self.run_label}
        s = self.lights.n_segments
        # Scratch outputs of the kernel: only the totals matter here.
        self._level = np.zeros(s)
        self._effective = np.zeros(s)

    def power_w(self, context: LightingContext, failed: np.ndarray) -> dict[str, float]:
        """Power each other policy would draw now, W.

        Parameters
        ----------
        context : LightingContext
            The tick's context, as the run's policy saw it.
        failed : int64[s]
            Failed luminaires per segment now.

        Returns
        -------
        dict[str, float]
            Policy name → W (every policy of :attr:`others`).
        """
        lights = self.lights
        out = {}
        for name, policy in self.others.items():
            target = np.asarray(policy.levels(context), dtype=np.float64)
            out[name] = apply_levels(target, lights.seg_lit, lights.seg_count, failed, lights.seg_watt,
                                     self._level, self._effective)[0]
        return out
