"""How the traffic KPIs read and show: rules, the console table, the report's "Traffic" section.

The table reads the traffic KPIs (:mod:`twin.systems.traffic.kpis`); the figure
the sampled ``signal_delay_s``, ``travel_time_index``, ``traffic_collisions_so_far``
and ``preemptions_so_far`` columns (values of the current refresh period, and
counts so far).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.ticker import MaxNLocator

from twin.present.console import kpi_table
from twin.present.format import format_number
from twin.present.kpis import KpiRule
from twin.present.plotting import time_panels
from twin.present.stored import StoredRun
from twin.present.tables import Figure, Section, Table

if TYPE_CHECKING:
    from twin.sim.system import System

#: How each collision site kind reads in the table.
SITE_LABELS: dict[str, str] = {"link": "between junctions", "signal": "at signals",
                               "junction": "at other junctions", "crossing": "at pedestrian crossings"}


def _per_day(total: str, per_day: float | None, decimals: int = 1) -> str:
    """``"17"`` and ``17.7`` → ``"17 (17.7 per day)"``."""
    return f"{total} ({format_number(per_day, decimals)} per day)"


def traffic_table(kpis: Mapping[str, Any]) -> Table:
    """Signals, delay, distance, collisions (by site kind) and, when on, preemption.

    Parameters
    ----------
    kpis : mapping
        The traffic KPIs (:func:`twin.systems.traffic.kpis.traffic_kpis`).
    """
    collisions, preemption = kpis["collisions"], kpis["preemption"]
    rows = [
        ("Signal policy", str(kpis["policy"])),
        ("Signal controllers", format_number(kpis["controllers"])),
        ("Mean signal delay per vehicle", format_number(kpis["signal_delay_s"]["mean"], 1, "s")),
        ("Signal delay", format_number(kpis["signal_delay_veh_h"], 0, "vehicle-h")),
        ("Vehicle-km driven", format_number(kpis["vehicle_km"])),
        ("Travel time index (1 = free flow)", format_number(kpis["travel_time_index"], 2)),
        ("Mean speed", format_number(kpis["mean_speed_kmh"], 1, "km/h")),
        ("Collisions", _per_day(f"{collisions['total']:,}", collisions["per_day"])),
        ("Collisions expected per day", format_number(collisions["expected_per_day"], 1)),
    ]
    rows += [(f"… {SITE_LABELS.get(kind, kind)}", format_number(n)) for kind, n in collisions["by_site"].items()]
    rows.append(("… with pedestrians", format_number(collisions["pedestrian"])))
    if kpis.get("smart_crosswalks"):
        rows.append((f"… at smart crosswalks ({kpis['smart_crosswalks']:,} installed)",
                     format_number(collisions["at_smart_crosswalks"])))
    if preemption["enabled"]:
        rows += [
            ("Signals equipped for preemption", format_number(kpis["equipped_signals"])),
            ("Emergency trips followed", format_number(preemption["trips"])),
            ("Preemptions", _per_day(f"{preemption['preemptions']:,}", preemption["preemptions_per_day"])),
            ("Signal delay saved per trip (estimate)", format_number(preemption["saved_per_trip_est"], 1, "s")),
            ("Cross-traffic delay from preemption",
             _per_day(format_number(preemption["cross_delay_veh_h"], 2, "vehicle-h"),
                      preemption["cross_delay_veh_h_per_day"], 2)),
        ]
    return Table(("Indicator", "Value"), rows,
                 note="After the warm-up. Signal delay is Webster's mean delay at the stop line, weighted by "
                      "the vehicles passing; the travel time index is vehicle-hours over free-flow vehicle-hours.")


def delay_over_time(timeseries: pd.DataFrame, start: datetime, out: Path, *, warmup_s: float = 0.0,
                    preemption: bool = False) -> Path:
    """Signal delay per vehicle, travel time index and collisions so far, over clock time.

    Parameters
    ----------
    timeseries : DataFrame
        The model's samples: ``time_s`` (s), ``signal_delay_s`` (s per vehicle),
        ``travel_time_index`` (ratio), ``traffic_collisions_so_far`` and ``preemptions_so_far``
        (cumulative counts; folders written before they were so named have ``traffic_collisions``
        and ``preemptions``).
    start, out, warmup_s
        Clock time of second 0, the PNG to write, end of the warm-up (s; shaded).
    preemption : bool
        Also draw the preemptions so far.

    Returns
    -------
    Path
        ``out``.
    """
    timeseries = timeseries.rename(columns={"traffic_collisions": "traffic_collisions_so_far",
                                            "preemptions": "preemptions_so_far"})
    panels = time_panels(timeseries, start, (1.6, 1.2, 1), 6.5)
    (delay, index, counts), clock = panels.axes, panels.clock
    delay.step(clock, timeseries["signal_delay_s"], where="post", color="#c62828", linewidth=1.6)
    delay.set_ylim(0, max(1.0, float(timeseries["signal_delay_s"].max()) * 1.15))
    delay.set_ylabel("Signal delay\n(s per vehicle)")
    delay.set_title("Traffic over the run")
    index.step(clock, timeseries["travel_time_index"], where="post", color="#1565c0", linewidth=1.6)
    index.axhline(1.0, color="#9e9e9e", linestyle=":", linewidth=1)
    index.set_ylim(min(0.95, float(timeseries["travel_time_index"].min())),
                   max(1.1, float(timeseries["travel_time_index"].max()) * 1.05))
    index.set_ylabel("Travel time\nindex")
    # Counts since the start of the run, so the warm-up's show as the level at its end.
    lines = counts.step(clock, timeseries["traffic_collisions_so_far"], where="post", color="#424242", linewidth=1.4,
                        label="collisions (left)" if preemption else "collisions")
    counts.set_ylim(0, max(1, int(timeseries["traffic_collisions_so_far"].max())) * 1.25)
    counts.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    counts.set_ylabel("Count\nso far")
    if preemption and "preemptions_so_far" in timeseries:
        # Preemptions outnumber collisions a hundredfold: an axis of their own keeps both readable.
        right = counts.twinx()
        lines += right.step(clock, timeseries["preemptions_so_far"], where="post", color="#6a1b9a", linewidth=1.4,
                            label="signal preemptions (right)")
        right.set_ylim(0, max(1, int(timeseries["preemptions_so_far"].max())) * 1.25)
        right.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        right.tick_params(axis="y", colors="#6a1b9a")
        counts.legend(lines, [line.get_label() for line in lines], loc="upper left", fontsize=8, framealpha=0.95)
    return panels.finish(out, warmup_s=warmup_s)


def section(run: StoredRun) -> Section:
    """The "Traffic" section of a stored run: its table and the figure over time."""
    figure = delay_over_time(run.timeseries, run.start, run.figures / "traffic_delay.png",
                             warmup_s=run.warmup_s, preemption=run.kpis["preemption"]["enabled"])
    return Section("Traffic", [traffic_table(run.kpis)],
                   [Figure("traffic_delay", figure,
                           "Signal delay per vehicle, travel time index and collisions over the run")])


def console_table(system: type[System], kpis: Mapping[str, Any], config: Any) -> Table | None:
    """The headline KPIs on the console; preemption's only when it is enabled."""
    keys = [k for k in HEADLINE if not (k.startswith("preemption.") and not kpis.get("preemption", {}).get("enabled"))]
    return kpi_table(system, kpis, config, keys)


