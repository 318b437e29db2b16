"""``run --reps``, ``compare`` and ``sweep`` end to end on a small generated city."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.experiments.conftest import write_scenario
from twin.cli import main
from twin.experiments.seeds import replication_seeds
from twin.present.format import format_duration


def test_replications_record_distinct_seeds_and_write_every_table(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(tmp_path, "small")
    out = tmp_path / "reps"
    assert main(["run", str(path), "--reps", "3", "--seed", "11", "--processes", "2", "--out", str(out),
                 "--store", str(tmp_path / "store")]) == 0
    printed = capsys.readouterr().out
    assert "95% CI" in printed and "P1 response, mean" in printed
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs["seed"]) == replication_seeds(11, 3)
    assert runs["seed"].nunique() == 3 and list(runs["replication"]) == [0, 1, 2]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"] == replication_seeds(11, 3) and summary["base_seed"] == 11
    row = summary["kpis"]["response.all.response_s.mean"]
    assert row["n"] == 3 and row["ci_low"] < row["mean"] < row["ci_high"]
    assert row["mean"] == pytest.approx(runs["response.all.response_s.mean"].mean())
    assert pq.read_table(out / "summary.parquet").schema.metadata[b"base_seed"] == b"11"
    for name in ("runs.parquet", "summary.csv", "scenario.yaml"):
        assert (out / name).stat().st_size > 0
    assert len(list((tmp_path / "store").glob("*/seed-*.json"))) == 3
    # A report of the replications: the headline KPIs with their intervals, as Markdown and as HTML.
    report = (out / "report.md").read_text()
    assert "| KPI | Mean | 95% CI | Lowest – highest run | n |" in report
    assert f"| All response, mean | {format_duration(row['mean'])} |" in report
    assert "<h1>Replications: small</h1>" in (out / "report.html").read_text()


def test_compare_identical_scenarios_gives_zero_differences(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_scenario(tmp_path, "same_a")
    b = write_scenario(tmp_path, "same_b")
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--reps", "3", "--processes", "2", "--out", str(out),
                 "--no-store"]) == 0
    diffs = pd.read_csv(out / "differences.csv")
    assert (diffs["diff_mean"] == 0).all()
    paired = diffs.dropna(subset=["diff_low"])  # a KPI seen in one replication only has no interval
    assert len(paired) > 100 and (paired["diff_low"] == 0).all() and (paired["diff_high"] == 0).all()
    assert set(diffs["verdict"]) == {"no significant difference"}
    report = (out / "report.md").read_text()
    assert "**No significant difference**" in report and "figures/differences.png" in report
    assert "## Crime by hour" not in report and "## Street-lighting" not in report  # no crime, no lighting
    assert not (out / "crime_by_hour.csv").exists()
    assert (out / "figures" / "differences.png").stat().st_size > 0
    assert 'src="data:image/png;base64,' in (out / "report.html").read_text()  # the figure, embedded
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs[runs["variant"] == "A"]["seed"]) == list(runs[runs["variant"] == "B"]["seed"])
    assert "No significant difference" in capsys.readouterr().out


def test_compare_uses_common_random_numbers_and_judges_by_direction(tmp_path: Path) -> None:
    a = write_scenario(tmp_path, "two_ambulances", response__units__ambulance={"count": 2})
    b = write_scenario(tmp_path, "six_ambulances", response__units__ambulance={"count": 6})
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--reps", "4", "--processes", "2", "--out", str(out),
                 "--no-store"]) == 0
    runs = pd.read_csv(out / "runs.csv").set_index(["variant", "replication"])
    # Same seed for replication i of A and B: the very same incidents, whatever the fleet.
    assert (runs.loc["A"]["response.all.incidents"] == runs.loc["B"]["response.all.incidents"]).all()
    diffs = pd.read_csv(out / "differences.csv").set_index("kpi")
    utilisation = diffs.loc["response.utilisation.ambulance"]
    assert utilisation["verdict"] == "lower" and utilisation["diff_high"] < 0  # neutral KPI: no better/worse
    assert diffs.loc["response.utilisation.police", "verdict"] == "no significant difference"
    for _, row in diffs.iterrows():
        if row["verdict"] == "better":
            assert (row["diff_high"] < 0) == (row["direction"] == "lower")
    result = json.loads((out / "comparison.json").read_text())
    assert result["common_random_numbers"] and result["replications"] == 4


def test_sweep_runs_the_grid_and_writes_tables_and_plots(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "small")
    out = tmp_path / "sweep"
    assert main(["sweep", str(path), "--set", "response.units.ambulance.count=2,4",
                 "--set", "response.call_handling.dispatchers=1,2", "--reps", "2", "--processes", "2",
                 "--out", str(out), "--no-store"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 8
    assert sorted(set(zip(runs["response.units.ambulance.count"], runs["response.call_handling.dispatchers"]))) \
        == [(2, 1), (2, 2), (4, 1), (4, 2)]
    seeds = runs.groupby(["response.units.ambulance.count", "response.call_handling.dispatchers"])["seed"]
    assert seeds.apply(lambda s: tuple(sorted(s))).nunique() == 1  # every combination ran the same seeds
    aggregated = pd.read_csv(out / "aggregated.csv")
    rows = aggregated[aggregated["kpi"] == "response.utilisation.ambulance"]
    assert len(rows) == 4 and (rows["n"] == 2).all()
    assert {"mean", "ci_low", "ci_high"} <= set(aggregated.columns)
    for name in ("response_units_ambulance_count.png", "response_call_handling_dispatchers.png"):
        assert (out / "figures" / name).stat().st_size > 0
    assert json.loads((out / "sweep.json").read_text())["combinations"] == 4
    page = (out / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 2 and 'src="http' not in page
