"""Figures of experiments: paired differences of a comparison, KPIs along a sweep.

Each function draws with matplotlib's Agg backend, writes a PNG and returns its
path. Units are converted for reading: times in minutes (differences in
seconds), shares in % (differences in percentage points), counts as they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from twin.experiments.kpis import bounded, label, unit
from twin.experiments.stats import CONFIDENCE

DPI = 130
VERDICT_COLOURS = {"better": "#2e7d32", "worse": "#c62828", "higher": "#1565c0", "lower": "#1565c0",
                   "no significant difference": "#757575"}

_DIFF_UNITS = {"s": ("seconds", 1.0), "share": ("percentage points", 100.0), "count": ("count", 1.0)}
_LEVEL_UNITS = {"s": ("min", 1 / 60), "share": ("%", 100.0), "count": ("", 1.0)}


def difference_figure(diffs: pd.DataFrame, path: Path, names: tuple[str, str], reps: int) -> Path:
    """Paired differences B − A with their confidence intervals, one row per KPI.

    Parameters
    ----------
    diffs : DataFrame
        Rows of :func:`twin.experiments.compare.differences` to draw (``kpi``,
        ``diff_mean``, ``diff_low``, ``diff_high``, ``verdict``), in display order.
    path : Path
        The PNG to write.
    names : (str, str)
        Names of A and B, for the title.
    reps : int
        Replications per variant.
    """
    groups = [(u, diffs[[unit(k) == u for k in diffs["kpi"]]]) for u in ("s", "share", "count")]
    groups = [(u, g) for u, g in groups if len(g)]
    heights = [max(len(g), 1) + 1.2 for _, g in groups]
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 0.42 * sum(heights) + 1.2), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, (kind, group) in zip(axes[:, 0], groups):
        name, scale = _DIFF_UNITS[kind]
        y = np.arange(len(group))[::-1]
        for yi, row in zip(y, group.itertuples()):
            colour = VERDICT_COLOURS.get(row.verdict, "#757575")
            if math.isfinite(row.diff_low):
                ax.plot([row.diff_low * scale, row.diff_high * scale], [yi, yi], color=colour, lw=2.5,
                        solid_capstyle="butt")
            ax.plot([row.diff_mean * scale], [yi], "o", color=colour, ms=6)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, [label(k) for k in group["kpi"]])
        ax.set_ylim(-0.8, len(group) - 0.2)
        ax.set_xlabel(f"{names[1]} − {names[0]} ({name})")
        ax.grid(axis="x", alpha=0.3)
        _symmetric(ax)
    fig.suptitle(f"Paired differences, {names[1]} − {names[0]}: mean and {CONFIDENCE:.0%} CI over {reps} "
                 f"replications\ngreen: {names[1]} better, red: worse, blue: changed (neither better nor worse), "
                 "grey: no significant difference", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _symmetric(ax: plt.Axes) -> None:
    """Centre the x axis on zero, so left and right read as less and more."""
    low, high = ax.get_xlim()
    bound = max(abs(low), abs(high), 1e-9)
    ax.set_xlim(-bound, bound)


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
        name, scale = _LEVEL_UNITS[unit(kpi)]
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
        ax.set_title(label(kpi) + (f" ({name})" if name else ""), fontsize=9)
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
