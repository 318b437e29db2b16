"""Read an OpenStreetMap file into the few things a city needs.

One pass with pyosmium (libosmium) reads every format the project accepts,
``.osm``, ``.osm.gz``, ``.osm.bz2`` and ``.osm.pbf``, and keeps only:

* ways with a ``highway`` tag (roads and paths), with their node coordinates;
* nodes that are traffic signals or pedestrian crossings;
* public-safety facilities (police, fire stations, hospitals, ambulance stations),
  whether mapped as a point or as a building outline;
* building outlines with their number of levels, for population weights;
* water and green areas (ways and multipolygons) and coastlines, for maps
  (:mod:`twin.city.landcover`).

Extracts are cut at a boundary, so a way may reference nodes the file does not
contain. Those nodes get NaN coordinates here; the graph builder splits the way
at them instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium

from twin.city.landcover import KEYS as LANDCOVER_KEYS
from twin.city.landcover import AreaRings, landcover_kind
from twin.errors import TwinError

#: Way tags kept for filtering and edge attributes.
WAY_TAGS = ("highway", "oneway", "junction", "maxspeed", "lit", "name", "access", "service",
            "area", "motor_vehicle", "motorcar", "foot", "sidewalk", "sidewalk:both",
            "sidewalk:left", "sidewalk:right")

SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf")


@dataclass
class Way:
    """A highway way: OSM id, node ids, coordinates (NaN where missing), kept tags."""

    osmid: int
    nodes: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    tags: dict[str, str]


@dataclass
class OsmExtract:
    """What :func:`read_osm` keeps from a file."""

    ways: list[Way] = field(default_factory=list)
    signals: set[int] = field(default_factory=set)
    crossings: set[int] = field(default_factory=set)
    facilities: list[tuple[str, str, float, float]] = field(default_factory=list)
    buildings: list[tuple[np.ndarray, np.ndarray, float]] = field(default_factory=list)
    areas: list[AreaRings] = field(default_factory=list)
    coastlines: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    missing_node_refs: int = 0


def _facility_kind(tags: osmium.osm.TagList) -> str | None:
    amenity = tags.get("amenity")
    if amenity in ("police", "fire_station", "hospital"):
        return amenity
    if tags.get("emergency") == "ambulance_station":
        return "ambulance_station"
    return None


def _levels(tags: osmium.osm.TagList) -> float:
    """Number of storeys from ``building:levels`` (1 when absent or unreadable)."""
    try:
        return max(1.0, float(tags.get("building:levels", "1").split(";")[0]))
    except ValueError:
        return 1.0


def _way_coords(way: osmium.osm.Way) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    count = len(way.nodes)
    ids = np.empty(count, dtype=np.int64)
    lon = np.full(count, np.nan)
    lat = np.full(count, np.nan)
    missing = 0
    for i, ref in enumerate(way.nodes):
        ids[i] = ref.ref
        if ref.location.valid():
            lon[i] = ref.location.lon
            lat[i] = ref.location.lat
        else:
            missing += 1
    return ids, lon, lat, missing


def check_path(path: Path) -> None:
    """Raise :class:`TwinError` unless ``path`` is an existing file with an OSM suffix."""
    if not path.exists():
        raise TwinError(f"{path}: no such file; OpenStreetMap extracts come from Geofabrik (download.geofabrik.de) "
                        "or BBBike (extract.bbbike.org), or fetch an area with bbox:W,S,E,N (docs/cities.md)")
    if not path.is_file():
        raise TwinError(f"{path}: not a file")
    if not path.name.lower().endswith(SUFFIXES):
        raise TwinError(f"{path}: not an OpenStreetMap file (expected one of {', '.join(SUFFIXES)})")


def read_osm(path: Path) -> OsmExtract:
    """Read the roads, signals, crossings, facilities and buildings of an OSM file.

    Parameters
    ----------
    path : Path
        An ``.osm``, ``.osm.gz``, ``.osm.bz2`` or ``.osm.pbf`` file.

    Returns
    -------
    OsmExtract

    Raises
    ------
    TwinError
        When the file is missing or cannot be parsed.
    """
    check_path(path)
    extract = OsmExtract()
    wanted = osmium.filter.KeyFilter("highway", "building", "amenity", "emergency", "crossing", *LANDCOVER_KEYS)
    try:
        # Areas (closed ways and multipolygon relations) are assembled for the water and green of maps.
        processor = (osmium.FileProcessor(str(path)).with_locations().with_filter(wanted)
                     .with_areas(osmium.filter.KeyFilter(*LANDCOVER_KEYS)))
        for obj in processor:
            if obj.is_node():
                _read_node(obj, extract)
            elif obj.is_way():
                _read_way(obj, extract)
            elif obj.is_area():
                _read_area(obj, extract)
    except RuntimeError as exc:
        raise TwinError(f"{path}: cannot read OpenStreetMap data ({exc})") from None
    return extract


def _read_node(node: osmium.osm.Node, extract: OsmExtract) -> None:
    tags = node.tags
    highway = tags.get("highway")
    if highway == "traffic_signals":
        extract.signals.add(node.id)
    if highway == "crossing" or "crossing" in tags:
        extract.crossings.add(node.id)
    kind = _facility_kind(tags)
    if kind is not None and node.location.valid():
        extract.facilities.append((kind, tags.get("name", ""), node.location.lon, node.location.lat))


def _ring(ring: object) -> tuple[np.ndarray, np.ndarray]:
    points = [(n.lon, n.lat) for n in ring if n.location.valid()]  # type: ignore[attr-defined]
    coords = np.array(points, dtype=np.float64).reshape(-1, 2)
    return coords[:, 0], coords[:, 1]


def _read_area(area: osmium.osm.Area, extract: OsmExtract) -> None:
    kind = landcover_kind(area.tags)
    if kind is None:
        return
    outers = [(_ring(outer), [_ring(inner) for inner in area.inner_rings(outer)]) for outer in area.outer_rings()]
    extract.areas.append((kind, outers))


def _read_way(way: osmium.osm.Way, extract: OsmExtract) -> None:
    tags = way.tags
    if tags.get("natural") == "coastline":
        _, lon, lat, _ = _way_coords(way)
        valid = ~np.isnan(lon)
        if valid.sum() >= 2:
            extract.coastlines.append((lon[valid], lat[valid]))
    kind = _facility_kind(tags)
    is_building = "building" in tags
    if "highway" not in tags and kind is None and not is_building:
        return
    ids, lon, lat, missing = _way_coords(way)
    extract.missing_node_refs += missing
    if "highway" in tags:
        kept = {key: tags.get(key) for key in WAY_TAGS if key in tags}
        extract.ways.append(Way(way.id, ids, lon, lat, kept))
        return
    valid = ~np.isnan(lon)
    if valid.sum() < 3:
        return
    if kind is not None:
        extract.facilities.append((kind, tags.get("name", ""), float(lon[valid].mean()),
                                   float(lat[valid].mean())))
    if is_building and way.is_closed():
        extract.buildings.append((lon[valid], lat[valid], _levels(tags)))
