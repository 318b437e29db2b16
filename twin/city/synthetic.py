"""Generated cities: a perturbed street grid of any size, built in seconds.

A synthetic city is what a test, a benchmark or a planner without map data runs
on. Think of a North-American downtown laid over a European capital: a grid of
blocks about ``spacing`` metres long, whose every ``arterial_every``-th street is
a fast two-way arterial (a primary road, with a secondary one halfway between two
primaries), with traffic signals where two arterials cross, and whose
quiet residential streets are partly one-way, alternating direction street by
street. A few block sides are closed to cars (parks, pedestrian zones) and stay
open on foot. People live most densely in the centre.

The source string ``synthetic:SPEC`` picks the size and the knobs, for example
``synthetic:nodes=250000,seed=7`` or just ``synthetic:10000``:

==================  ========  ===========================================================
key                 default   meaning
==================  ========  ===========================================================
``nodes``           required  number of intersections, 100 … 1,000,000 (a bare number works too)
``seed``            0         seed of every random choice; same spec, byte-identical city
``spacing``         110       block length, metres (20 … 1000)
``jitter``          0.25      node positions move up to ±jitter/2 of ``spacing`` in x and y (0 … 0.9)
``arterial_every``  8         every k-th row and column is a primary road; halfway between
                              two primaries runs a secondary road when k ≥ 4 (2 … 64)
``oneway_share``    0.3       share of the inner residential streets that are one-way (0 … 1)
``lat``, ``lon``    60.17,    where the centre of the city sits (degrees; default central
                    24.94     Helsinki), which picks the UTM zone of ``x``/``y``
==================  ========  ===========================================================

The grid has ``side = ceil(sqrt(nodes))`` columns and as many rows as it takes to
hold exactly ``nodes`` intersections (the top row is cut short). Reducing the
drivable graph to its largest strongly connected component then drops the few
intersections that the closed block sides strand, typically well under 1 %, so
``city.drive.n_nodes`` is close to, and never above, ``nodes``. The walkable
graph keeps all ``nodes`` intersections. Node ``osmid`` is the grid id
(``row * side + column``) in both graphs, so a drive node's walk twin is
``walk`` node ``drive.osmid[i]``, as with OSM ids.

Each kind of random choice (positions, streets, segments, crossings, facilities)
draws from its own stream derived from ``seed`` and the stream's name, so a change
to one leaves the others as they were.

Everything is built with whole-array numpy operations and scipy's C strongly
connected components, so a million intersections take a few seconds.
"""

from __future__ import annotations

import difflib
import math
import zlib
from dataclasses import dataclass
from typing import Annotated

import annotated_types
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from twin.city.city import FACILITY_KINDS, City, Facilities
from twin.city.network import CLASS_CODE, RoadNetwork
from twin.errors import TwinError

#: Share of residential block sides closed to cars (they stay open on foot as footways).
CLOSED_SHARE = 0.02
#: Largest detour factor of a block side: its length is the straight line times 1 … this.
MAX_DETOUR = 1.08
#: Share of residential block sides that are lit (1), unlit (0); the rest are unknown (-1).
LIT_SHARE, UNLIT_SHARE = 0.8, 0.1
#: Share of the arterial intersections without signals that still have a pedestrian crossing.
CROSSING_SHARE = 0.3
#: Walking speed on the walkable graph, km/h.
WALK_SPEED_KPH = 5.0
#: Intersections per facility of each kind (at least one of each in any city).
NODES_PER_FACILITY: dict[str, int] = {
    "police": 4_000, "fire_station": 2_500, "hospital": 10_000, "ambulance_station": 5_000,
}
FACILITY_NAMES: dict[str, str] = {
    "police": "Police station", "fire_station": "Fire station", "hospital": "Hospital",
    "ambulance_station": "Ambulance station",
}
#: Free-flow speeds (km/h) a street of each class draws from, with their probabilities.
SPEED_CHOICES: dict[str, tuple[tuple[float, float], float]] = {
    # (slower, faster), probability of the slower one
    "primary": ((50.0, 60.0), 0.5),
    "secondary": ((40.0, 50.0), 0.5),
    "residential": ((30.0, 40.0), 0.7),
}

PRIMARY, SECONDARY, RESIDENTIAL, FOOTWAY = (
    CLASS_CODE["primary"], CLASS_CODE["secondary"], CLASS_CODE["residential"], CLASS_CODE["footway"])


