"""The emergency-response system: install units, hospitals and the centre on a model."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from twin.city import City
from twin.city.routing import Router
from twin.errors import TwinError
from twin.kernels.dijkstra import path_to
from twin.kernels.trees import advance_on_tree, path_elapsed
from twin.present.replay import Replay
from twin.present.stored import StoredRun
from twin.present.tables import Section, Table
from twin.sim import policies
from twin.sim.budget import Estimate
from twin.sim.events import Event, IncidentReported
from twin.sim.model import CityModel
from twin.sim.queries import EDGE_TRAVEL_TIME_S, UNITS_PER_NODE
from twin.sim.system import Problem, System
from twin.systems.response.agents import Hospital, Status, Unit
from twin.systems.response.centre import DispatchCentre
from twin.systems.response.config import (
    STATION_KINDS,
    UNIT_TYPES,
    ResponseConfig,
    Station,
    check_scenario,
    estimate,
)
from twin.systems.response.coverage import MAX_DEMAND_POINTS, Coverage, demand_points
from twin.systems.response.incidents import IncidentPlan, draw_incident, plan_incidents
from twin.systems.response.kpis import response_kpis
from twin.systems.response.movements import MovementLog
from twin.systems.response.policies import NoRelocation, ResponseContext
from twin.systems.response.replay import replay as response_replay
from twin.systems.response.report import HEADLINE, RULES, console_table, side_tables
from twin.systems.response.report import section as response_section
from twin.systems.response.summary import summary as response_summary


def spread_nodes(city: City, count: int) -> np.ndarray:
    """``count`` nodes spread over the populated area: greedy farthest-point
    selection among nodes with above-median population weight, starting next
    to the population-weighted centre."""
    net = city.drive
    weight = city.population_weight
    candidates = np.flatnonzero(weight >= np.median(weight))
    cx = float(np.dot(weight, net.x))
    cy = float(np.dot(weight, net.y))
    first = candidates[np.argmin(np.hypot(net.x[candidates] - cx, net.y[candidates] - cy))]
    chosen = [int(first)]
    nearest = np.hypot(net.x[candidates] - net.x[first], net.y[candidates] - net.y[first])
    while len(chosen) < min(count, len(candidates)):
        pick = int(candidates[np.argmax(nearest)])
        chosen.append(pick)
        nearest = np.minimum(nearest, np.hypot(net.x[candidates] - net.x[pick], net.y[candidates] - net.y[pick]))
    return np.array(chosen, dtype=np.int64)


#: A placed station or hospital: its node, name, position (x, y: metres in the city's CRS) and
#: how it was placed: ``"given"`` (the scenario's lon/lat), ``"osm"`` (a facility of the
#: extract) or ``"spread"`` (placed by the twin over the populated area).
Placed = tuple[int, str, float, float, str]


def _snap(city: City, stations: list[Station], where: str) -> list[Placed]:
    placed = []
    for i, station in enumerate(stations):
        x, y = city.to_projected(station.lon, station.lat)
        node, dist = city.drive.nearest_node(x, y)
        if dist[0] > 1000:
            raise TwinError(f"{where}[{i}]: ({station.lon}, {station.lat}) is {dist[0]:,.0f} m from the "
                            f"nearest road of {city.name}: the station is off the network")
        placed.append((int(node[0]), station.name or f"{where.split('.')[-2]} {i + 1}", float(x[0]), float(y[0]),
                       "given"))
    return placed


def _at_node(city: City, node: int, name: str, how: str) -> Placed:
    return int(node), name, float(city.drive.x[node]), float(city.drive.y[node]), how


def _at_facility(city: City, row: int, name: str) -> Placed:
    fac = city.facilities
    return int(fac.node[row]), name, float(fac.x[row]), float(fac.y[row]), "osm"


class ResponseSystem(System):
    """Emergency calls, dispatch and units (scenario section ``response``)."""

    section: ClassVar[str] = "response"
    title: ClassVar[str] = "Emergency response"
    order: ClassVar[int] = 10
    Config: ClassVar[type[ResponseConfig]] = ResponseConfig
    kpi_rules = RULES
    headline = HEADLINE

    @classmethod
    def report(cls, run: StoredRun) -> Section:
        """The "Emergency response" section of a run report (:func:`.report.section`)."""
        return response_section(run)

    @classmethod
    def summary(cls, run: StoredRun) -> list[str]:
        """Compliance against targets and their sources, where the time goes, the worst incidents and
        why, placed stations (:func:`.summary.summary`)."""
        return response_summary(run)

    @classmethod
    def replay(cls, run: StoredRun) -> Replay:
        """Stations, hospitals, incidents, units moving and requests waiting, for the browser (:mod:`.replay`)."""
        return response_replay(run)

    @classmethod
    def console(cls, kpis: Mapping[str, Any], config: ResponseConfig) -> Table | None:
        """Response times per priority, utilisation, queue and unserved incidents."""
        return console_table(kpis)

    @classmethod
    def gis(cls, run: StoredRun) -> dict[str, Any]:
        """Incidents, stations, hospitals and units as map layers (:mod:`.gis`)."""
        from twin.systems.response.gis import layers  # geopandas only when writing layers, not to load a scenario

        return layers(run)

    def outputs(self) -> dict[str, pd.DataFrame]:
        """Stations with the units based there, hospitals, units, and where every unit drove
        (``stations``, ``hospitals``, ``units``, ``movements``: see ``docs/outputs.md``)."""
        now = self.model.now
        pending = [unit.leg.until(now) for unit in self.units if unit.leg is not None]
        return {**side_tables(self), "movements": self.movements.frame(self.model.city.drive, pending)}

    @classmethod
    def check(cls, scenario: Any) -> list[Problem]:
        """Mistakes the ``response`` section shows only as a whole (:func:`.config.check_scenario`)."""
        return check_scenario(scenario)

    @classmethod
    def estimate(cls, scenario: Any, nodes: int | None) -> Estimate:
        """Memory and events of the section's units and incidents (:func:`.config.estimate`)."""
        return estimate(scenario, nodes)

    def install(self, model: CityModel, config: ResponseConfig) -> None:
        """Place stations, units and hospitals; plan the incidents; start the centre."""
        self.model = model
        self.config = config
        city = model.city
        self.router = Router(city.drive)
        self.policy = policies.create("dispatch", config.dispatch.name, config.dispatch.params,
                                      where="response.dispatch")
        self.relocation = policies.create("relocation", config.relocation.name, config.relocation.params,
                                          where="response.relocation")
        self._relocating = not isinstance(self.relocation, NoRelocation)
        self._coverage: dict[tuple[str, float | None, int], Coverage] = {}
        self._demand: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._turnout = model.streams("response.turnout")

        self.station_nodes, self.station_names, station_of_type = self._stations(city)
        #: Station indices per unit type: where units of that type may be based.
        self.stations_of: dict[str, list[int]] = station_of_type
        self.units: list[Unit] = []
        self.units_of: dict[str, list[Unit]] = {t: [] for t in UNIT_TYPES}
        for unit_type, fleet in config.units.items():
            if fleet.count == 0:
                continue  # a type listed with no units has no stations either
            homes = station_of_type[unit_type]
            for i in range(fleet.count):
                unit = Unit(model, self, len(self.units), unit_type, homes[i % len(homes)])
                self.units.append(unit)
                self.units_of[unit_type].append(unit)

        #: Where each hospital is and how it was placed (x, y in metres, "given" / "osm" / "spread").
        self.hospital_places = self._hospitals(city)
        self.hospitals = [Hospital(model, i, node, name) for i, (node, name, *_) in enumerate(self.hospital_places)]
        #: Every unit's drives, node by node (the ``movements`` side table).
        self.movements = MovementLog()
        # All-to-one trees to every station with units and to every hospital: routes home and
        # to hospital are then lookups, never searches. A station without units (a big city has
        # hundreds of facilities) gets its tree the first time it is asked for (_home_tree).
        self._tree_router = self.router
        homes = np.unique(np.array([unit.home for unit in self.units], dtype=np.int64))
        self._home_trees = {int(n): self.router.times_to(int(n)) for n in homes}
        self._hospital_time = np.vstack([self.router.times_to(h.node)[0] for h in self.hospitals])
        #: The router of drives to hospital (the times of ``_hospital_time``).
        self.hospital_router = self.router

        self.plan: IncidentPlan = plan_incidents(config, city.population_weight, model.streams,
                                                 model.start, model.duration_s)
        self.centre = DispatchCentre(self)
        # Policies that need more than their call's arguments (coverage tables, the clock)
        # get a narrow view of the system once, now.
        self.policy_context = self._policy_context()
        for policy in (self.policy, self.relocation):
            if hasattr(policy, "install"):
                policy.install(self.policy_context)
        model.env.process(self.centre.incidents())
        model.bus.subscribe(IncidentReported, self._on_report)
        self._free_flow = self.router
        self._routine_router: Router | None = None  # set when another system provides travel times
        model.env.process(self._refresh_routing())
        model.provide(UNITS_PER_NODE, self.units_per_node)

    def _policy_context(self) -> ResponseContext:
        """What the dispatch and relocation policies may look at (live views, read-only)."""
        model = self.model
        return ResponseContext(
            config=self.config, units=self.units, units_of=self.units_of, station_nodes=self.station_nodes,
            station_names=self.station_names, stations_of=self.stations_of,
            population_weight=model.city.population_weight, now=lambda: model.now, streams=model.streams,
            router_for=self.router_for, drive_s=self.drive_s, network_s=self.network_s,
            time_to_station=self.time_to_station, coverage=self.coverage)

    def _stations(self, city: City) -> tuple[np.ndarray, list[str], dict[str, list[int]]]:
        nodes: list[int] = []
        names: list[str] = []
        of_type: dict[str, list[int]] = {}
        #: Where each station is and how it was placed (x, y in metres, "given" / "osm" / "spread").
        self.station_places: list[Placed] = []
        for unit_type, fleet in self.config.units.items():
            if fleet.count == 0:
                continue
            if fleet.stations == "auto":
                placed = self._auto_stations(city, unit_type, fleet.count)
            else:
                placed = _snap(city, fleet.stations, f"response.units.{unit_type}.stations")
            of_type[unit_type] = list(range(len(nodes), len(nodes) + len(placed)))
            nodes += [node for node, *_ in placed]
            names += [name for _, name, *_ in placed]
            self.station_places += placed
        return np.array(nodes, dtype=np.int64), names, of_type

    def _auto_stations(self, city: City, unit_type: str, count: int) -> list[Placed]:
        fac = city.facilities
        for kind in STATION_KINDS[unit_type]:
            rows = fac.of_kind(kind)
            if len(rows):
                return [_at_facility(city, r, fac.name[r] or f"{kind} {r}") for r in rows]
        spread = spread_nodes(city, math.ceil(count / 2))
        return [_at_node(city, n, f"{unit_type} station {i + 1}", "spread") for i, n in enumerate(spread)]

    def _hospitals(self, city: City) -> list[Placed]:
        if self.config.hospitals != "auto":
            return _snap(city, self.config.hospitals, "response.hospitals")
        rows = city.facilities.of_kind("hospital")
        if len(rows):
            return [_at_facility(city, r, city.facilities.name[r] or f"hospital {r}") for r in rows]
        return [_at_node(city, spread_nodes(city, 1)[0], "hospital (placed)", "spread")]

    def _refresh_routing(self) -> Any:
        """Route on the travel times another system provides (congestion, signals),
        re-read on a schedule rather than per query: units with lights and sirens on
        the emergency times (no delay at preempted signals), the others on the times
        of ordinary traffic. Trees home and to hospitals stay on free-flow times."""
        if not self.model.has_query(EDGE_TRAVEL_TIME_S):
            return
        net = self.model.city.drive
        while True:
            emergency = self.model.query(EDGE_TRAVEL_TIME_S, emergency=True)
            routine = self.model.query(EDGE_TRAVEL_TIME_S, emergency=False)
            self.router = Router(net, emergency, landmarks_from=self._free_flow)
            # Without preemption the two are the same times: one router serves both.
            self._routine_router = (self.router if np.array_equal(routine, emergency)
                                    else Router(net, routine, landmarks_from=self._free_flow))
            yield self.model.env.timeout(self.config.routing_refresh_s)

    def router_for(self, priority: int) -> Router:
        """The router of a trip to an incident of ``priority``: with lights and sirens
        (a speed factor above 1) the emergency one, else that of ordinary traffic."""
        if self._routine_router is None or self.config.lights_and_sirens.get(priority, 1.0) > 1.0:
            return self.router
        return self._routine_router

    def units_per_node(self, unit_type: str = "police") -> np.ndarray:
        """Units of a type at (or last passing) each drive node now; read-only view for other systems."""
        counts = np.zeros(self.model.city.drive.n_nodes, dtype=np.int32)
        for unit in self.units_of.get(unit_type, ()):
            counts[unit.position()] += 1
        return counts

    def _on_report(self, report: IncidentReported) -> None:
        """Another system found an incident: it becomes a call like any other."""
        config = self.config
        if report.incident_type not in config.incident_types:
            raise TwinError(f"{report.source or 'a system'} reported an incident of type "
                            f"{report.incident_type!r}, which response.incident_types does not define")
        node = report.node if report.node >= 0 else int(self.model.city.drive.nearest_node(report.x, report.y)[0][0])
        incident = self.plan.add(time=self.model.now, node=node,
                                 type_index=self.plan.types.index(report.incident_type),
                                 **draw_incident(config, self.model.streams, report.incident_type))
        self.centre.take_report(incident)

    # --- services for units and the centre -------------------------------------------------

    def publish(self, event_type: type[Event], *, node: int = -1, **fields: Any) -> None:
        """Publish an event of this system, stamped with the time and the node's position."""
        net = self.model.city.drive
        x = float(net.x[node]) if node >= 0 else math.nan
        y = float(net.y[node]) if node >= 0 else math.nan
        self.model.publish(event_type(time=self.model.now, node=node, x=x, y=y, **fields))

    def turnout_s(self, unit_type: str) -> float:
        """Crew-to-vehicle time of a unit of this type, seconds."""
        return float(self.config.units[unit_type].turnout_s.sample(self._turnout))

    def drive_s(self, network_s: float, priority: int | None = None) -> float:
        """Driving time for a network travel time, with lights and sirens for ``priority``."""
        factor = self.config.lights_and_sirens.get(priority, 1.0) if priority is not None else 1.0
        return network_s * self.config.travel_time_scale / factor

    def network_s(self, drive_s: float, priority: int | None = None) -> float:
        """The network travel time (s) that takes ``drive_s`` seconds to drive
        (inverse of :meth:`drive_s`); ``inf`` when driving is instantaneous."""
        factor = self.config.lights_and_sirens.get(priority, 1.0) if priority is not None else 1.0
        scale = self.config.travel_time_scale
        return drive_s * factor / scale if scale > 0 else math.inf

    def pre_travel_s(self, unit_type: str) -> float:
        """Mean time from a call to the unit leaving: call handling plus turnout, seconds."""
        calls = self.config.call_handling
        return (calls.ring_s.mean_s + calls.interview_s.mean_s + calls.dispatch_s.mean_s
                + self.config.units[unit_type].turnout_s.mean_s)

    def coverage(self, unit_type: str, coverage_s: float | None = None,
                 max_points: int = MAX_DEMAND_POINTS) -> Coverage:
        """Coverage tables of one unit type (built on first use, then shared by the policies).

        A demand point counts as covered by a unit when the expected response
        time -- mean call handling, mean turnout, then the drive with priority-1
        lights and sirens -- is at most ``coverage_s`` (default: the priority-1 target).

        Parameters
        ----------
        unit_type : str
        coverage_s : float, optional
            Response-time threshold, seconds.
        max_points : int
            Cap on demand points (see :func:`~twin.systems.response.coverage.demand_points`).
        """
        key = (unit_type, coverage_s, max_points)
        if key not in self._coverage:
            if max_points not in self._demand:
                net = self.model.city.drive
                self._demand[max_points] = demand_points(net.x, net.y, self.model.city.population_weight, max_points)
            nodes, weights = self._demand[max_points]
            threshold = self.config.targets_s.get(1, 480.0) if coverage_s is None else coverage_s
            radius = max(self.network_s(threshold - self.pre_travel_s(unit_type), 1), 0.0)
            stations = self.station_nodes[self.stations_of.get(unit_type, [])]
            self._coverage[key] = Coverage(self.router, nodes, weights, radius, stations)
        return self._coverage[key]

    def time_to_station(self, node: int, station: int) -> float:
        """Network travel time (s) from ``node`` to station ``station`` (an index)."""
        return float(self._home_tree(int(self.station_nodes[station]))[0][node])

    def _home_tree(self, station_node: int) -> tuple[np.ndarray, np.ndarray]:
        """Free-flow travel times to ``station_node`` from every node, and the successor tree."""
        tree = self._home_trees.get(station_node)
        if tree is None:
            tree = self._home_trees[station_node] = self._tree_router.times_to(station_node)
        return tree

    def reposition(self, unit_type: str) -> None:
        """Let the relocation policy move idle units of ``unit_type`` between stations.

        Called after every dispatch and every unit clearing.
        """
        if not self._relocating:
            return
        idle = [u for u in self.units_of[unit_type] if u.available]
        if not idle:
            return
        allowed = self.stations_of[unit_type]
        for unit, station in self.relocation.moves(unit_type, idle, allowed):
            if station not in allowed:
                raise TwinError(f"relocation policy {self.config.relocation.name!r} sent {unit_type} unit {unit.uid} "
                                f"to station {station}, which is not a {unit_type} station")
            if unit.available and station != unit.station:
                unit.relocate(station)

    def nearest_hospital(self, node: int) -> tuple[Hospital, float]:
        """The hospital reached soonest from ``node``, with the network travel time (s)."""
        index = int(np.argmin(self._hospital_time[:, node]))
        return self.hospitals[index], float(self._hospital_time[index, node])

    def time_home(self, unit: Unit, node: int) -> float:
        """Network travel time (s) from ``node`` to the unit's station."""
        return float(self._home_tree(unit.home)[0][node])

    def route(self, router: Router, source: int, target: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The fastest route from ``source`` to ``target`` on ``router``: its nodes, and the
        network travel time (s) from ``source`` to each (for the movement log; None when the
        run keeps no replay)."""
        if not self.model.replay:
            return None  # a route query per drive is the movement log's cost: skip it
        _, path = router.route(source, target)
        if len(path) == 0:  # unreachable: dispatch never sends such a unit; log a jump rather than fail
            path = np.array([source, target], dtype=np.int64)
            return path, np.array([0.0, 1.0])
        return path, path_elapsed(router.indptr, router.indices, router.weights, path)

    def route_home(self, unit: Unit, start: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The route home from ``start`` down the free-flow tree (the one :meth:`node_on_way_home`
        walks): its nodes, and the network travel time (s) from ``start`` to each (None when
        the run keeps no replay)."""
        if not self.model.replay:
            return None
        dist, succ = self._home_tree(unit.home)
        path = path_to(succ, start, dist)[::-1]
        return path, dist[start] - dist[path]

    def node_on_way_home(self, unit: Unit, start: int, elapsed_s: float) -> int:
        """The last node passed ``elapsed_s`` seconds after leaving ``start`` for home."""
        dist, succ = self._home_tree(unit.home)
        scale = self.config.travel_time_scale
        if scale == 0:
            return unit.home
        return int(advance_on_tree(succ, dist, start, elapsed_s / scale))

    def reporters(self) -> dict[str, Any]:
        """Sampled every interval: busy units per type and the pending queue."""
        def busy(unit_type: str) -> Any:
            return lambda m: sum(1 for u in self.units_of[unit_type] if not u.available)
        reporters: dict[str, Any] = {f"busy_{t}": busy(t) for t in self.config.units}
        reporters["queue_length"] = lambda m: self.centre.queue_length
        reporters["returning_units"] = lambda m: sum(1 for u in self.units if u.status is Status.RETURNING)
        if self._relocating:
            reporters["relocating_units"] = lambda m: sum(1 for u in self.units if u.status is Status.RELOCATING)
        return reporters

    def kpis(self, events: pd.DataFrame, config: ResponseConfig, model: CityModel) -> dict[str, Any]:
        """Response-time, utilisation and queue KPIs (see :mod:`twin.systems.response.kpis`)."""
        fleet = {t: f.count for t, f in config.units.items()}
        targets = {name: config.target_of(name) for name in config.incident_types}
        return response_kpis(events, fleet, targets, warmup_s=model.warmup_s, end_s=model.duration_s)
