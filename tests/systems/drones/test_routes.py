"""Flight paths around no-fly polygons: worked examples and properties."""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from twin.systems.drones.routes import FlightPlanner, flight_s, length


def test_no_zone_is_a_straight_line() -> None:
    assert FlightPlanner().path((0, 0), (300, 400)) == [(0.0, 0.0), (300.0, 400.0)]


def test_square_in_the_way_goes_round_a_corner() -> None:
    # Square from (-1, -1) to (1, 1) between (-3, 0) and (3, 0): round a corner at (±1, ±1),
    # two legs of sqrt(2² + 1²) and the edge of 2 between them.
    planner = FlightPlanner([[(-1, -1), (1, -1), (1, 1), (-1, 1)]])
    path = planner.path((-3, 0), (3, 0))
    assert math.isclose(length(path), 2 * math.sqrt(5) + 2)
    assert path[0] == (-3.0, 0.0) and path[-1] == (3.0, 0.0)


def test_goal_inside_a_zone_has_no_path() -> None:
    assert FlightPlanner([[(-1, -1), (1, -1), (1, 1), (-1, 1)]]).path((-3, 0), (0, 0)) is None


def test_wind_along_and_against() -> None:
    # 10 m/s drone, 5 m/s wind from the west (blowing east): 1000 m east at 15 m/s, west at 5 m/s.
    assert math.isclose(flight_s([(0, 0), (1000, 0)], 10, 5, 270), 1000 / 15)
    assert math.isclose(flight_s([(1000, 0), (0, 0)], 10, 5, 270), 1000 / 5)
    # Crosswind: the drone crabs, ground speed sqrt(10² − 5²).
    assert math.isclose(flight_s([(0, 0), (0, 1000)], 10, 5, 270), 1000 / math.sqrt(75))


coordinate = st.floats(-100, 100, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(points=st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=8),
       start=st.tuples(coordinate, coordinate), goal=st.tuples(coordinate, coordinate))
def test_path_never_shorter_than_the_line_nor_through_the_zone(points, start, goal) -> None:
    zone = Polygon(points).convex_hull
    assume(isinstance(zone, Polygon) and zone.area > 1.0)
    assume(not zone.covers(Point(start)) and not zone.covers(Point(goal)))
    path = FlightPlanner([list(zone.exterior.coords)[:-1]]).path(start, goal)
    assert path is not None  # outside a convex zone a way round always exists
    assert path[0] == (float(start[0]), float(start[1])) and path[-1] == (float(goal[0]), float(goal[1]))
    assert length(path) >= math.dist(start, goal) - 1e-9
    core = zone.buffer(-1e-6)  # the interior, less a hair for legs that run along an edge
    for a, b in zip(path, path[1:]):
        assert LineString([a, b]).intersection(core).length <= 1e-6
