"""Flight paths: straight lines in projected metres, around no-fly polygons.

A drone flies the shortest path from its dock to the scene that never enters
the interior of a no-fly zone. That path runs along straight segments between
the start, the goal and vertices of the zones (the visibility graph): the
graph's nodes are the zones' vertices plus start and goal, its edges the pairs
that see each other (the segment between them does not cross a zone's
interior; running along a zone's edge is allowed), and Dijkstra finds the
path. Edges between vertices are computed once; each query adds the start's
and the goal's.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence

import numpy as np
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import unary_union

#: DE-9IM pattern: the interiors of a segment and a zone meet.
_THROUGH_INTERIOR = "T********"


class FlightPlanner:
    """Shortest flight paths around no-fly polygons.

    Parameters
    ----------
    zones : sequence of sequences of (x, y)
        No-fly polygons, vertices in metres.
    """

    def __init__(self, zones: Sequence[Sequence[tuple[float, float]]] = ()) -> None:
        self.zones = [Polygon(z) for z in zones]
        self._blocked = unary_union(self.zones) if self.zones else None
        vertices: list[tuple[float, float]] = []
        for zone in self.zones:
            vertices.extend(tuple(map(float, c)) for c in list(zone.exterior.coords)[:-1])
        self.vertices = vertices
        n = len(vertices)
        self._edges: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                if self.sees(vertices[i], vertices[j]):
                    d = math.dist(vertices[i], vertices[j])
                    self._edges[i].append((j, d))
                    self._edges[j].append((i, d))

    def sees(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the segment a–b stays out of every zone's interior."""
        if self._blocked is None:
            return True
        if a == b:
            return not self._blocked.contains(Point(a))
        return not LineString([a, b]).relate_pattern(self._blocked, _THROUGH_INTERIOR)

    def inside(self, p: tuple[float, float]) -> bool:
        """Whether ``p`` lies in the interior of a zone (nothing can fly there)."""
        return self._blocked is not None and self._blocked.contains(Point(p))

    def path(self, start: tuple[float, float], goal: tuple[float, float]) -> list[tuple[float, float]] | None:
        """The shortest path from ``start`` to ``goal`` as a list of points (m), or None if there is none."""
        start, goal = (float(start[0]), float(start[1])), (float(goal[0]), float(goal[1]))
        if self.inside(start) or self.inside(goal):
            return None
        if self.sees(start, goal):
            return [start, goal]
        n = len(self.vertices)
        s, g = n, n + 1  # node ids of the start and the goal
        points = [*self.vertices, start, goal]
        to_goal = [(i, math.dist(v, goal)) for i, v in enumerate(self.vertices) if self.sees(v, goal)]
        goal_of = dict(to_goal)
        best = {s: 0.0}
        previous: dict[int, int] = {}
        heap = [(0.0, s)]
        while heap:
            d, u = heapq.heappop(heap)
            if u == g:
                break
            if d > best.get(u, math.inf):
                continue
            if u == s:
                out = [(i, math.dist(start, v)) for i, v in enumerate(self.vertices) if self.sees(start, v)]
            else:
                out = list(self._edges[u])
                if u in goal_of:
                    out.append((g, goal_of[u]))
            for v, w in out:
                nd = d + w
                if nd < best.get(v, math.inf):
                    best[v] = nd
                    previous[v] = u
                    heapq.heappush(heap, (nd, v))
        if g not in best:
            return None
        route = [g]
        while route[-1] != s:
            route.append(previous[route[-1]])
        return [points[i] for i in reversed(route)]


def length(path: Sequence[tuple[float, float]]) -> float:
    """Length of a path, metres."""
    return float(sum(math.dist(a, b) for a, b in zip(path, path[1:])))


def flight_s(path: Sequence[tuple[float, float]], air_m_s: float, wind_m_s: float = 0.0,
             wind_from_deg: float = 270.0) -> float:
    """Cruise time along ``path`` (s) at air speed ``air_m_s`` in a steady wind.

    On each leg the drone crabs into the crosswind: its ground speed is the
    tailwind component plus sqrt(v² − crosswind²). ``inf`` when the crosswind
    is stronger than the drone. Without wind this is length / speed exactly.
    """
    if wind_m_s == 0:
        return length(path) / air_m_s
    to = math.radians(wind_from_deg + 180.0)  # the wind blows towards this bearing (from north, clockwise)
    wx, wy = wind_m_s * math.sin(to), wind_m_s * math.cos(to)
    total = 0.0
    for (ax, ay), (bx, by) in zip(path, path[1:]):
        d = math.hypot(bx - ax, by - ay)
        if d == 0:
            continue
        ux, uy = (bx - ax) / d, (by - ay) / d
        along = wx * ux + wy * uy
        cross = wx * uy - wy * ux
        if abs(cross) >= air_m_s:
            return math.inf
        ground = along + math.sqrt(air_m_s ** 2 - cross ** 2)
        if ground <= 0:
            return math.inf
        total += d / ground
    return total


def point_along(path: Sequence[tuple[float, float]], metres: float) -> tuple[float, float]:
    """The point ``metres`` along ``path`` (its end when past it)."""
    point = LineString(path).interpolate(max(0.0, metres)) if len(path) > 1 else Point(path[0])
    return float(point.x), float(point.y)


def path_until(path: Sequence[tuple[float, float]], metres: float) -> list[tuple[float, float]]:
    """The start of ``path`` up to ``metres`` along it."""
    out, done = [path[0]], 0.0
    for a, b in zip(path, path[1:]):
        d = math.dist(a, b)
        if done + d >= metres:
            out.append(point_along([a, b], metres - done))
            return out
        out.append(b)
        done += d
    return out


def as_array(path: Sequence[tuple[float, float]]) -> np.ndarray:
    """The path as an (n, 2) array of metres."""
    return np.asarray(path, dtype=np.float64).reshape(-1, 2)
