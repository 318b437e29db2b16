"""How the emergency-response KPIs read and show: rules, the console table, the report's section.

The tables read the response KPIs (:mod:`twin.systems.response.kpis`); the figures
(:mod:`twin.systems.response.figures`) read the event log, the sampled time series
and the side tables the run keeps: ``stations`` (node, name, unit type, units) and
``hospitals`` (node, name).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from twin.city.routing import Router
from twin.present.format import format_duration, format_share
from twin.present.kpis import KpiRule
from twin.present.stored import StoredRun
from twin.present.tables import Figure, Section, Table
from twin.systems.response.config import ResponseConfig
from twin.systems.response.figures import (
    Reach,
    StationMark,
    coverage_map,
    incident_map,
    response_time_distribution,
    utilisation_over_time,
)
from twin.systems.response.kpis import incident_table

#: Column headers of :func:`headline_rows`.
HEADLINE_COLUMNS = ("Indicator", "Incidents", "Mean", "p50 / p90", "Within target")

#: Column headers of :func:`type_rows`.
TYPE_COLUMNS = ("Incident type", "Incidents", "Mean response", "p90 response", "Within target")

#: Printed under both tables, since the cells carry no units of their own.
TIME_NOTE = ("Response = call received → first unit on scene, in min:s; "
             "incidents called in during the warm-up excluded.")

_PRIORITY_LABELS = {"p1": "Priority 1 response", "p2": "Priority 2 response",
                    "p3": "Priority 3 response", "all": "All incidents response"}


def _response_row(label: str, group: Mapping[str, Any]) -> tuple[str, ...]:
    stats = group.get("response_s", {})
    return (label, str(group.get("incidents", 0)), format_duration(stats.get("mean")),
            f"{format_duration(stats.get('p50'))} / {format_duration(stats.get('p90'))}",
            format_share(group.get("within_target")))


def headline_rows(kpis: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The headline rows of a run, columns as in :data:`HEADLINE_COLUMNS`.

    Parameters
    ----------
    kpis : mapping
        The response KPIs.

    Returns
    -------
    list of (indicator, incidents, mean, p50 / p90, within target)
        One row per priority present and one for all incidents (response times in
        min:s, share within each incident's own target in %), then the utilisation
        of each unit type (share of unit-time busy, in the "Mean" column), the queue
        of waiting unit requests (time-weighted mean, and its maximum) and the
        number of unserved incidents. Empty when there are no response KPIs.
    """
    if not kpis:
        return []
    by_priority = kpis.get("by_priority", {})
    rows = [_response_row(_PRIORITY_LABELS.get(p, f"{p} response"), by_priority[p]) for p in sorted(by_priority)]
    rows.append(_response_row(_PRIORITY_LABELS["all"], kpis.get("all", {})))
    for unit_type, share in kpis.get("utilisation", {}).items():
        rows.append((f"Utilisation, {unit_type}", "", format_share(share), "", ""))
    queue = kpis.get("queue")
    if queue:
        # The queue is a count of waiting requests, so it has a mean and a max but no target.
        rows.append(("Queue of waiting unit requests", "", f"{queue['mean']:.2f}", f"max {queue['max']}", ""))
    if "unserved" in kpis:
        rows.append(("Unserved incidents (no unit on scene)", str(kpis["unserved"]), "", "", ""))
    return rows


