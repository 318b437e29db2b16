"""``regress``: record expectations, pass on an unchanged model, fail with a table when a KPI moved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.experiments.conftest import ROOT, write_scenario
from twin.cli import main
from twin.experiments.regress import Check, read_expected


def test_record_then_check_then_catch_a_moved_kpi(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_scenario(tmp_path, "tiny")
    (tmp_path / "tiny.expected.json").write_text(json.dumps({"reps": 3, "seed": 4, "kpis": {}}))
    assert main(["regress", "--record", "--dir", str(tmp_path), "--processes", "2"]) == 0
    expected = read_expected(tmp_path / "tiny.yaml")
    assert expected["reps"] == 3 and expected["seed"] == 4  # kept from the file
    kpis = expected["kpis"]
    assert kpis["response.all.incidents"]["check"] == "exact"
    assert kpis["response.all.response_s.mean"]["check"] == "ci"
    capsys.readouterr()

    assert main(["regress", "--dir", str(tmp_path), "--processes", "2"]) == 0
    assert "all scenarios as expected" in capsys.readouterr().out

    kpis["response.all.response_s.mean"]["value"] += 600  # as if response times had moved by 10 minutes
    kpis["response.all.incidents"]["value"] += 1
    (tmp_path / "tiny.expected.json").write_text(json.dumps(expected))
    assert main(["regress", "--dir", str(tmp_path), "--processes", "2"]) == 1
    printed = " ".join(capsys.readouterr().out.split())
    assert "KPIs that moved" in printed and "response.all.response_s.mean" in printed
    assert "response.all.incidents" in printed and "regress --record" in printed


def test_missing_expectations_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_scenario(tmp_path, "new")
    assert main(["regress", "--dir", str(tmp_path)]) == 2
    assert "new.expected.json: no expectations yet" in capsys.readouterr().err


def test_tolerance_rules() -> None:
    assert Check("s", "k", "ci", 100.0, 104.0, 3.0, 1.0).ok
    assert not Check("s", "k", "ci", 100.0, 104.5, 3.0, 1.0).ok
    assert Check("s", "k", "exact", 27.4, 27.4, 0.5, 0.0).ok
    assert not Check("s", "k", "exact", 27.4, 27.5, 0.5, 0.0).ok
    assert not Check("s", "k", "ci", 100.0, float("nan"), 3.0, 1.0).ok


def test_the_ci_regression_set_has_expectations() -> None:
    folder = ROOT / "scenarios" / "regression"
    scenarios = sorted(folder.glob("*.yaml"))
    assert len(scenarios) >= 2
    for scenario in scenarios:
        assert read_expected(scenario)["kpis"]
