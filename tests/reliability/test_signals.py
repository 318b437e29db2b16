"""Real signals on real processes: after SIGTERM or SIGKILL of a command, no process of it is left.

Each command runs in a session of its own, so every process it starts (the
forkserver, its workers, multiprocessing's resource tracker, Dask's workers)
can be found by its session id, even after it has been orphaned. SIGTERM must
take the Ctrl-C path: exit status 143, one line, no traceback, no output
folder and no temporary or lock file left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.experiments.conftest import ROOT, write_scenario

#: Seconds a command may take to start its workers (the forkserver imports the simulator; the
#: machine may be busy), and to be gone, with everything it started, after the signal.
START_S = 120
GONE_S = 10


def _session(sid: int) -> list[psutil.Process]:
    """Live processes of session ``sid`` (zombies excluded: they hold no memory and run nothing)."""
    members = []
    for process in psutil.process_iter(["status"]):
        try:
            if os.getsid(process.pid) == sid and process.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(process)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return members


def _start(tmp_path: Path, command: str, executor: list[str], store: bool = False) -> tuple[subprocess.Popen, Path]:
    """Start ``command`` on a scenario whose runs take several seconds each; return it and its --out."""
    path = write_scenario(tmp_path, "slow", run={"duration": "60d", "warmup": "1h", "seed": 3})
    out = tmp_path / "out"
    args = {"run": ["run", str(path), "--reps", "4"],
            "sweep": ["sweep", str(path), "--set", "response.units.ambulance.count=3,4", "--reps", "2"],
            "compare": ["compare", str(path), str(path), "--reps", "2"]}[command]
    stored = ["--store", str(tmp_path / "store")] if store else ["--no-store"]
    # Output into files, not pipes: the test sees when the runs start (the command flushes each line), and
    # processes left behind, which would hold a pipe open, cannot make the test wait for ever.
    with (tmp_path / "stdout.txt").open("w") as stdout, (tmp_path / "stderr.txt").open("w") as stderr:
        process = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *args, *executor, *stored, "--out",
                                    str(out)], cwd=tmp_path, stdout=stdout, stderr=stderr, start_new_session=True)
    return process, out


def _stderr(process: subprocess.Popen) -> str:
    return (Path(process.args[-1]).parent / "stderr.txt").read_text()


def _wait_for_workers(process: subprocess.Popen, helpers: int) -> list[psutil.Process]:
    """Wait until the command runs on ``helpers`` processes besides itself; return them."""
    log = Path(process.args[-1]).parent / "stdout.txt"
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        members = [p for p in _session(process.pid) if p.pid != process.pid]
        if len(members) >= helpers and " runs on " in log.read_text():
            time.sleep(1.0)  # let the workers take their first runs
            return [p for p in _session(process.pid) if p.pid != process.pid]
        if process.poll() is not None:
            raise AssertionError(f"the command ended before its workers started: {_stderr(process)}")
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    raise AssertionError(f"no {helpers} worker processes after {START_S} s: {_stderr(process)}")


def _left_after(process: subprocess.Popen) -> list[str]:
    """What remains of ``process``'s session GONE_S seconds after it ended (empty when all is gone)."""
    deadline = time.monotonic() + GONE_S
    while (left := _session(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [" ".join(p.cmdline())[:120] for p in left if p.is_running()]


def _end(process: subprocess.Popen) -> None:
    """End whatever is left of the command's session (only if the code under test failed to)."""
    for member in _session(process.pid):
        try:
            member.kill()
        except psutil.Error:
            pass


# (command, executor options, helper processes besides the command, result store)
LOCAL = (["--processes", "2"], 4)  # the resource tracker, the forkserver and two workers
DASK = (["--workers", "2"], 3)  # the resource tracker and two Dask workers
CASES = {
    "run-processes": ("run", *LOCAL, False),
    "sweep-processes-store": ("sweep", *LOCAL, True),
    "compare-processes": ("compare", *LOCAL, False),
    "run-dask": ("run", *DASK, False),
}


@pytest.mark.parametrize("case", ["run-processes", "compare-processes", "run-dask"])
def test_sigkill_of_the_command_leaves_no_process(tmp_path: Path, case: str) -> None:
    command, executor, helpers, store = CASES[case]
    process, out = _start(tmp_path, command, executor, store)
    workers = _wait_for_workers(process, helpers)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=GONE_S) == -signal.SIGKILL
    left = _left_after(process)
    _end(process)
    assert left == [], f"left behind by kill -9 (of {len(workers)} helpers)"
    assert not out.exists()


@pytest.mark.parametrize("case", ["run-processes", "sweep-processes-store", "run-dask"])
def test_sigterm_takes_the_ctrl_c_path(tmp_path: Path, case: str) -> None:
    command, executor, helpers, store = CASES[case]
    process, out = _start(tmp_path, command, executor, store)
    _wait_for_workers(process, helpers)
    start = time.monotonic()
    os.kill(process.pid, signal.SIGTERM)
    process.wait(timeout=GONE_S + 20)
    err = _stderr(process)
    left = _left_after(process)
    _end(process)
    assert process.returncode == 143, err
    assert time.monotonic() - start < GONE_S, "SIGTERM waited for runs in progress"
    assert "Traceback" not in err and err.strip().splitlines() == ["terminated"], err
    assert left == []
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "temporary or lock files left"
    if store:
        assert not list((tmp_path / "store").rglob(".*.tmp")) and not list((tmp_path / "store").rglob("*.lock"))


def test_sigterm_to_the_whole_process_group_is_one_clean_stop(tmp_path: Path) -> None:
    """CI runners and ``kill -TERM -PGID`` signal the workers too, at the same moment."""
    process, out = _start(tmp_path, "run", ["--processes", "2"])
    _wait_for_workers(process, 4)
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=GONE_S + 20)
    err = _stderr(process)
    left = _left_after(process)
    _end(process)
    assert process.returncode == 143, err
    assert "Traceback" not in err and "error:" not in err, err
    assert left == []
    assert not out.exists()


def test_a_worker_ends_when_its_command_is_gone() -> None:
    """The lifeline alone, without a pool: a child told to exit with a process that then dies."""
    code = ("import os, sys, time\n"
            "from twin.experiments.lifeline import exit_with\n"
            "watched = int(sys.argv[1])\n"
            "exit_with(watched)\n"
            "time.sleep(60)\n")
    watched = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    child = subprocess.Popen([sys.executable, "-c", code, str(watched.pid)], cwd=ROOT)
    time.sleep(2.0)
    assert child.poll() is None, "the worker ended while the command still ran"
    watched.kill()
    watched.wait()
    assert child.wait(timeout=GONE_S) == 128 + signal.SIGKILL
