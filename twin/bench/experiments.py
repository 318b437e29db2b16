"""``python run.py bench experiments``: how replications scale over workers, and what Dask costs.

Two measurements on the baseline (the whole city: 100,000 people, traffic,
lights, crime and response; a few seconds a run), each a ratio against a
reference measured in the same run:

1. **Speed-up**: 20 replications on 1 local worker process, then on 2.
   Target on a 2-core machine: at least 1.7.
2. **Dask overhead**: the same 20 replications on a local Dask cluster of 2
   single-threaded workers, against the 2 local processes of (1). Target: at
   most 10 %.

Each executor first gets one warm-up run per worker (loading the city and the
compiled kernels, once per process); that start-up is reported on its own
column, and the ratios compare the timed batches, which go through the same
code as ``python run.py run --reps`` (:func:`twin.experiments.runner.execute`).
``--quick`` runs 6 replications of a 6-hour baseline.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from pathlib import Path

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from twin.city import load
from twin.experiments.executors import (
    ExecutorHandle,
    dask_local,
    local_processes,
    start_forkserver,
)
from twin.experiments.replicate import replication_specs
from twin.experiments.runner import execute
from twin.experiments.seeds import replication_seeds
from twin.scenario import Scenario, load_scenario
from twin.scenario.loader import deep_merge

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def short_baseline(hours: float) -> BaseModel:
    """The baseline cut to its first ``hours`` hours (for ``--quick``)."""
    base = load_scenario(BASELINE).model_dump()
    return Scenario.model_validate(deep_merge(base, {"run": {"duration": hours * 3600.0}}))


def _time(executor: AbstractContextManager[ExecutorHandle], scenario: BaseModel, reps: int,
          console: Console, label: str) -> tuple[float, float, float]:
    """(start-up s, batch s, mean run s inside workers) of ``reps`` replications on ``executor``."""
    with console.status(f"{label}: starting"):
        start = time.perf_counter()
        with executor as handle:
            warm = replication_specs(scenario, replication_seeds(999, handle.workers))
            execute(warm, handle.executor, max_in_flight=handle.workers)
            startup = time.perf_counter() - start
            console.status(f"{label}: {reps} runs")
            start = time.perf_counter()
            records = execute(replication_specs(scenario, replication_seeds(1, reps)), handle.executor,
                              max_in_flight=handle.workers)
            batch = time.perf_counter() - start
    return startup, batch, sum(r["timings_s"]["total"] for r in records) / len(records)


def run(*, quick: bool = False, console: Console | None = None) -> int:
    """Measure and print the experiments benchmark; return 0."""
    console = console or Console()
    reps = 6 if quick else 20
    start_forkserver()
    baseline = short_baseline(6) if quick else load_scenario(BASELINE)
    load(baseline.city.source, baseline.city.network)  # build the city cache once, before any worker needs it

    one = _time(local_processes(1), baseline, reps, console, "1 local process")
    two = _time(local_processes(2), baseline, reps, console, "2 local processes")
    dask = _time(dask_local(2), baseline, reps, console, "Dask local cluster of 2")
    rows = [("processes", 1, *one, "reference"),
            ("processes", 2, *two, f"speed-up {one[1] / two[1]:.2f} over 1 process (≥ 1.7)"),
            ("Dask local", 2, *dask, f"overhead {dask[1] / two[1] - 1:+.1%} over 2 processes (≤ 10 %)")]

    table = Table(title=f"Experiments benchmark: {reps} replications of {baseline.name} per row",
                  caption="start: executor start-up and one warm-up run per worker (city and compiled kernels "
                          "loaded once per process), s; batch: the timed replications, s; run: mean time of one "
                          "run inside a worker, s. Ratios compare batches measured in this run.",
                  caption_justify="left")
    for column in ("executor", "workers", "start", "batch", "run", "ratio"):
        table.add_column(column, justify="left" if column in ("executor", "ratio") else "right")
    for executor, workers, startup, batch, per_run, ratio in rows:
        table.add_row(executor, str(workers), f"{startup:.1f}", f"{batch:.1f}", f"{per_run:.2f}", ratio)
    console.print(table)
    return 0
