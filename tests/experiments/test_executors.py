"""The same seeds give the same KPIs on local processes and on a real Dask cluster; bad schedulers fail fast."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from tests.experiments.conftest import write_scenario
from twin.cli import main
from twin.errors import TwinError
from twin.experiments.executors import ExecutorHandle, dask_local, open_executor
from twin.experiments.replicate import replication_specs
from twin.experiments.runner import execute
from twin.experiments.seeds import replication_seeds
from twin.scenario import load_scenario


def test_local_processes_and_a_dask_local_cluster_agree(tmp_path: Path, pool: ExecutorHandle) -> None:
    scenario = load_scenario(write_scenario(tmp_path, "small"))
    specs = replication_specs(scenario, replication_seeds(5, 2))
    local = execute(specs, pool.executor, warm_cache=True)
    with dask_local(2) as handle:  # a real LocalCluster: 2 worker processes, 1 thread each
        assert handle.workers == 2 and handle.kind == "Dask local cluster"
        dask = execute(specs, handle.executor)
    assert [r["seed"] for r in dask] == [r["seed"] for r in local]
    assert [r["kpis"] for r in dask] == [r["kpis"] for r in local]
    assert local[0]["kpis"] != local[1]["kpis"]  # two seeds, two different days
    assert {r["pid"] for r in dask}.isdisjoint({os.getpid()} | {r["pid"] for r in local})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_fails_fast_with_one_line() -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    start = time.perf_counter()
    with pytest.raises(TwinError, match=f"cannot reach the Dask scheduler at {address}"):
        with open_executor(scheduler=address):
            pass
    assert time.perf_counter() - start < 10


def test_a_malformed_scheduler_address_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(tmp_path, "small")
    assert main(["compare", str(path), str(path), "--scheduler", "localhost:8786", "--no-store",
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err == "error: --scheduler: expected tcp://HOST:PORT or tls://HOST:PORT, got 'localhost:8786'\n"
    assert not (tmp_path / "out").exists()


def test_results_from_other_model_code_are_refused(tmp_path: Path) -> None:
    """A remote worker with another version of the model must not fill the store."""
    from concurrent.futures import Executor, Future

    class OtherCode(Executor):
        def submit(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
            future: Future = Future()
            result = fn(*args, **kwargs)
            future.set_result({**result, "code": "0" * 16, "host": "elsewhere"})
            return future

    scenario = load_scenario(write_scenario(tmp_path, "small"))
    specs = replication_specs(scenario, [1])
    assert execute(specs, OtherCode())[0]["code"] == "0" * 16  # local workers: not checked
    with pytest.raises(TwinError, match="worker elsewhere runs other model code"):
        execute(specs, OtherCode(), check_code=True)
