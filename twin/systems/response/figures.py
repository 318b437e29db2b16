"""The figures of a run report: response-time curves, an incident map, fleet load over time.

Each function draws one figure with matplotlib's Agg backend (no display
needed), writes it as a PNG and returns the path. They take plain tables
(pandas) and numbers, not a model, so a report can be redrawn from saved run
outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import offset_copy
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from twin.city.city import City
from twin.present.city_map import FACILITY_STYLE, add_attribution, draw_roads
from twin.present.format import format_duration
from twin.present.plotting import GRID_STYLE, clock_times, format_clock_axis, save_figure, shade_warmup

#: Colour of each incident priority (1 is the most urgent), shared by every figure.
PRIORITY_COLOURS: dict[int, str] = {1: "#d32f2f", 2: "#f9a825", 3: "#1e88e5"}

#: The facility style (marker, colour) that stands for each unit type's stations.
UNIT_STYLE: dict[str, tuple[str, str]] = {
    "police": FACILITY_STYLE["police"],
    "ambulance": FACILITY_STYLE["ambulance_station"],
    "fire": FACILITY_STYLE["fire_station"],
}

class StationMark(NamedTuple):
    """A station as drawn on the map: its node, name, the unit type based there and how many units."""

    node: int
    name: str
    unit_type: str
    units: int


class Curve(NamedTuple):
    """The cumulative response-time curve of one priority, as the figure draws it.

    ``minutes`` and ``share`` are the step's corners: (0, 0), then one step up
    by 1/n at each reached incident's response time; ``share`` levels off below 1
    when ``unreached`` incidents were never reached.
    """

    minutes: np.ndarray
    share: np.ndarray
    incidents: int
    unreached: int
    within: float


def response_curves(incidents: pd.DataFrame, targets_by_priority: Mapping[int, float]) -> dict[int, Curve]:
    """The curve of every priority in ``incidents`` (see :func:`response_time_distribution`)."""
    curves = {}
    for priority in sorted(int(p) for p in incidents["priority"].unique()) if len(incidents) else []:
        group = incidents[incidents["priority"] == priority]
        minutes = np.sort(group["response"].dropna().to_numpy() / 60.0)
        n = len(group)
        target_s = targets_by_priority.get(priority)
        own_target = group["target_s"] if "target_s" in group else target_s
        # NaN responses compare False: an incident never reached is not within target.
        within = float((group["response"] <= own_target).mean()) if own_target is not None else float("nan")
        curves[priority] = Curve(np.concatenate([[0.0], minutes]), np.concatenate([[0.0], np.arange(1, len(minutes) + 1) / n]),
                                 n, n - len(minutes), within)
    return curves


def response_time_distribution(incidents: pd.DataFrame, targets_by_priority: Mapping[int, float],
                               out: Path) -> Path:
    """Cumulative distribution of response times, one curve per priority.

    Parameters
    ----------
    incidents : DataFrame
        One row per incident (:func:`twin.systems.response.kpis.incident_table`),
        with ``priority`` and ``response`` (s, NaN when no unit arrived). An optional
        ``target_s`` column (s) gives each incident its own target, as the KPIs do;
        otherwise the priority's target applies.
    targets_by_priority : mapping
        Response-time target per priority, seconds (drawn as a dashed line).
    out : Path
        The PNG to write.

    Returns
    -------
    Path
        ``out``.

    Notes
    -----
    The curve of a priority is the share of *all* its incidents reached within a
    given time, so it levels off below 100 % when some were never reached.
    """
    fig, ax = plt.subplots(figsize=(8, 5))
    curves = response_curves(incidents, targets_by_priority)
    priorities = list(curves)
    x_max = 0.0
    for priority, curve in curves.items():
        target_s = targets_by_priority.get(priority)
        colour = PRIORITY_COLOURS.get(priority, "#555555")
        n = curve.incidents
        label = f"P{priority}: {n} incident{'s' if n != 1 else ''}"
        if target_s is not None:
            label += f", target {format_duration(target_s)}"
        if np.isfinite(curve.within):
            label += f", {100 * curve.within:.0f} % within"
        if curve.unreached:
            label += f", {curve.unreached} not reached"
        # The step starts at (0, 0) so the first incident shows as a rise, not a floating point.
        ax.step(curve.minutes, curve.share, where="post", color=colour, linewidth=2, label=label, zorder=3)
        x_max = max(x_max, float(curve.minutes[-1]))
        if target_s is not None:
            # Targets are named in the legend, not beside their lines: close targets would overlap.
            ax.axvline(target_s / 60, color=colour, linestyle="--", linewidth=1.2, alpha=0.9, zorder=2)
            x_max = max(x_max, target_s / 60)
    if not priorities:
        ax.text(0.5, 0.5, "no incidents in the measured window", transform=ax.transAxes,
                ha="center", va="center", color="#666666")
    ax.axhline(0.9, color="#9e9e9e", linestyle=":", linewidth=1, zorder=1)
    # Labelled just outside the frame, where no curve or target line can run through it.
    ax.annotate("90 %", xy=(1, 0.9), xycoords=("axes fraction", "data"), xytext=(3, 0),
                textcoords="offset points", ha="left", va="center", fontsize=8, color="#757575")
    ax.set_xlim(0, max(1.0, x_max * 1.05))
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Response time: call received → first unit on scene (min)")
    ax.set_ylabel("Incidents reached within that time (%)")
    ax.set_title("How fast units arrived, by incident priority")
    ax.grid(True, **GRID_STYLE, zorder=0)
    if priorities:
        handles, labels = ax.get_legend_handles_labels()
        if targets_by_priority:
            handles.append(Line2D([], [], color="#616161", linestyle="--", linewidth=1.2))
            labels.append("target of the priority")
        ax.legend(handles, labels, loc="best", fontsize=9, framealpha=0.95)
    return save_figure(fig, out)


def _station_legend(stations: Sequence[StationMark]) -> list[tuple[Line2D, str]]:
    entries = []
    for unit_type in UNIT_STYLE:
        of_type = [s for s in stations if s.unit_type == unit_type]
        if of_type:
            marker, colour = UNIT_STYLE[unit_type]
            handle = Line2D([], [], linestyle="", marker=marker, markersize=9, markerfacecolor=colour,
                            markeredgecolor="white")
            units = sum(s.units for s in of_type)
            entries.append((handle, f"{unit_type} station ({len(of_type)}), {units} unit{'s' if units != 1 else ''}"))
    return entries


def incident_map(city: City, incidents: pd.DataFrame, stations: Sequence[StationMark],
                 hospitals: Sequence[tuple[int, str]], out: Path, *, title: str | None = None) -> Path:
    """Map of where incidents happened, with the stations and hospitals that served them.

    Parameters
    ----------
    city : City
        Gives the roads and node coordinates (metres, the city's CRS).
    incidents : DataFrame
        One row per incident with ``x``, ``y`` (m) and ``priority``.
    stations : sequence of StationMark
        One mark per (station, unit type). Types sharing a node are drawn side by side.
    hospitals : sequence of (node, name)
    out : Path
        The PNG to write.
    title : str, optional
        Defaults to the city's name and the number of incidents.

    Returns
    -------
    Path
        ``out``.
    """
    net = city.drive
    width = float(np.ptp(net.x)) or 1.0
    height = float(np.ptp(net.y)) or 1.0
    # Size the figure to the city's shape (at most 7 x 8 in of map), with fixed strips
    # for the title, the scale bar and attribution below, and the legend on the right.
    scale = min(7.0 / width, 8.0 / height)
    map_w, map_h = width * scale, height * scale
    left, right, bottom, top = 0.15, 3.0, 0.45, 0.45
    fig_w, fig_h = left + map_w + right, bottom + map_h + top
    fig = plt.figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes((left / fig_w, bottom / fig_h, map_w / fig_w, map_h / fig_h))
    draw_roads(ax, city, color="#bdbdbd")
    pad_x, pad_y = 0.03 * width, 0.03 * height  # keep edge markers whole
    ax.set_xlim(net.x.min() - pad_x, net.x.max() + pad_x)
    ax.set_ylim(net.y.min() - pad_y, net.y.max() + pad_y)

    handles: list[tuple[Line2D, str]] = []
    for priority in sorted((int(p) for p in incidents["priority"].unique()), reverse=True) if len(incidents) else []:
        # Less urgent first, so priority 1 dots end up on top.
        rows = incidents[incidents["priority"] == priority]
        colour = PRIORITY_COLOURS.get(priority, "#555555")
        ax.scatter(rows["x"], rows["y"], s=14, c=colour, edgecolors="#212121", linewidths=0.3,
                   alpha=0.9, zorder=3)
        handle = Line2D([], [], linestyle="", marker="o", markersize=5, markerfacecolor=colour,
                        markeredgecolor="#212121", markeredgewidth=0.3)
        handles.append((handle, f"P{priority} incident ({len(rows)})"))
    handles.reverse()

    by_node: dict[int, list[StationMark]] = {}
    for station in stations:
        by_node.setdefault(int(station.node), []).append(station)
    for node, marks in by_node.items():
        types = [t for t in UNIT_STYLE if any(m.unit_type == t for m in marks)]
        for i, unit_type in enumerate(types):
            # Offset in points, not metres: co-located stations stay apart at any map scale.
            dx = (i - (len(types) - 1) / 2) * 11
            marker, colour = UNIT_STYLE[unit_type]
            ax.plot(net.x[node], net.y[node], marker=marker, markersize=10, markerfacecolor=colour,
                    markeredgecolor="white", markeredgewidth=1.0, linestyle="", zorder=5,
                    transform=offset_copy(ax.transData, fig=fig, x=dx, y=0, units="points"))
    handles += _station_legend(stations)

    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    marker, colour = FACILITY_STYLE["hospital"]
    for node, name in hospitals:
        # Raised a little above its node: hospitals often share a node with a station.
        ax.plot(net.x[node], net.y[node], marker=marker, markersize=12, markerfacecolor=colour,
                markeredgecolor="white", markeredgewidth=1.0, linestyle="", zorder=6,
                transform=offset_copy(ax.transData, fig=fig, x=0, y=12, units="points"))
        ax.annotate(name, (net.x[node], net.y[node]), xytext=(9, 14), textcoords="offset points",
                    fontsize=7, color="#1b5e20", path_effects=halo, zorder=7)
    if hospitals:
        handles.append((Line2D([], [], linestyle="", marker=marker, markersize=10, markerfacecolor=colour,
                               markeredgecolor="white"), f"hospital ({len(hospitals)})"))

    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#9e9e9e")
    bar_m = _scale_bar_length(width)
    # Below the map, not on it, so it never hides a station or an incident.
    ax.add_artist(AnchoredSizeBar(ax.transData, bar_m, f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m",
                                  "upper left", bbox_to_anchor=(0, 0), bbox_transform=ax.transAxes, pad=0.2,
                                  borderpad=0.3, sep=2, frameon=False, size_vertical=0,
                                  fontproperties={"size": 7}))
    n = len(incidents)
    ax.set_title(title or f"{city.name}: {n} incident{'s' if n != 1 else ''} by priority, stations and hospitals")
    if handles:
        ax.legend([h for h, _ in handles], [label for _, label in handles], loc="upper left",
                  bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False, borderaxespad=0)
    add_attribution(fig, city)
    return save_figure(fig, out)


def _scale_bar_length(extent_m: float) -> float:
    """A round length (1, 2 or 5 × 10^k m) near a fifth of the map's width."""
    raw = max(extent_m / 5, 1.0)
    power = 10 ** np.floor(np.log10(raw))
    return float(max(step * power for step in (1, 2, 5) if step * power <= raw))


def utilisation_over_time(timeseries: pd.DataFrame, fleet: Mapping[str, int], start: datetime, out: Path,
                          *, warmup_s: float = 0.0) -> Path:
    """Share of busy units per type, and the queue of waiting requests, over clock time.

    Parameters
    ----------
    timeseries : DataFrame
        The model's samples (:meth:`twin.sim.CityModel.timeseries`): ``time_s`` (s since
        the start), ``busy_<unit type>`` (units) and ``queue_length`` (requests).
    fleet : mapping
        Units per type; types with no units or no column are left out.
    start : datetime
        Clock time of second 0.
    out : Path
        The PNG to write.
    warmup_s : float
        End of the warm-up, seconds; shaded, since KPIs leave it out.

    Returns
    -------
    Path
        ``out``.
    """
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True,
                                      gridspec_kw={"height_ratios": [2.2, 1], "hspace": 0.08})
    clock = clock_times(timeseries["time_s"], start)
    for unit_type, count in fleet.items():
        column = f"busy_{unit_type}"
        if count <= 0 or column not in timeseries:
            continue
        colour = UNIT_STYLE.get(unit_type, ("o", "#555555"))[1]
        top.step(clock, timeseries[column] / count, where="post", color=colour, linewidth=1.6,
                 label=f"{unit_type} ({count} unit{'s' if count != 1 else ''})")
    # Headroom above 100 % holds the legend, so it never covers a busy peak.
    top.set_ylim(0, 1.2)
    top.set_yticks(np.linspace(0, 1, 6))
    top.yaxis.set_major_formatter(PercentFormatter(1.0))
    top.set_ylabel("Units busy (%)")
    top.set_title("Fleet load and waiting requests over the run")

    if "queue_length" in timeseries:
        queue = timeseries["queue_length"].to_numpy()
        bottom.step(clock, queue, where="post", color="#424242", linewidth=1.2)
        bottom.fill_between(clock, queue, step="post", color="#9e9e9e", alpha=0.4)
        bottom.set_ylim(0, max(1, int(queue.max()) if len(queue) else 1) * 1.15)
        if not queue.any():
            bottom.text(0.5, 0.5, "no request waited for a free unit at any sample", transform=bottom.transAxes,
                        ha="center", va="center", fontsize=8, color="#757575")
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    bottom.set_ylabel("Waiting\nrequests")

    shade_warmup((top, bottom), clock, start, warmup_s)
    top.legend(loc="upper left", fontsize=8, ncols=4, framealpha=0.95)
    for ax in (top, bottom):
        ax.grid(True, **GRID_STYLE)
    format_clock_axis(bottom, clock, start)
    return save_figure(fig, out)
