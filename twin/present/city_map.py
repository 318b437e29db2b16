"""A map of a city's roads with its facilities and signals marked."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from twin.city.city import FACILITY_KINDS, OSM_ATTRIBUTION, City

#: Marker and colour of each facility kind on maps.
FACILITY_STYLE: dict[str, tuple[str, str]] = {
    "police": ("s", "#1f4e9e"),
    "fire_station": ("^", "#c62828"),
    "hospital": ("P", "#2e7d32"),
    "ambulance_station": ("D", "#ef6c00"),
}


def draw_roads(ax: plt.Axes, city: City, color: str = "#555555") -> None:
    """Draw the drivable roads, wider for higher road classes."""
    net = city.drive
    segments = net.edge_polylines()
    widths = np.where(net.edge_class <= 2, 1.4, np.where(net.edge_class <= 4, 0.9, 0.5))
    ax.add_collection(LineCollection(segments, linewidths=widths, colors=color, zorder=1))
    ax.set_aspect("equal")
    ax.autoscale_view()


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
    fig, ax = plt.subplots(figsize=(9, 9), dpi=150)
    draw_roads(ax, city)
    net = city.drive
    if len(city.signal_nodes):
        ax.scatter(net.x[city.signal_nodes], net.y[city.signal_nodes], s=6, c="#d81b60",
                   label=f"traffic signals ({len(city.signal_nodes)})", zorder=2, linewidths=0)
    fac = city.facilities
    for kind in FACILITY_KINDS:
        rows = fac.of_kind(kind)
        if len(rows):
            marker, color = FACILITY_STYLE[kind]
            ax.scatter(fac.x[rows], fac.y[rows], marker=marker, s=60, c=color, edgecolors="white",
                       linewidths=0.8, label=f"{kind.replace('_', ' ')} ({len(rows)})", zorder=3)
    ax.set_title(title or f"{city.name}: {net.n_nodes:,} intersections, {net.road_km():,.0f} km of road")
    ax.set_xlabel(f"x (m, {city.crs})")
    ax.set_ylabel("y (m)")
    ax.ticklabel_format(useOffset=False, style="plain")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    add_attribution(fig, city)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, bbox_inches="tight")
    plt.close(fig)
    return out
