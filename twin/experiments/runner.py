"""Run a batch of (scenario, seed) pairs on an executor, through the result store.

Every experiment (replications, a comparison, a sweep) is a list of
:class:`RunSpec`. :func:`execute` first looks each one up in the store, submits
only the missing ones (each distinct key once), writes each result to the store
the moment it arrives, and returns one record per spec in the order given.

Ctrl-C stops submitting, lets the runs already in progress finish and stores
them, then stops; a second Ctrl-C abandons those too. SIGTERM abandons them at
once (:class:`~twin.errors.Terminated`). Starting the same command again resumes
from the store. Two commands sharing a store (two sweeps started together) each
compute a run only if the other has not claimed it, and pick up the other's
results as they are stored.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

import twin
from twin.errors import Terminated, TwinError
from twin.experiments.identity import code_fingerprint, scenario_content, scenario_hash
from twin.experiments.locks import FileLock
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


#: Seconds between two looks for a run that another command sharing the store computes.
SHARED_POLL_S = 0.5

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
        store.check_writable()
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
    claims: dict[tuple[str, int], FileLock] = {}  # runs this process computes (store.claim)
    elsewhere: list[tuple[str, int]] = []  # runs another command sharing the store computes now

    def shared(key: tuple[str, int], record: dict[str, Any]) -> None:
        done[key] = record
        stats.from_store += 1
        on_result(record, True)

    def take(key: tuple[str, int]) -> bool:
        """Claim ``key`` in the store; ``False`` if another process computes it, or has just stored it."""
        assert store is not None
        claim = store.claim(*key)
        if claim is None:
            elsewhere.append(key)
            return False
        record = store.get(*key)  # stored by another command since we first looked
        if record is not None:
            claim.release()
            shared(key, record)
            return False
        claims[key] = claim
        return True

    def submit_more() -> None:
        # Only as many runs in flight as workers: Ctrl-C then waits for runs really running.
        while queue and (max_in_flight is None or len(running) < max_in_flight):
            key = queue.popleft()
            if store is None or take(key):
                running[executor.submit(run_kpis, unique[key].scenario.model_dump(), key[1])] = key

    def collect_elsewhere() -> None:
        assert store is not None
        for key in list(elsewhere):
            record = store.get(*key)
            if record is not None:
                elsewhere.remove(key)
                shared(key, record)
            elif not store.claimed(*key):  # that command stopped without storing it: run it here
                elsewhere.remove(key)
                queue.append(key)

    try:
        submit_more()
        while running or elsewhere:
            if running:
                timeout = SHARED_POLL_S if elsewhere else None
                finished, _ = cf.wait(running, timeout=timeout, return_when=cf.FIRST_COMPLETED)
            else:
                time.sleep(SHARED_POLL_S)
                finished = set()
            for future in finished:
                key = running.pop(future)
                done[key] = _finish(future, unique[key], key, store, stats, on_result, check_code)
                if key in claims:
                    claims.pop(key).release()
            if elsewhere:
                collect_elsewhere()
            submit_more()
    except Terminated:
        raise  # SIGTERM: what finished is stored already; runs in progress are abandoned
    except KeyboardInterrupt:
        _drain(running, unique, done, store, stats, on_result, check_code)
        raise
    finally:
        for future in running:
            future.cancel()
        for claim in claims.values():
            claim.release()
    return [done[key] for key in keys]


def _finish(future: cf.Future, spec: RunSpec, key: tuple[str, int], store: ResultStore | None,
            stats: BatchStats, on_result: ResultCallback, check_code: bool = False) -> dict[str, Any]:
    try:
        result = future.result()
    except TwinError as exc:
        raise TwinError(f"{spec.scenario.name} (seed {spec.seed}): {exc}") from None
    except BrokenProcessPool:
        kept = " (the runs finished before it are in the store)" if store is not None else ""
        raise TwinError(f"{spec.scenario.name} (seed {spec.seed}): a worker process ended abruptly, killed by a "
                        f"signal or for lack of memory{kept}") from None
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
