"""Crime KPIs, computed from the event log alone.

Counted are the ``CrimeCommitted`` events at or after the warm-up:

* ``crimes`` and ``per_day`` (crimes / days of the measured window);
* ``by_hour`` (counts by local clock hour, keys ``"00"`` … ``"23"``, so that
  replications and comparisons get a confidence interval per hour), the outdoor
  ones among them (``by_hour_outdoor``, same keys) and ``by_type``;
* ``per_hour``: crimes per hour of each clock hour (the count over the hours of the
  window in that clock hour, so windows that are not whole days compare);
* ``outdoor_share``: outdoor crimes / all crimes; ``day.crimes``: crimes outside the night hours;
* ``night``: crimes in the night hours (``night_from_h`` to ``night_until_h``,
  18:00–06:00 by default), their share of all crimes, the outdoor ones among
  them and their share of the night's crimes; ``night_outdoor_share`` is the
  night-time outdoor crimes over all crimes — the part street light acts on;
* guardianship at the crime nodes: mean guardian units in reach, mean factor
  ``exp(-g × units)``, and the share of crimes with any guardian in reach
  (crimes that happened, so biased low by construction: guardians deter);
* ``mean_light_multiplier_night_outdoor``: the street-light multiplier where
  night-time outdoor crimes happened (1 without a lighting system);
* ``calibration``: the scale and its reference from ``CrimeCalibrated``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from twin.systems.crime.config import CrimeConfig


def crime_table(events: pd.DataFrame) -> pd.DataFrame:
    """One row per crime: time (s), node, x, y and the fields of ``CrimeCommitted``."""
    rows = events[events["kind"] == "CrimeCommitted"]
    columns = ["crime_type", "outdoor", "hour", "targets", "guardians", "guardianship", "light_multiplier"]
    data = pd.DataFrame([json.loads(d) for d in rows["data"]], index=rows.index, columns=columns)
    table = pd.concat([rows[["time", "node", "x", "y"]], data], axis=1).reset_index(drop=True)
    return table.astype({"outdoor": bool, "hour": int, "guardians": int})


def _mean(values: pd.Series) -> float | None:
    return float(values.mean()) if len(values) else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _by_hour(hours: pd.Series) -> dict[str, int]:
    """Counts per clock hour, keys ``"00"`` … ``"23"`` (every hour, zeros included)."""
    return {f"{h:02d}": int(c) for h, c in enumerate(np.bincount(hours.to_numpy(dtype=np.int64), minlength=24))}


def hour_coverage(start: datetime, warmup_s: float, end_s: float) -> np.ndarray:
    """Hours of the measured window ``[warmup_s, end_s)`` that fall into each clock hour 0–23.

    A one-day run from 00:00 with one hour of warm-up gives 0 for hour 0 and 1
    for every other hour; a two-day run from 00:00 without warm-up gives 2 everywhere.
    """
    begin, end = start + timedelta(seconds=float(warmup_s)), start + timedelta(seconds=float(end_s))
    covered = np.zeros(24)
    hour = begin.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        following = hour + timedelta(hours=1)
        covered[hour.hour] += (min(following, end) - max(hour, begin)).total_seconds() / 3600.0
        hour = following
    return covered


def per_hour(by_hour: dict[str, int], coverage: np.ndarray) -> dict[str, float | None]:
    """Crimes per hour in each clock hour: the hour's count over the hours of the window in it.

    A window that is not a whole number of days covers some clock hours less than
    others, so counts alone would not compare; an hour the window never covers is None.
    """
    return {h: by_hour[h] / coverage[i] if coverage[i] > 0 else None for i, h in enumerate(by_hour)}


def crime_kpis(events: pd.DataFrame, config: CrimeConfig, *, warmup_s: float, end_s: float,
               start: datetime | None = None) -> dict[str, Any]:
    """All crime KPIs of a run.

    Parameters
    ----------
    events : DataFrame
        The event log (:meth:`twin.sim.EventLog.frame`).
    config : CrimeConfig
        The run's crime section (night hours).
    warmup_s, end_s : float
        The measured window, seconds.
    start : datetime, optional
        Clock time of second 0; with it, ``per_hour`` gives crimes per hour of each clock hour.
    """
    table = crime_table(events)
    table = table[(table["time"] >= warmup_s) & (table["time"] < end_s)]
    crimes = len(table)
    days = (end_s - warmup_s) / 86400.0
    night_mask = np.array([config.is_night(int(h)) for h in table["hour"]], dtype=bool)
    night = table[night_mask]
    night_outdoor = int(night["outdoor"].sum())
    calibrated = events[events["kind"] == "CrimeCalibrated"]
    calibration = json.loads(calibrated["data"].iloc[0]) if len(calibrated) else {}
    by_hour = _by_hour(table["hour"])
    rates = {"per_hour": per_hour(by_hour, hour_coverage(start, warmup_s, end_s))} if start is not None else {}
    return {
        "crimes": crimes,
        "per_day": crimes / days if days > 0 else None,
        "by_hour": by_hour,
        **rates,
        "by_hour_outdoor": _by_hour(table.loc[table["outdoor"], "hour"]),
        "by_type": {str(k): int(v) for k, v in table["crime_type"].value_counts().sort_index().items()},
        "outdoor_share": _share(int(table["outdoor"].sum()), crimes),
        "day": {"crimes": crimes - len(night)},
        "night": {"crimes": len(night), "share": _share(len(night), crimes), "outdoor": night_outdoor,
                  "outdoor_share": _share(night_outdoor, len(night)),
                  "hours": f"{config.night_from_h:02d}:00-{config.night_until_h:02d}:00"},
        "night_outdoor_share": _share(night_outdoor, crimes),
        "mean_guardians": _mean(table["guardians"]),
        "mean_guardianship": _mean(table["guardianship"]),
        "guarded_share": _share(int((table["guardians"] > 0).sum()), crimes),
        "mean_light_multiplier_night_outdoor": _mean(night.loc[night["outdoor"], "light_multiplier"]),
        "calibration": {key: calibration.get(key) for key in ("base", "per_day", "reference_per_day",
                                                              "targets_source", "guardians", "guardian_nodes")},
    }
