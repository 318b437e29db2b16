"""The headline KPI table of a run, as rows of text for the console and for Markdown.

A run's KPIs are a nested dict, one entry per system section (see
:mod:`twin.systems.response.kpis`). This module flattens them into dotted keys
(for comparisons and regression checks) and picks the few numbers a reader looks
at first: how fast units arrived per priority, how busy the fleet was, and how
many calls were never reached.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

from rich.console import Console
from rich.table import Table

Row = tuple[str, str, str, str, str]

#: Column headers of :func:`headline_rows`.
HEADLINE_COLUMNS: Row = ("Indicator", "Incidents", "Mean", "p50 / p90", "Within target")

#: Column headers of :func:`type_rows`.
TYPE_COLUMNS: Row = ("Incident type", "Incidents", "Mean response", "p90 response", "Within target")

#: Printed under both tables, since the cells carry no units of their own.
TIME_NOTE = ("Response = call received → first unit on scene, in min:s; "
             "incidents called in during the warm-up excluded.")

_PRIORITY_LABELS = {"p1": "Priority 1 response", "p2": "Priority 2 response",
                    "p3": "Priority 3 response", "all": "All incidents response"}


def flatten_kpis(kpis: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Nested KPIs as one level of dotted keys.

    Parameters
    ----------
    kpis : mapping
        KPIs per system section, e.g. ``{"response": {"by_priority": {"p1": ...}}}``.
    prefix : str
        Prepended to every key (used by the recursion).

    Returns
    -------
    dict[str, float]
        E.g. ``{"response.by_priority.p1.response_s.p90": 412.0, ...}``. ``None``
        values (a statistic of an empty group), NaN and non-numeric leaves are left
        out; booleans and integers (numpy's too) become floats.
    """
    flat: dict[str, float] = {}
    for key, value in kpis.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten_kpis(value, name))
        elif isinstance(value, Real) and not math.isnan(value):
            flat[name] = float(value)
    return flat


def format_duration(seconds: float | None) -> str:
    """``245.3`` → ``"4:05"`` (minutes:seconds); ``None`` or NaN → ``"–"``."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    total = int(round(seconds))
    return f"{total // 60}:{total % 60:02d}"


def format_number(value: float | None, decimals: int = 0, unit: str = "") -> str:
    """``12345.6`` → ``"12,346"``; with ``decimals=1`` and ``unit="s"`` → ``"12,345.6 s"``; ``None`` or NaN → ``"–"``."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:,.{decimals}f}" + (f" {unit}" if unit else "")


def format_share(share: float | None) -> str:
    """``0.9731`` → ``"97.3 %"``; ``None`` → ``"–"``."""
    return "–" if share is None or not math.isfinite(share) else f"{100 * share:.1f} %"


def _response_row(label: str, group: Mapping[str, Any]) -> Row:
    stats = group.get("response_s", {})
    return (label, str(group.get("incidents", 0)), format_duration(stats.get("mean")),
            f"{format_duration(stats.get('p50'))} / {format_duration(stats.get('p90'))}",
            format_share(group.get("within_target")))


def headline_rows(kpis: Mapping[str, Any]) -> list[Row]:
    """The headline rows of a run, columns as in :data:`HEADLINE_COLUMNS`.

    Parameters
    ----------
    kpis : mapping
        KPIs per system section; only ``kpis["response"]`` is read.

    Returns
    -------
    list of (indicator, incidents, mean, p50 / p90, within target)
        One row per priority present and one for all incidents (response times in
        min:s, share within each incident's own target in %), then the utilisation
        of each unit type (share of unit-time busy, in the "Mean" column), the queue
        of waiting unit requests (time-weighted mean, and its maximum) and the
        number of unserved incidents. Empty when there are no response KPIs.
    """
    response = kpis.get("response")
    if not response:
        return []
    by_priority = response.get("by_priority", {})
    rows = [_response_row(_PRIORITY_LABELS.get(p, f"{p} response"), by_priority[p]) for p in sorted(by_priority)]
    rows.append(_response_row(_PRIORITY_LABELS["all"], response.get("all", {})))
    for unit_type, share in response.get("utilisation", {}).items():
        rows.append((f"Utilisation, {unit_type}", "", format_share(share), "", ""))
    queue = response.get("queue")
    if queue:
        # The queue is a count of waiting requests, so it has a mean and a max but no target.
        rows.append(("Queue of waiting unit requests", "", f"{queue['mean']:.2f}", f"max {queue['max']}", ""))
    if "unserved" in response:
        rows.append(("Unserved incidents (no unit on scene)", str(response["unserved"]), "", "", ""))
    return rows


def type_rows(kpis: Mapping[str, Any]) -> list[Row]:
    """One row per incident type, columns as in :data:`TYPE_COLUMNS` (times in min:s)."""
    by_type = (kpis.get("response") or {}).get("by_type", {})
    rows = []
    for name in sorted(by_type):
        group = by_type[name]
        stats = group.get("response_s", {})
        rows.append((name.replace("_", " "), str(group.get("incidents", 0)), format_duration(stats.get("mean")),
                     format_duration(stats.get("p90")), format_share(group.get("within_target"))))
    return rows


def print_kpi_table(kpis: Mapping[str, Any], console: Console) -> None:
    """Print the headline KPIs (:func:`headline_rows`) as a rich table on ``console``."""
    rows = headline_rows(kpis)
    if not rows:
        console.print("no response KPIs in this run")
        return
    table = Table(title="Emergency response", caption=TIME_NOTE, caption_justify="left")
    for i, header in enumerate(HEADLINE_COLUMNS):
        table.add_column(header, justify="left" if i == 0 else "right")
    n_response = sum(1 for row in rows if row[0].endswith(" response"))
    for i, row in enumerate(rows):
        # A rule between response times and fleet figures: the columns mean different things there.
        table.add_row(*row, end_section=i == n_response - 1)
    console.print(table)
