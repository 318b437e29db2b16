"""Events of the emergency-response system, in the order an incident lives them.

The ones other systems read too (``IncidentOccurred``, ``CallReceived``,
``UnitDispatched``, ``UnitOnScene``) are shared words and live in
:mod:`twin.sim.events`; the ones here are the response system's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from twin.sim.events import Event


@dataclass(frozen=True, kw_only=True)
class CallAnswered(Event):
    """A call-taker picked up."""


@dataclass(frozen=True, kw_only=True)
class DispatchRequested(Event):
    """Interview and dispatcher processing done: the incident is ready for units."""


@dataclass(frozen=True, kw_only=True)
class IncidentQueued(Event):
    """No unit of ``unit_type`` is available: the incident waits for ``missing`` of them."""

    unit_type: str
    missing: int


@dataclass(frozen=True, kw_only=True)
class IncidentDequeued(Event):
    """The last missing unit of ``unit_type`` was dispatched to a queued incident."""

    unit_type: str


@dataclass(frozen=True, kw_only=True)
class UnitEnRoute(Event):
    """The unit left (after its turnout time)."""


@dataclass(frozen=True, kw_only=True)
class UnitTransporting(Event):
    """The unit left the scene with a patient for hospital ``hospital``."""

    hospital: int


@dataclass(frozen=True, kw_only=True)
class UnitAtHospital(Event):
    """The unit arrived at the hospital and hands the patient over."""

    hospital: int


@dataclass(frozen=True, kw_only=True)
class UnitCleared(Event):
    """The unit finished its part of the incident and is available again."""


@dataclass(frozen=True, kw_only=True)
class UnitAtStation(Event):
    """The unit is back at its home station."""


@dataclass(frozen=True, kw_only=True)
class UnitRelocated(Event):
    """An idle unit was moved to another station (move-up); ``node`` is where it was.

    ``from_station`` and ``to_station`` index the system's stations; ``travel_s``
    is the network travel time to the new station, seconds.
    """

    unit_type: str
    from_station: int
    to_station: int
    travel_s: float
