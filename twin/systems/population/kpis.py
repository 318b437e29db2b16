"""Population KPIs: travel by mode from the run's counters, evacuations from the event log.

* ``person_km``, ``person_hours``: distance and time travelled, per mode,
  counting trips finished within the measured window (after the warm-up);
  distance is counted as it is travelled, time when a trip ends.
* ``trips``, ``mean_trip_min``: finished trips and their mean duration.
* ``evacuations``: per order, people sent, unreachable, the bound on their
  travel time (s) and the clearance time, from the order to the tick in which
  the last of them arrived (s; ``None`` if some were still on their way).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from twin.kernels.movement import METRES, STUCK, TRIP_SECONDS, TRIPS
from twin.systems.population.events import PeopleDirected, ShelterReached
from twin.systems.population.people import MODES


def travel_kpis(totals: dict[str, np.ndarray], people: dict[str, int]) -> dict[str, Any]:
    """Distance, time and trips per mode.

    Parameters
    ----------
    totals : dict
        Mode name → the movement kernel's accumulator (metres, trips, trip seconds, stuck).
    people : dict
        Mode name → number of people of that mode.
    """
    out: dict[str, Any] = {"people": dict(people), "person_km": {}, "person_hours": {}, "trips": {},
                           "mean_trip_min": {}, "trips_per_person": {}}
    for mode in MODES:
        acc = totals[mode]
        trips = int(acc[TRIPS])
        out["person_km"][mode] = float(acc[METRES] / 1000)
        out["person_hours"][mode] = float(acc[TRIP_SECONDS] / 3600)
        out["trips"][mode] = trips
        out["mean_trip_min"][mode] = float(acc[TRIP_SECONDS] / trips / 60) if trips else None
        out["trips_per_person"][mode] = trips / people[mode] if people[mode] else None
    out["stuck"] = int(sum(totals[m][STUCK] for m in MODES))
    return out


def evacuation_kpis(events: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per shelter order, from ``PeopleDirected`` and ``ShelterReached`` events."""
    if events.empty:
        return []
    directed = events[events["kind"] == PeopleDirected.kind]
    reached = events[events["kind"] == ShelterReached.kind]
    clearance = {json.loads(d)["order"]: json.loads(d)["clearance_s"] for d in reached["data"]}
    rows = []
    for time, node, data in zip(directed["time"], directed["node"], directed["data"]):
        fields = json.loads(data)
        rows.append({"order": fields["order"], "time_s": float(time), "shelter_node": int(node),
                     "people": fields["people"], "unreachable": fields["unreachable"],
                     "bound_s": fields["bound_s"], "clearance_s": clearance.get(fields["order"])})
    return rows
