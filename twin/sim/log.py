"""The event log: every event published in a run, in order, as a table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from twin.sim.events import Event

SCHEMA = pa.schema([
    ("seq", pa.int64()), ("kind", pa.string()), ("time", pa.float64()), ("incident", pa.int64()),
    ("unit", pa.int64()), ("node", pa.int64()), ("x", pa.float64()), ("y", pa.float64()),
    ("data", pa.string()),
])


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
