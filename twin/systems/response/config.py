"""The ``response:`` section of a scenario, with documented defaults.

Sources of the defaults
-----------------------
* Turnout time 60 s (EMS) and 80 s (fire), first-engine travel target 240 s,
  ALS travel target 480 s: NFPA 1710 (2020), §4.1.2.1.
* Call answering within 15 s for 90 % of calls, call processing about 60 s:
  NFPA 1221 (2019), §7.4; the means below sit inside those bounds.
* On-scene and hospital hand-over times: typical urban EMS figures (on scene
  about 15–20 min, hand-over about 20 min; e.g. Cone et al., Prehosp Emerg Care
  2013; NHS England ambulance quality indicators).
* Lights-and-sirens time saving: roughly 10–25 % of the driving time in urban
  studies (Hunt et al., Ann Emerg Med 1995; Ho & Casey 1998); the defaults divide
  travel time by 1.25 (priority 1) and 1.1 (priority 2).
* Hour-of-day profile: EMS demand peaks late morning to early evening and is
  lowest around 04:00–06:00 (e.g. Cantwell et al., Am J Emerg Med 2015); the
  24 multipliers below follow that shape with mean 1.

All times are seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from twin.sim import policies
from twin.sim.budget import EVENTS_PER_INCIDENT, Estimate
from twin.sim.config import (
    Duration,
    HourProfile,
    PolicyChoice,
    Priority,
    StrictModel,
    WeekdayProfile,
    as_written,
    merge_over,
)
from twin.sim.system import Problem
from twin.systems.response import policies as _policies  # noqa: F401  (registers the built-in policies)

UNIT_TYPES = ("police", "ambulance", "fire")

#: City facility kinds that can house each unit type, in order of preference.
STATION_KINDS: dict[str, tuple[str, ...]] = {
    "police": ("police",),
    "ambulance": ("ambulance_station", "fire_station", "hospital"),
    "fire": ("fire_station",),
}

HOUR_PROFILE = [0.55, 0.48, 0.42, 0.38, 0.36, 0.38, 0.52, 0.78, 1.02, 1.18, 1.26, 1.3,
                1.3, 1.28, 1.26, 1.26, 1.28, 1.3, 1.28, 1.2, 1.1, 0.98, 0.84, 0.7]
WEEKDAY_PROFILE = [0.97, 0.96, 0.96, 0.98, 1.04, 1.06, 1.03]  # Monday first


class IncidentType(StrictModel):
    """One kind of incident: how often, how urgent, what it needs, how long it takes."""

    share: float = Field(gt=0, description="relative frequency among the Poisson-generated types")
    arrivals: Literal["poisson", "external"] = Field(
        default="poisson",
        description="'poisson': drawn by this system; 'external': only reported by another system "
                    "(IncidentReported events, e.g. collisions from traffic, crime from routine activities)")
    priority: Priority
    units: dict[Literal["police", "ambulance", "fire"], int] = Field(min_length=1)
    on_scene: Duration
    transport_probability: float = Field(default=0.0, ge=0, le=1)
    target_s: float | None = Field(default=None, gt=0,
                                   description="response-time target; default by priority")

    @field_validator("units")
    @classmethod
    def _positive_counts(cls, units: dict[str, int]) -> dict[str, int]:
        for kind, count in units.items():
            if count < 1:
                raise ValueError(f"units.{kind} must be at least 1, got {count}")
        return units


def _lognormal(mean_s: float, cv: float = 0.5) -> Duration:
    return Duration(distribution="lognormal", mean_s=mean_s, cv=cv)


DEFAULT_TYPES: dict[str, IncidentType] = {
    "medical_p1": IncidentType(share=0.12, priority=1, units={"ambulance": 1}, on_scene=_lognormal(1200),
                               transport_probability=0.85),
    "medical_p2": IncidentType(share=0.22, priority=2, units={"ambulance": 1}, on_scene=_lognormal(1000),
                               transport_probability=0.6),
    "medical_p3": IncidentType(share=0.14, priority=3, units={"ambulance": 1}, on_scene=_lognormal(900),
                               transport_probability=0.3),
    "fire": IncidentType(share=0.05, priority=1, units={"fire": 2}, on_scene=_lognormal(2400, 0.7),
                         target_s=240 + 80 + 90),
    "traffic_collision": IncidentType(share=0.1, priority=2, units={"police": 1, "ambulance": 1},
                                      on_scene=_lognormal(1800), transport_probability=0.3),
    "crime_in_progress": IncidentType(share=0.12, priority=1, units={"police": 2}, on_scene=_lognormal(2400)),
    "crime_report": IncidentType(share=0.25, priority=3, units={"police": 1}, on_scene=_lognormal(2100)),
}


class Arrivals(StrictModel):
    """When and how often incidents happen."""

    per_day: float = Field(default=120.0, ge=0, description="mean incidents per day")
    hour_profile: HourProfile = Field(default_factory=lambda: list(HOUR_PROFILE))
    weekday_profile: WeekdayProfile = Field(default_factory=lambda: list(WEEKDAY_PROFILE))


class CallHandling(StrictModel):
    """Call-takers answer and interview; dispatchers assign units."""

    call_takers: int = Field(default=3, ge=1)
    dispatchers: int = Field(default=2, ge=1)
    ring_s: Duration = Field(default_factory=lambda: _lognormal(8, 0.6),
                             description="from ringing to pick-up by a free call-taker")
    interview_s: Duration = Field(default_factory=lambda: _lognormal(75, 0.5))
    dispatch_s: Duration = Field(default_factory=lambda: _lognormal(30, 0.5))


class Station(StrictModel):
    """A station given by position (degrees) and an optional name."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    name: str = ""


