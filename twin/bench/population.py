"""``python run.py bench population``: a million people for one simulated day.

One million people on a synthetic city of 100,000 intersections (about
35 × 35 km), ticking every 60 s for a day (1,440 ticks), through the whole
engine: scenario, installed system, simpy process, DataCollector. Against it,
in the same run, the same movement model written the plain way -- one mesa
Agent per person, ``model.agents.do("step")``, the schedule and the signposts
followed in Python (:mod:`twin.bench.plain_population`) -- for 2,000
people over the same day, on the same trees and with the same random numbers;
it ends with everyone exactly where the kernel put them, which the benchmark
checks. Both are scaled per person-step (one person, one tick).

Targets: the day in at most 30 s of wall time, and the kernel at least 100×
faster per person-step than plain mesa. The machine may be shared, so CPU
times are printed next to wall times; the ratio is given for both.
"""

from __future__ import annotations

import resource
import time
from datetime import datetime

import numpy as np
from rich.console import Console
from rich.table import Table

from twin.bench.plain_population import PlainPopulation
from twin.city import load
from twin.experiments.run import build_model
from twin.scenario.schema import Scenario
from twin.sim.model import CityModel
from twin.systems.population import PopulationSystem
from twin.systems.population.config import PopulationConfig
from twin.systems.population.people import DRIVE, WALK, bytes_per_person

START = datetime(2026, 11, 2)  # a Monday
DAY_S = 86400.0


def bench_scenario(nodes: int, people: int, hours: float = 24) -> Scenario:
    """A scenario with only a population, on a synthetic city, ticking every minute."""
    return Scenario.model_validate({
        "name": f"bench-population-{nodes}-{people}",
        "city": f"synthetic:nodes={nodes},seed=1",
        "run": {"start": START.isoformat(), "duration": hours * 3600, "seed": 1, "sample_every": 600},
        "population": {"size": people, "tick_s": 60},
    })


def _plain_day(city: object, people: int, ticks: int) -> tuple[float, float, bool, int]:
    """Run the plain mesa model and, beside it, the kernel on the same people.

    Returns wall seconds and CPU seconds of the plain model, whether both end
    with everyone on the same node, and how many were travelling at some tick.
    """
    model = CityModel(city, start=START, seed=1, duration_s=DAY_S)
    system = PopulationSystem()
    model.install(system, PopulationConfig(size=people, threads=1))
    p = system.people
    plains = [PlainPopulation({k: v[p.span(mode)].copy() for k, v in p.columns.items()}, p.span(mode).start,
                              system.ways[mode], system.plans, system.plan_id, system.midnight, system.day,
                              system.key) for mode in (DRIVE, WALK)]
    wall = cpu = 0.0
    moved = 0
    for k in range(1, ticks + 1):
        now = 60.0 * k
        start, start_cpu = time.perf_counter(), time.process_time()
        for plain in plains:
            plain.advance(now)
        wall += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
        system.advance(now)
        moved = max(moved, system.counts()["moving"])
    same = all(np.array_equal(p.node[p.span(mode)], plain.column("node")) and
               np.array_equal(p.phase[p.span(mode)], plain.column("phase"))
               for mode, plain in zip((DRIVE, WALK), plains))
    return wall, cpu, same, moved


def run(*, quick: bool = False, console: Console | None = None) -> int:
    """Measure and print the population benchmark; return 0."""
    console = console or Console()
    nodes, people, plain_people = (10_000, 100_000, 500) if quick else (100_000, 1_000_000, 2_000)
    ticks = 1440

    start = time.perf_counter()
    city = load(f"synthetic:nodes={nodes},seed=1")
    load_s = time.perf_counter() - start

    start = time.perf_counter()
    build_model(bench_scenario(400, 1000, hours=1), 1).run(sample_every=600)  # compiles or loads every kernel
    compile_s = time.perf_counter() - start

    with console.status(f"installing {people:,} people (zones, trees, homes, places)"):
        start = time.perf_counter()
        model = build_model(bench_scenario(nodes, people), 1, city)
        install_s = time.perf_counter() - start
    system = next(s for s, _ in model.systems if isinstance(s, PopulationSystem))
    with console.status(f"simulating one day of {people:,} people"):
        start, start_cpu = time.perf_counter(), time.process_time()
        model.run(sample_every=600)
        day_s, day_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    peak = model.timeseries()["people_moving"].max()
    kpis = system.kpis(model.bus.log.frame(), system.config, model)

    with console.status(f"the plain mesa model: {plain_people:,} agents for a day"):
        plain_s, plain_cpu, same, _ = _plain_day(city, plain_people, ticks)

    kernel_steps, plain_steps = people * ticks, plain_people * ticks
    table = Table(title=f"Population benchmark: one simulated day (Monday) at 60 s ticks, "
                        f"{city.drive.n_nodes:,} intersections")
    for column in ("model", "people", "ticks", "person-steps", "wall (s)", "CPU (s)",
                   "person-steps / wall-s", "person-steps / CPU-s"):
        table.add_column(column, justify="right")
    for label, n, steps, wall, cpu in (("kernel", people, kernel_steps, day_s, day_cpu),
                                       ("plain mesa", plain_people, plain_steps, plain_s,
                                        plain_cpu)):
        table.add_row(label, f"{n:,}", f"{ticks:,}", f"{steps:,}", f"{wall:.2f}", f"{cpu:.2f}",
                      f"{steps / wall:,.0f}", f"{steps / cpu:,.0f}")
    console.print(table)

    ratio = (kernel_steps / day_s) / (plain_steps / plain_s)
    ratio_cpu = (kernel_steps / day_cpu) / (plain_steps / plain_cpu)
    trees = sum(z.nbytes for z in system.zones.values())
    console.print(f"city load {load_s:.2f} s; JIT compile and warm-up {compile_s:.2f} s; install {install_s:.2f} s "
                  f"({system.zones[DRIVE].n_zones} drive zones, {system.zones[WALK].n_zones} walk zones)")
    console.print(f"memory: people {system.people.nbytes / 1e6:,.0f} MB ({bytes_per_person()} bytes each), "
                  f"zone trees {trees / 1e6:,.0f} MB; peak resident "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:,.0f} MB")
    console.print(f"travel: {kpis['trips']['drive']:,} drive and {kpis['trips']['walk']:,} walk trips, "
                  f"{kpis['person_km']['drive']:,.0f} + {kpis['person_km']['walk']:,.0f} person-km, "
                  f"mean trip {kpis['mean_trip_min']['drive']:.1f} / {kpis['mean_trip_min']['walk']:.1f} min, "
                  f"at most {peak:,} moving at a sample")
    console.print(f"plain mesa and kernel end with everyone on the same node: {'yes' if same else 'NO'}")
    console.print(f"simulated day: {day_s:.2f} s wall (target <= 30 s: {'met' if day_s <= 30 else 'MISSED'}); "
                  f"kernel vs plain mesa per person-step: {ratio:,.0f}x wall, {ratio_cpu:,.0f}x CPU "
                  f"(target >= 100x: {'met' if min(ratio, ratio_cpu) >= 100 else 'MISSED'})")
    return 0
