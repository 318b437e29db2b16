"""The street lights of a city, as arrays grouped by road segment.

A *segment* is a piece of road between two intersections: one directed edge of a
one-way road, or the pair of opposite edges of a two-way road (poles stand along
the road, not along each direction of travel). Each segment has a number of
luminaires, a rated power per luminaire and a road class; lit or not is decided
once, when the lights are placed:

* OSM ``lit=yes`` (or ``24/7``, ``automatic`` …) → lit, ``lit=no`` → unlit;
* ``lit`` unknown → lit if the road class is one a city usually lights
  (``lit_when_unknown``; by default primary … living street: urban main and
  residential streets are lit almost everywhere in Europe, while motorways,
  trunk roads and service roads often are not).

A lit segment of length ``L`` gets ``L / spacing`` luminaires, rounded so that
the city's total is right: the counts are the differences of the rounded running
sum, so every segment gets ⌊L/s⌋ or ⌈L/s⌉ and a short piece of road between two
close intersections may get none (it is lit by the poles of its neighbours: its
level is that of the policy, and having no luminaire of its own it cannot fail).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from twin.city.network import CLASS_CODE, ROAD_CLASSES, RoadNetwork


@dataclass(frozen=True, eq=False)
class StreetLights:
    """Luminaires grouped by road segment.

    Attributes
    ----------
    seg_u, seg_v : int64[s]
        End nodes of each segment (drive-network node ids).
    seg_length : float64[s]
        Metres.
    seg_class : int8[s]
        Road class code (:data:`twin.city.network.ROAD_CLASSES`).
    seg_lit : bool[s]
        Whether the segment is lit at all.
    seg_count : int64[s]
        Luminaires on the segment (0 on unlit segments).
    seg_watt : float64[s]
        Rated power of one luminaire of the segment, W.
    edge_segment : int64[m]
        The segment of each directed edge of the network.
    n_nodes : int
        Nodes of the drive network.
    """

    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_length: np.ndarray
    seg_class: np.ndarray
    seg_lit: np.ndarray
    seg_count: np.ndarray
    seg_watt: np.ndarray
    edge_segment: np.ndarray
    n_nodes: int

    @property
    def n_segments(self) -> int:
        """Number of road segments."""
        return len(self.seg_u)

    @property
    def n_lights(self) -> int:
        """Number of luminaires."""
        return int(self.seg_count.sum())

    def installed_kw(self) -> float:
        """Power of every luminaire at full level, kW."""
        return float(np.dot(self.seg_count, self.seg_watt)) / 1000.0

    def lit_km(self) -> float:
        """Length of lit road, km."""
        return float(self.seg_length[self.seg_lit].sum()) / 1000.0

    def road_km(self) -> float:
        """Length of road, km (a two-way road counted once)."""
        return float(self.seg_length.sum()) / 1000.0

    def node_mean(self, seg_value: np.ndarray) -> np.ndarray:
        """Mean of a per-segment value over the segments meeting at each node.

        Parameters
        ----------
        seg_value : float64[s]

        Returns
        -------
        float64[n]
            0 at a node no segment touches.
        """
        total = np.bincount(self.seg_u, seg_value, self.n_nodes) + np.bincount(self.seg_v, seg_value, self.n_nodes)
        degree = self._node_degree
        return np.divide(total, degree, out=np.zeros(self.n_nodes), where=degree > 0)

    @cached_property
    def _node_degree(self) -> np.ndarray:
        """Segments meeting at each node (float64[n])."""
        return (np.bincount(self.seg_u, minlength=self.n_nodes)
                + np.bincount(self.seg_v, minlength=self.n_nodes)).astype(np.float64)


def road_segments(net: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Group the directed edges of a network into road segments.

    Two edges of two-way roads are one segment when they join the same two nodes
    in opposite directions with the same length (to the decimetre) and class;
    several such pairs between the same nodes pair off in order.

    Returns
    -------
    edge_segment : int64[m]
        Segment of each edge.
    first_edge : int64[s]
        One representative edge per segment (its end nodes, length and class
        are the segment's).
    """
    m = net.n_edges
    u, v = net.edge_u.astype(np.int64), net.edge_v.astype(np.int64)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    decimetres = np.round(net.edge_length * 10).astype(np.int64)
    forward = (u <= v).astype(np.int64)
    # One-way edges get a key of their own (their edge id); two-way ones share a key
    # with their twin, the k-th edge each way between two nodes pairing with the k-th.
    order = np.lexsort((np.arange(m), forward, net.edge_class, decimetres, hi, lo, net.edge_oneway))
    keys = np.column_stack([net.edge_oneway, lo, hi, decimetres, net.edge_class, forward])[order]
    new_group = np.ones(m, dtype=bool)
    new_group[1:] = np.any(keys[1:] != keys[:-1], axis=1)
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(m), 0))
    rank = np.arange(m) - group_start  # k-th edge of its (nodes, length, class, direction) group
    pair_key = np.column_stack([keys[:, :5], rank])
    oneway_sorted = net.edge_oneway[order]
    pair_key[oneway_sorted, 5] = order[oneway_sorted]  # one-way edges never pair
    _, first, seg_sorted = np.unique(pair_key, axis=0, return_index=True, return_inverse=True)
    edge_segment = np.empty(m, dtype=np.int64)
    edge_segment[order] = seg_sorted.ravel()
    return edge_segment, order[first]


