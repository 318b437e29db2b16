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
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

import twin
from twin.experiments import breakdowns
from twin.experiments.breakdowns import HOURS, PER_HOUR, hour_coverage, night_hours
from twin.experiments.figures import difference_figure, hourly_figure
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

BY_POLICY = "lighting.energy_by_policy_kwh."

#: Lighting KPIs of the report's energy table, in display order.
LIGHTING_KEYS = ("lighting.kwh_per_night", "lighting.cost_per_night", "lighting.energy_kwh", "lighting.cost",
                 "lighting.mean_level_night", "lighting.dark_hours")


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
        with warnings.catch_warnings():
            # B − A the same in every pair but for rounding (a deterministic energy): scipy warns, p is ~0 anyway.
            warnings.filterwarnings("ignore", "Precision loss occurred", RuntimeWarning)
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
        return "; ".join(f"{r.label} {format_value(r.kpi, r.diff_mean, signed=True)} (p {_p(r.p_value, equals=True)})"
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


def _p(p: float, *, equals: bool = False) -> str:
    """``p`` for a table (``"0.012"``, ``"< 0.001"``), or with ``equals`` for a sentence (``"= 0.012"``)."""
    if not math.isfinite(p):
        return "= –" if equals else "–"
    if p < 0.001:
        return "< 0.001"
    return f"= {p:.3f}" if equals else f"{p:.3f}"


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


def _relative(value: float) -> str:
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
        a = _mean_ci(kpi, r["a_mean"], r["a_low"], r["a_high"]) if intervals else format_value(kpi, r["a_mean"])
        b = _mean_ci(kpi, r["b_mean"], r["b_low"], r["b_high"]) if intervals else format_value(kpi, r["b_mean"])
        change = (_relative(r["relative"]),) if relative else ()
        rows.append((r["label"], a, b, _diff(kpi, r["diff_mean"], r["diff_low"], r["diff_high"]), *change,
                     _p(r["p_value"]), r["verdict"]))
    return rows


def headline_rows(diffs: pd.DataFrame, *, intervals: bool = True) -> list[tuple[str, ...]]:
    """Rows (KPI, A, B, B − A, p, verdict) of the headline KPIs, formatted for people.

    With ``intervals=False`` A and B are plain means (narrow enough for a terminal).
    """
    return kpi_rows(diffs, headline_keys(diffs["kpi"]), intervals=intervals)


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

    def __post_init__(self) -> None:
        # Costs are in the lighting section's currency: say which in their labels.
        if self.currency:
            self.diffs = self.diffs.assign(label=[label(k, self.currency) for k in self.diffs["kpi"]])

    @property
    def currency(self) -> str | None:
        """The currency of the lighting costs, if both scenarios have lighting and agree on it."""
        currencies = {getattr(getattr(s, "lighting", None), "currency", None) for s in (self.a, self.b)}
        return currencies.pop() if len(currencies) == 1 else None

    @property
    def scenarios(self) -> dict[str, BaseModel]:
        """``{"A": a, "B": b}``."""
        return {"A": self.a, "B": self.b}

    @cached_property
    def crime_by_hour(self) -> pd.DataFrame | None:
        """Rows of :func:`differences` for crimes per hour of each clock hour (``hour`` 0–23), or None
        unless both scenarios report crime by hour."""
        rates = breakdowns.crime_per_hour(self.runs, self.scenarios)
        if rates is None:
            return None
        return differences(rates, [PER_HOUR + h for h in HOURS]).assign(hour=range(24))

    @cached_property
    def crime_day_night(self) -> pd.DataFrame | None:
        """Rows of :func:`differences` for night, night outdoor, day and all crimes, or None without crime."""
        counts = breakdowns.crime_day_night(self.runs)
        return None if counts is None else differences(counts, [c for c in counts if c.startswith("crime.")])

    @property
    def lighting_keys(self) -> list[str]:
        """The lighting energy KPIs both variants have (energy per policy: either), in display order."""
        have = self.diffs.set_index("kpi")
        both = have[have["a_mean"].notna() & have["b_mean"].notna()].index
        either = have[have["a_mean"].notna() | have["b_mean"].notna()].index
        if "lighting.kwh_per_night" not in both:
            return []
        keys = [k for k in LIGHTING_KEYS if k in both]
        return keys + sorted(k for k in either if k.startswith(BY_POLICY))

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
        *_crime_section(c), *_lighting_section(c),
        "## How to read the verdicts", "",
        f"* **better** / **worse**: the {CONFIDENCE:.0%} interval of B − A excludes zero, on the good / bad side "
        "for that KPI. Lower is better for times, the queue, unserved incidents, crimes, collisions, signal and "
        "cross-traffic delay, lighting energy and cost; higher is better for the share within target and the "
        "mean speed of traffic.",
        "* **no significant difference**: the interval contains zero. It is not proof that there is no "
        "difference: a difference smaller than the interval's half-width may exist.",
        "* **higher** / **lower**: a significant change of a KPI that is neither good nor bad in itself "
        "(utilisation: busier units cost less but respond later, which the times show; numbers of lights, "
        "signals, people and trips; the light level).",
        f"* Each KPI is tested on its own: with {len(c.headline)} headline KPIs, one verdict in twenty at "
        "p close to 0.05 can be chance; p < 0.01 is firmer.", "",
        "## Files", "",
        "* `differences.csv` / `.parquet`: every KPI (also per incident type), as in the table above, unformatted.",
        "* `runs.csv` / `.parquet`: one row per run (variant, replication, seed, KPIs).",
        "* `summary.csv` / `.parquet`: mean and CI per variant and KPI; `comparison.json`: all of it with metadata.",
        *(["* `crime_by_hour.csv` / `.parquet`: crimes per hour of each clock hour, A, B and B − A, as in the "
           "crime figure."] if c.crime_by_hour is not None else []),
        "* `a.yaml`, `b.yaml`: the two scenarios as resolved.", "",
    ]
    return "\n".join(lines)


