"""Per-replication quantities that a comparison derives from the KPIs: crime by hour, day and night.

The crime system counts crimes by clock hour over the measured window (the run
after its warm-up). A window that is not a whole number of days covers some hours
less than others (a day with a one-hour warm-up never measures 00:00–00:59), so
the counts are turned into **crimes per hour**: each clock hour's count divided
by the hours of the window that fell into that clock hour. Hours the window never
covers are NaN, not zero.

The functions return runs tables (``variant``, ``replication`` and KPI columns)
that :func:`twin.experiments.compare.differences` compares like any other KPI
(:mod:`twin.experiments.kpis` knows the derived keys ``crime.per_hour.HH`` and
``crime.day.crimes``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import numpy as np
import pandas as pd
from pydantic import BaseModel

HOURS = tuple(f"{h:02d}" for h in range(24))
BY_HOUR = "crime.by_hour."
PER_HOUR = "crime.per_hour."


def hour_coverage(scenario: BaseModel) -> np.ndarray:
    """Hours of the measured window (after the warm-up) in each clock hour 0–23, on the scenario's clock.

    A one-day run from 00:00 with one hour of warm-up gives 0 for hour 0 and 1
    for every other hour; a two-day run from 00:00 without warm-up gives 2 everywhere.
    """
    run = scenario.run
    begin = run.start + timedelta(seconds=float(run.warmup))
    end = run.start + timedelta(seconds=float(run.duration))
    covered = np.zeros(24)
    hour = begin.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        following = hour + timedelta(hours=1)
        covered[hour.hour] += (min(following, end) - max(hour, begin)).total_seconds() / 3600.0
        hour = following
    return covered


def has_kpis(runs: pd.DataFrame, keys: list[str]) -> bool:
    """Whether both variants have a value of every KPI in ``keys`` in some replication."""
    if not set(keys) <= set(runs.columns):
        return False
    return all(runs.loc[runs["variant"] == v, keys].notna().any().all() for v in ("A", "B"))


def _derived(runs: pd.DataFrame, columns: dict[str, Callable[[pd.DataFrame, str], pd.Series]]) -> pd.DataFrame:
    """``variant``, ``replication`` and one column per entry of ``columns`` (``f(rows of a variant, variant)``)."""
    parts = []
    for variant, rows in runs.groupby("variant", sort=True):
        part = rows[["variant", "replication"]].copy()
        for name, f in columns.items():
            part[name] = f(rows, str(variant))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def crime_per_hour(runs: pd.DataFrame, scenarios: dict[str, BaseModel]) -> pd.DataFrame | None:
    """Crimes per hour of each clock hour, per run: columns ``crime.per_hour.00`` … ``23``.

    Parameters
    ----------
    runs : DataFrame
        A comparison's runs table (``variant``, ``replication``, ``crime.by_hour.HH``).
    scenarios : dict
        ``{"A": scenario, "B": scenario}``: their run windows give each hour's coverage.

    Returns
    -------
    DataFrame or None
        None unless both variants report crimes by hour. An hour outside both
        windows is NaN.
    """
    if not has_kpis(runs, [BY_HOUR + h for h in HOURS]):
        return None
    coverage = {v: hour_coverage(s) for v, s in scenarios.items()}

    def rate(h: int) -> Callable[[pd.DataFrame, str], pd.Series]:
        def f(rows: pd.DataFrame, variant: str) -> pd.Series:
            hours = coverage[variant][h]
            return rows[BY_HOUR + HOURS[h]] / hours if hours > 0 else rows[BY_HOUR + HOURS[h]] * np.nan
        return f

    return _derived(runs, {PER_HOUR + HOURS[h]: rate(h) for h in range(24)})


def crime_day_night(runs: pd.DataFrame) -> pd.DataFrame | None:
    """Crimes at night, night-time outdoor crimes, day crimes (all less night) and all crimes, per run.

    Columns ``crime.night.crimes``, ``crime.night.outdoor``, ``crime.day.crimes``,
    ``crime.crimes``; None unless both variants report crimes at night.
    """
    keys = ["crime.night.crimes", "crime.night.outdoor", "crime.crimes"]
    if not has_kpis(runs, keys):
        return None
    return _derived(runs, {
        "crime.night.crimes": lambda rows, _: rows["crime.night.crimes"],
        "crime.night.outdoor": lambda rows, _: rows["crime.night.outdoor"],
        "crime.day.crimes": lambda rows, _: rows["crime.crimes"] - rows["crime.night.crimes"],
        "crime.crimes": lambda rows, _: rows["crime.crimes"],
    })


def night_hours(scenario: BaseModel) -> list[int]:
    """The clock hours the crime KPIs count as night (``crime.night_from_h`` to ``night_until_h``)."""
    crime = getattr(scenario, "crime", None)
    return [h for h in range(24) if crime is not None and crime.is_night(h)]
