"""A system's table on the console after a run: its headline KPIs with their units.

The default of :meth:`twin.sim.system.System.console`; a system with a richer
table of its own (emergency response: one row per priority) overrides it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from twin.present.format import flatten_kpis
from twin.present.kpis import format_value, headline_keys, label, measure, unit
from twin.present.tables import Table

if TYPE_CHECKING:
    from twin.sim.system import System

#: Columns of :func:`headline_table`.
COLUMNS = ("Indicator", "Value", "Unit")


def value_text(key: str, value: float | None) -> str:
    """A level for the console: whole numbers with separators, seconds as seconds, else as the KPI prints."""
    if value is not None and unit(key) == "share":
        return format_value(key, value)  # 1.0 is "100.0 %", not "1"
    if value is not None and float(value).is_integer():
        return f"{int(value):,}"
    if value is not None and measure(key) == "s":
        return f"{value:.1f}"  # seconds, as the unit column says (min:s would read 0:07)
    return format_value(key, value)


def kpi_table(system: type[System], kpis: Mapping[str, Any], config: BaseModel | None,
              keys: Iterable[str]) -> Table | None:
    """Rows (label, value, unit) of ``keys`` (relative to the system's section) that ``kpis`` has."""
    flat = flatten_kpis({system.section: kpis})
    context = system.label_context(config) if config is not None else {}
    rows = []
    for key in (f"{system.section}.{k}" for k in keys):
        if key in flat:
            rows.append((label(key, context), value_text(key, flat[key]), measure(key, context)))
    return Table(COLUMNS, rows, heading=system.title or system.section) if rows else None


def headline_table(system: type[System], kpis: Mapping[str, Any], config: BaseModel | None) -> Table | None:
    """The system's headline KPIs as a table, or None when it has none in ``kpis``."""
    flat = flatten_kpis({system.section: kpis})
    prefix = system.section + "."
    keys = [k[len(prefix):] for k in headline_keys(flat) if k.startswith(prefix)]
    return kpi_table(system, kpis, config, keys)
