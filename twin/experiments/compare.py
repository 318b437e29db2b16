"""Compare two scenarios with common random numbers: paired differences and verdicts.

Replication ``i`` of A and replication ``i`` of B run with the same seed, so
they see the same incidents at the same places and times; the difference B − A
of replication ``i`` is mostly the effect of the change, not luck. Per KPI:
the mean paired difference, its 95 % Student t interval, the paired t-test's
p-value, and a verdict on B — better, worse, or no significant difference —
read with the KPI's direction (:mod:`twin.experiments.kpis`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

import twin
from twin.experiments.figures import difference_figure
from twin.experiments.identity import code_fingerprint, scenario_hash
from twin.experiments.kpis import bounded, direction, format_value, headline_keys, label
from twin.experiments.outputs import atomic_folder
from twin.experiments.replicate import replication_specs
from twin.experiments.runner import RunSpec
from twin.experiments.stats import CONFIDENCE, mean_ci, paired_difference
from twin.experiments.store import scenario_yaml
from twin.experiments.tables import kpi_columns, summarise, write_json, write_table
from twin.report.markdown import markdown_table

VARIANTS = ("A", "B")


def differences(runs: pd.DataFrame, kpis: Sequence[str] | None = None) -> pd.DataFrame:
    """Per KPI: A's and B's means with CIs, the paired difference B − A, p-value and verdict.

    Parameters
    ----------
    runs : DataFrame
        Runs of both variants, with ``variant`` ("A" / "B") and ``replication`` columns.
    kpis : sequence of str, optional
        KPI columns to compare (default: every KPI column).

    Returns
    -------
    DataFrame
        ``kpi``, ``label``, ``direction``, ``n`` (pairs), ``a_mean``, ``a_low``,
        ``a_high``, ``b_mean``, ``b_low``, ``b_high``, ``diff_mean``, ``diff_low``,
        ``diff_high`` (KPI units), ``relative`` (difference / A's mean), ``p_value``, ``verdict``.
    """
    kpis = list(kpis) if kpis is not None else kpi_columns(runs)
    a = runs[runs["variant"] == "A"].set_index("replication").sort_index()
    b = runs[runs["variant"] == "B"].set_index("replication").sort_index()
    if list(a.index) != list(b.index):
        raise ValueError("A and B must have the same replications")
    rows = []
    for kpi in kpis:
        xa, xb = a[kpi].to_numpy(float), b[kpi].to_numpy(float)
        paired = paired_difference(xa, xb, direction(kpi))
        ca, cb, d = mean_ci(xa), mean_ci(xb), paired.diff
        relative = d.mean / ca.mean if ca.mean and math.isfinite(ca.mean) else math.nan
        rows.append({"kpi": kpi, "label": label(kpi), "direction": direction(kpi), "n": d.n,
                     "a_mean": ca.mean, "a_low": ca.low, "a_high": ca.high,
                     "b_mean": cb.mean, "b_low": cb.low, "b_high": cb.high,
                     "diff_mean": d.mean, "diff_low": d.low, "diff_high": d.high, "relative": relative,
                     "p_value": paired.p_value, "verdict": paired.verdict})
    return pd.DataFrame(rows)


def overall(headline: pd.DataFrame, names: tuple[str, str], reps: int) -> str:
    """One paragraph: which variant is better on the headline KPIs, and how sure.

    Parameters
    ----------
    headline : DataFrame
        The headline rows of :func:`differences`.
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
        return "; ".join(f"{r.label} {format_value(r.kpi, r.diff_mean, signed=True)} (p = {_p(r.p_value)})"
                         for r in rows.itertuples())

    level = f"{CONFIDENCE:.0%}"
    if len(better) and not len(worse):
        head = (f"**{b} is better than {a}**: better on {len(better)} of {len(judged)} headline KPIs "
                f"and worse on none ({listing(better)}).")
    elif len(worse) and not len(better):
        head = (f"**{a} is better than {b}**: {b} is worse on {len(worse)} of {len(judged)} headline KPIs "
                f"and better on none ({listing(worse)}).")
    elif len(better):
        head = (f"**A trade-off**: {b} is better on {listing(better)}, but worse on {listing(worse)}.")
    else:
        head = (f"**No significant difference** between {a} and {b} on the {len(judged)} headline KPIs that have "
                f"a better direction, at {level} confidence with {reps} replications each; a real difference "
                "smaller than the intervals cannot be ruled out (more replications narrow them).")
    firm = judged[judged["verdict"].isin(["better", "worse"]) & (judged["p_value"] < 0.01)]
    sure = (f" How sure: every verdict above is a {level} paired confidence interval that excludes zero; "
            f"{len(firm)} of them hold at p < 0.01 as well."
            if len(better) or len(worse) else "")
    return head + sure


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _mean_ci(kpi: str, mean: float, low: float, high: float) -> str:
    if not math.isfinite(low):
        return format_value(kpi, mean)
    low_text, high_text = format_value(kpi, bounded(kpi, low)), format_value(kpi, bounded(kpi, high))
    return f"{format_value(kpi, mean)} [{low_text}, {high_text}]"


def _diff(kpi: str, mean: float, low: float, high: float) -> str:
    if not math.isfinite(low):
        return format_value(kpi, mean, signed=True)
    return (f"{format_value(kpi, mean, signed=True)} [{format_value(kpi, low, signed=True)}, "
            f"{format_value(kpi, high, signed=True)}]")


def headline_rows(diffs: pd.DataFrame, *, intervals: bool = True) -> list[tuple[str, ...]]:
    """Rows (KPI, A, B, B − A, p, verdict) of the headline KPIs, formatted for people.

    With ``intervals=False`` A and B are plain means (narrow enough for a terminal).
    """
    table = diffs.set_index("kpi")
    rows = []
    for kpi in headline_keys(table.index):
        r = table.loc[kpi]
        a = _mean_ci(kpi, r["a_mean"], r["a_low"], r["a_high"]) if intervals else format_value(kpi, r["a_mean"])
        b = _mean_ci(kpi, r["b_mean"], r["b_low"], r["b_high"]) if intervals else format_value(kpi, r["b_mean"])
        rows.append((r["label"], a, b, _diff(kpi, r["diff_mean"], r["diff_low"], r["diff_high"]), _p(r["p_value"]),
                     r["verdict"]))
    return rows


@dataclass
class Comparison:
    """The outcome of comparing B with A over paired replications."""

    a: BaseModel
    b: BaseModel
    files: tuple[str, str]
    base_seed: int
    seeds: list[int]
    runs: pd.DataFrame
    diffs: pd.DataFrame
    executor: str

    @property
    def names(self) -> tuple[str, str]:
        """Display names: the scenarios' names, made distinct if they are equal."""
        a, b = str(self.a.name), str(self.b.name)
        return (f"A ({a})", f"B ({b})") if a == b else (a, b)

    @property
    def headline(self) -> pd.DataFrame:
        """The headline rows of :attr:`diffs`, in display order."""
        keys = headline_keys(self.diffs["kpi"])
        return self.diffs.set_index("kpi").loc[keys].reset_index()

    def metadata(self) -> dict[str, object]:
        """What every output records about the comparison."""
        return {"a": {"file": self.files[0], "scenario": self.a.name, "scenario_hash": scenario_hash(self.a)},
                "b": {"file": self.files[1], "scenario": self.b.name, "scenario_hash": scenario_hash(self.b)},
                "model_code": code_fingerprint(), "base_seed": self.base_seed, "seeds": self.seeds,
                "replications": len(self.seeds), "common_random_numbers": True, "confidence": CONFIDENCE,
                "executor": self.executor, "twin_version": twin.__version__}


def comparison_specs(a: BaseModel, b: BaseModel, seeds: Sequence[int]) -> list[RunSpec]:
    """Replication ``i`` of A and of B, both with ``seeds[i]``."""
    return replication_specs(a, seeds, variant="A") + replication_specs(b, seeds, variant="B")


def report_markdown(c: Comparison) -> str:
    """The comparison report (Markdown) with the figure at ``figures/differences.png``."""
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
        "## How to read the verdicts", "",
        f"* **better** / **worse**: the {CONFIDENCE:.0%} interval of B − A excludes zero, on the good / bad side "
        "for that KPI. Lower is better for times, the queue and unserved incidents; higher is better for the "
        "share within target.",
        "* **no significant difference**: the interval contains zero. It is not proof that there is no "
        "difference: a difference smaller than the interval's half-width may exist.",
        "* **higher** / **lower**: a significant change of a KPI that is neither good nor bad in itself "
        "(utilisation: busier units cost less but respond later, which the times show).",
        f"* Each KPI is tested on its own: with {len(c.headline)} headline KPIs, one verdict in twenty at "
        "p close to 0.05 can be chance; p < 0.01 is firmer.", "",
        "## Files", "",
        "* `differences.csv` / `.parquet`: every KPI (also per incident type), as in the table above, unformatted.",
        "* `runs.csv` / `.parquet`: one row per run (variant, replication, seed, KPIs).",
        "* `summary.csv` / `.parquet`: mean and CI per variant and KPI; `comparison.json`: all of it with metadata.",
        "* `a.yaml`, `b.yaml`: the two scenarios as resolved.", "",
    ]
    return "\n".join(lines)


def write_comparison(c: Comparison, folder: Path) -> Path:
    """Write the comparison's tables, figure, scenarios and ``report.md`` into ``folder``."""
    meta = c.metadata()
    with atomic_folder(folder) as tmp:
        for name, scenario in (("a", c.a), ("b", c.b)):
            (tmp / f"{name}.yaml").write_text(scenario_yaml(scenario.model_dump(mode="json"),
                                                            f"variant {name.upper()} as resolved"))
        write_table(c.runs, tmp, "runs", meta)
        write_table(summarise(c.runs, ["variant"]), tmp, "summary", meta)
        write_table(c.diffs, tmp, "differences", meta)
        write_json({**meta, "verdict": overall(c.headline, c.names, len(c.seeds)),
                    "kpis": c.diffs.set_index("kpi").to_dict(orient="index")}, tmp / "comparison.json")
        difference_figure(c.headline, tmp / "figures" / "differences.png", c.names, len(c.seeds))
        (tmp / "report.md").write_text(report_markdown(c))
    return folder
