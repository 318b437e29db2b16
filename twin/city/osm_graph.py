"""Turn the highway ways of an OSM extract into a routable :class:`RoadNetwork`.

The steps are OSMnx's own, applied to ways read from a local file:

1. keep the ways that OSMnx's ``drive`` (or ``walk``) network filter keeps;
2. build the unsimplified graph, one edge per pair of consecutive nodes, in both
   directions unless the way is one-way (``walk`` ignores one-way tags);
3. :func:`osmnx.simplify_graph`, keeping signals and crossings as nodes;
4. :func:`osmnx.truncate.largest_component` (strongly connected: every node can
   reach every other, so dispatch never picks an unreachable unit);
5. :func:`osmnx.add_edge_speeds` (mean ``maxspeed`` of the road class where a way
   has none) and :func:`osmnx.add_edge_travel_times`;
6. :func:`osmnx.project_graph` to the local UTM zone.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import networkx as nx
import numpy as np
import osmnx as ox

from twin.city.network import RoadNetwork, road_class_code
from twin.city.osm_reader import OsmExtract, Way

# The exclusions of OSMnx's network filters (osmnx._overpass._get_network_filter),
# as unanchored regular expressions, like Overpass's `!~`.
_EXCLUDE: dict[str, dict[str, str]] = {
    "drive": {
        "area": "yes",
        "access": "private",
        "highway": "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|"
                   "escalator|footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|"
                   "rest_area|service|services|steps|track",
        "motor_vehicle": "no",
        "motorcar": "no",
        "service": "alley|driveway|emergency_access|parking|parking_aisle|private",
    },
    "drive_service": {
        "area": "yes",
        "access": "private",
        "highway": "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|"
                   "escalator|footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|"
                   "rest_area|services|steps|track",
        "motor_vehicle": "no",
        "motorcar": "no",
        "service": "emergency_access|parking|parking_aisle|private",
    },
    "walk": {
        "area": "yes",
        "access": "private",
        "highway": "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|"
                   "proposed|raceway|razed|rest_area|services",
        "foot": "no",
        "service": "private",
        "sidewalk": "separate",
        "sidewalk:both": "separate",
        "sidewalk:left": "separate",
        "sidewalk:right": "separate",
    },
}
_PATTERNS = {net: {key: re.compile(rx) for key, rx in rules.items()} for net, rules in _EXCLUDE.items()}

NETWORK_TYPES = tuple(_EXCLUDE)

#: Free-flow speed (km/h) by road class, used only for a class none of whose ways
#: carries ``maxspeed`` in the extract (common urban limits in Europe).
DEFAULT_SPEEDS_KPH: dict[str, float] = {
    "motorway": 100, "motorway_link": 60, "trunk": 80, "trunk_link": 50, "primary": 60,
    "primary_link": 50, "secondary": 50, "secondary_link": 40, "tertiary": 50,
    "tertiary_link": 40, "unclassified": 40, "residential": 30, "living_street": 10,
    "service": 20, "road": 30,
}
FALLBACK_SPEED_KPH = 30.0
WALK_SPEED_KPH = 5.0

_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_BACKWARD = {"-1", "reverse"}


def keeps(way: Way, network: str) -> bool:
    """Whether OSMnx's ``network`` filter keeps this way."""
    for key, pattern in _PATTERNS[network].items():
        value = way.tags.get(key)
        if value is not None and pattern.search(value):
            return False
    return True


def _direction(tags: dict[str, str]) -> int:
    """+1 one-way along the way, -1 one-way against it, 0 both ways."""
    oneway = tags.get("oneway", "").lower()
    if oneway in _ONEWAY_FORWARD:
        return 1
    if oneway in _ONEWAY_BACKWARD:
        return -1
    if oneway == "no":
        return 0
    if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") == "motorway":
        return 1
    return 0


def _runs(way: Way) -> Iterator[slice]:
    """Stretches of a way whose nodes all exist in the file (clipped extracts)."""
    valid = ~np.isnan(way.lon)
    start = None
    for i, ok in enumerate(np.append(valid, False)):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            if i - start >= 2:
                yield slice(start, i)
            start = None


def unsimplified_graph(extract: OsmExtract, network: str) -> nx.MultiDiGraph:
    """One edge per pair of consecutive way nodes, for the ways ``network`` keeps.

    Nodes carry ``x``/``y`` in degrees and ``highway`` for signals and crossings;
    edges carry ``osmid``, ``highway``, ``oneway``, ``lit``, ``maxspeed`` and the
    great-circle ``length`` in metres. ``walk`` adds both directions of every way.
    """
    graph = nx.MultiDiGraph(crs="epsg:4326")
    walk = network == "walk"
    for way in extract.ways:
        if not keeps(way, network):
            continue
        direction = 0 if walk else _direction(way.tags)
        attrs = {"osmid": way.osmid, "highway": way.tags.get("highway", "road"),
                 "oneway": direction != 0, "lit": way.tags.get("lit", "")}
        if "maxspeed" in way.tags and not walk:
            attrs["maxspeed"] = way.tags["maxspeed"]
        for run in _runs(way):
            ids, lon, lat = way.nodes[run], way.lon[run], way.lat[run]
            graph.add_nodes_from((int(i), {"x": float(x), "y": float(y)}) for i, x, y in zip(ids, lon, lat))
            length = ox.distance.great_circle(lat[:-1], lon[:-1], lat[1:], lon[1:])
            pairs = list(zip(ids[:-1].tolist(), ids[1:].tolist(), length.tolist()))
            if direction >= 0:
                graph.add_edges_from((u, v, {**attrs, "length": d, "reversed": False}) for u, v, d in pairs)
            if direction <= 0:
                graph.add_edges_from((v, u, {**attrs, "length": d, "reversed": True}) for u, v, d in pairs)
    special = {n: "traffic_signals" for n in extract.signals if n in graph}
    special.update({n: "crossing" for n in extract.crossings if n in graph and n not in special})
    nx.set_node_attributes(graph, special, "highway")
    return graph


