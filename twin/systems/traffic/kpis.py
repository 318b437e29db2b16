"""Traffic KPIs, computed from the event log alone.

* **Signal delay and speed** come from the ``TrafficState`` rows, one per
  refresh period; a period straddling the start (warm-up) or the end of the
  measured window counts in proportion to its overlap. ``signal_delay_s.mean``
  is the mean delay per vehicle passing a signal (total delay over vehicles);
  ``travel_time_index`` the vehicle-hours driven over the vehicle-hours they
  would take at free-flow speed; ``mean_speed_kmh`` vehicle-km over vehicle-hours.
* **Collisions** count ``TrafficCollision`` rows in the window, in total, per
  day (per 24 h of the window), by site kind, and those involving pedestrians.
* **Preemption** sums the ``SignalsPreempted`` rows in the window: emergency
  trips followed, signals passed, signals preempted, the signal delay avoided
  (estimated, network seconds) and the delay added to cross-street traffic
  (vehicle-hours), also per day.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from twin.systems.traffic.collisions import SITE_KINDS
from twin.systems.traffic.events import SignalsPreempted, TrafficCollision, TrafficInstalled, TrafficState


def _data(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    rows = events[events["kind"] == kind]
    parsed = pd.DataFrame([json.loads(d) for d in rows["data"]], index=rows.index)
    return pd.concat([rows[["time"]], parsed], axis=1)


def _in_window(rows: pd.DataFrame, warmup_s: float, end_s: float) -> pd.DataFrame:
    return rows[(rows["time"] >= warmup_s) & (rows["time"] <= end_s)] if len(rows) else rows


def traffic_kpis(events: pd.DataFrame, *, warmup_s: float, end_s: float) -> dict[str, Any]:
    """All traffic KPIs of a run.

    Parameters
    ----------
    events : DataFrame
        The event log (:meth:`twin.sim.EventLog.frame`).
    warmup_s, end_s : float
        The measured window, seconds.

    Returns
    -------
    dict
        ``policy``, ``controllers``, ``equipped_signals``, ``smart_crosswalks``,
        ``signal_delay_s`` (``mean``, seconds per vehicle at a signal),
        ``signal_delay_veh_h``, ``vehicle_km``, ``travel_time_index``,
        ``mean_speed_kmh``, ``mean_cycle_s``, ``collisions`` (``total``,
        ``per_day``, ``pedestrian``, ``pedestrian_per_day``, ``expected_per_day``,
        counts by site, ``at_smart_crosswalks``) and ``preemption`` (``enabled``,
        ``trips``, ``signals_passed``, ``preemptions``, ``preemptions_per_day``,
        ``saved_per_trip_est``, ``cross_delay_veh_h``, ``cross_delay_veh_h_per_day``).
    """
    installed = _data(events, TrafficInstalled.kind)
    info = installed.iloc[0].to_dict() if len(installed) else {}
    window = max(end_s - warmup_s, 0.0)
    per_day = 86400.0 / window if window > 0 else float("nan")

    states = _data(events, TrafficState.kind)
    if len(states):
        s, e = states["start_s"].to_numpy(float), states["end_s"].to_numpy(float)
        overlap = np.clip(np.minimum(e, end_s) - np.maximum(s, warmup_s), 0.0, None)
        share = np.divide(overlap, e - s, out=np.zeros(len(s)), where=e > s)

        def total(column: str) -> float:
            return float(np.dot(states[column].to_numpy(float), share))

        vehicle_km, vehicle_h, free_h = total("vehicle_km"), total("vehicle_h"), total("free_flow_vehicle_h")
        signal_vehicles, delay_h = total("signal_vehicles"), total("signal_delay_veh_h")
        mean_cycle = float(np.dot(states["mean_cycle_s"].to_numpy(float), overlap) / overlap.sum()) \
            if overlap.sum() > 0 else None
    else:
        vehicle_km = vehicle_h = free_h = signal_vehicles = delay_h = 0.0
        mean_cycle = None

    collisions = _in_window(_data(events, TrafficCollision.kind), warmup_s, end_s)
    n = len(collisions)
    pedestrian = int(collisions["pedestrian"].sum()) if n else 0
    by_site = {kind: int((collisions["site"] == kind).sum()) if n else 0 for kind in SITE_KINDS}

    trips = _in_window(_data(events, SignalsPreempted.kind), warmup_s, end_s)
    n_trips = len(trips)
    preempted = int(trips["preempted"].sum()) if n_trips else 0
    cross_h = float(trips["cross_delay_veh_s"].sum()) / 3600.0 if n_trips else 0.0
    return {
        "policy": info.get("policy"),
        "controllers": int(info.get("controllers", 0)),
        "equipped_signals": int(info.get("equipped", 0)),
        "smart_crosswalks": int(info.get("smart_crosswalks", 0)),
        "signal_delay_s": {"mean": delay_h * 3600.0 / signal_vehicles if signal_vehicles > 0 else None},
        "signal_delay_veh_h": delay_h,
        "vehicle_km": vehicle_km,
        "travel_time_index": vehicle_h / free_h if free_h > 0 else None,
        "mean_speed_kmh": vehicle_km / vehicle_h if vehicle_h > 0 else None,
        "mean_cycle_s": mean_cycle,
        "collisions": {
            "total": n,
            "per_day": n * per_day,
            "expected_per_day": float(info.get("expected_collisions_per_day", 0.0)),
            "pedestrian": pedestrian,
            "pedestrian_per_day": pedestrian * per_day,
            "at_smart_crosswalks": int(collisions["smart_crosswalk"].sum()) if n else 0,
            "by_site": by_site,
        },
        "preemption": {
            "enabled": bool(info.get("preemption", False)),
            "trips": n_trips,
            "signals_passed": int(trips["signals"].sum()) if n_trips else 0,
            "preemptions": preempted,
            "preemptions_per_day": preempted * per_day,
            "saved_per_trip_est": float(trips["saved_s"].mean()) if n_trips else None,
            "cross_delay_veh_h": cross_h,
            "cross_delay_veh_h_per_day": cross_h * per_day,
            "cross_delay_per_preemption_veh_s": cross_h * 3600.0 / preempted if preempted else None,
        },
    }
