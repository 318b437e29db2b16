"""Sweeps: a grid of scenario variants (``--set``), each replicated, summarised and plotted.

Every combination of the ``--set`` values is one variant; each variant runs the
same replication seeds (common random numbers across the grid, so neighbouring
points differ by the change and not by luck). Results:

* ``runs``: one row per run — parameters, replication, seed, KPIs;
* ``aggregated``: one row per (combination, KPI) — n, mean, sd, 95 % CI;
* a figure per parameter: every headline KPI against it, one line per
  combination of the other parameters, with CIs (:mod:`twin.report.sweep`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

import twin
from twin.errors import TwinError
from twin.experiments.identity import code_fingerprint, scenario_hash
from twin.experiments.overrides import Override, grid, variant
from twin.experiments.replicate import replication_specs
from twin.experiments.runner import RunSpec
from twin.experiments.stats import CONFIDENCE
from twin.experiments.tables import summarise


def cell(value: Any) -> Any:
    """A parameter value as a table cell: numbers and strings as they are, anything else as JSON."""
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    return value if isinstance(value, int | float | str) else json.dumps(value, sort_keys=True)


#: Most runs one sweep may ask for: at 5–20 s a run on two cores, 10,000 runs are already a day
#: or more of computing; larger grids are refused before a single variant is built.
MAX_RUNS = 10_000


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
        More than :data:`MAX_RUNS` runs, or the first combination the schema rejects, naming it.
    """
    runs = math.prod(len(o.values) for o in overrides) * len(seeds)
    if runs > MAX_RUNS:
        raise TwinError(f"sweep: {runs:,} runs ({' × '.join(str(len(o.values)) for o in overrides)} combinations "
                        f"× {len(seeds)} replications) is more than {MAX_RUNS:,}; sweep fewer values or split the grid")
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
