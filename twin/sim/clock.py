"""The run's clock: simulated seconds as timezone-aware wall-clock times.

Inside a run, time is simulated seconds since the scenario's start (``run.start``,
a wall-clock date and time). The written outputs carry, next to those seconds,
the same instant as a timezone-aware time, so that a table opened in pandas,
DuckDB or QGIS says *when* without the scenario at hand::

    zone = clock_zone(datetime(2026, 11, 2), longitude=24.94, name="Europe/Helsinki")
    clock_array(np.array([0.0, 3600.0]), datetime(2026, 11, 2), zone)
    # [2026-11-02 00:00:00+02:00, 2026-11-02 01:00:00+02:00]  (stored as UTC instants)

Which zone (first that applies):

1. ``run.timezone``, an IANA name such as ``Europe/Helsinki`` (daylight saving included);
2. the offset ``run.start`` is written with (``2026-11-02T00:00:00+02:00``);
3. the whole-hour offset nearest the city's longitude (``round(lon / 15)`` hours, the
   nautical time zone), the same rule the lighting system falls back to: right for
   most cities in winter, an hour off in summer where clocks move — give ``run.timezone``.

A naive ``run.start`` is local wall-clock time in that zone. Seconds are elapsed
seconds, so a run crossing a change of daylight-saving time shows the jump in its
clock column. (The simulation's own time-of-day, e.g. hourly rates, still counts
wall-clock hours from ``start``.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

#: Resolution of the written clock columns.
CLOCK_UNIT = "ms"


def clock_zone(start: datetime, longitude: float, name: str | None = None) -> tzinfo:
    """The time zone of a run's clock (see the module's docstring for the rule).

    Parameters
    ----------
    start : datetime
        The scenario's start (naive: local wall-clock time).
    longitude : float
        The city's longitude, degrees east (used only when nothing else gives the zone).
    name : str, optional
        An IANA time-zone name (``run.timezone``); wins over everything else.
    """
    if name:
        return ZoneInfo(name)
    if start.tzinfo is not None:
        return start.tzinfo
    return timezone(timedelta(hours=round(longitude / 15.0)))


def zone_name(zone: tzinfo, at: datetime | None = None) -> str:
    """The zone as Arrow and pandas name it: the IANA key (``"Europe/Helsinki"``), else its offset (``"+02:00"``)."""
    key = getattr(zone, "key", None)
    if isinstance(key, str) and key:
        return key
    offset = zone.utcoffset(at) or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def aware_start(start: datetime, zone: tzinfo) -> datetime:
    """``start`` as an aware datetime: a naive start is wall-clock time in ``zone``."""
    return start.replace(tzinfo=zone) if start.tzinfo is None else start


def clock_array(seconds: np.ndarray, start: datetime, zone: tzinfo) -> pa.Array:
    """Simulated seconds as an Arrow ``timestamp[ms, tz=zone]`` array (UTC instants, shown in ``zone``).

    NaN seconds become nulls.
    """
    seconds = np.asarray(seconds, dtype=np.float64)
    base_ms = int(round(aware_start(start, zone).astimezone(UTC).timestamp() * 1000))
    missing = ~np.isfinite(seconds)
    values = base_ms + np.round(np.where(missing, 0.0, seconds) * 1000.0).astype(np.int64)
    kind = pa.timestamp(CLOCK_UNIT, tz=zone_name(zone, aware_start(start, zone)))
    return pa.array(values, type=kind, mask=missing if missing.any() else None)


def with_clock(table: pa.Table, start: datetime, zone: tzinfo, seconds: str = "time_s", name: str = "clock") -> pa.Table:
    """``table`` with a clock column ``name`` right after its column of seconds ``seconds`` (if it has one)."""
    if seconds not in table.column_names or name in table.column_names:
        return table
    at = table.column_names.index(seconds) + 1
    return table.add_column(at, name, clock_array(table[seconds].to_numpy(), start, zone))
