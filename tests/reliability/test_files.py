"""Files and folders: every output problem is one ``error:`` line and exit 2, found before any simulation,
with nothing half-written; default names never collide; what killed runs left is cleaned; a damaged
city-cache entry is rebuilt; two commands sharing a result store compute each run once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.city.osm_samples import grid_osm
from tests.experiments.conftest import write_scenario
from twin.city import cache, load
from twin.cli import main
from twin.experiments.folders import clean_stale, release_all, reserve
from twin.experiments.identity import code_fingerprint
from twin.experiments.locks import FileLock
from twin.experiments.replicate import replication_specs
from twin.experiments.runner import execute
from twin.experiments.seeds import replication_seeds
from twin.experiments.store import ResultStore
from twin.scenario import load_scenario

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A city cache of this test only: an entry in it means a run has started (it loads the city first)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TWIN_CACHE_DIR", str(folder))
    return folder


def _unwritable(tmp_path: Path) -> Path:
    """A folder this process cannot write into: read-only for a user; ``/sys`` for root (who ignores modes)."""
    if AS_ROOT:
        if not os.path.isdir("/sys") or os.access("/sys", os.W_OK) and _writable("/sys"):
            pytest.skip("running as root with a writable /sys: no folder refuses writes")
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


def _writable(path: str) -> bool:
    try:
        os.mkdir(os.path.join(path, ".twin-probe"))
    except OSError:
        return False
    os.rmdir(os.path.join(path, ".twin-probe"))
    return True


def _hidden(folder: Path) -> list[str]:
    """Temporary folders and lock files left in ``folder`` (``.NAME.tmp-PID``, ``.NAME.lock``)."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if _hidden_name(p.name))


def _files(folder: Path) -> dict[Path, int]:
    """Every file under ``folder`` but the city cache and hidden temporaries, with its modification time."""
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*")
            if p.is_file() and "cache" not in p.relative_to(folder).parts and not _hidden_name(p.name)}


def _hidden_name(name: str) -> bool:
    return name.startswith(".") and (".tmp" in name or name.endswith(".lock"))


# Each case: (id, command-line arguments after the scenario is known, what the error line must contain).
# Placeholders: {scenario}, {tmp}, {file} (an existing file), {full} (a folder holding a file),
# {locked} (a folder another process is writing), {ro} (a folder that refuses writes).
CLI_CASES: list[tuple[str, list[str], str]] = [
    ("run --out a file", ["run", "{scenario}", "--out", "{file}"], "output folder is a file"),
    ("run --out under a file", ["run", "{scenario}", "--out", "{file}/run"], "not a folder"),
    ("run --out a folder with files", ["run", "{scenario}", "--out", "{full}"], "exists and is not empty"),
    ("run --out taken by another run", ["run", "{scenario}", "--out", "{locked}"], "another run"),
    ("run --out unwritable", ["run", "{scenario}", "--out", "{ro}/run"], "cannot"),
    ("reps --out a file", ["run", "{scenario}", "--reps", "2", "--processes", "1", "--no-store", "--out", "{file}"],
     "output folder is a file"),
    ("reps --out taken", ["run", "{scenario}", "--reps", "2", "--processes", "1", "--no-store", "--out", "{locked}"],
     "another run"),
    ("reps --store a file", ["run", "{scenario}", "--reps", "2", "--processes", "1", "--store", "{file}",
                             "--out", "{tmp}/o"], "must be a folder"),
    ("reps --store unwritable", ["run", "{scenario}", "--reps", "2", "--processes", "1", "--store", "{ro}/store",
                                 "--out", "{tmp}/o"], "cannot"),
    ("sweep --out a folder with files", ["sweep", "{scenario}", "--set", "response.units.fire.count=3,4", "--reps",
                                         "2", "--processes", "1", "--no-store", "--out", "{full}"],
     "exists and is not empty"),
    ("compare --out unwritable", ["compare", "{scenario}", "{scenario}", "--reps", "2", "--processes", "1",
                                  "--no-store", "--out", "{ro}/cmp"], "cannot"),
    ("city plot -o map.txt", ["city", "plot", "synthetic:nodes=200,seed=1", "-o", "{tmp}/map.txt"], ".png"),
    ("city plot -o a folder", ["city", "plot", "synthetic:nodes=200,seed=1", "-o", "{full}"], ".png"),
    ("city plot -o a folder named .png", ["city", "plot", "synthetic:nodes=200,seed=1", "-o", "{tmp}/dir.png"],
     "is a folder"),
    ("city plot -o under a file", ["city", "plot", "synthetic:nodes=200,seed=1", "-o", "{file}/map.png"],
     "not a folder"),
    ("city plot -o unwritable", ["city", "plot", "synthetic:nodes=200,seed=1", "-o", "{ro}/map.png"], "cannot write"),
]


