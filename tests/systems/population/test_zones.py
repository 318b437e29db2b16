"""Zones and signposts: the trees people follow agree with plain shortest paths."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from twin.city import City
from twin.kernels.dijkstra import dijkstra
from twin.kernels.zone_trees import lengths_along
from twin.systems.population.zones import (
    MoveNet,
    build_zones,
    choose_roots,
    jump_pointers,
    target_tree,
)


def follow(tree: np.ndarray, node: int, limit: int) -> list[int]:
    """Nodes from ``node`` to the tree's root along the signposts."""
    path = [node]
    while tree[path[-1], 0] >= 0:
        path.append(int(tree[path[-1], 0]))
        assert len(path) <= limit, "the signposts loop"
    return path


def fastest_edge(move: MoveNet, u: int, v: int) -> tuple[float, float]:
    """Time and length of the fastest edge u → v."""
    fwd = move.forward
    times = [(fwd.weights[j], move.length[fwd.edge_id[j]]) for j in range(fwd.indptr[u], fwd.indptr[u + 1])
             if fwd.indices[j] == v]
    return min(times)


@pytest.fixture(scope="module")
def drive(grid: City) -> tuple[MoveNet, object]:
    move = MoveNet.driving(grid.drive)
    roots = choose_roots(grid.drive, np.asarray(grid.population_weight), 12)
    return move, build_zones(move, roots, city_wide=True)


def test_in_trees_are_shortest_paths(drive: tuple[MoveNet, object]) -> None:
    move, zones = drive
    n = move.n_nodes
    for z in range(0, zones.n_zones, 4):
        root = int(zones.roots[z])
        dist, _ = dijkstra(move.reverse.indptr, move.reverse.indices, move.reverse.weights, root)
        tree = zones.to_zone[z]
        np.testing.assert_allclose(tree[:, 1] / 1000, dist, atol=6e-4)
        for v in range(0, n, 97):
            path = follow(tree, v, n)
            assert path[-1] == root
            legs = [fastest_edge(move, a, b) for a, b in itertools.pairwise(path)]
            assert sum(t for t, _ in legs) == pytest.approx(dist[v], abs=1e-6)
            assert sum(m for _, m in legs) == pytest.approx(zones.zone_metres[z, v], rel=1e-5)


def test_zones_are_network_voronoi_cells(drive: tuple[MoveNet, object]) -> None:
    move, zones = drive
    fwd = move.forward
    from_roots = np.vstack([dijkstra(fwd.indptr, fwd.indices, fwd.weights, int(r))[0] for r in zones.roots])
    np.testing.assert_allclose(zones.root_time, from_roots.min(axis=0))
    chosen = from_roots[zones.zone_of, np.arange(move.n_nodes)]
    np.testing.assert_allclose(chosen, from_roots.min(axis=0))
    # The out-forest climbs to the node's own root, with times falling all the way.
    parent = zones.root_jump[0]
    for v in range(0, move.n_nodes, 53):
        u = v
        while parent[u] >= 0:
            assert zones.root_time[parent[u]] <= zones.root_time[u]
            u = parent[u]
        assert u == zones.roots[zones.zone_of[v]]


def test_walk_forest_stays_in_its_zone(grid: City) -> None:
    move = MoveNet.walking(grid.walk, same_as_drive=False)
    roots = choose_roots(grid.walk, np.ones(grid.walk.n_nodes), 30)
    zones = build_zones(move, roots, city_wide=False)
    assert zones.to_zone.shape == (1, move.n_nodes, 2)
    for v in range(move.n_nodes):
        path = follow(zones.to_zone[0], v, move.n_nodes)
        assert path[-1] == zones.roots[zones.zone_of[v]]
        assert np.all(zones.zone_of[path] == zones.zone_of[v])


def test_walking_on_a_city_without_a_walk_network_goes_both_ways(grid: City) -> None:
    move = MoveNet.walking(grid.drive, same_as_drive=True)
    pairs = set(zip(move.tail.tolist(), move.head.tolist()))
    assert all((v, u) in pairs for u, v in pairs)
    assert np.allclose(move.time, move.length / (5 / 3.6))


def test_target_tree_and_jump_pointers(grid: City) -> None:
    move = MoveNet.driving(grid.drive)
    tree, metres = target_tree(move, 7)
    dist, _ = dijkstra(move.reverse.indptr, move.reverse.indices, move.reverse.weights, 7)
    np.testing.assert_allclose(tree[:, 1] / 1000, dist, atol=6e-4)
    assert tree[7, 0] == -1 and metres[7] == 0
    parent = np.array([-1, 0, 1, 2, 3, 0, 5], dtype=np.int32)
    jump = jump_pointers(parent)
    assert jump.tolist() == [[-1, 0, 1, 2, 3, 0, 5], [-1, -1, 0, 1, 2, -1, 0], [-1, -1, -1, -1, 0, -1, -1]]
    # Edge e (length e + 1) joins node e + 1 to its parent.
    edges = np.array([-1, 0, 1, 2, 3, 4, 5], dtype=np.int32)
    lengths = lengths_along(edges, parent[1:].copy(), np.arange(1.0, 7.0))
    assert lengths.tolist() == [0, 1, 3, 6, 10, 5, 11]
