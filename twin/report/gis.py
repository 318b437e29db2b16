"""Write a run's GIS layers: GeoParquet for every layer, GeoJSON for the small ones.

Each installed system gives its layers (:meth:`twin.sim.system.System.gis`), drawn from
the run folder alone; they are written to ``<run>/gis/<name>.parquet`` as GeoParquet
(geopandas' ``to_parquet``: GeoParquet 1.x ``geo`` metadata, WKB geometry, WGS 84),
which QGIS, GDAL, DuckDB and pandas open, and — up to :data:`MAX_GEOJSON_FEATURES`
features — to ``<run>/gis/<name>.geojson`` for the tools that want one text file
(RFC 7946: WGS 84 longitude, latitude). Like every Parquet file of a run, the
GeoParquet files record the city's projected CRS (``crs``) and the clock's zone
(``timezone``) in their key-value metadata: the ``x`` and ``y`` columns are metres in it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq

from twin.errors import TwinError
from twin.present.gis import WGS84, crs_label
from twin.present.stored import CRS_KEY, GIS_FOLDER, TIMEZONE_KEY, StoredRun
from twin.sim.clock import zone_name
from twin.sim.system import available

if TYPE_CHECKING:
    from twin.city import City

#: Largest layer also written as GeoJSON (a GeoJSON file is read whole; beyond this, use the GeoParquet).
MAX_GEOJSON_FEATURES = 50_000


def gis_layers(run: StoredRun) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the systems the run installed, by name.

    Raises
    ------
    TwinError
        Two systems give a layer of the same name, or a layer is not a GeoDataFrame in WGS 84.
    """
    layers: dict[str, gpd.GeoDataFrame] = {}
    owner: dict[str, str] = {}
    for section, system in available().items():
        if run.scenario.get(section) is None:
            continue
        for name, layer in system.gis(run.of(system)).items():
            if name in layers:
                raise TwinError(f"systems {owner[name]!r} and {section!r} both give a GIS layer {name!r}")
            if not isinstance(layer, gpd.GeoDataFrame) or layer.crs is None or not layer.crs.equals(WGS84):
                raise TwinError(f"the {section} GIS layer {name!r} is not a GeoDataFrame in {WGS84}")
            layers[name], owner[name] = layer, section
    return layers


def _geojson_ready(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns GeoJSON can hold: categories as text, timezone-aware times as ISO 8601 text with their offset."""
    out = layer.copy()
    for column in out.columns:
        values = out[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            out[column] = values.astype(object).where(values.notna(), None)
        elif isinstance(values.dtype, pd.DatetimeTZDtype):
            text = values.map(lambda t: t.isoformat(timespec="milliseconds") if pd.notna(t) else None)
            out[column] = text.astype(object)
    return out


def write_layer(layer: gpd.GeoDataFrame, folder: Path, name: str, metadata: dict[bytes, bytes]) -> list[Path]:
    """Write one layer as ``<name>.parquet`` (and ``<name>.geojson`` if small); return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.parquet"
    tmp = folder / f".{name}.parquet.tmp"
    layer.to_parquet(tmp, index=False, compression="zstd", schema_version="1.0.0")
    table = pq.read_table(tmp)  # add the run's metadata beside GeoParquet's own ``geo`` key
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata}), tmp,
                   compression="zstd")
    os.replace(tmp, path)
    written = [path]
    geojson = folder / f"{name}.geojson"
    if len(layer) <= MAX_GEOJSON_FEATURES:
        tmp = folder / f".{name}.geojson.tmp"
        tmp.unlink(missing_ok=True)
        _geojson_ready(layer).to_file(tmp, driver="GeoJSON", engine="pyogrio", layer=name, RFC7946="YES")
        os.replace(tmp, geojson)
        written.append(geojson)
    else:
        geojson.unlink(missing_ok=True)  # a stale one from an earlier, smaller run
    return written


def write_gis(folder: Path, city: City | None = None) -> list[Path]:
    """Write the GIS layers of the run in ``folder`` to ``folder/gis/``; return the files written.

    Parameters
    ----------
    folder : Path
        A run folder (read with :class:`~twin.present.stored.StoredRun`).
    city : City, optional
        The run's city if already loaded (default: loaded from the scenario's source).
    """
    run = StoredRun.read(folder)
    if city is not None:
        run.use_city(city)
    layers = gis_layers(run)
    metadata = {CRS_KEY: (run.crs or crs_label(run.city.crs)).encode(),
                TIMEZONE_KEY: (run.timezone or zone_name(run.zone, run.start)).encode()}
    written: list[Path] = []
    for name, layer in layers.items():
        written += write_layer(layer, Path(folder) / GIS_FOLDER, name, metadata)
    return written