class SyntheticSpec(BaseModel):
    """What a synthetic city looks like; see the module docstring for each key.

    Build one with :func:`parse_synthetic`, which turns every mistake into a
    one-line :class:`~twin.errors.TwinError`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    nodes: Annotated[int, Field(ge=100, le=1_000_000, description="number of intersections")]
    seed: Annotated[int, Field(ge=0, description="seed of every random choice")] = 0
    spacing: Annotated[float, Field(ge=20.0, le=1000.0, description="block length, m")] = 110.0
    jitter: Annotated[float, Field(ge=0.0, le=0.9, description="node displacement, fraction of spacing")] = 0.25
    arterial_every: Annotated[int, Field(ge=2, le=64, description="rows/columns between primaries")] = 8
    oneway_share: Annotated[float, Field(ge=0.0, le=1.0, description="share of one-way residential streets")] = 0.3
    lat: Annotated[float, Field(ge=-80.0, le=84.0, description="latitude of the centre, degrees")] = 60.17
    lon: Annotated[float, Field(ge=-180.0, le=180.0, description="longitude of the centre, degrees")] = 24.94


# --------------------------------------------------------------------------- parsing

def parse_synthetic(text: str) -> SyntheticSpec:
    """Parse the part of a city source after ``synthetic:``.

    Parameters
    ----------
    text : str
        Comma-separated ``key=value`` pairs, e.g. ``"nodes=250000,seed=7"``; a bare
        number stands for ``nodes`` (``"10000"``). Keys are case-insensitive.

    Returns
    -------
    SyntheticSpec

    Raises
    ------
    TwinError
        One line naming the parameter and the problem: unknown key (with a
        suggestion), missing or repeated key, a value that is not a number, not a
        whole number where one is needed, or out of range.
    """
    fields = SyntheticSpec.model_fields
    raw: dict[str, str] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep:
            if _looks_numeric(key):
                key, value = "nodes", part
            else:
                raise TwinError(f"synthetic city: expected key=value or a number of nodes, got {part!r}")
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TwinError(f"synthetic city: unknown parameter {key!r}{hint} "
                            f"(known: {', '.join(fields)})")
        if key in raw:
            raise TwinError(f"synthetic city: {key} given twice")
        if not value:
            raise TwinError(f"synthetic city: {key} has no value")
        raw[key] = value
    if "nodes" not in raw:
        raise TwinError("synthetic city: nodes is required, e.g. 'synthetic:nodes=10000'")
    values = {key: _number(key, value, integer=fields[key].annotation is int) for key, value in raw.items()}
    try:
        return SyntheticSpec(**values)
    except ValidationError as exc:  # translate pydantic's report into our one line
        error = exc.errors()[0]
        key = str(error["loc"][0])
        raise TwinError(f"synthetic city: {key} {_range_text(key)}, got {raw[key]}") from None


def _looks_numeric(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _number(key: str, value: str, integer: bool) -> int | float:
    """``value`` as a number for parameter ``key`` (``"1e6"`` is a whole number)."""
    try:
        number = float(value)
    except ValueError:
        raise TwinError(f"synthetic city: {key} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise TwinError(f"synthetic city: {key} must be a finite number, got {value!r}")
    if not integer:
        return number
    try:
        return int(value)  # exact for big integers such as seeds
    except ValueError:
        if number.is_integer():
            return int(number)
        raise TwinError(f"synthetic city: {key} must be a whole number, got {value!r}") from None


def _range_text(key: str) -> str:
    lo = hi = None
    for meta in SyntheticSpec.model_fields[key].metadata:
        if isinstance(meta, annotated_types.Ge):
            lo = meta.ge
        elif isinstance(meta, annotated_types.Le):
            hi = meta.le
    if hi is None:
        return f"must be at least {_show(lo)}"
    return f"must be between {_show(lo)} and {_show(hi)}"


def _show(number: object) -> str:
    if isinstance(number, int):
        return f"{number:,}"
    return f"{number:g}"


# --------------------------------------------------------------------------- building

def _stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per purpose, so adding one never shifts the others."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def utm_crs(lat: float, lon: float) -> str:
    """The EPSG code of the WGS 84 UTM zone holding a point, e.g. ``"EPSG:32635"``."""
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


@dataclass(frozen=True)
class _Lines:
    """Attributes of the streets of one direction (all rows, or all columns)."""

    kind: np.ndarray       # int8 road class code per line
    speed: np.ndarray      # float64 km/h per line
    direction: np.ndarray  # int8: +1 one-way towards higher index, -1 towards lower, 0 two-way


def _lines(count: int, spec: SyntheticSpec, rng: np.random.Generator) -> _Lines:
    """Classes, speeds and one-way directions of ``count`` parallel streets."""
    k = spec.arterial_every
    # The central street is always a primary, so even a small city has arterials.
    position = (np.arange(count) - ((count - 1) // 2) % k) % k
    primary = position == 0
    secondary = (position == k // 2) & (k >= 4)
    kind = np.where(primary, PRIMARY, np.where(secondary, SECONDARY, RESIDENTIAL)).astype(np.int8)

    draw = rng.random(count)
    speed = np.empty(count)
    for name, code in (("primary", PRIMARY), ("secondary", SECONDARY), ("residential", RESIDENTIAL)):
        (slow, fast), p_slow = SPEED_CHOICES[name]
        speed[kind == code] = np.where(draw[kind == code] < p_slow, slow, fast)

    # Outer streets stay two-way: with two-way arterials that keeps the grid strongly
    # connected, since every one-way street runs into a two-way one at both ends.
    direction = np.zeros(count, dtype=np.int8)
    inner_local = np.flatnonzero(kind == RESIDENTIAL)
    inner_local = inner_local[(inner_local > 0) & (inner_local < count - 1)]
    n_oneway = int(round(spec.oneway_share * len(inner_local)))
    chosen = np.sort(rng.permutation(inner_local)[:n_oneway])
    direction[chosen] = np.where(np.arange(n_oneway) % 2 == 0, 1, -1)
    return _Lines(kind=kind, speed=speed, direction=direction)


def _out_edges(seg_open_h: np.ndarray, seg_open_v: np.ndarray, dir_h: np.ndarray,
               dir_v: np.ndarray, cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed edges of a grid, already sorted by tail node.

    Segment ``i`` of the horizontal arrays joins node ``i`` to ``i + 1``, of the
    vertical ones node ``i`` to ``i + cols``. Each node has four slots (east,
    west, north, south); flattening the ``(n, 4)`` slot table lists the edges in
    tail order without a sort.

    Returns
    -------
    tail, head : int64 arrays
        Grid node ids.
    segment : int64 array
        Segment of each edge: ``i`` for horizontal, ``n + i`` for vertical.
    """
    n = len(seg_open_h)
    slots = np.zeros((n, 4), dtype=bool)
    slots[:, 0] = seg_open_h & (dir_h >= 0)
    slots[1:, 1] = seg_open_h[:-1] & (dir_h[:-1] <= 0)
    slots[:, 2] = seg_open_v & (dir_v >= 0)
    slots[cols:, 3] = seg_open_v[:-cols] & (dir_v[:-cols] <= 0)
    flat = np.flatnonzero(slots)
    tail = flat >> 2
    slot = flat & 3
    step = np.array([1, -1, cols, -cols], dtype=np.int64)
    seg_shift = np.array([0, -1, n, n - cols], dtype=np.int64)
    return tail, tail + step[slot], tail + seg_shift[slot]


