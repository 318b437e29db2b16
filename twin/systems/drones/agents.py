"""Drones and their docks: the mesa agents of the drones system.

A drone lives in its dock, charging. Sent to a call it waits ``launch_delay_s``,
takes off, climbs, cruises along its planned path, descends over the scene and
has *eyes on scene*. There it judges the scene (``assess_s``), which may clear
the call, and then watches until the first ground unit arrives (when the launch
policy recalls), for at most ``max_on_scene_s``, or until its battery asks it
home; then it flies back along the same path and lands. Recalled on the way out,
it turns round where it is. Charge is flight seconds left; docked, a battery
refills at ``endurance_s / recharge_s`` per second.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import mesa
import simpy

from twin.systems.drones.events import DroneLanded, DroneOnScene, DroneRecalled
from twin.systems.drones.routes import flight_s, length, path_until

if TYPE_CHECKING:
    from twin.systems.drones.system import DronesSystem

DOCKED, OUTBOUND, ON_SCENE, RETURNING = "docked", "outbound", "on_scene", "returning"


class Drone(mesa.Agent):
    """One drone of dock ``dock``; ``uid`` is its id in events (0..)."""

    def __init__(self, model: mesa.Model, system: DronesSystem, uid: int, dock: int) -> None:
        super().__init__(model)
        self.system = system
        self.uid = uid
        self.dock = dock
        self.status = DOCKED
        self.incident = -1
        self._charge = system.config.aircraft.endurance_s  # flight seconds, at ``_charge_time``
        self._charge_time = 0.0
        self._process: simpy.Process | None = None

    def charge_s(self, now: float) -> float:
        """Flight seconds left in the battery at ``now`` (charging while docked)."""
        aircraft = self.system.config.aircraft
        if self.status != DOCKED:
            return self._charge
        if aircraft.recharge_s == 0:
            return aircraft.endurance_s
        rate = aircraft.endurance_s / aircraft.recharge_s
        return min(aircraft.endurance_s, self._charge + rate * (now - self._charge_time))

    def send(self, incident: int, path: list[tuple[float, float]], record: dict[str, Any]) -> None:
        """Fly to ``incident`` along ``path`` (metres, dock first); ``record`` is its row of the flights table."""
        now = self.system.model.now
        self._charge = self.charge_s(now)
        self.status = OUTBOUND
        self.incident = incident
        self._process = self.system.model.env.process(self._fly(incident, path, record))

    def recall(self, reason: str) -> None:
        """Turn home now (on the way out or over the scene); nothing when already going home."""
        if self.status in (OUTBOUND, ON_SCENE) and self._process is not None and self._process.is_alive:
            self._process.interrupt(reason)

    def _fly(self, incident: int, path: list[tuple[float, float]], record: dict[str, Any]) -> Any:
        system = self.system
        env = system.model.env
        config = system.config
        aircraft, weather = config.aircraft, config.weather
        try:
            yield env.timeout(aircraft.launch_delay_s)
        except simpy.Interrupt as stop:  # recalled before take-off: it never left the dock
            record["recalled"] = str(stop.cause)
            self._charge_time = env.now
            self.status = DOCKED
            self.incident = -1
            system.publish(DroneRecalled, incident=incident, unit=self.uid, reason=str(stop.cause),
                           x=path[0][0], y=path[0][1])
            return
        takeoff = env.now
        record["t_takeoff"] = takeoff
        system.launched(self, incident, path)
        cruise = flight_s(path, aircraft.cruise_m_s, weather.wind_m_s, weather.wind_from_deg)
        out_s = aircraft.climb_s + cruise + aircraft.descent_s
        home_path = list(reversed(path))
        try:
            yield env.timeout(out_s)
        except simpy.Interrupt as stop:
            # Turn round where it is: along the path flown so far, back to the dock.
            flown_s = env.now - takeoff - aircraft.climb_s
            metres = 0.0 if flown_s <= 0 else length(path) * min(1.0, flown_s / cruise) if cruise > 0 else 0.0
            home_path = list(reversed(path_until(path, metres)))
            record["recalled"] = str(stop.cause)
            system.publish(DroneRecalled, incident=incident, unit=self.uid, reason=str(stop.cause))
        else:
            self.status = ON_SCENE
            record["t_on_scene"] = env.now
            x, y = path[-1]
            system.publish(DroneOnScene, incident=incident, unit=self.uid, x=x, y=y)
            back_s = flight_s(home_path, aircraft.cruise_m_s, weather.wind_m_s, weather.wind_from_deg) + \
                aircraft.descent_s
            spare = self._charge - aircraft.battery_reserve * aircraft.endurance_s - (env.now - takeoff) - back_s
            watch = max(0.0, min(config.max_on_scene_s, spare))
            reason = "time" if config.max_on_scene_s <= spare else "battery"
            try:
                assess = min(config.assess_s, watch)
                yield env.timeout(assess)
                if assess == config.assess_s and not system.ground_on_scene(incident):
                    cleared = system.assess(self, incident)
                    record["cleared"] = cleared
                    if cleared:
                        raise simpy.Interrupt("assessed")
                yield env.timeout(watch - assess)
            except simpy.Interrupt as stop:
                reason = str(stop.cause)
            record["recalled"] = reason
            system.publish(DroneRecalled, incident=incident, unit=self.uid, reason=reason, x=x, y=y)
        self.status = RETURNING
        back_s = flight_s(home_path, aircraft.cruise_m_s, weather.wind_m_s, weather.wind_from_deg)
        if math.isinf(back_s):  # a crosswind it cannot beat: it comes home when the wind allows, an edge case
            back_s = length(home_path) / aircraft.cruise_m_s
        yield env.timeout(back_s + aircraft.descent_s)
        air_s = env.now - takeoff
        record["t_landed"] = env.now
        record["flight_s"] = air_s
        self._charge = max(0.0, self._charge - air_s)
        self._charge_time = env.now
        self.status = DOCKED
        self.incident = -1
        system.publish(DroneLanded, incident=incident, unit=self.uid, flight_s=air_s,
                       x=path[0][0], y=path[0][1])
        system.landed(self)

