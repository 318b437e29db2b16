"""Drones as first responders: docks, flights around no-fly zones, eyes on scene before the patrol.

Drones wait in docks; a launch policy sends one to a call (on the call's receipt
or once a ground unit is dispatched), it flies the shortest path around the
no-fly zones and gives the dispatcher eyes on the scene, which may clear the
call without a ground unit. KPIs are those drone-as-first-responder programmes
publish (Chula Vista, Elk Grove, Brookhaven). See ``docs/drones.md``.
"""

from twin.systems.drones.system import DronesSystem

__all__ = ["DronesSystem"]
