"""Which way is better for each KPI, which KPIs are the headline, and how to print them.

KPIs arrive flattened to dotted keys (:func:`twin.report.kpi_table.flatten_kpis`),
e.g. ``response.by_priority.p1.response_s.p90``. The rules read the key:

========================================  ==========  =====================================
key                                       direction   why
========================================  ==========  =====================================
``..._s.mean`` / ``p50`` / ``p90``        lower       a time (seconds): sooner is better
``...within_target``                      higher      share reached within target
``response.queue.*``                      lower       requests waiting for a unit
``response.unserved``                     lower       incidents no unit reached
``response.utilisation.*``                neutral     busier units are cheaper but slower;
                                                      the times already say if that hurts
``...incidents``, ``...served``           neutral     demand, not performance
========================================  ==========  =====================================

A neutral KPI gets "higher" / "lower" instead of "better" / "worse".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from twin.experiments.stats import Direction
from twin.report.kpi_table import format_duration, format_share

_TIME = re.compile(r"_s\.(mean|p\d+)$")

#: Headline KPIs in display order; ``*`` matches one key part (e.g. each unit type).
HEADLINE_PATTERNS: tuple[str, ...] = (
    "response.by_priority.p1.response_s.mean",
    "response.by_priority.p1.response_s.p90",
    "response.by_priority.p2.response_s.p90",
    "response.by_priority.p3.response_s.p90",
    "response.all.response_s.mean",
    "response.all.response_s.p90",
    "response.by_priority.p1.within_target",
    "response.all.within_target",
    "response.utilisation.*",
    "response.queue.mean",
    "response.unserved",
)

_PRIORITY = {"p1": "P1", "p2": "P2", "p3": "P3", "all": "All"}


def direction(key: str) -> Direction:
    """Whether a lower or a higher value of KPI ``key`` is better, or neither."""
    if key.endswith("within_target"):
        return "higher"
    if _TIME.search(key) or key.startswith("response.queue.") or key == "response.unserved":
        return "lower"
    return "neutral"


def headline_keys(available: Iterable[str]) -> list[str]:
    """The headline KPIs among ``available`` dotted keys, in display order."""
    available = list(available)
    keys: list[str] = []
    for pattern in HEADLINE_PATTERNS:
        regex = re.compile("^" + re.escape(pattern).replace(r"\*", r"[^.]+") + "$")
        keys += sorted(k for k in available if regex.match(k) and k not in keys)
    return keys


def label(key: str) -> str:
    """A short human label, e.g. ``"P1 response, p90"``; unknown keys are returned as they are."""
    parts = key.split(".")
    if parts[:1] != ["response"]:
        return key
    rest = parts[1:]
    if rest[:1] == ["by_priority"] and len(rest) >= 3:
        group, rest = _PRIORITY.get(rest[1], rest[1]), rest[2:]
    elif rest[:1] == ["all"]:
        group, rest = "All", rest[1:]
    elif rest[:1] == ["by_type"] and len(rest) >= 3:
        group, rest = rest[1].replace("_", " "), rest[2:]
    elif rest[:1] == ["utilisation"] and len(rest) == 2:
        return f"Utilisation, {rest[1]}"
    elif rest == ["queue", "mean"]:
        return "Queue, mean waiting requests"
    elif rest == ["queue", "max"]:
        return "Queue, max waiting requests"
    elif rest == ["unserved"]:
        return "Unserved incidents"
    else:
        return key
    if len(rest) == 2 and rest[0].endswith("_s"):
        return f"{group} {rest[0][:-2].replace('_', ' ')}, {rest[1]}"
    if rest == ["within_target"]:
        return f"{group} within target"
    return f"{group} {' '.join(rest).replace('_', ' ')}"


def unit(key: str) -> str:
    """The KPI's unit as printed in column headers: ``"s"``, ``"share"`` or ``"count"``."""
    if _TIME.search(key):
        return "s"
    if key.endswith("within_target") or key.startswith("response.utilisation."):
        return "share"
    return "count"


def bounded(key: str, value: float) -> float:
    """``value`` clipped to the KPI's natural range (≥ 0; shares ≤ 1), for displaying an interval's end.

    A Student t interval over few replications can cross a bound (a share
    above 100 %); the files keep the interval as computed, people see it clipped.
    """
    if not math.isfinite(value):
        return value
    return min(max(value, 0.0), 1.0) if unit(key) == "share" else max(value, 0.0)


def format_value(key: str, value: float | None, *, signed: bool = False, delta: bool | None = None) -> str:
    """A KPI value for people.

    Levels: times as min:s, shares in %, counts with two decimals. Differences
    and half-widths (``delta``, default: ``signed``): times in seconds (min:s would
    round them away), shares in percentage points (pp). ``signed`` adds the sign.
    """
    if value is None or not math.isfinite(value):
        return "–"
    delta = signed if delta is None else delta
    sign = "+" if signed and value > 0 else ("-" if signed and value < 0 else "")
    magnitude = abs(value) if signed else value
    kind = unit(key)
    if kind == "s":
        return f"{sign}{magnitude:,.1f} s" if delta else format_duration(magnitude)
    if kind == "share":
        return sign + format_share(magnitude).replace(" %", " pp" if delta else " %")
    return f"{sign}{magnitude:,.2f}"
