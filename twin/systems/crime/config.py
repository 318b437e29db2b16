"""The ``crime:`` section of a scenario, with documented defaults.

Example::

    crime:
      per_day: 29.6
      types:
        crime_in_progress: {share: 0.12, outdoor_share: 0.5}
        crime_report: {share: 0.25, outdoor_share: 0.5}
      targets: {exponent: 1.0}
      guardianship: {coefficient: 1.4, radius_m: 100}

Sources of the defaults
-----------------------
* ``per_day`` 29.6: the crime the response-only scenario's emergency-response system
  draws itself. ``scenarios/response_only.yaml`` has ``response.arrivals.per_day: 80``
  and the response system's default incident types give ``crime_in_progress``
  a share of 0.12 and ``crime_report`` 0.25 out of 1.00 in all, so
  80 × (0.12 + 0.25) / 1.00 = 29.6 crimes per day (averaged over the week, like
  the response system's ``per_day``). The crime system cannot read the response
  section (systems never import each other), hence a parameter of its own.
* Type shares 0.12 and 0.25: the response system's defaults, so the mix of
  in-progress crimes (priority 1, two police units) and reports (priority 3)
  is the baseline's.
* ``hour_profile`` and ``weekday_profile``: the response system's default
  multipliers, under which the baseline drew its crimes — so the crime system
  keeps the baseline's crime by hour and by weekday as well as its count.
  Local crime-by-hour statistics should replace them.
* Guardianship ``coefficient`` 1.4 and ``radius_m`` 100: Di Tella &
  Schargrodsky (2004), "Do police reduce crime? Estimates using the allocation
  of police forces after a terrorist attack", American Economic Review 94(1),
  115–133: police posted at protected buildings in Buenos Aires cut car thefts
  on the same block by about 75 % (exp(−1.4) ≈ 0.25) and had no measurable
  effect one or two blocks away (about 100 m). Applying it to every crime type
  and to passing as well as posted units is an assumption.
* ``outdoor_share`` 0.5: an assumption (no source): half of the crimes happen
  in the street, where street light can deter them (Chalfin et al. 2022 found
  their effect on night-time *outdoor* index crime).
* ``targets.exponent`` 1: crime proportional to the people present, the
  neutral choice (an assumption).

Times are seconds, distances metres, rates per day unless the name says otherwise.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from twin.calibration.files import parameter_file, value_from_file
from twin.sim.budget import Estimate
from twin.sim.config import StrictModel, reported_incident_events, reported_type_problems
from twin.sim.system import Problem

#: Crime multipliers by hour of day (00:00 first): the response system's default
#: hour profile, under which the baseline scenario drew its crimes.
HOUR_PROFILE: tuple[float, ...] = (0.55, 0.48, 0.42, 0.38, 0.36, 0.38, 0.52, 0.78, 1.02, 1.18, 1.26, 1.3,
                                   1.3, 1.28, 1.26, 1.26, 1.28, 1.3, 1.28, 1.2, 1.1, 0.98, 0.84, 0.7)
#: Multipliers by day of week (Monday first): the response system's default.
WEEKDAY_PROFILE: tuple[float, ...] = (0.97, 0.96, 0.96, 0.98, 1.04, 1.06, 1.03)


def _profile(values: list[float]) -> list[float]:
    for i, value in enumerate(values):
        if value < 0:
            raise ValueError(f"multiplier {i} must not be negative, got {value}")
    if sum(values) <= 0:
        raise ValueError("multipliers must not all be zero")
    return values


class CrimeType(StrictModel):
    """One incident type the crime system reports, with its share and how much of it is outdoors."""

    share: float = Field(ge=0, le=1, description="relative frequency among the crime types (normalised)")
    outdoor_share: float = Field(default=0.5, ge=0, le=1,
                                 description="share happening outdoors, where street light deters at night")


def _default_types() -> dict[str, CrimeType]:
    return {"crime_in_progress": CrimeType(share=0.12), "crime_report": CrimeType(share=0.25)}


class Targets(StrictModel):
    """Suitable targets per node: people present.

    ``source``: ``auto`` takes ``people_per_node`` from a population system when
    one is installed, else the fallback; ``population`` requires one;
    ``weights`` always uses the fallback: the city's population weight per node
    times ``presence_profile[hour]``.
    """

    source: Literal["auto", "population", "weights"] = "auto"
    exponent: float = Field(default=1.0, ge=0, le=4, description="a in targets ** a")
    presence_profile: list[float] = Field(
        default_factory=lambda: [1.0] * 24, min_length=24, max_length=24,
        description="fallback only: relative number of people present by hour (00:00 first); flat by "
                    "default, like the population system, where everyone counts at some node at all hours")

    @field_validator("presence_profile")
    @classmethod
    def _non_negative(cls, values: list[float]) -> list[float]:
        return _profile(values)


class Guardianship(StrictModel):
    """Capable guardians: units of a type within reach of a node deter crime there."""

    unit_type: Literal["police", "ambulance", "fire"] = "police"
    coefficient: float = Field(default=1.4, ge=0, description="g: intensity × exp(-g × units within reach)")
    radius_m: float = Field(default=100.0, ge=0, le=5000, description="reach along the roads, metres")


class Calibration(StrictModel):
    """How the intensity's scale ``base`` is fixed, before the clock starts.

    ``base`` given: used as is (crimes per second per unit of target weight, at
    hour and weekday multiplier 1). ``file`` given: the ``base`` of a parameter
    file written by :class:`twin.calibration.CrimeBase` (a relative path is
    relative to the scenario file; the resolved scenario records the value too,
    and both must then agree). Neither: the run fits
    :class:`~twin.calibration.CrimeBase` once, after every system is installed
    and before the clock starts, so that the expected crimes per day equal
    ``crime.per_day`` under the reference covariates: the targets at the start
    (or the fallback's profile), the guardians where they stand at the start
    (``guardians: initial``, i.e. at their stations) or none at all
    (``guardians: none``), and **no lighting effect**, so that variants
    differing only in their street lights share the same scale.
    """

    base: float | None = Field(default=None, ge=0, description="crimes per second per unit target weight")
    file: str | None = Field(default=None, description="parameter file giving base (twin.calibration.CrimeBase)")
    guardians: Literal["initial", "none"] = "initial"

    _value_from_file = model_validator(mode="before")(value_from_file("base", "crime.calibration.base"))
    _file_is_a_parameter_file = field_validator("file")(parameter_file("crime.calibration.base"))


class CrimeConfig(StrictModel):
    """Scenario section ``crime``."""

    per_day: float = Field(default=29.6, ge=0, description="mean crimes per day (week average) to calibrate to")
    types: dict[str, CrimeType] = Field(default_factory=_default_types, min_length=1,
                                        description="response incident types to report, with their shares")
    tick_s: float = Field(default=300.0, gt=0, le=3600, description="interval of intensity updates, seconds")
    hour_profile: list[float] = Field(default_factory=lambda: list(HOUR_PROFILE), min_length=24, max_length=24)
    weekday_profile: list[float] = Field(default_factory=lambda: list(WEEKDAY_PROFILE), min_length=7,
                                         max_length=7)
    targets: Targets = Field(default_factory=Targets)
    guardianship: Guardianship = Field(default_factory=Guardianship)
    calibration: Calibration = Field(default_factory=Calibration)
    night_from_h: int = Field(default=18, ge=0, le=23, description="KPIs: night starts at this hour")
    night_until_h: int = Field(default=6, ge=0, le=23, description="KPIs: night ends at this hour")

    @field_validator("hour_profile", "weekday_profile")
    @classmethod
    def _non_negative(cls, values: list[float]) -> list[float]:
        return _profile(values)

    @model_validator(mode="after")
    def _some_share(self) -> CrimeConfig:
        if sum(t.share for t in self.types.values()) <= 0:
            raise ValueError("types: at least one crime type needs a share above 0")
        if self.night_from_h == self.night_until_h:
            raise ValueError(f"night_from_h and night_until_h must differ, both are {self.night_from_h}")
        return self

    def is_night(self, hour: int) -> bool:
        """Whether a clock hour (0–23) counts as night for the KPIs."""
        start, end = self.night_from_h, self.night_until_h
        return start <= hour < end if start < end else hour >= start or hour < end


def check_scenario(scenario: Any) -> list[Problem]:
    """Mistakes between the ``crime`` section and the rest of a validated scenario.

    * ``targets.source: population`` needs a ``population`` section, the system
      that provides ``people_per_node`` (otherwise found at the first tick);
    * every crime type is reported to emergency response: with a ``response``
      section it must be one of its incident types, with ``arrivals: external``.
    """
    config: CrimeConfig = scenario.crime
    problems = []
    if config.targets.source == "population" and getattr(scenario, "population", None) is None:
        problems.append(Problem("crime.targets.source",
                                "is 'population' but the scenario has no population section to count the people "
                                "(add one, or use 'auto' or 'weights')"))
    for name in config.types:
        problems += reported_type_problems(scenario, f"crime.types.{name}", name, "the crime system's crimes")
    return problems


def estimate(scenario: Any, nodes: int | None) -> Estimate:
    """What the ``crime`` section costs a run (:meth:`twin.sim.system.System.estimate`): each
    crime publishes ``CrimeCommitted`` and a report (and its handling, with a response section);
    the intensity is updated every ``tick_s``. ``per_day`` is what the scale is fitted to;
    a given ``calibration.base`` is not counted."""
    config: CrimeConfig = scenario.crime
    duration = scenario.run.duration
    crimes = config.per_day * duration / 86400
    return Estimate.of({}, events=crimes * (1 + reported_incident_events(scenario)), steps=duration / config.tick_s)
