"""Events of the street-lighting system.

The log gets few of them: one ``LightingInstalled`` at the start, a
``LightingChanged`` only when the lights change noticeably (dusk, dawn, the
start and end of dimming), one ``LightingEnergy`` summary per reporting period
(an hour by default), and one ``LightFailed`` / ``LightRepaired`` per segment and
tick in which lights broke or were fixed. The KPIs are computed from these alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from twin.sim.events import Event


@dataclass(frozen=True, kw_only=True)
class LightingInstalled(Event):
    """The street lights of the run, once at time 0.

    ``lights`` luminaires on ``lit_km`` of the ``road_km`` of road (a two-way
    road counted once), drawing ``installed_kw`` at full level. ``compared_as`` is
    the run's own entry in ``LightingEnergy.kwh_by_policy``.
    """

    policy: str
    lights: int
    segments: int
    lit_segments: int
    lit_km: float
    road_km: float
    installed_kw: float
    price_per_kwh: float
    currency: str
    compared_as: str = ""


@dataclass(frozen=True, kw_only=True)
class LightingChanged(Event):
    """The lights changed noticeably (see ``LightingConfig.change_threshold``).

    Counts are of luminaires; ``mean_level`` is the mean level over all of them
    (a failed light counts 0), ``power_kw`` what they draw now.
    """

    lights_on: int
    lights_dimmed: int
    lights_failed: int
    mean_level: float
    power_kw: float
    dark: bool


@dataclass(frozen=True, kw_only=True)
class LightingEnergy(Event):
    """Energy drawn in ``[start_s, end_s)``, published at its end.

    ``dark_s`` is the time of the period with the sun below civil twilight (6°
    below the horizon) and ``level_dark_s`` the integral over that time of the
    mean light level (so ``level_dark_s / dark_s`` is the mean level at night).
    ``kwh_by_policy`` is the energy the period would have taken under each
    built-in policy, on the same inputs, and the run's own (``kwh``) under its
    entry (see :mod:`twin.systems.lighting.comparison`).
    """

    start_s: float
    end_s: float
    kwh: float
    cost: float
    dark_s: float
    level_dark_s: float
    kwh_by_policy: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class LightFailed(Event):
    """``lights`` luminaires of road segment ``segment`` failed (they give no light)."""

    segment: int
    lights: int


@dataclass(frozen=True, kw_only=True)
class LightRepaired(Event):
    """``lights`` luminaires of ``segment`` were repaired after ``down_s`` seconds in total (summed over them)."""

    segment: int
    lights: int
    down_s: float
