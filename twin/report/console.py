"""Experiment results on the console: the headline KPIs of replications with their intervals."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

from twin.experiments.stats import CONFIDENCE
from twin.present.kpis import bounded, format_value, headline_keys


def print_summary(summary: pd.DataFrame, console: Console, title: str) -> None:
    """Print the headline KPIs of a one-group summary: mean, 95 % CI and n."""
    rows = summary.set_index("kpi")
    table = Table(title=title, caption=f"{CONFIDENCE:.0%} confidence intervals of the mean over replications "
                                       "(Student t, clipped at natural bounds); times in min:s.",
                  caption_justify="left")
    for header in ("KPI", "mean", f"{CONFIDENCE:.0%} CI", "n"):
        table.add_column(header, justify="left" if header == "KPI" else "right")
    for key in headline_keys(rows.index):
        row = rows.loc[key]
        ci = f"{format_value(key, bounded(key, row['ci_low']))} – {format_value(key, bounded(key, row['ci_high']))}"
        table.add_row(row["label"], format_value(key, row["mean"]), ci if row["n"] > 1 else "–", str(row["n"]))
    console.print(table)
