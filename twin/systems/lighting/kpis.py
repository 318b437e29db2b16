"""Street-lighting KPIs, computed from the event log alone.

* **Energy and cost** come from the ``LightingEnergy`` summaries. A summary that
  straddles the start of the measured window (the warm-up) counts in proportion
  to its overlap. ``kwh_per_night`` is the energy per 24 h of the measured
  window — one night's worth of darkness, whatever hour the run starts at — and
  ``by_night`` splits the energy by night, a night running from local noon to the
  next noon and named by its evening's date (partial nights at a run's ends included).
* **Mean level at night** is the time-weighted mean level of all luminaires
  (failed ones count 0) while the sun is below civil twilight.
* **Lit-km share** is lit road length over all road length (two-way roads once),
  from ``LightingInstalled``.
* **Outages** count luminaires failed and repaired in the window, with the mean
  time a repaired luminaire was dark.
* **Energy by policy** (``energy_by_policy_kwh``) is ``kwh_per_night`` of the same
  nights under each built-in policy with default parameters, and under the run's
  own (entry ``energy_by_policy_run``), from the summaries' ``kwh_by_policy``
  prorated like the energy (see :mod:`twin.systems.lighting.comparison`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from twin.systems.lighting.events import LightFailed, LightingEnergy, LightingInstalled, LightRepaired


def _data(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    rows = events[events["kind"] == kind]
    parsed = pd.DataFrame([json.loads(d) for d in rows["data"]], index=rows.index)
    return pd.concat([rows[["time"]], parsed], axis=1)


def lighting_kpis(events: pd.DataFrame, *, start: datetime, warmup_s: float, end_s: float) -> dict[str, Any]:
    """All lighting KPIs of a run.

    Parameters
    ----------
    events : DataFrame
        The event log (:meth:`twin.sim.EventLog.frame`).
    start : datetime
        Local wall-clock time of simulated second 0 (to name the nights).
    warmup_s, end_s : float
        The measured window, seconds.

    Returns
    -------
    dict
        ``energy_kwh``, ``cost``, ``kwh_per_night``, ``cost_per_night`` (currency
        per night), ``mean_level_night`` (0 … 1), ``dark_hours``, ``lit_km_share``,
        ``lights``, ``installed_kw``, ``policy``, ``currency``, ``by_night`` and
        ``outages`` (``lights_failed``, ``lights_repaired``, ``mean_repair_s``),
        ``energy_by_policy_kwh`` (policy → kWh per night) and ``energy_by_policy_run``
        (the run's own entry there).
    """
    installed = _data(events, LightingInstalled.kind)
    info = installed.iloc[0].to_dict() if len(installed) else {}
    energy = _data(events, LightingEnergy.kind)
    window = max(end_s - warmup_s, 0.0)
    per_night = 86400.0 / window if window > 0 else float("nan")
    by_policy: dict[str, float] = {}
    if len(energy):
        s, e = energy["start_s"].to_numpy(float), energy["end_s"].to_numpy(float)
        overlap = np.clip(np.minimum(e, end_s) - np.maximum(s, warmup_s), 0.0, None)
        share = np.divide(overlap, e - s, out=np.zeros(len(s)), where=e > s)
        kwh = energy["kwh"].to_numpy(float) * share
        cost = energy["cost"].to_numpy(float) * share
        dark_s = float(np.dot(energy["dark_s"].to_numpy(float), share))
        level_dark_s = float(np.dot(energy["level_dark_s"].to_numpy(float), share))
        nights = [(start + timedelta(seconds=float(t)) - timedelta(hours=12)).date().isoformat() for t in s]
        by_night_frame = pd.DataFrame({"night": nights, "kwh": kwh, "cost": cost}).groupby("night").sum()
        by_night = {night: {"kwh": float(row.kwh), "cost": float(row.cost)}
                    for night, row in by_night_frame.iterrows() if row.kwh > 0 or row.cost > 0}
        if "kwh_by_policy" in energy:
            policies = pd.DataFrame(energy["kwh_by_policy"].tolist()).fillna(0.0)
            # The same proration and sum as the run's own energy, so its entry equals kwh_per_night.
            by_policy = {str(name): float((policies[name].to_numpy(float) * share).sum()) * per_night
                         for name in policies.columns}
    else:
        kwh = cost = np.zeros(0)
        dark_s = level_dark_s = 0.0
        by_night = {}
    total_kwh, total_cost = float(kwh.sum()), float(cost.sum())

    def in_window(kind: str) -> pd.DataFrame:
        rows = _data(events, kind)
        return rows[(rows["time"] >= warmup_s) & (rows["time"] <= end_s)] if len(rows) else rows

    failed, repaired = in_window(LightFailed.kind), in_window(LightRepaired.kind)
    n_repaired = int(repaired["lights"].sum()) if len(repaired) else 0
    road_km = float(info.get("road_km", 0.0))
    return {
        "policy": info.get("policy"),
        "lights": int(info.get("lights", 0)),
        "installed_kw": float(info.get("installed_kw", 0.0)),
        "lit_km": float(info.get("lit_km", 0.0)),
        "lit_km_share": float(info.get("lit_km", 0.0)) / road_km if road_km > 0 else None,
        "energy_kwh": total_kwh,
        "cost": total_cost,
        "currency": info.get("currency"),
        "kwh_per_night": total_kwh * per_night,
        "cost_per_night": total_cost * per_night,
        "dark_hours": dark_s / 3600.0,
        "mean_level_night": level_dark_s / dark_s if dark_s > 0 else None,
        "by_night": by_night,
        "outages": {
            "lights_failed": int(failed["lights"].sum()) if len(failed) else 0,
            "lights_repaired": n_repaired,
            "mean_repair_s": float(repaired["down_s"].sum()) / n_repaired if n_repaired else None,
        },
        "energy_by_policy_kwh": by_policy,
        "energy_by_policy_run": info.get("compared_as") or None,
    }