def _largest_scc(n: int, tail: np.ndarray, head: np.ndarray) -> np.ndarray:
    """Boolean mask of the nodes in the largest strongly connected component.

    ``tail`` must be sorted, so the CSR matrix is assembled without a sort.
    """
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
    matrix = csr_matrix((np.ones(len(tail)), head, indptr), shape=(n, n))
    _, labels = connected_components(matrix, directed=True, connection="strong")
    return labels == np.argmax(np.bincount(labels))


def _network(crs: str, keep: np.ndarray, x: np.ndarray, y: np.ndarray, lon: np.ndarray,
             lat: np.ndarray, tail: np.ndarray, head: np.ndarray, length: np.ndarray,
             speed: np.ndarray, klass: np.ndarray, lit: np.ndarray, oneway: np.ndarray) -> RoadNetwork:
    """A :class:`RoadNetwork` of the grid nodes in ``keep``, renumbered ``0..n-1`` in grid order.

    Edge arrays are per directed edge; edges touching a dropped node are dropped.
    ``osmid`` keeps the grid id, so drive and walk nodes match like OSM ids do.
    """
    new_id = np.cumsum(keep) - 1
    on = keep[tail] & keep[head]
    length, speed = length[on], speed[on]
    return RoadNetwork(
        crs=crs, x=x[keep], y=y[keep], lon=lon[keep], lat=lat[keep],
        osmid=np.flatnonzero(keep).astype(np.int64),
        edge_u=new_id[tail[on]], edge_v=new_id[head[on]],
        edge_length=length, edge_speed=speed, edge_time=length / (speed / 3.6),
        edge_class=klass[on].astype(np.int8), edge_lit=lit[on].astype(np.int8),
        edge_oneway=oneway[on].astype(bool),
    )


