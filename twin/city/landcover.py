"""Water and green areas of a city, for maps: what makes a city recognisable at a glance.

Nothing in the simulation reads them; maps draw them under the roads
(:mod:`twin.present.city_map`). They come from the OpenStreetMap extract:

* water: ``natural=water``, ``waterway=riverbank``, ``landuse=reservoir|basin``, and
  the sea, rebuilt from ``natural=coastline`` ways (OSM draws coastlines with the
  land on the left and the sea on the right of the way's direction);
* green: parks, gardens, grass, meadows, woods and forests.

Each kind is clipped to the drivable network's bounding box (with a margin) and
merged into one (multi)polygon, so overlapping features draw once. A coastline cut
short by the extract's boundary can leave the sea undecided; a "sea" face holding
more than :data:`MAX_ROAD_SHARE_IN_SEA` of the road nodes is taken for land and dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from shapely.geometry.polygon import orient
from shapely.ops import linemerge, polygonize, unary_union

#: The kinds of area kept, in drawing order (index = code in :attr:`Landcover.kind`).
KINDS: tuple[str, ...] = ("green", "water")

_WATER = {("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir"), ("landuse", "basin"),
          ("natural", "bay")}
_GREEN = {("leisure", "park"), ("leisure", "garden"), ("leisure", "nature_reserve"), ("landuse", "grass"),
          ("landuse", "meadow"), ("landuse", "forest"), ("landuse", "recreation_ground"),
          ("landuse", "village_green"), ("natural", "wood"), ("natural", "grassland"), ("natural", "scrub"),
          ("natural", "heath")}

#: Keys whose tags :func:`landcover_kind` looks at (for the reader's tag filter).
KEYS: tuple[str, ...] = ("natural", "waterway", "landuse", "leisure")

#: A would-be sea face holding more than this share of the road nodes is land (a broken coastline).
MAX_ROAD_SHARE_IN_SEA = 0.05

#: Margin around the network's bounding box kept, as a share of its width and height.
MARGIN = 0.05


def landcover_kind(tags: object) -> str | None:
    """``"water"``, ``"green"`` or None for an OSM object's tags (anything with ``.get(key)``)."""
    pairs = {(key, tags.get(key)) for key in KEYS}  # type: ignore[attr-defined]
    if pairs & _WATER:
        return "water"
    if pairs & _GREEN:
        return "green"
    return None


@dataclass
class Landcover:
    """Polygons of water and green, in the city's CRS (metres), as flat arrays (cache-friendly).

    Polygon ``p`` has kind ``KINDS[kind[p]]`` and rings ``polygon_start[p]`` to
    ``polygon_start[p + 1]``; ring ``r`` is the points ``ring_start[r]`` to
    ``ring_start[r + 1]`` of ``x``, ``y``. The first ring of a polygon is its outline
    (counter-clockwise), the others its holes (clockwise).
    """

    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    polygon_start: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    ring_start: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))

    #: The array attributes, in the order the cache stores them.
    ARRAYS = ("kind", "polygon_start", "ring_start", "x", "y")

    def __len__(self) -> int:
        return len(self.kind)

    def rings(self, kind: str) -> Iterator[list[np.ndarray]]:
        """The polygons of ``kind``, each as a list of (n, 2) rings: outline first, then holes."""
        code = KINDS.index(kind)
        for p in np.flatnonzero(self.kind == code):
            yield [np.column_stack([self.x[a:b], self.y[a:b]])
                   for a, b in zip(self.ring_start[self.polygon_start[p]:self.polygon_start[p + 1]],
                                   self.ring_start[self.polygon_start[p] + 1:self.polygon_start[p + 1] + 1],
                                   strict=True)]

    @classmethod
    def from_polygons(cls, polygons: Sequence[tuple[str, Polygon]]) -> Landcover:
        """Flatten (kind, polygon) pairs."""
        kinds, polygon_start, ring_start, xs, ys = [], [0], [0], [], []
        for kind, polygon in polygons:
            polygon = orient(polygon, 1.0)
            rings = [polygon.exterior, *polygon.interiors]
            for ring in rings:
                coords = np.asarray(ring.coords)
                xs.append(coords[:, 0])
                ys.append(coords[:, 1])
                ring_start.append(ring_start[-1] + len(coords))
            kinds.append(KINDS.index(kind))
            polygon_start.append(polygon_start[-1] + len(rings))
        return cls(np.array(kinds, dtype=np.int8), np.array(polygon_start, dtype=np.int64),
                   np.array(ring_start, dtype=np.int64),
                   np.concatenate(xs) if xs else np.zeros(0), np.concatenate(ys) if ys else np.zeros(0))


#: One area as read: its kind, and its outer rings each with their inner rings, as (lon, lat) arrays.
AreaRings = tuple[str, list[tuple[tuple[np.ndarray, np.ndarray], list[tuple[np.ndarray, np.ndarray]]]]]


