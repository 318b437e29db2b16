"""The drones' KPIs from the event log: the figures drone-as-first-responder programmes publish.

Counted over the calls received after the warm-up. A *drone call* is a call a
drone took off for.

* ``eyes_on_scene_s.mean`` / ``.p90``: call received → drone over the scene, s;
* ``first_on_scene``: share of drone calls where the drone arrived before the
  first ground unit (or none ever came);
* ``cleared`` / ``cleared_share``: drone calls closed by the drone's look, no
  ground unit on scene (count, share of drone calls);
* ``head_start_s.mean`` / ``.p50``: first ground unit on scene − drone on scene,
  s, paired per call where both arrived (positive: the drone was earlier);
* ``flights``, ``flights_per_day``, ``flights_by_type.<type>``, ``flight_hours``;
* ``missed_launches`` and ``missed.<reason>``: calls the policy wanted a drone for
  and got none (no drone, battery, reserve, wind, no path).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from twin.sim.events import CallReceived, IncidentAssessed, IncidentOccurred, UnitOnScene
from twin.systems.drones.events import DroneLanded, DroneLaunched, DroneLaunchMissed, DroneOnScene


def _first(events: pd.DataFrame, kind: str) -> pd.Series:
    return events[events["kind"] == kind].groupby("incident")["time"].min()


def _number(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def flight_table(events: pd.DataFrame, warmup_s: float) -> pd.DataFrame:
    """One row per drone call received after ``warmup_s``: type, call, drone and first ground unit times (s)."""
    occurred = events[events["kind"] == IncidentOccurred.kind]
    types = pd.Series([json.loads(d)["incident_type"] for d in occurred["data"]],
                      index=occurred["incident"].to_numpy(), dtype=object)
    launched = events[events["kind"] == DroneLaunched.kind].drop_duplicates("incident").set_index("incident")
    table = pd.DataFrame(index=launched.index)
    table["incident_type"] = types.reindex(table.index)
    table["t_call"] = _first(events, CallReceived.kind).reindex(table.index)
    table["t_takeoff"] = launched["time"]
    table["t_drone"] = _first(events, DroneOnScene.kind).reindex(table.index)
    table["t_ground"] = _first(events, UnitOnScene.kind).reindex(table.index)
    assessed = events[events["kind"] == IncidentAssessed.kind]
    outcome = np.array([json.loads(d)["outcome"] == "cleared" for d in assessed["data"]], dtype=bool)
    cleared = assessed["incident"][outcome]
    table["cleared"] = table.index.isin(cleared.to_numpy())
    return table[table["t_call"] >= warmup_s]


def drone_kpis(events: pd.DataFrame, warmup_s: float, end_s: float) -> dict[str, Any]:
    """The drones' KPIs (module docstring) for calls received in [``warmup_s``, ``end_s``)."""
    table = flight_table(events, warmup_s)
    n = len(table)
    eyes = (table["t_drone"] - table["t_call"]).dropna()
    drone_first = table["t_drone"].notna() & ~(table["t_ground"] <= table["t_drone"])
    cleared = table["cleared"] & table["t_ground"].isna()
    paired = (table["t_ground"] - table["t_drone"]).dropna()
    missed = events[(events["kind"] == DroneLaunchMissed.kind) & (events["time"] >= warmup_s)]
    reasons = pd.Series([json.loads(d)["reason"] for d in missed["data"]], dtype=object)
    landed = events[(events["kind"] == DroneLanded.kind) & events["incident"].isin(table.index)]
    hours = sum(json.loads(d)["flight_s"] for d in landed["data"]) / 3600.0
    days = max(end_s - warmup_s, 1.0) / 86400.0
    return {
        "flights": n,
        "flights_per_day": n / days,
        "flights_by_type": {str(k): int(v) for k, v in table["incident_type"].value_counts().sort_index().items()},
        "eyes_on_scene_s": {"mean": _number(eyes.mean()) if len(eyes) else None,
                            "p90": _number(eyes.quantile(0.9)) if len(eyes) else None},
        "first_on_scene": float(drone_first.mean()) if n else None,
        "cleared": int(cleared.sum()),
        "cleared_share": float(cleared.mean()) if n else None,
        "head_start_s": {"mean": _number(paired.mean()) if len(paired) else None,
                         "p50": _number(paired.median()) if len(paired) else None},
        "missed_launches": int(len(missed)),
        "missed": {str(k): int(v) for k, v in reasons.value_counts().sort_index().items()},
        "flight_hours": float(hours),
    }
