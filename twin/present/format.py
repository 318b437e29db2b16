"""Numbers for people: durations as min:s, shares in %, counts with thousands separators.

A run's KPIs are a nested dict, one entry per system section; :func:`flatten_kpis`
turns them into dotted keys (for comparisons and regression checks).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any


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