def place_lights(net: RoadNetwork, *, spacing_m: float, power_w: float,
                 spacing_m_by_class: Mapping[str, float] | None = None,
                 power_w_by_class: Mapping[str, float] | None = None,
                 use_osm_lit: bool = True, lit_when_unknown: Iterable[str] = ()) -> StreetLights:
    """Place street lights along a road network.

    Parameters
    ----------
    net : RoadNetwork
        The drive network.
    spacing_m : float
        Distance between poles along a lit road, metres (> 0).
    power_w : float
        Rated power of one luminaire, W (≥ 0).
    spacing_m_by_class, power_w_by_class : mapping, optional
        Overrides per road class name.
    use_osm_lit : bool
        Use OSM's ``lit`` tag where known; if false, the class rule decides everywhere.
    lit_when_unknown : iterable of str
        Road classes lit when ``lit`` is unknown (or ignored).

    Returns
    -------
    StreetLights
    """
    edge_segment, first = road_segments(net)
    seg_class = net.edge_class[first].astype(np.int8)
    seg_length = net.edge_length[first].astype(np.float64)
    class_lit = np.zeros(len(ROAD_CLASSES), dtype=bool)
    class_lit[[CLASS_CODE[c] for c in lit_when_unknown]] = True
    # A two-way segment takes the lit tag of either direction (they come from one OSM way).
    osm = np.full(len(first), -1, dtype=np.int8)
    np.maximum.at(osm, edge_segment, net.edge_lit.astype(np.int8))
    seg_lit = class_lit[seg_class]
    if use_osm_lit:
        seg_lit = np.where(osm >= 0, osm == 1, seg_lit)

    spacing = np.full(len(ROAD_CLASSES), float(spacing_m))
    watt = np.full(len(ROAD_CLASSES), float(power_w))
    for name, value in (spacing_m_by_class or {}).items():
        spacing[CLASS_CODE[name]] = value
    for name, value in (power_w_by_class or {}).items():
        watt[CLASS_CODE[name]] = value
    wanted = np.where(seg_lit, seg_length / spacing[seg_class], 0.0)
    running = np.round(np.cumsum(wanted)).astype(np.int64)  # rounded running sum: right total
    seg_count = np.diff(running, prepend=0)
    return StreetLights(
        seg_u=net.edge_u[first].astype(np.int64), seg_v=net.edge_v[first].astype(np.int64),
        seg_length=seg_length, seg_class=seg_class, seg_lit=seg_lit, seg_count=seg_count,
        seg_watt=watt[seg_class], edge_segment=edge_segment, n_nodes=net.n_nodes,
    )
