"""The report of a sweep: the headline KPIs of every combination, a figure per parameter, the files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import twin
from twin.experiments.outputs import atomic_folder
from twin.experiments.overrides import grid
from twin.experiments.stats import CONFIDENCE
from twin.experiments.store import scenario_yaml
from twin.experiments.sweep import Sweep
from twin.experiments.tables import write_json, write_table
from twin.present.kpis import format_value, headline_keys, label
from twin.present.tables import markdown_table
from twin.report.figures import sweep_figure
from twin.report.html import write_html


def write_sweep(s: Sweep, folder: Path) -> Path:
    """Write runs, aggregated table, ``sweep.json``, figures, ``report.md`` and ``report.html`` into ``folder``."""
    meta = s.metadata()
    aggregated = s.aggregated
    kpis = headline_keys(aggregated["kpi"].unique())
    with atomic_folder(folder) as tmp:
        (tmp / "scenario.yaml").write_text(scenario_yaml(s.scenario.model_dump(mode="json"),
                                                         "the base scenario as resolved, before --set"))
        write_table(s.runs, tmp, "runs", meta)
        write_table(aggregated, tmp, "aggregated", meta)
        write_json(meta, tmp / "sweep.json")
        figures = {p: sweep_figure(aggregated, p, s.parameters, kpis, tmp / "figures" / f"{_file_name(p)}.png")
                   for p in s.parameters}
        (tmp / "report.md").write_text(_report(s, aggregated, kpis, figures, tmp))
        write_html(tmp / "report.md")
    return folder


def _file_name(path: str) -> str:
    return path.replace(".", "_")


def _report(s: Sweep, aggregated: pd.DataFrame, kpis: list[str], figures: dict[str, Path], root: Path) -> str:
    wide = aggregated[aggregated["kpi"].isin(kpis)]
    rows = []
    for combo, group in wide.groupby(s.parameters, sort=False):
        combo = combo if isinstance(combo, tuple) else (combo,)
        by_kpi = group.set_index("kpi")
        rows.append((*map(str, combo), *(f"{format_value(k, by_kpi.loc[k, 'mean'])} ± "
                                         f"{format_value(k, by_kpi.loc[k, 'half_width'], delta=True)}"
                                         if k in by_kpi.index else "–" for k in kpis)))
    lines = [f"# Sweep of {s.scenario.name}", "",
             f"{len(grid(s.overrides))} combinations × {len(s.seeds)} replications of `{s.source}` "
             f"(base seed {s.base_seed}; every combination ran the same seeds). Executor: {s.executor}. "
             f"public-safety-twin {twin.__version__}.", "",
             markdown_table((*s.parameters, *(label(k) for k in kpis)), rows), "",
             f"Mean ± half-width of the {CONFIDENCE:.0%} confidence interval over replications; times in min:s "
             "± seconds, shares in % ± percentage points.", ""]
    for parameter, path in figures.items():
        lines += [f"![{parameter}]({path.relative_to(root).as_posix()})", ""]
    lines += ["Files: `runs.csv`/`.parquet` (one row per run), `aggregated.csv`/`.parquet` (mean and CI per "
              "combination and KPI), `sweep.json` (parameters, seeds, executor), `scenario.yaml` (the base).", ""]
    return "\n".join(lines)
