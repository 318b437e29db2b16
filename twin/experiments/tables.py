"""Result tables of experiments: one row per run, mean and CI per KPI; Parquet, CSV, JSON.

Two shapes:

* **runs** (wide): one row per run — its labels (variant, swept parameters,
  replication, seed, scenario hash) then one column per KPI (dotted keys).
* **summary** (long): one row per (group, KPI) — n, mean, standard deviation and
  the 95 % confidence interval of the mean over replications.

Every file records the project version in its metadata (Parquet) or body (JSON).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import twin
from twin.experiments.stats import CONFIDENCE, mean_ci
from twin.present.format import flatten_kpis
from twin.present.kpis import direction, label

#: Columns of a runs table that are not KPIs, besides the labels.
RUN_COLUMNS = ("seed", "scenario_hash", "run_s")


def runs_frame(labels: Sequence[Mapping[str, Any]], records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per run: ``labels[i]``, then seed, scenario hash, ``run_s`` (wall time of the run, s),
    then the flattened KPIs (sorted dotted keys; NaN where a run has no value, e.g. no P1 incident)."""
    rows = []
    for row_labels, record in zip(labels, records, strict=True):
        kpis = flatten_kpis(record["kpis"])
        clash = set(kpis) & set(row_labels)
        if clash:
            raise RuntimeError(f"label columns clash with KPI names: {sorted(clash)}")
        rows.append({**row_labels, "seed": record["seed"], "scenario_hash": record["scenario_hash"],
                     "run_s": record["timings_s"].get("total", math.nan), **kpis})
    frame = pd.DataFrame(rows)
    fixed = [c for c in frame.columns if c in RUN_COLUMNS or any(c in r for r in labels)]
    kpis = sorted(c for c in frame.columns if c not in fixed)
    return frame[[c for c in fixed if c not in RUN_COLUMNS] + list(RUN_COLUMNS) + kpis]


def kpi_columns(runs: pd.DataFrame) -> list[str]:
    """The KPI columns of a runs table: every column after ``run_s``."""
    columns = list(runs.columns)
    return columns[columns.index("run_s") + 1:]


def summarise(runs: pd.DataFrame, by: Sequence[str] = (), kpis: Sequence[str] | None = None,
              confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mean and confidence interval of each KPI over the replications of each group.

    Parameters
    ----------
    runs : DataFrame
        A runs table (:func:`runs_frame`).
    by : sequence of str
        Label columns that define a group (e.g. the swept parameters); none: one group.
    kpis : sequence of str, optional
        KPI columns to summarise (default: all).
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    DataFrame
        ``by`` columns, then ``kpi``, ``label``, ``direction``, ``n``, ``mean``, ``sd``,
        ``ci_low``, ``ci_high``, ``half_width`` (in the KPI's unit: seconds, share or count).
    """
    kpis = list(kpis) if kpis is not None else kpi_columns(runs)
    groups = runs.groupby(list(by), sort=False, dropna=False) if by else [((), runs)]
    rows = []
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        for kpi in kpis:
            ci = mean_ci(group[kpi].to_numpy(dtype=float))
            rows.append({**dict(zip(by, key)), "kpi": kpi, "label": label(kpi), "direction": direction(kpi),
                         "n": ci.n, "mean": ci.mean, "sd": ci.sd, "ci_low": ci.low, "ci_high": ci.high,
                         "half_width": ci.half_width})
    return pd.DataFrame(rows)


def write_table(frame: pd.DataFrame, folder: Path, stem: str, metadata: Mapping[str, Any] | None = None) -> None:
    """Write ``folder/stem.parquet`` (with ``metadata`` and the project version) and ``folder/stem.csv``."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {b"twin_version": twin.__version__.encode()}
    meta.update({str(k).encode(): json.dumps(v, default=str).encode() for k, v in (metadata or {}).items()})
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **meta}),
                   folder / f"{stem}.parquet", compression="zstd")
    frame.to_csv(folder / f"{stem}.csv", index=False)


def plain(value: Any) -> Any:
    """``value`` with NaN as ``None`` and numpy scalars as Python ones, for JSON."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(data: Mapping[str, Any], path: Path) -> None:
    """Write ``data`` as indented, standard JSON (NaN → null)."""
    path.write_text(json.dumps(plain(data), indent=2, allow_nan=False, default=str) + "\n")


def summary_json(summary: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """``{kpi: {n, mean, sd, ci_low, ci_high}}`` of a one-group summary."""
    return {row.kpi: {"n": row.n, "mean": row.mean, "sd": row.sd, "ci_low": row.ci_low, "ci_high": row.ci_high}
            for row in summary.itertuples()}
