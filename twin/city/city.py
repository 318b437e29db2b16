"""The static world a simulation runs in: roads, facilities, population weights.

A :class:`City` bundles the drivable network (what units route on), the walkable
network (what people walk on), the nodes that carry traffic signals and
pedestrian crossings, the public-safety facilities snapped to the drivable
network, and a population weight per drivable node. It is built by
:func:`twin.city.load` and is not edited afterwards, except that facilities can be
added, since small extracts often have none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pyproj import Transformer
from scipy.spatial import ConvexHull, QhullError

from twin.city.landcover import Landcover
from twin.city.network import RoadNetwork

#: Facility kinds understood across the project, with the OSM tags they come from.
FACILITY_KINDS: dict[str, str] = {
    "police": "amenity=police",
    "fire_station": "amenity=fire_station",
    "hospital": "amenity=hospital",
    "ambulance_station": "emergency=ambulance_station",
}

#: Farthest a facility may be from the drivable network and still be snapped to it, m.
MAX_SNAP_M = 1000.0

#: Attribution required for any output derived from OpenStreetMap data.
OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL 1.0)"


@dataclass
class Facilities:
    """Public-safety facilities, one row each, snapped to the drivable network.

    Attributes
    ----------
    kind : list[str]
        One of :data:`FACILITY_KINDS`.
    name : list[str]
        Name from OSM (or given), may be empty.
    x, y : float64 arrays
        Position in the city's CRS, metres.
    node : int64 array
        Nearest node of the drivable network.
    snap_distance : float64 array
        Straight-line distance from the facility to that node, metres.
    """

    kind: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    node: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    snap_distance: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.kind)

    def of_kind(self, kind: str) -> np.ndarray:
        """Row indices of the facilities of one kind."""
        return np.flatnonzero(np.asarray(self.kind, dtype=object) == kind)

    def counts(self) -> dict[str, int]:
        """Number of facilities per kind (every known kind, zero included)."""
        return {kind: int(len(self.of_kind(kind))) for kind in FACILITY_KINDS}


@dataclass
class City:
    """A loaded city.

    Attributes
    ----------
    name : str
        Short name (used in output paths).
    source : str
        The source string it was loaded from.
    drive : RoadNetwork
        Drivable directed graph, largest strongly connected component.
    walk : RoadNetwork
        Walkable graph (both directions of every way), largest strongly connected component.
    signal_nodes : int64 array
        Drivable-network nodes with ``highway=traffic_signals``.
    crossing_nodes : int64 array
        Drivable-network nodes with a pedestrian crossing.
    population_weight : float64 array
        Relative number of residents per drivable node (sums to 1).
    population_basis : str
        ``"buildings"`` (floor area of building footprints), ``"road_length"``, or
        ``"synthetic"`` (generated cities).
    facilities : Facilities
        Police and fire stations, hospitals, ambulance stations.
    landcover : Landcover
        Water (the sea included) and green areas, for maps only (empty for generated cities).
    """

    name: str
    source: str
    drive: RoadNetwork
    walk: RoadNetwork
    signal_nodes: np.ndarray
    crossing_nodes: np.ndarray
    population_weight: np.ndarray
    population_basis: str
    facilities: Facilities = field(default_factory=Facilities)
    landcover: Landcover = field(default_factory=Landcover)

    @property
    def crs(self) -> str:
        """The projected CRS of every coordinate in the city."""
        return self.drive.crs

    def area_km2(self) -> float:
        """Area of the convex hull of the drivable network, km²."""
        points = np.column_stack([self.drive.x, self.drive.y])
        try:
            return float(ConvexHull(points).volume) / 1e6
        except (QhullError, ValueError):
            return 0.0

    def to_projected(self, lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Convert WGS 84 degrees to the city's CRS, metres."""
        transformer = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        x, y = transformer.transform(np.atleast_1d(lon), np.atleast_1d(lat))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def add_facility(self, kind: str, *, lon: float | None = None, lat: float | None = None,
                     x: float | None = None, y: float | None = None, name: str = "",
                     max_snap_m: float = MAX_SNAP_M) -> int:
        """Add a facility at a point and snap it to the drivable network.

        Give either ``lon``/``lat`` (degrees) or ``x``/``y`` (metres in the city's CRS).
        A point farther than ``max_snap_m`` metres from every road node is refused:
        it is off this network (another island, outside the extract).

        Returns
        -------
        int
            Row of the new facility in :attr:`facilities`.
        """
        from twin.errors import TwinError

        if kind not in FACILITY_KINDS:
            raise TwinError(f"unknown facility kind {kind!r}; expected one of {', '.join(FACILITY_KINDS)}")
        if lon is not None and lat is not None:
            px, py = self.to_projected(lon, lat)
        elif x is not None and y is not None:
            px, py = np.array([x], dtype=float), np.array([y], dtype=float)
        else:
            raise TwinError("a facility needs lon and lat, or x and y")
        node, dist = self.drive.nearest_node(px, py)
        if dist[0] > max_snap_m:
            label = f"{kind} {name!r}" if name else kind
            raise TwinError(f"{label} is {dist[0]:,.0f} m from the nearest road of {self.name} "
                            f"(more than {max_snap_m:,.0f} m): it is off the network")
        fac = self.facilities
        fac.kind.append(kind)
        fac.name.append(name)
        fac.x = np.append(fac.x, px)
        fac.y = np.append(fac.y, py)
        fac.node = np.append(fac.node, node).astype(np.int64)
        fac.snap_distance = np.append(fac.snap_distance, dist)
        return len(fac) - 1

    def summary(self) -> dict[str, object]:
        """Headline figures: nodes, edges, km of road, area, signals, crossings, facilities."""
        return {
            "name": self.name,
            "source": self.source,
            "crs": self.crs,
            "nodes": self.drive.n_nodes,
            "edges": self.drive.n_edges,
            "road_km": round(self.drive.road_km(), 1),
            "area_km2": round(self.area_km2(), 2),
            "signals": int(len(self.signal_nodes)),
            "crossings": int(len(self.crossing_nodes)),
            "walk_nodes": self.walk.n_nodes,
            "walk_edges": self.walk.n_edges,
            "population_basis": self.population_basis,
            "facilities": self.facilities.counts(),
        }
