"""Shortest-path trees packed for travellers to follow.

A traveller heading for a place does not need a route of their own: if every
crossing of the city carries a signpost "to the station: this way, 4 min",
anyone anywhere just follows the signposts. Such a set of signposts is an
*in-tree* (all-to-one tree). Here it is packed as ``tree[v] = (next node,
milliseconds to the root)``: the two numbers a traveller needs at a crossing
sit side by side, so following a route reads one cache line per street. A
separate float32 array gives the route's length in metres, read once per
trip. An *out-tree* (one-to-all) keeps instead, for each node, the edge by
which the root's shortest route enters it.

The trees come from the Dijkstra kernels of :mod:`twin.kernels.dijkstra`;
this module packs their output, runs many searches in parallel, and adds one
search that the generic kernels do not offer: a forest that stays inside zones.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from twin.kernels.dijkstra import dijkstra
from twin.kernels.heap import heap_pop, heap_push


@numba.njit(cache=True, nogil=True)
def pred_to_edges(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    edge_id: npt.NDArray[np.int64],
    pred: npt.NDArray[np.int64],
    out: npt.NDArray[np.int32],
) -> None:
    """Write, for each node ``v`` with ``pred[v] = u``, the id of the fastest CSR edge ``u → v``.

    Give the CSR the search ran on: the forward graph for an out-tree (the
    edge entering ``v``), the reverse graph for an in-tree (then ``u → v``
    in the reverse graph is the street ``v → u``: the edge leaving ``v``).

    Parameters
    ----------
    indptr, indices, weights, edge_id : ndarray
        The graph the search ran on, in CSR form (seconds; ``edge_id`` maps
        CSR positions to the caller's edge ids).
    pred : ndarray of int64, shape (n,)
        Predecessors from the search, ``-1`` at roots and unreachable nodes.
    out : ndarray of int32, shape (n,)
        Filled with edge ids, ``-1`` where ``pred`` is ``-1``.
    """
    for v in range(pred.size):
        u = pred[v]
        best = -1
        best_w = np.inf
        if u >= 0:
            # Parallel streets may join u and v: the search used the fastest.
            for j in range(indptr[u], indptr[u + 1]):
                if indices[j] == v and weights[j] < best_w:
                    best_w = weights[j]
                    best = edge_id[j]
        out[v] = best


@numba.njit(cache=True, nogil=True)
def signposts(
    rindptr: npt.NDArray[np.int64],
    rindices: npt.NDArray[np.int64],
    rweights: npt.NDArray[np.float64],
    redge_id: npt.NDArray[np.int64],
    head: npt.NDArray[np.int32],
    length: npt.NDArray[np.float64],
    dist: npt.NDArray[np.float64],
    pred: npt.NDArray[np.int64],
    tree: npt.NDArray[np.int32],
    metres: npt.NDArray[np.float32],
) -> None:
    """Pack an all-to-one search into the form travellers follow.

    Parameters
    ----------
    rindptr, rindices, rweights, redge_id : ndarray
        The reverse graph the search ran on (CSR, seconds, edge ids).
    head : int32[m]
        End node of each edge (by edge id).
    length : float64[m]
        Metres of each edge (by edge id).
    dist, pred : ndarray
        The search's times to the root (s) and next nodes towards it (-1 at
        the root and where unreachable).
    tree : int32[n, 2]
        Filled with, per node, the next node towards the root (-1 at the root
        and where unreachable) and the time to the root in milliseconds (-1
        where unreachable). Both sit side by side, so a traveller reads one
        cache line per street.
    metres : float32[n]
        Filled with the route's length to the root, metres (``inf`` where unreachable).
    """
    n = pred.size
    edge = np.empty(n, dtype=np.int32)
    pred_to_edges(rindptr, rindices, rweights, redge_id, pred, edge)
    for v in range(n):
        tree[v, 0] = pred[v]
        tree[v, 1] = np.int32(round(dist[v] * 1000.0)) if dist[v] < np.inf else -1
    along = lengths_along(edge, head, length)
    for v in range(n):
        metres[v] = along[v] if dist[v] < np.inf else np.inf


@numba.njit(cache=True, parallel=True)
def in_trees(
    rindptr: npt.NDArray[np.int64],
    rindices: npt.NDArray[np.int64],
    rweights: npt.NDArray[np.float64],
    redge_id: npt.NDArray[np.int64],
    head: npt.NDArray[np.int32],
    length: npt.NDArray[np.float64],
    roots: npt.NDArray[np.int64],
    tree: npt.NDArray[np.int32],
    metres: npt.NDArray[np.float32],
) -> None:
    """All-to-one trees towards each root, one Dijkstra search per root, in parallel.

    The outputs are passed in rather than returned so that the caller can
    allocate them with numpy, which asks Linux for huge pages: travellers read
    these arrays at random, and with 4 kB pages nearly every read would also
    miss the address-translation cache (measured: about twice as slow).

    Parameters
    ----------
    rindptr, rindices, rweights, redge_id : ndarray
        The *reverse* graph in CSR form (seconds), with its CSR-to-edge-id map.
    head : int32[m]
        End node of each edge (by edge id).
    length : float64[m]
        Metres of each edge (by edge id).
    roots : ndarray of int64, shape (k,)
        The destinations.
    tree : ndarray of int32, shape (k, n, 2)
        Filled with, per root and node, the next node towards the root and
        the milliseconds to it (see :func:`signposts`).
    metres : ndarray of float32, shape (k, n)
        Filled with the route length from each node to each root, metres.
    """
    for r in numba.prange(roots.size):
        _one_tree(rindptr, rindices, rweights, redge_id, head, length, roots[r], tree[r], metres[r])


@numba.njit(cache=True, nogil=True)
def _one_tree(rindptr, rindices, rweights, redge_id, head, length, root, tree, metres):
    # A plain function per root: writes made inside a parallel loop body through
    # views are then certain to land (see twin.kernels.movement.step_people).
    dist, pred = dijkstra(rindptr, rindices, rweights, root)
    signposts(rindptr, rindices, rweights, redge_id, head, length, dist, pred, tree, metres)


@numba.njit(cache=True, nogil=True)
def in_forest_within_zones(
    rindptr: npt.NDArray[np.int64],
    rindices: npt.NDArray[np.int64],
    rweights: npt.NDArray[np.float64],
    redge_id: npt.NDArray[np.int64],
    head: npt.NDArray[np.int32],
    length: npt.NDArray[np.float64],
    zone_of: npt.NDArray[np.int32],
    roots: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """For every node, the fastest way to the root of its own zone without leaving the zone.

    One multi-source search on the reverse graph from all roots at once, which
    only relaxes edges whose two ends lie in the same zone: the cost of a
    single Dijkstra search, however many zones.

    Parameters
    ----------
    rindptr, rindices, rweights, redge_id : ndarray
        The *reverse* graph in CSR form (seconds), with its CSR-to-edge-id map.
    head : int32[m]
        End node of each edge (by edge id).
    length : float64[m]
        Metres of each edge (by edge id).
    zone_of : ndarray of int32, shape (n,)
        Zone of each node.
    roots : ndarray of int64, shape (z,)
        The root of each zone (``zone_of[roots[i]] == i``).

    Returns
    -------
    tree : ndarray of int32, shape (n, 2)
        Per node: next node towards its zone's root and milliseconds to it
        (see :func:`signposts`); -1 at the roots and at nodes that cannot
        reach their root inside the zone.
    metres : ndarray of float32, shape (n,)
        Route length to the zone's root, metres.
    """
    n = rindptr.size - 1
    dist = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int64)
    keys = np.empty(rindices.size + roots.size + 1)
    items = np.empty(rindices.size + roots.size + 1, dtype=np.int64)
    size = 0
    for r in roots:
        dist[r] = 0.0
        size = heap_push(keys, items, size, 0.0, r)
    while size > 0:
        d, u, size = heap_pop(keys, items, size)
        if d > dist[u]:
            continue
        zu = zone_of[u]
        for e in range(rindptr[u], rindptr[u + 1]):
            v = rindices[e]
            if zone_of[v] != zu:  # the forest never crosses a zone boundary
                continue
            nd = d + rweights[e]
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = u
                size = heap_push(keys, items, size, nd, v)
    tree = np.empty((n, 2), dtype=np.int32)
    metres = np.empty(n, dtype=np.float32)
    signposts(rindptr, rindices, rweights, redge_id, head, length, dist, pred, tree, metres)
    return tree, metres


@numba.njit(cache=True)
def lengths_along(tree: npt.NDArray[np.int32], tail: npt.NDArray[np.int32],
                  length: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Metres between the root and each node along a tree (or forest).

    Parameters
    ----------
    tree : int32[n]
        Edge joining each node to its parent, -1 at roots (and unreached nodes).
    tail : int32[m]
        The parent end of each edge: the start node for an out-tree, the end
        node (``head``) for an in-tree.
    length : float64[m]
        Metres of each edge.

    Returns
    -------
    float64[n]
        Sum of the edge lengths from the node's root (0 at roots).
    """
    n = tree.size
    out = np.zeros(n)
    done = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int64)
    for v in range(n):
        # Climb to the nearest node already done (or a root), then fill in on the way down.
        depth = 0
        u = v
        while not done[u] and tree[u] >= 0:
            stack[depth] = u
            depth += 1
            u = tail[tree[u]]
        done[u] = True
        for j in range(depth - 1, -1, -1):
            w = stack[j]
            out[w] = out[tail[tree[w]]] + length[tree[w]]
            done[w] = True
    return out
