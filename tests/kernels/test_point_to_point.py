"""ALT point-to-point queries against networkx and the Dijkstra kernel."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.kernels import astar_landmarks, dijkstra, make_workspace, select_landmarks


def nx_length(g: nx.MultiDiGraph, s: int, t: int) -> float:
    try:
        return nx.dijkstra_path_length(g, s, t)
    except nx.NetworkXNoPath:
        return np.inf


def landmarks_for(g, n_landmarks: int, seed: int):
    return select_landmarks(
        g.indptr, g.indices, g.weights, g.rindptr, g.rindices, g.rweights, n_landmarks, seed
    )


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_landmark_tables_match_dijkstra(graphs, to_csr, data):
    n, edges = data.draw(graphs)
    n_landmarks = data.draw(st.integers(0, n + 2))
    g = to_csr(n, edges)
    landmarks, dist_from, dist_to = landmarks_for(g, n_landmarks, data.draw(st.integers(0, 2**31)))
    size = min(n_landmarks, n)
    assert landmarks.shape == (size,) and dist_from.shape == dist_to.shape == (size, n)
    assert len(set(landmarks.tolist())) == size
    for i, lm in enumerate(landmarks):
        np.testing.assert_array_equal(dist_from[i], dijkstra(g.indptr, g.indices, g.weights, lm)[0])
        np.testing.assert_array_equal(dist_to[i], dijkstra(g.rindptr, g.rindices, g.rweights, lm)[0])


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_astar_matches_networkx(graphs, to_csr, to_nx, check_path, workspaces, data):
    n, edges = data.draw(graphs)
    g = to_csr(n, edges)
    nxg = to_nx(n, edges)
    _, dist_from, dist_to = landmarks_for(g, data.draw(st.integers(0, 6)), data.draw(st.integers(0, 99)))
    use_workspaces = data.draw(st.booleans())
    for _ in range(3):
        s = data.draw(st.integers(0, n - 1))
        t = data.draw(st.integers(0, n - 1))
        args = (g.indptr, g.indices, g.weights, g.rindptr, g.rindices, g.rweights, dist_from, dist_to, s, t)
        distance, path = astar_landmarks(*args, *workspaces) if use_workspaces else astar_landmarks(*args)
        assert distance == nx_length(nxg, s, t)
        assert path.dtype == np.int64
        if distance == np.inf:
            assert path.size == 0
        elif s == t:
            assert path.tolist() == [s]
        else:
            check_path(path, s, t, distance, edges)


def city_like_grid(side: int, seed: int):
    """Grid streets with random times, fast arterials, some one-way streets,
    and a separate two-street island; returns (n, edges)."""
    rng = np.random.default_rng(seed)
    edges = []

    def node(r: int, c: int) -> int:
        return r * side + c

    for r in range(side):
        for c in range(side):
            for dr, dc in ((0, 1), (1, 0)):
                r2, c2 = r + dr, c + dc
                if r2 >= side or c2 >= side:
                    continue
                w = rng.uniform(5.0, 15.0) * (0.5 if (r % 5 == 0 if dr == 0 else c % 5 == 0) else 1.0)
                one_way = rng.random() < 0.1
                edges.append((node(r, c), node(r2, c2), w))
                if not one_way:
                    edges.append((node(r2, c2), node(r, c), w))
    base = side * side
    edges += [(base, base + 1, 3.0), (base + 1, base + 2, 4.0), (base + 2, base, 1.0)]
    return base + 3, edges


@pytest.mark.parametrize("seed", [0, 1])
def test_astar_on_city_like_grid(to_csr, check_path, seed):
    n, edges = city_like_grid(20, seed)
    g = to_csr(n, edges)
    _, dist_from, dist_to = landmarks_for(g, 8, seed)
    fws, bws = make_workspace(n), make_workspace(n)
    rng = np.random.default_rng(seed)
    for s in rng.integers(0, n, size=15):
        dist, _ = dijkstra(g.indptr, g.indices, g.weights, s)
        for t in rng.integers(0, n, size=15):
            distance, path = astar_landmarks(
                g.indptr, g.indices, g.weights, g.rindptr, g.rindices, g.rweights,
                dist_from, dist_to, s, t, fws, bws,
            )
            if dist[t] == np.inf:
                assert distance == np.inf and path.size == 0
            else:
                assert distance == pytest.approx(dist[t], rel=1e-12)
                if s != t:
                    check_path(path, s, t, distance, edges)


def test_astar_rejects_mismatched_tables(to_csr):
    g = to_csr(3, [(0, 1, 1.0), (1, 2, 1.0)])
    with pytest.raises(ValueError):
        astar_landmarks(
            g.indptr, g.indices, g.weights, g.rindptr, g.rindices, g.rweights,
            np.zeros((1, 4)), np.zeros((1, 4)), 0, 2,
        )
