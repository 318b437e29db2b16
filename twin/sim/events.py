"""Domain events: the facts systems tell each other.

An event is an immutable record of something that happened at a simulated time:
an incident occurred, a call was answered, a unit arrived on scene. Systems
publish events on the :class:`~twin.sim.bus.EventBus` and subscribe to the kinds
they care about; every event also lands in the event log, one row each.

Every event has the same few columns in the log (``time``, ``incident``,
``unit``, ``node``, ``x``, ``y``); fields particular to one kind go to a JSON
``data`` column. Systems define their own event classes next to their code.
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
