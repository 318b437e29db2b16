"""Water and green for maps: the sea rebuilt from coastlines on the right side, areas clipped and merged."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Polygon

from twin.city import load
from twin.city.landcover import Landcover, build_landcover, landcover_kind


def _identity(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


#: Road nodes over a 100 m square, all but one east of x = 50.
ROAD_X = np.concatenate([[0.0], np.linspace(60, 100, 30)])
ROAD_Y = np.concatenate([[0.0], np.linspace(0, 100, 30)])


def _polygons(cover: Landcover, kind: str) -> list[Polygon]:
    return [Polygon(rings[0], rings[1:]) for rings in cover.rings(kind)]


@pytest.mark.parametrize("south", [True, False])
def test_the_sea_lies_right_of_the_coastline(south: bool) -> None:
    # A coast along x = 50 that stops short of the frame (as an extract cuts it): carried on to the frame.
    # Walking south, the right hand is west; walking north, east: the roads are put on the other side.
    ys = np.array([95.0, 5.0]) if south else np.array([5.0, 95.0])
    road_x = ROAD_X if south else 100.0 - ROAD_X
    cover = build_landcover([], [(np.array([50.0, 50.0]), ys)], _identity, road_x, ROAD_Y)
    (sea,) = _polygons(cover, "water")
    # The frame is the roads' box with a 5 % margin: x and y from -5 to 105 m.
    assert sea.bounds == ((-5.0, -5.0, 50.0, 105.0) if south else (50.0, -5.0, 105.0, 105.0))
    assert sea.area == pytest.approx(55 * 110)


def test_a_sea_that_would_drown_the_roads_is_dropped() -> None:
    # Walking north along x = 50: the "sea" east of it holds 30 of 31 road nodes — a broken coast, not sea.
    cover = build_landcover([], [(np.array([50.0, 50.0]), np.array([5.0, 95.0]))], _identity,
                            np.concatenate([[0.0], np.full(30, 80.0)]), np.concatenate([[0.0], np.linspace(0, 100, 30)]))
    assert _polygons(cover, "water") == []


def test_areas_are_clipped_to_the_frame_and_merged_per_kind() -> None:
    square = (np.array([-50.0, 40, 40, -50, -50]), np.array([-50.0, -50, 40, 40, -50]))
    overlapping = (np.array([30.0, 60, 60, 30, 30]), np.array([30.0, 30, 60, 60, 30]))
    hole = (np.array([0.0, 10, 10, 0, 0]), np.array([0.0, 0, 10, 10, 0]))
    areas = [("green", [(square, [hole])]), ("green", [(overlapping, [])])]
    cover = build_landcover(areas, [], _identity, ROAD_X, ROAD_Y)
    (green,) = _polygons(cover, "green")
    x0, y0 = -5.0, -5.0  # the frame: the roads' box with a 5 % margin
    expected = (40 - x0) * (40 - y0) - 100 + (60 - 30) * (60 - 30) - 10 * 10
    assert green.area == pytest.approx(expected)
    assert len(green.interiors) == 1


def test_landcover_kind_reads_osm_tags() -> None:
    assert landcover_kind({"natural": "water"}) == "water"
    assert landcover_kind({"waterway": "riverbank"}) == "water"
    assert landcover_kind({"leisure": "park"}) == "green"
    assert landcover_kind({"building": "yes"}) is None


def test_helsinki_has_its_bays_and_parks() -> None:
    city = load("helsinki")
    water = sum(Polygon(r[0], r[1:]).area for r in city.landcover.rings("water"))
    green = sum(Polygon(r[0], r[1:]).area for r in city.landcover.rings("green"))
    assert water > 50_000 and green > 100_000  # m²: Kaisaniemenlahti bay, Kaisaniemi park
    assert len(load("synthetic:nodes=400").landcover) == 0
