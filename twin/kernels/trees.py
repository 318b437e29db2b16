"""Walking a shortest-path tree: where is a traveller after some time?"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt


@numba.njit(cache=True)
def advance_on_tree(succ: npt.NDArray[np.int64], dist: npt.NDArray[np.float64], start: int,
                    elapsed: float) -> int:
    """The last node passed ``elapsed`` seconds after leaving ``start`` towards the tree's root.

    Parameters
    ----------
    succ : int64 array
        Next node towards the root (an all-to-one tree; ``-1`` at the root).
    dist : float64 array
        Travel time from each node to the root, seconds.
    start : int
        Departure node.
    elapsed : float
        Seconds of network travel time since departure.
    """
    budget = dist[start] - elapsed
    node = start
    while succ[node] >= 0 and dist[succ[node]] >= budget:
        node = succ[node]
    return node


@numba.njit(cache=True)
def path_elapsed(indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int64], weights: npt.NDArray[np.float64],
                 path: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Travel time from the start of ``path`` to each of its nodes, along the fastest edge of each step.

    Parameters
    ----------
    indptr, indices, weights : arrays
        The network in CSR form, forward direction, with the edge travel times (s) the path was found on.
    path : int64 array
        Nodes in driving order (consecutive nodes joined by an edge).

    Returns
    -------
    float64 array
        Seconds, 0 at ``path[0]``; ``inf`` from a step with no edge.
    """
    out = np.zeros(path.size, dtype=np.float64)
    for i in range(1, path.size):
        u, v = path[i - 1], path[i]
        best = np.inf
        for e in range(indptr[u], indptr[u + 1]):
            if indices[e] == v and weights[e] < best:
                best = weights[e]
        out[i] = out[i - 1] + best
    return out
