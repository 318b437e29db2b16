"""The emergency-response lines of a run report's summary: what a planner quotes, and why.

Drawn from the stored run alone (the event log, the side tables and the resolved
section), like the report's section:

* compliance per priority against its target, with where the target comes from
  (:data:`PRIORITY_TARGET_SOURCES`, :data:`TYPE_TARGET_SOURCES`) and what it measures
  here (call received → first unit on scene) against what the standard measures;
* where the time goes: call handling, waiting for a free unit, turnout, travel
  (:func:`stages`), which add up to each incident's response time;
* call answering against NFPA 1221's 15 s;
* the worst incidents and the longest wait for a unit, each with why, read from the
  log (which units of the type needed were busy, and with what: :func:`busy_units`);
* stations and hospitals the twin placed itself, said as such.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from twin.errors import TwinError
from twin.present.format import format_duration
from twin.present.stored import StoredRun
from twin.present.tables import markdown_table
from twin.sim.events import IncidentOccurred, UnitDispatched, UnitOnScene
from twin.systems.response.config import DEFAULT_TYPES, ResponseConfig
from twin.systems.response.events import (
    IncidentDequeued,
    IncidentQueued,
    UnitAtHospital,
    UnitCleared,
    UnitEnRoute,
    UnitTransporting,
)
from twin.systems.response.kpis import incident_table

#: NFPA 1221 (2019) §7.4.1: 90 % of emergency calls answered within 15 s (95 % within 20 s).
ANSWER_WITHIN_S, ANSWER_SHARE = 15.0, 0.90

#: Where each default priority target of ``response.targets_s`` comes from: (seconds, source).
#: Each is compared with the run's value: a target the scenario changed is "set by the scenario".
PRIORITY_TARGET_SOURCES: dict[int, tuple[float, str]] = {
    1: (480.0, "NFPA 1710 (2020) §4.1.2.1.1: 480 s of *travel* for the first advanced-life-support unit, "
               "at 90 % of calls"),
    2: (900.0, "a planning assumption of the twin, no standard (set `response.targets_s.2` to your own)"),
    3: (1800.0, "a planning assumption of the twin, no standard (set `response.targets_s.3` to your own)"),
}

#: Where the default per-type targets come from (``response.incident_types.<type>.target_s``).
TYPE_TARGET_SOURCES: dict[str, tuple[float, str]] = {
    "fire": (410.0, "NFPA 1710 (2020) §4.1.2.1.1: 240 s of travel for the first engine at 90 % of calls, "
                    "plus its 80 s fire turnout, plus 90 s of call processing (NFPA 1221 allows 60–90 s)"),
}

#: The stages an incident's response time splits into, in order, with their names for people.
STAGES: tuple[tuple[str, str], ...] = (
    ("handling", "call handling"), ("waiting", "waiting for a unit"), ("turnout", "turnout"),
    ("travel", "travel"))

#: What a busy unit is doing after each of its events (the last one before the moment asked about).
_DOING = {UnitDispatched.kind: "turning out for", UnitEnRoute.kind: "driving to", UnitOnScene.kind: "on scene at",
          UnitTransporting.kind: "taking a patient to hospital from", UnitAtHospital.kind: "at hospital after"}

#: How many incidents the summary names as the worst.
WORST = 3


def stages(events: pd.DataFrame) -> pd.DataFrame:
    """One row per incident (:func:`~twin.systems.response.kpis.incident_table`) with its response split.

    Adds, in seconds: ``handling`` (call received → ready for dispatch: answering, interview,
    dispatcher), ``waiting`` (ready → the unit that arrived first was sent: no free unit, or
    the policy held one back), ``turnout`` (that unit sent → it left) and ``travel`` (left →
    on scene), which add up to ``response``; ``first_unit`` (its id, -1 if none arrived) and
    ``t_first_sent`` (when it was sent). NaN where a stage did not happen.
    """
    table = incident_table(events)
    on_scene = events[events["kind"] == UnitOnScene.kind].sort_values(["time", "seq"]).drop_duplicates("incident")
    first_unit = on_scene.set_index("incident")["unit"]
    sent = events[events["kind"] == UnitDispatched.kind].groupby(["incident", "unit"])["time"].min()
    keys = list(zip(first_unit.index, first_unit.to_numpy(), strict=True))
    table["first_unit"] = first_unit.reindex(table.index).fillna(-1).astype(np.int64)
    table["t_first_sent"] = pd.Series(sent.reindex(keys).to_numpy(), index=first_unit.index)
    table["handling"] = table["t_ready"] - table["t_call"]
    table["waiting"] = table["t_first_sent"] - table["t_ready"]
    table["turnout"] = table["t_en_route"] - table["t_first_sent"]
    table["travel"] = table["t_on_scene"] - table["t_en_route"]
    return table


@dataclass(frozen=True)
class BusyUnit:
    """A unit busy at a given moment: its id and type, the incident it works on, what it does, since when (s)."""

    unit: int
    unit_type: str
    incident: int
    doing: str
    since_s: float


def unit_types(events: pd.DataFrame) -> dict[int, str]:
    """The type of every unit that was ever sent, from its ``UnitDispatched`` events."""
    sent = events[events["kind"] == UnitDispatched.kind]
    return {int(u): json.loads(d)["unit_type"] for u, d in zip(sent["unit"], sent["data"], strict=True)}


def busy_units(events: pd.DataFrame, time_s: float, types: Mapping[int, str]) -> list[BusyUnit]:
    """The units busy at ``time_s``: sent to an incident at or before it and not cleared from it yet.

    Parameters
    ----------
    events : DataFrame
        The event log.
    time_s : float
        The moment, seconds since the start.
    types : mapping
        Unit id → unit type (:func:`unit_types`).
    """
    kinds = (UnitDispatched.kind, UnitCleared.kind, *_DOING)
    rows = events[events["kind"].isin(kinds) & (events["unit"] >= 0) & (events["time"] <= time_s)]
    busy = []
    for unit, log in rows.sort_values("seq").groupby("unit"):
        last_sent = log[log["kind"] == UnitDispatched.kind]
        if last_sent.empty:
            continue
        sent = last_sent.iloc[-1]
        after = log[log["seq"] >= sent["seq"]]
        if (after["kind"] == UnitCleared.kind).any():
            continue
        now = after[after["kind"].isin(_DOING)].iloc[-1]
        busy.append(BusyUnit(int(unit), types.get(int(unit), "?"), int(sent["incident"]), _DOING[now["kind"]],
                             float(now["time"])))
    return busy


class _Clock:
    """Seconds since the start as clock times ("10:14", or "Tue 10:14" in runs longer than a day)."""

    def __init__(self, run: StoredRun) -> None:
        self.start, self.days = run.start, run.duration_s > 86400

    def __call__(self, seconds: float) -> str:
        when = self.start + timedelta(seconds=float(seconds))
        return f"{when:%a %H:%M}" if self.days else f"{when:%H:%M}"


def _type_name(name: str) -> str:
    return name.replace("_", " ")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def target_source(config: ResponseConfig, priority: int) -> str:
    """Where the target of ``priority`` comes from: the default's source, or the scenario."""
    value = config.targets_s.get(priority)
    default = PRIORITY_TARGET_SOURCES.get(priority)
    if value is None:
        return "none set: 30:00 is used"
    if default is not None and math.isclose(value, default[0]):
        return default[1]
    return f"set by the scenario (`response.targets_s.{priority}`)"