def build_synthetic(spec: SyntheticSpec, source: str) -> City:
    """Generate the city a spec describes.

    Parameters
    ----------
    spec : SyntheticSpec
        Size, seed and shape (see the module docstring).
    source : str
        The source string, recorded as ``City.source``.

    Returns
    -------
    City
        ``drive``: the largest strongly connected component of the grid, closed
        block sides removed, one-way streets one-way; ``walk``: every block side
        in both directions at 5 km/h (closed ones as ``footway``); signals where
        two arterials cross; crossings at the signals and at a share of the other
        arterial intersections; population weights (``population_basis="synthetic"``)
        falling off from the centre; police, fire and ambulance stations and
        hospitals spread evenly. Same spec, byte-identical arrays.
    """
    n_req = spec.nodes
    cols = math.ceil(math.sqrt(n_req))
    rows = math.ceil(n_req / cols)
    n = rows * cols  # the full rectangle; ids >= n_req (end of the top row) are not built
    ids = np.arange(n, dtype=np.int64)
    row, col = ids // cols, ids % cols
    valid = ids < n_req

    # Positions: a centred grid, each node nudged within its own cell so streets never cross.
    rng = _stream(spec.seed, "positions")
    crs = utm_crs(spec.lat, spec.lon)
    x0, y0 = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(spec.lon, spec.lat)
    shake = rng.uniform(-0.5, 0.5, size=(2, n)) * (spec.jitter * spec.spacing)
    x = x0 + (col - (cols - 1) / 2) * spec.spacing + shake[0]
    y = y0 + (row - (rows - 1) / 2) * spec.spacing + shake[1]
    del shake
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x[:n_req], y[:n_req])
    lon = np.concatenate([lon, np.full(n - n_req, np.nan)])
    lat = np.concatenate([lat, np.full(n - n_req, np.nan)])

    # Streets: row r carries the horizontal segments i -> i + 1, column c the vertical i -> i + cols.
    rng = _stream(spec.seed, "streets")
    row_lines, col_lines = _lines(rows, spec, rng), _lines(cols, spec, rng)
    exists_h = (col < cols - 1) & (ids + 1 < n_req)
    exists_v = ids + cols < n_req
    kind = np.concatenate([row_lines.kind[row], col_lines.kind[col]])
    speed = np.concatenate([row_lines.speed[row], col_lines.speed[col]])
    direction = np.concatenate([row_lines.direction[row], col_lines.direction[col]])
    nxt_h, nxt_v = np.minimum(ids + 1, n - 1), np.minimum(ids + cols, n - 1)
    straight = np.concatenate([np.hypot(x[nxt_h] - x, y[nxt_h] - y), np.hypot(x[nxt_v] - x, y[nxt_v] - y)])
    del nxt_h, nxt_v

    rng = _stream(spec.seed, "segments")
    length = straight * (1.0 + rng.random(2 * n) * (MAX_DETOUR - 1.0))
    del straight
    local = kind == RESIDENTIAL
    closed = local & (rng.random(2 * n) < CLOSED_SHARE)
    draw = rng.random(2 * n)
    lit = np.where(~local | (draw < LIT_SHARE), 1, np.where(draw < LIT_SHARE + UNLIT_SHARE, 0, -1)).astype(np.int8)
    del draw, local

    # Drivable graph: open segments in their allowed directions, then its largest SCC.
    exists = np.concatenate([exists_h, exists_v])
    drivable = exists & ~closed
    tail, head, seg = _out_edges(drivable[:n], drivable[n:], direction[:n], direction[n:], cols)
    keep = _largest_scc(n, tail, head)
    drive = _network(crs, keep, x, y, lon, lat, tail, head, length[seg], speed[seg],
                     kind[seg], lit[seg], direction[seg] != 0)
    del tail, head, seg, drivable

    # Walkable graph: every block side both ways; car-free ones are footways.
    tail, head, seg = _out_edges(exists[:n], exists[n:], np.zeros(n, np.int8), np.zeros(n, np.int8), cols)
    walk_class = np.where(closed, FOOTWAY, kind).astype(np.int8)
    walk = _network(crs, valid, x, y, lon, lat, tail, head, length[seg], np.full(len(seg), WALK_SPEED_KPH),
                    walk_class[seg], lit[seg], np.zeros(len(seg), dtype=bool))
    del tail, head, seg, walk_class, exists, closed, length, kind, speed, direction, lit

    # Signals where two arterials cross; crossings there and at some other arterial nodes.
    row_art = row_lines.kind[row] != RESIDENTIAL
    col_art = col_lines.kind[col] != RESIDENTIAL
    signal = (row_art & col_art)[keep]
    rng = _stream(spec.seed, "crossings")
    crossing = signal | ((row_art | col_art)[keep] & (rng.random(n)[keep] < CROSSING_SHARE))

    return City(
        name=f"synthetic-{spec.nodes}-s{spec.seed}", source=source, drive=drive, walk=walk,
        signal_nodes=np.flatnonzero(signal).astype(np.int64),
        crossing_nodes=np.flatnonzero(crossing).astype(np.int64),
        population_weight=_population(drive, x0, y0, spec.spacing * math.sqrt(n_req) / 2),
        population_basis="synthetic",
        facilities=_facilities(drive, spec),
    )


