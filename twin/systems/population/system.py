"""The population system: people as arrays, moved by a kernel every tick.

On install it builds (or takes from the cache) the zones and trees of both
networks, draws everyone's home, workplace and other place, puts them where
their schedule says they are at the start, and starts one simpy process that
calls the movement kernel every ``tick_s`` seconds. Other systems read it
through queries (``people_per_node``, ``people_counts``) and direct it through
the bus (:class:`~twin.sim.events.EvacuationOrdered`).

Every ``snapshot_every_s`` seconds (an hour by default) the system keeps the
people per drivable node, for the report's density maps
(:meth:`PopulationSystem.presence_snapshots`). They stay on the system, not in
the event log: a snapshot is 4 bytes a node, a day of hourly ones about a
hundred bytes a node.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar

import numba
import numpy as np
import pandas as pd

from twin.errors import TwinError
from twin.kernels.geometry import points_in_circle, points_in_polygon
from twin.kernels.movement import (
    ACTIVITIES,
    DAY_S,
    HOME,
    METRES,
    N_ACC,
    OTHER,
    SHELTER,
    WORK,
    Crowd,
    DayPlan,
    Ways,
    count_per_node,
    count_states,
    direct_people,
    settle_people,
    step_people,
)
from twin.present.console import kpi_table
from twin.present.stored import StoredRun
from twin.present.tables import Section, Table
from twin.sim.budget import Estimate
from twin.sim.events import EvacuationOrdered
from twin.sim.model import CityModel
from twin.sim.queries import PEOPLE_COUNTS, PEOPLE_PER_NODE
from twin.sim.system import System
from twin.systems.population.config import (
    MEMORY_SHARE,
    Block,
    PopulationConfig,
    available_memory,
    estimate,
)
from twin.systems.population.events import PeopleDirected, ShelterReached
from twin.systems.population.kpis import evacuation_kpis, travel_kpis
from twin.systems.population.people import (
    DRIVE,
    MODES,
    PERSON_COLUMNS,
    WALK,
    People,
    bytes_per_person,
)
from twin.systems.population.places import (
    draw_by_gravity,
    draw_in_zones,
    draw_nodes,
    place_weights,
)
from twin.systems.population.report import CONSOLE, RULES, presence_table
from twin.systems.population.report import section as population_section
from twin.systems.population.zones import MoveNet, Zones, target_tree, zones_for, zones_for_width

#: Most threads that move people (one slice of people each).
MAX_THREADS = 16
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """Threads shared by every population in the process (created on first use)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=MAX_THREADS, thread_name_prefix="population")
    return _POOL


_CODES = {"home": HOME, "work": WORK, "other": OTHER, "stay": -1}
#: Plan ids: named in the per-person draws, so weekday and weekend draws differ.
WEEKDAY_PLAN, WEEKEND_PLAN = 0, 1
#: Tolerance when checking whether a snapshot time has come (simpy times are sums of floats), s.
_SNAPSHOT_EPS = 1e-6


def day_plan(blocks: Sequence[Block]) -> DayPlan:
    """A validated schedule as the kernel's arrays."""
    return DayPlan(
        start=np.array([b.start for b in blocks], dtype=np.float64),
        spread=np.array([b.spread_min * 60.0 for b in blocks], dtype=np.float64),
        share=np.array([b.share for b in blocks], dtype=np.float64),
        activity=np.array([_CODES[b.activity] for b in blocks], dtype=np.int8),
        otherwise=np.array([_CODES[b.otherwise] for b in blocks], dtype=np.int8),
        per_person=np.array([b.per_person for b in blocks], dtype=np.bool_),
    )


@dataclass
class Order:
    """A shelter order being carried out."""

    index: int
    time: float
    shelter: int
    people: int
    remaining: int
    done: bool = False