def type_target_source(config: ResponseConfig, name: str) -> str | None:
    """Where an incident type's own target comes from (None: it has none, the priority's applies)."""
    own = config.incident_types[name].target_s
    if own is None:
        return None
    default = TYPE_TARGET_SOURCES.get(name)
    written = DEFAULT_TYPES.get(name)
    if default is not None and written is not None and math.isclose(own, default[0]):
        return default[1]
    return f"set by the scenario (`response.incident_types.{name}.target_s`)"


def _measured(run: StoredRun) -> pd.DataFrame:
    """The incidents the KPIs count (called in after the warm-up), with their stages and own targets."""
    config: ResponseConfig = run.config
    table = stages(run.events)
    table = table[table["t_call"] >= run.warmup_s].copy()
    table["target_s"] = table["incident_type"].map({name: config.target_of(name) for name in config.incident_types})
    return table


def _cut_short(run: StoredRun, group: pd.DataFrame) -> str:
    """How many of the never-reached incidents of ``group`` the end of the run cut short (called less than
    their target before it), as a clause."""
    unreached = group[group["response"].isna()]
    short = int((run.duration_s - unreached["t_call"] < unreached["target_s"]).sum())
    if not short:
        return ""
    return f", {'all' if short == len(unreached) else short} called less than the target before the run ended"


