"""``python run.py bench sim``: one simulated day of emergency response at city scale.

A synthetic city of 100,000 intersections (about 35 × 35 km), 150 units and
about 5,000 incidents a day, then twice the incidents with twice the units, so
that both runs work at the same utilisation (around two thirds) and every
incident is served: the ratio then measures how the cost grows with the work,
not how a hopelessly overloaded queue behaves. On-scene times are shortened
(8 minutes) so that 150 units can carry 5,000 incidents a day on a city this
large. City load, JIT compilation (a short throw-away run) and the simulation
itself are timed separately; the figures of merit are simulation wall time,
incidents per wall-second, and the doubled run's time over the single one's
(target: at most 2.2).
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table

from twin.city import load
from twin.experiments import simulate
from twin.scenario.schema import Scenario
from twin.sim.events import IncidentOccurred

FLEET = {"police": 45, "ambulance": 90, "fire": 15}
_ON_SCENE = {"distribution": "lognormal", "mean_s": 480, "cv": 0.5}
INCIDENT_TYPES = {
    "medical": {"share": 0.6, "priority": 1, "units": {"ambulance": 1}, "on_scene": _ON_SCENE,
                "transport_probability": 0.3},
    "police_call": {"share": 0.35, "priority": 2, "units": {"police": 1}, "on_scene": _ON_SCENE},
    "fire": {"share": 0.05, "priority": 1, "units": {"fire": 1}, "on_scene": _ON_SCENE},
}


def bench_scenario(nodes: int, per_day: float, hours: float = 24, fleet_factor: int = 1) -> Scenario:
    """A response scenario on a synthetic city with the benchmark's fleet times ``fleet_factor``."""
    return Scenario.model_validate({
        "name": f"bench-{nodes}-{per_day:g}",
        "city": f"synthetic:nodes={nodes},seed=1",
        "run": {"duration": hours * 3600, "seed": 1, "sample_every": 600},
        "response": {
            "arrivals": {"per_day": per_day},
            "incident_types": INCIDENT_TYPES,
            "call_handling": {"call_takers": 24 * fleet_factor, "dispatchers": 12 * fleet_factor},
            "handover_s": {"distribution": "lognormal", "mean_s": 600, "cv": 0.5},
            "units": {kind: {"count": count * fleet_factor} for kind, count in FLEET.items()},
        },
    })


def run(*, quick: bool = False, console: Console | None = None) -> int:
    """Measure and print the simulation benchmark; return 0."""
    console = console or Console()
    nodes, per_day = (10_000, 1_000) if quick else (100_000, 5_000)
    start = time.perf_counter()
    city = load(f"synthetic:nodes={nodes},seed=1")
    load_s = time.perf_counter() - start

    start = time.perf_counter()
    simulate(bench_scenario(400, 50, hours=2))  # compiles (or loads from disk) every kernel
    compile_s = time.perf_counter() - start

    rows = []
    for factor in (1, 2):
        with console.status(f"simulating one day with {per_day * factor:,} incidents a day"):
            # As replications run it: KPIs only, without the movement log a replay needs.
            result = simulate(bench_scenario(nodes, per_day * factor, fleet_factor=factor), city=city, replay=False)
        incidents = int((result.events["kind"] == IncidentOccurred.kind).sum())
        kpis = result.kpis["response"]
        rows.append((factor, incidents, len(result.events), result.timings_s["install"],
                     result.timings_s["simulate"], kpis["queue"]["max"], kpis["utilisation"]["ambulance"]))

    table = Table(title=f"Simulation benchmark: one simulated day, {city.drive.n_nodes:,} intersections")
    for column in ("units", "incidents", "events", "install (s)", "simulate (s)", "incidents / wall-s",
                   "ambulance utilisation", "max queue"):
        table.add_column(column, justify="right")
    for factor, incidents, events, install_s, sim_s, queue_max, busy in rows:
        table.add_row(str(sum(FLEET.values()) * factor), f"{incidents:,}", f"{events:,}", f"{install_s:.2f}",
                      f"{sim_s:.2f}", f"{incidents / sim_s:,.0f}", f"{busy:.0%}", str(queue_max))
    console.print(table)
    single, double = rows[0][4], rows[1][4]
    console.print(f"city load {load_s:.2f} s; JIT compile and warm-up {compile_s:.2f} s")
    console.print(f"simulated day: {single:.2f} s wall (target < 10 s: {'met' if single < 10 else 'MISSED'}); "
                  f"doubled incidents cost {double / single:.2f} x (target <= 2.2: "
                  f"{'met' if double / single <= 2.2 else 'MISSED'})")
    return 0
