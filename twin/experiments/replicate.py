"""Replications: the same scenario run N times with independent, recorded seeds.

One run of a stochastic model is one draw; the mean over replications, with
its confidence interval, is what a planner can rely on. Replication ``i`` uses
seed ``replication_seeds(base, N)[i]`` (:mod:`twin.experiments.seeds`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

import twin
from twin.experiments.identity import code_fingerprint, scenario_hash
from twin.experiments.outputs import atomic_folder
from twin.experiments.runner import RunSpec
from twin.experiments.seeds import replication_seeds
from twin.experiments.stats import CONFIDENCE
from twin.experiments.store import scenario_yaml
from twin.experiments.tables import summarise, summary_json, write_json, write_table
from twin.report.replications import write_replications_report


def replication_specs(scenario: BaseModel, seeds: Sequence[int], **labels: object) -> list[RunSpec]:
    """One :class:`RunSpec` per seed, labelled with ``labels`` and the replication index."""
    return [RunSpec(scenario, seed, {**labels, "replication": i}) for i, seed in enumerate(seeds)]


@dataclass
class Replications:
    """The outcome of N replications of one scenario."""

    scenario: BaseModel
    base_seed: int
    seeds: list[int]
    runs: pd.DataFrame
    summary: pd.DataFrame
    executor: str

    def metadata(self) -> dict[str, object]:
        """What every output file records about the experiment."""
        return {"scenario": self.scenario.name, "scenario_hash": scenario_hash(self.scenario),
                "model_code": code_fingerprint(), "base_seed": self.base_seed, "seeds": self.seeds,
                "replications": len(self.seeds), "confidence": CONFIDENCE, "executor": self.executor,
                "twin_version": twin.__version__}


def seeds_for(base_seed: int, reps: int) -> list[int]:
    """The seeds of ``reps`` replications; one replication keeps the base seed itself (a plain run)."""
    return [base_seed] if reps == 1 else replication_seeds(base_seed, reps)


def summarise_replications(scenario: BaseModel, base_seed: int, seeds: list[int], runs: pd.DataFrame,
                           executor: str) -> Replications:
    """Bundle a runs table with its summary."""
    return Replications(scenario, base_seed, seeds, runs, summarise(runs), executor)


def write_replications(result: Replications, folder: Path) -> Path:
    """Write ``runs``, ``summary`` (Parquet + CSV), ``summary.json``, ``scenario.yaml`` and the report
    (``report.md``, ``report.html``: :mod:`twin.report.replications`) into ``folder``."""
    meta = result.metadata()
    with atomic_folder(folder) as tmp:
        (tmp / "scenario.yaml").write_text(scenario_yaml(
            result.scenario.model_dump(mode="json"),
            f"resolved scenario, {len(result.seeds)} replications from base seed {result.base_seed} "
            f"(seeds in runs.csv), public-safety-twin {twin.__version__}"))
        write_table(result.runs, tmp, "runs", meta)
        write_table(result.summary, tmp, "summary", meta)
        write_json({**meta, "kpis": summary_json(result.summary)}, tmp / "summary.json")
        write_replications_report(tmp, str(result.scenario.name), result.base_seed, result.seeds, result.summary,
                                  result.runs, result.executor)
    return folder


def replication_folder(folder: Path, index: int) -> Path:
    """Where replication ``index`` of the replications in ``folder`` is written when it is run again."""
    return Path(folder) / f"replication-{index}"


def rerun_replication(folder: Path, index: int) -> Path:
    """Run replication ``index`` of a ``--reps`` folder again, in full, and write it as a run folder.

    A replication is stored as one row of KPIs; its events, time series and report
    are not kept (they would cost a run folder each). The scenario and the seed are
    kept, and a run is a function of them, so the replication is run again with its
    seed and written, report included, to ``folder/replication-<index>/``.

    Raises
    ------
    TwinError
        ``folder`` is not a folder of replications, ``index`` is not one of them, or the
        run again gives other KPIs than the stored ones (the model code changed since).
    """
    from twin.errors import TwinError
    from twin.experiments.folders import reserve
    from twin.experiments.outputs import write_run
    from twin.experiments.run import simulate
    from twin.experiments.tables import kpi_columns, runs_frame
    from twin.scenario import load_scenario

    folder = Path(folder)
    runs_path, scenario_path = folder / "runs.parquet", folder / "scenario.yaml"
    if not (runs_path.is_file() and scenario_path.is_file() and (folder / "summary.json").is_file()):
        raise TwinError(f"{folder}: not a folder of replications (runs.parquet, summary.json, scenario.yaml)")
    runs = pd.read_parquet(runs_path)
    if index not in set(runs["replication"]):
        raise TwinError(f"--replication: {folder} holds replications 0 to {len(runs) - 1}, got {index}")
    row = runs.set_index("replication").loc[index]
    target = reserve(replication_folder(folder, index))  # checked and taken before the run, not after it
    result = simulate(load_scenario(scenario_path), int(row["seed"]))
    record = {"seed": result.seed, "scenario_hash": row["scenario_hash"], "timings_s": {}, "kpis": result.kpis}
    again = runs_frame([{}], [record]).iloc[0]
    moved = [k for k in kpi_columns(runs) if k in again and not _same(row[k], again[k])]
    if moved:
        raise TwinError(f"{folder}: replication {index} run again gives other KPIs ({', '.join(moved[:3])}"
                        f"{', …' if len(moved) > 3 else ''}): the model changed since it was stored")
    return write_run(result, target)


def _same(stored: float, again: float) -> bool:
    return (pd.isna(stored) and pd.isna(again)) or abs(float(stored) - float(again)) <= 1e-9 * max(1.0, abs(stored))
