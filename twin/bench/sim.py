"""``python run.py bench sim``: one simulated day of emergency response at city scale.

A synthetic city of 100,000 intersections, 150 units and about 5,000 incidents
a day, then the same with twice the incidents. City load, JIT compilation (a
short throw-away run) and the simulation itself are timed separately; the
figure of merit is simulation wall time and incidents per wall-second, and the
ratio of the doubled run to the single one (target: at most 2.2).
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table

from twin.city import load
from twin.experiments import simulate
from twin.scenario.schema import Scenario

FLEET = {"police": 50, "ambulance": 80, "fire": 20}


def bench_scenario(nodes: int, per_day: float, hours: float = 24) -> Scenario:
    """A response scenario on a synthetic city with the benchmark's fleet."""
    return Scenario.model_validate({
        "name": f"bench-{nodes}-{per_day:g}",
        "city": f"synthetic:nodes={nodes},seed=1",
        "run": {"duration": hours * 3600, "seed": 1, "sample_every": 600},
        "response": {
            "arrivals": {"per_day": per_day},
            "call_handling": {"call_takers": 24, "dispatchers": 12},
            "units": {kind: {"count": count} for kind, count in FLEET.items()},
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
            result = simulate(bench_scenario(nodes, per_day * factor), city=city)
        incidents = int((result.events["kind"] == "IncidentOccurred").sum())
        rows.append((factor, incidents, len(result.events), result.timings_s["install"],
                     result.timings_s["simulate"], result.kpis["response"]["queue"]["max"]))

    table = Table(title=f"Simulation benchmark: one day, {city.drive.n_nodes:,} intersections, "
                        f"{sum(FLEET.values())} units")
    for column in ("incidents", "events", "install (s)", "simulate (s)", "incidents / wall-s", "max queue"):
        table.add_column(column, justify="right")
    for _, incidents, events, install_s, sim_s, queue_max in rows:
        table.add_row(f"{incidents:,}", f"{events:,}", f"{install_s:.2f}", f"{sim_s:.2f}",
                      f"{incidents / sim_s:,.0f}", str(queue_max))
    console.print(table)
    single, double = rows[0][4], rows[1][4]
    console.print(f"city load {load_s:.2f} s; JIT compile and warm-up {compile_s:.2f} s")
    console.print(f"simulated day: {single:.2f} s wall (target < 10 s: {'met' if single < 10 else 'MISSED'}); "
                  f"doubled incidents cost {double / single:.2f} x (target <= 2.2: "
                  f"{'met' if double / single <= 2.2 else 'MISSED'})")
    return 0
