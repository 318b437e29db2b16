"""Response policies: what a dispatch or relocation policy may see, and the built-in ones.

The emergency-response system has two swappable decisions (see ``docs/policies.md``):

* ``dispatch`` -- which available units go to an incident
  (:class:`~twin.systems.response.dispatch.DispatchPolicy`, built-ins in
  :mod:`twin.systems.response.dispatch`);
* ``relocation`` -- where idle units wait
  (:class:`~twin.systems.response.relocation.RelocationPolicy`, built-ins in
  :mod:`twin.systems.response.relocation`).

Each call hands a policy what the decision is about (the request and the
available units, or the idle units and their stations). A policy that needs more
-- the clock, the stations, coverage tables, a random stream -- defines
``install(ctx)``: the system calls it once, after the units are placed and before
the first call, with a :class:`ResponseContext`, which the policy may keep. Like
the lighting and signal policies' contexts, it holds only what a policy may
look at, never the system itself.

Importing this module registers every built-in response policy; the scenario
section (:mod:`twin.systems.response.config`) imports it, so they are known
before a scenario is validated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from twin.systems.response.dispatch import (
    ClosestAvailable,
    DispatchPolicy,
    ExpectedCoverageDispatch,
    PriorityReserve,
    Request,
)
from twin.systems.response.relocation import DynamicMexclp, NoRelocation, RelocationPolicy

if TYPE_CHECKING:
    from twin.city.routing import Router
    from twin.systems.response.agents import Unit
    from twin.systems.response.config import ResponseConfig
    from twin.systems.response.coverage import Coverage

__all__ = [
    "ClosestAvailable",
    "DispatchPolicy",
    "DynamicMexclp",
    "ExpectedCoverageDispatch",
    "NoRelocation",
    "PriorityReserve",
    "RelocationPolicy",
    "Request",
    "ResponseContext",
]


@dataclass(frozen=True)
class ResponseContext:
    """What a response policy may look at, handed to its ``install(ctx)`` once.

    Everything is live: the unit lists and the callables always answer for the
    current moment, so a policy may keep the context for the whole run. All of
    it is read-only: a policy decides by what it returns, never by changing a
    unit or a table.

    Attributes
    ----------
    config : ResponseConfig
        The validated ``response:`` section (fleets, turnout times, targets, ...).
    units : list of Unit
        Every unit, by id. A policy may read a unit's ``uid``, ``unit_type``,
        ``station``, ``home``, ``status``, ``available`` and ``position()``.
    units_of : dict[str, list of Unit]
        The units of each unit type.
    station_nodes : int64[n_stations]
        Drive-network node of each station.
    station_names : list of str
        Name of each station.
    stations_of : dict[str, list of int]
        The stations (indices into ``station_nodes``) units of each type may use.
    population_weight : float64[n_nodes]
        Residents per drive node, summing to 1.
    now : callable
        ``now()`` → simulated seconds since the scenario's start.
    streams : callable
        ``streams(name)`` → a numpy ``Generator`` of the run's seed, private to
        ``name`` (use a name of your own, e.g. ``"response.dispatch.mine"``).
    router_for : callable
        ``router_for(priority)`` → the :class:`~twin.city.routing.Router` of a
        trip to an incident of that priority now (emergency or ordinary traffic
        times when another system provides them; free flow otherwise).
    drive_s : callable
        ``drive_s(network_s, priority=None)`` → seconds of driving for a network
        travel time, with the lights-and-sirens factor of ``priority``.
    network_s : callable
        ``network_s(drive_s, priority=None)`` → the inverse of ``drive_s``.
    time_to_station : callable
        ``time_to_station(node, station)`` → network seconds from ``node`` to a
        station (an index): a lookup in a precomputed tree.
    coverage : callable
        ``coverage(unit_type, coverage_s=None, max_points=2000)`` → the
        :class:`~twin.systems.response.coverage.Coverage` tables of a unit type
        (built on first use, shared by all policies).
    """

    config: ResponseConfig
    units: list[Unit]
    units_of: dict[str, list[Unit]]
    station_nodes: np.ndarray
    station_names: list[str]
    stations_of: dict[str, list[int]]
    population_weight: np.ndarray
    now: Callable[[], float]
    streams: Callable[[str], np.random.Generator]
    router_for: Callable[[int], Router]
    drive_s: Callable[..., float]
    network_s: Callable[..., float]
    time_to_station: Callable[[int, int], float]
    coverage: Callable[..., Coverage]
