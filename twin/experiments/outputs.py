"""Write a run's outputs into a folder, atomically.

Everything is written into a hidden temporary folder beside the target and
renamed into place at the end, so an interrupted or failed run leaves nothing
half-written where a reader would look (:mod:`twin.experiments.folders`, which
also reserves a folder before the run that fills it starts).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

import twin
from twin.experiments.folders import atomic_folder, reserve
from twin.experiments.run import RunResult
from twin.present.gis import crs_label
from twin.present.stored import CRS_KEY, TIMEZONE_KEY, side_table_path
from twin.report.gis import write_gis
from twin.report.run_report import build_report
from twin.sim.clock import clock_zone, with_clock, zone_name
from twin.sim.log import tidy


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


#: Name of the link, beside a scenario's run folders, to the newest of them.
LATEST = "latest"


def link_latest(folder: Path) -> Path | None:
    """Point ``latest`` beside ``folder`` at it (``outputs/<scenario>/latest`` -> the newest run).

    The link is relative (the ``outputs`` folder can move) and replaced atomically: a new
    link is made under a temporary name and renamed over the old one, so a reader never
    finds it missing. Returns the link, or None where links cannot be made (a file system
    or an account without symbolic links, a real folder named ``latest`` in the way).
    """
    link = folder.parent / LATEST
    tmp = folder.parent / f".{LATEST}.new-{os.getpid()}"
    try:
        tmp.unlink(missing_ok=True)
        os.symlink(folder.name, tmp, target_is_directory=True)
        os.replace(tmp, link)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return None
    return link


def write_run(result: RunResult, folder: Path | None = None) -> Path:
    """Write scenario, events, time series, KPIs and the report; return the folder.

    Files: ``scenario.yaml`` (resolved), ``events.parquet`` (tidy: :func:`twin.sim.log.tidy`),
    ``timeseries.parquet``, ``kpis.json``, the systems' side tables
    ``systems/<section>/<name>.parquet``, ``report.md``, ``figures/*.png`` and the GIS
    layers ``gis/*`` (``docs/outputs.md``). Every Parquet file records the city's CRS and the
    clock's time zone. The report and the layers are drawn from those files alone, as
    ``python run.py report FOLDER`` draws them again later.
    """
    if folder is None:
        folder = reserve(default_folder(result.scenario.name, result.seed), unique=True)
    with atomic_folder(folder) as tmp:
        scenario_text = resolved_yaml(result)
        (tmp / "scenario.yaml").write_text(scenario_text)
        city, start = result.model.city, result.scenario.run.start
        zone = clock_zone(start, float(np.mean(city.drive.lon)), result.scenario.run.timezone)
        metadata = {b"twin_version": twin.__version__.encode(), b"seed": str(result.seed).encode(),
                    b"scenario": str(result.scenario.name).encode(), CRS_KEY: crs_label(city.crs).encode(),
                    TIMEZONE_KEY: zone_name(zone, start).encode()}
        events = tidy(result.events, start, zone)
        pq.write_table(events.replace_schema_metadata(metadata), tmp / "events.parquet", compression="zstd")
        series = with_clock(pa.Table.from_pandas(result.timeseries, preserve_index=False), start, zone)
        pq.write_table(series.replace_schema_metadata(metadata), tmp / "timeseries.parquet", compression="zstd")
        record = {"scenario": result.scenario.name, "seed": result.seed, "twin_version": twin.__version__,
                  "timings_s": result.timings_s, "kpis": result.kpis}
        (tmp / "kpis.json").write_text(json.dumps(record, indent=2, allow_nan=False, default=float))
        for system, _ in result.model.systems:
            for name, table in system.outputs().items():
                path = side_table_path(tmp, system.section, name)
                path.parent.mkdir(parents=True, exist_ok=True)
                arrow = pa.Table.from_pandas(table)  # the index kept as pandas' to_parquet keeps it
                arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), **metadata})
                pq.write_table(arrow, path, compression="zstd")
        build_report(tmp, result.model.city)
        write_gis(tmp, result.model.city)
    return folder