def type_rows(kpis: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """One row per incident type, columns as in :data:`TYPE_COLUMNS` (times in min:s)."""
    by_type = kpis.get("by_type", {})
    rows = []
    for name in sorted(by_type):
        group = by_type[name]
        stats = group.get("response_s", {})
        rows.append((name.replace("_", " "), str(group.get("incidents", 0)), format_duration(stats.get("mean")),
                     format_duration(stats.get("p90")), format_share(group.get("within_target"))))
    return rows


def console_table(kpis: Mapping[str, Any]) -> Table | None:
    """The headline rows as the console shows them after a run."""
    rows = headline_rows(kpis)
    return Table(HEADLINE_COLUMNS, rows, heading="Emergency response", note=TIME_NOTE) if rows else None


def side_tables(system: Any) -> dict[str, pd.DataFrame]:
    """The stations (one row per station and unit type based there, with the units), hospitals and units of a run.

    Stations and hospitals: ``node`` (where units start and arrive), ``name``, ``x``, ``y``
    (the place itself, metres in the city's CRS) and ``placement`` (``"given"``, ``"osm"``
    or ``"spread"``); units: ``unit`` (id in the events), ``unit_type``, ``station`` (index
    of its first home in the station list), ``station_name``, ``node``, ``x``, ``y`` (that station's place).
    """
    rows = []
    for index, (node, name) in enumerate(zip(system.station_nodes, system.station_names, strict=True)):
        based: dict[str, int] = {}
        for unit in system.units:
            if unit.base_station == index:
                based[unit.unit_type] = based.get(unit.unit_type, 0) + 1
        _, _, x, y, how = system.station_places[index]
        rows += [(int(node), name, unit_type, count, x, y, how) for unit_type, count in based.items()]
    stations = pd.DataFrame(rows, columns=["node", "name", "unit_type", "units", "x", "y", "placement"])
    hospitals = pd.DataFrame([(int(node), name, x, y, how) for node, name, x, y, how in system.hospital_places],
                             columns=["node", "name", "x", "y", "placement"])
    units = pd.DataFrame([(u.uid, u.unit_type, u.base_station, system.station_names[u.base_station],
                           int(system.station_nodes[u.base_station]), *system.station_places[u.base_station][2:4])
                          for u in system.units],
                         columns=["unit", "unit_type", "station", "station_name", "node", "x", "y"])
    return {"stations": stations, "hospitals": hospitals, "units": units}


def section(run: StoredRun) -> Section:
    """The "Emergency response" section of a stored run: headline and per-type tables, four figures."""
    config, kpis = run.config, run.kpis
    tables = [Table(HEADLINE_COLUMNS, headline_rows(kpis),
                    note=f"{TIME_NOTE} Utilisation is the share of unit-time between dispatch and clearing; "
                         "the queue counts unit requests waiting for a free unit.")]
    by_type = type_rows(kpis)
    if by_type:
        tables.append(Table(TYPE_COLUMNS, by_type, heading="By incident type"))
    # The same incidents as the KPIs: calls after the warm-up, each with its own target.
    incidents = incident_table(run.events)
    incidents = incidents[incidents["t_call"] >= run.warmup_s].copy()
    incidents["target_s"] = incidents["incident_type"].map({name: config.target_of(name)
                                                            for name in config.incident_types})
    stations = [StationMark(int(r.node), str(r.name), str(r.unit_type), int(r.units))
                for r in run.table("stations").itertuples()]
    hospitals = [(int(r.node), str(r.name)) for r in run.table("hospitals").itertuples()]
    fleet = {unit_type: units.count for unit_type, units in config.units.items()}
    folder = run.figures
    figures = [
        Figure("response_times", response_time_distribution(incidents, dict(config.targets_s),
                                                            folder / "response_times.png"),
               "Response times by priority: cumulative share of incidents reached (dashed: the target; "
               "each panel on its own time scale, outliers named at its edge)"),
        Figure("incident_map", incident_map(run.city, incidents, stations, hospitals, folder / "incident_map.png"),
               "Where are we slow? Each incident coloured by its response time against its own target"),
        Figure("coverage", coverage_map(run.city, reaches(run), stations, folder / "coverage.png",
                                        note=COVERAGE_NOTE),
               "Coverage: which roads each unit type reaches within its target from its stations"),
        Figure("utilisation", utilisation_over_time(run.timeseries, fleet, run.start, folder / "utilisation.png",
                                                    warmup_s=run.warmup_s),
               "Share of units busy per type, and requests waiting for a unit, over the run"),
    ]
    return Section("Emergency response", tables, figures)


#: How the coverage map's times are computed, printed under its title.
COVERAGE_NOTE = ("mean call handling + mean turnout + the drive on free-flow road times with lights and sirens "
                 "(as dispatch routes; congestion not included)")


def reaches(run: StoredRun) -> list[Reach]:
    """How fast each unit type can reach every node from its stations, as the run's dispatch sees it.

    Expected response to a node = mean call handling (ring, interview, dispatcher) + the
    type's mean turnout + the network travel time from the nearest of its stations
    (free-flow, :class:`~twin.city.routing.Router` on the city's roads, as the run routes
    without another system's travel times) × ``travel_time_scale`` ÷ the lights-and-sirens
    factor of the priority. It is held against the shortest target of the incident types
    that need the unit type (that type's priority gives the factor).
    """
    config: ResponseConfig = run.config
    router = Router(run.city.drive)
    stations = run.table("stations")
    calls = config.call_handling
    handling = calls.ring_s.mean_s + calls.interview_s.mean_s + calls.dispatch_s.mean_s
    out = []
    for unit_type, fleet in config.units.items():
        nodes = stations.loc[stations["unit_type"] == unit_type, "node"].unique()
        needing = sorted((config.target_of(name), name) for name, kind in config.incident_types.items()
                         if unit_type in kind.units)
        if fleet.count == 0 or not len(nodes) or not needing:
            continue
        target, name = needing[0]
        factor = config.lights_and_sirens.get(config.incident_types[name].priority, 1.0)
        network = np.min([router.times_from(int(node))[0] for node in nodes], axis=0)
        expected = handling + fleet.turnout_s.mean_s + network * config.travel_time_scale / factor
        out.append(Reach(unit_type, expected, target, name.replace("_", " ")))
    return out


_GROUPS = {"p1": "P1", "p2": "P2", "p3": "P3"}


def _group(part: str) -> str:
    return _GROUPS.get(part, part)


def _time_label(group: str) -> Any:
    """Labels such as "P1 response, p90" or "fire turnout, mean" for ``<group>.<interval>_s.<statistic>``."""
    def label(parts: tuple[str, ...]) -> str:
        *head, interval, statistic = parts
        name = _group(head[0]).replace("_", " ") if head else group
        return f"{name} {interval.replace('_', ' ')}, {statistic}"
    return label


#: How to read the response KPIs. Times (``..._s.mean``) and shares within target need no rule:
#: the catalogue's conventions read them; these rules give them labels.
RULES: tuple[KpiRule, ...] = (
    KpiRule("all.*_s.*", "lower", _time_label("All"), "s", "s"),
    KpiRule("all.within_target", "higher", "All within target", "share", "share"),
    KpiRule("all.incidents", "neutral", "All incidents", "count", regress=True),
    KpiRule("all.served", "neutral", "All served", "count"),
    KpiRule("by_priority.*.*_s.*", "lower", _time_label(""), "s", "s"),
    KpiRule("by_priority.*.within_target", "higher", lambda p: f"{_group(p[0])} within target", "share", "share"),
    KpiRule("by_priority.*.incidents", "neutral", lambda p: f"{_group(p[0])} incidents", "count", regress=True),
    KpiRule("by_priority.*.served", "neutral", lambda p: f"{_group(p[0])} served", "count"),
    KpiRule("by_type.*.*_s.*", "lower", _time_label(""), "s", "s"),
    KpiRule("by_type.*.within_target", "higher", "{0} within target", "share", "share"),
    KpiRule("by_type.*.incidents", "neutral", "{0} incidents", "count"),
    KpiRule("by_type.*.served", "neutral", "{0} served", "count"),
    KpiRule("utilisation.*", "neutral", "Utilisation, {0}", "share", "share"),
    KpiRule("queue.mean", "lower", "Queue, mean waiting requests", "count"),
    KpiRule("queue.max", "lower", "Queue, max waiting requests", "count"),
    KpiRule("unserved", "lower", "Unserved incidents", "count"),
    KpiRule("cleared_without_unit", "neutral", "Calls cleared without a unit (assessed remotely)", "incidents"),
)

#: The response KPIs a planner looks at first, in display order.
HEADLINE: tuple[str, ...] = (
    "by_priority.p1.response_s.mean", "by_priority.p1.response_s.p90", "by_priority.p2.response_s.p90",
    "by_priority.p3.response_s.p90", "all.response_s.mean", "all.response_s.p90",
    "by_priority.p1.within_target", "all.within_target", "utilisation.*", "queue.mean", "unserved",
)
