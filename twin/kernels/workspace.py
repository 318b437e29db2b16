"""Reusable search state, so that repeated small searches cost what they visit.

A dispatcher asks "which idle ambulances can reach this call within eight
minutes?" thousands of times per run. Each such search touches a few hundred
nodes of a graph that may have a hundred thousand; allocating and filling
``n``-long arrays per search would cost more than the search itself. A
``Workspace`` keeps those arrays between searches and remembers which entries
the last search wrote, and the next search resets only those.

The reset happens at the *start* of a search, so after a search the arrays
read like the output of a full one: ``dist`` is ``inf`` and ``pred`` is ``-1``
everywhere the search did not reach.

A workspace holds one search at a time: give each thread its own.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
import numpy.typing as npt

from twin.kernels.heap import NEVER_PUSHED


class Workspace(NamedTuple):
    """Arrays of one search direction over a graph of ``n`` nodes.

    Attributes
    ----------
    dist : ndarray of float64, shape (n,)
        Distance (s) from the search's source, ``inf`` if not reached. Exact for
        nodes the search settled; an upper bound for nodes it only reached.
    pred : ndarray of int64, shape (n,)
        Predecessor on the best path found, ``-1`` if none.
    pos : ndarray of int64, shape (n,)
        Heap slot while queued, otherwise a negative state code
        (see ``twin.kernels.heap``).
    pot : ndarray of float64, shape (n,)
        Per-node potential (s) of goal-directed searches; meaningful only where
        ``pos`` is not ``NEVER_PUSHED``.
    heap_keys : ndarray of float64, shape (n,)
        Heap storage: priorities.
    heap_items : ndarray of int64, shape (n,)
        Heap storage: node ids.
    touched : ndarray of int64, shape (n,)
        The first ``n_touched[0]`` entries list the nodes the last search wrote.
    n_touched : ndarray of int64, shape (1,)
        Count of valid entries in ``touched``.
    found : ndarray of int64, shape (n,)
        Scratch list of result nodes.
    """

    dist: npt.NDArray[np.float64]
    pred: npt.NDArray[np.int64]
    pos: npt.NDArray[np.int64]
    pot: npt.NDArray[np.float64]
    heap_keys: npt.NDArray[np.float64]
    heap_items: npt.NDArray[np.int64]
    touched: npt.NDArray[np.int64]
    n_touched: npt.NDArray[np.int64]
    found: npt.NDArray[np.int64]

    def __repr__(self) -> str:
        return f"Workspace(n={self.dist.size}, n_touched={int(self.n_touched[0])})"


@numba.njit(cache=True)
def make_workspace(n: int) -> Workspace:
    """Allocate a fresh workspace for searches on graphs of ``n`` nodes.

    Parameters
    ----------
    n : int
        Number of nodes (``indptr.size - 1``). A workspace may be reused for any
        graph of at most ``n`` nodes, e.g. a graph and its reverse.

    Returns
    -------
    Workspace
        About ``64 * n`` bytes of arrays, in the "nothing reached" state.
    """
    return Workspace(
        np.full(n, np.inf),
        np.full(n, -1, dtype=np.int64),
        np.full(n, NEVER_PUSHED, dtype=np.int64),
        np.zeros(n),
        np.empty(n),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.empty(n, dtype=np.int64),
    )


@numba.njit(cache=True)
def reset_workspace(ws: Workspace) -> None:
    """Return the entries written by the last search to the "not reached" state.

    Costs time proportional to the number of nodes the last search touched.

    Parameters
    ----------
    ws : Workspace
        The workspace to reset in place.
    """
    for i in range(ws.n_touched[0]):
        v = ws.touched[i]
        ws.dist[v] = np.inf
        ws.pred[v] = -1
        ws.pos[v] = NEVER_PUSHED
    ws.n_touched[0] = 0