def compliance_lines(run: StoredRun, incidents: pd.DataFrame) -> list[str]:
    """One bullet per priority: share within target (of how many), the target and its source."""
    config: ResponseConfig = run.config
    lines = []
    for priority in sorted(int(p) for p in incidents["priority"].unique()):
        group = incidents[incidents["priority"] == priority]
        within = int((group["response"] <= group["target_s"]).sum())
        target = config.targets_s.get(priority, 1800.0)
        p90 = group["response"].quantile(0.9) if group["response"].notna().any() else math.nan
        unreached = int(group["response"].isna().sum())
        line = (f"- **Priority {priority}: {_share(within, len(group))} within target** ({within} of "
                f"{_plural(len(group), 'incident')}; 90 % reached within {format_duration(p90)}"
                + (f"; {unreached} never reached{_cut_short(run, group)}" if unreached else "")
                + f"). Target {format_duration(target)}: "
                f"{target_source(config, priority)}.")
        own = sorted({str(t) for t in group["incident_type"]} & {n for n, k in config.incident_types.items()
                                                                    if k.target_s is not None})
        for name in own:
            of_type = group[group["incident_type"] == name]
            inside = int((of_type["response"] <= of_type["target_s"]).sum())
            line += (f" {_type_name(name).capitalize()} has its own target, "
                     f"{format_duration(config.target_of(name))} ({inside} of {len(of_type)} within): "
                     f"{type_target_source(config, name)}.")
        lines.append(line)
    return lines


def stage_table(incidents: pd.DataFrame) -> str:
    """Mean of each stage per priority and for all incidents reached (a Markdown table, min:s)."""
    reached = incidents[incidents["response"].notna()]
    rows = []
    groups = [(f"Priority {p}", g) for p, g in reached.groupby("priority")] + [("All", reached)]
    for label, group in groups:
        means = [group[stage].mean() for stage, _ in STAGES]
        total = group["response"].mean()
        rows.append((label, str(len(group)), *(f"{format_duration(m)} ({100 * m / total:.0f} %)" if total else
                                               format_duration(m) for m in means), format_duration(total)))
    columns = ("Incidents reached", "n", *(name.capitalize() for _, name in STAGES), "Response")
    return markdown_table(columns, rows)


def answering_line(run: StoredRun) -> str | None:
    """Calls answered within 15 s, against NFPA 1221's 90 %, and the call handling as a whole."""
    events = run.events
    calls = incident_table(events)
    calls = calls[calls["t_call"] >= run.warmup_s]
    if calls.empty:
        return None
    answer = calls["t_answer"] - calls["t_call"]  # NaN: never answered before the end, so not within
    within = int((answer <= ANSWER_WITHIN_S).sum())
    share = within / len(calls)
    verdict = "meets" if share >= ANSWER_SHARE else "misses"
    handling = calls["t_ready"] - calls["t_call"]
    return (f"**Call handling.** {_share(within, len(calls))} of {_plural(len(calls), 'call')} answered within "
            f"{ANSWER_WITHIN_S:.0f} s ({within}; slowest {format_duration(answer.max())}): this {verdict} NFPA 1221 "
            f"(2019) §7.4.1, 90 % within 15 s. From call to ready for dispatch (answer, interview, dispatcher): "
            f"mean {format_duration(handling.mean())}, 90 % within {format_duration(handling.quantile(0.9))}.")


class _Log:
    """What the explanations read from a stored run, looked up once: unit and incident types, stations, clock."""

    def __init__(self, run: StoredRun) -> None:
        self.run, self.config = run, run.config
        self.unit_types = unit_types(run.events)
        occurred = run.events[run.events["kind"] == IncidentOccurred.kind]
        self.incident_types = {int(i): json.loads(d)["incident_type"]
                               for i, d in zip(occurred["incident"], occurred["data"], strict=True)}
        try:
            stations = run.table("stations")
            self.stations = {int(n): str(name) for n, name in zip(stations["node"], stations["name"], strict=True)}
        except TwinError:  # an older run folder: name no station
            self.stations = {}
        self.clock = _Clock(run)


def why_waiting(log: _Log, row: Any, time_s: float | None = None, only: str | None = None) -> str:
    """Why an incident waited for a unit: the needed units busy at ``time_s`` (default: when it was
    ready for dispatch), and on what; ``only`` one unit type."""
    config: ResponseConfig = log.config
    busy = busy_units(log.run.events, float(row.t_ready if time_s is None else time_s), log.unit_types)
    parts = []
    for unit_type, count in config.incident_types[str(row.incident_type)].units.items():
        if only is not None and unit_type != only:
            continue
        fleet = config.units[unit_type].count if unit_type in config.units else 0
        of_type = [b for b in busy if b.unit_type == unit_type]
        need = f" (it needed {count})" if count > 1 else ""
        if len(of_type) + count <= fleet:
            parts.append(f"{len(of_type)} of {fleet} {unit_type} units were busy{need}, so the dispatch policy "
                         "held the free ones back")
            continue
        by_incident: dict[int, list[BusyUnit]] = {}
        for b in of_type:
            by_incident.setdefault(b.incident, []).append(b)
        doing = "; ".join(
            f"{len(units)} {units[0].doing} incident {incident} "
            f"({_type_name(log.incident_types.get(incident, '?'))}, since {log.clock(min(u.since_s for u in units))})"
            for incident, units in sorted(by_incident.items(), key=lambda item: (-len(item[1]), item[0])))
        who = (f"all {fleet} {unit_type} units" if len(of_type) >= fleet
               else f"{len(of_type)} of {fleet} {unit_type} units")
        parts.append(f"{who} were busy{need}: {doing}")
    return "; ".join(parts)


