"""Expected coverage: how well the idle units of one type cover the city's demand.

Think of each idle ambulance as a lamp that lights the streets it can reach
within the coverage time. A street lit by one lamp is covered unless that
ambulance happens to be busy when the call comes; a street lit by three lamps is
dark only if all three are busy. With each unit busy with probability ``q``
(independently), demand point ``j`` with weight ``w_j`` reached in time by
``k_j`` idle units is covered with probability ``1 - q**k_j``, and the city's
expected coverage is

    E = sum_j w_j * (1 - q**k_j)

(the Maximum Expected Covering Location Problem, MEXCLP: Daskin, Transportation
Science 17(1), 1983). One more unit covering ``j`` adds ``w_j * (1 - q) * q**k_j``;
one unit fewer removes ``w_j * (1 - q) * q**(k_j - 1)``. Those two marginals are
all that coverage-aware dispatch and relocation need.

Demand points
-------------
Demand is the city's population weight per node. Small networks use every node
with positive weight; larger ones are aggregated on a square grid whose cells
are grown until at most ``max_points`` cells hold population. Each cell is
represented by the node nearest to its population-weighted centroid and carries
the cell's total weight, so coverage is judged at that node for the whole cell.

Reach
-----
``Coverage`` answers "which demand points can a unit at node ``v`` reach within
``radius_s`` seconds of network travel time?". Station nodes are computed once
(one travel-time matrix on the routing kernel); any other node (a unit driving
home or relocating) by a bounded forward search that stops at the radius, and is
remembered for the next time.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from twin.city.routing import Router
from twin.kernels.dijkstra import dijkstra_bounded
from twin.kernels.workspace import make_workspace

#: Default cap on demand points (keeps one coverage row to a couple of kilobytes).
MAX_DEMAND_POINTS = 2000

#: Coverage rows of non-station nodes kept per :class:`Coverage` (least recently used dropped).
NODE_CACHE_SIZE = 4096


def demand_points(x: np.ndarray, y: np.ndarray, weight: np.ndarray,
                  max_points: int = MAX_DEMAND_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Demand points of a city: nodes carrying the population weight.

    Parameters
    ----------
    x, y : float64 arrays
        Node coordinates, metres.
    weight : float64 array
        Population weight per node (any non-negative scale).
    max_points : int
        At most this many points; above it, nodes are aggregated on a grid.

    Returns
    -------
    nodes : int64 array
        A representative node per demand point (distinct).
    weights : float64 array
        The demand each stands for, normalised to sum 1.
    """
    if max_points < 1:
        raise ValueError(f"max_points must be at least 1, got {max_points}")
    populated = np.flatnonzero(weight > 0)
    if populated.size == 0:
        raise ValueError("no node has a positive population weight")
    total = float(weight[populated].sum())
    if populated.size <= max_points:
        return populated.astype(np.int64), weight[populated] / total
    px, py, pw = x[populated], y[populated], weight[populated]
    x0, y0 = float(px.min()), float(py.min())
    area = max(float(px.max() - x0) * float(py.max() - y0), 1.0)
    size = np.sqrt(area / max_points)
    while True:  # grow the cells until few enough hold population
        col = ((px - x0) // size).astype(np.int64)
        row = ((py - y0) // size).astype(np.int64)
        cell_id = row * (int(col.max()) + 1) + col
        cells, cell = np.unique(cell_id, return_inverse=True)
        if cells.size <= max_points:
            break
        size *= 1.15
    cell_w = np.bincount(cell, weights=pw)
    cx = np.bincount(cell, weights=pw * px) / cell_w
    cy = np.bincount(cell, weights=pw * py) / cell_w
    off = np.hypot(px - cx[cell], py - cy[cell])
    order = np.lexsort((off, cell))  # by cell, nearest to the centroid first
    first = order[np.r_[True, cell[order][1:] != cell[order][:-1]]]
    return populated[first].astype(np.int64), cell_w / total


def expected_coverage(counts: np.ndarray, weights: np.ndarray, busy_fraction: float) -> float:
    """MEXCLP expected covered demand ``sum_j w_j (1 - q**k_j)`` (share of the demand)."""
    return float(np.dot(weights, 1.0 - busy_fraction ** counts))


class Coverage:
    """Which demand points units of one type reach in time, from stations and anywhere else.

    Parameters
    ----------
    router : Router
        Travel times on the drivable network (free-flow or other weights).
    demand_nodes : int64 array
        Representative node of each demand point (distinct).
    demand_weights : float64 array
        Demand of each point (sums to 1).
    radius_s : float
        Network travel time (s) within which a unit covers a point; ``inf`` covers
        every reachable point.
    station_nodes : int64 array
        Nodes of the stations whose rows are precomputed.
    """

    def __init__(self, router: Router, demand_nodes: np.ndarray, demand_weights: np.ndarray,
                 radius_s: float, station_nodes: np.ndarray) -> None:
        self.router = router
        self.nodes = np.asarray(demand_nodes, dtype=np.int64)
        self.weights = np.asarray(demand_weights, dtype=np.float64)
        self.radius_s = float(radius_s)
        n = router.net.n_nodes
        self._is_demand = np.zeros(n, dtype=bool)
        self._is_demand[self.nodes] = True
        self._index = np.full(n, -1, dtype=np.int64)
        self._index[self.nodes] = np.arange(self.nodes.size)
        self._ws = make_workspace(n)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self.station_nodes = np.asarray(station_nodes, dtype=np.int64)
        # Station rows once, in one parallel matrix call on the routing kernel.
        times = (router.matrix(self.station_nodes, self.nodes) if self.station_nodes.size
                 else np.zeros((0, self.nodes.size)))
        self.station_rows = times <= self.radius_s
        self._station_row = {int(s): self.station_rows[i] for i, s in enumerate(self.station_nodes)}

    def row(self, node: int) -> np.ndarray:
        """Bool array, one per demand point: reached from ``node`` within the radius."""
        row = self._station_row.get(node)
        if row is not None:
            return row
        row = self._cache.get(node)
        if row is not None:
            self._cache.move_to_end(node)
            return row
        found, _ = dijkstra_bounded(self.router.indptr, self.router.indices, self.router.weights, node,
                                    self.radius_s, self._is_demand, 0, self._ws)
        row = np.zeros(self.nodes.size, dtype=bool)
        row[self._index[found]] = True
        self._cache[node] = row
        if len(self._cache) > NODE_CACHE_SIZE:
            self._cache.popitem(last=False)
        return row

    def rows(self, nodes: list[int]) -> np.ndarray:
        """Rows of several nodes stacked, shape ``(len(nodes), n_points)``."""
        if not nodes:
            return np.zeros((0, self.nodes.size), dtype=bool)
        return np.vstack([self.row(int(v)) for v in nodes])

    def removal_losses(self, rows: np.ndarray, busy_fraction: float) -> np.ndarray:
        """Expected coverage lost if each unit (row) left, the others staying.

        Parameters
        ----------
        rows : bool array, shape (units, points)
            Coverage rows of the idle units.
        busy_fraction : float
            ``q``, the probability that a unit is busy.

        Returns
        -------
        float64 array, one per unit: ``sum_j w_j (1 - q) q**(k_j - 1)`` over the points it covers.
        """
        counts = rows.sum(axis=0)
        marginal = self.weights * (1.0 - busy_fraction) * busy_fraction ** np.maximum(counts - 1, 0)
        return rows.astype(np.float64) @ marginal

    def addition_gains(self, counts: np.ndarray, candidate_rows: np.ndarray, busy_fraction: float) -> np.ndarray:
        """Expected coverage gained by one more unit at each candidate (row), given ``counts``.

        Returns
        -------
        float64 array, one per candidate: ``sum_j w_j (1 - q) q**k_j`` over the points it covers.
        """
        marginal = self.weights * (1.0 - busy_fraction) * busy_fraction ** counts
        return candidate_rows.astype(np.float64) @ marginal
