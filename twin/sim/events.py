"""Domain events: the facts systems tell each other.

An event is an immutable record of something that happened at a simulated time:
an incident occurred, a call was answered, a unit arrived on scene. Systems
publish events on the :class:`~twin.sim.bus.EventBus` and subscribe to the kinds
they care about; every event also lands in the event log, one row each.

Every event has the same few columns in the log (``time``, ``incident``,
``unit``, ``node``, ``x``, ``y``); fields particular to one kind go to a JSON
``data`` column, and the ``kind`` column is the class name.

This module holds the shared vocabulary: the events that more than one system
speaks (one publishes, others react), so that a system can subscribe to
:class:`UnitDispatched` without importing the system that publishes it. An
event only one system speaks (``CallAnswered``, ``TrafficState``) stays in that
system's ``events.py``. Subscribe to the class, never match ``event.kind``
strings: ``model.bus.subscribe(UnitDispatched, handler)``.

Some events here have no publisher yet (:class:`IncidentDetected`,
:class:`HazardReleased`, :class:`AlertIssued`, :class:`PowerLost`): they fix the
words the systems to come (surveillance, community, environment, alerts,
resilience) will speak, so that those systems and their listeners agree.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any, ClassVar

#: Columns every event fills (missing ones are -1 or NaN).
COMMON_FIELDS = ("time", "incident", "unit", "node", "x", "y")


@dataclass(frozen=True, kw_only=True)
class Event:
    """Something that happened.

    Attributes
    ----------
    time : float
        Simulated seconds since the scenario's start.
    incident : int
        Incident id, or -1.
    unit : int
        Unit id, or -1.
    node : int
        Road-network node where it happened, or -1.
    x, y : float
        Position in the city's CRS, metres (NaN when not located).
    """

    kind: ClassVar[str] = "Event"

    time: float
    incident: int = -1
    unit: int = -1
    node: int = -1
    x: float = math.nan
    y: float = math.nan

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.kind = cls.__name__

    def data(self) -> dict[str, Any]:
        """The fields particular to this kind of event."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in COMMON_FIELDS}

    def row(self) -> tuple[Any, ...]:
        """The event as one log row: kind, the common fields, then ``data`` as JSON."""
        extra = self.data()
        return (self.kind, self.time, self.incident, self.unit, self.node, self.x, self.y,
                json.dumps(extra, separators=(",", ":"), sort_keys=True) if extra else "")


@dataclass(frozen=True, kw_only=True)
class IncidentReported(Event):
    """An incident found by another system (traffic collisions, crime, a residents' app).

    The emergency-response system turns it into a call. ``incident`` is -1: the
    response system gives the incident its id when it takes the call.

    Attributes
    ----------
    incident_type : str
        A type of the scenario's ``response.incident_types``.
    source : str
        Who reported it (e.g. ``"traffic"``), for the log.
    """

    incident_type: str
    source: str = ""


# --- incidents and emergency response --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IncidentOccurred(Event):
    """Something happened that needs a response; published by the response system
    when it opens incident ``incident`` at ``node``.

    Attributes
    ----------
    incident_type : str
        A type of the scenario's ``response.incident_types`` (e.g. ``"medical_p1"``).
    priority : int
        1 (most urgent) … 3, from the incident type.
    """

    incident_type: str
    priority: int


@dataclass(frozen=True, kw_only=True)
class IncidentDetected(Event):
    """An incident was found by some channel: a phone call, a camera's video
    analytics, a residents' app, a sensor.

    Published by the systems that detect (surveillance, community, environment);
    it says *how* and *when* an incident became known, which is what detection
    KPIs measure. To ask emergency response to serve it, publish
    :class:`IncidentReported` as well. ``incident`` is the id of the incident
    found when the detector knows it (e.g. it saw an :class:`IncidentOccurred`),
    else -1.

    Attributes
    ----------
    incident_type : str
        What was found, ideally a type of ``response.incident_types``.
    channel : str
        What detected it: ``"phone"``, ``"camera"``, ``"app"``, ``"sensor"``, …
    """

    incident_type: str
    channel: str


