"""Where and when incidents happen: a non-homogeneous Poisson process.

The intensity is piecewise constant by the hour: ``per_day / 24`` times the
hour-of-day multiplier times the day-of-week multiplier (both normalised to mean
1). Within an hour arrivals are uniform, so generating hour by hour (a Poisson
count, then uniform times) is exact for this intensity and needs no thinning.
Locations are drawn from the city's population weights; the incident type from
the types' shares. Everything an incident will need later (on-scene duration,
whether a patient goes to hospital, call-handling times) is drawn here, from
streams of its own, so that two variants of a scenario see the same incidents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from twin.sim.rng import RandomStreams
from twin.systems.response.config import ResponseConfig


@dataclass
class IncidentPlan:
    """All incidents of a run, one array entry each, sorted by time.

    Attributes
    ----------
    time : float64
        Seconds since the start.
    node : int64
        Drivable-network node.
    type_index : int64
        Index into ``types``.
    priority : int64
        1 (most urgent) to 3.
    on_scene_s, handover_s, ring_s, interview_s, dispatch_s : float64
        Pre-drawn durations, seconds.
    transport : bool
        Whether a patient is taken to hospital.
    types : tuple of str
        Incident type names.

    Incidents reported by other systems during the run are appended with
    :meth:`add`; the arrays grow by doubling, so appending is amortised O(1).
    """

    time: np.ndarray
    node: np.ndarray
    type_index: np.ndarray
    priority: np.ndarray
    on_scene_s: np.ndarray
    handover_s: np.ndarray
    ring_s: np.ndarray
    interview_s: np.ndarray
    dispatch_s: np.ndarray
    transport: np.ndarray
    types: tuple[str, ...]

    def __post_init__(self) -> None:
        self.count = len(self.time)
        self.planned = self.count

    def __len__(self) -> int:
        return self.count

    _ARRAYS = ("time", "node", "type_index", "priority", "on_scene_s", "handover_s", "ring_s",
               "interview_s", "dispatch_s", "transport")

    def add(self, **values: float | int | bool) -> int:
        """Append one incident (every array's value by name); return its id."""
        if self.count == len(self.time):
            for name in self._ARRAYS:
                old = getattr(self, name)
                grown = np.zeros(max(16, 2 * len(old)), dtype=old.dtype)
                grown[:len(old)] = old
                setattr(self, name, grown)
        incident = self.count
        for name in self._ARRAYS:
            getattr(self, name)[incident] = values[name]
        self.count += 1
        return incident


def hourly_rates(config: ResponseConfig, start: datetime, hours: int) -> np.ndarray:
    """Mean incidents in each hour from ``start`` on (the first hour may be partial)."""
    hour = np.asarray(config.arrivals.hour_profile, dtype=float)
    week = np.asarray(config.arrivals.weekday_profile, dtype=float)
    hour, week = hour / hour.mean(), week / week.mean()
    first = start.replace(minute=0, second=0, microsecond=0)
    stamps = [first + timedelta(hours=h) for h in range(hours)]
    return np.array([config.arrivals.per_day / 24 * hour[s.hour] * week[s.weekday()] for s in stamps])


def plan_incidents(config: ResponseConfig, population_weight: np.ndarray, streams: RandomStreams,
                   start: datetime, duration_s: float) -> IncidentPlan:
    """Draw every incident of a run.

    Parameters
    ----------
    config : ResponseConfig
    population_weight : float64 array
        Per drivable node, sums to 1: the spatial intensity.
    streams : RandomStreams
    start : datetime
        Scenario start.
    duration_s : float
        Length of the run, seconds.
    """
    offset = start.minute * 60 + start.second + start.microsecond / 1e6  # into the first hour
    hours = int(np.ceil((duration_s + offset) / 3600))
    rates = hourly_rates(config, start, hours)
    arrivals = streams("response.arrivals")
    counts = arrivals.poisson(rates)
    hour_of = np.repeat(np.arange(hours), counts)
    times = np.sort((hour_of + arrivals.random(hour_of.size)) * 3600 - offset)
    times = times[(times >= 0) & (times < duration_s)]
    n = times.size

    nodes = streams("response.locations").choice(len(population_weight), size=n, p=population_weight)
    names = tuple(config.incident_types)
    kinds = [config.incident_types[name] for name in names]
    shares = np.array([k.share if k.arrivals == "poisson" else 0.0 for k in kinds])
    if shares.sum() == 0:  # every type comes from other systems
        n, times, nodes = 0, times[:0], nodes[:0]
        shares = np.ones(len(kinds))
    type_index = streams("response.types").choice(len(names), size=n, p=shares / shares.sum())
    priority = np.array([k.priority for k in kinds], dtype=np.int64)[type_index]

    on_scene = np.empty(n)
    transport = np.zeros(n, dtype=bool)
    for i, kind in enumerate(kinds):
        mask = type_index == i
        on_scene[mask] = kind.on_scene.sample(streams(f"response.on_scene.{names[i]}"), int(mask.sum()))
        transport[mask] = streams(f"response.transport.{names[i]}").random(int(mask.sum())) < kind.transport_probability
    calls = config.call_handling
    return IncidentPlan(
        time=times, node=nodes.astype(np.int64), type_index=type_index.astype(np.int64), priority=priority,
        on_scene_s=on_scene, transport=transport,
        handover_s=np.asarray(config.handover_s.sample(streams("response.handover"), n), dtype=float),
        ring_s=np.asarray(calls.ring_s.sample(streams("response.ring"), n), dtype=float),
        interview_s=np.asarray(calls.interview_s.sample(streams("response.interview"), n), dtype=float),
        dispatch_s=np.asarray(calls.dispatch_s.sample(streams("response.dispatch_time"), n), dtype=float),
        types=names,
    )


def draw_incident(config: ResponseConfig, streams: RandomStreams, incident_type: str) -> dict[str, float | bool]:
    """Durations and transport of one reported incident, from streams of its type."""
    kind = config.incident_types[incident_type]
    rng = streams(f"response.reported.{incident_type}")
    calls = config.call_handling
    return {
        "priority": kind.priority,
        "on_scene_s": float(kind.on_scene.sample(rng)),
        "transport": bool(rng.random() < kind.transport_probability),
        "handover_s": float(config.handover_s.sample(rng)),
        "ring_s": float(calls.ring_s.sample(rng)),
        "interview_s": float(calls.interview_s.sample(rng)),
        "dispatch_s": float(calls.dispatch_s.sample(rng)),
    }
