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
from matplotlib.artist import Artist
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import offset_copy

from twin.city.city import City
from twin.present.city_map import (
    FACILITY_STYLE,
    city_axes,
    draw_base,
    draw_landcover,
    draw_roads,
    finish_map,
    label_places,
    landcover_handles,
    map_extent,
)
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


def axis_limit_min(target_min: float | None, minutes: np.ndarray) -> float:
    """Where a priority's time axis ends, minutes: past its target and most responses, never stretched by a few.

    At least 1.5 × the target; out to the 90th percentile of the responses (+15 %) when
    that is later, but never beyond 3 × the target: later responses are outliers, named on
    the figure instead of squeezing the 0 – target range into a corner.
    """
    target = target_min if target_min is not None else (float(np.percentile(minutes, 90)) if len(minutes) else 1.0)
    limit = 1.5 * target
    if len(minutes):
        limit = max(limit, min(1.15 * float(np.percentile(minutes, 90)), 3.0 * target))
        limit = min(limit, max(1.05 * float(minutes.max()), 1.5 * target))
    return max(limit, 1.0)


def response_time_distribution(incidents: pd.DataFrame, targets_by_priority: Mapping[int, float],
                               out: Path) -> Path:
    """Cumulative distribution of response times, one panel per priority, each on its own time scale.

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
    given time, so it levels off below 100 % when some were never reached. Each
    panel's axis ends a little past the target and most responses
    (:func:`axis_limit_min`); responses beyond it are listed at the panel's right edge.
    """
    curves = response_curves(incidents, targets_by_priority)
    panels = max(1, len(curves))
    fig, axes = plt.subplots(1, panels, figsize=(3.6 * panels + 0.8, 4.4), sharey=True, squeeze=False)
    axes = list(axes[0])
    if not curves:
        axes[0].text(0.5, 0.5, "no incidents in the measured window", transform=axes[0].transAxes,
                     ha="center", va="center", color="#666666")
    for ax, (priority, curve) in zip(axes, curves.items(), strict=False):
        target_s = targets_by_priority.get(priority)
        target_min = target_s / 60 if target_s is not None else None
        colour = PRIORITY_COLOURS.get(priority, "#555555")
        reached = curve.minutes[1:]
        limit = axis_limit_min(target_min, reached)
        beyond = reached[reached > limit]
        # The step starts at (0, 0) so the first incident shows as a rise, not a floating point;
        # it runs on to the axis' end at its last level.
        ax.step(np.append(curve.minutes, limit), np.append(curve.share, curve.share[-1]), where="post",
                color=colour, linewidth=2, zorder=3)
        if target_min is not None:
            ax.axvline(target_min, color="#424242", linestyle="--", linewidth=1.1, zorder=2)
            ax.annotate(f"target {format_duration(target_s)}", xy=(target_min, 0.02), xytext=(3, 0),
                        textcoords="offset points", fontsize=8, color="#424242", rotation=90, va="bottom")
        ax.axhline(0.9, color="#9e9e9e", linestyle=":", linewidth=1, zorder=1)
        if len(beyond):
            listed = ", ".join(format_duration(60 * m) for m in sorted(beyond, reverse=True)[:3])
            more = f" +{len(beyond) - 3}" if len(beyond) > 3 else ""
            ax.annotate(f"beyond the axis:\n{listed}{more} →", xy=(1, 0.5), xycoords="axes fraction",
                        xytext=(-4, 0), textcoords="offset points", ha="right", va="center", fontsize=8,
                        color=colour, bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": colour,
                                            "linewidth": 0.8})
        ax.set_xlim(0, limit)
        ax.set_ylim(0, 1.02)
        n = curve.incidents
        title = f"P{priority}: {n} incident{'s' if n != 1 else ''}"
        if np.isfinite(curve.within):
            title += f", {100 * curve.within:.0f} % within target"
        if curve.unreached:
            title += f"\n{curve.unreached} never reached"
        ax.set_title(title, fontsize=10, color=colour)
        ax.set_xlabel("minutes from the call")
        ax.grid(True, **GRID_STYLE, zorder=0)
    axes[0].yaxis.set_major_formatter(PercentFormatter(1.0))
    axes[0].set_ylabel("Incidents reached within that time (%)")
    # Labelled just outside the last panel, where no curve or target line can run through it.
    axes[-1].annotate("90 %", xy=(1, 0.9), xycoords=("axes fraction", "data"), xytext=(3, 0),
                      textcoords="offset points", ha="left", va="center", fontsize=8, color="#757575")
    fig.suptitle("How fast units arrived: call received → first unit on scene, by priority", fontsize=11)
    fig.tight_layout()
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


def _place_name(station: StationMark) -> str:
    """A station's name without its unit type in front ("police station 2" → "station 2"), so the
    stations of several types the twin placed at one spot share one short label."""
    prefix = f"{station.unit_type} "
    return station.name[len(prefix):] if station.name.startswith(prefix) else station.name


