"""The run report: drawn from the run folder alone, identical when drawn again; KPI flattening and tables."""

from __future__ import annotations

import hashlib
import shutil
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import twin
from twin.cli import main
from twin.errors import TwinError
from twin.experiments import simulate
from twin.experiments.outputs import write_run
from twin.experiments.run import RunResult
from twin.present.format import flatten_kpis, format_duration
from twin.present.stored import StoredRun
from twin.report import build_report
from twin.scenario import Scenario, load_scenario
from twin.systems.response import ResponseSystem
from twin.systems.response.figures import response_curves, response_time_distribution
from twin.systems.response.report import HEADLINE_COLUMNS, console_table, headline_rows, type_rows

FIGURES = ("response_times", "incident_map", "coverage", "utilisation")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Six hours of Helsinki (one of warm-up) with a busy call rate, so every priority occurs.
BUSY = """\
city: helsinki
run: {start: "2026-11-02T08:00:00", duration: 6h, warmup: 1h, seed: 3}
response: {arrivals: {per_day: 300}}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    path = tmp_path_factory.mktemp("scenario") / "helsinki-test.yaml"
    path.write_text(BUSY)
    return simulate(load_scenario(path))


@pytest.fixture(scope="module")
def report(run: RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(run, tmp_path_factory.mktemp("out") / "run") / "report.md"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels, from the PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_build_report_writes_report_and_figures(report: Path) -> None:
    assert report.name == "report.md" and report.is_file()
    for name in FIGURES:
        png = report.parent / "figures" / f"{name}.png"
        assert png.is_file()
        assert png.stat().st_size > 20_000, f"{png.name} looks empty"
        width, height = png_size(png)
        assert 600 <= width <= 2500 and 400 <= height <= 2500, (png.name, width, height)
    # Temporary files are renamed into place, none left behind.
    assert not list(report.parent.rglob("*.tmp"))


def test_report_links_every_figure_and_holds_the_tables(report: Path, run: RunResult) -> None:
    text = report.read_text(encoding="utf-8")
    for name in FIGURES:
        assert f"](figures/{name}.png)" in text
    assert "| " + " | ".join(HEADLINE_COLUMNS) + " |" in text
    for label in ("Priority 1 response", "All incidents response", "Utilisation, ambulance", "Unserved incidents"):
        assert label in text
    assert "### By incident type" in text and "medical p1" in text
    assert "**Seed:** 3" in text and f"**Project version:** {twin.__version__}" in text
    assert "**Duration:** 6 h" in text and "helsinki" in text
    assert "© OpenStreetMap contributors (ODbL 1.0)" in text
    assert "```yaml\n# resolved scenario" in text
    assert "<img" not in text and "<table" not in text  # Markdown, not HTML


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_report_command_draws_the_same_report_from_the_folder_alone(report: Path, tmp_path: Path) -> None:
    copy = tmp_path / "moved"
    shutil.copytree(report.parent, copy)
    before = _digests(copy)
    shutil.rmtree(copy / "figures")
    (copy / "report.md").unlink()
    assert main(["report", str(copy)]) == 0
    assert _digests(copy) == before  # the report and every figure, byte for byte


def test_report_of_something_else_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TwinError, match="not a run folder"):
        build_report(tmp_path)
    assert main(["report", str(tmp_path / "nowhere")]) == 2


def test_the_stored_run_holds_what_the_sections_need(report: Path, run: RunResult) -> None:
    stored = StoredRun.read(report.parent)
    assert stored.seed == 3 and stored.warmup_s == 3600 and stored.start.hour == 8
    assert flatten_kpis(stored.all_kpis) == pytest.approx(flatten_kpis(run.kpis))
    response = stored.of(ResponseSystem)
    assert response.config == run.scenario.response
    stations = response.table("stations")
    system = next(s for s, _ in run.model.systems if isinstance(s, ResponseSystem))
    assert stations["units"].sum() == len(system.units)
    assert set(stations["node"]) == {int(n) for n in system.station_nodes}
    assert len(response.table("hospitals")) == len(system.hospitals)


def test_flatten_kpis_has_dotted_keys_without_none(run: RunResult) -> None:
    flat = flatten_kpis(run.kpis)
    for key in ("response.by_priority.p1.response_s.p90", "response.all.within_target",
                "response.all.incidents", "response.utilisation.police", "response.queue.max",
                "response.unserved", "response.by_type.medical_p1.travel_s.mean"):
        assert key in flat
    assert all(isinstance(v, float) for v in flat.values())
    assert flat["response.all.incidents"] == run.kpis["response"]["all"]["incidents"]


def test_flatten_kpis_skips_none_and_nan() -> None:
    flat = flatten_kpis({"a": {"b": None, "c": np.int64(3), "d": {"e": 1.5, "f": float("nan")}, "g": True},
                         "h": "text"})
    assert flat == {"a.c": 3.0, "a.d.e": 1.5, "a.g": 1.0}


def test_headline_rows(run: RunResult) -> None:
    kpis = run.kpis["response"]
    rows = headline_rows(kpis)
    assert all(len(row) == 5 and all(isinstance(cell, str) for cell in row) for row in rows)
    labels = [row[0] for row in rows]
    assert labels[:4] == ["Priority 1 response", "Priority 2 response", "Priority 3 response",
                          "All incidents response"]
    assert {f"Utilisation, {t}" for t in ("police", "ambulance", "fire")} <= set(labels)
    everyone = rows[3]
    assert everyone[1] == str(kpis["all"]["incidents"])
    assert everyone[2] == format_duration(kpis["all"]["response_s"]["mean"])
    assert everyone[4].endswith(" %")
    assert headline_rows({}) == []
    assert len(type_rows(kpis)) == len(kpis["by_type"])


def test_format_duration() -> None:
    assert format_duration(245.4) == "4:05"
    assert format_duration(59.6) == "1:00"
    assert format_duration(None) == "–"
    assert format_duration(float("nan")) == "–"


def test_console_table(run: RunResult) -> None:
    table = console_table(run.kpis["response"])
    labels = [row[0] for row in table.rows]
    assert "Priority 1 response" in labels and "Utilisation, fire" in labels
    assert table.columns[-1] == "Within target" and console_table({}) is None


def test_the_numbers_behind_the_response_curves() -> None:
    """Worked by hand: P1 reached at 5 and 10 min, one never; P2 at 1 min 40 s, with its own target."""
    incidents = pd.DataFrame({"priority": [1, 1, 1, 2], "response": [600.0, 300.0, np.nan, 100.0],
                              "target_s": [480.0, 480.0, 480.0, 60.0]})
    curves = response_curves(incidents, {1: 480.0, 2: 900.0})
    p1, p2 = curves[1], curves[2]
    np.testing.assert_array_equal(p1.minutes, [0.0, 5.0, 10.0])
    np.testing.assert_array_equal(p1.share, [0.0, 1 / 3, 2 / 3])  # levels off at 2/3: one never reached
    assert (p1.incidents, p1.unreached, p1.within) == (3, 1, pytest.approx(1 / 3))
    assert p2.within == 0.0  # the incident's own 60 s target, not the priority's 900 s


def test_response_curve_counts_unreached_incidents(tmp_path: Path) -> None:
    incidents = pd.DataFrame({"priority": [1, 1, 1, 2], "response": [300.0, 600.0, np.nan, 100.0]})
    out = response_time_distribution(incidents, {1: 480.0, 2: 900.0}, tmp_path / "curve.png")
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_report_of_a_synthetic_city_without_systems_has_no_osm_attribution(tmp_path: Path) -> None:
    # A scenario file must configure a system; the Python API may still run the bare city.
    grid = Scenario.model_validate({"name": "grid", "city": "synthetic:nodes=400", "run": {"duration": 7200, "seed": 7}})
    out = write_run(simulate(grid), tmp_path / "run") / "report.md"
    text = out.read_text(encoding="utf-8")
    assert "OpenStreetMap" not in text
    assert "**City:** synthetic" in text and "**Duration:** 2 h" in text and "**Seed:** 7" in text
    assert not (tmp_path / "run" / "figures").exists()


def test_the_summary_opens_the_report_with_what_a_planner_quotes(report: Path, run: RunResult) -> None:
    text = report.read_text(encoding="utf-8")
    kpis = run.kpis["response"]
    summary = text[text.index("## Summary"):text.index("## Emergency response")]
    assert text.index("## Summary") < text.index("## Emergency response") < text.index("## Appendix")
    # Compliance per priority, each with its target's source; what the KPI measures.
    for group in kpis["by_priority"].values():
        within = round(group["within_target"] * group["incidents"])
        assert f"({within} of {group['incidents']} incidents;" in summary
    assert "NFPA 1710 (2020)" in summary and "call received → first unit on scene" in summary
    assert "planning assumption" in summary  # priorities 2 and 3 have no standard behind them
    # The stages' "All" row ends with the mean response of the reached incidents, as the KPIs have it.
    all_row = next(line for line in summary.splitlines() if line.startswith("| All |"))
    assert all_row.endswith(f"| {format_duration(kpis['all']['response_s']['mean'])} |")
    # Calls answered within 15 s, counted here from the log.
    events = run.events
    calls = events[events["kind"] == "CallReceived"].set_index("incident")["time"]
    answers = events[events["kind"] == "CallAnswered"].set_index("incident")["time"]
    measured = calls[calls >= 3600]
    within = int(((answers.reindex(measured.index) - measured) <= 15).sum())
    assert f"of {len(measured)} calls answered within 15 s ({within};" in summary and "NFPA 1221" in summary
    # The worst incidents come with why; auto-placed stations are said as such; one run is one draw.
    assert "**The worst" in summary and ("busy" in summary or "travel took" in summary)
    assert "The twin placed" in summary and "`stations: auto`" in summary
    assert "--reps" in summary
