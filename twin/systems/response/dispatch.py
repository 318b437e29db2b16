"""Dispatch policies: which available units to send to an incident.

A policy is anything with a ``choose`` method (see :class:`DispatchPolicy`),
registered under a name for the ``dispatch`` concern; a scenario picks it with
``response.dispatch: {name: ..., params: {...}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from twin.sim.policies import register

if TYPE_CHECKING:
    from twin.city.routing import Router
    from twin.systems.response.agents import Unit


@dataclass(frozen=True)
class Request:
    """What the dispatcher must cover: ``count`` units of ``unit_type`` for an incident."""

    incident: int
    node: int
    priority: int
    incident_type: str
    unit_type: str
    count: int


class DispatchPolicy(Protocol):
    """Chooses units for a request."""

    def choose(self, request: Request, available: list[Unit], router: Router) -> list[tuple[Unit, float]]:
        """Up to ``request.count`` units from ``available`` (all of the requested
        type), each with its network travel time to the incident in seconds.
        Returning fewer leaves the rest of the request queued."""


@register("dispatch", "closest")
class ClosestAvailable:
    """Send the available units that reach the incident soonest (by network travel time).

    The search runs backwards from the incident on the routing kernel and stops
    as soon as enough unit positions are settled, so its cost depends on how far
    the nearest units are, not on the size of the city.

    Parameters
    ----------
    max_travel_s : float
        Do not send a unit farther than this (seconds); default no limit.
    """

    def __init__(self, max_travel_s: float = float("inf")) -> None:
        self.max_travel_s = float(max_travel_s)
        self._mask: np.ndarray | None = None

    def choose(self, request: Request, available: list[Unit], router: Router) -> list[tuple[Unit, float]]:
        if not available:
            return []
        if len(available) <= request.count:
            # Every available unit goes: point-to-point times instead of a wide search.
            chosen = [(unit, router.route(unit.position(), request.node)[0]) for unit in available]
            return [(unit, t) for unit, t in chosen if t <= self.max_travel_s]
        if self._mask is None or self._mask.size != router.net.n_nodes:
            self._mask = np.zeros(router.net.n_nodes, dtype=bool)
        at_node: dict[int, list[Unit]] = {}
        for unit in available:
            at_node.setdefault(unit.position(), []).append(unit)
        nodes = np.fromiter(at_node, dtype=np.int64, count=len(at_node))
        self._mask[nodes] = True
        try:
            found, times = router.nearest_to(request.node, self._mask, request.count, self.max_travel_s)
        finally:
            self._mask[nodes] = False
        chosen: list[tuple[Unit, float]] = []
        for node, time_s in zip(found.tolist(), times.tolist()):
            for unit in sorted(at_node[node], key=lambda u: u.uid):
                chosen.append((unit, time_s))
        return chosen[:request.count]
