"""The result store: every finished run kept as one small JSON file, written at once.

Think of a lab notebook where each experiment gets its own page the moment it
ends. A run is identified by the hash of its scenario (content, overrides and
model code, :mod:`twin.experiments.identity`) and its seed::

    STORE/
      runs.log                      one line per stored run (when, key, host, pid)
      <scenario-hash>/
        scenario.yaml               the resolved scenario these runs belong to
        seed-<seed>.json            KPIs, timings, where and when it ran

A page is written to a temporary file, flushed to disk and renamed into place
(``os.replace``), so a run killed at any moment leaves either a whole page or
none. A command started again finds the pages already written and runs only
the missing ones. A page that cannot be read is reported with its path and left
alone: it is the user's data, and only the user decides to delete it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from twin.errors import TwinError

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
        path.parent.mkdir(parents=True, exist_ok=True)
        if scenario_yaml is not None and not (path.parent / "scenario.yaml").exists():
            _write_atomic(path.parent / "scenario.yaml", scenario_yaml)
        _write_atomic(path, json.dumps(record, indent=1, default=float))
        line = "\t".join((str(record["finished_at"]), "stored", str(record["scenario_hash"]),
                          f"seed={record['seed']}", f"host={record.get('host', '')}",
                          f"pid={record.get('pid', '')}"))
        with (self.root / "runs.log").open("a") as log:
            log.write(line + "\n")  # one short append: whole lines even with concurrent writers
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
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        with tmp.open("w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def scenario_yaml(content: dict[str, Any], header: str) -> str:
    """A stored scenario's YAML with a comment header."""
    return f"# {header}\n" + yaml.safe_dump(content, sort_keys=False, allow_unicode=True)
