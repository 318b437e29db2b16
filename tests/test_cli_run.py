"""``python run.py run``: outputs of a real run, and nothing written on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from twin.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_run_writes_every_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["run", str(ROOT / "scenarios" / "baseline.yaml"), "--seed", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Priority 1 response" in printed and str(out / "report.md") in printed
    for name in ("scenario.yaml", "events.parquet", "timeseries.parquet", "kpis.json", "report.md",
                 "figures/response_times.png", "figures/incident_map.png", "figures/utilisation.png"):
        assert (out / name).stat().st_size > 0, name
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["seed"] == 5 and kpis["kpis"]["response"]["all"]["incidents"] > 20
    events = pq.read_table(out / "events.parquet")
    assert events.schema.metadata[b"seed"] == b"5"
    assert "seed: 5" in (out / "scenario.yaml").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary folder left"


def test_bad_scenario_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}\nresponse:\n  units:\n"
                   "    ambulance: {count: 2, stations: [{lon: 30.5, lat: 61.0}]}\n")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), "run", str(bad), "--out", str(out)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "off the network" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() and not (tmp_path / "outputs").exists()
