"""GIS layers of a run: what systems build their map layers with.

A system's :meth:`~twin.sim.system.System.gis` returns its layers as GeoDataFrames
in WGS 84 (longitude, latitude; ``EPSG:4326``), the CRS every GIS tool, GeoJSON
(RFC 7946) and web map opens without asking; the run writes them to ``gis/``
(:mod:`twin.report.gis`). The simulation's own metres stay in the layers as ``x``
and ``y`` columns, in the city's projected CRS, which each file records::

    incidents = point_layer(table, run.crs or run.city.crs)     # table has x, y in metres
    collisions = event_points(run, TrafficCollision.kind)       # one point per event, its fields as columns
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
from pyproj import CRS

if TYPE_CHECKING:
    from twin.present.stored import StoredRun

#: The CRS of every GIS layer: WGS 84 longitude/latitude, degrees.
WGS84 = "EPSG:4326"


def crs_label(crs: str | CRS) -> str:
    """A CRS as one string a GIS reads: its authority code (``"EPSG:32635"``) when it has one, else WKT2."""
    parsed = CRS.from_user_input(crs)
    authority = parsed.to_authority()
    return f"{authority[0]}:{authority[1]}" if authority else parsed.to_wkt()


def point_layer(table: pd.DataFrame, crs: str, x: str = "x", y: str = "y") -> gpd.GeoDataFrame:
    """``table`` as a layer of points in WGS 84, from its columns ``x`` and ``y`` (metres in ``crs``).

    The columns stay (metres in the city's CRS, for analysis); rows without a position
    get an empty geometry. The index becomes an ordinary column if it is named.
    """
    frame = table.reset_index() if table.index.name is not None else table.reset_index(drop=True)
    points = gpd.GeoSeries.from_xy(frame[x], frame[y], crs=crs)
    return gpd.GeoDataFrame(frame, geometry=points.to_crs(WGS84), crs=WGS84)


def event_points(run: StoredRun, kind: str, columns: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    """One point per event of ``kind`` (its fields as columns), in WGS 84.

    Parameters
    ----------
    run : StoredRun
    kind : str
        An event's kind (``TrafficCollision.kind``).
    columns : dict, optional
        Fields of the event's ``data`` to keep, renamed (default: all, as they are named).

    Returns
    -------
    GeoDataFrame
        ``time_s`` (s since the start), ``clock`` (timezone-aware), ``incident`` (nullable),
        ``node``, the event's fields, ``x``, ``y`` (metres, the city's CRS), ``geometry``.
    """
    events = run.events[run.events["kind"] == kind]
    data = pd.DataFrame([json.loads(text) if text else {} for text in events["data"]], index=events.index)
    if columns is not None:
        data = data.reindex(columns=list(columns)).rename(columns=columns)
    incident = events["incident"].astype("Int64")
    table = pd.DataFrame({"time_s": events["time"], "clock": run.clock(events["time"]),
                          "incident": incident.mask(incident < 0), "node": events["node"]})
    table = pd.concat([table, data, events[["x", "y"]]], axis=1).reset_index(drop=True)
    return point_layer(table, run.crs or run.city.crs)
