"""Write a run's outputs into a folder, atomically.

Everything is written into a hidden temporary folder beside the target and
renamed into place at the end, so an interrupted or failed run leaves nothing
half-written where a reader would look (:mod:`twin.experiments.folders`, which
also reserves a folder before the run that fills it starts).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

import twin
from twin.experiments.folders import atomic_folder, reserve
from twin.experiments.run import RunResult
from twin.present.stored import side_table_path
from twin.report.run_report import build_report


def resolved_yaml(result: RunResult) -> str:
    """The scenario as it ran: every default filled in, the seed and the project version recorded."""
    data = result.scenario.model_dump(mode="json")
    data["run"]["seed"] = result.seed
    header = f"# resolved scenario, written by public-safety-twin {twin.__version__}\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def default_folder(name: str, seed: int, root: Path = Path("outputs")) -> Path:
    """``outputs/<scenario>/<YYYYmmdd-HHMMSS>-seed<N>`` (reserve it with ``unique=True``: ``-2``, … if taken)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / str(name) / f"{stamp}-seed{seed}"


def write_run(result: RunResult, folder: Path | None = None) -> Path:
    """Write scenario, events, time series, KPIs and the report; return the folder.

    Files: ``scenario.yaml`` (resolved), ``events.parquet``, ``timeseries.parquet``,
    ``kpis.json``, the systems' side tables ``systems/<section>/<name>.parquet``,
    ``report.md`` and ``figures/*.png``. The report is drawn from those files
    alone, as ``python run.py report FOLDER`` draws it again later.
    """
    if folder is None:
        folder = reserve(default_folder(result.scenario.name, result.seed), unique=True)
    with atomic_folder(folder) as tmp:
        scenario_text = resolved_yaml(result)
        (tmp / "scenario.yaml").write_text(scenario_text)
        metadata = {b"twin_version": twin.__version__.encode(), b"seed": str(result.seed).encode(),
                    b"scenario": str(result.scenario.name).encode()}
        events = pa.Table.from_pandas(result.events, preserve_index=False)
        pq.write_table(events.replace_schema_metadata(metadata), tmp / "events.parquet", compression="zstd")
        series = pa.Table.from_pandas(result.timeseries, preserve_index=False)
        pq.write_table(series.replace_schema_metadata(metadata), tmp / "timeseries.parquet", compression="zstd")
        record = {"scenario": result.scenario.name, "seed": result.seed, "twin_version": twin.__version__,
                  "timings_s": result.timings_s, "kpis": result.kpis}
        (tmp / "kpis.json").write_text(json.dumps(record, indent=2, allow_nan=False, default=float))
        for system, _ in result.model.systems:
            for name, table in system.outputs().items():
                path = side_table_path(tmp, system.section, name)
                path.parent.mkdir(parents=True, exist_ok=True)
                table.to_parquet(path, compression="zstd")
        build_report(tmp, result.model.city)
    return folder
