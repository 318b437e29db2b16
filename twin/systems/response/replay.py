"""What the browser replay shows of emergency response (``python run.py view``).

Drawn from the stored run alone: the stations and hospitals (side tables), the
incidents as they are called in and reached (event log; coloured by priority while
they wait for a first unit, then by response time against their target), the
units moving along their routes (the ``movements`` side table: one row per route
node with the time the unit passes it) and the requests waiting for a unit.

A run written before units' movements were kept has no ``movements`` table: a
unit then moves in a straight line between the places the log names (where it
was dispatched from, the scene, the hospital, its station), and the legend says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.city.network import RoadNetwork
from twin.present.replay import Markers, Movers, Replay, Series, Sites, Spans, Style, event_field, step_series
from twin.present.stored import StoredRun, side_table_path
from twin.sim.events import IncidentOccurred, UnitDispatched, UnitOnScene
from twin.systems.response.events import (
    IncidentDequeued,
    IncidentQueued,
    UnitAtHospital,
    UnitAtStation,
    UnitCleared,
    UnitEnRoute,
    UnitRelocated,
    UnitTransporting,
)
from twin.systems.response.kpis import incident_table

#: Incidents: waiting for a first unit (by priority), then reached within or over their target.
INCIDENT_STYLES = (
    Style("p1", "P1, not reached yet", "#d7301f", pulse=True),
    Style("p2", "P2, not reached yet", "#fc8d59", pulse=True),
    Style("p3", "P3, not reached yet", "#e3b505", pulse=True),
    Style("within", "reached within target", "#1a9850"),
    Style("late", "reached over target", "#762a83"),
    Style("within_done", "closed, within target", "#1a9850", faded=True, legend=False),
    Style("late_done", "closed, over target", "#762a83", faded=True, legend=False),
)

#: Units, by what they are doing (the statuses of :class:`twin.systems.response.agents.Status`).
UNIT_STYLES = (
    Style("at_station", "at station", "#525252"),
    Style("dispatched", "dispatched (turnout)", "#ff7f00"),
    Style("en_route", "en route", "#e31a1c"),
    Style("on_scene", "on scene", "#99000d"),
    Style("transporting", "transporting", "#807dba"),
    Style("at_hospital", "at hospital", "#54278f"),
    Style("returning", "returning", "#2171b5"),
    Style("relocating", "relocating", "#41b6c4"),
)

#: The unit's status from each of its events.
STATUS_AFTER = {
    UnitDispatched.kind: "dispatched", UnitEnRoute.kind: "en_route", UnitOnScene.kind: "on_scene",
    UnitTransporting.kind: "transporting", UnitAtHospital.kind: "at_hospital", UnitCleared.kind: "returning",
    UnitAtStation.kind: "at_station", UnitRelocated.kind: "relocating",
}

#: Side tables: units' movements (unit, time_s, node, x, y, lon, lat, …) and units (unit, unit_type, node, …).
MOVEMENTS, UNITS = "movements", "units"


def _kept(run: StoredRun, name: str) -> bool:
    """Whether the run kept side table ``name`` (older runs have fewer)."""
    return side_table_path(run.folder, run.section or "", name).is_file()


def _places(table: pd.DataFrame, city: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Where stations or hospitals are: their own ``x``, ``y`` if kept, else their node's (metres)."""
    nodes = table["node"].to_numpy(dtype=np.int64)
    x, y = city.x[nodes], city.y[nodes]
    if "x" in table.columns and "y" in table.columns:
        x = np.where(table["x"].notna(), table["x"].to_numpy(dtype=float), x)
        y = np.where(table["y"].notna(), table["y"].to_numpy(dtype=float), y)
    return x, y


def replay(run: StoredRun) -> Replay:
    """The response system's part of the replay of ``run`` (bound to the system)."""
    events = run.events.sort_values(["time", "seq"], kind="stable") if len(run.events) else run.events
    city = run.city.drive
    stations = run.table("stations")
    hospitals = run.table("hospitals")
    sites = (
        Sites("Stations", *_places(stations, city),
              [f"{name} ({units} {unit_type})" for name, unit_type, units
               in zip(stations["name"], stations["unit_type"], stations["units"])], "square", "#252525"),
        Sites("Hospitals", *_places(hospitals, city), [str(n) for n in hospitals["name"]], "cross", "#cb181d"),
    )
    units = unit_roster(stations, events, run.table(UNITS) if _kept(run, UNITS) else None)
    incidents = _incidents(run, events)
    movers, note = _units(run, events, units, city)
    return Replay(sites=sites, markers=(incidents,), movers=(movers,), series=_series(run, events, units),
                  spans=(_waiting(events),), notes=(note,) if note else ())


