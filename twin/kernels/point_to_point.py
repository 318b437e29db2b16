"""Fast single-pair routing with ALT: A*, landmarks and the triangle inequality.

Goldberg & Harrelson (2005), "Computing the shortest path: A* search meets
graph theory". A handful of *landmark* nodes, usually near the edge of the map,
get their travel times to and from every node computed once. Then for any node
``v`` and destination ``t`` the triangle inequality gives a lower bound on the
remaining time without searching:

    d(v, t) >= d(v, L) - d(t, L)     and     d(v, t) >= d(L, t) - d(L, v)

If a landmark lies "behind" the destination, these bounds are close to the
truth, and an A* search guided by them explores a narrow band around the
route instead of a disc around the origin.

The search here is bidirectional (a forward search from the source and a
backward search from the target on the reverse graph) with the symmetric
"average" potential ``p(v) = (pi_t(v) - pi_s(v)) / 2``, which keeps both
searches consistent so they can stop as soon as their frontiers' keys add up
to the best route found. Per query only the few landmarks giving the best
source-target bound are used ("active" landmarks), which keeps each potential
evaluation cheap.

Unreachability: a bound of ``inf`` can only arise when a node truly cannot
reach the target (or cannot be reached from the source): e.g. ``d(v, L) = inf``
while ``d(t, L) < inf`` means ``v`` cannot reach ``t``. Such nodes are pruned,
and a source that provably cannot reach the target is answered without search.

Graph arrays follow the conventions of ``twin.kernels.dijkstra``.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from twin.kernels.dijkstra import dijkstra
from twin.kernels.heap import NEVER_PUSHED, indexed_heap_pop, indexed_heap_push
from twin.kernels.workspace import Workspace, make_workspace, reset_workspace

N_ACTIVE = 6
"""Landmarks used per query (the ones with the best source-target bound).

Read at compile time. On a 500 x 500 grid, 4 to 8 were equally fast; fewer
explore more nodes, more make every node dearer."""

_PRUNED = -3
"""``Workspace.pos`` code of a node proven off every source-target route."""


# --------------------------------------------------------------------------- #
# Landmark selection
# --------------------------------------------------------------------------- #


@numba.njit(cache=True)
def _weak_components(
    indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Label weakly connected components (union-find); returns (label per node, sizes)."""
    n = indptr.size - 1
    parent = np.arange(n)
    for u in range(n):
        for e in range(indptr[u], indptr[u + 1]):
            a = u
            b = indices[e]
            # Find roots with path halving.
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            while parent[b] != b:
                parent[b] = parent[parent[b]]
                b = parent[b]
            if a != b:
                if a < b:
                    parent[b] = a
                else:
                    parent[a] = b
    label = np.full(n, -1, dtype=np.int64)
    n_comp = 0
    for v in range(n):
        r = v
        while parent[r] != r:
            r = parent[r]
        if label[r] == -1:
            label[r] = n_comp
            n_comp += 1
        label[v] = label[r]
    sizes = np.zeros(n_comp, dtype=np.int64)
    for v in range(n):
        sizes[label[v]] += 1
    return label, sizes


@numba.njit(cache=True)
def _allocate_landmarks(sizes: npt.NDArray[np.int64], n_landmarks: int) -> npt.NDArray[np.int64]:
    """Share landmarks among components in proportion to size (largest remainder)."""
    total = sizes.sum()
    quota = np.zeros(sizes.size, dtype=np.int64)
    remainder = np.zeros(sizes.size)
    given = 0
    for c in range(sizes.size):
        share = n_landmarks * sizes[c] / total
        quota[c] = min(int(np.floor(share)), sizes[c])
        remainder[c] = share - quota[c]
        given += quota[c]
    # Hand out the rest one by one to the largest remainders (few: < #components).
    while given < n_landmarks:
        best = -1
        for c in range(sizes.size):
            if quota[c] < sizes[c] and (best == -1 or remainder[c] > remainder[best]):
                best = c
        quota[best] += 1
        remainder[best] = -1.0
        given += 1
    return quota


@numba.njit(cache=True)
def _spread(d_from: float, d_to: float) -> float:
    """Round-trip time between a landmark and a node, counting only finite legs."""
    s = 0.0
    if d_from < np.inf:
        s += d_from
    if d_to < np.inf:
        s += d_to
    return s


@numba.njit(cache=True, parallel=True)
def _both_ways(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    rindptr: npt.NDArray[np.int64],
    rindices: npt.NDArray[np.int64],
    rweights: npt.NDArray[np.float64],
    node: int,
    out_from: npt.NDArray[np.float64],
    out_to: npt.NDArray[np.float64],
) -> None:
    """Fill ``out_from`` with d(node, .) and ``out_to`` with d(., node), in parallel."""
    for side in numba.prange(2):
        if side == 0:
            dist = dijkstra(indptr, indices, weights, node)[0]
            out = out_from
        else:
            dist = dijkstra(rindptr, rindices, rweights, node)[0]
            out = out_to
        for v in range(dist.size):
            out[v] = dist[v]


