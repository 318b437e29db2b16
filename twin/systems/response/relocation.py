"""Relocation ("move-up") policies: where idle units should wait.

When ambulances from one part of town are all out on calls, that part is
uncovered: the next call there waits for a unit from far away. A relocation
policy moves idle units between stations of their type to fill such holes. It
is asked after every dispatch and every unit clearing; a moved unit drives to
its new station, available all the way, and that station becomes its home.

A policy is anything with a ``moves`` method (see :class:`RelocationPolicy`),
registered for the ``relocation`` concern; a scenario picks it with
``response.relocation: {name: ..., params: {...}}``. Like a dispatch policy it
may have an ``install(ctx)`` method, called once before the run with a
:class:`~twin.systems.response.policies.ResponseContext`.

Built in:

* ``none`` -- units always return to their own station (the default);
* ``dmexclp`` -- the dynamic MEXCLP greedy of Jagtenberg, Bhulai & van der Mei
  (2015), "An efficient heuristic for real-time ambulance redeployment",
  Operations Research for Health Care 4: each idle unit counts at the station
  it is at or heading to, and a unit is sent to the station where it adds the
  most expected coverage given all the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from twin.errors import TwinError
from twin.sim.policies import register
from twin.systems.response.dispatch import coverage_params

if TYPE_CHECKING:
    from twin.systems.response.agents import Unit
    from twin.systems.response.policies import ResponseContext


class RelocationPolicy(Protocol):
    """Decides which idle units move to which station."""

    def moves(self, unit_type: str, idle: list[Unit], stations: list[int]) -> list[tuple[Unit, int]]:
        """Units of ``unit_type`` to move, each with its new station.

        Parameters
        ----------
        unit_type : str
        idle : list of Unit
            The available units of that type: at a station, driving home or
            relocating (``unit.station`` is where each is based or heading).
        stations : list of int
            The stations units of this type may use (indices into ``ctx.station_nodes``).

        Returns
        -------
        list of (Unit, int)
            Moves to make now; a unit sent to its own station stays as it is.
        """


@register("relocation", "none")
class NoRelocation:
    """Units always return to their home station."""

    def moves(self, unit_type: str, idle: list[Unit], stations: list[int]) -> list[tuple[Unit, int]]:
        return []


@register("relocation", "dmexclp")
class DynamicMexclp:
    """Greedy move-up to the station of largest marginal expected coverage.

    At each decision, every idle unit of the type counts at its station (the one
    it waits at or drives to), giving ``k_j`` units covering demand point ``j``.
    For each idle unit the policy asks: taken away from its station, where would
    it add the most expected coverage ``sum_j w_j (1 - q) q**k_j`` given the
    others? The unit with the largest improvement over staying moves (ties: the
    one with the shortest drive), the counts are updated, and so on for at most
    ``max_moves`` units. Coverage is judged as for the ``mexclp`` dispatch policy
    (see :mod:`twin.systems.response.coverage`).

    Source: Jagtenberg, Bhulai & van der Mei (2015), Operations Research for
    Health Care 4, 27-35, which decides one unit at a time when it becomes idle;
    here the greedy may also move units already waiting at a station.

    Parameters
    ----------
    busy_fraction : float
        ``q``, the probability that a unit is busy, in [0, 1). Default 0.3.
    coverage_s : float, optional
        Response-time threshold for coverage, seconds; default the priority-1 target.
    max_moves : int
        At most this many units move per decision. Default 1.
    min_gain : float
        Move only for an improvement of at least this share of the city's demand
        (expected covered demand, 0..1); avoids moves for nothing. Default 0.005.
    max_demand_points : int
        Cap on demand points. Default 2000.
    """

    def __init__(self, busy_fraction: float = 0.3, coverage_s: float | None = None, max_moves: int = 1,
                 min_gain: float = 0.005, max_demand_points: int = 2000) -> None:
        self.busy_fraction, self.coverage_s, self.max_demand_points = coverage_params(
            busy_fraction, coverage_s, max_demand_points)
        if not isinstance(max_moves, int) or isinstance(max_moves, bool) or max_moves < 0:
            raise ValueError(f"max_moves must be a whole number >= 0, got {max_moves!r}")
        if not isinstance(min_gain, int | float) or min_gain < 0:
            raise ValueError(f"min_gain must be a number >= 0, got {min_gain!r}")
        self.max_moves = max_moves
        self.min_gain = float(min_gain)
        self._ctx: ResponseContext | None = None

    def install(self, ctx: ResponseContext) -> None:
        """Build the coverage tables of every unit type now."""
        self._ctx = ctx
        for unit_type in ctx.stations_of:
            ctx.coverage(unit_type, self.coverage_s, self.max_demand_points)

    def moves(self, unit_type: str, idle: list[Unit], stations: list[int]) -> list[tuple[Unit, int]]:
        ctx = self._ctx
        if ctx is None:
            raise TwinError("the dmexclp relocation policy needs install(ctx) before moves()")
        if len(stations) < 2 or not idle:
            return []
        coverage = ctx.coverage(unit_type, self.coverage_s, self.max_demand_points)
        rows = np.vstack([coverage.row(int(ctx.station_nodes[s])) for s in stations]).astype(np.int64)
        slot = {station: i for i, station in enumerate(stations)}
        at = np.array([slot[u.station] for u in idle])  # each unit's station (its row in ``rows``)
        counts = rows[at].sum(axis=0)
        free = np.ones(len(idle), dtype=bool)  # not moved yet in this decision
        moves: list[tuple[Unit, int]] = []
        for _ in range(self.max_moves):
            best: tuple[float, float, int, int] | None = None  # (-improvement, drive, unit, target)
            for here in np.unique(at[free]):
                gains = coverage.addition_gains(counts - rows[here], rows, self.busy_fraction)
                target = int(np.argmax(gains))
                improvement = float(gains[target] - gains[here])
                if target == here or improvement < self.min_gain:
                    continue
                for u in np.flatnonzero(free & (at == here)):
                    drive = ctx.time_to_station(idle[u].position(), stations[target])
                    key = (-improvement, drive, int(idle[u].uid), target)
                    if best is None or key < best:
                        best = key
            if best is None:
                break
            _, _, uid, target = best
            u = next(i for i, unit in enumerate(idle) if unit.uid == uid)
            counts += rows[target] - rows[at[u]]
            at[u] = target
            free[u] = False
            moves.append((idle[u], stations[target]))
        return moves
