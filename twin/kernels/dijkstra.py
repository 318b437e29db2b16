"""Dijkstra's shortest-path searches on a directed graph in CSR form.

Think of water poured at a station spreading along the streets: it reaches each
crossing at the earliest possible time, and the street it came along is the
last leg of the fastest route there. Dijkstra's algorithm computes exactly that
front, one crossing at a time, in order of arrival.

Graph representation (shared by every kernel in ``twin.kernels``):

* ``indptr`` -- int64, shape (n + 1,): edges leaving node ``u`` are
  ``indptr[u]:indptr[u + 1]``;
* ``indices`` -- int64, shape (m,): head node of each edge;
* ``weights`` -- float64, shape (m,): travel time of each edge in seconds,
  non-negative (zero allowed). Parallel edges and self-loops are fine.

Unreachable nodes have distance ``inf`` and predecessor ``-1``.

Searches *towards* a node ("which units can reach the incident, and how
fast?") are the same calls on the reverse graph (every edge flipped, built by
the caller): distances are then travel times *to* the source, and ``pred[v]``
is the node after ``v`` on the way there.

The searches release the GIL, so Python threads can run them side by side
(each with its own workspace).
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from twin.kernels.heap import (
    NEVER_PUSHED,
    heap_pop,
    heap_push,
    indexed_heap_pop,
    indexed_heap_push,
)
from twin.kernels.workspace import Workspace, make_workspace, reset_workspace


@numba.njit(cache=True, nogil=True)
def dijkstra(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    source: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Shortest travel times from one node to all nodes.

    For all-to-one times (from every node *to* ``source``) pass the reverse graph.

    Parameters
    ----------
    indptr, indices, weights : ndarray
        The graph in CSR form (int64, int64, float64 seconds >= 0).
    source : int
        Start node, in ``[0, n)``.

    Returns
    -------
    dist : ndarray of float64, shape (n,)
        Travel time (s) from ``source``; ``inf`` where unreachable.
    pred : ndarray of int64, shape (n,)
        Predecessor on a shortest path; ``-1`` for ``source`` and unreachable nodes.
    """
    n = indptr.size - 1
    if source < 0 or source >= n:
        raise ValueError("source is not a node of the graph")
    dist = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int64)
    # Lazy deletion: each successful relaxation pushes once, so m + 1 slots suffice.
    keys = np.empty(indices.size + 1)
    items = np.empty(indices.size + 1, dtype=np.int64)
    dist[source] = 0.0
    size = heap_push(keys, items, 0, 0.0, source)
    while size > 0:
        d, u, size = heap_pop(keys, items, size)
        if d > dist[u]:  # stale: u was queued again with a smaller time
            continue
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = u
                size = heap_push(keys, items, size, nd, v)
    return dist, pred


