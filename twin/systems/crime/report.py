"""How the crime KPIs read and show: rules, the run report's "Crime" section, the comparison's.

Table and figure read the crime KPIs (:mod:`twin.systems.crime.kpis`):
``by_hour`` and ``by_hour_outdoor`` count crimes after the warm-up by local
clock hour; ``per_hour`` turns them into rates that compare across windows.
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

from twin.present.comparison import ComparisonView
from twin.present.format import format_number, format_share
from twin.present.kpis import HourlyFamily, KpiRule
from twin.present.plotting import GRID_STYLE, save_figure
from twin.present.stored import StoredRun
from twin.present.tables import Figure, Section, Table
from twin.systems.crime.config import CrimeConfig
from twin.systems.crime.kpis import hour_coverage

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


def night_hours(config: CrimeConfig) -> list[int]:
    """The clock hours the crime KPIs count as night (``night_from_h`` to ``night_until_h``)."""
    return [h for h in range(24) if config.is_night(h)]


def section(run: StoredRun) -> Section:
    """The "Crime" section of a stored run: its table and crimes by hour (night hours from the config)."""
    figure = by_hour_chart(run.kpis["by_hour"], run.kpis.get("by_hour_outdoor"), night_hours(run.config),
                           run.figures / "crime_by_hour.png")
    return Section("Crime", [crime_table(run.kpis)],
                   [Figure("crime_by_hour", figure, "Crimes by hour of day, outdoor and indoor, night hours shaded")])


def _clock(h: int) -> str:
    return f"{h % 24:02d}:00"


def comparison(view: ComparisonView) -> list[Section]:
    """Night, night outdoor, day and all crimes of A and B, with the hours each measured."""
    keys = ["crime.night.crimes", "crime.night.outdoor", "crime.day.crimes", "crime.crimes"]
    if not set(keys) <= set(view.available()):
        return []
    a_config = view.configs[0]
    night = night_hours(a_config)
    night_text = f"{_clock(a_config.night_from_h)}–{_clock(a_config.night_until_h)}" if night else "no night hours"
    cover = [hour_coverage(s.run.start, s.run.warmup, s.run.duration) for s in view.scenarios]
    day = [h for h in range(24) if h not in night]
    measured = {"crime.night.crimes": night, "crime.night.outdoor": night, "crime.day.crimes": day,
                "crime.crimes": list(range(24))}
    names = {"crime.night.crimes": f"Night crimes ({night_text})",
             "crime.night.outdoor": f"Night outdoor crimes ({night_text})",
             "crime.day.crimes": "Day crimes (the other hours)", "crime.crimes": "All crimes"}
    rows = []
    for row, (kpi, hours) in zip(view.rows(keys, relative=True), measured.items()):
        a_hours, b_hours = (float(c[hours].sum()) for c in cover)
        if a_hours or b_hours:  # a window all at night has no day to show
            measured_text = f"{a_hours:g} h" if a_hours == b_hours else f"A {a_hours:g} h, B {b_hours:g} h"
            rows.append((names[kpi], measured_text, *row[1:]))
    a, b = view.names
    level = f"{view.confidence:.0%}"
    return [Section("Crime by time of day", [Table(
        ("", "hours measured", f"A: {a}", f"B: {b}", "B − A", "change", "p", "verdict on B"), rows,
        note=f"Crimes in {view.windows}, mean [{level} CI] over the {view.reps} replications; B − A is the mean "
             "paired difference with its interval, the change is B − A over A's mean. Street light acts on "
             "night-time *outdoor* crime. Crimes per hour of each clock hour (the window's hours in that hour "
             "of the clock; hours outside it, the warm-up, left out) are in the figure and in "
             "`crime_by_hour.csv`; each hour is tested on its own, so among 24 one at p close to 0.05 can be "
             "chance.")])]


#: How to read the crime KPIs: lower is better; shares and guardianship describe, they do not judge.
RULES: tuple[KpiRule, ...] = (
    KpiRule("crimes", "lower", "Crimes", "crimes"),
    KpiRule("per_day", "lower", "Crimes per day", "crimes/day"),
    KpiRule("by_hour.*", "lower", "Crimes {0}:00–{0}:59", "crimes"),
    KpiRule("by_hour_outdoor.*", "lower", "Outdoor crimes {0}:00–{0}:59", "crimes"),
    KpiRule("per_hour.*", "lower", "Crimes per hour, {0}:00–{0}:59", "crimes/h"),
    KpiRule("by_type.*", "lower", "Crimes, {0}", "crimes"),
    KpiRule("night.crimes", "lower", "Night crimes", "crimes"),
    KpiRule("night.outdoor", "lower", "Night outdoor crimes", "crimes"),
    KpiRule("day.crimes", "lower", "Day crimes", "crimes"),
    KpiRule("night.share", "neutral", "Night share of crimes", "share", "share"),
    KpiRule("night.outdoor_share", "neutral", "Outdoor share of night crimes", "share", "share"),
    KpiRule("night_outdoor_share", "neutral", "Night outdoor crimes, share of all", "share", "share"),
    KpiRule("outdoor_share", "neutral", "Outdoor share of crimes", "share", "share"),
    KpiRule("guarded_share", "neutral", "Crimes with police in reach, share", "share", "share"),
    KpiRule("mean_guardians", "neutral", "Police units in reach of crimes, mean", "units"),
    KpiRule("mean_guardianship", "neutral", "Guardianship factor at crimes, mean", "factor"),
    KpiRule("mean_light_multiplier_night_outdoor", "neutral", "Light multiplier at night outdoor crimes", "factor"),
    KpiRule("calibration.*", "neutral", "Crime calibration, {0}", "count"),
)

#: The crime KPIs a planner looks at first.
HEADLINE: tuple[str, ...] = ("per_day", "night.crimes")

#: Crimes per hour of each clock hour, drawn hour by hour in comparisons.
HOURLY: tuple[HourlyFamily, ...] = (
    HourlyFamily("by_hour", "per_hour", "crimes per hour",
                 "Crimes per hour of the day, A and B, and B − A (night shaded)", shaded=night_hours),
)
