"""Shared helpers for the kernel tests: random directed graphs and their CSR form.

The helpers are handed to tests as session fixtures (test modules should not
import ``conftest``). Graphs come as ``(n, edges)`` with ``edges`` a list of
``(tail, head, weight)``; weights are multiples of 0.25 s, so every path
length is an exact float and ties between routes are common.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import networkx as nx
import numpy as np
import pytest
from hypothesis import strategies as st

from twin.kernels import Workspace, make_workspace

MAX_NODES = 14
"""Largest graph the strategy draws (workspaces of this size fit every graph)."""

Edge = tuple[int, int, float]


class CSR(NamedTuple):
    """A graph and its reverse in the CSR form the kernels take."""

    n: int
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    rindptr: np.ndarray
    rindices: np.ndarray
    rweights: np.ndarray


def _one_way_csr(n: int, tails: np.ndarray, heads: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.argsort(tails, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=n), out=indptr[1:])
    return indptr, heads[order].astype(np.int64), weights[order].astype(np.float64)


def build_csr(n: int, edges: list[Edge]) -> CSR:
    """CSR arrays of a graph and of its reverse, keeping parallel edges and self-loops."""
    tails = np.array([e[0] for e in edges], dtype=np.int64)
    heads = np.array([e[1] for e in edges], dtype=np.int64)
    weights = np.array([e[2] for e in edges], dtype=np.float64)
    forward = _one_way_csr(n, tails, heads, weights)
    backward = _one_way_csr(n, heads, tails, weights)
    return CSR(n, *forward, *backward)


def build_nx(n: int, edges: list[Edge]) -> nx.MultiDiGraph:
    """The same graph in networkx (its Dijkstra takes the cheapest parallel edge)."""
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(edges)
    return g


def min_edge_weight(edges: list[Edge]) -> dict[tuple[int, int], float]:
    """Cheapest weight per (tail, head) pair."""
    best: dict[tuple[int, int], float] = {}
    for u, v, w in edges:
        best[(u, v)] = min(w, best.get((u, v), np.inf))
    return best


def assert_valid_path(path: np.ndarray, source: int, target: int, length: float, edges: list[Edge]) -> None:
    """``path`` runs from ``source`` to ``target`` over existing edges and has ``length``."""
    cheapest = min_edge_weight(edges)
    assert path[0] == source and path[-1] == target
    total = 0.0
    for u, v in zip(path[:-1], path[1:]):
        assert (int(u), int(v)) in cheapest, f"no edge {u}->{v}"
        total += cheapest[(int(u), int(v))]
    assert total == pytest.approx(length, rel=1e-12, abs=1e-12)


weights_st = st.integers(0, 40).map(lambda q: q * 0.25)


@st.composite
def directed_graphs(draw: st.DrawFn, max_nodes: int = MAX_NODES, max_edges: int = 40) -> tuple[int, list[Edge]]:
    """A directed graph, often split into parts with no edge between them."""
    n = draw(st.integers(1, max_nodes))
    node = st.integers(0, n - 1)
    edges = draw(st.lists(st.tuples(node, node, weights_st), max_size=max_edges))
    split = draw(st.integers(0, n))
    if draw(st.booleans()):
        # Two islands: drop every edge between nodes below and above the split.
        edges = [(u, v, w) for u, v, w in edges if (u < split) == (v < split)]
    return n, edges


@pytest.fixture(scope="session")
def graphs() -> st.SearchStrategy[tuple[int, list[Edge]]]:
    """Strategy for ``(n, edges)`` graphs; draw with ``data.draw(graphs)``."""
    return directed_graphs()


@pytest.fixture(scope="session")
def to_csr() -> Callable[[int, list[Edge]], CSR]:
    return build_csr


@pytest.fixture(scope="session")
def to_nx() -> Callable[[int, list[Edge]], nx.MultiDiGraph]:
    return build_nx


@pytest.fixture(scope="session")
def check_path() -> Callable[..., None]:
    return assert_valid_path


@pytest.fixture(scope="session")
def workspaces() -> tuple[Workspace, Workspace]:
    """Two workspaces shared by all tests, so that each search starts from the
    leftovers of another one (on another graph) and resetting gets exercised."""
    return make_workspace(MAX_NODES), make_workspace(MAX_NODES)
