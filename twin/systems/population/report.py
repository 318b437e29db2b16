"""How the population KPIs read and show: rules, the report's "People" section.

The KPI table reads the population KPIs (:mod:`twin.systems.population.kpis`);
the activity figure reads the sampled ``people_*`` columns; the density maps
read the snapshots of people per node the run keeps in its side table ``presence``
(:func:`presence_table`, from
:meth:`twin.systems.population.system.PopulationSystem.presence_snapshots`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import PowerNorm
from matplotlib.ticker import FuncFormatter, MaxNLocator

from twin.city.city import City
from twin.present.city_map import add_attribution, draw_roads
from twin.present.format import format_number
from twin.present.kpis import KpiRule
from twin.present.plotting import save_figure, time_panels
from twin.present.stored import StoredRun
from twin.present.tables import Figure, Section, Table

#: Sampled column, label and colour of each state, stacked bottom to top.
STATES: tuple[tuple[str, str, str], ...] = (
    ("people_at_home", "at home", "#7986cb"),
    ("people_at_work", "at work", "#4db6ac"),
    ("people_at_other", "at another place", "#ffb74d"),
    ("people_sheltered", "sheltered", "#e57373"),
    ("people_moving", "travelling", "#616161"),
)

#: Sampled column, label and colour of people travelling by each mode.
MODES: tuple[tuple[str, str, str], ...] = (
    ("people_driving", "driving", "#1e88e5"),
    ("people_walking", "walking", "#43a047"),
)

#: Mean drive nodes per hexagon of the density maps.
NODES_PER_HEXAGON = 10

#: Clock hours the density maps prefer (night, morning peak, midday, evening peak).
DENSITY_HOURS: tuple[int, ...] = (3, 8, 13, 18)

_THOUSANDS = FuncFormatter(lambda value, _: f"{value:,.0f}")


def travel_table(kpis: Mapping[str, Any]) -> Table:
    """People, trips, person-km and mean trip time by mode, and in all.

    Parameters
    ----------
    kpis : mapping
        The population KPIs (:func:`twin.systems.population.kpis.travel_kpis`).
    """
    modes = list(kpis["people"])
    rows = []
    for mode in modes:
        rows.append((mode, format_number(kpis["people"][mode]), format_number(kpis["trips"][mode]),
                     format_number(kpis["person_km"][mode]), format_number(kpis["mean_trip_min"][mode], 1)))
    trips = sum(kpis["trips"][m] for m in modes)
    hours = sum(kpis["person_hours"][m] for m in modes)
    rows.append(("all", format_number(sum(kpis["people"][m] for m in modes)), format_number(trips),
                 format_number(sum(kpis["person_km"][m] for m in modes)),
                 format_number(hours * 60 / trips if trips else None, 1)))
    return Table(("Mode", "People", "Trips", "Person-km", "Mean trip (min)"), rows,
                 note=f"Trips finished after the warm-up. Trips that found no way on (stuck): {kpis['stuck']:,}.")


def evacuation_table(orders: Sequence[Mapping[str, Any]]) -> Table:
    """One row per shelter order: when, people sent, unreachable, clearance (min)."""
    rows = [(f"order {o['order']} at {o['time_s'] / 3600:.1f} h", format_number(o["people"]),
             format_number(o["unreachable"]),
             format_number(o["clearance_s"] / 60 if o["clearance_s"] is not None else None, 1))
            for o in orders]
    return Table(("Order", "People sent", "Unreachable", "Clearance (min)"), rows, heading="Evacuations",
                 note="Clearance: from the order to the arrival of the last person sent (– while some travel).")


def activity_over_time(timeseries: pd.DataFrame, start: datetime, out: Path, *, warmup_s: float = 0.0) -> Path:
    """People by state (stacked) and travelling by mode, over clock time.

    Parameters
    ----------
    timeseries : DataFrame
        The model's samples with ``time_s`` (s) and the ``people_*`` columns (people).
    start, out, warmup_s
        Clock time of second 0, the PNG to write, end of the warm-up (s; shaded).

    Returns
    -------
    Path
        ``out``.
    """
    panels = time_panels(timeseries, start, (2, 1.2), 6.0)
    (top, bottom), clock = panels.axes, panels.clock
    # Sheltered only when anyone was: an empty band would only clutter the legend.
    states = [s for s in STATES if s[0] in timeseries and (s[0] != "people_sheltered" or timeseries[s[0]].any())]
    top.stackplot(clock, *[timeseries[c].to_numpy() for c, _, _ in states], labels=[label for _, label, _ in states],
                  colors=[colour for _, _, colour in states], step="post", linewidth=0)
    total = sum(timeseries[c] for c, _, _ in states)
    # Headroom above the population holds the legend.
    top.set_ylim(0, float(total.max()) * 1.22 if len(total) else 1)
    top.set_ylabel("People")
    top.set_title("What people are doing over the run")
    for column, label, colour in MODES:
        if column in timeseries:
            bottom.step(clock, timeseries[column], where="post", color=colour, linewidth=1.6, label=label)
    moving = timeseries[[c for c, _, _ in MODES if c in timeseries]].to_numpy()
    bottom.set_ylim(0, max(1.0, float(moving.max()) * 1.15) if moving.size else 1.0)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    bottom.set_ylabel("People travelling")
    if not moving.any():
        bottom.text(0.5, 0.5, "nobody was travelling at any sample", transform=bottom.transAxes,
                    ha="center", va="center", fontsize=8, color="#757575")
    for ax in (top, bottom):
        ax.yaxis.set_major_formatter(_THOUSANDS)
    # The stacked areas would hide a band behind them.
    return panels.finish(out, warmup_s=warmup_s, over=(top,))


def pick_snapshots(times_s: np.ndarray, start: datetime, warmup_s: float,
                   hours: Sequence[int] = DENSITY_HOURS, most: int = 4) -> list[int]:
    """Which snapshots to map: the first after the warm-up at each preferred clock hour.

    Parameters
    ----------
    times_s : float64[k]
        Snapshot times, seconds.
    start : datetime
        Clock time of second 0.
    warmup_s : float
        Snapshots before it are left out, as the KPIs leave it out.
    hours : sequence of int
        Preferred clock hours.
    most : int
        Most snapshots returned.

    Returns
    -------
    list of int
        Indices into ``times_s`` in time order. When fewer than three preferred
        hours fall in the run, up to ``most`` snapshots evenly spread over it.
    """
    kept = [i for i, t in enumerate(times_s) if t >= warmup_s]
    clock_hours = {i: (start + pd.Timedelta(seconds=float(times_s[i]))).hour for i in kept}
    chosen = [next(i for i in kept if clock_hours[i] == h) for h in hours if h in clock_hours.values()]
    if len(chosen) >= min(3, len(kept)):
        return sorted(chosen)[:most]
    positions = np.linspace(0, len(kept) - 1, min(most, len(kept))).round().astype(int)
    return [kept[p] for p in sorted(set(positions))]


def density_maps(city: City, times_s: np.ndarray, counts: np.ndarray, start: datetime, out: Path) -> Path:
    """Small multiples of the city map, hexagons coloured by people per km².

    Parameters
    ----------
    city : City
        Roads and node coordinates (m).
    times_s : float64[k]
        Time of each map, seconds (titles give the clock time).
    counts : int[k, n]
        People per drive node at each time.
    start : datetime
        Clock time of second 0.
    out : Path
        The PNG to write.

    Returns
    -------
    Path
        ``out``.

    Notes
    -----
    Every map shares one grid of regular hexagons and one colour scale (square
    root, up to the 99th percentile of all hexagons), so colours compare across
    times; hexagons without a drive node are left clear.
    """
    net = city.drive
    x0, y0 = float(net.x.min()), float(net.y.min())
    width, height = max(float(np.ptp(net.x)), 1.0), max(float(np.ptp(net.y)), 1.0)
    # About ten nodes per hexagon: fewer shows single intersections, not a density. A grid of
    # nx columns has about 2 nx² (height / width) / √3 hexagons.
    cells = net.n_nodes / NODES_PER_HEXAGON
    nx = int(np.clip(round(math.sqrt(cells * math.sqrt(3) / 2 * width / height)), 6, 60))
    sx = width / nx
    sy = math.sqrt(3) * sx  # makes the hexagons regular
    ny = max(1, math.ceil(height / sy))
    extent = (x0, x0 + width, y0, y0 + ny * sy)
    area_km2 = sx * sy / 2 / 1e6  # two hexagon centres per sx × sy rectangle

    k = len(times_s)
    panel_w = 3.3
    panel_h = panel_w * min(max(height / width, 0.5), 1.6)
    fig, axes = plt.subplots(1, k, figsize=(panel_w * k + 1.0, panel_h + 0.9), layout="constrained",
                             squeeze=False)
    hexagons = []
    for ax, t, people in zip(axes[0], times_s, counts):
        # Roads over the hexagons, faint, so the map stays readable where it is dense.
        draw_roads(ax, city, color="#00000040")
        hexagons.append(ax.hexbin(net.x, net.y, C=people / area_km2, reduce_C_function=np.sum, gridsize=(nx, ny),
                                  extent=extent, mincnt=1, cmap="YlOrRd", linewidths=0.3, edgecolors="white",
                                  zorder=0.5))
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(y0, y0 + height)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{start + pd.Timedelta(seconds=float(t)):%a %H:%M}", fontsize=10)
    # One scale for all maps, set once every map is binned. A square-root scale up to the 99th
    # percentile: a log scale hid the daily change, a linear one let a few dense hexagons wash out the rest.
    values = np.ma.concatenate([h.get_array() for h in hexagons]).compressed()
    top = float(np.percentile(values, 99)) if values.size else 1.0
    norm = PowerNorm(0.5, vmin=0.0, vmax=max(top, 1.0))
    for h in hexagons:
        h.set_norm(norm)
    if hexagons:
        bar = fig.colorbar(hexagons[0], ax=axes[0].tolist(), shrink=0.85, pad=0.01, extend="max")
        bar.set_label("People per km²")
        bar.formatter = _THOUSANDS
    fig.suptitle(f"{city.name}: where people are (hexagons {sx:,.0f} m across)", fontsize=11)
    add_attribution(fig, city)
    return save_figure(fig, out)


def presence_table(times_s: np.ndarray, counts: np.ndarray, start: datetime, warmup_s: float) -> pd.DataFrame:
    """The snapshots the density maps show, as a table kept with the run: one row per drive node,
    one int32 column per snapshot named by its simulated second (``"28800"``)."""
    picked = pick_snapshots(times_s, start, warmup_s)
    return pd.DataFrame({f"{times_s[i]:.0f}": counts[i] for i in picked}, index=pd.RangeIndex(counts.shape[1]))


def section(run: StoredRun) -> Section:
    """The "People" section of a stored run: travel table, activity over the run, density maps."""
    kpis = run.kpis
    tables = [travel_table(kpis)]
    if kpis.get("evacuations"):
        tables.append(evacuation_table(kpis["evacuations"]))
    figures = [Figure("people_activity",
                      activity_over_time(run.timeseries, run.start, run.figures / "people_activity.png",
                                         warmup_s=run.warmup_s),
                      "Where people are over the run: at rest by activity, and travelling by mode")]
    presence = run.table("presence")
    if len(presence.columns):
        times = presence.columns.astype(float).to_numpy()
        counts = presence.to_numpy().T
        figures.append(Figure("people_density",
                              density_maps(run.city, times, counts, run.start, run.figures / "people_density.png"),
                              "People per km² at a few times of day (hexagons over the road map)"))
    return Section("People", tables, figures)


#: How to read the population KPIs: demand is neutral, time lost is not.
RULES: tuple[KpiRule, ...] = (
    KpiRule("people.*", "neutral", "People, {0}", "people"),
    KpiRule("person_km.*", "neutral", "Person-km, {0}", "km"),
    KpiRule("person_hours.*", "neutral", "Person-hours travelled, {0}", "h"),
    KpiRule("trips.*", "neutral", "Trips, {0}", "trips"),
    KpiRule("trips_per_person.*", "neutral", "Trips per person, {0}", "trips"),
    KpiRule("mean_trip_min.*", "lower", "Trip duration, mean, {0} (min)", "min"),
    KpiRule("stuck", "lower", "People stuck", "people"),
)

#: Shown on the console after a run: how much people travelled.
CONSOLE: tuple[str, ...] = ("trips.drive", "trips.walk")