#: How to read the traffic KPIs: delay, collisions and cross-traffic delay are worse when higher.
RULES: tuple[KpiRule, ...] = (
    KpiRule("controllers", "neutral", "Signal controllers", "signals"),
    KpiRule("equipped_signals", "neutral", "Signals equipped for preemption", "signals"),
    KpiRule("smart_crosswalks", "neutral", "Smart crosswalks", "crosswalks"),
    KpiRule("signal_delay_s.mean", "lower", "Signal delay per vehicle, mean", "s", "s"),
    KpiRule("signal_delay_veh_h", "lower", "Signal delay (veh·h)", "veh·h"),
    KpiRule("vehicle_km", "neutral", "Vehicle-km", "veh·km"),
    KpiRule("travel_time_index", "lower", "Travel time index", "index"),
    KpiRule("mean_speed_kmh", "higher", "Mean speed (km/h)", "km/h"),
    KpiRule("mean_cycle_s", "neutral", "Signal cycle, mean", "s", "s"),
    KpiRule("collisions.expected_per_day", "neutral", "Collisions expected per day (calibration)", "collisions/day"),
    KpiRule("collisions.total", "lower", "Collisions", "collisions"),
    KpiRule("collisions.per_day", "lower", "Collisions per day", "collisions/day"),
    KpiRule("collisions.pedestrian", "lower", "Pedestrian collisions", "collisions"),
    KpiRule("collisions.pedestrian_per_day", "lower", "Pedestrian collisions per day", "collisions/day"),
    KpiRule("collisions.at_smart_crosswalks", "lower", "Collisions at smart crosswalks", "collisions"),
    KpiRule("collisions.by_site.*", "lower", "Collisions, {0}", "collisions"),
    KpiRule("preemption.enabled", "neutral", "Preemption enabled", "yes = 1"),
    KpiRule("preemption.trips", "neutral", "Trips with preemption", "trips"),
    KpiRule("preemption.signals_passed", "neutral", "Signals passed on preempting trips", "signals"),
    KpiRule("preemption.preemptions", "neutral", "Preemptions", "preemptions"),
    KpiRule("preemption.preemptions_per_day", "neutral", "Preemptions per day", "preemptions/day"),
    KpiRule("preemption.saved_per_trip_est", "higher", "Signal delay saved per trip (est.)", "s", "s"),
    KpiRule("preemption.cross_delay_veh_h", "lower", "Cross-traffic delay from preemption (veh·h)", "veh·h"),
    KpiRule("preemption.cross_delay_veh_h_per_day", "lower", "Cross-traffic delay from preemption per day (veh·h)",
            "veh·h/day"),
    KpiRule("preemption.cross_delay_per_preemption_veh_s", "lower", "Cross-traffic delay per preemption (veh·s)",
            "veh·s"),
)

#: The traffic KPIs a planner looks at first.
HEADLINE: tuple[str, ...] = ("collisions.per_day", "signal_delay_s.mean", "preemption.cross_delay_veh_h_per_day")
