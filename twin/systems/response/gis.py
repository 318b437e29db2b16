"""The response system's GIS layers: incidents, stations, hospitals and units, in WGS 84.

Drawn from the stored run alone (the event log and the side tables), written to the
run's ``gis/`` folder (:mod:`twin.report.gis`); columns in ``docs/outputs.md``.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd

from twin.errors import TwinError
from twin.present.gis import point_layer
from twin.present.stored import StoredRun
from twin.sim.events import IncidentOccurred, UnitDispatched
from twin.systems.response.events import UnitAtHospital, UnitEnRoute
from twin.systems.response.kpis import incident_table

#: The stages of an incident, by column prefix, and the column of :func:`incident_table` each comes from.
STAGES = {"occurred": "t_occurred", "call_received": "t_call", "answered": "t_answer",
          "dispatched": "t_dispatch", "en_route": "t_first_en_route", "on_scene": "t_on_scene"}


def _crs(run: StoredRun) -> str:
    return run.crs or run.city.crs


def _placed(run: StoredRun, table: pd.DataFrame) -> pd.DataFrame:
    """A side table with ``x``, ``y``: as written, or (folders written before they were) its node's position."""
    if "x" not in table:
        net = run.city.drive
        table = table.assign(x=net.x[table["node"].to_numpy()], y=net.y[table["node"].to_numpy()])
    if "placement" not in table:
        table = table.assign(placement=pd.NA)
    return table


def incidents(run: StoredRun) -> gpd.GeoDataFrame:
    """One point per incident: type, priority, each stage's time (s and clock), response, target, units sent."""
    events, config = run.events, run.config
    table = incident_table(events)
    occurred = events[events["kind"] == IncidentOccurred.kind].set_index("incident")
    table["node"] = occurred["node"]
    table["t_occurred"] = occurred["time"]
    table["t_first_en_route"] = events[events["kind"] == UnitEnRoute.kind].groupby("incident")["time"].min()
    dispatched = events[events["kind"] == UnitDispatched.kind]
    sent = dispatched.groupby("incident")["unit"].nunique()
    out = pd.DataFrame({"incident_type": table["incident_type"], "priority": table["priority"].astype("int8"),
                        "node": table["node"]}, index=table.index.rename("incident"))
    for stage, column in STAGES.items():
        out[f"{stage}_s"] = table[column]
    out["response_s"] = table["response"]
    out["target_s"] = table["incident_type"].map({name: config.target_of(name) for name in config.incident_types})
    out["within_target"] = (out["response_s"] <= out["target_s"]).to_numpy()  # unserved: not within
    out["served"] = out["on_scene_s"].notna()
    out["units_sent"] = sent.reindex(out.index, fill_value=0).astype("int32")
    out["measured"] = out["call_received_s"] >= run.warmup_s
    for stage in STAGES:
        out[f"{stage}_at"] = run.clock(out[f"{stage}_s"])
    out["x"], out["y"] = table["x"], table["y"]
    return point_layer(out, _crs(run))


def stations(run: StoredRun) -> gpd.GeoDataFrame:
    """One point per station and unit type based there: name, unit type, units, how it was placed."""
    table = _placed(run, run.table("stations"))
    table["auto"] = table["placement"] != "given"
    return point_layer(table, _crs(run))


def hospitals(run: StoredRun) -> gpd.GeoDataFrame:
    """One point per hospital: name, how it was placed, patients handed over in the run."""
    table = _placed(run, run.table("hospitals"))
    arrivals = run.events[run.events["kind"] == UnitAtHospital.kind]
    index = [json.loads(text)["hospital"] for text in arrivals["data"]]
    counts = np.bincount(np.asarray(index, dtype=np.int64), minlength=len(table))[:len(table)]
    table["auto"] = table["placement"] != "given"
    table["patients"] = counts.astype("int32")
    return point_layer(table, _crs(run))


def units(run: StoredRun) -> gpd.GeoDataFrame:
    """One point per unit at its first home station: id, type, station, dispatches in the run."""
    try:
        table = run.table("units")
    except TwinError:  # a folder written before units had a table: nothing to draw
        return point_layer(pd.DataFrame({"unit": [], "x": [], "y": []}), _crs(run))
    dispatched = run.events[run.events["kind"] == UnitDispatched.kind]
    table["dispatches"] = dispatched.groupby("unit").size().reindex(table["unit"], fill_value=0).to_numpy()
    return point_layer(table, _crs(run))


def layers(run: StoredRun) -> dict[str, gpd.GeoDataFrame]:
    """The response system's layers: ``incidents``, ``stations``, ``hospitals``, ``units``."""
    return {"incidents": incidents(run), "stations": stations(run), "hospitals": hospitals(run), "units": units(run)}
