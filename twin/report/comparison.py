"""The report of a comparison: verdict, headline KPIs, each system's own tables, figures, files.

:func:`write_comparison` writes a :class:`~twin.experiments.compare.Comparison`
into a folder: its tables (CSV and Parquet), ``comparison.json``, the two
scenarios as resolved, the figures and ``report.md``. Nothing here knows a
system: KPI families by clock hour (:attr:`twin.sim.system.System.hourly`) are
drawn hour by hour, and a system with more to say adds sections of its own
(:meth:`twin.sim.system.System.comparison`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import twin
from twin.experiments.compare import Comparison, differences, label_context
from twin.experiments.identity import code_fingerprint, scenario_hash
from twin.experiments.outputs import atomic_folder
from twin.experiments.stats import CONFIDENCE
from twin.experiments.store import scenario_yaml
from twin.experiments.tables import summarise, write_json, write_table
from twin.present.comparison import ComparisonView, format_p, kpi_rows
from twin.present.kpis import HourlyFamily, format_value, headline_keys
from twin.present.tables import Section, markdown_table, section_markdown
from twin.report.figures import difference_figure, hourly_figure
from twin.report.html import write_html
from twin.sim.system import System, available


def headline_rows(diffs: pd.DataFrame, *, intervals: bool = True) -> list[tuple[str, ...]]:
    """Rows (KPI, A, B, B − A, p, verdict) of the headline KPIs, formatted for people.

    With ``intervals=False`` A and B are plain means (narrow enough for a terminal).
    """
    return kpi_rows(diffs, headline_keys(diffs["kpi"]), intervals=intervals)


def overall(headline: pd.DataFrame, names: tuple[str, str], reps: int) -> str:
    """One paragraph: which variant is better on the headline KPIs, and how sure.

    Parameters
    ----------
    headline : DataFrame
        The headline rows of :func:`~twin.experiments.compare.differences`.
    names : (str, str)
        Display names of A and B.
    reps : int
        Replications per variant.
    """
    a, b = names
    judged = headline[headline["direction"] != "neutral"]
    better = judged[judged["verdict"] == "better"]
    worse = judged[judged["verdict"] == "worse"]

    def listing(rows: pd.DataFrame) -> str:
        return "; ".join(f"{r.label} {format_value(r.kpi, r.diff_mean, signed=True)} "
                         f"(p {format_p(r.p_value, equals=True)})" for r in rows.itertuples())

    level = f"{CONFIDENCE:.0%}"
    if len(better) and not len(worse):
        head = (f"**{b} is better than {a}**: better on {len(better)} of {len(judged)} headline KPIs "
                f"and worse on none ({listing(better)}).")
    elif len(worse) and not len(better):
        head = (f"**{a} is better than {b}**: {b} is worse on {len(worse)} of {len(judged)} headline KPIs "
                f"and better on none ({listing(worse)}).")
    elif len(better):
        head = f"**A trade-off**: {b} is better on {listing(better)}, but worse on {listing(worse)}."
    else:
        head = (f"**No significant difference** between {a} and {b} on the {len(judged)} headline KPIs that have "
                f"a better direction, at {level} confidence with {reps} replications each; a real difference "
                "smaller than the intervals cannot be ruled out (more replications narrow them).")
    firm = judged[judged["verdict"].isin(["better", "worse"]) & (judged["p_value"] < 0.01)]
    sure = (f" How sure: every verdict above is a {level} paired confidence interval that excludes zero; "
            f"{len(firm)} of them hold at p < 0.01 as well."
            if len(better) or len(worse) else "")
    return head + sure


def installed_in_both(c: Comparison) -> list[tuple[str, type[System]]]:
    """The systems both variants install, in install order."""
    return [(section, system) for section, system in available().items()
            if getattr(c.a, section, None) is not None and getattr(c.b, section, None) is not None]


def hourly_tables(c: Comparison) -> list[tuple[str, HourlyFamily, pd.DataFrame]]:
    """Per hourly KPI family both variants report: (section, family, 24 rows of differences with ``hour``)."""
    found = []
    for section, system in installed_in_both(c):
        for family in system.hourly:
            keys = family.keys(section)
            if not set(keys) & set(c.runs.columns):
                continue
            # An hour no run measured has no column (None is left out of the KPIs): NaN, not zero.
            runs = c.runs.reindex(columns=[*c.runs.columns, *(k for k in keys if k not in c.runs.columns)])
            rows = differences(runs, keys, context=label_context(c.a, c.b)).assign(hour=range(24))
            if rows["a_mean"].notna().any() and rows["b_mean"].notna().any():
                found.append((section, family, rows))
    return found


def system_sections(c: Comparison) -> list[Section]:
    """The sections systems add to the comparison, in install order."""
    sections = []
    for section, system in installed_in_both(c):
        view = ComparisonView(section, c.names, len(c.seeds), (c.a, c.b), c.diffs, CONFIDENCE)
        sections += system.comparison(view)
    return sections


def _hourly_lines(name: str, family: HourlyFamily, reps: int) -> list[str]:
    return [f"## {family.caption}", "", f"![{family.caption}](figures/{name}.png)", "",
            f"*{family.quantity.capitalize()} in each hour of the clock. Top: the mean of the {reps} replications of "
            f"A and of B, with {CONFIDENCE:.0%} confidence intervals. Bottom: the paired difference B − A and its "
            "interval (green: B better, red: worse, grey: no significant difference); hours outside the measured "
            f"window are hatched. The means, intervals and differences are in `{name}.csv`.*", ""]


def report_markdown(c: Comparison, hourly: list[tuple[str, HourlyFamily, pd.DataFrame]],
                    sections: list[Section], folder: Path) -> str:
    """The comparison report (Markdown), figures under ``figures/``."""
    a, b = c.names
    reps = len(c.seeds)
    facts = [("file", c.files[0], c.files[1]), ("scenario", str(c.a.name), str(c.b.name)),
             ("scenario hash", scenario_hash(c.a), scenario_hash(c.b))]
    lines = [
        f"# {b} compared with {a}", "",
        overall(c.headline, c.names, reps), "",
        markdown_table(("", "A", "B"), facts), "",
        f"{reps} replications of each, with common random numbers: replication *i* of A and of B used the "
        f"same seed (base seed {c.base_seed}; the seeds are in `runs.csv`), so both saw the same incidents. "
        f"Executor: {c.executor}. public-safety-twin {twin.__version__}, model code {code_fingerprint()}.", "",
        "## Headline KPIs", "",
        markdown_table(("KPI", f"A: {a}", f"B: {b}", "B − A", "p", "verdict on B"), headline_rows(c.diffs)), "",
        f"Means with {CONFIDENCE:.0%} confidence intervals over replications (Student t); B − A is the mean of "
        "the paired differences with its interval; p is the paired t-test's. Times in min:s, differences of "
        "times in seconds, shares in % and their differences in percentage points (pp).", "",
        "![Paired differences](figures/differences.png)", "",
    ]
    for section, family, _ in hourly:
        lines += _hourly_lines(f"{section}_{family.name}", family, reps)
    for section in sections:
        lines += section_markdown(section, folder)
    lines += [
        "## How to read the verdicts", "",
        f"* **better** / **worse**: the {CONFIDENCE:.0%} interval of B − A excludes zero, on the good / bad side "
        "for that KPI. Each system says which side is good for its KPIs: lower for times, queues, crimes, "
        "collisions, delay, energy and cost; higher for shares within target and speeds.",
        "* **no significant difference**: the interval contains zero. It is not proof that there is no "
        "difference: a difference smaller than the interval's half-width may exist.",
        "* **higher** / **lower**: a significant change of a KPI that is neither good nor bad in itself "
        "(utilisation: busier units cost less but respond later, which the times show; counts of equipment, "
        "people and trips; the light level).",
        f"* Each KPI is tested on its own: with {len(c.headline)} headline KPIs, one verdict in twenty at "
        "p close to 0.05 can be chance; p < 0.01 is firmer.", "",
        "## Files", "",
        "* `differences.csv` / `.parquet`: every KPI (also per incident type), as in the table above, unformatted.",
        "* `runs.csv` / `.parquet`: one row per run (variant, replication, seed, KPIs).",
        "* `summary.csv` / `.parquet`: mean and CI per variant and KPI; `comparison.json`: all of it with metadata.",
        *(f"* `{section}_{family.name}.csv` / `.parquet`: {family.quantity} in each clock hour, A, B and B − A, "
          "as in its figure." for section, family, _ in hourly),
        "* `a.yaml`, `b.yaml`: the two scenarios as resolved.", "",
    ]
    return "\n".join(lines)


def write_comparison(c: Comparison, folder: Path) -> Path:
    """Write the comparison's tables, figures, scenarios, ``report.md`` and ``report.html`` into ``folder``."""
    meta = c.metadata()
    hourly = hourly_tables(c)
    sections = system_sections(c)
    with atomic_folder(folder) as tmp:
        for name, scenario in (("a", c.a), ("b", c.b)):
            (tmp / f"{name}.yaml").write_text(scenario_yaml(scenario.model_dump(mode="json"),
                                                            f"variant {name.upper()} as resolved"))
        write_table(c.runs, tmp, "runs", meta)
        write_table(summarise(c.runs, ["variant"]), tmp, "summary", meta)
        write_table(c.diffs, tmp, "differences", meta)
        write_json({**meta, "verdict": overall(c.headline, c.names, len(c.seeds)),
                    "kpis": c.diffs.set_index("kpi").to_dict(orient="index")}, tmp / "comparison.json")
        difference_figure(c.headline, tmp / "figures" / "differences.png", c.names, len(c.seeds),
                          context=label_context(c.a, c.b))
        for section, family, rows in hourly:
            name = f"{section}_{family.name}"
            write_table(rows, tmp, name, meta)
            shaded = family.shaded(getattr(c.a, section)) if family.shaded else []
            hourly_figure(rows, tmp / "figures" / f"{name}.png", c.names, len(c.seeds), night=shaded,
                          quantity=family.quantity)
        (tmp / "report.md").write_text(report_markdown(c, hourly, sections, tmp))
        write_html(tmp / "report.md")
    return folder
