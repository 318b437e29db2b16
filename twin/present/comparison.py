"""A comparison of two variants as a system sees it: formatted rows of paired differences.

A comparison (:mod:`twin.experiments.compare`) has one row per KPI: A's and B's
means with their confidence intervals, the paired difference B − A with its
interval, the p-value and a verdict. A system that adds a section of its own to
the comparison report (:meth:`twin.sim.system.System.comparison`) receives a
:class:`ComparisonView` and formats the rows it wants with :meth:`ComparisonView.rows`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pandas as pd

from twin.present.kpis import bounded, format_value


def format_p(p: float, *, equals: bool = False) -> str:
    """``p`` for a table (``"0.012"``, ``"< 0.001"``), or with ``equals`` for a sentence (``"= 0.012"``)."""
    if not math.isfinite(p):
        return "= –" if equals else "–"
    if p < 0.001:
        return "< 0.001"
    return f"= {p:.3f}" if equals else f"{p:.3f}"


def format_mean_ci(kpi: str, mean: float, low: float, high: float) -> str:
    """``"4:05 [3:58, 4:12]"``: a mean with its interval, ends clipped to the KPI's range."""
    if not math.isfinite(low):
        return format_value(kpi, mean)
    low_text, high_text = format_value(kpi, bounded(kpi, low)), format_value(kpi, bounded(kpi, high))
    return f"{format_value(kpi, mean)} [{low_text}, {high_text}]"


def format_diff(kpi: str, mean: float, low: float, high: float) -> str:
    """``"-12.0 s [-20.1 s, -3.9 s]"``: a signed difference with its interval."""
    if not math.isfinite(low):
        return format_value(kpi, mean, signed=True)
    return (f"{format_value(kpi, mean, signed=True)} [{format_value(kpi, low, signed=True)}, "
            f"{format_value(kpi, high, signed=True)}]")


def format_relative(value: float) -> str:
    """``-0.031`` → ``"-3.1 %"``."""
    return f"{100 * value:+.1f} %" if math.isfinite(value) else "–"


def kpi_rows(diffs: pd.DataFrame, keys: Sequence[str], *, intervals: bool = True,
             relative: bool = False) -> list[tuple[str, ...]]:
    """Rows (KPI, A, B, B − A, [change,] p, verdict) of ``keys`` in ``diffs``, formatted for people.

    With ``intervals=False`` A and B are plain means (narrow enough for a terminal);
    ``relative`` adds B − A as a percentage of A's mean.
    """
    table = diffs.set_index("kpi")
    rows = []
    for kpi in keys:
        r = table.loc[kpi]
        a = format_mean_ci(kpi, r["a_mean"], r["a_low"], r["a_high"]) if intervals else format_value(kpi, r["a_mean"])
        b = format_mean_ci(kpi, r["b_mean"], r["b_low"], r["b_high"]) if intervals else format_value(kpi, r["b_mean"])
        change = (format_relative(r["relative"]),) if relative else ()
        rows.append((r["label"], a, b, format_diff(kpi, r["diff_mean"], r["diff_low"], r["diff_high"]), *change,
                     format_p(r["p_value"]), r["verdict"]))
    return rows


def measured_window(scenario: Any) -> str:
    """The measured window of ``scenario``, e.g. ``"2026-11-02 01:00 to 2026-11-03 00:00 (23 h)"``."""
    run = scenario.run
    begin, end = run.start + timedelta(seconds=run.warmup), run.start + timedelta(seconds=run.duration)
    return f"{begin:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({(run.duration - run.warmup) / 3600:g} h)"


@dataclass(frozen=True)
class ComparisonView:
    """What a system's comparison section is drawn from.

    Attributes
    ----------
    section : str
        The system's scenario section.
    names : (str, str)
        Display names of A and B.
    reps : int
        Paired replications.
    scenarios : (Scenario, Scenario)
        The two validated scenarios.
    diffs : DataFrame
        One row per KPI (:func:`twin.experiments.compare.differences`), labels filled in.
    confidence : float
        Level of the intervals (0.95).
    """

    section: str
    names: tuple[str, str]
    reps: int
    scenarios: tuple[Any, Any]
    diffs: pd.DataFrame
    confidence: float

    @property
    def configs(self) -> tuple[Any, Any]:
        """A's and B's section of this system (None where a variant does not install it)."""
        return tuple(getattr(s, self.section, None) for s in self.scenarios)  # type: ignore[return-value]

    def available(self, *, both: bool = True) -> list[str]:
        """This system's KPI keys with a value in both variants (``both=False``: in either)."""
        have = self.diffs.set_index("kpi")
        mask = (have["a_mean"].notna() & have["b_mean"].notna()) if both else (
            have["a_mean"].notna() | have["b_mean"].notna())
        return [k for k in have.index[mask] if k.startswith(self.section + ".")]

    def rows(self, keys: Sequence[str], *, relative: bool = False) -> list[tuple[str, ...]]:
        """Rows (KPI, A, B, B − A, [change,] p, verdict) of ``keys`` (full dotted keys), with intervals."""
        return kpi_rows(self.diffs, keys, relative=relative)

    def mean_ci(self, key: str, variant: str) -> str:
        """Variant ``"a"`` or ``"b"``'s mean of ``key`` with its interval, formatted."""
        row = self.diffs.set_index("kpi").loc[key]
        return format_mean_ci(key, row[f"{variant}_mean"], row[f"{variant}_low"], row[f"{variant}_high"])

    @property
    def windows(self) -> str:
        """The measured window(s) in words: one if A and B agree, both otherwise."""
        a, b = (measured_window(s) for s in self.scenarios)
        return f"the measured window, {a}" if a == b else f"the measured windows, A {a}, B {b}"
