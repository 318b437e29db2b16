"""The report's "Crime" section: how much, when, where outdoors, near whom, under what light.

Table and figure read the crime KPIs (:mod:`twin.systems.crime.kpis`):
``by_hour`` and ``by_hour_outdoor`` count crimes after the warm-up by local
clock hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from twin.report.kpi_table import format_number, format_share
from twin.report.plotting import GRID_STYLE, save_figure
from twin.report.sections.section import Section, SystemRun, Table

OUTDOOR_COLOUR, INDOOR_COLOUR, NIGHT_COLOUR = "#6a1b9a", "#ce93d8", "#eceff1"


def crime_table(kpis: Mapping[str, Any]) -> Table:
    """Crimes, per day, night and outdoor shares, guardianship and street light.

    Parameters
    ----------
    kpis : mapping
        The crime KPIs (:func:`twin.systems.crime.kpis.crime_kpis`).
    """
    night = kpis["night"]
    multiplier = kpis["mean_light_multiplier_night_outdoor"]
    rows = [
        ("Crimes", format_number(kpis["crimes"])),
        ("Crimes per day", format_number(kpis["per_day"], 1)),
        (f"At night ({night['hours']})", f"{night['crimes']:,} ({format_share(night['share'])})"),
        ("Outdoor share", format_share(kpis["outdoor_share"])),
        ("Outdoor at night, share of all crimes", format_share(kpis["night_outdoor_share"])),
        ("Guarded share (a police unit in reach)", format_share(kpis["guarded_share"])),
        ("Mean street-light multiplier, outdoor at night", format_number(multiplier, 2)),
    ]
    rows += [(f"… {name.replace('_', ' ')}", format_number(n)) for name, n in kpis["by_type"].items()]
    return Table(("Indicator", "Value"), rows,
                 note="Crimes after the warm-up. The light multiplier scales night-time outdoor crime where it "
                      "happened (1: no effect, or no lighting system); guarded shares are of crimes that did "
                      "happen, so biased low: guardians deter.")


def by_hour_chart(by_hour: Mapping[str, int], by_hour_outdoor: Mapping[str, int] | None, night_hours: list[int],
                  out: Path) -> Path:
    """Bars of crimes per clock hour, outdoor below and indoor above, night hours shaded.

    Parameters
    ----------
    by_hour : mapping
        ``"00"`` … ``"23"`` → crimes.
    by_hour_outdoor : mapping, optional
        The outdoor ones (same keys); without it the bars are not split.
    night_hours : list of int
        Clock hours that count as night (shaded).
    out : Path
        The PNG to write.

    Returns
    -------
    Path
        ``out``.
    """
    hours = np.arange(24)
    total = np.array([by_hour.get(f"{h:02d}", 0) for h in hours])
    fig, ax = plt.subplots(figsize=(8, 4))
    for h in night_hours:
        ax.axvspan(h - 0.5, h + 0.5, color=NIGHT_COLOUR, zorder=0, linewidth=0)
    handles = []
    if by_hour_outdoor is not None:
        outdoor = np.array([by_hour_outdoor.get(f"{h:02d}", 0) for h in hours])
        ax.bar(hours, outdoor, color=OUTDOOR_COLOUR, width=0.8, zorder=2)
        ax.bar(hours, total - outdoor, bottom=outdoor, color=INDOOR_COLOUR, width=0.8, zorder=2)
        handles += [Patch(color=OUTDOOR_COLOUR, label=f"outdoor ({outdoor.sum():,})"),
                    Patch(color=INDOOR_COLOUR, label=f"indoor ({(total - outdoor).sum():,})")]
    else:
        ax.bar(hours, total, color=OUTDOOR_COLOUR, width=0.8, zorder=2)
    if night_hours:
        handles.append(Patch(color=NIGHT_COLOUR, label="night hours"))
    ax.set_xlim(-0.6, 23.6)
    ax.set_xticks(hours[::2])
    ax.set_xticklabels([f"{h:02d}:00" for h in hours[::2]], fontsize=8)
    # Headroom above the tallest bar holds the legend.
    ax.set_ylim(0, max(1, int(total.max()) if len(total) else 1) * 1.3)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Hour of day (local clock; each bar is the hour starting there)")
    ax.set_ylabel("Crimes")
    ax.set_title(f"Crimes by hour of day: {total.sum():,} after the warm-up")
    ax.grid(True, axis="y", **GRID_STYLE)
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=8, ncols=3, framealpha=0.95)
    return save_figure(fig, out)


def section(run: SystemRun) -> Section:
    """The "Crime" section of a run with crime: its table and crimes by hour (night hours from the config)."""
    night = [h for h in range(24) if run.config.is_night(h)]
    figure = by_hour_chart(run.kpis["by_hour"], run.kpis.get("by_hour_outdoor"), night,
                           run.folder / "crime_by_hour.png")
    return Section("Crime", [crime_table(run.kpis)], {"crime_by_hour": figure})