@numba.njit(cache=True, nogil=True)
def dijkstra_multi_source(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    sources: npt.NDArray[np.int64],
    start_times: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Earliest arrival at every node from several sources leaving at given times.

    Typical use: the nearest station to every node (all start times 0), or the
    first unit to arrive when units become free at different times.

    Parameters
    ----------
    indptr, indices, weights : ndarray
        The graph in CSR form (int64, int64, float64 seconds >= 0).
    sources : ndarray of int64, shape (k,)
        Start nodes; repeats allowed (the earliest start time counts).
    start_times : ndarray of float64, shape (k,)
        Departure time (s) of each source; ``inf`` disables a source.

    Returns
    -------
    dist : ndarray of float64, shape (n,)
        ``min_i start_times[i] + d(sources[i], v)`` in seconds; ``inf`` where no
        source reaches.
    pred : ndarray of int64, shape (n,)
        Predecessor on an earliest route; ``-1`` at the winning sources and at
        unreachable nodes.
    origin : ndarray of int64, shape (n,)
        Index into ``sources`` of the source that reaches each node first
        (ties broken arbitrarily); ``-1`` where unreachable.
    """
    n = indptr.size - 1
    k = sources.size
    if start_times.size != k:
        raise ValueError("sources and start_times differ in length")
    dist = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int64)
    origin = np.full(n, -1, dtype=np.int64)
    keys = np.empty(indices.size + k + 1)
    items = np.empty(indices.size + k + 1, dtype=np.int64)
    size = 0
    for i in range(k):
        s = sources[i]
        if s < 0 or s >= n:
            raise ValueError("a source is not a node of the graph")
        t0 = start_times[i]
        if t0 < dist[s]:
            dist[s] = t0
            origin[s] = i
            size = heap_push(keys, items, size, t0, s)
    while size > 0:
        d, u, size = heap_pop(keys, items, size)
        if d > dist[u]:
            continue
        ou = origin[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = u
                origin[v] = ou
                size = heap_push(keys, items, size, nd, v)
    return dist, pred, origin


@numba.njit(cache=True, nogil=True)
def _bounded_search(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    source: int,
    max_dist: float,
    is_target: npt.NDArray[np.bool_],
    k: int,
    ws: Workspace,
) -> int:
    """Core of ``dijkstra_bounded``; returns how many targets it put in ``ws.found``."""
    reset_workspace(ws)
    dist = ws.dist
    pred = ws.pred
    pos = ws.pos
    keys = ws.heap_keys
    items = ws.heap_items
    touched = ws.touched
    found = ws.found
    dist[source] = 0.0
    touched[0] = source
    n_touched = 1
    size = indexed_heap_push(keys, items, pos, 0, 0.0, source)
    n_found = 0
    while size > 0:
        d, u, size = indexed_heap_pop(keys, items, pos, size)
        if d > max_dist:
            break
        if is_target[u]:
            found[n_found] = u
            n_found += 1
            if n_found == k:
                break
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            # A popped node never improves (weights >= 0), so no extra check is needed.
            if nd < dist[v]:
                if pos[v] == NEVER_PUSHED:
                    touched[n_touched] = v
                    n_touched += 1
                dist[v] = nd
                pred[v] = u
                size = indexed_heap_push(keys, items, pos, size, nd, v)
    ws.n_touched[0] = n_touched
    return n_found


@numba.njit(cache=True, nogil=True)
def dijkstra_bounded(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    source: int,
    max_dist: float,
    is_target: npt.NDArray[np.bool_],
    k: int,
    workspace: Workspace | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The ``k`` nearest target nodes within a travel-time budget.

    The search settles nodes in order of travel time and stops as soon as the
    next node is farther than ``max_dist`` or ``k`` targets have been settled,
    so its cost depends on the region explored, not on the graph's size --
    provided a ``workspace`` is passed (without one, ``O(n)`` arrays are
    allocated per call). To find what can reach ``source`` (e.g. units that
    can get to an incident), pass the reverse graph.

    Parameters
    ----------
    indptr, indices, weights : ndarray
        The graph in CSR form (int64, int64, float64 seconds >= 0).
    source : int
        Start node, in ``[0, n)``; it counts as a target at time 0 if flagged.
    max_dist : float
        Budget in seconds; nodes at exactly ``max_dist`` are included.
        ``np.inf`` for no budget.
    is_target : ndarray of bool, shape (n,)
        Which nodes count as targets.
    k : int
        Stop after this many targets; ``k <= 0`` means all targets within budget.
    workspace : Workspace, optional
        From ``make_workspace(n)``, reused across calls (one per thread). After
        the call, ``workspace.dist`` / ``workspace.pred`` hold the search tree:
        exact for the returned targets and for every node nearer than the last
        one settled, so ``path_to(workspace.pred, t, workspace.dist)`` gives the
        route to a returned target ``t``.

    Returns
    -------
    target_nodes : ndarray of int64
        Settled targets in order of travel time (ties in any order).
    target_dist : ndarray of float64
        Their travel times from ``source`` (s).
    """
    n = indptr.size - 1
    if source < 0 or source >= n:
        raise ValueError("source is not a node of the graph")
    if is_target.size != n:
        raise ValueError("is_target must have one entry per node")
    if workspace is None:
        ws = make_workspace(n)
    else:
        ws = workspace
    if ws.dist.size < n:
        raise ValueError("workspace is smaller than the graph")
    n_found = _bounded_search(indptr, indices, weights, source, max_dist, is_target, k, ws)
    target_nodes = ws.found[:n_found].copy()
    target_dist = np.empty(n_found)
    for i in range(n_found):
        target_dist[i] = ws.dist[target_nodes[i]]
    return target_nodes, target_dist


@numba.njit(cache=True, nogil=True)
def path_to(
    pred: npt.NDArray[np.int64],
    target: int,
    dist: npt.NDArray[np.float64],
) -> npt.NDArray[np.int64]:
    """Node sequence from a search's source to ``target``.

    ``dist`` is needed because ``pred == -1`` alone cannot tell the source from
    an unreachable node.

    Parameters
    ----------
    pred : ndarray of int64, shape (n,)
        Predecessors from a search (``-1`` = none).
    target : int
        End node.
    dist : ndarray of float64, shape (n,)
        Distances from the same search (``inf`` = unreachable).

    Returns
    -------
    ndarray of int64
        ``[source, ..., target]``; ``[target]`` if ``target`` is a source;
        empty if ``target`` is unreachable.
    """
    n = pred.size
    if target < 0 or target >= n:
        raise ValueError("target is not a node of the graph")
    if dist[target] == np.inf:
        return np.empty(0, dtype=np.int64)
    length = 1
    v = target
    while pred[v] != -1:
        v = pred[v]
        length += 1
        if length > n:
            raise ValueError("pred contains a cycle")
    path = np.empty(length, dtype=np.int64)
    v = target
    for i in range(length - 1, -1, -1):
        path[i] = v
        v = pred[v]
    return path


def many_to_many(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    origins: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """Travel-time matrix between origins and targets.

    One search per origin, run in parallel over Numba's threads
    (``numba.set_num_threads`` / ``NUMBA_NUM_THREADS``); each search stops as
    soon as all targets are settled. Memory: one ``make_workspace(n)`` per thread.

    This is a plain Python function (it reads the thread count, which compiled
    code cannot do and still be cached); call it from Python, not from Numba.

    Parameters
    ----------
    indptr, indices, weights : ndarray
        The graph in CSR form (int64, int64, float64 seconds >= 0).
    origins : ndarray of int64, shape (a,)
        Start nodes (repeats allowed).
    targets : ndarray of int64, shape (b,)
        End nodes (repeats allowed).

    Returns
    -------
    ndarray of float64, shape (a, b)
        ``out[i, j]`` is the travel time (s) from ``origins[i]`` to ``targets[j]``,
        ``inf`` if unreachable.
    """
    return _many_to_many(indptr, indices, weights, origins, targets, numba.get_num_threads())


@numba.njit(cache=True, parallel=True)
def _many_to_many(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    origins: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
    n_threads: int,
) -> npt.NDArray[np.float64]:
    """Core of ``many_to_many``, with ``n_threads`` work chunks."""
    n = indptr.size - 1
    a = origins.size
    b = targets.size
    out = np.full((a, b), np.inf)
    if a == 0 or b == 0:
        return out
    is_target = np.zeros(n, dtype=np.bool_)
    n_distinct = 0
    for j in range(b):
        t = targets[j]
        if t < 0 or t >= n:
            raise ValueError("a target is not a node of the graph")
        if not is_target[t]:
            is_target[t] = True
            n_distinct += 1
    for i in range(a):
        if origins[i] < 0 or origins[i] >= n:
            raise ValueError("an origin is not a node of the graph")
    # One workspace per chunk; origins are dealt round-robin so that slow
    # searches spread over the chunks.
    n_chunks = max(1, min(a, n_threads))
    for c in numba.prange(n_chunks):
        ws = make_workspace(n)
        for i in range(c, a, n_chunks):
            _bounded_search(indptr, indices, weights, origins[i], np.inf, is_target, n_distinct, ws)
            # The search settles every reachable target before it stops, so the
            # workspace distances of the targets are final (inf = unreachable).
            for j in range(b):
                out[i, j] = ws.dist[targets[j]]
    return out