def _polygons(geometry: object) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [] if geometry.is_empty else [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [g for part in getattr(geometry, "geoms", []) for g in _polygons(part)]


def _merged(lines: list[LineString]) -> list[LineString]:
    """Coastline ways joined end to end where they meet (a coast is often many ways)."""
    merged = linemerge(lines) if lines else None
    return [] if merged is None or merged.is_empty else list(getattr(merged, "geoms", [merged]))


def _to_frame(line: LineString, frame: Polygon) -> LineString:
    """``line`` with an end that stops inside the frame carried straight on to the frame's outline.

    An extract cut at its boundary cuts the coastline there, a little inside the map's
    frame; carried to the frame, the coast splits it into land and sea.
    """
    coords = list(line.coords)
    outline = frame.exterior
    if len(coords) >= 2 and frame.contains(Point(coords[0])):
        coords.insert(0, outline.interpolate(outline.project(Point(coords[0]))).coords[0])
    if len(coords) >= 2 and frame.contains(Point(coords[-1])):
        coords.append(outline.interpolate(outline.project(Point(coords[-1]))).coords[0])
    return LineString(coords)


def _sea(coastlines: list[LineString], frame: Polygon, road_x: np.ndarray, road_y: np.ndarray) -> list[Polygon]:
    """The faces of ``frame`` cut by the coastlines that lie on their sea side (right of the way)."""
    coast = [_to_frame(line, frame) for line in _merged(coastlines) if line.intersects(frame)]
    if not coast:
        return []
    # Node the whole lines with the frame's outline (clipping first leaves end points a rounding error off
    # the outline, which would not split it), then keep the faces inside the frame.
    noded = unary_union([frame.exterior, *coast])
    faces = [face for face in polygonize(noded) if frame.contains(face.representative_point())]
    roads = shapely.points(road_x, road_y)
    sea = []
    for face in faces:
        point = face.representative_point()
        line = min(coast, key=lambda c: c.distance(point))  # the coast nearest the face says its side
        along = line.project(point)
        a = line.interpolate(max(along - 1.0, 0.0))
        b = line.interpolate(min(along + 1.0, line.length))
        c = line.interpolate(along)
        # Right of the direction of travel: the cross product (b - a) x (point - c) is negative.
        cross = (b.x - a.x) * (point.y - c.y) - (b.y - a.y) * (point.x - c.x)
        if cross >= 0:
            continue
        inside = shapely.contains(face, roads).mean() if len(road_x) else 0.0
        if inside <= MAX_ROAD_SHARE_IN_SEA:
            sea.append(face)
    return sea


def build_landcover(areas: Sequence[AreaRings], coastlines: Sequence[tuple[np.ndarray, np.ndarray]],
                    project: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
                    road_x: np.ndarray, road_y: np.ndarray) -> Landcover:
    """Water and green of an extract, clipped to the roads' bounding box and merged per kind.

    Parameters
    ----------
    areas : sequence of AreaRings
        Areas as read (:func:`twin.city.osm_reader.read_osm`), rings in degrees.
    coastlines : sequence of (lon, lat) arrays
        ``natural=coastline`` ways, in their direction.
    project : callable
        (lon, lat) degrees → (x, y) metres in the city's CRS.
    road_x, road_y : float64 arrays
        The drivable network's nodes, metres (the frame, and the check on the sea).
    """
    if len(road_x) == 0:
        return Landcover()
    width, height = float(np.ptp(road_x)) or 1.0, float(np.ptp(road_y)) or 1.0
    frame = box(road_x.min() - MARGIN * width, road_y.min() - MARGIN * height,
                road_x.max() + MARGIN * width, road_y.max() + MARGIN * height)

    def ring(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        x, y = project(lon, lat)
        return np.column_stack([x, y])

    by_kind: dict[str, list[Polygon]] = {kind: [] for kind in KINDS}
    for kind, outers in areas:
        for (lon, lat), inners in outers:
            if len(lon) < 4:
                continue
            polygon = Polygon(ring(lon, lat), [ring(a, b) for a, b in inners if len(a) >= 4])
            if not polygon.is_valid:
                polygon = shapely.make_valid(polygon)
            by_kind[kind] += [p for p in _polygons(polygon.intersection(frame)) if p.area > 0]
    lines = [LineString(ring(lon, lat)) for lon, lat in coastlines if len(lon) >= 2]
    by_kind["water"] += _sea(lines, frame, road_x, road_y)
    polygons = []
    for kind in KINDS:
        if by_kind[kind]:
            merged = unary_union(by_kind[kind]).simplify(1.0)  # 1 m: invisible on a map, far fewer points
            polygons += [(kind, p) for p in _polygons(merged) if p.area > 1.0]
    return Landcover.from_polygons(polygons)

