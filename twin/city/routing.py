"""Routing on a road network: the Numba kernels behind a small object.

A :class:`Router` holds a network's CSR arrays, possibly with other edge
weights than free-flow travel time (congestion, closures), and the reusable
search workspaces, so that callers ask questions in the network's terms:

* ``times_from(node)`` / ``times_to(node)`` — one-to-all and all-to-one trees;
* ``nearest_to(node, is_target, k, budget)`` — the ``k`` targets that reach
  ``node`` first (dispatch: the closest available units to an incident);
* ``route(a, b)`` — a point-to-point query by bidirectional ALT (landmarks are
  computed on first use);
* ``matrix(origins, targets)`` — a travel-time matrix, parallel over origins.

A Router is not thread-safe (its workspaces hold one search at a time).
"""

from __future__ import annotations

import numpy as np

from twin.city.network import RoadNetwork
from twin.kernels.dijkstra import dijkstra, dijkstra_bounded, many_to_many, path_to
from twin.kernels.point_to_point import astar_landmarks, select_landmarks
from twin.kernels.workspace import make_workspace

#: Landmarks for ALT point-to-point queries (16 is the usual sweet spot for road graphs).
N_LANDMARKS = 16


class Router:
    """Shortest travel times on one network.

    Parameters
    ----------
    net : RoadNetwork
    weights : float64 array, optional
        Per-edge travel time in seconds, indexed like ``net.edge_*``; defaults
        to the free-flow ``net.edge_time``.
    landmarks_from : Router, optional
        Reuse that router's landmark tables. Valid when every weight here is at
        least the other router's (e.g. congested vs free-flow times): its
        distances are then still lower bounds, so ALT stays exact.
    """

    def __init__(self, net: RoadNetwork, weights: np.ndarray | None = None,
                 landmarks_from: Router | None = None) -> None:
        self.net = net
        self.indptr = net.forward.indptr
        self.indices = net.forward.indices
        self.rindptr = net.reverse.indptr
        self.rindices = net.reverse.indices
        if weights is None:
            self.weights = net.forward.weights
            self.rweights = net.reverse.weights
        else:
            weights = np.asarray(weights, dtype=np.float64)
            self.weights = np.ascontiguousarray(weights[net.forward.edge_id])
            self.rweights = np.ascontiguousarray(weights[net.reverse.edge_id])
        self._forward_ws = make_workspace(net.n_nodes)
        self._reverse_ws = make_workspace(net.n_nodes)
        self._landmarks: tuple[np.ndarray, np.ndarray] | None = None
        if landmarks_from is not None:
            self._landmarks = landmarks_from._landmark_tables()

    def times_from(self, source: int) -> tuple[np.ndarray, np.ndarray]:
        """Travel time (s) from ``source`` to every node, and the predecessor tree."""
        return dijkstra(self.indptr, self.indices, self.weights, source)

    def times_to(self, target: int) -> tuple[np.ndarray, np.ndarray]:
        """Travel time (s) from every node to ``target``, and the successor tree
        (``succ[v]`` is the next node on the way from ``v`` to ``target``)."""
        return dijkstra(self.rindptr, self.rindices, self.rweights, target)

    def nearest_to(self, node: int, is_target: np.ndarray, k: int,
                   budget_s: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Target nodes that reach ``node`` soonest, searching backwards from it.

        Parameters
        ----------
        node : int
            Where they must get to.
        is_target : bool array, one per node
            Candidate start nodes (e.g. where available units are).
        k : int
            Stop after this many targets (``<= 0``: all within the budget).
        budget_s : float
            Ignore targets farther than this, seconds.

        Returns
        -------
        nodes, times : arrays
            Target nodes in order of travel time to ``node`` and those times (s).
        """
        return dijkstra_bounded(self.rindptr, self.rindices, self.rweights, node, budget_s,
                                is_target, k, self._reverse_ws)

    def _landmark_tables(self) -> tuple[np.ndarray, np.ndarray]:
        if self._landmarks is None:
            _, dist_from, dist_to = select_landmarks(
                self.indptr, self.indices, self.weights, self.rindptr, self.rindices, self.rweights,
                min(N_LANDMARKS, self.net.n_nodes), 0)
            self._landmarks = (dist_from, dist_to)
        return self._landmarks

    def prepare_routes(self) -> None:
        """Compute the landmark tables now rather than at the first :meth:`route`."""
        self._landmark_tables()

    def route(self, source: int, target: int) -> tuple[float, np.ndarray]:
        """Fastest route between two nodes.

        Returns
        -------
        time_s : float
            Travel time, seconds (``inf`` if unreachable).
        path : int64 array
            Nodes from ``source`` to ``target`` (empty if unreachable).
        """
        dist_from, dist_to = self._landmark_tables()
        return astar_landmarks(self.indptr, self.indices, self.weights, self.rindptr, self.rindices,
                               self.rweights, dist_from, dist_to, source, target,
                               self._forward_ws, self._reverse_ws)

    def matrix(self, origins: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Travel times (s) from each origin (rows) to each target (columns)."""
        return many_to_many(self.indptr, self.indices, self.weights,
                            np.asarray(origins, dtype=np.int64), np.asarray(targets, dtype=np.int64))


def path_from_tree(tree: np.ndarray, dist: np.ndarray, node: int) -> np.ndarray:
    """Nodes from the tree's root to ``node`` (for a ``times_from`` tree), or from
    ``node`` to the root reversed (for a ``times_to`` tree)."""
    return path_to(tree, node, dist)