def why_slow(log: _Log, row: Any) -> str:
    """The stage that took longest, in words, with what the log says about it."""
    if not np.isfinite(row.response):
        left = format_duration(log.run.duration_s - row.t_call)
        if np.isfinite(row.t_dispatch):
            return (f"a unit was sent at {log.clock(row.t_dispatch)} and was still on its way when the run ended, "
                    f"{left} after the call")
        if np.isfinite(row.t_ready):
            return f"no unit was sent before the run ended, {left} after the call: {why_waiting(log, row)}"
        return f"the call was still being handled when the run ended, {left} after it came in"
    stage = max((s for s, _ in STAGES), key=lambda s: getattr(row, s) if np.isfinite(getattr(row, s)) else -1.0)
    took = format_duration(getattr(row, stage))
    if stage == "waiting":
        return f"it waited {took} for a unit: {why_waiting(log, row)}"
    if stage == "travel":
        events = log.run.events
        sent = events[(events["kind"] == UnitDispatched.kind) & (events["incident"] == row.Index)
                      & (events["unit"] == row.first_unit)].iloc[0]
        distance = math.hypot(float(sent["x"]) - row.x, float(sent["y"]) - row.y)
        origin = log.stations.get(int(sent["node"]), "where it was (not at a station)")
        return (f"travel took {took}: the first unit came from {origin}, {distance / 1000:.1f} km away "
                "as the crow flies")
    if stage == "handling":
        return f"call handling took {took} (waiting for a call-taker or dispatcher, and the interview)"
    return f"turnout took {took}"


def worst_lines(run: StoredRun, incidents: pd.DataFrame) -> list[str]:
    """The worst incidents against their targets (never reached first), and the longest wait, with why."""
    if incidents.empty:
        return []
    log = _Log(run)
    clock = log.clock
    # Never reached: as late as the run lets us see, (end - call) / target; not late if the end came first.
    ratio = (incidents["response"].fillna(run.duration_s - incidents["t_call"]) / incidents["target_s"])
    late = incidents.assign(ratio=ratio)[ratio > 1].sort_values("ratio", ascending=False).head(WORST)
    paragraphs = []
    if len(late):
        bullets = []
        for row in late.itertuples():
            took = "never reached" if not np.isfinite(row.response) else (
                f"{format_duration(row.response)} against {format_duration(row.target_s)}")
            bullets.append(f"- incident {row.Index}, {_type_name(str(row.incident_type))} (P{row.priority}) at "
                           f"{clock(row.t_call)}: {took}; {why_slow(log, row)}.")
        paragraphs.append(f"**The worst {_plural(len(late), 'incident')} against "
                          f"{'their' if len(late) > 1 else 'its'} target** (numbered as in the event log and "
                          "`gis/incidents`):\n\n" + "\n".join(bullets))
    wait = longest_wait(run, incidents)
    if wait is not None:
        incident, unit_type, queued_s, waited_s, ended = wait
        row = next(incidents.loc[[incident]].itertuples())
        still = " (still waiting when the run ended)" if ended else ""
        if incident in set(late.index):
            paragraphs.append(f"**The longest wait for a unit:** {format_duration(waited_s)}{still} for a "
                              f"{unit_type} unit, incident {incident} above.")
            return paragraphs
        paragraphs.append(f"**The longest wait for a unit:** {format_duration(waited_s)}{still} for a {unit_type} "
                          f"unit, incident {incident}, {_type_name(str(row.incident_type))} (P{row.priority}) "
                          f"called at {clock(row.t_call)}, queued at {clock(queued_s)}: "
                          f"{why_waiting(log, row, queued_s, unit_type)}.")
    else:
        paragraphs.append("**No incident waited for a unit:** a unit of every type needed was free at every dispatch.")
    return paragraphs