@pytest.mark.parametrize(("argv", "expected"), [(a, e) for _, a, e in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_an_output_problem_is_one_line_before_any_work(tmp_path: Path, fresh_cache: Path, argv: list[str],
                                                      expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write_scenario(tmp_path, "small")
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "kept.txt").write_text("someone's result")
    (tmp_path / "dir.png").mkdir()
    locked = tmp_path / "locked"
    lock = FileLock.acquire(tmp_path / ".locked.lock")  # another run is writing tmp/locked
    needs_ro = any("{ro}" in a for a in argv)
    places = {"scenario": str(scenario), "tmp": str(tmp_path), "file": str(tmp_path / "a-file"),
              "full": str(tmp_path / "full"), "locked": str(locked),
              "ro": str(_unwritable(tmp_path)) if needs_ro else ""}
    before = _files(tmp_path)
    try:
        status = main([a.format(**places) for a in argv])
    finally:
        assert lock is not None
        lock.release()
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    assert expected in lines[0], err
    assert not (fresh_cache.exists() and any(fresh_cache.rglob("*.npz"))), "a city was loaded: work began"
    # Nothing half-written, nothing changed: every file as before, no new output, no temporary left.
    assert _files(tmp_path) == before
    assert _hidden(tmp_path) == [] and not locked.exists() and not (tmp_path / "o").exists()


def test_an_oserror_while_writing_is_one_line_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow.parquet as pq

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device", str(args[1]))

    monkeypatch.setattr(pq, "write_table", disk_full)
    out = tmp_path / "out"
    assert main(["run", str(write_scenario(tmp_path, "small")), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {out}: cannot write the outputs: No space left on device") and err.count("\n") == 1
    assert not out.exists() and _hidden(tmp_path) == []


def test_default_names_are_unique_within_one_second(tmp_path: Path) -> None:
    default = tmp_path / "outputs" / "small" / "20260101-120000-seed3"
    first = reserve(default, unique=True)
    second = reserve(default, unique=True)  # held by this process already: the same reservation
    assert first == second == default
    code = ("import sys; from twin.experiments.folders import reserve; "
            "print(reserve(sys.argv[1], unique=True), flush=True); sys.stdin.read()")
    others = [subprocess.Popen([sys.executable, "-c", code, str(default)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True) for _ in range(3)]
    names = [p.stdout.readline().strip() for p in others]  # all three hold their folder at the same time
    for p in others:
        p.communicate("")
    release_all()
    assert sorted(Path(n).name for n in names) == [f"{default.name}-{i}" for i in (2, 3, 4)]
    assert _hidden(default.parent) == []


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temporaries_of_dead_processes_are_removed_by_the_next_run(tmp_path: Path) -> None:
    parent = tmp_path / "outputs" / "small"
    parent.mkdir(parents=True)
    dead = parent / f".20260101-120000-seed3.tmp-{_dead_pid()}"
    (dead / "figures").mkdir(parents=True)
    (dead / "events.parquet").write_bytes(b"half")
    alive = parent / f".other.tmp-{os.getppid()}"  # a live writer (this test's parent process)
    alive.mkdir()
    held = parent / f".held.tmp-{_dead_pid()}"  # its PID is gone, but its lock is held: another PID namespace
    held.mkdir()
    lock = FileLock.acquire(parent / ".held.lock")
    try:
        assert clean_stale(parent) == 1
    finally:
        assert lock is not None
        lock.release()
    assert not dead.exists() and alive.exists() and held.exists()


def test_a_killed_plain_run_leaves_nothing_the_next_run_keeps(tmp_path: Path) -> None:
    """A real kill -9 of a run while it simulates: it had reserved its folder; the next reservation there cleans it."""
    scenario = write_scenario(tmp_path, "slow", run={"duration": "30d", "warmup": "1h", "seed": 3})
    command = [sys.executable, str(Path(__file__).parents[2] / "run.py"), "run", str(scenario)]
    first = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = tmp_path / "outputs" / "slow"
    deadline = time.monotonic() + 120
    while not _hidden(parent) and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.1)
    first.kill()
    first.wait()
    left = _hidden(parent)
    assert any(".tmp-" in name for name in left), f"the run reserved no folder before simulating: {left}"
    assert not [f for f in parent.iterdir() if not f.name.startswith(".")], "a visible folder was left"
    reserve(parent / "next-run", unique=True)  # what the next run writing there does first
    assert _hidden(parent) == [".next-run.lock", f".next-run.tmp-{os.getpid()}"], "the killed run's are still there"
    release_all()
    assert _hidden(parent) == []


def _damage(kind: str) -> Callable[[bytes], bytes]:
    def truncated(raw: bytes) -> bytes:
        return raw[: len(raw) // 2]

    def flipped(raw: bytes) -> bytes:
        i = len(raw) // 3  # inside a compressed array: the zip's CRC (or zlib) catches it
        return raw[:i] + bytes([raw[i] ^ 0xFF]) + raw[i + 1:]

    def empty(raw: bytes) -> bytes:
        return b""

    def foreign(raw: bytes) -> bytes:
        import io

        buffer = io.BytesIO()
        np.savez_compressed(buffer, something=np.arange(3))
        return buffer.getvalue()

    return {"truncated": truncated, "flipped": flipped, "empty": empty, "foreign": foreign}[kind]


@pytest.mark.parametrize("kind", ["truncated", "flipped", "empty", "foreign"])
def test_a_damaged_city_cache_entry_is_rebuilt(tmp_path: Path, kind: str) -> None:
    path = grid_osm(tmp_path / "grid.osm", size=5)
    first = load(path)
    key = cache.cache_key(cache.file_digest(path), network="drive")
    entry = cache.cache_dir() / f"{key}.npz"
    entry.write_bytes(_damage(kind)(entry.read_bytes()))
    again = load(path)
    assert again.drive.n_nodes == first.drive.n_nodes == 25 - 3  # three plain corners are simplified away
    for name in first.drive.array_fields():
        np.testing.assert_array_equal(getattr(again.drive, name), getattr(first.drive, name))
    assert cache.load(key) is not None, "the rebuilt entry was not stored again"


class _Counting(Executor):
    """Runs a fake run in a thread (a fraction of a second), counting what it was asked to run."""

    def __init__(self, log: list[tuple[str, int]]) -> None:
        self.pool = ThreadPoolExecutor(1)
        self.log = log

    def submit(self, fn: Any, scenario: dict[str, Any], seed: int) -> Future:  # type: ignore[override]
        self.log.append((scenario["name"], seed))

        def fake() -> dict[str, Any]:
            time.sleep(0.3)
            return {"kpis": {"response": {"seed": seed}}, "timings_s": {}, "code": code_fingerprint(),
                    "host": "here", "pid": threading.get_ident(),
                    "finished_at": datetime.now(UTC).isoformat(timespec="milliseconds")}

        return self.pool.submit(fake)


def test_two_commands_sharing_a_store_compute_each_run_once(tmp_path: Path) -> None:
    scenario = load_scenario(write_scenario(tmp_path, "small"))
    specs = replication_specs(scenario, replication_seeds(3, 6))
    store = tmp_path / "store"
    submitted: list[tuple[str, int]] = []
    results: list[list[dict[str, Any]]] = [[], []]

    def command(i: int) -> None:  # each command opens its own store: separate lock files, as two processes
        results[i] = execute(specs, _Counting(submitted), ResultStore(store), max_in_flight=1)

    threads = [threading.Thread(target=command, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(submitted) == sorted((scenario.name, s.seed) for s in specs), "a run was computed twice"
    assert [r["kpis"] for r in results[0]] == [r["kpis"] for r in results[1]] == [
        {"response": {"seed": s.seed}} for s in specs]
    assert not list(store.rglob("*.lock")) and not list(store.rglob(".*.tmp"))


def test_a_claim_left_by_a_dead_command_does_not_block(tmp_path: Path) -> None:
    """A lock file whose holder is gone (kill -9) is free: the run is computed here."""
    scenario = load_scenario(write_scenario(tmp_path, "small"))
    specs = replication_specs(scenario, [11])
    store = ResultStore(tmp_path / "store")
    lock_file = store.path(specs[0].key[0], 11).with_suffix(".lock")
    lock_file.parent.mkdir(parents=True)
    lock_file.write_text("999999")  # what a killed command leaves: the file, no lock on it
    submitted: list[tuple[str, int]] = []
    assert execute(specs, _Counting(submitted), store)[0]["kpis"] == {"response": {"seed": 11}}
    assert submitted == [(scenario.name, 11)]


def test_a_worker_that_dies_is_one_line(tmp_path: Path) -> None:
    """A worker killed under a run (the OOM killer, a stray kill) is named in one line, not a BrokenProcessPool."""
    from twin.errors import TwinError
    from twin.experiments.executors import local_processes

    class Dying(Executor):
        def __init__(self, pool: Executor) -> None:
            self.pool = pool

        def submit(self, fn: Any, *args: Any, **kwargs: Any) -> Future:  # type: ignore[override]
            return self.pool.submit(os._exit, 9)

    scenario = load_scenario(write_scenario(tmp_path, "small"))
    with local_processes(1) as handle, pytest.raises(TwinError) as caught:
        execute(replication_specs(scenario, [5]), Dying(handle.executor), ResultStore(tmp_path / "store"))
    assert str(caught.value) == ("small (seed 5): a worker process ended abruptly, killed by a signal or for lack of "
                                 "memory (the runs finished before it are in the store)")
    assert not list((tmp_path / "store").rglob("*.lock"))


def test_a_tls_scheduler_without_certificates_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    import dask

    with dask.config.set({"distributed.comm.tls.client.cert": None}), socket.socket() as listener:
        # something answers at the address, as a scheduler would
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = f"tls://127.0.0.1:{listener.getsockname()[1]}"
        status = main(["run", str(write_scenario(tmp_path, "small")), "--reps", "2", "--scheduler", address,
                       "--no-store", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err
    assert err.startswith(f"error: --scheduler: {address} needs this machine's TLS certificates: set "
                          "DASK_DISTRIBUTED__COMM__TLS__CA_FILE"), err
    assert not (tmp_path / "out").exists() and _hidden(tmp_path) == []
