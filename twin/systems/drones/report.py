"""How to read the drones' KPIs, and their section of a run report: a table and a map.

The map shows the docks with their range circles, the no-fly zones and every
flight path, drawn from the run folder's side tables (``flights``, ``docks``,
``no_fly``), set beside the figures programmes publish.
"""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from shapely import wkt  # noqa: E402

from twin.present.city_map import city_axes, draw_base, finish_map  # noqa: E402
from twin.present.format import format_duration, format_number, format_share  # noqa: E402
from twin.present.kpis import KpiRule  # noqa: E402
from twin.present.plotting import save_figure  # noqa: E402
from twin.present.stored import StoredRun  # noqa: E402
from twin.present.tables import Figure, Section, Table  # noqa: E402

RULES: tuple[KpiRule, ...] = (
    KpiRule("eyes_on_scene_s.*", "lower", "Time to eyes on scene ({0})", "s", "s"),
    KpiRule("first_on_scene", "higher", "Drone first on scene", "share", "share"),
    KpiRule("cleared", "higher", "Calls cleared without a ground unit", "calls", "count"),
    KpiRule("cleared_share", "higher", "Drone calls cleared without a ground unit", "share of drone calls",
            "share"),
    KpiRule("head_start_s.*", "higher", "Drone ahead of the first ground unit ({0})", "s", "s"),
    KpiRule("flights", "neutral", "Drone flights", "flights", "count"),
    KpiRule("flights_per_day", "neutral", "Drone flights per day", "flights/day", "count"),
    KpiRule("flights_by_type.*", "neutral", "Drone flights, {0}", "flights", "count"),
    KpiRule("missed_launches", "lower", "Missed launches", "calls", "count"),
    KpiRule("missed.*", "lower", "Missed launches, {0}", "calls", "count"),
    KpiRule("flight_hours", "neutral", "Flight hours", "h", "count"),
)
HEADLINE: tuple[str, ...] = ("eyes_on_scene_s.mean", "first_on_scene", "cleared", "head_start_s.mean",
                             "missed_launches")

#: What programmes publish: (programme, average time to eyes on scene s, share first on scene, share cleared).
PUBLISHED: tuple[tuple[str, str, str, str], ...] = (
    ("Chula Vista PD (first year)", "about 150 s", "", ""),
    ("Elk Grove PD", "140.8 s", "69 %", "about 14 %"),
    ("Brookhaven PD", "70 s", "72 %", ""),
)


def section(run: StoredRun) -> Section:
    """The "Drones" section: the KPIs beside the published figures, and the map of flights."""
    k = run.kpis
    eyes, head = k.get("eyes_on_scene_s", {}), k.get("head_start_s", {})
    rows = [
        ("Drone flights (per day)", f"{k.get('flights', 0)} ({format_number(k.get('flights_per_day'), 1)})"),
        ("Time to eyes on scene, mean", format_duration(eyes.get("mean"))),
        ("Time to eyes on scene, 90th percentile", format_duration(eyes.get("p90"))),
        ("Drone first on scene", format_share(k.get("first_on_scene"))),
        ("Cleared without a ground unit", f"{k.get('cleared', 0)} ({format_share(k.get('cleared_share'))})"),
        ("Drone ahead of the first ground unit, mean", format_duration(head.get("mean"))),
        ("Missed launches", str(k.get("missed_launches", 0)) + (
            " (" + ", ".join(f"{r}: {n}" for r, n in k.get("missed", {}).items()) + ")" if k.get("missed") else "")),
        ("Flight hours", format_number(k.get("flight_hours"), 1, "h")),
    ]
    tables = [Table(("Indicator", "Value"), rows),
              Table(("Programme", "Time to eyes on scene", "First on scene", "Cleared without patrol"),
                    [tuple(p) for p in PUBLISHED], heading="Published by programmes",
                    note="Chula Vista PD, Elk Grove PD and Brookhaven PD drone-as-first-responder reports.")]
    figures = []
    try:
        figures.append(flight_map(run))
    except (KeyError, FileNotFoundError, ValueError):
        pass  # a run folder without the side tables: the tables alone
    return Section("Drones", tables, figures)


def flight_map(run: StoredRun) -> Figure:
    """Docks with range circles, no-fly zones and flight paths over the city."""
    flights, docks, zones = run.table("flights"), run.table("docks"), run.table("no_fly")
    flights = flights[flights["t_takeoff"].notna()]  # recalled before take-off: never flew
    radius = float(run.config.max_range_m)
    city = run.city
    fig, (ax,) = city_axes(city)
    draw_base(ax, city)
    for shape in zones.get("wkt", pd.Series(dtype=str)):
        x, y = wkt.loads(shape).exterior.xy
        ax.fill(x, y, color="#d62728", alpha=0.35, lw=0.8, zorder=3)
    for path in flights.get("path_wkt", pd.Series(dtype=str)):
        x, y = wkt.loads(path).xy
        ax.plot(x, y, color="#1f77b4", lw=0.6, alpha=0.5, zorder=4)
    for _, dock in docks.iterrows():
        ax.add_patch(plt.Circle((dock["x"], dock["y"]), radius, fill=False, ls="--", lw=0.8, color="#333333",
                                zorder=5))
    ax.scatter(docks["x"], docks["y"], marker="^", s=60, color="#ff7f0e", edgecolor="black", zorder=6)
    handles: list[tuple[Any, str]] = [
        (Line2D([], [], marker="^", ls="", color="#ff7f0e", markeredgecolor="black"), "dock"),
        (Line2D([], [], ls="--", color="#333333"), f"range {radius / 1000:g} km"),
        (Line2D([], [], color="#1f77b4"), "flight"),
        (Patch(color="#d62728", alpha=0.35), "no-fly zone"),
    ]
    finish_map(fig, ax, city, handles, title="Drone docks, range and flights")
    path = save_figure(fig, run.figures / "drone_flights.png")
    return Figure("drone_flights", path, f"{len(flights)} drone flights from {len(docks)} docks; dashed: "
                                         f"{radius / 1000:g} km range; red: no-fly zones.")


def gis_layers(run: StoredRun) -> dict[str, Any]:
    """``drone_docks`` (points), ``drone_flights`` (lines), ``no_fly`` (polygons), WGS 84."""
    import geopandas as gpd  # only when writing layers

    crs = run.city.crs
    docks = run.table("docks")
    layers = {"drone_docks": gpd.GeoDataFrame(docks, geometry=gpd.points_from_xy(docks["x"], docks["y"]), crs=crs)}
    flights = run.table("flights")
    layers["drone_flights"] = gpd.GeoDataFrame(flights.drop(columns=["path_wkt"]),
                                               geometry=gpd.GeoSeries.from_wkt(flights["path_wkt"]), crs=crs)
    zones = run.table("no_fly")
    layers["no_fly"] = gpd.GeoDataFrame(zones.drop(columns=["wkt"]), geometry=gpd.GeoSeries.from_wkt(zones["wkt"]),
                                        crs=crs)
    return {name: layer.to_crs("EPSG:4326") for name, layer in layers.items()}