class UnitFleet(StrictModel):
    """The units of one type and where they are based.

    ``stations``: ``auto`` uses the city's facilities of a suitable kind, and
    when there are none places ``ceil(count / 2)`` stations spread over the
    populated area; or a list of positions.
    """

    count: int = Field(ge=0)
    stations: Literal["auto"] | list[Station] = "auto"
    turnout_s: Duration = Field(default_factory=lambda: Duration(distribution="fixed", mean_s=60))

    @field_validator("stations")
    @classmethod
    def _some_stations(cls, stations: str | list[Station]) -> str | list[Station]:
        if isinstance(stations, list) and not stations:
            raise ValueError("give at least one station, or 'auto'")
        return stations


def _default_fleets() -> dict[str, UnitFleet]:
    return {
        "police": UnitFleet(count=6),
        "ambulance": UnitFleet(count=6),
        "fire": UnitFleet(count=4, turnout_s=Duration(distribution="fixed", mean_s=80)),
    }


class DispatchChoice(PolicyChoice):
    """The dispatch policy (which units to send), by registered name."""

    concern: ClassVar[str] = "dispatch"
    name: str = "closest"


class RelocationChoice(PolicyChoice):
    """The relocation policy (where idle units wait), by registered name; ``none`` keeps units at home."""

    concern: ClassVar[str] = "relocation"
    name: str = "none"


class ResponseConfig(StrictModel):
    """Scenario section ``response``.

    ``incident_types`` in a scenario file completes the default table
    (:data:`DEFAULT_TYPES`) the way ``extends`` completes a file from its parent:
    a type named there is merged field by field over the default of that name
    (mappings such as ``units`` key by key), or is new and then gives every
    required field; ``null`` removes a type, or a key inside one. The table keeps
    the defaults' order, new types follow in the order written. For example::

        incident_types:
          traffic_collision: {arrivals: external}     # the traffic system reports them
          fire: null                                  # no fires in this study
          medical_p1: {units: {ambulance: 2}}         # two ambulances to every priority-1 call
          gas_leak: {share: 0.02, priority: 1, units: {fire: 1}, on_scene: {mean_s: 1800}}

    A resolved scenario (``model_dump()``, validated without the
    :data:`~twin.sim.config.AS_WRITTEN` context) holds the whole table and is
    taken as it is; ``null`` still removes a type there.
    """

    arrivals: Arrivals = Field(default_factory=Arrivals)
    incident_types: dict[str, IncidentType] = Field(
        default_factory=lambda: dict(DEFAULT_TYPES), min_length=1,
        description="merged by name over the default types in a scenario file; null removes a type")
    call_handling: CallHandling = Field(default_factory=CallHandling)
    units: dict[Literal["police", "ambulance", "fire"], UnitFleet] = Field(default_factory=_default_fleets)
    hospitals: Literal["auto"] | list[Station] = "auto"
    handover_s: Duration = Field(default_factory=lambda: _lognormal(1200, 0.5))
    lights_and_sirens: dict[Priority, float] = Field(default_factory=lambda: {1: 1.25, 2: 1.1, 3: 1.0})
    routing_refresh_s: float = Field(
        default=900.0, gt=0,
        description="how often dispatch routing picks up the edge travel times another system provides "
                    "(query 'edge_travel_time_s', e.g. traffic congestion and signals), seconds")
    travel_time_scale: float = Field(default=1.0, ge=0,
                                     description="multiplies every drive time; 0 makes driving instantaneous")
    targets_s: dict[Priority, float] = Field(default_factory=lambda: {1: 480.0, 2: 900.0, 3: 1800.0})
    dispatch: DispatchChoice = Field(default_factory=DispatchChoice)
    relocation: RelocationChoice = Field(default_factory=RelocationChoice)

    @field_validator("incident_types", mode="before")
    @classmethod
    def _over_the_defaults(cls, table: Any, info: ValidationInfo) -> Any:
        # See the class docstring: a file's table completes the defaults, a resolved one replaces them.
        if not isinstance(table, Mapping):
            return table
        defaults = {name: kind.model_dump() for name, kind in DEFAULT_TYPES.items()} if as_written(info) else {}
        return merge_over(defaults, table)

    @field_validator("targets_s")
    @classmethod
    def _positive_targets(cls, targets: dict[int, float]) -> dict[int, float]:
        for priority, target in targets.items():
            if target <= 0:
                raise ValueError(f"the target of priority {priority} must be positive (seconds), got {target:g}")
        return targets

    @field_validator("lights_and_sirens")
    @classmethod
    def _speed_factors(cls, factors: dict[int, float]) -> dict[int, float]:
        for priority, factor in factors.items():
            if factor <= 0:
                raise ValueError(f"the speed factor of priority {priority} must be positive, got {factor}")
        return factors

    @model_validator(mode="after")
    def _every_needed_unit_exists(self) -> ResponseConfig:
        missing = []
        for name, kind in self.incident_types.items():
            for unit_type, count in kind.units.items():
                have = self.units[unit_type].count if unit_type in self.units else 0
                if have == 0:
                    missing.append(f"incident type {name!r} needs {unit_type} units but the scenario has none "
                                   f"(set response.units.{unit_type}.count)")
                elif have < count:
                    missing.append(f"incident type {name!r} needs {count} {unit_type} units but the scenario "
                                   f"has only {have}")
        if missing:
            raise ValueError("; ".join(missing))
        return self

    def target_of(self, incident_type: str) -> float:
        """Response-time target of an incident type, seconds."""
        kind = self.incident_types[incident_type]
        return kind.target_s if kind.target_s is not None else self.targets_s.get(kind.priority, 1800.0)


