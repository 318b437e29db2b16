"""Regression scenarios for CI: seeded replications whose KPIs must stay where they were.

Each ``scenarios/regression/NAME.yaml`` has a sidecar ``NAME.expected.json``
(the scenario schema rejects unknown keys, so expectations live beside it)::

    {"reps": 5, "seed": 1,
     "kpis": {"SECTION.all.incidents":        {"value": 27.4,  "check": "exact"},
              "SECTION.all.response_s.mean": {"value": 301.2, "check": "ci", "slack": 2.0}}}

* ``exact``: deterministic with fixed seeds — the number of incidents depends only
  on the arrival stream, so any change is a change of the model's randomness;
* ``ci``: the expected value must lie inside this run's 95 % confidence interval
  of the mean over the replications, widened by ``slack`` (KPI units). A change
  that only reshuffles random draws passes; one that moves the KPI fails.

``python run.py regress --record`` runs the scenarios and rewrites the sidecars,
keeping each file's ``reps``, ``seed`` and ``slack`` values (edit them by hand).
Regression runs never use the result store: they must run the current code.
"""

from __future__ import annotations

import json
import math
import os
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

import twin
from twin.errors import TwinError
from twin.experiments.identity import code_fingerprint
from twin.experiments.replicate import replication_specs
from twin.experiments.runner import ResultCallback, execute
from twin.experiments.seeds import replication_seeds
from twin.experiments.stats import mean_ci
from twin.present.format import flatten_kpis
from twin.present.kpis import regression_keys
from twin.scenario import load_scenario

REGRESSION_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "regression"
DEFAULT_REPS = 10

#: Absolute slack of a ``ci`` check, by the KPI's kind.
DEFAULT_SLACK = {"s": 2.0, "share": 0.005, "count": 0.05}


@dataclass
class Check:
    """One KPI of one regression scenario, checked."""

    scenario: str
    kpi: str
    check: str
    expected: float
    got: float
    half_width: float
    slack: float

    @property
    def ok(self) -> bool:
        """Whether the KPI is where it was expected."""
        if not math.isfinite(self.got):
            return False
        if self.check == "exact":
            return math.isclose(self.got, self.expected, rel_tol=1e-12, abs_tol=1e-12)
        half = self.half_width if math.isfinite(self.half_width) else 0.0
        return abs(self.got - self.expected) <= half + self.slack

    @property
    def tolerance(self) -> float:
        """How far ``got`` may be from ``expected``: 0 for exact checks."""
        if self.check == "exact":
            return 0.0
        return (self.half_width if math.isfinite(self.half_width) else 0.0) + self.slack


def scenario_files(folder: Path = REGRESSION_DIR, names: list[str] | None = None) -> list[Path]:
    """The regression scenarios in ``folder`` (all, or those whose stem is in ``names``)."""
    files = sorted(folder.glob("*.yaml"))
    if names:
        known = {f.stem: f for f in files}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise TwinError(f"{folder}: no regression scenario {unknown[0]!r}; have: {', '.join(known)}")
        files = [known[n] for n in names]
    if not files:
        raise TwinError(f"{folder}: no regression scenarios (*.yaml)")
    return files


def expected_path(scenario_file: Path) -> Path:
    """``NAME.yaml`` → ``NAME.expected.json``."""
    return scenario_file.with_suffix(".expected.json")


