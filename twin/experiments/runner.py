"""Run a batch of (scenario, seed) pairs on an executor, through the result store.

Every experiment (replications, a comparison, a sweep) is a list of
:class:`RunSpec`. :func:`execute` first looks each one up in the store, submits
only the missing ones (each distinct key once), writes each result to the store
the moment it arrives, and returns one record per spec in the order given.

Ctrl-C stops submitting, lets the runs already in progress finish and stores
them, then stops; a second Ctrl-C abandons those too. Starting the same command
again resumes from the store.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

import twin
from twin.errors import TwinError
from twin.experiments.identity import code_fingerprint, scenario_content, scenario_hash
from twin.experiments.store import ResultStore, scenario_yaml
from twin.experiments.worker import run_kpis


@dataclass(frozen=True)
class RunSpec:
    """One run to do: a validated scenario, a seed, and labels for the results table.

    Attributes
    ----------
    scenario : Scenario
        Validated, overrides applied.
    seed : int
    labels : dict
        Columns this run carries in the results, e.g. ``{"variant": "A", "replication": 0}``.
    """

    scenario: BaseModel
    seed: int
    labels: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int]:
        """The store key: (scenario hash, seed)."""
        return (scenario_hash(self.scenario), self.seed)


@dataclass
class BatchStats:
    """How a batch went: runs found in the store, runs executed now, and the total."""

    total: int = 0
    from_store: int = 0
    executed: int = 0


#: ``on_result(record, from_store)`` is called once per distinct run as it becomes available.
ResultCallback = Callable[[dict[str, Any], bool], None]


def execute(specs: Sequence[RunSpec], executor: cf.Executor, store: ResultStore | None = None,
            on_result: ResultCallback | None = None, stats: BatchStats | None = None, *,
            warm_cache: bool = False, max_in_flight: int | None = None,
            check_code: bool = False) -> list[dict[str, Any]]:
    """Run every spec not yet in ``store`` and return one record per spec.

    Parameters
    ----------
    specs : sequence of RunSpec
    executor : Executor
        Where missing runs go (:mod:`twin.experiments.executors`).
    store : ResultStore, optional
        Read before running and written after each run; ``None`` runs everything.
    on_result : callable, optional
        Progress callback, see :data:`ResultCallback`.
    stats : BatchStats, optional
        Filled in as the batch goes (also when it is interrupted).
    warm_cache : bool
        Load each city once here first, so that workers sharing this machine's
        city cache find it built instead of each building it.
    max_in_flight : int, optional
        Runs submitted at a time (the executor's workers); default: all at once.
    check_code : bool
        Refuse results from workers whose model code differs from this process's
        (for remote workers; local ones import the same files).

    Returns
    -------
    list of dict
        The stored record of each spec (``kpis``, ``timings_s``, ``seed``,
        ``scenario_hash``, …), in the order of ``specs``; specs with the same key
        share one run.

    Raises
    ------
    TwinError
        A corrupted store file (before anything runs), a run's own input error,
        or a worker running different model code.
    """
    stats = stats if stats is not None else BatchStats()
    on_result = on_result or (lambda record, cached: None)
    keys = [spec.key for spec in specs]
    unique: dict[tuple[str, int], RunSpec] = {}
    for key, spec in zip(keys, specs):
        unique.setdefault(key, spec)
    stats.total = len(unique)
    done: dict[tuple[str, int], dict[str, Any]] = {}
    if store is not None:
        store.clean_temporary()
        for key in unique:  # every stored file is checked before any new run starts
            record = store.get(*key)
            if record is not None:
                done[key] = record
        for record in done.values():
            stats.from_store += 1
            on_result(record, True)
    missing = [key for key in unique if key not in done]
    if warm_cache:
        from twin.city import load

        for city in dict.fromkeys(unique[key].scenario.city for key in missing):
            load(city.source, city.network)
    queue = deque(missing)
    running: dict[cf.Future, tuple[str, int]] = {}

    def submit_more() -> None:
        # Only as many runs in flight as workers: Ctrl-C then waits for runs really running.
        while queue and (max_in_flight is None or len(running) < max_in_flight):
            key = queue.popleft()
            running[executor.submit(run_kpis, unique[key].scenario.model_dump(), key[1])] = key

    try:
        submit_more()
        while running:
            finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                key = running.pop(future)
                done[key] = _finish(future, unique[key], key, store, stats, on_result, check_code)
            submit_more()
    except KeyboardInterrupt:
        _drain(running, unique, done, store, stats, on_result, check_code)
        raise
    finally:
        for future in running:
            future.cancel()
    return [done[key] for key in keys]


def _finish(future: cf.Future, spec: RunSpec, key: tuple[str, int], store: ResultStore | None,
            stats: BatchStats, on_result: ResultCallback, check_code: bool = False) -> dict[str, Any]:
    try:
        result = future.result()
    except TwinError as exc:
        raise TwinError(f"{spec.scenario.name} (seed {spec.seed}): {exc}") from None
    if check_code and result["code"] != code_fingerprint():
        raise TwinError(f"worker {result['host']} runs other model code ({result['code']}) than this "
                        f"machine ({code_fingerprint()}); install the same version of the project there")
    record = {"scenario_hash": key[0], "seed": key[1], "scenario": spec.scenario.name,
              "twin_version": twin.__version__, **result}
    if store is not None:
        header = (f"scenario {key[0]} (model code {code_fingerprint()}), first stored by "
                  f"public-safety-twin {twin.__version__}; name, description and seed are not part of the key")
        store.put(record, scenario_yaml(scenario_content(spec.scenario), header))
    stats.executed += 1
    on_result(record, False)
    return record


def _drain(futures: dict[cf.Future, tuple[str, int]], unique: dict[tuple[str, int], RunSpec],
           done: dict[tuple[str, int], dict[str, Any]], store: ResultStore | None, stats: BatchStats,
           on_result: ResultCallback, check_code: bool) -> None:
    """After Ctrl-C: cancel what has not started, store what is running as it finishes."""
    pending = [f for f in futures if not f.cancel()]
    if not pending:
        return
    print(f"interrupted: finishing {len(pending)} run(s) in progress to keep them (Ctrl-C again to abandon)")
    for future in cf.as_completed(pending):
        key = futures[future]
        if key in done or future.cancelled() or future.exception() is not None:
            continue
        done[key] = _finish(future, unique[key], key, store, stats, on_result, check_code)
