"""Dispatch sends the units with the shortest network travel time, not the nearest as the crow flies.

Each city below is drawn so that straight-line order and travel-time order
disagree: a river crossed by one bridge, a one-way loop, a fast arterial
against a slow side street. The expected order and times are worked out by
hand from the drawing (hops × seconds per hop), and each test first checks that
a straight-line dispatcher would have chosen differently, so it can tell the
two apart. A Hypothesis property then checks the closest policy against
networkx's Dijkstra on random graphs.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.oracles.small_city import drawn_city, events_of, two_way
from tests.systems.response.line_city import install, response_config, script
from twin.city import City
from twin.city.routing import Router
from twin.systems.response.dispatch import ClosestAvailable, PriorityReserve, Request


def dispatch_order(city: City, stations: list[int], incident_node: int) -> tuple[list[int], list[float], list[float]]:
    """One unit at each station; three priority-1 calls at ``incident_node`` one second apart.

    Units stay on scene long enough that each call must take a new unit, so the
    calls reveal the dispatcher's ranking. Returns the station node of each
    dispatched unit, its network travel time (s) as dispatched, and its drive
    (on scene − en route, s).
    """
    config = response_config(city, stations, len(stations), on_scene_s=5000.0)
    model, system = install(city, config)
    script(system, [(float(i), incident_node, "p1") for i in range(len(stations))])
    model.run(until=2000.0)
    events = model.bus.log.frame()
    sent = events_of(events, "UnitDispatched").sort_values("incident")
    en_route = events_of(events, "UnitEnRoute").set_index("unit")["time"]
    on_scene = events_of(events, "UnitOnScene").set_index("unit")["time"]
    units = sent["unit"].tolist()
    return ([stations[u] for u in units], sent["travel_s"].tolist(),
            [float(on_scene[u] - en_route[u]) for u in units])


def straight_line_order(city: City, stations: list[int], node: int) -> list[int]:
    net = city.drive
    return sorted(stations, key=lambda s: np.hypot(net.x[s] - net.x[node], net.y[s] - net.y[node]))


def test_a_river_with_one_bridge() -> None:
    # North bank 0..4 and south bank 5..9, 500 m apart along the bank (40 s a hop), 200 m across;
    # the only bridge joins 4 and 9 (16 s). The call is at 0, on the north bank's west end.
    points = [(500.0 * i, 100.0) for i in range(5)] + [(500.0 * i, -100.0) for i in range(5)]
    edges = [e for i in range(4) for e in two_way(i, i + 1, 40.0) + two_way(5 + i, 6 + i, 40.0)]
    city = drawn_city(points, edges + two_way(4, 9, 16.0))
    stations = [5, 3, 7]  # across the river (200 m), same bank (1500 m), across and east (1020 m)
    expected = {3: 3 * 40.0, 7: 2 * 40.0 + 16.0 + 4 * 40.0, 5: 4 * 40.0 + 16.0 + 4 * 40.0}
    assert straight_line_order(city, stations, 0) == [5, 7, 3]
    order, travel, drive = dispatch_order(city, stations, 0)
    assert order == [3, 7, 5]
    assert travel == [expected[s] for s in order]
    assert drive == pytest.approx(travel)


def test_a_one_way_loop() -> None:
    # Eight nodes round a 1 km square, one way (i -> i + 1), 500 m and 36 s a side.
    # Node 1 is next to the call at 0 but must drive all the way round.
    points = [(0, 0), (500, 0), (1000, 0), (1000, 500), (1000, 1000), (500, 1000), (0, 1000), (0, 500)]
    city = drawn_city(points, [(i, (i + 1) % 8, 36.0, "tertiary") for i in range(8)])
    stations = [1, 4, 6]
    assert straight_line_order(city, stations, 0) == [1, 6, 4]
    order, travel, drive = dispatch_order(city, stations, 0)
    assert order == [6, 4, 1]
    assert travel == [2 * 36.0, 4 * 36.0, 7 * 36.0]
    assert drive == pytest.approx(travel)


def test_a_fast_arterial_beats_a_short_slow_street() -> None:
    # East of the call: an arterial, 600 m hops at 90 km/h (24 s). North: a living street,
    # 300 m hops at 10 km/h (108 s).
    points = [(0, 0), (600, 0), (1200, 0), (1800, 0), (2400, 0), (0, 300), (0, 600)]
    edges = [e for i in range(4) for e in two_way(i, i + 1, 24.0, "primary")]
    edges += two_way(0, 5, 108.0, "living_street") + two_way(5, 6, 108.0, "living_street")
    city = drawn_city(points, edges)
    stations = [6, 4, 5]
    assert straight_line_order(city, stations, 0) == [5, 6, 4]
    order, travel, drive = dispatch_order(city, stations, 0)
    assert order == [4, 5, 6]
    assert travel == [96.0, 108.0, 216.0]
    assert drive == pytest.approx(travel)


# --- property: the closest policy against networkx ----------------------------------------------

class Stub:
    """What a dispatch policy reads of a unit: its id and where it is."""

    def __init__(self, uid: int, node: int) -> None:
        self.uid, self.node = uid, node

    def position(self) -> int:
        return self.node


@st.composite
def dispatch_cases(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, float]], list[tuple[int, int]], list[int],
                                            int, int]:
    """A random directed graph (times in quarter seconds, so sums are exact), units on it, a call."""
    n = draw(st.integers(2, 10))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
                          min_size=1, max_size=30))
    times = draw(st.lists(st.integers(1, 80), min_size=len(pairs), max_size=len(pairs)))
    edges = [(u, v, t / 4.0) for (u, v), t in zip(pairs, times)]
    points = draw(st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 3000)), min_size=n, max_size=n))
    units = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8))
    return n, edges, points, units, draw(st.integers(0, n - 1)), draw(st.integers(1, 8))


def times_to(n: int, edges: list[tuple[int, int, float]], node: int) -> dict[int, float]:
    """Travel time (s) from every node that can reach ``node``, by networkx."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from((v, u, t) for u, v, t in edges)  # reversed: one search from the call
    return nx.single_source_dijkstra_path_length(graph, node)