def _draw_sites(fig: plt.Figure, ax: plt.Axes, city: City, stations: Sequence[StationMark],
                hospitals: Sequence[tuple[int, str]], *, names: bool = True) -> list[tuple[Line2D, str]]:
    """Stations (types sharing a node side by side) and hospitals, with their names; return legend entries."""
    net = city.drive
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
                    markeredgecolor="white", markeredgewidth=1.0, linestyle="", zorder=6,
                    transform=offset_copy(ax.transData, fig=fig, x=dx, y=0, units="points"))
    if names:
        # One label per place: the names of the stations there (auto-placed ones share a place across types).
        labels = {node: " / ".join(dict.fromkeys(_place_name(m) for m in marks)) for node, marks in by_node.items()}
        nodes = list(labels)
        label_places(ax, net.x[nodes], net.y[nodes], [labels[n] for n in nodes], colour="#37474f", offset=(9, -12))
    handles = _station_legend(stations)
    marker, colour = FACILITY_STYLE["hospital"]
    for node, _ in hospitals:
        # Raised a little above its node: hospitals often share a node with a station.
        ax.plot(net.x[node], net.y[node], marker=marker, markersize=12, markerfacecolor=colour,
                markeredgecolor="white", markeredgewidth=1.0, linestyle="", zorder=7,
                transform=offset_copy(ax.transData, fig=fig, x=0, y=12, units="points"))
    if names:
        label_places(ax, net.x[[n for n, _ in hospitals]], net.y[[n for n, _ in hospitals]],
                     [name for _, name in hospitals], colour="#1b5e20", offset=(9, 14))
    if hospitals:
        handles.append((Line2D([], [], linestyle="", marker=marker, markersize=10, markerfacecolor=colour,
                               markeredgecolor="white"), f"hospital ({len(hospitals)})"))
    return handles


#: Bins of response time ÷ the incident's own target, and their colours: blues within target, reds beyond.
RATIO_BINS = (0.0, 0.5, 0.75, 1.0, 1.5, 2.0, np.inf)
RATIO_COLOURS = ("#2166ac", "#67a9cf", "#d1e5f0", "#fdae61", "#e34a33", "#99000d")
RATIO_LABELS = ("≤ ½ target", "½ – ¾ target", "¾ target – target", "1 – 1½ × target", "1½ – 2 × target",
                "> 2 × target")
#: Marker size of each priority's incidents (points²): the most urgent largest.
PRIORITY_SIZE = {1: 46, 2: 26, 3: 14}


def response_ratio(incidents: pd.DataFrame) -> pd.Series:
    """Response time ÷ the incident's own target (NaN: never reached)."""
    return incidents["response"] / incidents["target_s"]


def incident_map(city: City, incidents: pd.DataFrame, stations: Sequence[StationMark],
                 hospitals: Sequence[tuple[int, str]], out: Path, *, title: str | None = None) -> Path:
    """Where are we slow? Incidents coloured by their response time against their own target.

    Parameters
    ----------
    city : City
        Gives the roads, water and green, and node coordinates (metres, the city's CRS).
    incidents : DataFrame
        One row per incident with ``x``, ``y`` (m), ``priority``, ``response`` (s, NaN when
        never reached) and ``target_s`` (s, the incident's own target).
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

    Notes
    -----
    Colours bin response ÷ target (:data:`RATIO_BINS`): blues within target, reds beyond it;
    a black cross is an incident no unit reached. Larger dots are more urgent priorities.
    Incidents later in the colour order are drawn on top, so slow ones are never hidden.
    """
    fig, (ax,) = city_axes(city)
    kinds = draw_base(ax, city)
    handles: list[tuple[Artist, str]] = []
    n = len(incidents)
    if n:
        ratio = response_ratio(incidents).to_numpy(dtype=float)
        band = np.digitize(ratio, RATIO_BINS[1:-1], right=True)  # 0 … 5; NaN lands in the last band
        reached = np.isfinite(ratio)
        sizes = incidents["priority"].map(PRIORITY_SIZE).fillna(14).to_numpy(dtype=float)
        for b, colour in enumerate(RATIO_COLOURS):
            rows = reached & (band == b)
            if rows.any():
                ax.scatter(incidents["x"].to_numpy()[rows], incidents["y"].to_numpy()[rows], s=sizes[rows],
                           c=colour, edgecolors="#424242", linewidths=0.4, zorder=4 + b / 10)
            handles.append((Line2D([], [], linestyle="", marker="o", markersize=6, markerfacecolor=colour,
                                   markeredgecolor="#424242", markeredgewidth=0.4),
                            f"{RATIO_LABELS[b]} ({int(rows.sum())})"))
        if (~reached).any():
            ax.scatter(incidents["x"].to_numpy()[~reached], incidents["y"].to_numpy()[~reached], s=40, marker="X",
                       c="#000000", linewidths=0.5, edgecolors="white", zorder=5)
            handles.append((Line2D([], [], linestyle="", marker="X", markersize=7, markerfacecolor="#000000",
                                   markeredgecolor="white"), f"never reached ({int((~reached).sum())})"))
        for priority in sorted(PRIORITY_SIZE):
            if (incidents["priority"] == priority).any():
                handles.append((Line2D([], [], linestyle="", marker="o", markersize=np.sqrt(PRIORITY_SIZE[priority]),
                                       markerfacecolor="white", markeredgecolor="#424242", markeredgewidth=0.6),
                                f"priority {priority} ({int((incidents['priority'] == priority).sum())})"))
    else:
        ax.text(0.5, 0.5, "no incidents in the measured window", transform=ax.transAxes, ha="center",
                color="#666666")
    handles += _draw_sites(fig, ax, city, stations, hospitals)
    handles += landcover_handles(kinds)
    within = int((response_ratio(incidents) <= 1).sum()) if n else 0
    finish_map(fig, ax, city, handles, legend_title="Response ÷ the incident's target",
               title=title or f"{city.name}: {n} incident{'s' if n != 1 else ''}, {within} within target")
    return save_figure(fig, out)


