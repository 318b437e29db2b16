"""What runs inside a worker process: one scenario, one seed, KPIs out.

A worker receives the scenario as plain data (small, picklable by any
executor) and a seed, and sends back only the KPIs and timings: the model, the
event log and the time series stay in the worker. Each worker process keeps the
cities it has loaded, so a thousand replications on one city load it once per
process (and that load is itself a fast read of :mod:`twin.city.cache`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from datetime import UTC, datetime
from typing import Any

from twin.city import City, load
from twin.experiments.identity import code_fingerprint
from twin.experiments.lifeline import exit_with
from twin.experiments.run import simulate
from twin.scenario.schema import Scenario

_CITIES: dict[tuple[str, str], City] = {}
_READY = False


def _plain(value: Any) -> Any:
    """numpy scalars → Python numbers (``json`` knows neither int64 nor bool_)."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store a KPI of type {type(value).__name__}")


def init_process(command_pid: int | None = None) -> None:
    """Prepare a worker process; safe to call more than once.

    Ctrl-C is left to the parent (it stops submitting and stores what finished),
    and Numba kernels use one thread: the executor already puts one run on each core.

    Parameters
    ----------
    command_pid : int, optional
        The process of the command that started this worker (a local pool): the
        worker ends when it ends (:mod:`twin.experiments.lifeline`), even after a
        ``kill -9``, and ends cleanly on the SIGTERM with which it abandons a run.
    """
    global _READY
    if _READY:
        return
    _READY = True
    if command_pid is not None:
        exit_with(command_pid)
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if command_pid is not None:
            signal.signal(signal.SIGTERM, _exit_cleanly)
    except ValueError:  # not the main thread (a threaded executor): nothing to do
        pass
    import numba

    numba.set_num_threads(1)


def _exit_cleanly(signum: int, frame: Any) -> None:
    """End the worker now, but release its named semaphores first.

    Numba's thread launch creates a multiprocessing lock in each worker; a worker
    ended without its exit handlers leaves that lock to multiprocessing's resource
    tracker, which then warns about "leaked semaphore objects". (A worker's task
    catches every exception, so raising ``SystemExit`` here would not end it.)
    """
    from multiprocessing import util

    util._exit_function()  # what multiprocessing runs at a process's normal exit
    os._exit(128 + signum)


def city_of(source: str, network: str) -> City:
    """The city of ``source``, loaded once per process."""
    key = (source, network)
    if key not in _CITIES:
        _CITIES[key] = load(source, network)
    return _CITIES[key]


def run_kpis(scenario_data: dict[str, Any], seed: int) -> dict[str, Any]:
    """Run one replication and return what the parent stores.

    Parameters
    ----------
    scenario_data : dict
        A validated scenario dumped with ``model_dump()`` (re-validated here).
    seed : int
        The run's seed.

    Returns
    -------
    dict
        ``kpis`` (nested, as :func:`twin.experiments.simulate` returns them),
        ``timings_s``, ``code`` (:func:`code_fingerprint`), ``host``, ``pid`` and
        ``finished_at`` (UTC, ISO 8601).
    """
    init_process()
    start = time.perf_counter()
    scenario = Scenario.model_validate(scenario_data)
    city = city_of(scenario.city.source, scenario.city.network)
    result = simulate(scenario, seed, city=city, replay=False)  # KPIs only: no movement log
    timings = dict(result.timings_s)
    timings["total"] = time.perf_counter() - start
    # Plain JSON types, so a fresh result and one read back from the store are identical.
    kpis = json.loads(json.dumps(result.kpis, default=_plain))
    return {"kpis": kpis, "timings_s": timings, "code": code_fingerprint(), "host": socket.gethostname(),
            "pid": os.getpid(), "finished_at": datetime.now(UTC).isoformat(timespec="milliseconds")}