def read_expected(scenario_file: Path, *, required: bool = True) -> dict[str, Any] | None:
    """The sidecar of a regression scenario, checked; ``None`` if absent and not ``required``."""
    path = expected_path(scenario_file)
    if not path.exists():
        if required:
            raise TwinError(f"{path}: no expectations yet; record them with `python run.py regress --record`")
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise TwinError(f"{path}: cannot read expectations ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("kpis"), dict):
        raise TwinError(f"{path}: expected a JSON object with a 'kpis' mapping")
    for field_name, kind in (("reps", int), ("seed", int)):
        if not isinstance(data.get(field_name), kind) or data[field_name] < (1 if field_name == "reps" else 0):
            raise TwinError(f"{path}: {field_name}: expected a non-negative integer, got {data.get(field_name)!r}")
    for kpi, entry in data["kpis"].items():
        if (not isinstance(entry, dict) or entry.get("check") not in ("exact", "ci")
                or not isinstance(entry.get("value"), int | float)):
            raise TwinError(f"{path}: kpis.{kpi}: expected {{\"value\": number, \"check\": \"exact\" | \"ci\"}}")
    return data


def checked_kpis(available: list[str]) -> list[str]:
    """The KPIs a regression checks: the headline ones and those the systems' rules mark (incident counts)."""
    return regression_keys(available)


@dataclass
class Plan:
    """A regression scenario ready to run."""

    file: Path
    scenario: BaseModel
    reps: int
    seed: int
    expected: dict[str, Any] | None


def plan(files: list[Path], *, record: bool) -> list[Plan]:
    """Load each scenario and its expectations (optional when recording)."""
    plans = []
    for file in files:
        expected = read_expected(file, required=not record)
        scenario = load_scenario(file)
        reps = expected["reps"] if expected else DEFAULT_REPS
        seed = expected["seed"] if expected else scenario.run.seed
        plans.append(Plan(file, scenario, reps, seed, expected))
    return plans


def run_plans(plans: list[Plan], executor: Executor, on_result: ResultCallback | None = None, *,
              warm_cache: bool = False, max_in_flight: int | None = None,
              check_code: bool = False) -> list[dict[str, list[float]]]:
    """Run every plan's replications in one batch; per plan, each KPI's values over replications."""
    specs = []
    for i, p in enumerate(plans):
        specs += replication_specs(p.scenario, replication_seeds(p.seed, p.reps), plan=i)
    records = execute(specs, executor, store=None, on_result=on_result, warm_cache=warm_cache,
                      max_in_flight=max_in_flight, check_code=check_code)
    values: list[dict[str, list[float]]] = [{} for _ in plans]
    for spec, record in zip(specs, records):
        for kpi, value in flatten_kpis(record["kpis"]).items():
            values[spec.labels["plan"]].setdefault(kpi, []).append(value)
    return values


def check(p: Plan, values: dict[str, list[float]]) -> list[Check]:
    """Every expected KPI of ``p`` against this run's values.

    A ``ci`` check passes when the mean over the replications lies within the recorded
    half-width of the 95 % interval (plus the slack) of the expected value: the
    minimum detectable effect of the check, fixed when it was recorded. Old sidecars
    without ``recorded_half_width`` fall back to this run's half-width.
    """
    assert p.expected is not None
    checks = []
    for kpi, entry in p.expected["kpis"].items():
        got = values.get(kpi, [])
        ci = mean_ci(got) if len(got) == p.reps else None  # a KPI missing in some replications has moved
        # The tolerance is the half-width recorded with the expectation: the smallest change these
        # replications can tell from a change of random streams. This run's own half-width would let
        # a change that adds noise loosen its own check.
        recorded_half = entry.get("recorded_half_width")
        half = float(recorded_half) if isinstance(recorded_half, int | float) else (ci.half_width if ci else math.nan)
        checks.append(Check(p.file.stem, kpi, entry["check"], float(entry["value"]),
                            ci.mean if ci else math.nan, half, float(entry.get("slack", 0.0))))
    return checks


def record(p: Plan, values: dict[str, list[float]]) -> Path:
    """Rewrite ``p``'s sidecar from this run, keeping its reps, seed and slack values."""
    data = recorded(p, values)
    path = expected_path(p.file)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def recorded(p: Plan, values: dict[str, list[float]]) -> dict[str, Any]:
    """The sidecar :func:`record` would write for ``p`` from this run (nothing is written)."""
    from twin.present.kpis import unit

    old = (p.expected or {}).get("kpis", {})
    kpis: dict[str, Any] = {}
    for kpi in checked_kpis(list(values)):
        if len(values[kpi]) != p.reps:
            continue  # absent in some replications: not a stable quantity to check
        ci = mean_ci(values[kpi])
        if kpi.endswith(".incidents"):
            kpis[kpi] = {"value": ci.mean, "check": "exact"}
        else:
            slack = old.get(kpi, {}).get("slack", DEFAULT_SLACK[unit(kpi)])
            kpis[kpi] = {"value": ci.mean, "check": "ci", "slack": slack,
                         "recorded_half_width": ci.half_width if math.isfinite(ci.half_width) else None}
    data = {"about": f"Expected KPIs of {p.file.name}: `python run.py regress` checks them, "
                     "`python run.py regress --record` rewrites them (reps, seed and slack are kept).",
            "reps": p.reps, "seed": p.seed,
            "recorded_with": f"public-safety-twin {twin.__version__}, model code {code_fingerprint()}",
            "kpis": kpis}
    return data


def record_diff(old: dict[str, Any] | None, new: dict[str, Any], name: str = "") -> str:
    """What rewriting a sidecar from ``old`` to ``new`` changes, one line per KPI, for review.

    Lists KPIs added and removed, and for each kept one whose value, check or
    slack changed: old → new and the relative change. Unchanged KPIs are
    counted, not listed. ``old`` is ``None`` for a new sidecar.

    Parameters
    ----------
    old, new : dict
        Sidecar contents (as :func:`read_expected` returns and :func:`recorded` builds).
    name : str
        The scenario's name, for the header line.

    Returns
    -------
    str
        Several lines; the first says how many KPIs changed.
    """
    before: dict[str, Any] = (old or {}).get("kpis", {})
    after: dict[str, Any] = new.get("kpis", {})
    lines = [f"  ~ {key}: {old.get(key)} -> {new.get(key)}" for key in ("reps", "seed")
             if old is not None and old.get(key) != new.get(key)]
    unchanged = 0
    for kpi in sorted(set(before) | set(after)):
        if kpi not in before:
            lines.append(f"  + {kpi}: {_entry(after[kpi])}")
        elif kpi not in after:
            lines.append(f"  - {kpi}: {_entry(before[kpi])}")
        elif [before[kpi].get(k) for k in ("value", "check", "slack")] != [after[kpi].get(k) for k in
                                                                             ("value", "check", "slack")]:
            change = _relative(before[kpi].get("value"), after[kpi].get("value"))
            lines.append(f"  ~ {kpi}: {_entry(before[kpi])} -> {_entry(after[kpi])}{change}")
        else:
            unchanged += 1
    header = (f"{name or 'expectations'}: {'new file, ' if old is None else ''}"
              f"{len(lines)} change(s), {unchanged} KPI(s) unchanged")
    return "\n".join([header, *lines])


def _entry(entry: dict[str, Any]) -> str:
    value, check = entry.get("value"), entry.get("check")
    text = f"{value:.6g}" if isinstance(value, int | float) else str(value)
    if check == "ci":
        return f"{text} (ci, slack {entry.get('slack', 0):g})"
    return f"{text} ({check})"


def _relative(a: Any, b: Any) -> str:
    if not isinstance(a, int | float) or not isinstance(b, int | float) or a == b:
        return ""
    if a == 0:
        return "  (was 0)"
    return f"  ({100 * (b - a) / abs(a):+.1f} %)"
