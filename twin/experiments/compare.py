"""Compare two scenarios with common random numbers: paired differences and verdicts.

Replication ``i`` of A and replication ``i`` of B run with the same seed, so
they see the same incidents at the same places and times; the difference B − A
of replication ``i`` is mostly the effect of the change, not luck. Per KPI:
the mean paired difference, its 95 % Student t interval, the paired t-test's
p-value, and a verdict on B — better, worse, or no significant difference —
read with the KPI's direction (:mod:`twin.present.kpis`). The report of a
comparison is drawn by :mod:`twin.report.comparison`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from pydantic import BaseModel

import twin
from twin.experiments.identity import code_fingerprint, scenario_hash
from twin.experiments.replicate import replication_specs
from twin.experiments.runner import RunSpec
from twin.experiments.stats import CONFIDENCE, mean_ci, paired_difference
from twin.experiments.tables import kpi_columns
from twin.present.kpis import direction, headline_keys, label
from twin.sim.system import available

VARIANTS = ("A", "B")


def differences(runs: pd.DataFrame, kpis: Sequence[str] | None = None,
                context: dict[str, str] | None = None) -> pd.DataFrame:
    """Per KPI: A's and B's means with CIs, the paired difference B − A, p-value and verdict.

    Parameters
    ----------
    runs : DataFrame
        Runs of both variants, with ``variant`` ("A" / "B") and ``replication`` columns.
    kpis : sequence of str, optional
        KPI columns to compare (default: every KPI column).
    context : dict, optional
        Words the labels name (:func:`label_context`).

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
        rows.append({"kpi": kpi, "label": label(kpi, context), "direction": direction(kpi), "n": d.n,
                     "a_mean": ca.mean, "a_low": ca.low, "a_high": ca.high,
                     "b_mean": cb.mean, "b_low": cb.low, "b_high": cb.high,
                     "diff_mean": d.mean, "diff_low": d.low, "diff_high": d.high, "relative": relative,
                     "p_value": paired.p_value, "verdict": paired.verdict})
    return pd.DataFrame(rows)


def label_context(a: BaseModel, b: BaseModel) -> dict[str, str]:
    """Words for KPI labels (a currency) on which every system installed in both variants agrees."""
    context: dict[str, str] = {}
    for section, system in available().items():
        configs = [getattr(s, section, None) for s in (a, b)]
        if None in configs:
            continue
        words_a, words_b = (system.label_context(c) for c in configs)
        context.update({k: v for k, v in words_a.items() if words_b.get(k) == v})
    return context


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

    @classmethod
    def of(cls, a: BaseModel, b: BaseModel, files: tuple[str, str], base_seed: int, seeds: list[int],
           runs: pd.DataFrame, executor: str) -> Comparison:
        """The comparison of the finished ``runs`` (both variants), their differences computed."""
        return cls(a, b, files, base_seed, seeds, runs, differences(runs, context=label_context(a, b)), executor)

    @property
    def scenarios(self) -> dict[str, BaseModel]:
        """``{"A": a, "B": b}``."""
        return {"A": self.a, "B": self.b}

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
