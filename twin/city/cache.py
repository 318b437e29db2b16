"""A processed city, stored once and loaded in well under a second.

Entries live in ``$TWIN_CACHE_DIR`` (default: the user cache folder, e.g.
``~/.cache/public-safety-twin/cities``), one compressed ``.npz`` file each, named by
a hash of the source's content and the processing options. A file is written
under a temporary name and renamed into place, so an interrupted load never
leaves a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import platformdirs

from twin.city.city import City, Facilities
from twin.city.landcover import Landcover
from twin.city.network import RoadNetwork

#: Bump when the processing changes, so stale entries are not reused (3: water and green areas kept).
FORMAT_VERSION = 3


def cache_dir() -> Path:
    """The folder holding cached cities."""
    env = os.environ.get("TWIN_CACHE_DIR")
    root = Path(env) if env else Path(platformdirs.user_cache_dir("public-safety-twin"))
    return root / "cities"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(content: str, **options: object) -> str:
    """Key of an entry: the content's identity plus every processing option."""
    text = json.dumps({"content": content, "format": FORMAT_VERSION, **options}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _network_arrays(prefix: str, net: RoadNetwork) -> dict[str, np.ndarray]:
    return {f"{prefix}.{name}": getattr(net, name) for name in RoadNetwork.array_fields()}


def _network(prefix: str, data: np.lib.npyio.NpzFile, crs: str) -> RoadNetwork:
    return RoadNetwork(crs=crs, **{name: data[f"{prefix}.{name}"] for name in RoadNetwork.array_fields()})


def save(city: City, key: str) -> Path:
    """Store ``city`` under ``key`` atomically; return the entry's path."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fac = city.facilities
    meta = {"name": city.name, "source": city.source, "crs": city.crs,
            "walk_crs": city.walk.crs, "population_basis": city.population_basis}
    arrays = {
        **_network_arrays("drive", city.drive),
        **_network_arrays("walk", city.walk),
        "signal_nodes": city.signal_nodes,
        "crossing_nodes": city.crossing_nodes,
        "population_weight": city.population_weight,
        "fac.kind": np.array(fac.kind, dtype=str),
        "fac.name": np.array(fac.name, dtype=str),
        "fac.x": fac.x, "fac.y": fac.y, "fac.node": fac.node, "fac.snap_distance": fac.snap_distance,
        **{f"land.{name}": getattr(city.landcover, name) for name in Landcover.ARRAYS},
        "meta": np.array(json.dumps(meta)),
    }
    target = folder / f"{key}.npz"
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez_compressed(out, **arrays)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load(key: str) -> City | None:
    """The city stored under ``key``, or ``None`` when there is none (or it is unreadable)."""
    path = cache_dir() / f"{key}.npz"
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            facilities = Facilities(
                kind=[str(k) for k in data["fac.kind"]], name=[str(n) for n in data["fac.name"]],
                x=data["fac.x"], y=data["fac.y"], node=data["fac.node"],
                snap_distance=data["fac.snap_distance"])
            return City(
                name=meta["name"], source=meta["source"],
                drive=_network("drive", data, meta["crs"]),
                walk=_network("walk", data, meta["walk_crs"]),
                signal_nodes=data["signal_nodes"], crossing_nodes=data["crossing_nodes"],
                population_weight=data["population_weight"],
                population_basis=meta["population_basis"], facilities=facilities,
                landcover=Landcover(**{name: data[f"land.{name}"] for name in Landcover.ARRAYS}))
    except Exception:
        # Whatever the damage (truncated: BadZipFile or EOFError; a flipped bit: a CRC or zlib error;
        # a foreign file: KeyError, ValueError), the entry is rebuilt rather than trusted.
        return None
