"""The run report: KPI flattening and tables, figures, and report.md from a short Helsinki run."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

import twin
from twin.city import load
from twin.report import build_report, flatten_kpis, headline_rows, print_kpi_table, write_report
from twin.report.figures import response_time_distribution
from twin.report.kpi_table import HEADLINE_COLUMNS, format_duration, type_rows
from twin.sim import CityModel
from twin.systems.response import ResponseSystem
from twin.systems.response.config import ResponseConfig

FIGURES = ("response_times", "incident_map", "utilisation")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Run:
    model: CityModel
    events: pd.DataFrame
    timeseries: pd.DataFrame
    kpis: dict[str, Any]


@pytest.fixture(scope="module")
def run(city_cache: Path) -> Run:
    """Six hours of Helsinki (one of warm-up) with a busy call rate, so every priority occurs."""
    city = load("helsinki")
    model = CityModel(city, start=datetime(2026, 11, 2, 8), seed=3, duration_s=6 * 3600, warmup_s=3600)
    system, config = ResponseSystem(), ResponseConfig(arrivals={"per_day": 300})
    model.install(system, config)
    model.run()
    events = model.bus.log.frame()
    return Run(model, events, model.timeseries(), {"response": system.kpis(events, config, model)})


@pytest.fixture(scope="module")
def report(run: Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    return build_report(folder, run.model, run.kpis, run.events, run.timeseries, "helsinki-test",
                        "city: helsinki\nrun: {duration: 6h, warmup: 1h, seed: 3}\n")


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
        assert 600 <= width <= 2500 and 400 <= height <= 2500
    # Temporary files are renamed into place, none left behind.
    assert not list(report.parent.rglob("*.tmp"))


def test_report_links_every_figure_and_holds_the_tables(report: Path, run: Run) -> None:
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
    assert "```yaml\ncity: helsinki" in text
    assert "<img" not in text and "<table" not in text  # Markdown, not HTML


def test_flatten_kpis_has_dotted_keys_without_none(run: Run) -> None:
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


def test_headline_rows(run: Run) -> None:
    rows = headline_rows(run.kpis)
    assert all(len(row) == 5 and all(isinstance(cell, str) for cell in row) for row in rows)
    labels = [row[0] for row in rows]
    assert labels[:4] == ["Priority 1 response", "Priority 2 response", "Priority 3 response",
                          "All incidents response"]
    assert {f"Utilisation, {t}" for t in ("police", "ambulance", "fire")} <= set(labels)
    everyone = rows[3]
    assert everyone[1] == str(run.kpis["response"]["all"]["incidents"])
    assert everyone[2] == format_duration(run.kpis["response"]["all"]["response_s"]["mean"])
    assert everyone[4].endswith(" %")
    assert headline_rows({}) == []
    assert len(type_rows(run.kpis)) == len(run.kpis["response"]["by_type"])


def test_format_duration() -> None:
    assert format_duration(245.4) == "4:05"
    assert format_duration(59.6) == "1:00"
    assert format_duration(None) == "–"
    assert format_duration(float("nan")) == "–"


def test_print_kpi_table(run: Run) -> None:
    console = Console(record=True, width=120)
    print_kpi_table(run.kpis, console)
    text = console.export_text()
    assert "Priority 1 response" in text and "Within target" in text and "Utilisation, fire" in text


def test_response_curve_counts_unreached_incidents(tmp_path: Path) -> None:
    incidents = pd.DataFrame({"priority": [1, 1, 1, 2], "response": [300.0, 600.0, np.nan, 100.0]})
    out = response_time_distribution(incidents, {1: 480.0, 2: 900.0}, tmp_path / "curve.png")
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_write_report_for_a_synthetic_city_has_no_osm_attribution(tmp_path: Path) -> None:
    figure = tmp_path / "figures" / "extra_plot.png"
    figure.parent.mkdir()
    figure.write_bytes(PNG_SIGNATURE)
    out = write_report(tmp_path, scenario_name="grid", seed=7, version="0.0.test",
                       resolved_scenario_yaml="city: synthetic:nodes=400\nrun:\n  duration: 7200\n",
                       kpis={}, figures={"extra_plot": figure})
    text = out.read_text(encoding="utf-8")
    assert "OpenStreetMap" not in text
    assert "**City:** synthetic:nodes=400" in text and "**Duration:** 2 h" in text
    assert "](figures/extra_plot.png)" in text and "Extra plot" in text
    assert "No response KPIs" in text


def test_build_report_without_response_system(tmp_path: Path) -> None:
    city = load("synthetic:nodes=400")
    model = CityModel(city, start=datetime(2026, 11, 2), seed=1, duration_s=3600)
    model.run()
    out = build_report(tmp_path, model, {}, model.bus.log.frame(), model.timeseries(), "empty", "city: x\n")
    assert out.is_file()
    assert not (tmp_path / "figures").exists()
    assert "OpenStreetMap" not in out.read_text(encoding="utf-8")