def _clock(h: int) -> str:
    return f"{h % 24:02d}:00"


def _window(scenario: BaseModel) -> str:
    """The measured window of ``scenario``, e.g. ``"2026-11-02 01:00 to 2026-11-03 00:00 (23 h)"``."""
    run = scenario.run
    begin, end = run.start + timedelta(seconds=run.warmup), run.start + timedelta(seconds=run.duration)
    return f"{begin:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({(run.duration - run.warmup) / 3600:g} h)"


def _crime_section(c: Comparison) -> list[str]:
    """Report lines on crime by hour of day and at night, or none unless both scenarios have crime by hour."""
    if c.crime_by_hour is None or c.crime_day_night is None:
        return []
    a, b = c.names
    reps = len(c.seeds)
    night = night_hours(c.a)
    night_text = (f"{_clock(c.a.crime.night_from_h)}–{_clock(c.a.crime.night_until_h)}"
                  if night else "no night hours")
    cover = {v: hour_coverage(s) for v, s in c.scenarios.items()}
    day = [h for h in range(24) if h not in night]
    measured = {"crime.night.crimes": night, "crime.night.outdoor": night, "crime.day.crimes": day,
                "crime.crimes": list(range(24))}
    names = {"crime.night.crimes": f"Night crimes ({night_text})",
             "crime.night.outdoor": f"Night outdoor crimes ({night_text})",
             "crime.day.crimes": "Day crimes (the other hours)", "crime.crimes": "All crimes"}
    rows = []
    for row, (kpi, hours) in zip(kpi_rows(c.crime_day_night, list(measured), relative=True), measured.items()):
        a_hours, b_hours = (float(cover[v][hours].sum()) for v in VARIANTS)
        if a_hours or b_hours:  # a window all at night has no day to show
            measured_text = f"{a_hours:g} h" if a_hours == b_hours else f"A {a_hours:g} h, B {b_hours:g} h"
            rows.append((names[kpi], measured_text, *row[1:]))
    same_window = _window(c.a) == _window(c.b)
    windows = (f"the measured window, {_window(c.a)}" if same_window
               else f"the measured windows, A {_window(c.a)}, B {_window(c.b)}")
    return [
        "## Crime by hour of day", "",
        "![Crimes per hour of the day, A and B, and B − A](figures/crime_by_hour.png)", "",
        f"*Crimes per hour in each hour of the clock. Top: the mean of the {reps} replications of A and of B, "
        f"with {CONFIDENCE:.0%} confidence intervals. Bottom: the paired difference B − A and its interval "
        "(green: fewer crimes in B, red: more, grey: no significant difference). Shaded: night "
        f"({night_text}). Each hour's count is divided by the hours of {windows} in that hour of the clock; "
        "hours outside it (the warm-up) are left out. Each hour is tested on its own: among 24 hours, one "
        "at p close to 0.05 can be chance.*", "",
        markdown_table(("", "hours measured", f"A: {a}", f"B: {b}", "B − A", "change", "p", "verdict on B"), rows),
        "",
        f"Crimes in the measured window, mean [{CONFIDENCE:.0%} CI] over the replications; B − A is the mean "
        "paired difference with its interval, the change is B − A over A's mean. Street light acts on night-time "
        "*outdoor* crime. The hourly means, intervals and differences are in `crime_by_hour.csv`.", "",
    ]