def _first(value: object) -> object:
    return value[0] if isinstance(value, list) else value


def _lit_code(value: object) -> int:
    """1 lit, 0 unlit, -1 unknown; a merged edge takes the majority of its parts."""
    values = value if isinstance(value, list) else [value]
    votes = [1 if v in ("yes", "24/7", "automatic", "limited", "interval") else 0 if v == "no" else -1
             for v in values]
    known = [v for v in votes if v >= 0]
    if not known:
        return -1
    return int(sum(known) * 2 >= len(known))


def _impute_speeds(graph: nx.MultiDiGraph) -> None:
    observed = {_first(d["highway"]) for _, _, d in graph.edges(data=True) if "maxspeed" in d}
    classes = {_first(d["highway"]) for _, _, d in graph.edges(data=True)}
    defaults = {c: DEFAULT_SPEEDS_KPH.get(c, FALLBACK_SPEED_KPH) for c in classes - observed}
    with warnings.catch_warnings():
        # osmnx assigns float means into an int column (pandas' FutureWarning); the speeds are right.
        warnings.filterwarnings("ignore", message="Setting an item of incompatible dtype", module="osmnx")
        ox.add_edge_speeds(graph, hwy_speeds=defaults or None, fallback=FALLBACK_SPEED_KPH)


def build_network(extract: OsmExtract, network: str) -> tuple[RoadNetwork, nx.MultiDiGraph] | None:
    """The simplified, strongly connected, projected network of an extract.

    Parameters
    ----------
    extract : OsmExtract
        What :func:`twin.city.osm_reader.read_osm` returned.
    network : str
        ``"drive"``, ``"drive_service"`` or ``"walk"``.

    Returns
    -------
    (RoadNetwork, networkx.MultiDiGraph) or None
        The arrays and the projected OSMnx graph they came from; ``None`` when
        the extract has no way of this network type.
    """
    graph = unsimplified_graph(extract, network)
    if graph.number_of_edges() == 0:
        return None
    graph = ox.simplify_graph(graph, node_attrs_include=["highway"], edge_attrs_differ=["highway"])
    if graph.number_of_edges() == 0:  # only isolated rings, which simplification drops
        return None
    graph = ox.truncate.largest_component(graph, strongly=True)
    if network == "walk":
        nx.set_edge_attributes(graph, WALK_SPEED_KPH, "speed_kph")
    else:
        _impute_speeds(graph)
    graph = ox.add_edge_travel_times(graph)
    lonlat = {n: (d["x"], d["y"]) for n, d in graph.nodes(data=True)}
    graph = ox.project_graph(graph)
    return _to_arrays(graph, lonlat), graph


def _to_arrays(graph: nx.MultiDiGraph, lonlat: dict[int, tuple[float, float]]) -> RoadNetwork:
    osmids = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    index = {int(n): i for i, n in enumerate(osmids)}
    nodes = graph.nodes
    edges = list(graph.edges(data=True))
    shapes = []
    for u, v, d in edges:
        line = d.get("geometry")
        if line is None:
            shapes.append(np.array([[nodes[u]["x"], nodes[u]["y"]], [nodes[v]["x"], nodes[v]["y"]]]))
        else:
            shapes.append(np.asarray(line.coords)[:, :2])
    offsets = np.zeros(len(shapes) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in shapes], out=offsets[1:])
    points = np.concatenate(shapes) if shapes else np.zeros((0, 2))
    return RoadNetwork(
        crs=graph.graph["crs"].to_string() if hasattr(graph.graph["crs"], "to_string") else str(graph.graph["crs"]),
        x=np.array([nodes[n]["x"] for n in osmids], dtype=np.float64),
        y=np.array([nodes[n]["y"] for n in osmids], dtype=np.float64),
        lon=np.array([lonlat[n][0] for n in osmids], dtype=np.float64),
        lat=np.array([lonlat[n][1] for n in osmids], dtype=np.float64),
        osmid=osmids,
        edge_u=np.array([index[u] for u, _, _ in edges], dtype=np.int64),
        edge_v=np.array([index[v] for _, v, _ in edges], dtype=np.int64),
        edge_length=np.array([d["length"] for *_, d in edges], dtype=np.float64),
        edge_speed=np.array([d["speed_kph"] for *_, d in edges], dtype=np.float64),
        edge_time=np.array([d["travel_time"] for *_, d in edges], dtype=np.float64),
        edge_class=np.array([road_class_code(str(_first(d["highway"]))) for *_, d in edges], dtype=np.int8),
        edge_lit=np.array([_lit_code(d.get("lit", "")) for *_, d in edges], dtype=np.int8),
        edge_oneway=np.array([bool(_first(d.get("oneway", False))) for *_, d in edges], dtype=bool),
        geom_offsets=offsets,
        geom_x=np.ascontiguousarray(points[:, 0]),
        geom_y=np.ascontiguousarray(points[:, 1]),
    )
