"""Fetch an extract from the OpenStreetMap servers (needs the internet).

A place name is geocoded with Nominatim through OSMnx; a bounding box (or a square
around a point) is downloaded from the Overpass API as OSM XML into a temporary
file, which then goes through the same pipeline as a local extract.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import osmnx as ox
import requests

from twin.city.sources import Source, parse_numbers
from twin.errors import TwinError

TIMEOUT_S = 180


def _offline(source: Source, exc: Exception) -> TwinError:
    return TwinError(f"cannot fetch city {source.text!r}: the OpenStreetMap servers are out of reach "
                     f"(offline?): {type(exc).__name__}. Use 'helsinki' or a local .osm/.pbf file.")


def bounding_box(source: Source) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees for a ``place:``, ``bbox:`` or ``point:`` source."""
    if source.kind == "bbox":
        west, south, east, north = parse_numbers(source, 4, "bbox:WEST,SOUTH,EAST,NORTH in degrees")
        if not (west < east and south < north):
            raise TwinError(f"city source {source.text!r}: need west < east and south < north")
        return west, south, east, north
    if source.kind == "point":
        lat, lon, metres = parse_numbers(source, 3, "point:LAT,LON,METRES")
        if metres <= 0:
            raise TwinError(f"city source {source.text!r}: METRES must be positive")
        west, south, east, north = ox.utils_geo.bbox_from_point((lat, lon), dist=metres)
        return west, south, east, north
    try:
        gdf = ox.geocode_to_gdf(source.value)
    except (requests.RequestException, OSError) as exc:
        raise _offline(source, exc) from None
    except Exception as exc:  # noqa: BLE001 - osmnx raises its own types for "not found"
        raise TwinError(f"cannot geocode {source.value!r}: {exc}") from None
    west, south, east, north = gdf.total_bounds
    return float(west), float(south), float(east), float(north)


def download(source: Source) -> Path:
    """Download the source's area as OSM XML; return the temporary file's path."""
    west, south, east, north = bounding_box(source)
    query = f"[out:xml][timeout:{TIMEOUT_S}];(nwr({south},{west},{north},{east}););(._;>;);out body;"
    try:
        response = requests.post(ox.settings.overpass_url + "/interpreter", data={"data": query},
                                 timeout=(10, TIMEOUT_S))
        response.raise_for_status()
    except requests.RequestException as exc:
        raise _offline(source, exc) from None
    handle = tempfile.NamedTemporaryFile(suffix=".osm", delete=False)
    with handle:
        handle.write(response.content)
    return Path(handle.name)
