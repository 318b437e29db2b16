"""A hand-made world for policy tests: one straight two-way road, stations along it.

Nodes ``0 .. n-1`` lie 500 m apart on an east-west line; every hop takes
``HOP_S`` seconds both ways. Call handling and turnout take no time and lights
and sirens change nothing, so a unit's response time is its network travel time
and coverage radii can be read off the node numbers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from pyproj import Transformer

from twin.city import City, Facilities, RoadNetwork
from twin.sim.model import CityModel
from twin.systems.response import ResponseSystem
from twin.systems.response.config import ResponseConfig
from twin.systems.response.incidents import IncidentPlan

HOP_S = 30.0
CRS = "EPSG:32635"
X0, Y0 = 385_000.0, 6_672_000.0
ZERO = {"distribution": "fixed", "mean_s": 0}


def line_city(weights: list[float]) -> City:
    """A straight road of ``len(weights)`` nodes with these population weights."""
    n = len(weights)
    x = X0 + 500.0 * np.arange(n)
    y = np.full(n, Y0)
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(x, y)
    tail = np.concatenate([np.arange(n - 1), np.arange(1, n)])
    head = np.concatenate([np.arange(1, n), np.arange(n - 1)])
    m = tail.size
    net = RoadNetwork(
        crs=CRS, x=x, y=y, lon=np.asarray(lon), lat=np.asarray(lat), osmid=np.arange(n, dtype=np.int64),
        edge_u=tail.astype(np.int64), edge_v=head.astype(np.int64), edge_length=np.full(m, 500.0),
        edge_speed=np.full(m, 500.0 / HOP_S * 3.6), edge_time=np.full(m, HOP_S),
        edge_class=np.full(m, 6, dtype=np.int8), edge_lit=np.ones(m, dtype=np.int8),
        edge_oneway=np.zeros(m, dtype=bool),
    )
    w = np.asarray(weights, dtype=float)
    return City(name="line", source="line", drive=net, walk=net, signal_nodes=np.zeros(0, dtype=np.int64),
                crossing_nodes=np.zeros(0, dtype=np.int64), population_weight=w / w.sum(),
                population_basis="synthetic", facilities=Facilities())


def at(city: City, node: int) -> dict[str, float]:
    """A station or hospital position (degrees) exactly at ``node``."""
    return {"lon": float(city.drive.lon[node]), "lat": float(city.drive.lat[node])}


def response_config(city: City, station_nodes: list[int], count: int, *, dispatch: dict[str, Any] | None = None,
                    relocation: dict[str, Any] | None = None, targets: tuple[float, float, float] = (300, 900, 1800),
                    on_scene_s: float = 1000.0) -> ResponseConfig:
    """Ambulances only, ``count`` of them spread round-robin over stations at ``station_nodes``."""
    def kind(priority: int) -> dict[str, Any]:
        return {"share": 1, "priority": priority, "units": {"ambulance": 1},
                "on_scene": {"distribution": "fixed", "mean_s": on_scene_s}}
    return ResponseConfig.model_validate({
        "arrivals": {"per_day": 0},
        "incident_types": {"p1": kind(1), "p2": kind(2), "p3": kind(3)},
        "call_handling": {"ring_s": ZERO, "interview_s": ZERO, "dispatch_s": ZERO},
        "units": {"ambulance": {"count": count, "stations": [at(city, s) for s in station_nodes],
                                "turnout_s": ZERO}},
        "hospitals": [at(city, 0)],
        "handover_s": ZERO,
        "lights_and_sirens": {1: 1.0, 2: 1.0, 3: 1.0},
        "targets_s": dict(zip((1, 2, 3), targets)),
        "dispatch": dispatch or {"name": "closest"},
        "relocation": relocation or {"name": "none"},
    })


def install(city: City, config: ResponseConfig, duration_s: float = 86_400.0) -> tuple[CityModel, ResponseSystem]:
    """A model with the response system installed (nothing run yet)."""
    model = CityModel(city, start=datetime(2026, 11, 2), seed=1, duration_s=duration_s)
    system = ResponseSystem()
    model.install(system, config)
    return model, system


def script(system: ResponseSystem, incidents: list[tuple[float, int, str]]) -> None:
    """Replace the drawn incidents with ``(time s, node, type)`` ones; on scene as configured, no transport.

    Call before the model runs: the centre reads the plan when it starts.
    """
    names = tuple(system.config.incident_types)
    n = len(incidents)
    type_index = np.array([names.index(t) for _, _, t in incidents], dtype=np.int64)
    system.plan = IncidentPlan(
        time=np.array([t for t, _, _ in incidents], dtype=float),
        node=np.array([v for _, v, _ in incidents], dtype=np.int64),
        type_index=type_index,
        priority=np.array([system.config.incident_types[names[i]].priority for i in type_index], dtype=np.int64),
        on_scene_s=np.array([system.config.incident_types[names[i]].on_scene.mean_s for i in type_index]),
        handover_s=np.zeros(n), ring_s=np.zeros(n), interview_s=np.zeros(n), dispatch_s=np.zeros(n),
        transport=np.zeros(n, dtype=bool), types=names,
    )