def unit_roster(stations: pd.DataFrame, events: pd.DataFrame, units: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every unit of the run: id (index), ``unit_type`` and ``home`` node (-1: not known).

    From the ``units`` side table when the run kept one. Otherwise (an older run) as
    the system numbers its units: type by type in the order of the stations table,
    the ``i``-th unit of a type based at the ``i``-th station of that type, round the
    stations again when there are more units than stations
    (:meth:`~twin.systems.response.system.ResponseSystem.install`); a unit the log
    names that neither knows is added with the type its dispatches name.
    """
    if units is not None:
        roster = pd.DataFrame({"unit": units["unit"].to_numpy(dtype=np.int64),
                               "unit_type": units["unit_type"].astype(str).to_numpy(),
                               "home": units["node"].to_numpy(dtype=np.int64)}).set_index("unit")
    else:
        rows = []
        for unit_type in dict.fromkeys(stations["unit_type"]):
            based = stations[stations["unit_type"] == unit_type]
            homes = based["node"].to_numpy(dtype=np.int64)
            for i in range(int(based["units"].sum())):
                rows.append((len(rows), str(unit_type), int(homes[i % len(homes)])))
        roster = pd.DataFrame(rows, columns=["unit", "unit_type", "home"]).set_index("unit")
    dispatched = events[events["kind"] == UnitDispatched.kind]
    types = pd.Series(event_field(dispatched, "unit_type").to_numpy(), index=dispatched["unit"].to_numpy(dtype=np.int64))
    for unit, unit_type in types[~types.index.duplicated()].items():
        if unit not in roster.index:
            roster.loc[unit] = (str(unit_type), -1)
        elif unit_type is not None and roster.at[unit, "unit_type"] != unit_type:
            roster.at[unit, "unit_type"] = str(unit_type)  # the log is the authority on what was sent
    return roster.sort_index()


def _incidents(run: StoredRun, events: pd.DataFrame) -> Markers:
    table = incident_table(events)
    targets = {name: run.config.target_of(name) for name in run.config.incident_types}
    target = table["incident_type"].map(targets).fillna(run.config.targets_s.get(3, 1800.0)).to_numpy(dtype=float)
    late = (table["response"].to_numpy(dtype=float) > target)
    cleared = events[events["kind"] == UnitCleared.kind].groupby("incident")["time"].max()
    sent = events[events["kind"] == UnitDispatched.kind].groupby("incident").size()
    done = events[events["kind"] == UnitCleared.kind].groupby("incident").size()
    closed_at = cleared.where(done.reindex(cleared.index) >= sent.reindex(cleared.index).fillna(0))
    changes = []
    for (incident, row), is_late in zip(table.iterrows(), late):
        changes.append((incident, row["t_call"], f"p{min(max(int(row['priority']), 1), 3)}"))
        if pd.notna(row["t_on_scene"]):
            changes.append((incident, row["t_on_scene"], "late" if is_late else "within"))
            closed = closed_at.get(incident)
            if closed is not None and pd.notna(closed) and closed >= row["t_on_scene"]:
                changes.append((incident, closed, "late_done" if is_late else "within_done"))
    frame = pd.DataFrame(changes, columns=["id", "time_s", "style"]).sort_values("time_s", kind="stable")
    labels = [f"#{i} {kind.replace('_', ' ')} (P{p}), target {t / 60:.0f} min"
              for i, kind, p, t in zip(table.index, table["incident_type"], table["priority"], target)]
    return Markers("Incidents", "incident", table.index.to_numpy(dtype=np.int64), table["x"].to_numpy(dtype=float),
                   table["y"].to_numpy(dtype=float), labels, frame.reset_index(drop=True), INCIDENT_STYLES)


def _units(run: StoredRun, events: pd.DataFrame, units: pd.DataFrame, city: RoadNetwork) -> tuple[Movers, str]:
    mine = events[events["kind"].isin(list(STATUS_AFTER)) & (events["unit"] >= 0)]
    changes = pd.DataFrame({"id": mine["unit"].to_numpy(dtype=np.int64), "time_s": mine["time"].to_numpy(dtype=float),
                            "style": mine["kind"].map(STATUS_AFTER).to_numpy()})
    start = pd.DataFrame({"id": units.index.to_numpy(dtype=np.int64), "time_s": 0.0, "style": "at_station"})
    changes = pd.concat([start, changes], ignore_index=True).sort_values("time_s", kind="stable")
    if _kept(run, MOVEMENTS):
        moves = run.table(MOVEMENTS)
        track = pd.DataFrame({"id": moves["unit"].to_numpy(dtype=np.int64),
                              "time_s": moves["time_s"].to_numpy(dtype=float),
                              "x": moves["x"].to_numpy(dtype=float), "y": moves["y"].to_numpy(dtype=float)})
        note = ""
    else:
        located = mine[mine["x"].notna() & mine["y"].notna()]
        track = pd.DataFrame({"id": located["unit"].to_numpy(dtype=np.int64),
                              "time_s": located["time"].to_numpy(dtype=float),
                              "x": located["x"].to_numpy(dtype=float), "y": located["y"].to_numpy(dtype=float)})
        note = ("This run kept no units' movements: units move in straight lines between the places "
                "the event log names.")
    homes = units[units["home"] >= 0]
    at_home = pd.DataFrame({"id": homes.index.to_numpy(dtype=np.int64), "time_s": 0.0,
                            "x": city.x[homes["home"].to_numpy(dtype=np.int64)],
                            "y": city.y[homes["home"].to_numpy(dtype=np.int64)]})
    # Every unit starts at its station (a track may begin with its first drive).
    first = track.groupby("id")["time_s"].min()
    at_home = at_home[~at_home["id"].map(first).le(0.0).fillna(False).astype(bool)]
    track = pd.concat([at_home, track], ignore_index=True)
    track = track[track["x"].notna() & track["y"].notna()].sort_values(["id", "time_s"], kind="stable")
    labels = [f"{row.unit_type} #{unit}" for unit, row in units.iterrows()]
    letters = [str(t)[:1].upper() for t in units["unit_type"]]
    return Movers("Units", "unit", units.index.to_numpy(dtype=np.int64), labels, letters,
                  track.reset_index(drop=True), changes.reset_index(drop=True), UNIT_STYLES, note), note


def _series(run: StoredRun, events: pd.DataFrame, units: pd.DataFrame) -> tuple[Series, ...]:
    kind = events["kind"]
    occurred = events[kind == IncidentOccurred.kind]["time"].to_numpy(dtype=float)
    so_far = Series("Incidents so far", *step_series(occurred, np.ones(len(occurred))),
                    note="Incidents called in since the start, warm-up included.")
    # A unit is busy from its dispatch to its clearing (the utilisation KPI's definition).
    busy = events[kind.isin([UnitDispatched.kind, UnitCleared.kind])]
    busy_now = Series("Units busy now",
                      *step_series(np.r_[0.0, busy["time"].to_numpy(dtype=float)],
                                   np.r_[0.0, np.where(busy["kind"] == UnitDispatched.kind, 1.0, -1.0)]),
                      total=float(len(units)), note="Units between their dispatch and their clearing, of the fleet.")
    queue = events[kind.isin([IncidentQueued.kind, IncidentDequeued.kind])]
    waiting = Series("Requests waiting for a unit",
                     *step_series(np.r_[0.0, queue["time"].to_numpy(dtype=float)],
                                  np.r_[0.0, np.where(queue["kind"] == IncidentQueued.kind, 1.0, -1.0)]),
                     note="Incidents waiting for a free unit, counted once per unit type they wait for.")
    # Response times so far, of the incidents the KPIs count (called in after the warm-up).
    table = incident_table(events)
    reached = table[table["t_on_scene"].notna() & (table["t_call"] >= run.warmup_s)].sort_values("t_on_scene")
    targets = reached["incident_type"].map({n: run.config.target_of(n) for n in run.config.incident_types})
    within = (reached["response"] <= targets).to_numpy(dtype=float)
    count = np.arange(1, len(reached) + 1)
    t_reached = reached["t_on_scene"].to_numpy(dtype=float)
    counted = ("Of the incidents reached so far" + (" that were called in after the warm-up" if run.warmup_s > 0
                                                     else "") + "; response = call received to first unit on scene.")
    return (so_far, busy_now, waiting,
            Series("Within target so far", t_reached, np.cumsum(within) / count, "share",
                   note=counted + " Each incident against its own type's target."),
            Series("Mean response so far", t_reached, np.cumsum(reached["response"].to_numpy(dtype=float)) / count,
                   "s", note=counted))


def _waiting(events: pd.DataFrame) -> Spans:
    queued = events[events["kind"] == IncidentQueued.kind]
    dequeued = events[events["kind"] == IncidentDequeued.kind]
    ends = pd.Series(dequeued["time"].to_numpy(dtype=float),
                     index=pd.MultiIndex.from_arrays([dequeued["incident"].to_numpy(),
                                                      event_field(dequeued, "unit_type").to_numpy()]))
    ends = ends[~ends.index.duplicated()]
    types = event_field(queued, "unit_type").to_numpy()
    missing = event_field(queued, "missing").to_numpy()
    keys = list(zip(queued["incident"].to_numpy(), types))
    end_s = np.array([ends.get(key, np.nan) for key in keys], dtype=float)
    labels = [f"#{incident} needs {n if n is not None else ''} {unit_type}".replace("  ", " ")
              for (incident, unit_type), n in zip(keys, missing)]
    return Spans("Waiting for a unit", "incident", queued["incident"].to_numpy(dtype=np.int64),
                 queued["time"].to_numpy(dtype=float), end_s, labels)