def check_scenario(scenario: Any) -> list[Problem]:
    """Mistakes in a validated scenario's ``response`` section that its fields alone do not show.

    A dispatch or relocation policy may define ``check(config) -> list[Problem]``,
    paths relative to its ``params``: the priority reserve refuses to hold back a
    whole fleet, which would otherwise be found only when the units are placed.
    """
    config: ResponseConfig = scenario.response
    problems = []
    for where, choice in (("dispatch", config.dispatch), ("relocation", config.relocation)):
        policy = policies.create(choice.concern, choice.name, choice.params)
        check = getattr(policy, "check", None)
        if callable(check):
            problems += [Problem(f"response.{where}.params.{p.path}", p.message) for p in check(config)]
    return problems


#: Memory of one unit (a mesa agent and its state), bytes: about 265 measured
#: (tracemalloc over installing 30,000 units in central Helsinki).
BYTES_PER_UNIT = 250
#: Memory of one planned incident (its row in nine arrays), bytes: 72 measured.
BYTES_PER_INCIDENT = 72
def stations_with_units(fleet: UnitFleet) -> int:
    """How many stations a fleet's units are based at, at least: the units fill the stations
    in turn; ``auto`` on a city without facilities of the kind places ``ceil(count / 2)``."""
    if fleet.count == 0:
        return 0
    if fleet.stations == "auto":
        return -(-fleet.count // 2)
    return min(fleet.count, len(fleet.stations))


def estimate(scenario: Any, nodes: int | None) -> Estimate:
    """What the ``response`` section costs a run (:meth:`twin.sim.system.System.estimate`).

    Its units, its planned incidents and their events (the incidents other systems report
    count with theirs), the hourly rates it draws them from, and where the city's size is
    known a routing tree to every station with units (a time and a successor per node,
    16 bytes) and a row of times to every hospital (8 bytes a node).
    """
    config: ResponseConfig = scenario.response
    duration = scenario.run.duration
    units = sum(fleet.count for fleet in config.units.values())
    drawn = any(kind.arrivals == "poisson" for kind in config.incident_types.values())
    incidents = config.arrivals.per_day * duration / 86400 if drawn else 0.0
    items = {f"{units:,} units": units * BYTES_PER_UNIT,
             f"{incidents:,.0f} incidents": incidents * BYTES_PER_INCIDENT,
             "hourly rates": duration / 3600 * 24}
    if nodes is not None:
        trees = sum(stations_with_units(fleet) for fleet in config.units.values())
        hospitals = 1 if config.hospitals == "auto" else len(config.hospitals)
        items[f"{trees:,} routing trees over {nodes:,} nodes"] = trees * nodes * 16.0
        items[f"{hospitals:,} hospitals' travel times"] = hospitals * nodes * 8.0
    return Estimate.of(items, events=incidents * EVENTS_PER_INCIDENT)
