"""Where units drove: one row per route node, with the time the unit passed it.

A unit's drive (a *leg*) is a route on the road network: to a scene (the route the
dispatcher's router found), to a hospital, home or to another station (down the
free-flow tree to the station, the route :meth:`ResponseSystem.node_on_way_home`
walks). Each node of the route is passed at the leg's start plus the network time
to it, scaled so that the last node is reached exactly when the simulation says
the unit arrived (the ``UnitOnScene``, ``UnitAtHospital``, ``UnitAtStation`` time).

A leg is kept by its unit until the next one starts, then appended to the log:

* a leg cut short — a unit sent to a new call, or moved to another station, on
  its way home — keeps the nodes up to the one the unit had last passed (where
  the simulation puts it);
* at the end of the run, legs still under way keep the nodes passed so far.

Between legs a unit stands at the last node of its previous leg (turnout, on
scene, handover, at the station). The log grows in fixed-size numpy chunks of
compact columns (about 21 bytes a row), so a long run costs memory in proportion
to the distance driven, never a Python object per node.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from twin.city.network import RoadNetwork

#: Kinds of leg, by code in the ``leg`` column.
LEGS = ("to_scene", "to_hospital", "home", "relocation")
TO_SCENE, TO_HOSPITAL, HOME, RELOCATION = range(len(LEGS))

#: Rows per chunk of the log.
CHUNK_ROWS = 1 << 16

#: Columns of the ``movements`` side table, in order.
COLUMNS = ("unit", "time_s", "node", "x", "y", "lon", "lat", "leg", "incident")


class Leg:
    """One drive of one unit: its nodes and the times it passes them (s since the start)."""

    __slots__ = ("unit", "incident", "leg", "nodes", "times")

    def __init__(self, unit: int, incident: int, leg: int, nodes: np.ndarray, times: np.ndarray) -> None:
        self.unit, self.incident, self.leg = unit, incident, leg
        self.nodes, self.times = nodes, times

    @classmethod
    def drive(cls, unit: int, incident: int, leg: int, nodes: np.ndarray, elapsed_s: np.ndarray,
              start_s: float, drive_s: float) -> Leg:
        """A leg starting at ``start_s`` that takes ``drive_s`` seconds in all.

        ``elapsed_s`` is the network travel time from ``nodes[0]`` to each node; the
        times are scaled to the drive so that the last node is passed at ``start_s + drive_s``.
        """
        nodes = np.asarray(nodes, dtype=np.int64)
        total = float(elapsed_s[-1]) if len(elapsed_s) else 0.0
        if total > 0 and np.isfinite(total):
            times = start_s + drive_s * (np.asarray(elapsed_s, dtype=np.float64) / total)
        else:
            times = np.full(len(nodes), start_s, dtype=np.float64)
        if len(times):
            times[-1] = start_s + drive_s  # the arrival the simulation publishes, to the last bit
        return cls(unit, incident, leg, nodes, times)

    def cut_at(self, node: int) -> Leg:
        """The leg up to the first visit of ``node`` (where the unit turned away)."""
        hits = np.flatnonzero(self.nodes == node)
        end = int(hits[0]) + 1 if len(hits) else 1
        return Leg(self.unit, self.incident, self.leg, self.nodes[:end], self.times[:end])

    def until(self, now_s: float) -> Leg:
        """The leg as far as it was driven by ``now_s``."""
        keep = self.times <= now_s
        return Leg(self.unit, self.incident, self.leg, self.nodes[keep], self.times[keep])


class MovementLog:
    """The rows of every finished leg, in compact numpy chunks."""

    def __init__(self, chunk_rows: int = CHUNK_ROWS) -> None:
        self._chunk_rows = chunk_rows
        self._full: list[tuple[np.ndarray, ...]] = []
        self._new_chunk()

    def _new_chunk(self) -> None:
        n = self._chunk_rows
        self._unit = np.empty(n, np.int32)
        self._time = np.empty(n, np.float64)
        self._node = np.empty(n, np.int32)
        self._leg = np.empty(n, np.int8)
        self._incident = np.empty(n, np.int32)
        self._used = 0

    def __len__(self) -> int:
        return sum(len(chunk[0]) for chunk in self._full) + self._used

    def add(self, leg: Leg) -> None:
        """Append the rows of a leg."""
        done = 0
        while done < len(leg.nodes):
            if self._used == self._chunk_rows:
                self._full.append(self._columns())
                self._new_chunk()
            take = min(len(leg.nodes) - done, self._chunk_rows - self._used)
            rows = slice(self._used, self._used + take)
            self._unit[rows] = leg.unit
            self._time[rows] = leg.times[done:done + take]
            self._node[rows] = leg.nodes[done:done + take]
            self._leg[rows] = leg.leg
            self._incident[rows] = leg.incident
            self._used += take
            done += take

    def _columns(self) -> tuple[np.ndarray, ...]:
        used = self._used
        return (self._unit[:used], self._time[:used], self._node[:used], self._leg[:used], self._incident[:used])

    def frame(self, net: RoadNetwork, pending: Sequence[Leg] = ()) -> pd.DataFrame:
        """The ``movements`` table, ordered by unit then time (see ``docs/outputs.md``).

        ``pending`` are legs not yet appended (those under way, cut to now), added to the
        table but not to the log.

        Columns: ``unit`` (int32), ``time_s`` (float64, s since the start), ``node``
        (int32), ``x``, ``y`` (float64, metres in the city's CRS), ``lon``, ``lat``
        (float64, WGS 84 degrees), ``leg`` (category of :data:`LEGS`), ``incident``
        (Int32, the incident a leg to a scene or hospital serves, else null).
        """
        chunks = [*self._full, self._columns()]
        for leg in pending:
            n = len(leg.nodes)
            chunks.append((np.full(n, leg.unit, np.int32), leg.times, leg.nodes.astype(np.int32),
                           np.full(n, leg.leg, np.int8), np.full(n, leg.incident, np.int32)))
        unit, time, node, leg, incident = (np.concatenate([c[i] for c in chunks]) for i in range(5))
        order = np.lexsort((np.arange(len(unit)), time, unit))  # stable: a leg's rows keep their order
        unit, time, node, leg, incident = unit[order], time[order], node[order], leg[order], incident[order]
        return pd.DataFrame({
            "unit": unit, "time_s": time, "node": node,
            "x": net.x[node], "y": net.y[node], "lon": net.lon[node], "lat": net.lat[node],
            "leg": pd.Categorical.from_codes(leg.astype(np.int64), categories=list(LEGS)),
            "incident": pd.Series(incident, dtype="Int32").mask(incident < 0),
        })