class PopulationSystem(System):
    """Residents with daily schedules, walking and driving (scenario section ``population``)."""

    section: ClassVar[str] = "population"
    title: ClassVar[str] = "People"
    order: ClassVar[int] = 50
    Config: ClassVar[type[PopulationConfig]] = PopulationConfig
    kpi_rules = RULES

    @classmethod
    def report(cls, run: StoredRun) -> Section:
        """The "People" section of a run report (:func:`.report.section`)."""
        return population_section(run)

    @classmethod
    def console(cls, kpis: Mapping[str, Any], config: PopulationConfig) -> Table | None:
        """Trips by mode."""
        return kpi_table(cls, kpis, config, CONSOLE)

    def outputs(self) -> dict[str, pd.DataFrame]:
        """The snapshots of people per node that the report maps (``presence``)."""
        times, counts = self.presence_snapshots()
        return {"presence": presence_table(times, counts, self.model.start, self.model.warmup_s)}

    @classmethod
    def estimate(cls, scenario: Any, nodes: int | None) -> Estimate:
        """Memory and steps of the section (:func:`.config.estimate`)."""
        return estimate(scenario, nodes)

    def install(self, model: CityModel, config: PopulationConfig) -> None:
        """Build zones and trees, draw the people, settle them, start the tick process."""
        self.model = model
        self.config = config
        city = model.city
        population = np.asarray(city.population_weight, dtype=np.float64)
        # Each drive node's population goes to the walk node nearest to it.
        self.drive_to_walk = city.walk.nearest_node(city.drive.x, city.drive.y)[0].astype(np.int32)
        self.walk_to_drive = city.drive.nearest_node(city.walk.x, city.walk.y)[0].astype(np.int32)
        walk_weight = np.bincount(self.drive_to_walk, weights=population, minlength=city.walk.n_nodes)
        drive_net, drive_zones = zones_for(city.drive, "drive", population, config.zones)
        walk_zone_count = zones_for_width(city.area_km2(), config.walk_zones, config.walk_zone_km)
        walk_net, walk_zones = zones_for(city.walk, "walk", walk_weight, walk_zone_count,
                                         same_as_drive=city.walk is city.drive)
        self.nets: dict[int, MoveNet] = {DRIVE: drive_net, WALK: walk_net}
        self.zones: dict[int, Zones] = {DRIVE: drive_zones, WALK: walk_zones}
        self._check_memory()

        self.people = self._draw_people(population, walk_weight)
        self._target_rows: dict[int, dict[int, int]] = {DRIVE: {}, WALK: {}}
        self.ways = {mode: self._ways(mode, np.empty((0, self.nets[mode].n_nodes, 2), dtype=np.int32),
                                     np.empty((0, self.nets[mode].n_nodes), dtype=np.float32))
                     for mode in (DRIVE, WALK)}
        self.plans = {WEEKDAY_PLAN: day_plan(config.schedules.weekday),
                      WEEKEND_PLAN: day_plan(config.schedules.weekend)}
        self.key = np.uint64(model.streams("population.schedule").integers(0, 2**63))
        self._midnight_offset = (model.start - model.start.replace(hour=0, minute=0, second=0,
                                                                   microsecond=0)).total_seconds()
        self.totals = {mode: np.zeros(N_ACC) for mode in MODES}
        self.orders: list[Order] = []
        self._last_step = model.now
        # Each mode's people in as many slices as threads: the kernel releases
        # the GIL, so slices move side by side (see step_people on why not prange).
        self._threads = max(1, min(config.threads or numba.get_num_threads(), MAX_THREADS))
        self._crowds = {mode: self._slices(mode, self._threads) for mode in (DRIVE, WALK)}
        self._version = 0
        self._cache: dict[Any, Any] = {}
        self._snapshot_times: list[float] = []
        self._snapshots: list[np.ndarray] = []
        self._next_snapshot = model.now

        self._start_day(self.day_of(model.now), settle=True)
        self._maybe_snapshot(model.now)
        model.provide(PEOPLE_PER_NODE, self.people_per_node)
        model.provide(PEOPLE_COUNTS, self.counts)
        model.bus.subscribe(EvacuationOrdered, self._on_evacuation)
        model.env.process(self._ticks())

    # --- set-up -------------------------------------------------------------------------------

    def _check_memory(self) -> None:
        # The scenario checked the people alone; here the city's trees are known (and built).
        need = self.config.size * bytes_per_person()
        have = available_memory()
        if have is not None and need > MEMORY_SHARE * have:
            trees = sum(z.nbytes for z in self.zones.values())
            raise TwinError(f"population.size: {self.config.size:,} people need about {need / 1e9:,.1f} GB "
                            f"({bytes_per_person()} bytes each) on top of {trees / 1e9:,.1f} GB of zone trees, "
                            f"but only {have / 1e9:,.1f} GB of memory is available")

    def _draw_people(self, population: np.ndarray, walk_weight: np.ndarray) -> People:
        """Homes by population; work and other places as described in :mod:`.places`."""
        config, streams, city = self.config, self.model.streams, self.model.city
        size = config.size
        n_drive = round(size * config.drive_share)
        homes = draw_nodes(population, size, streams("population.homes"))
        work = np.empty(size, dtype=np.int32)
        other = np.empty(size, dtype=np.int32)
        # Drivers: gravity between drive zones, then a node inside the chosen zone.
        zones = self.zones[DRIVE]
        home_zone = zones.zone_of[homes[:n_drive]]
        root_x, root_y = city.drive.x[zones.roots], city.drive.y[zones.roots]
        for kind, out in (("work", work), ("other", other)):
            choice = getattr(config, kind)
            weight = place_weights(city, choice.weights)
            zone_weight = np.bincount(zones.zone_of, weights=weight, minlength=zones.n_zones)
            rng = streams(f"population.{kind}")
            decay = choice.decay_km * 1000 if choice.decay_km is not None else None
            target = draw_by_gravity(home_zone, root_x, root_y, zone_weight, decay, rng)
            out[:n_drive] = draw_in_zones(zones.zone_of, weight, target, rng)
            # Walkers: a node of their own walk zone, by the same weighting carried to walk nodes.
            walk_place = np.bincount(self.drive_to_walk, weights=weight, minlength=len(walk_weight))
            walk_homes = self.drive_to_walk[homes[n_drive:]]
            out[n_drive:] = draw_in_zones(self.zones[WALK].zone_of, walk_place,
                                          self.zones[WALK].zone_of[walk_homes], rng)
        homes = homes.copy()
        homes[n_drive:] = self.drive_to_walk[homes[n_drive:]]
        return People.create(homes, work, other, n_drive)

    def _slices(self, mode: int, count: int) -> list[tuple[Crowd, int]]:
        span = self.people.span(mode)
        bounds = np.linspace(span.start, span.stop, count + 1).astype(int)
        return [(Crowd(*(self.people.columns[name][lo:hi] for name in PERSON_COLUMNS)), int(lo))
                for lo, hi in itertools.pairwise(bounds) if hi > lo]

    def _ways(self, mode: int, to_target: np.ndarray, target_metres: np.ndarray) -> Ways:
        zones = self.zones[mode]
        return Ways(zones.to_zone, zones.zone_metres, zones.zone_of, zones.root_jump, zones.root_time,
                    zones.root_length, to_target, target_metres)

    # --- time ---------------------------------------------------------------------------------

    def day_of(self, t: float) -> int:
        """Day number of simulated second ``t`` (0: the run's first day)."""
        return math.floor((t + self._midnight_offset) / DAY_S)

    def midnight(self, day: int) -> float:
        """Simulated second of the midnight that starts ``day``."""
        return day * DAY_S - self._midnight_offset

    def plan_id(self, day: int) -> int:
        """Which schedule ``day`` follows: Monday to Friday weekday, else weekend."""
        return WEEKDAY_PLAN if (self.model.start.weekday() + day) % 7 < 5 else WEEKEND_PLAN

    def _start_day(self, day: int, settle: bool = False) -> None:
        """Everyone not sheltered starts ``day``'s schedule from its first block."""
        self.day = day
        p = self.people
        fresh = p.activity != SHELTER
        p.block[fresh] = -1
        p.wake[fresh] = self.midnight(day)
        if settle:
            for mode in (DRIVE, WALK):
                plan_id = self.plan_id(day)
                settle_people(p.crowd(mode), self.plans[plan_id], plan_id, self.model.now,
                              self.midnight(day), day, self.key, p.span(mode).start)

    def _ticks(self) -> Generator[Any, Any, None]:
        tick = self.config.tick_s
        while True:
            yield self.model.env.timeout(tick)
            self.advance(self.model.now)
            self._maybe_snapshot(self.model.now)

    def advance(self, now: float) -> None:
        """Move everyone from the last step to ``now`` (splitting the step at midnight)."""
        start = self._last_step
        midnight = self.midnight(self.day + 1)
        if now >= midnight:
            self._step(start, midnight)
            self._start_day(self.day + 1)
            start = midnight
        if now > start:
            self._step(start, now)
        self._last_step = now

    def _step(self, start: float, end: float) -> None:
        plan_id = self.plan_id(self.day)
        plan, day_start = self.plans[plan_id], self.midnight(self.day)
        n_orders = len(self.orders)
        jobs = [(mode, crowd, first) for mode in (DRIVE, WALK) for crowd, first in self._crowds[mode]]

        def run(job: tuple[int, Crowd, int]) -> tuple[int, np.ndarray, np.ndarray]:
            mode, crowd, first = job
            acc, arrivals = step_people(crowd, self.ways[mode], plan, plan_id, end, end - start, day_start,
                                        self.day, self.key, first, n_orders)
            return mode, acc, arrivals

        results = _pool().map(run, jobs) if len(jobs) > 1 and self._threads > 1 else map(run, jobs)
        arrived = np.zeros(n_orders, dtype=np.int64)
        for mode, acc, arrivals in results:
            if end > self.model.warmup_s:
                self.totals[MODES[mode]] += acc
            arrived += arrivals
        self._version += 1
        for order, count in zip(self.orders, arrived):
            if count:
                order.remaining -= int(count)
                self._maybe_done(order, end)

    # --- directing people ---------------------------------------------------------------------

    def direct(self, shelter: int, *, polygon: Sequence[tuple[float, float]] | None = None,
               center: tuple[float, float] | None = None, radius_m: float | None = None) -> PeopleDirected:
        """Send everyone inside an area to ``shelter`` (a drivable node), to stay there.

        Parameters
        ----------
        shelter : int
            Node of the drivable network; walkers go to the walkable node nearest to it.
        polygon : sequence of (x, y), optional
            The area's vertices, metres.
        center, radius_m : (x, y) and float, optional
            Or the disc of ``radius_m`` metres around ``center`` (default: the shelter).

        Returns
        -------
        PeopleDirected
            The event published: people sent, unreachable, travel-time bound.
        """
        city = self.model.city
        if not 0 <= shelter < city.drive.n_nodes:
            raise ValueError(f"shelter node {shelter} is not a node of the drivable network")
        if polygon is None and radius_m is None:
            raise ValueError("give the area as a polygon or as a radius_m around a center")
        if center is None:
            center = (float(city.drive.x[shelter]), float(city.drive.y[shelter]))
        index = len(self.orders)
        if index >= np.iinfo(np.int16).max:
            raise ValueError("too many shelter orders in one run")
        now = self.model.now
        lag = now - self._last_step  # people stand where the last tick left them
        directed = unreachable = 0
        bound = 0.0
        withdrawn = np.zeros(index + 1, dtype=np.int64)
        for mode in (DRIVE, WALK):
            net = self.nets[mode].net
            if polygon is not None:
                vertices = np.asarray(polygon, dtype=np.float64)
                inside = points_in_polygon(net.x, net.y, np.ascontiguousarray(vertices[:, 0]),
                                           np.ascontiguousarray(vertices[:, 1]))
            else:
                inside = points_in_circle(net.x, net.y, float(center[0]), float(center[1]), float(radius_m))
            target = shelter if mode == DRIVE else int(self.drive_to_walk[shelter])
            row = self._target_row(mode, target)
            d, u, b, metres, w = direct_people(self.people.crowd(mode), self.ways[mode], inside, target, row,
                                               index, now, lag, index + 1)
            if now > self.model.warmup_s:
                self.totals[MODES[mode]][METRES] += metres
            directed += d
            unreachable += u
            bound = max(bound, float(b))
            withdrawn += w
        self._version += 1
        order = Order(index, now, shelter, directed, directed)
        self.orders.append(order)
        event = PeopleDirected(time=now, node=shelter, x=float(city.drive.x[shelter]),
                               y=float(city.drive.y[shelter]), order=index, people=directed,
                               unreachable=unreachable, bound_s=bound)
        self.model.publish(event)
        for earlier, count in zip(self.orders[:-1], withdrawn[:-1]):
            if count:
                earlier.remaining -= int(count)
                earlier.people -= int(count)
                self._maybe_done(earlier, now)
        return event

    def _target_row(self, mode: int, target: int) -> int:
        rows = self._target_rows[mode]
        if target not in rows:
            tree, metres = target_tree(self.nets[mode], target)
            ways = self.ways[mode]
            self.ways[mode] = self._ways(mode, np.concatenate([ways.to_target, tree[None]]),
                                         np.concatenate([ways.target_metres, metres[None]]))
            rows[target] = len(rows)
        return rows[target]

    def _maybe_done(self, order: Order, now: float) -> None:
        if not order.done and order.remaining <= 0 and order.people > 0:
            order.done = True
            net = self.model.city.drive
            self.model.publish(ShelterReached(time=now, node=order.shelter, x=float(net.x[order.shelter]),
                                              y=float(net.y[order.shelter]), order=order.index,
                                              people=order.people, clearance_s=now - order.time))

    def _on_evacuation(self, event: EvacuationOrdered) -> None:
        shelter = event.node
        if shelter < 0:
            if math.isnan(event.x) or math.isnan(event.y):
                raise ValueError("EvacuationOrdered needs a shelter: a node, or x and y")
            shelter = int(self.model.city.drive.nearest_node(event.x, event.y)[0][0])
        center = None
        if event.center_x is not None and event.center_y is not None:
            center = (event.center_x, event.center_y)
        self.direct(shelter, polygon=event.polygon or None, center=center, radius_m=event.radius_m)

    # --- read-only views ----------------------------------------------------------------------

    def people_per_node(self, mode: str | None = None, travelling: bool = False) -> np.ndarray:
        """People standing at each drivable node now (travellers at the last node passed).

        Walkers count at the drivable node nearest to theirs.

        Parameters
        ----------
        mode : {"drive", "walk"}, optional
            Count only drivers or only walkers.
        travelling : bool
            Count only people on their way somewhere (out on the street), not those at
            rest at home, at work or elsewhere; motion sensors see these.

        Returns
        -------
        int32 array, one per drivable node (read-only; do not keep it across ticks).
        """
        if mode is not None and mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        return self._cached(("per_node", mode, travelling), lambda: self._count_per_node(mode, travelling))

    def _count_per_node(self, mode: str | None, travelling: bool) -> np.ndarray:
        counts = np.zeros(self.model.city.drive.n_nodes, dtype=np.int32)
        for code, name, node_map in ((DRIVE, "drive", np.empty(0, dtype=np.int32)),
                                     (WALK, "walk", self.walk_to_drive)):
            if mode in (None, name):
                crowd = self.people.crowd(code)
                count_per_node(crowd.node, node_map, counts, crowd.phase, travelling)
        counts.setflags(write=False)
        return counts

    def _cached(self, key: Any, compute: Any) -> Any:
        """``compute()``, remembered until people next move."""
        if self._cache.get("version") != self._version:
            self._cache = {"version": self._version}
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _maybe_snapshot(self, now: float) -> None:
        """Keep people per node if a snapshot time has come (see ``snapshot_every_s``)."""
        every = self.config.snapshot_every_s
        if every is None or now + _SNAPSHOT_EPS < self._next_snapshot:
            return
        self._snapshot_times.append(now)
        # No copy: each count is a fresh read-only array, never written after it is made.
        self._snapshots.append(self.people_per_node())
        # The next one on the grid of multiples of ``every``, whatever the tick length.
        self._next_snapshot = (math.floor(now / every + _SNAPSHOT_EPS) + 1) * every

    def presence_snapshots(self) -> tuple[np.ndarray, np.ndarray]:
        """People per drivable node at the kept snapshot times (as :meth:`people_per_node`).

        A snapshot is taken at the start and then at the first tick at or after
        each multiple of ``snapshot_every_s``.

        Returns
        -------
        times : float64[k]
            Simulated seconds of the snapshots.
        counts : int32[k, n]
            People per drivable node at each of them (empty when snapshots are off).
        """
        n = self.model.city.drive.n_nodes
        counts = np.stack(self._snapshots) if self._snapshots else np.zeros((0, n), dtype=np.int32)
        return np.asarray(self._snapshot_times, dtype=np.float64), counts

    def counts(self) -> dict[str, int]:
        """People at rest per activity, travelling per mode, and in all."""
        return self._cached("counts", self._count_states)

    def _count_states(self) -> dict[str, int]:
        out: dict[str, int] = dict.fromkeys(ACTIVITIES, 0)
        for mode in (DRIVE, WALK):
            crowd = self.people.crowd(mode)
            states = count_states(crowd.phase, crowd.activity)
            for name, value in zip(ACTIVITIES, states[:-1]):
                out[name] += int(value)
            out[f"moving_{MODES[mode]}"] = int(states[-1])
        out["moving"] = out["moving_drive"] + out["moving_walk"]
        out["total"] = sum(out[a] for a in ACTIVITIES) + out["moving"]
        return out

    def reporters(self) -> dict[str, Any]:
        """Sampled every interval: people moving (by mode) and at rest per activity."""
        def count(name: str) -> Any:
            return lambda m: self.counts()[name]
        names = {"people_moving": "moving", "people_driving": "moving_drive", "people_walking": "moving_walk",
                 "people_at_home": "home", "people_at_work": "work", "people_at_other": "other",
                 "people_sheltered": "shelter"}
        return {reporter: count(name) for reporter, name in names.items()}

    def kpis(self, events: pd.DataFrame, config: PopulationConfig, model: CityModel) -> dict[str, Any]:
        """Travel per mode (from the run's counters) and evacuations (from the log)."""
        people = {"drive": self.people.n_drive, "walk": len(self.people) - self.people.n_drive}
        out = travel_kpis(self.totals, people)
        out["evacuations"] = evacuation_kpis(events)
        return out
