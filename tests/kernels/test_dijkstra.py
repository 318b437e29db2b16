"""Dijkstra kernels against networkx on random directed graphs.

Graphs include parallel edges, zero-weight edges, self-loops, disconnected
parts and single nodes (see ``conftest.py``); weights are multiples of 0.25 s,
so distances are compared exactly.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.kernels import (
    dijkstra,
    dijkstra_bounded,
    dijkstra_multi_source,
    many_to_many,
    path_to,
)

SETTINGS = settings(max_examples=150, deadline=None)


def nx_distances(g: nx.MultiDiGraph, source: int) -> np.ndarray:
    """Distances from ``source`` by networkx, inf where unreachable."""
    dist = np.full(g.number_of_nodes(), np.inf)
    for v, d in nx.single_source_dijkstra_path_length(g, source).items():
        dist[v] = d
    return dist


@SETTINGS
@given(data=st.data())
def test_dijkstra_matches_networkx(graphs, to_csr, to_nx, check_path, data):
    n, edges = data.draw(graphs)
    source = data.draw(st.integers(0, n - 1))
    g = to_csr(n, edges)
    dist, pred = dijkstra(g.indptr, g.indices, g.weights, source)
    assert dist.dtype == np.float64 and pred.dtype == np.int64
    np.testing.assert_array_equal(dist, nx_distances(to_nx(n, edges), source))
    assert pred[source] == -1
    for v in range(n):
        path = path_to(pred, v, dist)
        if dist[v] == np.inf:
            assert pred[v] == -1 and path.size == 0
        elif v == source:
            assert path.tolist() == [source]
        else:
            check_path(path, source, v, dist[v], edges)


@SETTINGS
@given(data=st.data())
def test_dijkstra_float_weights(graphs, to_csr, to_nx, data):
    n, edges = data.draw(graphs)
    new_w = data.draw(st.lists(st.floats(0, 1e4), min_size=len(edges), max_size=len(edges)))
    edges = [(u, v, w) for (u, v, _), w in zip(edges, new_w)]
    source = data.draw(st.integers(0, n - 1))
    g = to_csr(n, edges)
    dist, _ = dijkstra(g.indptr, g.indices, g.weights, source)
    np.testing.assert_allclose(dist, nx_distances(to_nx(n, edges), source), rtol=1e-12)


@SETTINGS
@given(data=st.data())
def test_dijkstra_on_reverse_graph_gives_times_to_source(graphs, to_csr, to_nx, data):
    n, edges = data.draw(graphs)
    target = data.draw(st.integers(0, n - 1))
    g = to_csr(n, edges)
    dist, pred = dijkstra(g.rindptr, g.rindices, g.rweights, target)
    np.testing.assert_array_equal(dist, nx_distances(to_nx(n, edges).reverse(copy=True), target))
    # pred[v] is the next node on the way to target.
    for v in range(n):
        if dist[v] < np.inf and v != target:
            assert dist[v] == min(w for a, b, w in edges if a == v and b == pred[v]) + dist[pred[v]]


@SETTINGS
@given(data=st.data())
def test_multi_source_matches_networkx(graphs, to_csr, to_nx, check_path, data):
    n, edges = data.draw(graphs)
    sources = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4))
    g = to_csr(n, edges)
    nxg = to_nx(n, edges)
    dist, pred, origin = dijkstra_multi_source(
        g.indptr, g.indices, g.weights, np.array(sources, dtype=np.int64), np.zeros(len(sources))
    )
    expected = np.full(n, np.inf)
    for v, d in nx.multi_source_dijkstra_path_length(nxg, set(sources)).items():
        expected[v] = d
    np.testing.assert_array_equal(dist, expected)
    per_source = [nx_distances(nxg, s) for s in sources]
    for v in range(n):
        if dist[v] == np.inf:
            assert origin[v] == -1 and pred[v] == -1
            continue
        o = origin[v]
        assert per_source[o][v] == dist[v]
        path = path_to(pred, v, dist)
        assert path[0] == sources[o]
        if path.size > 1:
            check_path(path, sources[o], v, dist[v], edges)


@SETTINGS
@given(data=st.data())
def test_multi_source_start_times(graphs, to_csr, to_nx, check_path, data):
    n, edges = data.draw(graphs)
    k = data.draw(st.integers(1, 4))
    sources = data.draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    starts = data.draw(
        st.lists(st.one_of(st.integers(0, 40).map(lambda q: q * 0.25), st.just(np.inf)), min_size=k, max_size=k)
    )
    g = to_csr(n, edges)
    dist, pred, origin = dijkstra_multi_source(
        g.indptr, g.indices, g.weights, np.array(sources, dtype=np.int64), np.array(starts)
    )
    # Reference: a super source n with an edge of length start_time to each source.
    nxg = to_nx(n, edges)
    nxg.add_node(n)
    nxg.add_weighted_edges_from((n, s, t) for s, t in zip(sources, starts) if t < np.inf)
    expected = nx_distances(nxg, n)[:n]
    np.testing.assert_array_equal(dist, expected)
    per_source = [nx_distances(to_nx(n, edges), s) for s in sources]
    for v in range(n):
        if dist[v] < np.inf:
            o = origin[v]
            assert starts[o] + per_source[o][v] == dist[v]
            path = path_to(pred, v, dist)
            assert path[0] == sources[o]
            if path.size > 1:
                check_path(path, sources[o], v, dist[v] - starts[o], edges)
        else:
            assert origin[v] == -1


def test_multi_source_without_sources(to_csr):
    g = to_csr(3, [(0, 1, 1.0)])
    dist, pred, origin = dijkstra_multi_source(
        g.indptr, g.indices, g.weights, np.empty(0, dtype=np.int64), np.empty(0)
    )
    assert np.all(dist == np.inf) and np.all(pred == -1) and np.all(origin == -1)


@settings(max_examples=250, deadline=None)
@given(data=st.data())
def test_bounded_returns_k_nearest_targets_within_budget(graphs, to_csr, to_nx, check_path, workspaces, data):
    n, edges = data.draw(graphs)
    source = data.draw(st.integers(0, n - 1))
    is_target = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    k = data.draw(st.integers(-1, n + 1))
    max_dist = data.draw(st.one_of(st.just(np.inf), st.integers(0, 60).map(lambda q: q * 0.25)))
    use_workspace = data.draw(st.booleans())
    ws = workspaces[0]
    g = to_csr(n, edges)
    nodes, dists = dijkstra_bounded(
        g.indptr, g.indices, g.weights, source, max_dist, is_target, k, ws if use_workspace else None
    )
    truth = nx_distances(to_nx(n, edges), source)
    eligible = sorted(truth[v] for v in range(n) if is_target[v] and truth[v] < np.inf and truth[v] <= max_dist)
    expected = eligible[:k] if k > 0 else eligible
    assert nodes.dtype == np.int64 and dists.dtype == np.float64
    assert dists.tolist() == expected  # in order of distance; ties may swap nodes
    assert len(set(nodes.tolist())) == nodes.size
    for v, d in zip(nodes, dists):
        assert is_target[v] and truth[v] == d
    if use_workspace:
        # The workspace holds the search tree: exact where settled, upper bounds
        # elsewhere, and untouched beyond this graph's nodes.
        assert np.all(ws.dist[:n] >= truth)
        assert np.all(ws.dist[n:] == np.inf) and np.all(ws.pred[n:] == -1)
        for v, d in zip(nodes, dists):
            assert ws.dist[v] == d
            path = path_to(ws.pred, v, ws.dist)
            if v == source:
                assert path.tolist() == [source]
            else:
                check_path(path, source, v, d, edges)


def test_bounded_budget_is_inclusive(to_csr):
    # 0 -1-> 1 -1-> 2 -1-> 3, all targets.
    g = to_csr(4, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0)])
    nodes, dists = dijkstra_bounded(g.indptr, g.indices, g.weights, 0, 2.0, np.ones(4, dtype=bool), 0)
    assert nodes.tolist() == [0, 1, 2] and dists.tolist() == [0.0, 1.0, 2.0]
    nodes, _ = dijkstra_bounded(g.indptr, g.indices, g.weights, 0, np.inf, np.ones(4, dtype=bool), 2)
    assert nodes.tolist() == [0, 1]


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_many_to_many_matches_repeated_dijkstra(graphs, to_csr, data):
    n, edges = data.draw(graphs)
    origins = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=5)), dtype=np.int64)
    targets = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=5)), dtype=np.int64)
    g = to_csr(n, edges)
    out = many_to_many(g.indptr, g.indices, g.weights, origins, targets)
    assert out.shape == (origins.size, targets.size)
    for i, o in enumerate(origins):
        dist, _ = dijkstra(g.indptr, g.indices, g.weights, o)
        np.testing.assert_array_equal(out[i], dist[targets])


def test_invalid_nodes_are_rejected(to_csr):
    g = to_csr(2, [(0, 1, 1.0)])
    with pytest.raises(ValueError):
        dijkstra(g.indptr, g.indices, g.weights, 2)
    with pytest.raises(ValueError):
        dijkstra_bounded(g.indptr, g.indices, g.weights, -1, np.inf, np.ones(2, dtype=bool), 0)
    with pytest.raises(ValueError):
        many_to_many(g.indptr, g.indices, g.weights, np.array([0]), np.array([5]))
