"""Units and hospitals: the mesa agents of emergency response.

A unit lives a loop of missions. Dispatched, it turns out (crew to vehicle),
drives to the scene with lights and sirens, works on scene, maybe carries a
patient to hospital and hands over, then drives home. From the moment it clears
it is *available*: a returning unit can be sent to a new incident from wherever
it is on its way home. An idle unit may also be told to move to another station
(relocation, or "move-up"): it drives there, available all the way, and that
station becomes its home. Every drive is logged node by node
(:mod:`twin.systems.response.movements`), so that a run can be replayed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

import mesa
import simpy

from twin.sim.events import UnitDispatched, UnitOnScene
from twin.systems.response.events import (
    UnitAtHospital,
    UnitAtStation,
    UnitCleared,
    UnitEnRoute,
    UnitRelocated,
    UnitTransporting,
)
from twin.systems.response.movements import HOME, RELOCATION, TO_HOSPITAL, TO_SCENE, Leg

if TYPE_CHECKING:
    from twin.systems.response.system import ResponseSystem


class Status(StrEnum):
    """What a unit is doing."""

    AT_STATION = "available_at_station"
    RETURNING = "available_returning"
    RELOCATING = "available_relocating"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    TRANSPORTING = "transporting"
    AT_HOSPITAL = "at_hospital"


AVAILABLE = (Status.AT_STATION, Status.RETURNING, Status.RELOCATING)
#: Available and driving to the home station (position is somewhere on the way).
DRIVING_HOME = (Status.RETURNING, Status.RELOCATING)


class Hospital(mesa.Agent):
    """A hospital that receives transported patients."""

    def __init__(self, model: mesa.Model, index: int, node: int, name: str) -> None:
        super().__init__(model)
        self.index = index
        self.node = node
        self.name = name
        self.patients = 0


class Unit(mesa.Agent):
    """A police car, ambulance or fire engine.

    Parameters
    ----------
    model : CityModel
    system : ResponseSystem
        Gives access to routing trees, the dispatch centre and the configuration.
    uid : int
        Unit id in events (0..).
    unit_type : {"police", "ambulance", "fire"}
    station : int
        Index of the home station in ``system.stations``.
    """

    def __init__(self, model: mesa.Model, system: ResponseSystem, uid: int, unit_type: str, station: int) -> None:
        super().__init__(model)
        self.system = system
        self.uid = uid
        self.unit_type = unit_type
        self.station = station
        self.base_station = station  # where the unit started the run (relocation changes ``station``)
        self.home: int = int(system.station_nodes[station])
        self.node: int = self.home
        self.status = Status.AT_STATION
        self._mission: simpy.Process | None = None
        self._return_from = self.home  # where the drive home started
        self._return_start = 0.0
        self.busy_since: float | None = None
        #: The drive under way or last driven (in the movement log once the next one starts).
        self.leg: Leg | None = None
        self._route: tuple[Any, Any] | None = None  # the dispatcher's route to the scene, network s
        #: The incident the unit was last sent to (-1 before its first mission).
        self.incident = -1

    def _drive(self, kind: int, incident: int, route: tuple[Any, Any] | None, drive_s: float) -> None:
        """Log a drive starting now along ``route`` (nodes, network s to each) that takes ``drive_s`` s
        (``route`` None: the run keeps no replay, nothing is logged)."""
        self._end_leg()
        if route is None:
            return
        nodes, elapsed = route
        self.leg = Leg.drive(self.uid, incident, kind, nodes, elapsed, self.system.model.now, drive_s)

    def _end_leg(self, turned_at: int | None = None) -> None:
        """Put the last drive into the movement log (cut at ``turned_at`` if it was turned away there)."""
        leg = self.leg
        if leg is not None:
            if turned_at is not None and leg.leg in (HOME, RELOCATION):
                leg = leg.cut_at(turned_at)
            self.system.movements.add(leg.until(self.system.model.now))
            self.leg = None

    @property
    def available(self) -> bool:
        """Whether the unit can be dispatched now."""
        return self.status in AVAILABLE

    def position(self) -> int:
        """The node the unit is at (or last passed, while driving home)."""
        if self.status not in DRIVING_HOME:
            return self.node
        elapsed = self.system.model.now - self._return_start
        return self.system.node_on_way_home(self, self._return_from, elapsed)

    def dispatch(self, incident: int, travel_s: float) -> None:
        """Send the unit to ``incident``; ``travel_s`` is its network travel time (s)."""
        node = self.position()
        mission = self._mission
        if mission is not None and mission.is_alive and mission is not self.system.model.env.active_process:
            mission.interrupt("redispatched")  # only ever while driving home or relocating
        self._end_leg(turned_at=node)
        # The route the dispatcher's router drives (the same router chose the unit, at this instant).
        priority = int(self.system.plan.priority[incident])
        self._route = self.system.route(self.system.router_for(priority), node, int(self.system.plan.node[incident]))
        self.node = node
        self.status = Status.DISPATCHED
        self.incident = incident
        self.busy_since = self.system.model.now
        self.system.publish(UnitDispatched, incident=incident, unit=self.uid, node=node,
                            unit_type=self.unit_type, travel_s=float(travel_s))
        self._mission = self.system.model.env.process(self._respond(incident, travel_s))

    def _respond(self, incident: int, travel_s: float) -> Any:
        system = self.system
        env = system.model.env
        plan = system.plan
        try:
            yield env.timeout(system.turnout_s(self.unit_type))
            self.status = Status.EN_ROUTE
            system.publish(UnitEnRoute, incident=incident, unit=self.uid, node=self.node)
            drive_s = system.drive_s(travel_s, int(plan.priority[incident]))
            self._drive(TO_SCENE, incident, self._route, drive_s)
            yield env.timeout(drive_s)
        except simpy.Interrupt:  # stood down (stand_down): the call needs no unit after all
            if self.leg is not None:
                driven = self.leg.until(env.now)
                self.node = int(driven.nodes[-1]) if len(driven.nodes) else self.node
            self._end_leg()
            self.status = Status.RETURNING
            self.busy_since = None
            self._return_from, self._return_start = self.node, env.now
            system.publish(UnitCleared, incident=incident, unit=self.uid, node=self.node)
            system.centre.unit_free(self)
            system.reposition(self.unit_type)
            if self.status is Status.RETURNING:
                yield from self._drive_home(HOME)
            return
        self.node = int(plan.node[incident])
        self.status = Status.ON_SCENE
        system.publish(UnitOnScene, incident=incident, unit=self.uid, node=self.node)
        yield env.timeout(float(plan.on_scene_s[incident]))
        if self.unit_type == "ambulance" and plan.transport[incident]:
            hospital, drive = system.nearest_hospital(self.node)
            self.status = Status.TRANSPORTING
            system.publish(UnitTransporting, incident=incident, unit=self.uid, node=self.node,
                           hospital=hospital.index)
            drive_s = system.drive_s(drive)
            self._drive(TO_HOSPITAL, incident, system.route(system.hospital_router, self.node, hospital.node), drive_s)
            yield env.timeout(drive_s)
            self.node = hospital.node
            self.status = Status.AT_HOSPITAL
            hospital.patients += 1
            system.publish(UnitAtHospital, incident=incident, unit=self.uid, node=self.node,
                           hospital=hospital.index)
            yield env.timeout(float(plan.handover_s[incident]))
        self.status = Status.RETURNING
        self.busy_since = None
        self._return_from, self._return_start = self.node, env.now
        system.publish(UnitCleared, incident=incident, unit=self.uid, node=self.node)
        system.centre.unit_free(self)
        system.reposition(self.unit_type)
        if self.status is Status.RETURNING:  # neither re-dispatched nor relocated just now
            yield from self._drive_home(HOME)

    def stand_down(self) -> bool:
        """Turn back from the incident before reaching it (the call was cleared without a unit).

        Only a unit dispatched or on its way to the scene stands down; it
        clears where it is and drives home, available. Returns whether it did.
        """
        mission = self._mission
        if self.status not in (Status.DISPATCHED, Status.EN_ROUTE) or mission is None or not mission.is_alive:
            return False
        mission.interrupt("stood down")
        return True

    def _drive_home(self, kind: int) -> Any:
        """Drive from ``_return_from`` (left at ``_return_start``, now) to the home station."""
        system = self.system
        drive_s = system.drive_s(system.time_home(self, self._return_from))
        self._drive(kind, -1, system.route_home(self, self._return_from), drive_s)
        try:
            yield system.model.env.timeout(drive_s)
        except simpy.Interrupt:
            return  # dispatched or relocated on the way
        self.node = self.home
        self.status = Status.AT_STATION
        system.publish(UnitAtStation, unit=self.uid, node=self.node)

    def relocate(self, station: int) -> None:
        """Make ``station`` (an index into ``system.station_nodes``) the unit's home and drive there.

        Only for an available unit. It stays available on the way, like a unit
        driving home after a mission.
        """
        system = self.system
        node = self.position()
        mission = self._mission
        if mission is not None and mission.is_alive and mission is not system.model.env.active_process:
            mission.interrupt("relocated")  # it was driving home or relocating
        self._end_leg(turned_at=node)
        previous = self.station
        self.station = station
        self.home = int(system.station_nodes[station])
        self.node = node
        self._return_from, self._return_start = node, system.model.now
        travel_s = system.time_home(self, node)
        system.publish(UnitRelocated, unit=self.uid, node=node, unit_type=self.unit_type,
                       from_station=previous, to_station=station, travel_s=float(travel_s))
        if node == self.home:  # already there (it was passing by)
            self.status = Status.AT_STATION
            self._mission = None
            system.publish(UnitAtStation, unit=self.uid, node=node)
            return
        self.status = Status.RELOCATING
        self._mission = system.model.env.process(self._drive_home(RELOCATION))
