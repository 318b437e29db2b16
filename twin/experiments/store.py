"""The result store: every finished run kept as one small JSON file, written at once.

Think of a lab notebook where each experiment gets its own page the moment it
ends. A run is identified by the hash of its scenario (content, overrides and
model code, :mod:`twin.experiments.identity`) and its seed::

    STORE/
      runs.log                      one line per stored run (when, key, host, pid)
      <scenario-hash>/
        scenario.yaml               the resolved scenario these runs belong to
        seed-<seed>.json            KPIs, timings, where and when it ran
        seed-<seed>.lock            only while a process computes that run

A page is written to a temporary file, flushed to disk and renamed into place
(``os.replace``), so a run killed at any moment leaves either a whole page or
none. A command started again finds the pages already written and runs only
the missing ones. While a process computes a run it holds ``seed-<seed>.lock``
beside the page (:meth:`ResultStore.claim`), so two commands sharing a store
(two sweeps of one scenario at once) compute each run once and share it. A
page that cannot be read is reported with its path and left alone: it is the
user's data, and only the user decides to delete it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from twin.errors import TwinError
from twin.experiments.locks import FileLock

#: Keys every stored record has.
RECORD_KEYS = ("scenario_hash", "seed", "kpis", "timings_s", "code", "finished_at")


class ResultStore:
    """A folder of finished runs, keyed by (scenario hash, seed).

    Parameters
    ----------
    root : Path
        The store's folder (created on the first write).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise TwinError(f"{self.root}: the result store must be a folder")

    def check_writable(self) -> None:
        """Create the store's folder now and write a probe file, so a store that cannot be
        written is refused before anything runs.

        Raises
        ------
        TwinError
            One line naming the folder and the operating system's reason.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle, probe = tempfile.mkstemp(dir=self.root, prefix=".probe.", suffix=".tmp")
            os.close(handle)
            os.unlink(probe)
        except OSError as exc:
            raise _unwritable(self.root, exc) from None

    def claim(self, scenario_hash: str, seed: int) -> FileLock | None:
        """Take the run ``(scenario_hash, seed)`` for this process, or ``None`` if another process computes it.

        Release the claim (:meth:`FileLock.release`) once the run is stored, or
        abandoned; it also ends with the process, however the process ends.
        """
        path = self.path(scenario_hash, seed)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return FileLock.acquire(path.with_suffix(".lock"))
        except OSError as exc:
            raise _unwritable(path.parent, exc) from None

    def claimed(self, scenario_hash: str, seed: int) -> bool:
        """Whether some process computes the run ``(scenario_hash, seed)`` now."""
        try:
            return FileLock.is_held(self.path(scenario_hash, seed).with_suffix(".lock"))
        except OSError:
            return False

    def path(self, scenario_hash: str, seed: int) -> Path:
        """Where the run ``(scenario_hash, seed)`` is (or would be) stored."""
        return self.root / scenario_hash / f"seed-{seed}.json"

    def get(self, scenario_hash: str, seed: int) -> dict[str, Any] | None:
        """The stored record of a run, or ``None`` if it has not run yet.

        Raises
        ------
        TwinError
            When the file exists but is not a whole, matching record.
        """
        path = self.path(scenario_hash, seed)
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise self._corrupt(path, f"cannot read it: {exc}") from None
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise self._corrupt(path, f"not valid JSON at line {exc.lineno} column {exc.colno}") from None
        if not isinstance(record, dict):
            raise self._corrupt(path, f"expected a JSON object, got {type(record).__name__}")
        missing = [key for key in RECORD_KEYS if key not in record]
        if missing:
            raise self._corrupt(path, f"missing {', '.join(missing)}")
        if record["scenario_hash"] != scenario_hash or record["seed"] != seed:
            raise self._corrupt(path, f"it holds scenario {record['scenario_hash']!r} seed {record['seed']!r}, "
                                      "not the run its name says")
        if not isinstance(record["kpis"], dict):
            raise self._corrupt(path, "kpis is not a mapping")
        return record

    @staticmethod
    def _corrupt(path: Path, reason: str) -> TwinError:
        return TwinError(f"{path}: corrupted result file in the store ({reason}); it was left as it is — "
                         "move it away to run that replication again")

    def put(self, record: dict[str, Any], scenario_yaml: str | None = None) -> Path:
        """Store a finished run atomically and log it; return its path.

        Parameters
        ----------
        record : dict
            Has at least :data:`RECORD_KEYS`.
        scenario_yaml : str, optional
            The resolved scenario, written once beside the scenario's runs.
        """
        path = self.path(record["scenario_hash"], record["seed"])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if scenario_yaml is not None and not (path.parent / "scenario.yaml").exists():
                _write_atomic(path.parent / "scenario.yaml", scenario_yaml)
            _write_atomic(path, json.dumps(record, indent=1, default=float))
            line = "\t".join((str(record["finished_at"]), "stored", str(record["scenario_hash"]),
                              f"seed={record['seed']}", f"host={record.get('host', '')}",
                              f"pid={record.get('pid', '')}"))
            with (self.root / "runs.log").open("a") as log:
                log.write(line + "\n")  # one short append: whole lines even with concurrent writers
        except OSError as exc:
            raise _unwritable(path.parent, exc) from None
        return path

    def clean_temporary(self) -> int:
        """Remove temporary files left by writers that were killed; return how many."""
        removed = 0
        for tmp in self.root.glob("*/.*.tmp"):
            pid = tmp.name.rsplit(".", 2)[-2]
            if pid.isdigit() and not _alive(int(pid)):
                tmp.unlink(missing_ok=True)
                removed += 1
        return removed


def _unwritable(folder: Path, exc: OSError) -> TwinError:
    where = f" ({exc.filename})" if exc.filename and Path(str(exc.filename)) != folder else ""
    return TwinError(f"{folder}: cannot write the result store: {exc.strerror or type(exc).__name__}{where}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a flushed temporary file and ``os.replace``."""
    # A name of its own for each writer (the PID second to last, for clean_temporary).
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".{os.getpid()}.tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide results from the other users of a shared store
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def scenario_yaml(content: dict[str, Any], header: str) -> str:
    """A stored scenario's YAML with a comment header."""
    return f"# {header}\n" + yaml.safe_dump(content, sort_keys=False, allow_unicode=True)
