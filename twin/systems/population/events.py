"""Events of the population system.

``EvacuationOrdered`` (in :mod:`twin.sim.events`, a word shared by every
system) is an order *to* the population: anyone may publish it (an evacuation
system, a tabletop facilitator); the population system subscribes and sends
everyone inside the area to the shelter. The population answers with
``PeopleDirected`` (how many were sent, and the longest travel time among them)
and, once all of them have arrived, ``ShelterReached``.

Individual trips are not events: a million people make millions of trips a
day, which belong in counters and time series, not in the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from twin.sim.events import Event


@dataclass(frozen=True, kw_only=True)
class PeopleDirected(Event):
    """People were sent to a shelter (``node``) by order number ``order``.

    ``bound_s`` is the longest network travel time among them, seconds: all
    should arrive within it (plus one tick). ``unreachable`` people inside the
    area cannot reach the shelter and were left as they were.
    """

    order: int
    people: int
    unreachable: int
    bound_s: float


@dataclass(frozen=True, kw_only=True)
class ShelterReached(Event):
    """The last person sent by ``order`` arrived at the shelter (``node``)."""

    order: int
    people: int
    clearance_s: float
