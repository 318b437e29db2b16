"""The result store: a sweep killed with SIGKILL resumes without losing or repeating a run;
a corrupted result file is reported by name and left alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.experiments.conftest import ROOT, write_scenario
from twin.cli import main
from twin.errors import TwinError
from twin.experiments.store import ResultStore


def _stored(store: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in store.glob("*/seed-*.json")}


def test_a_killed_sweep_resumes_without_losing_or_repeating_runs(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "slow", run={"duration": "6d", "warmup": "1h", "seed": 3})  # ~1 s a run
    store, out = tmp_path / "store", tmp_path / "out"
    command = [sys.executable, str(ROOT / "run.py"), "sweep", str(path),
               "--set", "response.units.ambulance.count=3,4,5", "--reps", "4", "--processes", "2",
               "--store", str(store), "--out", str(out)]
    total = 12
    # A session of its own, so SIGKILL reaches the command, its forkserver and its workers at once.
    first = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    deadline = time.monotonic() + 180
    while len(_stored(store)) < 3 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    exited = first.poll()
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    before = _stored(store)
    assert exited is None and 3 <= len(before) < total, f"exit status {exited}, {len(before)} runs stored at the kill"
    assert not out.exists()

    second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    report = f"{len(before)} stored before the kill; second run said: {' '.join(second.stdout.split())}"
    after = _stored(store)
    assert len(after) == total, report
    assert all(after[p] == content for p, content in before.items()), "a stored run was run again; " + report
    assert f"{len(before)} from the store, {total - len(before)} run now" in report
    lines = (store / "runs.log").read_text().splitlines()
    logged = Counter(tuple(line.split("\t")[2:4]) for line in lines)  # (scenario hash, seed)
    assert max(logged.values()) == 1, f"a run was stored twice: {lines}"
    assert len(logged) >= total - 1, lines  # (the kill may land between a file's rename and its log line)
    assert not list(store.glob("*/.*.tmp")), report
    assert (out / "aggregated.csv").exists()


def test_a_corrupted_result_file_is_named_and_left_intact(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(tmp_path, "small")
    store = tmp_path / "store"
    args = ["run", str(path), "--reps", "2", "--processes", "2", "--store", str(store)]
    assert main([*args, "--out", str(tmp_path / "first")]) == 0
    victim = sorted(store.glob("*/seed-*.json"))[0]
    victim.write_text('{"scenario_hash": "x", "kpis": {')  # e.g. a disk that filled up under another tool
    corrupted = victim.read_bytes()
    capsys.readouterr()
    assert main([*args, "--out", str(tmp_path / "second")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {victim}: corrupted result file in the store (not valid JSON")
    assert err.count("\n") == 1
    assert victim.read_bytes() == corrupted and len(list(store.glob("*/seed-*.json"))) == 2
    assert not (tmp_path / "second").exists()


def test_store_records_are_checked(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    assert store.get("abc", 1) is None
    record = {"scenario_hash": "abc", "seed": 1, "kpis": {"response": {}}, "timings_s": {}, "code": "c",
              "finished_at": "now"}
    store.put(record)
    assert store.get("abc", 1) == record
    store.path("abc", 2).write_text(json.dumps({**record, "seed": 1}))
    with pytest.raises(TwinError, match="not the run its name says"):
        store.get("abc", 2)
    store.path("abc", 3).write_text(json.dumps({"seed": 3}))
    with pytest.raises(TwinError, match="missing scenario_hash, kpis"):
        store.get("abc", 3)
    store.path("abc", 4).write_text("[]")
    with pytest.raises(TwinError, match="expected a JSON object"):
        store.get("abc", 4)