def longest_wait(run: StoredRun, incidents: pd.DataFrame) -> tuple[int, str, float, float, bool] | None:
    """The longest wait of one of ``incidents`` for units of one type, from the queue events.

    Returns
    -------
    (incident, unit type, queued at (s), waited (s), still waiting at the end) or None
        None when no request of these incidents waited for a free unit.
    """
    events = run.events
    queued = events[(events["kind"] == IncidentQueued.kind) & events["incident"].isin(incidents.index)]
    if queued.empty:
        return None
    left = events[events["kind"] == IncidentDequeued.kind]
    left_at = {(int(i), json.loads(d)["unit_type"]): float(t)
               for i, d, t in zip(left["incident"], left["data"], left["time"], strict=True)}
    waits = []
    for incident, data, time in zip(queued["incident"], queued["data"], queued["time"], strict=True):
        unit_type = json.loads(data)["unit_type"]
        end = left_at.get((int(incident), unit_type))
        waits.append(((run.duration_s if end is None else end) - float(time), int(incident), unit_type,
                      float(time), end is None))
    waited, incident, unit_type, time, ended = max(waits)
    return incident, unit_type, time, waited, ended


def placement_line(run: StoredRun) -> str | None:
    """Stations and hospitals the twin placed itself (``auto`` on an extract without them), said as such."""
    try:
        stations, hospitals = run.table("stations"), run.table("hospitals")
    except TwinError:  # an older run folder
        return None
    if "placement" not in stations:
        return None
    spread = stations[stations["placement"] == "spread"]
    osm = stations[stations["placement"] == "osm"]
    parts = []
    if len(spread):
        counts = ", ".join(f"{_plural(len(g), t + ' station')}" for t, g in spread.groupby("unit_type", sort=False))
        parts.append(f"The twin placed {counts} itself (`stations: auto`, and the map data has none of those "
                     f"kinds): spread over the populated area, not where your stations are")
    if len(osm):
        counts = ", ".join(f"{_plural(len(g), t + ' station')}" for t, g in osm.groupby("unit_type", sort=False))
        parts.append(f"{counts[0].upper()}{counts[1:]} come from OpenStreetMap (`stations: auto`)")
    placed = hospitals[hospitals["placement"] == "spread"] if "placement" in hospitals else hospitals.iloc[:0]
    if len(placed):
        parts.append(f"{_plural(len(placed), 'hospital')} placed by the twin likewise (`hospitals: auto`)")
    if not parts:
        return None
    advice = (" Give real ones (`response.units.<type>.stations: [{lon, lat, name}]`, `response.hospitals`) "
              "before quoting these times." if len(spread) or len(placed) else "")
    return "**Stations.** " + "; ".join(parts) + "." + advice


def load_line(run: StoredRun) -> str | None:
    """Units busy per type and requests that waited, in one sentence."""
    kpis = run.kpis
    use = kpis.get("utilisation") or {}
    if not use:
        return None
    busy = ", ".join(f"{t} {100 * s:.0f} %" for t, s in use.items())
    queue = kpis.get("queue") or {}
    waited = run.events[run.events["kind"] == IncidentQueued.kind]
    waited = waited[waited["time"] >= run.warmup_s]
    line = f"**Fleet load** (share of unit-time busy, dispatch to clearing): {busy}."
    if len(waited):
        line += (f" {_plural(len(waited), 'request')} for units waited for a free one (at most "
                 f"{queue.get('max', '–')} at once).")
    return line


def summary(run: StoredRun) -> list[str]:
    """The response lines of the run report's summary (see the module docstring)."""
    incidents = _measured(run)
    if incidents.empty:
        return ["**Emergency response:** no incident was called in during the measured window."]
    reached = int(incidents["response"].notna().sum())
    within = int((incidents["response"] <= incidents["target_s"]).sum())
    out = [f"**Emergency response: {_share(within, len(incidents))} of {_plural(len(incidents), 'incident')} "
           f"reached within target** ({reached} reached in all). Response time here is *call received → first "
           "unit on scene*: the whole chain a caller waits through. NFPA 1710's 240 s and 480 s count *travel* "
           "only, so a target borrowed from it is stricter here than in the standard.",
           "\n".join(compliance_lines(run, incidents))]
    if reached:
        out += ["**Where the time goes** (mean per incident reached; the four stages add up to the response "
                "time; waiting = ready for dispatch → the first-arriving unit was sent):", stage_table(incidents)]
    out += [line for line in (answering_line(run), load_line(run)) if line]
    out += worst_lines(run, incidents)
    placed = placement_line(run)
    if placed:
        out.append(placed)
    return out
