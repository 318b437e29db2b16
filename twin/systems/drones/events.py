"""Events of the drones system (only it publishes them). ``unit`` is the drone's id."""

from __future__ import annotations

from dataclasses import dataclass

from twin.sim.events import Event


@dataclass(frozen=True, kw_only=True)
class DroneLaunched(Event):
    """Drone ``unit`` took off from ``dock`` for ``incident``; ``x``, ``y`` is the dock.

    Attributes
    ----------
    dock : int
        Index of the dock in ``drones.docks``.
    distance_m : float
        Length of the flight path to the scene, metres.
    eta_s : float
        Expected seconds from take-off to eyes on scene.
    """

    dock: int
    distance_m: float
    eta_s: float


@dataclass(frozen=True, kw_only=True)
class DroneOnScene(Event):
    """Drone ``unit`` has eyes on incident ``incident`` (``x``, ``y`` the scene)."""


@dataclass(frozen=True, kw_only=True)
class DroneRecalled(Event):
    """Drone ``unit`` turned home from ``incident``. ``reason``: ``"ground_unit"``, ``"assessed"``,
    ``"time"`` (watched ``max_on_scene_s``) or ``"battery"``."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class DroneLanded(Event):
    """Drone ``unit`` landed at its dock.

    Attributes
    ----------
    flight_s : float
        Seconds in the air on this flight.
    """

    flight_s: float


@dataclass(frozen=True, kw_only=True)
class DroneLaunchMissed(Event):
    """The launch policy wanted a drone for ``incident`` but none flew.

    Attributes
    ----------
    reason : str
        ``"no_drone"`` (every drone in range out), ``"battery"`` (docked drones
        in range, none charged enough), ``"reserve"`` (kept for priority 1),
        ``"wind"`` (above the wind limit), ``"no_path"`` (the scene is in a
        no-fly zone).
    incident_type : str
    """

    reason: str
    incident_type: str
