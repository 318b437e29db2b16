"""Hand-drawn cities for oracle tests: nodes where you put them, edges with the times you give.

An oracle test works out its expected value on paper from a city small enough
to see whole. :func:`drawn_city` turns a few node positions (metres, relative
to a point in Helsinki's UTM zone) and directed edges ``(tail, head, seconds,
road class)`` into a :class:`~twin.city.City`; the edge length is the straight
line between its ends, so a slow road and a fast one of the same length differ
only in their time. The helpers for events read the run's event log.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from pyproj import Transformer

from twin.city import City, Facilities, RoadNetwork
from twin.city.network import CLASS_CODE

CRS = "EPSG:32635"
X0, Y0 = 385_000.0, 6_672_000.0

#: A directed edge: tail node, head node, free-flow time (s), OSM road class.
Edge = tuple[int, int, float, str]


def two_way(u: int, v: int, time_s: float, road: str = "residential") -> list[Edge]:
    """Both directions of a two-way street."""
    return [(u, v, time_s, road), (v, u, time_s, road)]


def drawn_city(points: Sequence[tuple[float, float]], edges: Iterable[Edge], *,
               signal_nodes: Sequence[int] = (), weights: Sequence[float] | None = None,
               geographic: bool = True) -> City:
    """A city of ``points`` (x, y metres from the origin) joined by ``edges``.

    Parameters
    ----------
    points : (x, y) pairs, metres
    edges : (tail, head, seconds, road class)
        Directed; use :func:`two_way` for a two-way street.
    signal_nodes : node ids with a traffic signal
    weights : population weight per node (default uniform)
    geographic : bool
        Compute lon/lat (needed to place stations); ``False`` leaves them 0 and is
        much faster (for property tests drawing many cities).
    """
    edges = list(edges)
    x = X0 + np.array([p[0] for p in points], dtype=float)
    y = Y0 + np.array([p[1] for p in points], dtype=float)
    if geographic:
        lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(x, y)
    else:
        lon, lat = np.zeros_like(x), np.zeros_like(y)
    u = np.array([e[0] for e in edges], dtype=np.int64)
    v = np.array([e[1] for e in edges], dtype=np.int64)
    time_s = np.array([e[2] for e in edges], dtype=float)
    length = np.hypot(x[v] - x[u], y[v] - y[u])
    pairs = set(zip(u.tolist(), v.tolist()))
    net = RoadNetwork(
        crs=CRS, x=x, y=y, lon=np.asarray(lon), lat=np.asarray(lat), osmid=np.arange(len(x), dtype=np.int64),
        edge_u=u, edge_v=v, edge_length=length, edge_speed=length / time_s * 3.6, edge_time=time_s,
        edge_class=np.array([CLASS_CODE[e[3]] for e in edges], dtype=np.int8),
        edge_lit=np.ones(len(edges), dtype=np.int8),
        edge_oneway=np.array([(b, a) not in pairs for a, b in zip(u.tolist(), v.tolist())]),
    )
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    return City(name="drawn", source="drawn", drive=net, walk=net,
                signal_nodes=np.asarray(signal_nodes, dtype=np.int64), crossing_nodes=np.zeros(0, dtype=np.int64),
                population_weight=w / w.sum(), population_basis="synthetic", facilities=Facilities())


def edge_id(city: City, u: int, v: int) -> int:
    """The id of the edge from ``u`` to ``v`` (exactly one must exist)."""
    net = city.drive
    found = np.flatnonzero((net.edge_u == u) & (net.edge_v == v))
    assert found.size == 1, f"expected one edge {u}->{v}, found {found.size}"
    return int(found[0])


def events_of(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Rows of one event kind, with the JSON ``data`` fields spread into columns."""
    rows = events[events["kind"] == kind].reset_index(drop=True)
    data = pd.DataFrame([json.loads(d) if d else {} for d in rows["data"]], index=rows.index)
    extra = [c for c in data.columns if c not in rows.columns]
    return pd.concat([rows, data[extra]], axis=1) if len(rows) else rows
