"""The road network as immutable arrays.

A :class:`RoadNetwork` is what the simulation routes on. It is built once from a
list of directed edges and never changes afterwards: the arrays are flagged
read-only, so a system that wants other weights (congestion, closures) makes its
own copy of ``weights`` instead of editing the shared one.

Two compressed-sparse-row (CSR) views are kept, the forward graph (edges leaving
a node) for one-to-all searches and the reverse graph (edges entering a node) for
all-to-one searches such as "which unit reaches this incident first".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy.spatial import cKDTree

#: Road classes, in the order of their integer codes in ``RoadNetwork.edge_class``.
ROAD_CLASSES: tuple[str, ...] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "footway",
    "other",
)
CLASS_CODE: dict[str, int] = {name: code for code, name in enumerate(ROAD_CLASSES)}


def road_class_code(highway: str) -> int:
    """Return the integer code of an OSM ``highway`` value (``*_link`` maps to its road)."""
    base = highway.removesuffix("_link")
    if base in CLASS_CODE:
        return CLASS_CODE[base]
    if base in {"pedestrian", "path", "steps", "cycleway", "track", "bridleway", "corridor"}:
        return CLASS_CODE["footway"]
    return CLASS_CODE["other"]


@dataclass(frozen=True)
class CSR:
    """One direction of the graph in compressed sparse row form.

    Attributes
    ----------
    indptr : int64[n + 1]
        Edges of node ``i`` are positions ``indptr[i]:indptr[i + 1]``.
    indices : int64[m]
        The node at the other end of each edge (head for forward, tail for reverse).
    weights : float64[m]
        Free-flow travel time of each edge, seconds.
    lengths : float64[m]
        Length of each edge, metres.
    edge_id : int64[m]
        Position of each CSR entry in the network's edge arrays.
    """

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    lengths: np.ndarray
    edge_id: np.ndarray

    @classmethod
    def build(cls, n_nodes: int, tail: np.ndarray, head: np.ndarray,
              time_s: np.ndarray, length_m: np.ndarray) -> CSR:
        """Sort edges by ``tail`` into CSR form (stable, so equal tails keep edge order)."""
        order = np.argsort(tail, kind="stable")
        counts = np.bincount(tail, minlength=n_nodes)
        indptr = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(
            indptr=indptr,
            indices=np.ascontiguousarray(head[order], dtype=np.int64),
            weights=np.ascontiguousarray(time_s[order], dtype=np.float64),
            lengths=np.ascontiguousarray(length_m[order], dtype=np.float64),
            edge_id=order.astype(np.int64),
        )

    def degree(self) -> np.ndarray:
        """Number of edges per node (out-degree forward, in-degree reverse)."""
        return np.diff(self.indptr)


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road graph in a projected metric CRS, as read-only arrays.

    Nodes are numbered ``0..n-1`` and edges ``0..m-1``. Coordinates are metres
    in ``crs``; ``lon``/``lat`` are kept for output at the edges (GeoJSON, maps).

    Attributes
    ----------
    crs : str
        The projected CRS of ``x``/``y`` (a UTM zone, e.g. ``"EPSG:32635"``).
    x, y : float64[n]
        Node coordinates, metres.
    lon, lat : float64[n]
        Node coordinates, degrees (WGS 84).
    osmid : int64[n]
        OpenStreetMap node id (synthetic cities number their nodes).
    edge_u, edge_v : int64[m]
        Tail and head node of each edge.
    edge_length : float64[m]
        Metres.
    edge_speed : float64[m]
        Free-flow speed, km/h.
    edge_time : float64[m]
        Free-flow travel time, seconds (``length / speed``).
    edge_class : int8[m]
        Road class code, see :data:`ROAD_CLASSES`.
    edge_lit : int8[m]
        Street lighting from OSM ``lit``: 1 yes, 0 no, -1 unknown.
    edge_oneway : bool[m]
        Whether the road is one-way.
    geom_offsets, geom_x, geom_y : int64[m + 1], float64[k], float64[k]
        Optional road shapes for maps: edge ``e`` is the polyline of points
        ``geom_offsets[e]:geom_offsets[e + 1]``, metres. Empty (the default)
        means straight lines between the end nodes.
    """

    crs: str
    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    osmid: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray
    edge_speed: np.ndarray
    edge_time: np.ndarray
    edge_class: np.ndarray
    edge_lit: np.ndarray
    edge_oneway: np.ndarray
    geom_offsets: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    geom_x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    geom_y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    forward: CSR = field(init=False)
    reverse: CSR = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.x)
        fwd = CSR.build(n, self.edge_u, self.edge_v, self.edge_time, self.edge_length)
        rev = CSR.build(n, self.edge_v, self.edge_u, self.edge_time, self.edge_length)
        object.__setattr__(self, "forward", fwd)
        object.__setattr__(self, "reverse", rev)
        for arr in self._arrays():
            arr.setflags(write=False)

    def _arrays(self) -> list[np.ndarray]:
        arrays = [getattr(self, name) for name in self.array_fields()]
        for csr in (self.forward, self.reverse):
            arrays += [csr.indptr, csr.indices, csr.weights, csr.lengths, csr.edge_id]
        return arrays

    @staticmethod
    def array_fields() -> tuple[str, ...]:
        """Names of the per-node and per-edge arrays that define the network."""
        return ("x", "y", "lon", "lat", "osmid", "edge_u", "edge_v", "edge_length",
                "edge_speed", "edge_time", "edge_class", "edge_lit", "edge_oneway",
                "geom_offsets", "geom_x", "geom_y")

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.x)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.edge_u)

    def road_km(self) -> float:
        """Length of road, km, counting a two-way road once."""
        one_way = self.edge_oneway
        return float(self.edge_length[one_way].sum() + self.edge_length[~one_way].sum() / 2) / 1000

    def edge_polylines(self) -> list[np.ndarray]:
        """Each edge's shape as an ``(k, 2)`` array of x/y metres (for drawing)."""
        if len(self.geom_offsets) == self.n_edges + 1:
            points = np.column_stack([self.geom_x, self.geom_y])
            return np.split(points, self.geom_offsets[1:-1])
        return list(np.stack([np.column_stack([self.x[self.edge_u], self.y[self.edge_u]]),
                              np.column_stack([self.x[self.edge_v], self.y[self.edge_v]])], axis=1))

    @cached_property
    def _kdtree(self) -> cKDTree:
        return cKDTree(np.column_stack([self.x, self.y]))

    def nearest_node(self, x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Nearest network node to each point.

        Parameters
        ----------
        x, y : float or array
            Points in the network's CRS, metres.

        Returns
        -------
        nodes : int64 array
            Index of the nearest node of each point.
        distance : float64 array
            Straight-line distance to it, metres.
        """
        points = np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])
        distance, nodes = self._kdtree.query(points)
        return nodes.astype(np.int64), distance

    def to_networkx(self):
        """The network as a ``networkx.MultiDiGraph`` for plotting and cross-checks.

        Nodes are ``0..n-1`` with ``x``/``y`` (metres) and ``lon``/``lat``; edges
        carry ``length`` (m), ``travel_time`` (s), ``speed_kph`` and ``highway``.
        The graph's ``crs`` attribute makes it usable with ``osmnx.plot_graph``.
        """
        import networkx as nx

        graph = nx.MultiDiGraph(crs=self.crs)
        graph.add_nodes_from(
            (i, {"x": float(self.x[i]), "y": float(self.y[i]), "lon": float(self.lon[i]),
                 "lat": float(self.lat[i]), "osmid": int(self.osmid[i])})
            for i in range(self.n_nodes)
        )
        graph.add_edges_from(
            (int(u), int(v), {"length": float(length), "travel_time": float(time),
                              "speed_kph": float(speed), "highway": ROAD_CLASSES[cls]})
            for u, v, length, time, speed, cls in zip(
                self.edge_u, self.edge_v, self.edge_length, self.edge_time,
                self.edge_speed, self.edge_class)
        )
        return graph