@settings(max_examples=60, deadline=None)
@given(case=dispatch_cases(), reserve=st.booleans())
def test_closest_sends_the_units_networkx_finds_soonest(case, reserve: bool) -> None:
    n, edges, points, nodes, incident, count = case
    to_incident = times_to(n, edges, incident)
    # When every unit goes, an unreachable one is a separate (known) problem: see the next test.
    assume(count < len(nodes) or all(node in to_incident for node in nodes))
    city = drawn_city(points, [(u, v, t, "residential") for u, v, t in edges], geographic=False)
    units = [Stub(i, node) for i, node in enumerate(nodes)]
    # Priority 1 passes every unit through the reserve policy: it must rank exactly like closest.
    policy = PriorityReserve({"ambulance": 0}) if reserve else ClosestAvailable()
    request = Request(incident=0, node=incident, priority=1, incident_type="p1", unit_type="ambulance", count=count)
    chosen = policy.choose(request, units, Router(city.drive))

    reachable = sorted(to_incident[u.node] for u in units if u.node in to_incident)
    times = [t for _, t in chosen]
    assert len({u.uid for u, _ in chosen}) == len(chosen), "a unit sent twice"
    assert len(chosen) == min(count, len(reachable))
    for unit, t in chosen:
        assert t == to_incident[unit.node], f"unit {unit.uid}: {t} s, networkx says {to_incident.get(unit.node)}"
    assert sorted(times) == reachable[:count]


def test_a_unit_that_cannot_reach_the_call_is_not_sent() -> None:
    city = drawn_city([(0, 0), (100, 0), (200, 0)], [(0, 1, 10.0, "residential")], geographic=False)
    request = Request(incident=0, node=2, priority=1, incident_type="p1", unit_type="ambulance", count=1)
    assert ClosestAvailable().choose(request, [Stub(0, 0)], Router(city.drive)) == []