class Reach(NamedTuple):
    """How fast units of one type can reach every node, as the coverage map draws it.

    ``expected_s`` is the expected response time to each node (s, ``inf`` where no
    station of the type reaches it): mean call handling and turnout, then the drive
    from the nearest station; ``target_s`` the target it is held against and
    ``target_of`` what sets that target (an incident type).
    """

    unit_type: str
    expected_s: np.ndarray
    target_s: float
    target_of: str


def covered_share(reach: Reach, weight: np.ndarray) -> float:
    """Share of ``weight`` (e.g. the population weight per node) at nodes reached within the target."""
    total = float(weight.sum())
    return float(weight[reach.expected_s <= reach.target_s].sum()) / total if total > 0 else float("nan")


#: Bins of expected response ÷ target on the coverage map, and their colours.
COVER_BINS = (0.0, 0.5, 0.75, 1.0, 1.25, np.inf)
COVER_COLOURS = ("#1a9850", "#91cf60", "#d9ef8b", "#fc8d59", "#d73027")
COVER_LABELS = ("≤ ½ target", "½ – ¾ target", "¾ target – target", "1 – 1¼ × target", "> 1¼ × target")


def coverage_map(city: City, reaches: Sequence[Reach], stations: Sequence[StationMark], out: Path, *,
                 note: str = "") -> Path:
    """Coverage: the roads each unit type reaches within its target from its stations, one map per type.

    Parameters
    ----------
    city : City
    reaches : sequence of Reach
        One per unit type (see :class:`Reach`); each gets a panel.
    stations : sequence of StationMark
        Drawn on the panel of their unit type.
    out : Path
        The PNG to write.
    note : str
        A line under the title (how the times were computed).

    Returns
    -------
    Path
        ``out``.

    Notes
    -----
    Each road is coloured by the expected response at its slower end, binned by
    ÷ target (:data:`COVER_BINS`); greens are within target. Panels are titled with the
    share of the city's population weight living at covered nodes.
    """
    net = city.drive
    fig, axes = city_axes(city, panels=max(1, len(reaches)), max_width_in=12.0 if len(reaches) > 1 else 7.0,
                          max_height_in=6.5, legend_in=2.4, top_in=1.15)
    for ax, reach in zip(axes, reaches, strict=False):
        draw_landcover(ax, city)
        ratio = np.maximum(reach.expected_s[net.edge_u], reach.expected_s[net.edge_v]) / reach.target_s
        band = np.digitize(ratio, COVER_BINS[1:-1], right=True)
        colours = np.array(COVER_COLOURS + ("#bdbdbd",))[np.where(np.isfinite(ratio), band, len(COVER_COLOURS))]
        widths = np.where(net.edge_class <= 2, 1.8, np.where(net.edge_class <= 4, 1.3, 0.9))
        draw_roads(ax, city, colors=list(colours), widths=widths)
        ax.set_xlim(*map_extent(city)[:2])
        ax.set_ylim(*map_extent(city)[2:])
        _draw_sites(fig, ax, city, [s for s in stations if s.unit_type == reach.unit_type], [], names=False)
        share = covered_share(reach, city.population_weight)
        ax.set_title(f"{reach.unit_type}: {100 * share:.0f} % of residents within "
                     f"{format_duration(reach.target_s)}\n(target of {reach.target_of})", fontsize=9)
    handles: list[tuple[Artist, str]] = [
        (Line2D([], [], color=c, linewidth=2.5), label) for c, label in zip(COVER_COLOURS, COVER_LABELS, strict=True)]
    handles += [(Line2D([], [], color="#bdbdbd", linewidth=2.5), "not reachable")]
    finish_map(fig, axes, city, handles, legend_title="Expected response ÷ target",
               title="Coverage: expected response time from the nearest station, by unit type", subtitle=note)
    return save_figure(fig, out)


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
