"""Maps of a city: one style for every map the twin draws (``city plot``, the report's maps).

A map shows the land as a pale ground, water and green areas from the extract
(:mod:`twin.city.landcover`) so the city is recognisable, the drivable roads on
top (wider for higher road classes), and what the figure is about above those.
Distances read from a scale bar below the map; there are no coordinate ticks
(metres in a projected CRS say nothing to a reader). The figure is sized to the
city's shape, with a strip on the right for the legend::

    fig, ax = city_axes(city, title="Where incidents happened")
    draw_base(ax, city)
    ax.scatter(x, y, ...)
    finish_map(fig, ax, city, handles)
    save_figure(fig, out)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from twin.city.city import FACILITY_KINDS, OSM_ATTRIBUTION, City

#: Marker and colour of each facility kind on maps.
FACILITY_STYLE: dict[str, tuple[str, str]] = {
    "police": ("s", "#1f4e9e"),
    "fire_station": ("^", "#c62828"),
    "hospital": ("P", "#2e7d32"),
    "ambulance_station": ("D", "#ef6c00"),
}

#: Colours of the ground, of each kind of land cover and of roads, shared by every map.
LAND_COLOUR = "#f6f4ef"
LANDCOVER_COLOURS: dict[str, str] = {"water": "#c6dcef", "green": "#dcebd2"}
ROAD_COLOUR = "#b0b0b0"

#: A white outline that keeps text readable over roads and areas.
HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]

#: Map area at most this wide and tall, inches; the legend strip on the right, inches.
MAP_WIDTH_IN, MAP_HEIGHT_IN, LEGEND_IN = 7.0, 8.0, 3.0


def draw_roads(ax: plt.Axes, city: City, color: str = ROAD_COLOUR, *, widths: np.ndarray | None = None,
               colors: Sequence[object] | np.ndarray | None = None, zorder: float = 1) -> LineCollection:
    """Draw the drivable roads, wider for higher road classes (or with the ``widths`` and ``colors`` given,
    one per edge); return the collection."""
    net = city.drive
    segments = net.edge_polylines()
    if widths is None:
        widths = np.where(net.edge_class <= 2, 1.4, np.where(net.edge_class <= 4, 0.9, 0.5))
    lines = LineCollection(segments, linewidths=widths, colors=color if colors is None else colors, zorder=zorder,
                           capstyle="round")
    ax.add_collection(lines)
    ax.set_aspect("equal")
    ax.autoscale_view()
    return lines


def draw_landcover(ax: plt.Axes, city: City) -> list[str]:
    """Draw the city's water and green areas (one patch per kind); return the kinds drawn."""
    drawn = []
    for kind, colour in LANDCOVER_COLOURS.items():
        polygons = list(city.landcover.rings(kind)) if len(city.landcover) else []
        if not polygons:
            continue
        path = MplPath.make_compound_path(*(MplPath(ring, closed=True) for rings in polygons for ring in rings))
        ax.add_patch(PathPatch(path, facecolor=colour, edgecolor="none", zorder=0.5))
        drawn.append(kind)
    return drawn


def map_extent(city: City) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of the map: the drivable network's bounding box with a 3 % margin, metres."""
    net = city.drive
    width, height = float(np.ptp(net.x)) or 1.0, float(np.ptp(net.y)) or 1.0
    return (net.x.min() - 0.03 * width, net.x.max() + 0.03 * width,
            net.y.min() - 0.03 * height, net.y.max() + 0.03 * height)


def city_axes(city: City, *, panels: int = 1, legend_in: float = LEGEND_IN, top_in: float = 0.55,
              max_width_in: float = MAP_WIDTH_IN, max_height_in: float = MAP_HEIGHT_IN) -> tuple[plt.Figure,
                                                                                                 list[plt.Axes]]:
    """A figure sized to the city's shape: ``panels`` maps side by side, a legend strip on the right
    (``legend_in`` inches) and ``top_in`` inches above the maps for titles.

    Returns
    -------
    fig, axes
        The figure and its map axes, left to right, limits set to :func:`map_extent`.
    """
    x0, x1, y0, y1 = map_extent(city)
    width, height = x1 - x0, y1 - y0
    per_panel = max_width_in / panels if panels > 1 else max_width_in
    scale = min(per_panel / width, max_height_in / height)
    map_w, map_h = width * scale, height * scale
    left, gap, bottom, top = 0.15, 0.25, 0.5, top_in
    fig_w = left + panels * map_w + (panels - 1) * gap + legend_in
    fig_h = bottom + map_h + top
    fig = plt.figure(figsize=(fig_w, fig_h))
    axes = []
    for i in range(panels):
        ax = fig.add_axes(((left + i * (map_w + gap)) / fig_w, bottom / fig_h, map_w / fig_w, map_h / fig_h))
        ax.set_facecolor(LAND_COLOUR)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        axes.append(ax)
    return fig, axes


def draw_base(ax: plt.Axes, city: City, road_colour: str = ROAD_COLOUR) -> list[str]:
    """Land cover and roads, keeping the axes' limits; return the land-cover kinds drawn."""
    limits = ax.get_xlim(), ax.get_ylim()
    drawn = draw_landcover(ax, city)
    draw_roads(ax, city, color=road_colour)
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])
    return drawn


