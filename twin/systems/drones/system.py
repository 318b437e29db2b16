"""The drones system: drones as first responders, flown from docks to the calls.

It hears every call (``IncidentOccurred``, ``CallReceived``), every dispatch
(``UnitDispatched``) and every arrival of a ground unit (``UnitOnScene``) on the
bus; its launch policy (:mod:`.policies`) says which calls get a drone and when;
the nearest dock in range with a charged drone sends one along the shortest
path around the no-fly zones (:mod:`.routes`). Over the scene the drone may
clear the call, which it says with ``IncidentAssessed(outcome="cleared")`` —
emergency response then sends no ground unit, or turns back those on the way.
See ``docs/drones.md``.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from shapely.geometry import MultiPoint, Point

from twin.errors import TwinError
from twin.present.stored import StoredRun
from twin.present.tables import Section
from twin.sim import policies
from twin.sim.events import CallReceived, Event, IncidentAssessed, IncidentOccurred, UnitDispatched, UnitOnScene
from twin.sim.model import CityModel
from twin.sim.system import Problem, System
from twin.systems.drones import policies as _registered  # noqa: F401  (registers the launch policies)
from twin.systems.drones.agents import DOCKED, Drone
from twin.systems.drones.config import DronesConfig, check_scenario
from twin.systems.drones.events import DroneLaunched, DroneLaunchMissed
from twin.systems.drones.kpis import drone_kpis
from twin.systems.drones.policies import Call
from twin.systems.drones.report import HEADLINE, RULES, gis_layers, section
from twin.systems.drones.routes import FlightPlanner, flight_s, length

#: How far outside the road network's convex hull a dock may stand and still be on the map, metres.
DOCK_MARGIN_M = 500.0


class DronesSystem(System):
    """Drones as first responders from docks (scenario section ``drones``)."""

    section: ClassVar[str] = "drones"
    title: ClassVar[str] = "Drones"
    order: ClassVar[int] = 60
    Config: ClassVar[type[DronesConfig]] = DronesConfig
    kpi_rules = RULES
    headline = HEADLINE

    @classmethod
    def check(cls, scenario: Any) -> list[Problem]:
        """Mistakes between ``drones`` and the other sections (:func:`.config.check_scenario`)."""
        return check_scenario(scenario)

    @classmethod
    def report(cls, run: StoredRun) -> Section:
        """The "Drones" section of a run report (:func:`.report.section`)."""
        return section(run)

    @classmethod
    def gis(cls, run: StoredRun) -> dict[str, Any]:
        """``docks`` (points), ``flights`` (lines) and ``no_fly`` (polygons), WGS 84."""
        return gis_layers(run)

    def install(self, model: CityModel, config: DronesConfig) -> None:
        """Place the docks and drones, build the flight planner, subscribe to the calls."""
        self.model = model
        self.config = config
        city = model.city
        hull = MultiPoint(np.column_stack([city.drive.x, city.drive.y])).convex_hull.buffer(DOCK_MARGIN_M)
        self.docks: list[tuple[float, float]] = []
        for i, dock in enumerate(config.docks):
            x, y = city.to_projected(dock.lon, dock.lat)
            point = (float(x[0]), float(y[0]))
            if not hull.covers(Point(point)):
                raise TwinError(f"drones.docks[{i}]: ({dock.lon}, {dock.lat}) is {hull.distance(Point(point)):,.0f} m "
                                f"outside the map of {city.name} (more than {DOCK_MARGIN_M:.0f} m beyond its roads)")
            self.docks.append(point)
        zones = []
        for zone in config.no_fly:
            lon, lat = zip(*zone.polygon)
            x, y = city.to_projected(np.array(lon), np.array(lat))
            zones.append(list(zip(x.tolist(), y.tolist())))
        self.planner = FlightPlanner(zones)
        self.policy = policies.create("drone_launch", config.launch.name, config.launch.params,
                                      where="drones.launch")
        self.drones: list[Drone] = []
        for d, dock in enumerate(config.docks):
            for _ in range(dock.drones):
                self.drones.append(Drone(model, self, len(self.drones), d))
        self._rng = model.streams("drones")
        self._calls: dict[int, Call] = {}
        self._flown: set[int] = set()
        self._ground: set[int] = set()
        self._drone_of: dict[int, Drone] = {}
        self.flights: list[dict[str, Any]] = []
        model.bus.subscribe(IncidentOccurred, self._on_incident)
        model.bus.subscribe(CallReceived, self._on_call)
        model.bus.subscribe(UnitDispatched, self._on_dispatch)
        model.bus.subscribe(UnitOnScene, self._on_scene)

    # --- what the bus tells ----------------------------------------------------------------

    def _on_incident(self, event: IncidentOccurred) -> None:
        self._calls[event.incident] = Call(event.incident, event.incident_type, event.priority, event.x, event.y)

    def _on_call(self, event: CallReceived) -> None:
        if self.policy.trigger == "call":
            self._consider(event.incident)

    def _on_dispatch(self, event: UnitDispatched) -> None:
        if self.policy.trigger == "dispatch":
            self._consider(event.incident)

    def _on_scene(self, event: UnitOnScene) -> None:
        self._ground.add(event.incident)
        drone = self._drone_of.get(event.incident)
        if drone is not None and self.policy.recall and drone.incident == event.incident:
            drone.recall("ground_unit")

    # --- launching --------------------------------------------------------------------------

    def _consider(self, incident: int) -> None:
        call = self._calls.get(incident)
        if call is None or incident in self._flown or incident in self._ground or not self.policy.wants(call):
            return
        self._flown.add(incident)  # one decision per incident, whatever follows
        local = self.model.start + timedelta(seconds=self.model.now)
        if not self.config.flying(local.hour + local.minute / 60 + local.second / 3600):
            return
        config = self.config
        aircraft, weather = config.aircraft, config.weather
        options = []
        for d, dock in enumerate(self.docks):
            path = self.planner.path(dock, (call.x, call.y))
            if path is None:
                continue
            metres = length(path)
            if metres <= config.max_range_m:
                options.append((flight_s(path, aircraft.cruise_m_s, weather.wind_m_s, weather.wind_from_deg), d, path))
        if not options:
            blocked = self.planner.inside((call.x, call.y))
            if blocked:
                self._missed(call, "no_path")
            return  # out of every dock's range: not a drone call
        if weather.wind_m_s > weather.wind_limit_m_s:
            self._missed(call, "wind")
            return
        options.sort(key=lambda o: (o[0], o[1]))
        now = self.model.now
        reason = "no_drone"
        for cruise, d, path in options:
            if math.isinf(cruise):
                continue
            docked = [dr for dr in self.drones if dr.dock == d and dr.status == DOCKED]
            if not docked:
                continue
            if call.priority > 1 and len(docked) <= self.policy.reserve:
                reason = "reserve"
                continue
            # Out, judge the scene, back, and the reserve.
            need = 2 * cruise + aircraft.climb_s + 2 * aircraft.descent_s + config.assess_s + \
                aircraft.battery_reserve * aircraft.endurance_s
            charged = [dr for dr in docked if dr.charge_s(now) >= need]
            if not charged:
                reason = "battery"
                continue
            drone = max(charged, key=lambda dr: (dr.charge_s(now), -dr.uid))
            record = {"drone": drone.uid, "dock": d, "incident": call.incident, "incident_type": call.incident_type,
                      "priority": call.priority, "t_decision": now, "t_takeoff": math.nan,
                      "t_on_scene": math.nan, "t_landed": math.nan, "flight_s": math.nan,
                      "distance_m": length(path), "cleared": False, "recalled": "",
                      "path_wkt": "LINESTRING (" + ", ".join(f"{x:.1f} {y:.1f}" for x, y in path) + ")"}
            self.flights.append(record)
            self._drone_of[call.incident] = drone
            drone.send(call.incident, path, record)
            return
        self._missed(call, reason)

    def _missed(self, call: Call, reason: str) -> None:
        self.publish(DroneLaunchMissed, incident=call.incident, reason=reason, incident_type=call.incident_type,
                     x=call.x, y=call.y)

    # --- called by the drones ------------------------------------------------------------------

    def launched(self, drone: Drone, incident: int, path: list[tuple[float, float]]) -> None:
        """``drone`` took off for ``incident`` along ``path``."""
        aircraft, weather = self.config.aircraft, self.config.weather
        eta = aircraft.climb_s + flight_s(path, aircraft.cruise_m_s, weather.wind_m_s, weather.wind_from_deg) + \
            aircraft.descent_s
        self.publish(DroneLaunched, incident=incident, unit=drone.uid, dock=drone.dock, distance_m=length(path),
                     eta_s=eta, x=path[0][0], y=path[0][1])

    def ground_on_scene(self, incident: int) -> bool:
        """Whether a ground unit has reached ``incident``."""
        return incident in self._ground

    def assess(self, drone: Drone, incident: int) -> bool:
        """The pilot judges the scene: cleared with the type's probability. Publishes ``IncidentAssessed``."""
        call = self._calls[incident]
        p = self.config.clear_probability.get(call.incident_type, 0.0)
        cleared = bool(self._rng.random() < p)
        self.publish(IncidentAssessed, incident=incident, unit=drone.uid, x=call.x, y=call.y,
                     outcome="cleared" if cleared else "confirmed", priority=call.priority)
        return cleared

    def landed(self, drone: Drone) -> None:
        """``drone`` is back in its dock (charging from now)."""

    def publish(self, event_type: type[Event], **fields: Any) -> None:
        """Publish an event of ``event_type`` now."""
        self.model.publish(event_type(time=self.model.now, **fields))

    # --- outputs ----------------------------------------------------------------------------

    def kpis(self, events: pd.DataFrame, config: DronesConfig, model: CityModel) -> dict[str, Any]:
        """Time to eyes on scene, first on scene, cleared, flights (:func:`.kpis.drone_kpis`)."""
        return drone_kpis(events, model.warmup_s, model.duration_s)

    def outputs(self) -> dict[str, pd.DataFrame]:
        """``flights`` (one row per flight, path in metres as WKT), ``docks``, ``no_fly``."""
        flights = pd.DataFrame(self.flights, columns=[
            "drone", "dock", "incident", "incident_type", "priority", "t_decision", "t_takeoff", "t_on_scene",
            "t_landed", "flight_s", "distance_m", "cleared", "recalled", "path_wkt"])
        docks = pd.DataFrame({"name": [d.name or f"dock {i + 1}" for i, d in enumerate(self.config.docks)],
                              "lon": [d.lon for d in self.config.docks], "lat": [d.lat for d in self.config.docks],
                              "x": [p[0] for p in self.docks], "y": [p[1] for p in self.docks],
                              "drones": [d.drones for d in self.config.docks]})
        zones = pd.DataFrame({"name": [z.name for z in self.config.no_fly],
                              "wkt": [zone.wkt for zone in self.planner.zones]})
        return {"flights": flights, "docks": docks, "no_fly": zones}