def _lighting_section(c: Comparison) -> list[str]:
    """Report lines on street-lighting energy and cost per night, or none unless both scenarios have lighting."""
    keys = c.lighting_keys
    if not keys:
        return []
    a, b = c.names
    by_policy = [k for k in keys if k.startswith(BY_POLICY)]
    policies = ("Policy", *(str(s.lighting.policy.name) for s in (c.a, c.b)), "", "", "", "")
    rows = [policies, *kpi_rows(c.diffs, [k for k in keys if k not in by_policy], relative=True)]
    currency = c.currency or "the scenarios' currencies"
    prices = " and ".join(sorted({f"{s.lighting.price_per_kwh:g} {s.lighting.currency}/kWh" for s in (c.a, c.b)}))
    window = min(s.run.duration - s.run.warmup for s in (c.a, c.b)) / 3600
    short = (f" The window is shorter than a day ({window:g} h), so the energy per night is extrapolated from it: "
             "a window that is mostly dark overstates the energy of a whole night, one mostly in daylight "
             "understates it. Compare A with B, not with runs over other hours." if window < 24 - 1e-9 else "")
    lines = [
        "## Street-lighting energy", "",
        markdown_table(("", f"A: {a}", f"B: {b}", "B − A", "change", "p", "verdict on B"), rows), "",
        f"Means [{CONFIDENCE:.0%} CI] over {len(c.seeds)} replications; B − A paired, replication by "
        f"replication. Energy per night is the energy of the measured window scaled to 24 h; energy and cost "
        f"are over the window; costs in {currency} at {prices}.{short} The policies' parameters are "
        "in `a.yaml` and `b.yaml`.", "",
    ]
    if by_policy:
        table = c.diffs.set_index("kpi")
        rows = [(k[len(BY_POLICY):], *(_mean_ci(k, *table.loc[k, [f"{v}_mean", f"{v}_low", f"{v}_high"]])
                                       for v in ("a", "b"))) for k in by_policy]
        lines += [
            "Energy per night (kWh) the same nights would have taken under each policy, as the lighting system "
            "estimates it on the same inputs: the built-in policies with their default parameters, the run's own "
            "policy with its own. This is a what-if within each run, not an effect measured between A and B.", "",
            markdown_table(("policy", f"in A: {a}", f"in B: {b}"), rows), "",
        ]
    return lines


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
        difference_figure(c.headline, tmp / "figures" / "differences.png", c.names, len(c.seeds),
                          currency=c.currency)
        if c.crime_by_hour is not None:
            write_table(c.crime_by_hour, tmp, "crime_by_hour", meta)
            hourly_figure(c.crime_by_hour, tmp / "figures" / "crime_by_hour.png", c.names, len(c.seeds),
                          night=night_hours(c.a), quantity="crimes per hour")
        (tmp / "report.md").write_text(report_markdown(c))
    return folder
