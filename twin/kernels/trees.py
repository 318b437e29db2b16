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