def _population(drive: RoadNetwork, x0: float, y0: float, half_width: float) -> np.ndarray:
    """Residents per node: road length at the node times a density falling from the centre.

    Parameters
    ----------
    drive : RoadNetwork
    x0, y0 : float
        The centre, metres.
    half_width : float
        Half the city's width, metres; the density halves every ``0.35 * half_width``
        (``exp(-2 r / half_width)``), so the edge holds about 1/7 of the centre's density.

    Returns
    -------
    float64 array, sums to 1.
    """
    # Half of each road's length at each end; a two-way road is two edges, so a quarter each.
    share = np.where(drive.edge_oneway, 0.5, 0.25) * drive.edge_length
    road = np.bincount(drive.edge_u, weights=share, minlength=drive.n_nodes)
    road += np.bincount(drive.edge_v, weights=share, minlength=drive.n_nodes)
    radius = np.hypot(drive.x - x0, drive.y - y0)
    weight = road * np.exp(-2.0 * radius / half_width)
    return weight / weight.sum()


def _facilities(drive: RoadNetwork, spec: SyntheticSpec) -> Facilities:
    """Stations and hospitals on an even lattice per kind, each a building beside a node.

    Each kind gets ``max(1, round(nodes / NODES_PER_FACILITY[kind]))`` sites: the
    bounding box is cut into rows of about square cells, one site per cell, moved
    randomly within the middle of its cell, then set back 10–25 % of ``spacing``
    from the nearest intersection (so the snap distance stays well under a block).
    """
    rng = _stream(spec.seed, "facilities")
    xmin, xmax = float(drive.x.min()), float(drive.x.max())
    ymin, ymax = float(drive.y.min()), float(drive.y.max())
    width, height = max(xmax - xmin, 1.0), max(ymax - ymin, 1.0)
    kinds: list[str] = []
    names: list[str] = []
    px: list[np.ndarray] = []
    py: list[np.ndarray] = []
    for kind in FACILITY_KINDS:
        count = max(1, round(drive.n_nodes / NODES_PER_FACILITY[kind]))
        n_rows = min(count, max(1, round(math.sqrt(count * height / width))))
        per_row = np.full(n_rows, count // n_rows)
        per_row[: count % n_rows] += 1
        row_of = np.repeat(np.arange(n_rows), per_row)
        in_row = np.arange(count) - np.repeat(np.cumsum(per_row) - per_row, per_row)
        cell_w = width / per_row[row_of]
        cell_h = height / n_rows
        wobble = rng.uniform(-0.3, 0.3, size=(2, count))
        gx = xmin + (in_row + 0.5 + wobble[0]) * cell_w
        gy = ymin + (row_of + 0.5 + wobble[1]) * cell_h
        near, _ = drive.nearest_node(gx, gy)
        angle = rng.uniform(0.0, 2 * np.pi, count)
        setback = rng.uniform(0.10, 0.25, count) * spec.spacing
        px.append(drive.x[near] + setback * np.cos(angle))
        py.append(drive.y[near] + setback * np.sin(angle))
        kinds += [kind] * count
        names += [f"{FACILITY_NAMES[kind]} {i + 1}" for i in range(count)]
    x, y = np.concatenate(px), np.concatenate(py)
    node, distance = drive.nearest_node(x, y)
    return Facilities(kind=kinds, name=names, x=x, y=y, node=node, snap_distance=distance)
