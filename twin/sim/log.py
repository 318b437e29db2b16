"""The event log: every event published in a run, in order, as a table.

In the run, the log is the engine's table (:data:`SCHEMA`): -1 for a missing id, NaN
for a missing position, the fields particular to a kind as a JSON ``data`` string.
That is what KPI code reads. The run folder keeps it *tidy* (:func:`tidy`, schema
:data:`TIDY_SCHEMA`): nulls for what is missing, a timezone-aware ``clock`` beside
``time``, and typed columns for the fields several kinds share (``incident_type``,
``priority``, ``unit_type``), so that pandas, DuckDB or QGIS read it without parsing
JSON. :func:`engine_frame` turns a tidy table back into the engine's frame, so a
report drawn from the folder sees what the run's KPIs saw.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, tzinfo
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from twin.sim.clock import clock_array
from twin.sim.events import Event

SCHEMA = pa.schema([
    ("seq", pa.int64()), ("kind", pa.string()), ("time", pa.float64()), ("incident", pa.int64()),
    ("unit", pa.int64()), ("node", pa.int64()), ("x", pa.float64()), ("y", pa.float64()),
    ("data", pa.string()),
])

#: Fields several kinds of event share, written as typed columns of the tidy log (null where a kind has none).
SHARED_FIELDS: dict[str, pa.DataType] = {"incident_type": pa.string(), "priority": pa.int8(), "unit_type": pa.string()}

#: Columns of the tidy log, in order (``clock``'s time zone is the run's: :mod:`twin.sim.clock`).
TIDY_COLUMNS = ("seq", "kind", "time", "clock", "incident", "unit", "node", "x", "y",
                *SHARED_FIELDS, "data")

#: Engine columns whose missing value is -1 (ids) or NaN (positions); null in the tidy log.
_MISSING_IDS = ("incident", "unit", "node")
_MISSING_FLOATS = ("x", "y")


class EventLog:
    """An append-only list of events, turned into a table at the end of a run."""

    def __init__(self) -> None:
        self._rows: list[tuple] = []

    def append(self, event: Event) -> None:
        """Record one event."""
        self._rows.append(event.row())

    def __len__(self) -> int:
        return len(self._rows)

    def table(self) -> pa.Table:
        """The log as an Arrow table with :data:`SCHEMA` (``seq`` is the publication order)."""
        columns = list(zip(*self._rows)) if self._rows else [[] for _ in range(8)]
        arrays = [pa.array(range(len(self._rows)), pa.int64())]
        arrays += [pa.array(col, type=SCHEMA.field(i + 1).type) for i, col in enumerate(columns)]
        return pa.Table.from_arrays(arrays, schema=SCHEMA)

    def frame(self) -> pd.DataFrame:
        """The log as a pandas DataFrame."""
        return self.table().to_pandas()

    def write_parquet(self, path: Path) -> None:
        """Write the log to a Parquet file (deterministic bytes for the same events)."""
        pq.write_table(self.table(), path, compression="zstd")


def _event_classes() -> list[type[Event]]:
    """Every event class imported so far (the systems of a run import theirs)."""
    found, todo = [], [Event]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def _kinds_with(field: str) -> list[str]:
    """The kinds of event that have a field ``field``."""
    return sorted({cls.kind for cls in _event_classes()
                   if field in {f.name for f in dataclasses.fields(cls)}})


def _shared_field(data: pa.ChunkedArray, kinds: pa.ChunkedArray, field: str, kind: pa.DataType) -> pa.Array:
    """Field ``field`` read out of the JSON ``data`` of the kinds that have it (null elsewhere).

    ``data`` is compact JSON with sorted keys (:meth:`Event.row`): a top-level field is
    ``"name":value`` after ``{`` or ``,``; strings are plain names, numbers integers.
    """
    value = r'"(?P<v>[^"\\]*)"' if pa.types.is_string(kind) else r"(?P<v>-?[0-9]+)"
    found = pc.extract_regex(data, r'(?:^\{|,)"' + field + '":' + value + r"(?:,|\}$)")
    values = pc.struct_field(found, "v")
    if not pa.types.is_string(kind):
        values = pc.cast(values, kind)
    has = pc.is_in(kinds, value_set=pa.array(_kinds_with(field), pa.string()))
    return pc.if_else(has, values, pa.scalar(None, kind))


def tidy(events: pd.DataFrame | pa.Table, start: datetime, zone: tzinfo) -> pa.Table:
    """The engine's log as the run folder keeps it (:data:`TIDY_COLUMNS`).

    Parameters
    ----------
    events : DataFrame or Table
        The engine's log (:data:`SCHEMA`), e.g. ``EventLog.frame()``.
    start : datetime
        The scenario's start (simulated second 0).
    zone : tzinfo
        The run's time zone (:func:`twin.sim.clock.clock_zone`).

    Returns
    -------
    Table
        ``seq``, ``kind``, ``time`` (s), ``clock`` (timezone-aware), ``incident``, ``unit``,
        ``node`` (null when missing), ``x``, ``y`` (metres, null when not located),
        ``incident_type``, ``priority``, ``unit_type`` (null for kinds without them) and
        ``data`` (JSON of the kind's own fields, null when it has none).
    """
    table = events if isinstance(events, pa.Table) else pa.Table.from_pandas(events, schema=SCHEMA,
                                                                               preserve_index=False)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        "seq": table["seq"], "kind": table["kind"], "time": table["time"],
        "clock": clock_array(table["time"].to_numpy(), start, zone)}
    for name in _MISSING_IDS:
        column = table[name]
        columns[name] = pc.if_else(pc.less(column, 0), pa.scalar(None, pa.int64()), column)
    for name in _MISSING_FLOATS:
        column = table[name]
        columns[name] = pc.if_else(pc.is_nan(column), pa.scalar(None, pa.float64()), column)
    data = table["data"]
    for name, kind in SHARED_FIELDS.items():
        columns[name] = _shared_field(data, table["kind"], name, kind)
    columns["data"] = pc.if_else(pc.equal(data, ""), pa.scalar(None, pa.string()), data)
    return pa.table({name: columns[name] for name in TIDY_COLUMNS})


def engine_frame(table: pa.Table) -> pd.DataFrame:
    """The engine's frame (:data:`SCHEMA`, as ``EventLog.frame()`` gives it) of a written log.

    Takes a tidy log (:func:`tidy`) or one in the engine's own schema, as written before
    logs were tidy; the columns the tidy log adds are dropped, nulls become -1, NaN or ``""``.
    """
    columns = []
    for field in SCHEMA:
        column = table[field.name]
        if field.name in _MISSING_IDS:
            column = pc.fill_null(column, -1)
        elif field.name in _MISSING_FLOATS:
            column = pc.fill_null(column, np.nan)
        elif field.name == "data":
            column = pc.fill_null(column, "")
        columns.append(pc.cast(column, field.type))
    return pa.Table.from_arrays(columns, schema=SCHEMA).to_pandas()
