"""The ``traffic:`` section of a scenario, with documented defaults.

Sources of the defaults
-----------------------
* Daily volumes per direction by road class (``AADT``): assumptions of the
  order of counts on European and North-American urban streets — a two-way
  urban arterial carries some 15,000–30,000 vehicles a day, a collector
  5,000–15,000, a residential street a few hundred to 2,000 (e.g. FHWA,
  *Highway Functional Classification Concepts, Criteria and Procedures*, 2013,
  table 3-5 of typical AADT ranges). Set your city's counts.
* Hour-of-day profile: a weekday shape with morning and afternoon peaks; the
  busiest hour carries about 8 % of the daily volume (the "K factor", typically
  8–10 % in urban areas; HCM 2010, ch. 3). Day-of-week: weekend traffic lower.
* Lanes per direction and link capacities per lane (BPR): planning-model
  values of the kind used with the BPR function (e.g. 1,800–2,000 veh/h/lane on
  motorways; 700–1,000 on signalised arterials, where the stop lines, not the
  links, limit the flow; 400–600 on local streets).
* Saturation flow per lane at a stop line: HCM 2010 (Transportation Research
  Board), ch. 18, base saturation flow 1,900 passenger cars per hour of green
  per lane; less on minor streets, whose narrower lanes, parking and turning
  traffic lower it (HCM adjustment factors) — 1,700–1,800 here.
* BPR α = 0.15, β = 4: Bureau of Public Roads (1964), *Traffic Assignment Manual*.
* Collision rates: see :mod:`twin.systems.traffic.collisions`.
* Smart crosswalks: pedestrian-crash reduction 0.47 — rectangular rapid-flashing
  beacons at uncontrolled crossings, crash modification factor about 0.53
  (Zegeer et al. 2017, *Development of Crash Modification Factors for
  Uncontrolled Pedestrian Crossing Treatments*, NCHRP Research Report 841),
  the figure FHWA's *Proven Safety Countermeasures* quotes ("up to 47 %").
* Preemption lost time 20 s per preemption: an assumption of the order of one
  phase's green plus its clearance (see :mod:`twin.systems.traffic.preemption`).

Volumes are vehicles; times seconds; lengths metres.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from twin.calibration.files import parameter_file, value_from_file
from twin.sim.budget import Estimate
from twin.sim.config import (
    HourProfile,
    PolicyChoice,
    Priority,
    StrictModel,
    WeekdayProfile,
    reported_incident_events,
    reported_type_problems,
)
from twin.sim.system import Problem
from twin.systems.traffic import policies as _policies  # noqa: F401  (registers the built-in policies)

RoadClass = Literal["motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
                    "living_street", "service", "footway", "other"]

#: Largest ``volumes.scale``: a hundred times a city's traffic already puts every arterial
#: far past its capacity (BPR delays grow as the 4th power of the volume), so beyond it the
#: run's travel times and collision counts mean nothing and can overflow.
MAX_VOLUME_SCALE = 100.0

#: Daily vehicles per direction of travel.
DEFAULT_AADT: dict[str, float] = {
    "motorway": 30000, "trunk": 20000, "primary": 10000, "secondary": 6000, "tertiary": 3500,
    "unclassified": 1500, "residential": 700, "living_street": 200, "service": 200, "footway": 0, "other": 300,
}
#: Lanes per direction.
DEFAULT_LANES: dict[str, float] = {
    "motorway": 2, "trunk": 2, "primary": 2, "secondary": 1, "tertiary": 1, "unclassified": 1,
    "residential": 1, "living_street": 1, "service": 1, "footway": 1, "other": 1,
}
#: Link capacity for the BPR function, vehicles per hour per lane.
DEFAULT_CAPACITY: dict[str, float] = {
    "motorway": 2000, "trunk": 1800, "primary": 1000, "secondary": 900, "tertiary": 800,
    "unclassified": 600, "residential": 500, "living_street": 300, "service": 300, "footway": 300, "other": 500,
}
#: Saturation flow at a stop line, vehicles per hour of green per lane (HCM 2010 base 1900).
DEFAULT_SATURATION: dict[str, float] = {
    "motorway": 1900, "trunk": 1900, "primary": 1900, "secondary": 1850, "tertiary": 1800,
    "unclassified": 1750, "residential": 1700, "living_street": 1700, "service": 1700, "footway": 1700,
    "other": 1700,
}
#: Collisions per million vehicle-km between junctions (see :mod:`twin.systems.traffic.collisions`).
DEFAULT_LINK_RATE: dict[str, float] = {
    "motorway": 0.1, "trunk": 0.2, "primary": 0.5, "secondary": 0.5, "tertiary": 0.4, "unclassified": 0.4,
    "residential": 0.4, "living_street": 0.2, "service": 0.3, "footway": 0.0, "other": 0.3,
}
#: Relative traffic per clock hour 0..23 (a weekday with two peaks; the busiest hour about 8 % of the day).
HOUR_PROFILE = [1.0, 0.6, 0.4, 0.4, 0.6, 1.5, 3.8, 7.0, 7.5, 5.8, 5.2, 5.5,
                5.8, 5.8, 6.0, 6.8, 8.0, 8.2, 6.2, 4.4, 3.4, 2.8, 2.2, 1.6]
#: Relative daily traffic Monday..Sunday.
WEEKDAY_PROFILE = [1.02, 1.04, 1.05, 1.06, 1.08, 0.92, 0.83]


def _per_class(defaults: dict[str, float], what: str, *,
               positive: bool = False) -> Callable[[dict[str, float]], dict[str, float]]:
    """A validator merging per-class overrides over ``defaults`` and refusing bad values."""
    def check(values: dict[str, float]) -> dict[str, float]:
        for name, value in values.items():
            if value < 0 or (positive and value == 0):
                need = "positive" if positive else "non-negative"
                raise ValueError(f"the {what} of {name} must be {need}, got {value:g}")
        return {**defaults, **values}
    return check


class VolumeSettings(StrictModel):
    """Background volumes: a daily volume per road class spread over the day and the week."""

    aadt_by_class: dict[RoadClass, float] = Field(
        default_factory=dict, validate_default=True,
        description="daily vehicles per direction, by road class (overrides the defaults)")
    hour_profile: HourProfile = Field(default_factory=lambda: list(HOUR_PROFILE))
    weekday_profile: WeekdayProfile = Field(default_factory=lambda: list(WEEKDAY_PROFILE))
    scale: float = Field(default=1.0, ge=0, le=MAX_VOLUME_SCALE,
                         description="multiplies every volume (a demand scenario), at most 100")

    _merge = field_validator("aadt_by_class")(_per_class(DEFAULT_AADT, "daily volume"))


class RoadSettings(StrictModel):
    """Lanes, link capacities and saturation flows by road class (overrides of the defaults)."""

    lanes_by_class: dict[RoadClass, float] = Field(default_factory=dict, validate_default=True, description="lanes per direction")
    capacity_per_lane_by_class: dict[RoadClass, float] = Field(
        default_factory=dict, validate_default=True, description="BPR link capacity, vehicles per hour per lane")
    saturation_flow_by_class: dict[RoadClass, float] = Field(
        default_factory=dict, validate_default=True, description="stop-line saturation flow, vehicles per hour of green per lane")

    _lanes = field_validator("lanes_by_class")(_per_class(DEFAULT_LANES, "lanes", positive=True))
    _capacity = field_validator("capacity_per_lane_by_class")(
        _per_class(DEFAULT_CAPACITY, "capacity", positive=True))
    _saturation = field_validator("saturation_flow_by_class")(
        _per_class(DEFAULT_SATURATION, "saturation flow", positive=True))


class BPRSettings(StrictModel):
    """The BPR volume-delay function ``t = t0 (1 + α (v/c)^β)``."""

    alpha: float = Field(default=0.15, ge=0)
    beta: float = Field(default=4.0, ge=0)


class SignalChoice(PolicyChoice):
    """The signal-timing policy by registered name (``fixed_time`` or ``actuated``), with its parameters."""

    concern: ClassVar[str] = "signals"
    name: str = "fixed_time"


class PreemptionSettings(StrictModel):
    """Emergency-vehicle signal preemption."""

    enabled: bool = False
    equipped_share: float = Field(default=1.0, ge=0, le=1, description="share of signal controllers equipped")
    priorities: list[Priority] = Field(
        default_factory=lambda: [1, 2],
        description="incident priorities whose units drive with lights and sirens and preempt signals")
    lost_time_s: float = Field(default=20.0, ge=0, le=120,
                               description="extra red imposed on the cross street by one preemption, s")


class CollisionCalibration(StrictModel):
    """The factor on every collision rate, when it is not fitted to ``collisions.per_day``.

    ``scale`` given: used as is. ``file`` given: the ``scale`` of a parameter file
    written by :class:`twin.calibration.CollisionScale` (a relative path is
    relative to the scenario file; the resolved scenario records the value too,
    and both must then agree). Neither: fitted when the run is built to
    ``collisions.per_day`` if that is set, else 1 (the rates as given).
    """

    scale: float | None = Field(default=None, ge=0, description="factor on every collision rate")
    file: str | None = Field(default=None, description="parameter file giving scale (twin.calibration.CollisionScale)")

    _value_from_file = model_validator(mode="before")(value_from_file("scale", "traffic.collisions.calibration.scale"))
    _file_is_a_parameter_file = field_validator("file")(parameter_file("traffic.collisions.calibration.scale"))


class CollisionSettings(StrictModel):
    """Traffic collisions drawn from exposure and published as incidents."""

    enabled: bool = True
    incident_type: str = Field(default="traffic_collision",
                               description="response incident type of the IncidentReported events")
    per_day: float | None = Field(
        default=None, ge=0,
        description="calibrate: scale every rate so that an average day of this city expects this many "
                    "collisions (before smart crosswalks), unless calibration gives the scale; default: the "
                    "rates as given")
    calibration: CollisionCalibration = Field(default_factory=CollisionCalibration)
    link_rate_per_mvkm: dict[RoadClass, float] = Field(
        default_factory=dict, validate_default=True,
        description="collisions per million vehicle-km between junctions, by road class")
    signal_rate_per_mev: float = Field(default=0.3, ge=0,
                                       description="vehicle collisions per million vehicles entering a signal")
    junction_rate_per_mev: float = Field(default=0.15, ge=0,
                                         description="per million vehicles entering an unsignalised junction")
    signal_pedestrian_rate_per_mev: float = Field(default=0.03, ge=0,
                                                  description="pedestrian collisions per million entering vehicles")
    crossing_pedestrian_rate_per_mev: float = Field(default=0.05, ge=0,
                                                    description="at unsignalised pedestrian crossings")

    _rates = field_validator("link_rate_per_mvkm")(_per_class(DEFAULT_LINK_RATE, "collision rate"))


class SmartCrosswalks(StrictModel):
    """Intelligent pedestrian crossings (detection with flashing warning lights) at unsignalised crossings."""

    share: float = Field(default=0.0, ge=0, le=1, description="share of the unsignalised crossings equipped")
    pedestrian_risk_reduction: float = Field(
        default=0.47, ge=0, le=1,
        description="relative reduction of pedestrian collisions where installed (Zegeer et al. 2017)")
    placement: Literal["busiest", "random"] = Field(
        default="busiest", description="equip the crossings with the most expected pedestrian collisions first, "
                                       "or a random sample")


class TrafficConfig(StrictModel):
    """Scenario section ``traffic``."""

    refresh_s: float = Field(default=900.0, ge=60, le=86400,
                             description="how often volumes, signal plans and travel times are recomputed, s")
    volumes: VolumeSettings = Field(default_factory=VolumeSettings)
    roads: RoadSettings = Field(default_factory=RoadSettings)
    bpr: BPRSettings = Field(default_factory=BPRSettings)
    signals: SignalChoice = Field(default_factory=SignalChoice)
    signal_cluster_m: float = Field(default=30.0, ge=0, le=200,
                                    description="signal nodes closer than this share one controller, m")
    max_degree_of_saturation: float = Field(
        default=0.95, gt=0, lt=1, description="cap on x in Webster's delay; beyond 1 the overflow delay is added")
    preemption: PreemptionSettings = Field(default_factory=PreemptionSettings)
    collisions: CollisionSettings = Field(default_factory=CollisionSettings)
    smart_crosswalks: SmartCrosswalks = Field(default_factory=SmartCrosswalks)


def check_scenario(scenario: Any) -> list[Problem]:
    """Mistakes between the ``traffic`` section and the rest of a validated scenario.

    Collisions are reported to emergency response as ``collisions.incident_type``:
    with a ``response`` section that must be one of its incident types, with
    ``arrivals: external`` (otherwise the response system draws collisions of its
    own as well). Found here rather than at the first collision, hours into a run.
    """
    collisions = scenario.traffic.collisions
    if not collisions.enabled:
        return []
    return reported_type_problems(scenario, "traffic.collisions.incident_type", collisions.incident_type,
                                  "the traffic system's collisions")


def estimate(scenario: Any, nodes: int | None) -> Estimate:
    """What the ``traffic`` section costs a run (:meth:`twin.sim.system.System.estimate`): a
    ``TrafficState`` every ``refresh_s``, and each collision a ``TrafficCollision`` and a report
    (and its handling, with a response section). Collisions are counted from
    ``collisions.per_day`` when the scale is fitted to it; otherwise they depend on the city's
    traffic, not known before it is loaded, and are not counted."""
    config: TrafficConfig = scenario.traffic
    duration = scenario.run.duration
    collisions = config.collisions
    per_day = 0.0
    if collisions.enabled and collisions.calibration.scale is None and collisions.per_day is not None:
        per_day = collisions.per_day
    events = per_day * duration / 86400 * (1 + reported_incident_events(scenario)) + duration / config.refresh_s
    return Estimate.of({}, events=events)