@dataclass(frozen=True, kw_only=True)
class CallReceived(Event):
    """The call about incident ``incident`` reached the emergency centre and waits for a call-taker.

    Attributes
    ----------
    priority : int
        1 (most urgent) … 3, the incident's priority.
    """

    priority: int


@dataclass(frozen=True, kw_only=True)
class UnitDispatched(Event):
    """Unit ``unit`` was assigned to incident ``incident``; ``node`` is where the unit was.

    Attributes
    ----------
    unit_type : str
        A type of the scenario's ``response.units`` (e.g. ``"ambulance"``).
    travel_s : float
        The unit's expected drive to the scene, seconds.
    """

    unit_type: str
    travel_s: float


@dataclass(frozen=True, kw_only=True)
class UnitOnScene(Event):
    """Unit ``unit`` arrived at incident ``incident`` (``node`` is the scene)."""


@dataclass(frozen=True, kw_only=True)
class IncidentAssessed(Event):
    """Someone judged incident ``incident`` before a ground unit arrived (a drone's camera, a
    call-back): published by the assessing system (drones), honoured by emergency response.

    With ``outcome="cleared"`` the incident needs no ground unit: the response
    system sends none (a call not yet dispatched), turns back the units not yet
    on scene and drops the incident's waiting requests. Units already on scene
    finish their work. Any other outcome (``"confirmed"``) changes nothing yet.

    Attributes
    ----------
    outcome : str
        ``"cleared"`` or ``"confirmed"``.
    priority : int
        The priority the assessor gives it, 1 … 3 (for the log; not acted upon).
    """

    outcome: str
    priority: int


# --- people ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EvacuationOrdered(Event):
    """Everyone inside an area must go to a shelter and stay there.

    Anyone may publish it (an evacuation system, a tabletop facilitator); the
    population system sends everyone inside the area to the shelter. The
    shelter is the drivable-network ``node`` (or, if ``node`` is -1, the node
    nearest to ``x``/``y``, metres).

    Attributes
    ----------
    polygon : tuple of (x, y)
        The area's vertices, metres; empty to use the disc below.
    center_x, center_y : float, optional
        Centre of the disc, metres (default: the shelter).
    radius_m : float, optional
        Radius of the disc, metres.
    """

    polygon: tuple[tuple[float, float], ...] = ()
    center_x: float | None = None
    center_y: float | None = None
    radius_m: float | None = None


# --- hazards, alerts, infrastructure (published by the systems to come) ----------------------------


@dataclass(frozen=True, kw_only=True)
class HazardReleased(Event):
    """A hazard started at ``node`` / ``x``, ``y``: a toxic gas leak, smoke, a flood.

    Attributes
    ----------
    hazard : str
        What is released, e.g. ``"chlorine"``, ``"smoke"``, ``"water"``.
    rate : float
        Source strength: kg/s for a release into the air (gas, smoke, particles),
        m³/s for water.
    """

    hazard: str
    rate: float


@dataclass(frozen=True, kw_only=True)
class AlertIssued(Event):
    """A public alert went out on one channel (a CAP message, a cell broadcast, a siren).

    Attributes
    ----------
    channel : str
        How it went out: ``"cell_broadcast"``, ``"sms"``, ``"siren"``, ``"app"``, …
    polygon : tuple of (x, y)
        The area alerted, vertices in metres; empty for the whole city.
    recipients : int
        People (or devices) it was sent to, or -1 when not counted.
    """

    channel: str
    polygon: tuple[tuple[float, float], ...] = ()
    recipients: int = -1


@dataclass(frozen=True, kw_only=True)
class PowerLost(Event):
    """A power zone (a substation's or a feeder's area) lost its supply.

    Attributes
    ----------
    zone : str
        Name of the power zone, as the scenario names it.
    """

    zone: str
