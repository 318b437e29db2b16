"""A finished run as its folder keeps it: what a report is drawn from.

A run folder holds everything a report needs — the resolved scenario, the event
log, the sampled time series, the KPIs and each system's side tables — so a
report can be drawn again from the folder alone, long after the run::

    run = StoredRun.read(Path("outputs/baseline/20261102-000000-seed1"))
    crime = run.of(CrimeSystem)        # bound to one system: its config, KPIs and tables
    crime.kpis["per_day"]

The run writes its own report the same way, from the files it has just written,
so a report rebuilt later is identical to the one written at run time.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml
from pydantic import ValidationError

from twin.errors import TwinError
from twin.sim.clock import aware_start, clock_zone
from twin.sim.log import engine_frame

if TYPE_CHECKING:
    from twin.city import City
    from twin.sim.system import System

#: Files of a run folder.
SCENARIO_FILE, EVENTS_FILE, TIMESERIES_FILE, KPIS_FILE, REPORT_FILE = (
    "scenario.yaml", "events.parquet", "timeseries.parquet", "kpis.json", "report.md")

#: Folder of the systems' side tables: ``systems/<section>/<name>.parquet``.
SYSTEMS_FOLDER = "systems"

#: Where a report's figures go, inside the run folder.
FIGURES_FOLDER = "figures"

#: Folder of the GIS layers: ``gis/<name>.parquet`` (GeoParquet) and ``gis/<name>.geojson``.
GIS_FOLDER = "gis"

#: Parquet key-value metadata of every table a run writes: the city's projected CRS and the clock's zone.
CRS_KEY, TIMEZONE_KEY = b"crs", b"timezone"


def side_table_path(folder: Path, section: str, name: str) -> Path:
    """Where the side table ``name`` of system ``section`` is kept in run folder ``folder``."""
    return Path(folder) / SYSTEMS_FOLDER / section / f"{name}.parquet"


@dataclass(frozen=True)
class StoredRun:
    """A run folder, read back; bound to one system with :meth:`of`.

    Attributes
    ----------
    folder : Path
        The run folder.
    scenario : dict
        The resolved scenario as written at run time (every default filled in).
    all_kpis : dict
        KPIs per system section.
    events : DataFrame
        The event log (one row per event; see :mod:`twin.sim.log`).
    timeseries : DataFrame
        The sampled reporters, one row per sample (``time_s`` first).
    version : str
        The project version that ran it.
    section : str, optional
        The system this view is bound to (None: the run as a whole).
    config : BaseModel, optional
        That system's scenario section, validated.
    crs : str
        The city's projected CRS (``"EPSG:32635"``) as the files record it ("" in folders older than that).
    timezone : str
        The clock's time zone as the files record it (``"Europe/Helsinki"``, ``"+02:00"``; "" if not recorded).
    """

    folder: Path
    scenario: dict[str, Any]
    all_kpis: dict[str, Any]
    events: pd.DataFrame
    timeseries: pd.DataFrame
    version: str = ""
    section: str | None = None
    config: Any = None
    crs: str = ""
    timezone: str = ""
    _city: list[Any] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def read(cls, folder: Path) -> StoredRun:
        """Read a run folder written by ``python run.py run``.

        Raises
        ------
        TwinError
            A missing or unreadable file, named.
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise TwinError(f"{folder}: not a run folder (no such directory)")
        paths = {name: folder / name for name in (SCENARIO_FILE, EVENTS_FILE, TIMESERIES_FILE, KPIS_FILE)}
        missing = [name for name, path in paths.items() if not path.is_file()]
        if missing:
            raise TwinError(f"{folder}: not a run folder (missing {', '.join(missing)})")
        try:
            scenario = yaml.safe_load(paths[SCENARIO_FILE].read_text(encoding="utf-8"))
            record = json.loads(paths[KPIS_FILE].read_text(encoding="utf-8"))
            log = pq.read_table(paths[EVENTS_FILE])
            # The frame the run's KPIs saw (-1 and NaN for missing, JSON data), from the tidy log.
            events = engine_frame(log)
            timeseries = pd.read_parquet(paths[TIMESERIES_FILE])
        except (OSError, ValueError, KeyError, yaml.YAMLError) as exc:
            raise TwinError(f"{folder}: cannot read the run ({exc})") from None
        if not isinstance(scenario, dict) or not isinstance(record, dict) or not isinstance(record.get("kpis"), dict):
            raise TwinError(f"{folder}: {SCENARIO_FILE} or {KPIS_FILE} is not what a run writes")
        # The sampled reporters as the DataCollector gave them: the written clock column is for readers.
        timeseries = timeseries.drop(columns=["clock"], errors="ignore")
        meta = log.schema.metadata or {}
        return cls(folder, scenario, record["kpis"], events, timeseries, str(record.get("twin_version", "")),
                   crs=meta.get(CRS_KEY, b"").decode(), timezone=meta.get(TIMEZONE_KEY, b"").decode())

    def of(self, system: type[System]) -> StoredRun:
        """This run seen by one system: its section's config (validated) and KPIs."""
        data = self.scenario.get(system.section)
        try:
            config = system.Config.model_validate(data) if data is not None else None
        except ValidationError as exc:
            raise TwinError(f"{self.folder / SCENARIO_FILE}: {system.section}: does not validate with this "
                            f"version ({exc.error_count()} errors; first: {exc.errors()[0]['msg']})") from None
        return dataclasses.replace(self, section=system.section, config=config)

    @property
    def kpis(self) -> dict[str, Any]:
        """The bound system's KPIs (empty if it has none)."""
        return self.all_kpis.get(self.section or "", {}) or {}

    @property
    def name(self) -> str:
        """The scenario's name."""
        return str(self.scenario.get("name") or self.folder.name)

    @property
    def run_settings(self) -> dict[str, Any]:
        """The scenario's ``run`` section."""
        return self.scenario.get("run") or {}

    @property
    def seed(self) -> int:
        """The run's seed."""
        return int(self.run_settings.get("seed", 0))

    @property
    def start(self) -> datetime:
        """Clock time of simulated second 0."""
        start = self.run_settings.get("start")
        return start if isinstance(start, datetime) else datetime.fromisoformat(str(start))

    @property
    def zone(self) -> tzinfo:
        """The time zone of the run's clock (:func:`twin.sim.clock.clock_zone`), as recorded in its files."""
        name = self.timezone
        if name and name[0] in "+-":
            sign = -1 if name[0] == "-" else 1
            hours, minutes = (int(part) for part in name[1:].split(":"))
            return timezone(sign * timedelta(hours=hours, minutes=minutes))
        if name:
            return ZoneInfo(name)
        return clock_zone(self.start, float(np.mean(self.city.drive.lon)), self.run_settings.get("timezone"))

    def clock(self, seconds: Any) -> pd.DatetimeIndex:
        """Simulated seconds as timezone-aware clock times in the run's zone (NaN → NaT)."""
        start = pd.Timestamp(aware_start(self.start, self.zone))
        return pd.DatetimeIndex(start + pd.to_timedelta(np.asarray(seconds, dtype=float), unit="s")).tz_convert(
            self.zone)

    @property
    def duration_s(self) -> float:
        """Length of the run, seconds."""
        return float(self.run_settings.get("duration", 0.0))

    @property
    def warmup_s(self) -> float:
        """Start of the measured window, seconds."""
        return float(self.run_settings.get("warmup", 0.0))

    @property
    def figures(self) -> Path:
        """Where the report's PNGs go."""
        return self.folder / FIGURES_FOLDER

    @property
    def city_source(self) -> str:
        """The city's source as the scenario gives it."""
        city = self.scenario.get("city") or {}
        return str(city.get("source") if isinstance(city, dict) else city)

    @property
    def city(self) -> City:
        """The city, loaded from its source (from the cache when it was loaded before)."""
        if not self._city:
            from twin.city import load

            city = self.scenario.get("city") or {}
            network = city.get("network", "drive") if isinstance(city, dict) else "drive"
            self._city.append(load(self.city_source, network))
        return self._city[0]

    def use_city(self, city: City) -> StoredRun:
        """Reuse an already loaded city (the run that just finished has it)."""
        if not self._city:
            self._city.append(city)
        return self

    def table(self, name: str) -> pd.DataFrame:
        """The bound system's side table ``name`` (see :meth:`twin.sim.system.System.outputs`)."""
        path = side_table_path(self.folder, self.section or "", name)
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise TwinError(f"{path}: cannot read the {self.section} table {name!r} ({exc})") from None

