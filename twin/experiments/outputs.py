"""Write a run's outputs into a folder, atomically.

Everything is written into a hidden temporary folder beside the target and
renamed into place at the end, so an interrupted or failed run leaves nothing
half-written where a reader would look.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

import twin
from twin.errors import TwinError
from twin.experiments.run import RunResult
from twin.present.stored import side_table_path
from twin.report.run_report import build_report


def resolved_yaml(result: RunResult) -> str:
    """The scenario as it ran: every default filled in, the seed and the project version recorded."""
    data = result.scenario.model_dump(mode="json")
    data["run"]["seed"] = result.seed
    header = f"# resolved scenario, written by public-safety-twin {twin.__version__}\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def default_folder(result: RunResult, root: Path = Path("outputs")) -> Path:
    """``outputs/<scenario>/<YYYYmmdd-HHMMSS>-seed<N>``."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / str(result.scenario.name) / f"{stamp}-seed{result.seed}"


@contextmanager
def atomic_folder(folder: Path) -> Iterator[Path]:
    """Yield a hidden temporary folder that becomes ``folder`` when the block ends without error.

    Raises
    ------
    TwinError
        If ``folder`` exists and is not empty (nothing is overwritten).
    """
    if folder.exists() and any(folder.iterdir()):
        raise TwinError(f"{folder}: output folder exists and is not empty")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        if folder.exists():
            folder.rmdir()
        os.rename(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_run(result: RunResult, folder: Path | None = None) -> Path:
    """Write scenario, events, time series, KPIs and the report; return the folder.

    Files: ``scenario.yaml`` (resolved), ``events.parquet``, ``timeseries.parquet``,
    ``kpis.json``, the systems' side tables ``systems/<section>/<name>.parquet``,
    ``report.md`` and ``figures/*.png``. The report is drawn from those files
    alone, as ``python run.py report FOLDER`` draws it again later.
    """
    folder = default_folder(result) if folder is None else folder
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
