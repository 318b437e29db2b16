"""The report of replications (``python run.py run SCENARIO --reps N``): headline KPIs with intervals.

One run is one random draw; N replications give each KPI a mean and a confidence
interval a planner can quote. The report holds the headline KPIs of every
installed system (mean, interval, the spread over the runs), says how to get the
full report of one replication, and names the files beside it. Nothing here knows
a system: the KPIs are read with the rules the systems declare.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import twin
from twin.experiments.stats import CONFIDENCE
from twin.present.kpis import bounded, format_value, headline_keys
from twin.present.tables import markdown_table

#: The file :func:`write_replications_report` writes (``report.html`` beside it).
REPORT_FILE = "report.md"


def headline_rows(summary: pd.DataFrame, runs: pd.DataFrame) -> list[tuple[str, ...]]:
    """Rows (KPI, mean, confidence interval, lowest – highest run, n) of the headline KPIs.

    Parameters
    ----------
    summary : DataFrame
        One-group summary (:func:`twin.experiments.tables.summarise`).
    runs : DataFrame
        One row per replication, one column per KPI.
    """
    rows = summary.set_index("kpi")
    out = []
    for key in headline_keys(rows.index):
        row = rows.loc[key]
        ci = (f"{format_value(key, bounded(key, row['ci_low']))} – {format_value(key, bounded(key, row['ci_high']))}"
              if row["n"] > 1 else "–")
        values = runs[key].dropna() if key in runs else pd.Series(dtype=float)
        spread = f"{format_value(key, values.min())} – {format_value(key, values.max())}" if len(values) else "–"
        out.append((str(row["label"]), format_value(key, row["mean"]), ci, spread, str(int(row["n"]))))
    return out


def replications_markdown(name: str, base_seed: int, seeds: list[int], summary: pd.DataFrame,
                          runs: pd.DataFrame, executor: str) -> str:
    """The text of the replications report (see the module docstring)."""
    level = f"{CONFIDENCE:.0%}"
    reps = len(seeds)
    lines = [f"# Replications: {name}", "",
             f"- **Replications:** {reps}, seeds drawn from base seed {base_seed} (each run's seed in `runs.csv`)",
             f"- **Project version:** {twin.__version__}", f"- **Executor:** {executor}", "",
             "## Summary", "",
             f"Each KPI's mean over the {reps} runs, with its {level} confidence interval (Student t: an interval "
             f"built this way holds the long-run mean in {level} of experiments): the numbers to quote. The lowest "
             "and highest run show how much one run can differ from another. Times in min:s, shares in %.", "",
             markdown_table(("KPI", "Mean", f"{level} CI", "Lowest – highest run", "n"),
                            headline_rows(summary, runs)), "",
             "## One replication in full", "",
             "A replication's full report (summary, figures, maps) is drawn by running it again with its "
             "recorded seed: `python run.py report THIS_FOLDER --replication I` (I from 0 to "
             f"{reps - 1}, as in `runs.csv`).", "",
             "## Files", "",
             "* `runs.csv` / `.parquet`: one row per replication (seed, every KPI).",
             "* `summary.csv` / `.parquet`, `summary.json`: mean, standard deviation and interval of every KPI.",
             "* `scenario.yaml`: the scenario as resolved.", ""]
    return "\n".join(lines)


def write_replications_report(folder: Path, name: str, base_seed: int, seeds: list[int], summary: pd.DataFrame,
                              runs: pd.DataFrame, executor: str) -> Path:
    """Write ``report.md`` and the self-contained ``report.html`` into ``folder``; return ``report.md``."""
    from twin.report.html import write_html

    out = Path(folder) / REPORT_FILE
    out.write_text(replications_markdown(name, base_seed, seeds, summary, runs, executor), encoding="utf-8")
    write_html(out)
    return out
