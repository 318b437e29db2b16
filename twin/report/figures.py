"""Figures of experiments: paired differences of a comparison, KPIs along a sweep.

Each function draws with matplotlib's Agg backend, writes a PNG and returns its
path. Units are converted for reading: times in minutes (differences in
seconds), shares in % (differences in percentage points), counts as they are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from twin.experiments.stats import CONFIDENCE
from twin.present.kpis import bounded, label, measure, unit

DPI = 130
VERDICT_COLOURS = {"better": "#2e7d32", "worse": "#c62828", "higher": "#1565c0", "lower": "#1565c0",
                   "no significant difference": "#757575"}
VARIANT_COLOURS = ("#546e7a", "#ef6c00")  # A, B

_DIFF_UNITS = {"s": ("seconds", 1.0), "share": ("percentage points", 100.0)}
_LEVEL_UNITS = {"s": ("min", 1 / 60), "share": ("%", 100.0)}


def axis_unit(key: str, *, delta: bool, context: Mapping[str, str] | None = None) -> tuple[str, float]:
    """The unit to print on an axis of KPI ``key`` and the factor from the KPI's values to it.

    Times: seconds for differences, minutes for levels; shares: percentage points
    or %; anything else in its own unit (:func:`twin.present.kpis.measure`, its
    words such as the currency from ``context``). A plain count has no unit for levels.
    """
    kind = unit(key)
    if kind in _DIFF_UNITS:
        return (_DIFF_UNITS if delta else _LEVEL_UNITS)[kind]
    name = measure(key, context)
    return ("count" if delta else "", 1.0) if name == "count" else (name, 1.0)


def difference_figure(diffs: pd.DataFrame, path: Path, names: tuple[str, str], reps: int, *,
                      context: Mapping[str, str] | None = None) -> Path:
    """Paired differences B − A with their confidence intervals, one row per KPI, one panel per unit.

    Parameters
    ----------
    diffs : DataFrame
        Rows of :func:`twin.experiments.compare.differences` to draw (``kpi``,
        ``diff_mean``, ``diff_low``, ``diff_high``, ``verdict``, optionally
        ``label``), in display order.
    path : Path
        The PNG to write.
    names : (str, str)
        Names of A and B, for the title.
    reps : int
        Replications per variant.
    context : mapping, optional
        Words the KPIs' units name (the currency of costs).
    """
    # One panel per unit, rates with their totals ("crimes/day" beside "crimes"); times and shares first.
    axis = [axis_unit(k, delta=True, context=context) for k in diffs["kpi"]]
    panel = [(re.sub(r"/(day|night)$", "", name), scale) for name, scale in axis]
    order = list(dict.fromkeys(sorted(panel, key=lambda a: a[0] not in ("seconds", "percentage points"))))
    groups = [(p, diffs[[x == p for x in panel]]) for p in order]
    names_of = {p: " or ".join(dict.fromkeys(a[0] for a, x in zip(axis, panel) if x == p)) for p in order}
    heights = [max(len(g), 1) + 1.2 for _, g in groups]
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 0.42 * sum(heights) + 1.2), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, ((key, scale), group) in zip(axes[:, 0], groups):
        name = names_of[(key, scale)]
        y = np.arange(len(group))[::-1]
        for yi, row in zip(y, group.itertuples()):
            _difference(ax, yi, row, scale)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, list(group["label"]) if "label" in group else [label(k) for k in group["kpi"]])
        ax.set_ylim(-0.8, len(group) - 0.2)
        ax.set_xlabel(f"{names[1]} − {names[0]} ({name})")
        ax.grid(axis="x", alpha=0.3)
        _symmetric(ax)
    fig.suptitle(f"Paired differences, {names[1]} − {names[0]}: mean and {CONFIDENCE:.0%} CI over {reps} "
                 f"replications\ngreen: {names[1]} better, red: worse, blue: changed (neither better nor worse), "
                 "grey: no significant difference", fontsize=9)
    return _save(fig, path)


def _save(fig: plt.Figure, path: Path, *, laid_out: bool = False) -> Path:
    """Lay out ``fig`` (unless ``laid_out``), write it to ``path`` (creating its folder), close it, return ``path``."""
    if not laid_out:
        fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _difference(ax: plt.Axes, position: float, row: Any, scale: float = 1.0, *, vertical: bool = False) -> None:
    """One paired difference at ``position``: its interval as a bar and its mean as a dot, coloured by verdict."""
    colour = VERDICT_COLOURS.get(row.verdict, "#757575")

    def draw(values: list[float], *style: str, **kw: Any) -> None:
        at = [position] * len(values)
        ax.plot(*((at, values) if vertical else (values, at)), *style, color=colour, **kw)

    if math.isfinite(row.diff_low):
        draw([row.diff_low * scale, row.diff_high * scale], lw=2.5, solid_capstyle="butt")
    if math.isfinite(row.diff_mean):
        draw([row.diff_mean * scale], "o", ms=6)


def _symmetric(ax: plt.Axes, axis: str = "x") -> None:
    """Centre the x (or y) axis on zero, so the two sides read as less and more."""
    get, put = (ax.get_xlim, ax.set_xlim) if axis == "x" else (ax.get_ylim, ax.set_ylim)
    low, high = get()
    bound = max(abs(low), abs(high), 1e-9) * 1.06  # a point at the very end stays whole
    put(-bound, bound)


def sweep_figure(aggregated: pd.DataFrame, parameter: str, parameters: Sequence[str], kpis: Sequence[str],
                 path: Path) -> Path:
    """Each KPI's mean and confidence interval against one swept parameter.

    Parameters
    ----------
    aggregated : DataFrame
        The sweep's summary: parameter columns, ``kpi``, ``mean``, ``ci_low``, ``ci_high``.
    parameter : str
        The parameter on the x axis.
    parameters : sequence of str
        Every swept parameter; the others than ``parameter`` each give a line.
    kpis : sequence of str
        One panel per KPI.
    path : Path
        The PNG to write.
    """
    others = [p for p in parameters if p != parameter]
    values = list(dict.fromkeys(aggregated[parameter]))
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    order = sorted(values) if numeric else values
    position = {v: (v if numeric else i) for i, v in enumerate(order)}
    cols = min(3, len(kpis))
    rows = math.ceil(len(kpis) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    lines = list(aggregated.groupby(others, sort=False, dropna=False)) if others else [((), aggregated)]
    # Lines of other parameters often coincide: shift each a little sideways so all stay visible.
    span = (max(order) - min(order)) if numeric and len(order) > 1 else max(len(order) - 1, 1)
    for ax, kpi in zip(axes.flat, kpis):
        name, scale = axis_unit(kpi, delta=False)
        for j, (key, line) in enumerate(lines):
            key = key if isinstance(key, tuple) else (key,)
            line = line[line["kpi"] == kpi]
            dodge = (j - (len(lines) - 1) / 2) * 0.012 * span
            line = line.assign(_x=line[parameter].map(position) + dodge).sort_values("_x")
            mean = line["mean"].to_numpy(float)
            low = np.array([bounded(kpi, v) for v in line["ci_low"].to_numpy(float)])
            high = np.array([bounded(kpi, v) for v in line["ci_high"].to_numpy(float)])
            err = np.nan_to_num(np.vstack([mean - low, high - mean]) * scale)
            legend = ", ".join(f"{p.rsplit('.', 1)[-1]}={v}" for p, v in zip(others, key))
            ax.errorbar(line["_x"], mean * scale, yerr=err, marker="o", ms=4, capsize=3, label=legend or None)
        title = label(kpi)
        ax.set_title(title + (f" ({name})" if name and not title.endswith(")") else ""), fontsize=9)
        ax.set_xticks([position[v] for v in order], [str(v) for v in order])
        ax.set_xlabel(parameter, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(kpis):]:
        ax.axis("off")
    legend_rows = 0
    if others and len(lines) > 1:
        handles, labels = axes.flat[0].get_legend_handles_labels()
        legend_rows = math.ceil(len(labels) / 4)
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.45 / fig.get_figheight()),
                   ncol=min(4, len(labels)), fontsize=8, frameon=False)
    fig.suptitle(f"Headline KPIs against {parameter}: mean and {CONFIDENCE:.0%} CI over replications", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 1 - (0.4 + 0.22 * legend_rows) / fig.get_figheight()))
    return _save(fig, path, laid_out=True)


def hourly_figure(by_hour: pd.DataFrame, path: Path, names: tuple[str, str], reps: int, *,
                  night: Sequence[int] = (), quantity: str = "per hour") -> Path:
    """A KPI by hour of the day for A and B (top) and their paired difference (bottom).

    Parameters
    ----------
    by_hour : DataFrame
        24 rows of :func:`twin.experiments.compare.differences`, with an ``hour``
        column (0–23); NaN where an hour was not measured.
    path : Path
        The PNG to write.
    names : (str, str)
        Names of A and B, for the legend and title.
    reps : int
        Replications per variant.
    night : sequence of int
        Clock hours to shade as night.
    quantity : str
        What the values are, for the axis, e.g. ``"crimes per hour"``.
    """
    rows = by_hour.sort_values("hour")
    hours = rows["hour"].to_numpy(int)
    unmeasured = [h for h, a, b in zip(hours, rows["a_mean"], rows["b_mean"]) if not (np.isfinite(a) or np.isfinite(b))]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.2), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    for ax in (top, bottom):
        for h in night:
            ax.axvspan(h - 0.5, h + 0.5, color="#263238", alpha=0.07, lw=0)
        for h in unmeasured:
            ax.axvspan(h - 0.5, h + 0.5, facecolor="none", edgecolor="#b0bec5", hatch="///", lw=0)
        ax.grid(axis="y", alpha=0.3)
    for j, (variant, name) in enumerate(zip(("a", "b"), names)):
        mean = rows[f"{variant}_mean"].to_numpy(float)
        low = np.maximum(rows[f"{variant}_low"].to_numpy(float), 0.0)
        high = rows[f"{variant}_high"].to_numpy(float)
        err = np.nan_to_num(np.vstack([mean - low, high - mean]))
        top.errorbar(hours + (j - 0.5) * 0.22, mean, yerr=err, marker="o", ms=4, lw=1.2, capsize=2.5,
                     color=VARIANT_COLOURS[j], label=f"{'AB'[j]}: {name}")
    top.set_ylim(bottom=0)
    top.set_ylabel(f"{quantity}, mean")
    top.legend(fontsize=8, loc="upper left", frameon=False)
    for h, row in zip(hours, rows.itertuples()):
        _difference(bottom, h, row, vertical=True)
    bottom.axhline(0, color="black", lw=0.8)
    _symmetric(bottom, "y")
    differences = rows[["diff_low", "diff_high"]].to_numpy(float)
    if np.isfinite(differences).any() and np.nanmax(np.abs(differences)) == 0:
        bottom.text(0.5, 0.8, "B − A = 0 in every replication and hour", transform=bottom.transAxes,
                    ha="center", fontsize=8, color="#455a64")
    bottom.set_ylabel(f"B − A, {quantity}")
    bottom.set_xlabel("hour of the day (local clock); shaded: night" +
                      ("; hatched: not measured (warm-up or outside the run)" if unmeasured else ""))
    bottom.set_xticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)], fontsize=8)
    bottom.set_xlim(-0.6, 23.6)
    fig.suptitle(f"{quantity.capitalize()} in each hour of the day, {names[0]} (A) and {names[1]} (B): mean and "
                 f"{CONFIDENCE:.0%} CI over {reps} replications each\nbottom: paired difference B − A; green: B "
                 "better, red: worse, grey: no significant difference", fontsize=9)
    return _save(fig, path)
