"""Sweeps: a grid of scenario variants (``--set``), each replicated, summarised and plotted.

Every combination of the ``--set`` values is one variant; each variant runs the
same replication seeds (common random numbers across the grid, so neighbouring
points differ by the change and not by luck). Results:

* ``runs``: one row per run — parameters, replication, seed, KPIs;
* ``aggregated``: one row per (combination, KPI) — n, mean, sd, 95 % CI;
* a figure per parameter: every headline KPI against it, one line per
  combination of the other parameters, with CIs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

import twin
from twin.experiments.figures import sweep_figure
from twin.experiments.identity import code_fingerprint, scenario_hash
from twin.experiments.kpis import headline_keys
from twin.experiments.outputs import atomic_folder
from twin.experiments.overrides import Override, grid, variant
from twin.experiments.replicate import replication_specs
from twin.experiments.runner import RunSpec
from twin.experiments.stats import CONFIDENCE
from twin.experiments.store import scenario_yaml
from twin.experiments.tables import summarise, write_json, write_table
from twin.report.markdown import markdown_table


def cell(value: Any) -> Any:
    """A parameter value as a table cell: numbers and strings as they are, anything else as JSON."""
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    return value if isinstance(value, int | float | str) else json.dumps(value, sort_keys=True)


def sweep_specs(scenario: BaseModel, overrides: list[Override], seeds: Sequence[int],
                source: Path | str) -> tuple[list[RunSpec], list[dict[str, Any]]]:
    """Validate every combination first, then one spec per (combination, replication).

    Returns
    -------
    specs, combinations
        ``specs`` labelled with each parameter's value (as :func:`cell`) and the replication.

    Raises
    ------
    TwinError
        The first combination the schema rejects, naming it.
    """
    combinations = grid(overrides)
    variants = [variant(scenario, overrides, combo, source) for combo in combinations]  # fail before running
    specs: list[RunSpec] = []
    for combo, scenario_i in zip(combinations, variants):
        specs += replication_specs(scenario_i, seeds, **{p: cell(v) for p, v in combo.items()})
    return specs, combinations


@dataclass
class Sweep:
    """The outcome of a sweep."""

    scenario: BaseModel
    source: str
    overrides: list[Override]
    base_seed: int
    seeds: list[int]
    runs: pd.DataFrame
    executor: str

    @property
    def parameters(self) -> list[str]:
        """The swept dotted paths, in command-line order."""
        return [o.path for o in self.overrides]

    @property
    def aggregated(self) -> pd.DataFrame:
        """Mean and CI of every KPI per combination (long: one row per combination and KPI)."""
        return summarise(self.runs, self.parameters)

    def metadata(self) -> dict[str, object]:
        """What every output records about the sweep."""
        return {"scenario": self.scenario.name, "file": self.source, "base_scenario_hash": scenario_hash(self.scenario),
                "model_code": code_fingerprint(),
                "parameters": {o.path: [cell(v) for v in o.values] for o in self.overrides},
                "combinations": len(grid(self.overrides)), "base_seed": self.base_seed, "seeds": self.seeds,
                "replications": len(self.seeds), "common_random_numbers": True, "confidence": CONFIDENCE,
                "executor": self.executor, "twin_version": twin.__version__}


def write_sweep(s: Sweep, folder: Path) -> Path:
    """Write runs, aggregated table, ``sweep.json``, figures and ``report.md`` into ``folder``."""
    meta = s.metadata()
    aggregated = s.aggregated
    kpis = headline_keys(aggregated["kpi"].unique())
    with atomic_folder(folder) as tmp:
        (tmp / "scenario.yaml").write_text(scenario_yaml(s.scenario.model_dump(mode="json"),
                                                         "the base scenario as resolved, before --set"))
        write_table(s.runs, tmp, "runs", meta)
        write_table(aggregated, tmp, "aggregated", meta)
        write_json(meta, tmp / "sweep.json")
        figures = {p: sweep_figure(aggregated, p, s.parameters, kpis, tmp / "figures" / f"{_file_name(p)}.png")
                   for p in s.parameters}
        (tmp / "report.md").write_text(_report(s, aggregated, kpis, figures, tmp))
    return folder


def _file_name(path: str) -> str:
    return path.replace(".", "_")


def _report(s: Sweep, aggregated: pd.DataFrame, kpis: list[str], figures: dict[str, Path], root: Path) -> str:
    from twin.experiments.kpis import format_value, label

    wide = aggregated[aggregated["kpi"].isin(kpis)]
    rows = []
    for combo, group in wide.groupby(s.parameters, sort=False):
        combo = combo if isinstance(combo, tuple) else (combo,)
        by_kpi = group.set_index("kpi")
        rows.append((*map(str, combo), *(f"{format_value(k, by_kpi.loc[k, 'mean'])} ± "
                                         f"{format_value(k, by_kpi.loc[k, 'half_width'], delta=True)}"
                                         if k in by_kpi.index else "–" for k in kpis)))
    lines = [f"# Sweep of {s.scenario.name}", "",
             f"{len(grid(s.overrides))} combinations × {len(s.seeds)} replications of `{s.source}` "
             f"(base seed {s.base_seed}; every combination ran the same seeds). Executor: {s.executor}. "
             f"public-safety-twin {twin.__version__}.", "",
             markdown_table((*s.parameters, *(label(k) for k in kpis)), rows), "",
             f"Mean ± half-width of the {CONFIDENCE:.0%} confidence interval over replications; times in min:s "
             "± seconds, shares in % ± percentage points.", ""]
    for parameter, path in figures.items():
        lines += [f"![{parameter}]({path.relative_to(root).as_posix()})", ""]
    lines += ["Files: `runs.csv`/`.parquet` (one row per run), `aggregated.csv`/`.parquet` (mean and CI per "
              "combination and KPI), `sweep.json` (parameters, seeds, executor), `scenario.yaml` (the base).", ""]
    return "\n".join(lines)