@numba.njit(cache=True)
def _splitmix64(x: int) -> int:
    """A well-mixed pseudo-random non-negative integer from ``x`` (SplitMix64)."""
    z = np.uint64(x) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return np.int64(z >> np.uint64(1))


@numba.njit(cache=True)
def select_landmarks(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    rindptr: npt.NDArray[np.int64],
    rindices: npt.NDArray[np.int64],
    rweights: npt.NDArray[np.float64],
    n_landmarks: int,
    seed: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Choose landmarks by farthest-point selection and tabulate their distances.

    Landmarks are shared among weakly connected components in proportion to
    their size; small components may get none (queries there still work, just
    without guidance). Within a component, the first landmark is the node
    farthest (round trip) from a seeded random node, and each next one is the
    node farthest from all landmarks chosen so far. Cost: ``2 * (n_landmarks +
    components used)`` full Dijkstra searches; farthest-point selection is
    sequential, so only the two searches per landmark (from, to) run in
    parallel. About 1.7 s for 16 landmarks on 250,000 nodes (2 threads).
    Memory: two ``L x n`` float64 tables (64 MB for 16 x 250,000).

    Parameters
    ----------
    indptr, indices, weights : ndarray
        The graph in CSR form (int64, int64, float64 seconds >= 0).
    rindptr, rindices, rweights : ndarray
        The reverse graph (every edge flipped) in CSR form.
    n_landmarks : int
        Landmarks wanted; 16 is a good default for city road graphs. Capped at n.
    seed : int
        Seed of the random start nodes (the result is deterministic given it).

    Returns
    -------
    landmarks : ndarray of int64, shape (L,)
        Landmark nodes, ``L = min(n_landmarks, n)``.
    dist_from : ndarray of float64, shape (L, n)
        ``dist_from[i, v]`` = travel time (s) from ``landmarks[i]`` to ``v``; inf if unreachable.
    dist_to : ndarray of float64, shape (L, n)
        ``dist_to[i, v]`` = travel time (s) from ``v`` to ``landmarks[i]``; inf if unreachable.
    """
    n = indptr.size - 1
    n_lm = max(0, min(n_landmarks, n))
    landmarks = np.empty(n_lm, dtype=np.int64)
    dist_from = np.empty((n_lm, n))
    dist_to = np.empty((n_lm, n))
    if n_lm == 0:
        return landmarks, dist_from, dist_to
    label, sizes = _weak_components(indptr, indices)
    quota = _allocate_landmarks(sizes, n_lm)
    # Nodes grouped by component (counting sort). Explicit loops rather than
    # slice assignment, which costs seconds of compile time.
    start = np.zeros(sizes.size + 1, dtype=np.int64)
    for c in range(sizes.size):
        start[c + 1] = start[c] + sizes[c]
    fill = start[:-1].copy()
    members = np.empty(n, dtype=np.int64)
    for v in range(n):
        members[fill[label[v]]] = v
        fill[label[v]] += 1

    score = np.empty(n)  # round trip to the nearest landmark chosen so far
    probe_from = np.empty(n)
    probe_to = np.empty(n)
    j = 0
    for c in range(sizes.size):
        if quota[c] == 0:
            continue
        comp = members[start[c] : start[c + 1]]
        probe = comp[_splitmix64(seed * 1_000_003 + c) % comp.size]
        _both_ways(indptr, indices, weights, rindptr, rindices, rweights, probe, probe_from, probe_to)
        for v in comp:
            score[v] = _spread(probe_from[v], probe_to[v])
        for r in range(quota[c]):
            best = comp[0]
            best_score = -1.0
            for v in comp:
                if score[v] > best_score:
                    best_score = score[v]
                    best = v
            landmarks[j] = best
            _both_ways(indptr, indices, weights, rindptr, rindices, rweights, best, dist_from[j], dist_to[j])
            for v in comp:
                s = _spread(dist_from[j, v], dist_to[j, v])
                # The probe only seeds the first choice; coverage counts landmarks only.
                if r == 0 or s < score[v]:
                    score[v] = s
            score[best] = -1.0  # never pick the same node twice
            j += 1
    return landmarks, dist_from, dist_to


# --------------------------------------------------------------------------- #
# Query
# --------------------------------------------------------------------------- #


@numba.njit(cache=True)
def _potential(
    v: int,
    active: npt.NDArray[np.int64],
    dist_from: npt.NDArray[np.float64],
    dist_to: npt.NDArray[np.float64],
    from_s: npt.NDArray[np.float64],
    to_s: npt.NDArray[np.float64],
    from_t: npt.NDArray[np.float64],
    to_t: npt.NDArray[np.float64],
) -> float:
    """Forward potential (pi_t(v) - pi_s(v)) / 2 in seconds; NaN if ``v`` is off every route.

    Uses ``x > bound`` tests so that NaN terms (inf - inf: no information) are ignored.
    """
    pi_t = 0.0  # lower bound on d(v, t)
    pi_s = 0.0  # lower bound on d(s, v)
    for i in range(active.size):
        lm = active[i]
        fv = dist_from[lm, v]
        tv = dist_to[lm, v]
        x = tv - to_t[i]
        if x > pi_t:
            pi_t = x
        x = from_t[i] - fv
        if x > pi_t:
            pi_t = x
        x = fv - from_s[i]
        if x > pi_s:
            pi_s = x
        x = to_s[i] - tv
        if x > pi_s:
            pi_s = x
    if pi_t == np.inf or pi_s == np.inf:
        return np.nan
    return 0.5 * (pi_t - pi_s)


@numba.njit(cache=True, nogil=True)
def _bidirectional_alt(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    rindptr: npt.NDArray[np.int64],
    rindices: npt.NDArray[np.int64],
    rweights: npt.NDArray[np.float64],
    dist_from: npt.NDArray[np.float64],
    dist_to: npt.NDArray[np.float64],
    source: int,
    target: int,
    fws: Workspace,
    bws: Workspace,
) -> tuple[float, npt.NDArray[np.int64]]:
    """Core of ``astar_landmarks``."""
    if source == target:
        return 0.0, np.array([source], dtype=np.int64)

    # Pick the active landmarks: those proving the largest source-target bound.
    n_lm = dist_from.shape[0]
    bound = np.empty(n_lm)
    for lm in range(n_lm):
        b = 0.0
        x = dist_to[lm, source] - dist_to[lm, target]
        if x > b:
            b = x
        x = dist_from[lm, target] - dist_from[lm, source]
        if x > b:
            b = x
        if b == np.inf:  # proven unreachable
            return np.inf, np.empty(0, dtype=np.int64)
        bound[lm] = b
    # Partial selection sort: L is small.
    n_act = min(N_ACTIVE, n_lm)
    active = np.empty(n_act, dtype=np.int64)
    for i in range(n_act):
        best = -1
        for lm in range(n_lm):
            if bound[lm] >= 0.0 and (best == -1 or bound[lm] > bound[best]):
                best = lm
        active[i] = best
        bound[best] = -1.0
    from_s = np.empty(n_act)
    to_s = np.empty(n_act)
    from_t = np.empty(n_act)
    to_t = np.empty(n_act)
    for i in range(n_act):
        from_s[i] = dist_from[active[i], source]
        to_s[i] = dist_to[active[i], source]
        from_t[i] = dist_from[active[i], target]
        to_t[i] = dist_to[active[i], target]

    reset_workspace(fws)
    reset_workspace(bws)
    fdist, fpred, fpos, fpot = fws.dist, fws.pred, fws.pos, fws.pot
    fkeys, fitems, ftouched = fws.heap_keys, fws.heap_items, fws.touched
    bdist, bpred, bpos, bpot = bws.dist, bws.pred, bws.pos, bws.pot
    bkeys, bitems, btouched = bws.heap_keys, bws.heap_items, bws.touched

    # Forward keys are d_f + p, backward keys d_b - p: the same reduced lengths.
    p = _potential(source, active, dist_from, dist_to, from_s, to_s, from_t, to_t)
    fdist[source] = 0.0
    fpot[source] = p
    ftouched[0] = source
    nf_touched = 1
    fsize = indexed_heap_push(fkeys, fitems, fpos, 0, p, source)
    p = _potential(target, active, dist_from, dist_to, from_s, to_s, from_t, to_t)
    bdist[target] = 0.0
    bpot[target] = p
    btouched[0] = target
    nb_touched = 1
    bsize = indexed_heap_push(bkeys, bitems, bpos, 0, -p, target)

    best = np.inf  # length of the best route found so far
    meet_tail = -1  # its edge where the two searches join
    meet_head = -1
    while fsize > 0 and bsize > 0:
        # Consistent potentials: no better route once the two minimum keys reach it.
        if fkeys[0] + bkeys[0] >= best:
            break
        if fsize <= bsize:
            _, u, fsize = indexed_heap_pop(fkeys, fitems, fpos, fsize)
            du = fdist[u]
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = du + weights[e]
                if nd + bdist[v] < best:
                    best = nd + bdist[v]
                    meet_tail = u
                    meet_head = v
                state = fpos[v]
                if state == NEVER_PUSHED:
                    pv = bpot[v] if bpos[v] != NEVER_PUSHED else _potential(
                        v, active, dist_from, dist_to, from_s, to_s, from_t, to_t
                    )
                    fpot[v] = pv  # NaN included, so the other side may reuse it
                    ftouched[nf_touched] = v
                    nf_touched += 1
                    if pv != pv:  # v cannot lie on a route from source to target
                        fpos[v] = _PRUNED
                        continue
                elif state < 0 or nd >= fdist[v]:  # popped, pruned, or no better
                    continue
                fdist[v] = nd
                fpred[v] = u
                fsize = indexed_heap_push(fkeys, fitems, fpos, fsize, nd + fpot[v], v)
        else:
            _, u, bsize = indexed_heap_pop(bkeys, bitems, bpos, bsize)
            du = bdist[u]
            for e in range(rindptr[u], rindptr[u + 1]):
                v = rindices[e]
                nd = du + rweights[e]
                if nd + fdist[v] < best:
                    best = nd + fdist[v]
                    meet_tail = v
                    meet_head = u
                state = bpos[v]
                if state == NEVER_PUSHED:
                    pv = fpot[v] if fpos[v] != NEVER_PUSHED else _potential(
                        v, active, dist_from, dist_to, from_s, to_s, from_t, to_t
                    )
                    bpot[v] = pv  # NaN included, so the other side may reuse it
                    btouched[nb_touched] = v
                    nb_touched += 1
                    if pv != pv:
                        bpos[v] = _PRUNED
                        continue
                elif state < 0 or nd >= bdist[v]:
                    continue
                bdist[v] = nd
                bpred[v] = u
                bsize = indexed_heap_push(bkeys, bitems, bpos, bsize, nd - bpot[v], v)
    fws.n_touched[0] = nf_touched
    bws.n_touched[0] = nb_touched

    if best == np.inf:
        return np.inf, np.empty(0, dtype=np.int64)
    # Route: source .. meet_tail along forward predecessors, then meet_head ..
    # target along backward predecessors (each the next node towards target).
    n_head = 0
    v = meet_tail
    while v != -1:
        n_head += 1
        v = fpred[v]
    n_tail = 0
    v = meet_head
    while v != -1:
        n_tail += 1
        v = bpred[v]
    path = np.empty(n_head + n_tail, dtype=np.int64)
    v = meet_tail
    for i in range(n_head - 1, -1, -1):
        path[i] = v
        v = fpred[v]
    v = meet_head
    for i in range(n_head, n_head + n_tail):
        path[i] = v
        v = bpred[v]
    return best, path


@numba.njit(cache=True, nogil=True)
def astar_landmarks(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    rindptr: npt.NDArray[np.int64],
    rindices: npt.NDArray[np.int64],
    rweights: npt.NDArray[np.float64],
    dist_from: npt.NDArray[np.float64],
    dist_to: npt.NDArray[np.float64],
    source: int,
    target: int,
    workspace: Workspace | None = None,
    rworkspace: Workspace | None = None,
) -> tuple[float, npt.NDArray[np.int64]]:
    """Shortest travel time and route between two nodes, by bidirectional ALT.

    Exact for any landmark tables of this graph (up to float rounding, about
    1e-12 relative); good landmarks only make it faster. Pass workspaces when querying repeatedly: without
    them each call allocates ``O(n)`` arrays, which costs about as much as a
    typical query.

    Parameters
    ----------
    indptr, indices, weights : ndarray
        The graph in CSR form (int64, int64, float64 seconds >= 0).
    rindptr, rindices, rweights : ndarray
        The reverse graph in CSR form.
    dist_from, dist_to : ndarray of float64, shape (L, n)
        Landmark tables from ``select_landmarks`` on this same graph (L may be 0).
    source, target : int
        End points, in ``[0, n)``.
    workspace, rworkspace : Workspace, optional
        Two distinct workspaces from ``make_workspace(n)``, for the forward and
        the backward search; reused across calls (one pair per thread).

    Returns
    -------
    distance : float
        Travel time (s) from ``source`` to ``target``; ``inf`` if unreachable.
    path : ndarray of int64
        ``[source, ..., target]``; empty if unreachable; ``[source]`` if equal.
    """
    n = indptr.size - 1
    if source < 0 or source >= n or target < 0 or target >= n:
        raise ValueError("source or target is not a node of the graph")
    if dist_from.shape[1] != n or dist_to.shape[1] != n or dist_from.shape[0] != dist_to.shape[0]:
        raise ValueError("landmark tables do not match the graph")
    if workspace is None:
        fws = make_workspace(n)
    else:
        fws = workspace
    if rworkspace is None:
        bws = make_workspace(n)
    else:
        bws = rworkspace
    if fws.dist.size < n or bws.dist.size < n:
        raise ValueError("workspace is smaller than the graph")
    return _bidirectional_alt(
        indptr, indices, weights, rindptr, rindices, rweights, dist_from, dist_to, source, target, fws, bws
    )
