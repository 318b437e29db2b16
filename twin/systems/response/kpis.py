"""Emergency-response KPIs, computed from the event log alone.

Intervals of an incident (seconds):

* ``call_to_answer``: call received → answered by a call-taker;
* ``answer_to_dispatch``: answered → first unit dispatched (interview,
  dispatcher processing and any wait for a free unit);
* ``travel``: the first unit on scene, from leaving to arriving;
* ``response``: call received → first unit on scene.

Only incidents whose call came after the warm-up count. Utilisation is the share
of unit-time spent between dispatch and clearing, within ``[warm-up, end]``.
The queue is the number of (incident, unit type) requests waiting for a unit.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from twin.sim.events import CallReceived, IncidentAssessed, IncidentOccurred, UnitDispatched, UnitOnScene
from twin.systems.response.events import (
    CallAnswered,
    DispatchRequested,
    IncidentDequeued,
    IncidentQueued,
    UnitCleared,
    UnitEnRoute,
)

INTERVALS = ("call_to_answer", "answer_to_dispatch", "travel", "response")


def incident_table(events: pd.DataFrame) -> pd.DataFrame:
    """One row per incident: type, priority and the times of its milestones (s)."""
    occurred = events[events["kind"] == IncidentOccurred.kind]
    data = occurred["data"].map(json.loads)
    table = pd.DataFrame({
        "incident": occurred["incident"].to_numpy(),
        "incident_type": [d["incident_type"] for d in data],
        "priority": [int(d["priority"]) for d in data],
        "x": occurred["x"].to_numpy(), "y": occurred["y"].to_numpy(),
    }).set_index("incident")

    def first(kind: str) -> pd.Series:
        rows = events[events["kind"] == kind]
        return rows.groupby("incident")["time"].min()

    table["t_call"] = first(CallReceived.kind)
    table["t_answer"] = first(CallAnswered.kind)
    table["t_ready"] = first(DispatchRequested.kind)
    table["t_dispatch"] = first(UnitDispatched.kind)
    on_scene = events[events["kind"] == UnitOnScene.kind].sort_values(["time", "seq"])
    first_arrival = on_scene.drop_duplicates("incident")
    table["t_on_scene"] = first_arrival.set_index("incident")["time"]
    first_unit = first_arrival.set_index("incident")["unit"]
    # First departure of each unit for each incident (robust to a unit sent twice).
    en_route = events[events["kind"] == UnitEnRoute.kind].groupby(["incident", "unit"])["time"].min()
    keys = list(zip(first_unit.index, first_unit.to_numpy()))
    table["t_en_route"] = pd.Series(en_route.reindex(keys).to_numpy(), index=first_unit.index)
    table["call_to_answer"] = table["t_answer"] - table["t_call"]
    table["answer_to_dispatch"] = table["t_dispatch"] - table["t_answer"]
    table["travel"] = table["t_on_scene"] - table["t_en_route"]
    table["response"] = table["t_on_scene"] - table["t_call"]
    return table


def _stats(values: pd.Series) -> dict[str, float | None]:
    values = values.dropna()
    if values.empty:
        return {"mean": None, "p50": None, "p90": None}
    return {"mean": float(values.mean()), "p50": float(values.quantile(0.5)), "p90": float(values.quantile(0.9))}


def _group_kpis(group: pd.DataFrame) -> dict[str, Any]:
    served = group["response"].notna()
    out: dict[str, Any] = {"incidents": int(len(group)), "served": int(served.sum())}
    for interval in INTERVALS:
        out[f"{interval}_s"] = _stats(group[interval])
    out["within_target"] = float((group["response"] <= group["target_s"]).mean()) if len(group) else None
    return out


def busy_share(events: pd.DataFrame, fleet: dict[str, int], start_s: float, end_s: float) -> dict[str, float]:
    """Utilisation per unit type: busy unit-seconds / (units × window)."""
    units = events[events["kind"].isin([UnitDispatched.kind, UnitCleared.kind])].sort_values("seq")
    unit_type = events[events["kind"] == UnitDispatched.kind].groupby("unit")["data"].first().map(
        lambda d: json.loads(d)["unit_type"])
    busy = dict.fromkeys(fleet, 0.0)
    since: dict[int, float] = {}
    for kind, unit, time in zip(units["kind"], units["unit"], units["time"]):
        if kind == UnitDispatched.kind:
            since.setdefault(unit, time)
        elif unit in since:
            t0 = since.pop(unit)
            busy[unit_type[unit]] += max(0.0, min(time, end_s) - max(t0, start_s))
    for unit, t0 in since.items():  # still busy at the end
        busy[unit_type[unit]] += max(0.0, end_s - max(t0, start_s))
    window = end_s - start_s
    return {t: busy[t] / (n * window) if n and window > 0 else 0.0 for t, n in fleet.items()}


def queue_stats(events: pd.DataFrame, start_s: float, end_s: float) -> dict[str, float]:
    """Time-weighted mean and maximum of the pending queue within ``[start, end]``."""
    changes = events[events["kind"].isin([IncidentQueued.kind, IncidentDequeued.kind])].sort_values("seq")
    steps = np.where(changes["kind"] == IncidentQueued.kind, 1, -1)
    times = np.concatenate([[0.0], changes["time"].to_numpy(), [end_s]])
    length = np.concatenate([[0], np.cumsum(steps)])
    t0 = np.clip(times[:-1], start_s, end_s)
    t1 = np.clip(times[1:], start_s, end_s)
    window = end_s - start_s
    in_window = length[(times[1:] > start_s) & (times[:-1] <= end_s)]
    return {"mean": float(np.sum(length * (t1 - t0)) / window) if window > 0 else 0.0,
            "max": int(in_window.max()) if in_window.size else 0}


def response_kpis(events: pd.DataFrame, fleet: dict[str, int], targets: dict[str, float], *,
                  warmup_s: float, end_s: float) -> dict[str, Any]:
    """All response KPIs of a run.

    Parameters
    ----------
    events : DataFrame
        The event log (:meth:`twin.sim.EventLog.frame`).
    fleet : dict
        Units per type.
    targets : dict
        Response-time target per incident type, seconds.
    warmup_s, end_s : float
        The measured window, seconds.
    """
    table = incident_table(events)
    table = table[table["t_call"] >= warmup_s].copy()
    # A call assessed as needing no unit (IncidentAssessed "cleared", e.g. by a drone) that no unit
    # reached is neither served nor unserved: it leaves the response times and is counted apart.
    assessed = events[events["kind"] == IncidentAssessed.kind]
    outcome = np.array([json.loads(d).get("outcome") == "cleared" for d in assessed["data"]], dtype=bool)
    cleared = assessed["incident"][outcome]
    no_unit = table.index.isin(cleared.to_numpy()) & table["t_on_scene"].isna().to_numpy()
    table = table[~no_unit]
    table["target_s"] = table["incident_type"].map(targets)
    return {
        "all": _group_kpis(table),
        "by_priority": {f"p{p}": _group_kpis(g) for p, g in table.groupby("priority")},
        "by_type": {str(t): _group_kpis(g) for t, g in table.groupby("incident_type")},
        "utilisation": busy_share(events, fleet, warmup_s, end_s),
        "queue": queue_stats(events, warmup_s, end_s),
        "unserved": int(table["response"].isna().sum()),
        "cleared_without_unit": int(no_unit.sum()),
    }
