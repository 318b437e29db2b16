"""A replication of a ``--reps`` run is reported in full by running it again with its recorded seed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from twin.cli import main
from twin.present.format import flatten_kpis

ROOT = Path(__file__).resolve().parents[2]


def test_report_of_a_replication_runs_it_again_with_its_seed(tmp_path: Path) -> None:
    scenario = tmp_path / "short.yaml"
    scenario.write_text(f"extends: {ROOT / 'scenarios' / 'response_only.yaml'}\nrun: {{duration: 6h, warmup: 1h}}\n")
    reps = tmp_path / "reps"
    assert main(["run", str(scenario), "--reps", "2", "--processes", "1", "--no-store", "--out", str(reps)]) == 0
    assert main(["report", str(reps)]) == 2  # KPIs only: it says to pick a replication
    assert main(["report", str(reps), "--replication", "5"]) == 2
    assert main(["report", str(reps), "--replication", "1"]) == 0

    stored = pd.read_parquet(reps / "runs.parquet").set_index("replication").loc[1]
    run = reps / "replication-1"
    record = json.loads((run / "kpis.json").read_text())
    assert record["seed"] == stored["seed"]
    again = flatten_kpis(record["kpis"])
    assert again["response.all.incidents"] == stored["response.all.incidents"]
    assert again["response.all.response_s.mean"] == stored["response.all.response_s.mean"]
    assert f"**Seed:** {stored['seed']}" in (run / "report.md").read_text()
