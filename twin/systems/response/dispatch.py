"""Dispatch policies: which available units to send to an incident.

A policy is anything with a ``choose`` method (see :class:`DispatchPolicy`),
registered under a name for the ``dispatch`` concern; a scenario picks it with
``response.dispatch: {name: ..., params: {...}}``. A policy that needs to know
the city (demand, stations, the clock) may also have an ``install(ctx)``
method, called once with a :class:`~twin.systems.response.policies.ResponseContext`
before the first call.

Built in:

* ``closest`` -- the units that get there soonest;
* ``priority_reserve`` -- closest, but keeps some units of a type back for priority-1 calls;
* ``mexclp`` -- among the units that arrive in time, the one whose departure
  costs the least expected coverage (Daskin 1983).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from twin.errors import TwinError
from twin.sim.policies import register
from twin.sim.system import Problem

if TYPE_CHECKING:
    from twin.city.routing import Router
    from twin.systems.response.agents import Unit
    from twin.systems.response.config import ResponseConfig
    from twin.systems.response.policies import ResponseContext


@dataclass(frozen=True)
class Request:
    """What the dispatcher must cover: ``count`` units of ``unit_type`` for an incident.

    Attributes
    ----------
    incident : int
        Incident id.
    node : int
        Where it is (drivable-network node).
    priority : int
        1 (most urgent) to 3.
    incident_type : str
    unit_type : str
    count : int
        How many units are still needed.
    elapsed_s : float
        Seconds since the call was received (call handling, waiting in the queue).
    target_s : float
        The incident type's response-time target (call received to first unit on scene), seconds.
    """

    incident: int
    node: int
    priority: int
    incident_type: str
    unit_type: str
    count: int
    elapsed_s: float = 0.0
    target_s: float = math.inf


class NearestUnits:
    """Available units in order of network travel time to an incident, by one backward
    search from it on the routing kernel (a unit's position is a target node)."""

    def __init__(self) -> None:
        self._mask: np.ndarray | None = None  # target nodes; reused, cleared after each search

    def __call__(self, router: Router, node: int, available: list[Unit], budget_s: float,
                 positions: int | None = None) -> list[tuple[Unit, float]]:
        """The units reaching ``node`` within ``budget_s`` network seconds, with their times (s),
        soonest first (ties by unit id); the search stops after the nearest ``positions``
        unit positions (default: all of them)."""
        if self._mask is None or self._mask.size != router.net.n_nodes:
            self._mask = np.zeros(router.net.n_nodes, dtype=bool)
        at_node: dict[int, list[Unit]] = {}
        for unit in available:
            at_node.setdefault(unit.position(), []).append(unit)
        nodes = np.fromiter(at_node, dtype=np.int64, count=len(at_node))
        self._mask[nodes] = True
        try:
            found, times = router.nearest_to(node, self._mask, positions or len(nodes), budget_s)
        finally:
            self._mask[nodes] = False
        return [(unit, t) for n, t in zip(found.tolist(), times.tolist())
                for unit in sorted(at_node[n], key=lambda u: u.uid)]


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
        self._nearest = NearestUnits()

    def choose(self, request: Request, available: list[Unit], router: Router) -> list[tuple[Unit, float]]:
        if not available:
            return []
        if len(available) <= request.count:
            # Every available unit goes: point-to-point times instead of a wide search.
            chosen = [(unit, router.route(unit.position(), request.node)[0]) for unit in available]
            # A unit with no route to the incident (inf) is never sent, whatever the limit.
            return [(unit, t) for unit, t in chosen if math.isfinite(t) and t <= self.max_travel_s]
        return self._nearest(router, request.node, available, self.max_travel_s, request.count)[:request.count]


@register("dispatch", "priority_reserve")
class PriorityReserve:
    """Closest available, but keep ``reserve`` units of a type for priority-1 calls.

    A priority-2 or -3 request for a unit type gets units only while more than
    ``reserve[type]`` units of that type are available, and never so many that
    fewer than ``reserve[type]`` would remain; otherwise it waits in the queue
    and is served when units come free. Priority-1 requests may use every unit.

    Parameters
    ----------
    reserve : dict, optional
        Units held back per unit type, e.g. ``{"ambulance": 1}`` (the default).
        Must be smaller than the fleet of that type.
    max_travel_s : float
        As for ``closest``: never send a unit farther than this (network seconds).
    """

    def __init__(self, reserve: dict[str, int] | None = None, max_travel_s: float = math.inf) -> None:
        from twin.systems.response.config import UNIT_TYPES  # here: config imports this module (via policies)

        reserve = {"ambulance": 1} if reserve is None else reserve
        if not isinstance(reserve, dict):
            raise ValueError(f"reserve must map unit types to counts, e.g. {{ambulance: 1}}, got {reserve!r}")
        for unit_type, count in reserve.items():
            if unit_type not in UNIT_TYPES:
                raise ValueError(f"reserve: unknown unit type {unit_type!r}; expected one of {', '.join(UNIT_TYPES)}")
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ValueError(f"reserve.{unit_type} must be a whole number >= 0, got {count!r}")
        self.reserve: dict[str, int] = dict(reserve)
        self._closest = ClosestAvailable(max_travel_s)

    def check(self, config: ResponseConfig) -> list[Problem]:
        """Refuse, when the scenario loads, a reserve that would hold back a whole fleet."""
        problems = []
        for unit_type, count in self.reserve.items():
            fleet = config.units[unit_type].count if unit_type in config.units else 0
            if count and count >= fleet:
                problems.append(Problem(f"reserve.{unit_type}", f"a reserve of {count} leaves none of the {fleet} "
                                                                 f"{unit_type} units for priority 2 and 3 calls"))
        return problems

    def install(self, ctx: ResponseContext) -> None:
        """Refuse a reserve that would hold back a whole fleet (low priority would starve)."""
        for unit_type, count in self.reserve.items():
            fleet = len(ctx.units_of.get(unit_type, []))
            if count and count >= fleet:
                raise TwinError(f"response.dispatch.params.reserve.{unit_type}: a reserve of {count} leaves "
                                f"none of the {fleet} {unit_type} units for priority 2 and 3 calls")

    def choose(self, request: Request, available: list[Unit], router: Router) -> list[tuple[Unit, float]]:
        held = self.reserve.get(request.unit_type, 0) if request.priority > 1 else 0
        usable = len(available) - held
        if usable <= 0:
            return []  # the request waits; the centre retries when a unit comes free
        if usable < request.count:
            request = replace(request, count=usable)
        return self._closest.choose(request, available, router)


@register("dispatch", "mexclp")
class ExpectedCoverageDispatch:
    """Send, among the units that arrive in time, the one whose absence costs the least coverage.

    For each available unit the policy knows which demand points it covers
    from where it is now (see :mod:`twin.systems.response.coverage`). A unit
    *arrives in time* when the time already spent on the call, the mean turnout
    and the drive with the incident's lights and sirens fit in the incident
    type's target. Among those, the unit whose departure loses the least
    expected coverage ``sum_j w_j (1 - q**k_j)`` is sent (ties: the one nearer
    the incident); for several units, one at a time. If no unit arrives in time,
    the closest ones go, as with ``closest``.

    The idea is the Maximum Expected Covering Location model (Daskin,
    Transportation Science 17(1), 1983) used for dispatching: keep the city
    covered while still meeting the target at this incident.

    Parameters
    ----------
    busy_fraction : float
        ``q``, the probability that a unit is busy when needed, in [0, 1). Default 0.3.
    coverage_s : float, optional
        Response-time threshold for coverage, seconds; default the priority-1 target.
    max_demand_points : int
        Cap on demand points; larger cities are aggregated on a grid. Default 2000.
    """

    def __init__(self, busy_fraction: float = 0.3, coverage_s: float | None = None,
                 max_demand_points: int = 2000) -> None:
        self.busy_fraction, self.coverage_s, self.max_demand_points = coverage_params(
            busy_fraction, coverage_s, max_demand_points)
        self._closest = ClosestAvailable()
        self._ctx: ResponseContext | None = None
        self._nearest = NearestUnits()

    def install(self, ctx: ResponseContext) -> None:
        """Build the coverage tables of every unit type now, not at the first call."""
        self._ctx = ctx
        for unit_type in ctx.stations_of:
            ctx.coverage(unit_type, self.coverage_s, self.max_demand_points)

    def choose(self, request: Request, available: list[Unit], router: Router) -> list[tuple[Unit, float]]:
        ctx = self._ctx
        if ctx is None:
            raise TwinError("the mexclp dispatch policy needs install(ctx) before choose()")
        if not available:
            return []
        # Response-time budget left for the drive, in network seconds.
        left_s = request.target_s - request.elapsed_s - ctx.config.units[request.unit_type].turnout_s.mean_s
        budget = ctx.network_s(left_s, request.priority) if left_s >= 0 else -1.0
        in_time = self._in_time(request, available, router, budget)
        if not in_time:
            return self._closest.choose(request, available, router)
        coverage = ctx.coverage(request.unit_type, self.coverage_s, self.max_demand_points)
        rows = coverage.rows([unit.position() for unit in available])
        index = {unit.uid: i for i, unit in enumerate(available)}
        staying = np.ones(len(available), dtype=bool)
        chosen: list[tuple[Unit, float]] = []
        while len(chosen) < request.count and in_time:
            losses = np.zeros(len(available))
            losses[staying] = coverage.removal_losses(rows[staying], self.busy_fraction)
            least = min(losses[index[unit.uid]] for unit, _ in in_time)
            tied = [(unit, t) for unit, t in in_time if losses[index[unit.uid]] <= least + 1e-12]
            unit, time_s = min(tied, key=lambda c: (c[1], c[0].uid))
            chosen.append((unit, time_s))
            staying[index[unit.uid]] = False
            in_time = [(u, t) for u, t in in_time if u is not unit]
        if len(chosen) < request.count:  # not enough in time: the closest of the rest
            rest = [u for u in available if staying[index[u.uid]]]
            chosen += self._closest.choose(replace(request, count=request.count - len(chosen)), rest, router)
        return chosen

    def _in_time(self, request: Request, available: list[Unit], router: Router,
                 budget_s: float) -> list[tuple[Unit, float]]:
        """Available units that reach the incident within ``budget_s`` network seconds, with their times."""
        if budget_s < 0:
            return []
        return self._nearest(router, request.node, available, budget_s)


def coverage_params(busy_fraction: Any, coverage_s: Any, max_demand_points: Any) -> tuple[float, float | None, int]:
    """Check the parameters shared by the coverage-based policies; return them typed."""
    if not isinstance(busy_fraction, int | float) or not 0 <= busy_fraction < 1:
        raise ValueError(f"busy_fraction must be a number in [0, 1), got {busy_fraction!r}")
    if coverage_s is not None and (not isinstance(coverage_s, int | float) or coverage_s <= 0):
        raise ValueError(f"coverage_s must be a positive number of seconds, got {coverage_s!r}")
    if not isinstance(max_demand_points, int) or isinstance(max_demand_points, bool) or max_demand_points < 1:
        raise ValueError(f"max_demand_points must be a whole number >= 1, got {max_demand_points!r}")
    return float(busy_fraction), None if coverage_s is None else float(coverage_s), max_demand_points