def scale_bar_length(extent_m: float) -> float:
    """A round length (1, 2 or 5 × 10^k m) near a fifth of the map's width."""
    raw = max(extent_m / 5, 1.0)
    power = 10 ** np.floor(np.log10(raw))
    return float(max(step * power for step in (1, 2, 5) if step * power <= raw))


def add_scale_bar(ax: plt.Axes) -> None:
    """A scale bar below the map's lower-left corner (never over what the map shows)."""
    x0, x1 = ax.get_xlim()
    bar_m = scale_bar_length(x1 - x0)
    label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    ax.add_artist(AnchoredSizeBar(ax.transData, bar_m, label, "upper left", bbox_to_anchor=(0, 0),
                                  bbox_transform=ax.transAxes, pad=0.2, borderpad=0.3, sep=2, frameon=False,
                                  size_vertical=0, fontproperties={"size": 7}))


def landcover_handles(kinds: Sequence[str]) -> list[tuple[Artist, str]]:
    """Legend entries of the land-cover kinds drawn."""
    from matplotlib.patches import Patch

    return [(Patch(facecolor=LANDCOVER_COLOURS[k], edgecolor="none"), k) for k in kinds]


def finish_map(fig: plt.Figure, axes: plt.Axes | Sequence[plt.Axes], city: City,
               handles: Sequence[tuple[Artist, str]] = (), *, title: str | None = None, subtitle: str = "",
               legend_title: str | None = None) -> None:
    """No ticks, grey frames, a scale bar under each map, the legend right of the last one, attribution.

    One map without a title of its own gets ``title``; otherwise the maps share it above them, with ``subtitle`` in small type
    under it (leave ``top_in`` of :func:`city_axes` room for both and the maps' own titles).
    """
    axes = [axes] if isinstance(axes, plt.Axes) else list(axes)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color("#9e9e9e")
        add_scale_bar(ax)
    if title:
        if len(axes) == 1 and not axes[0].get_title():
            axes[0].set_title(title)
        else:
            fig.suptitle(title, y=1.0 - 0.08 / fig.get_figheight(), va="top")
    if subtitle:
        fig.text(0.5, 1.0 - 0.42 / fig.get_figheight(), subtitle, ha="center", va="top", fontsize=8,
                 color="#555555")
    if handles:
        axes[-1].legend([h for h, _ in handles], [label for _, label in handles], loc="upper left",
                        bbox_to_anchor=(1.03, 1.0), fontsize=8, frameon=False, borderaxespad=0,
                        title=legend_title, title_fontsize=8, alignment="left")
    add_attribution(fig, city)


def label_places(ax: plt.Axes, x: Sequence[float], y: Sequence[float], names: Sequence[str], *,
                 colour: str = "#212121", offset: tuple[float, float] = (7, 6), max_labels: int = 25) -> None:
    """Write ``names`` beside their points, with a white halo; none when there are more than ``max_labels``."""
    if len(names) > max_labels:
        return
    x0, x1 = ax.get_xlim()
    for px, py, name in zip(x, y, names, strict=True):
        if name:
            # Names of places in the right part of the map go to their left, to stay inside the frame.
            left = px > x0 + 0.6 * (x1 - x0)
            ax.annotate(name, (px, py), xytext=(-offset[0] if left else offset[0], offset[1]),
                        textcoords="offset points", fontsize=7, color=colour, ha="right" if left else "left",
                        path_effects=HALO, zorder=8)


def add_attribution(fig: plt.Figure, city: City) -> None:
    """Credit OpenStreetMap (not for generated cities)."""
    if not city.source.startswith("synthetic:"):
        fig.text(0.99, 0.01, OSM_ATTRIBUTION, ha="right", va="bottom", fontsize=7, color="#333333")


def plot_city(city: City, out: Path, *, title: str | None = None) -> Path:
    """Write a PNG map of the roads, traffic signals and facilities of ``city``.

    Parameters
    ----------
    city : City
    out : Path
        The PNG to write (its folder is created).
    title : str, optional
        Defaults to the city's name and size.

    Returns
    -------
    Path
        ``out``.
    """
    from twin.present.plotting import save_figure

    fig, (ax,) = city_axes(city)
    kinds = draw_base(ax, city, road_colour="#8a8a8a")
    net = city.drive
    handles: list[tuple[Artist, str]] = []
    if len(city.signal_nodes):
        ax.scatter(net.x[city.signal_nodes], net.y[city.signal_nodes], s=6, c="#d81b60", zorder=2, linewidths=0)
        handles.append((Line2D([], [], linestyle="", marker="o", markersize=3, color="#d81b60"),
                        f"traffic signals ({len(city.signal_nodes)})"))
    fac = city.facilities
    for kind in FACILITY_KINDS:
        rows = fac.of_kind(kind)
        if len(rows):
            marker, color = FACILITY_STYLE[kind]
            ax.scatter(fac.x[rows], fac.y[rows], marker=marker, s=60, c=color, edgecolors="white",
                       linewidths=0.8, zorder=3)
            handles.append((Line2D([], [], linestyle="", marker=marker, markersize=8, markerfacecolor=color,
                                   markeredgecolor="white"), f"{kind.replace('_', ' ')} ({len(rows)})"))
    label_places(ax, fac.x, fac.y, list(fac.name))
    handles += landcover_handles(kinds)
    finish_map(fig, ax, city, handles,
               title=title or f"{city.name}: {net.n_nodes:,} intersections, {net.road_km():,.0f} km of road")
    return save_figure(fig, out)
