"""The ``drones:`` section of a scenario: docks, aircraft, no-fly zones, launch policy.

Example::

    drones:
      docks:
        - {name: Kamppi, lon: 24.932, lat: 60.169, drones: 2}
      aircraft: {cruise_m_s: 17, endurance_s: 2400}
      no_fly:
        - name: helipad
          polygon: [[24.940, 60.170], [24.942, 60.170], [24.942, 60.171], [24.940, 60.171]]
      launch: {name: on_call, params: {types: [crime_in_progress, traffic_collision]}}

Sources of the defaults
-----------------------
* ``cruise_m_s`` 17: DJI Matrice 30 (the aircraft of the DJI Dock used by many
  drone-as-first-responder programmes) has a maximum speed of 23 m/s and flies
  missions at about 15–17 m/s (DJI M30 specifications); Skydio X10 lists 20 m/s.
  17 m/s is the middle of the 15–20 m/s range the programmes quote.
* ``climb_s`` and ``descent_s`` 25: the time to climb from the dock to about
  60–120 m and to come down to an observation altitude, 20–30 s at the M30's
  6 m/s ascent and 5 m/s descent rates (DJI M30 specifications); a drone that
  keeps station at altitude still needs the time to stop and point the camera.
* ``launch_delay_s`` 30: from the decision to fly to take-off (dock lid, pre-flight
  checks, remote pilot's clearance). An assumption; Chula Vista Police
  Department's DFR programme reports launching "within seconds" of the call
  being typed, with the pilot's checks taking well under a minute.
* ``endurance_s`` 2400 (40 min): DJI M30 41 min, DJI Matrice 3D 50 min, Skydio X10
  40 min (manufacturers' hover/flight times, no wind); ``battery_reserve`` 0.2
  keeps a fifth of it for the return, winds and landing (an assumption, the
  usual 20 % reserve of flight operations).
* ``recharge_s`` 1920 (32 min) for a full charge: DJI Dock 2 charges its
  battery from 10 % to 90 % in 32 minutes (DJI Dock 2 specifications); charge
  time is taken as proportional to the energy used (an assumption).
* ``max_range_m`` 3200 (2 miles): Chula Vista and Elk Grove fly within about
  2 miles (3.2 km) of their docks (Chula Vista PD DFR programme; Elk Grove PD DFR
  reports), the radius in which a drone beats a patrol car.
* ``wind_limit_m_s`` 12: DJI M30 wind resistance 12 m/s (DJI specifications);
  ``wind_m_s`` 0 (calm) unless the scenario says otherwise.
* ``hours`` 08:00–18:00 (10 h a day): programmes flew about 10 h a day in their
  first years (Chula Vista PD: 10 h, seven days a week, before going to 24 h).
* ``max_on_scene_s`` 900: how long a drone watches a scene no ground unit reaches
  before it flies home (an assumption).
* ``assess_s`` 60: the time the remote pilot takes to judge a scene from the video
  (an assumption).
* ``clear_probability``: about 14 % of Elk Grove's drone-first calls were closed
  without a patrol unit (Elk Grove PD DFR reports); reports of crime and minor
  collisions are the calls closed that way, priority-1 calls never are. The
  split by type is an assumption that gives about that share on the default mix.

Times are seconds, distances metres, speeds metres per second, lon/lat WGS 84 degrees.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator

from twin.sim.config import PolicyChoice, StrictModel
from twin.sim.system import Problem


class Dock(StrictModel):
    """A drone dock (a box on a roof that launches, lands and charges its drones)."""

    lon: float = Field(ge=-180, le=180, description="longitude, degrees")
    lat: float = Field(ge=-90, le=90, description="latitude, degrees")
    name: str = ""
    drones: int = Field(default=2, ge=0, description="drones based at the dock")


class NoFlyZone(StrictModel):
    """A polygon drones must fly around (an airport, a hospital's helipad), lon/lat vertices."""

    name: str = ""
    polygon: list[tuple[float, float]] = Field(min_length=3, description="(lon, lat) vertices, degrees")

    @model_validator(mode="after")
    def _valid(self) -> NoFlyZone:
        from shapely.geometry import Polygon

        shape = Polygon(self.polygon)
        if not shape.is_valid or shape.area <= 0:
            raise ValueError("polygon: must be a simple polygon with an area (no self-crossing edges)")
        return self


class Aircraft(StrictModel):
    """Performance of every drone (one model of aircraft per scenario)."""

    cruise_m_s: float = Field(default=17.0, gt=0, description="cruise air speed, m/s")
    climb_s: float = Field(default=25.0, ge=0, description="take-off and climb to cruise altitude, s")
    descent_s: float = Field(default=25.0, ge=0, description="stop and descend over the scene, s")
    launch_delay_s: float = Field(default=30.0, ge=0, description="decision to take-off, s")
    endurance_s: float = Field(default=2400.0, gt=0, description="flight time on a full battery, s")
    battery_reserve: float = Field(default=0.2, ge=0, lt=1, description="share kept for reserve")
    recharge_s: float = Field(default=1920.0, ge=0, description="time to charge an empty battery, s")


class Weather(StrictModel):
    """A steady wind over the whole run."""

    wind_m_s: float = Field(default=0.0, ge=0, description="wind speed, m/s")
    wind_from_deg: float = Field(default=270.0, ge=0, lt=360, description="direction the wind blows from, degrees")
    wind_limit_m_s: float = Field(default=12.0, gt=0, description="no launch above this wind, m/s")


class LaunchChoice(PolicyChoice):
    """The launch policy by registered name (``on_call`` or ``after_dispatch``), with its parameters."""

    concern: ClassVar[str] = "drone_launch"
    name: str = "on_call"


def _default_clear() -> dict[str, float]:
    return {"crime_report": 0.3, "traffic_collision": 0.15, "medical_p3": 0.05}


class DronesConfig(StrictModel):
    """Scenario section ``drones``."""

    docks: list[Dock] = Field(min_length=1)
    aircraft: Aircraft = Field(default_factory=Aircraft)
    weather: Weather = Field(default_factory=Weather)
    no_fly: list[NoFlyZone] = Field(default_factory=list)
    max_range_m: float = Field(default=3200.0, gt=0, description="farthest scene from the dock, path metres")
    hours: tuple[float, float] = Field(default=(8.0, 18.0), description="local operating hours [from, to), h")
    max_on_scene_s: float = Field(default=900.0, gt=0, description="watch a scene at most this long, s")
    assess_s: float = Field(default=60.0, ge=0, description="time to judge the scene from the video, s")
    clear_probability: dict[str, float] = Field(default_factory=_default_clear,
                                                description="chance a drone's look clears the call, by type")
    launch: LaunchChoice = Field(default_factory=LaunchChoice)

    @model_validator(mode="after")
    def _checks(self) -> DronesConfig:
        from shapely.geometry import Point, Polygon

        start, end = self.hours
        if not (0 <= start <= 24 and 0 <= end <= 24):
            raise ValueError(f"hours: must be clock hours in [0, 24], got {list(self.hours)}")
        for name, p in self.clear_probability.items():
            if not 0 <= p <= 1:
                raise ValueError(f"clear_probability.{name}: must be in [0, 1], got {p}")
        for j, zone in enumerate(self.no_fly):
            shape = Polygon(zone.polygon)
            for i, dock in enumerate(self.docks):
                if shape.covers(Point(dock.lon, dock.lat)):
                    label = f" ({zone.name})" if zone.name else ""
                    raise ValueError(f"no_fly[{j}]{label} covers docks[{i}] ({dock.lon}, {dock.lat}): "
                                     "a drone could never leave it")
        return self

    def flying(self, hour: float) -> bool:
        """Whether ``hour`` (local clock, 0–24) is inside the operating hours (which may wrap midnight)."""
        start, end = self.hours
        if start == end:
            return True  # round the clock
        return start <= hour < end if start < end else (hour >= start or hour < end)


def check_scenario(scenario: Any) -> list[Problem]:
    """Mistakes between ``drones`` and the other sections: it needs a ``response`` section
    (the calls it flies to), and its clear probabilities must name incident types of it."""
    config: DronesConfig = scenario.drones
    response = getattr(scenario, "response", None)
    if response is None:
        return [Problem("drones", "needs a response section: drones fly to the calls emergency response takes")]
    problems = []
    for name in config.clear_probability:
        if name not in response.incident_types:
            problems.append(Problem(f"drones.clear_probability.{name}",
                                    f"is not an incident type of response.incident_types "
                                    f"(known: {', '.join(response.incident_types)})"))
    return problems
