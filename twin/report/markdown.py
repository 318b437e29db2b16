"""The run report as a Markdown file: facts of the run, KPI tables, figures, the scenario.

The file is plain Markdown (no HTML), readable as text and rendered by any
Markdown viewer; figures are linked relative to the report so the folder can
be moved or zipped as a whole.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from twin.city.city import OSM_ATTRIBUTION
from twin.report.kpi_table import HEADLINE_COLUMNS, TIME_NOTE, TYPE_COLUMNS, headline_rows, type_rows
from twin.report.sections.section import Section

#: Caption of each figure a report knows by name; other names are captioned from the name.
FIGURE_CAPTIONS: dict[str, str] = {
    "response_times": "Response times by priority (cumulative share of incidents reached; dashed: targets)",
    "incident_map": "Where incidents happened, with stations and hospitals",
    "utilisation": "Share of units busy per type, and requests waiting for a unit, over the run",
    "people_activity": "Where people are over the run: at rest by activity, and travelling by mode",
    "people_density": "People per km² at a few times of day (hexagons over the road map)",
    "traffic_delay": "Signal delay per vehicle, travel time index and collisions over the run",
    "lighting_power": "Street-lighting power and mean light level over the run",
    "lighting_policies": "Energy per night of the same nights under each lighting policy",
    "crime_by_hour": "Crimes by hour of day, outdoor and indoor, night hours shaded",
}


def _cell(text: str) -> str:
    # A pipe inside a cell would split it into two columns.
    return text.replace("|", "\\|")


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table; every column but the first right-aligned."""
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |",
             "|" + "|".join([":---"] + ["---:"] * (len(columns) - 1)) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _hms(seconds: float) -> str:
    """``86400`` → ``"24 h"``, ``5400`` → ``"1 h 30 min"``, ``90`` → ``"1 min 30 s"``."""
    hours, rest = divmod(int(round(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s" if secs else ""]
    return " ".join(p for p in parts if p) or "0 s"


def _facts_from_yaml(resolved_yaml: str) -> dict[str, Any]:
    """City source, start, duration and warm-up as written in the resolved scenario (best effort)."""
    try:
        data = yaml.safe_load(resolved_yaml) or {}
    except yaml.YAMLError:
        return {}
    if not isinstance(data, dict):
        return {}
    city = data.get("city")
    run = data.get("run") if isinstance(data.get("run"), dict) else {}
    return {"city": city.get("source") if isinstance(city, dict) else city,
            "start": run.get("start"), "duration_s": run.get("duration"), "warmup_s": run.get("warmup")}


def _duration_text(value: Any) -> str:
    return _hms(float(value)) if isinstance(value, int | float) else str(value)


def _figure_lines(figures: Mapping[str, Path], folder: Path) -> list[str]:
    """A captioned image per figure, linked relative to ``folder``."""
    lines = []
    for name, path in figures.items():
        caption = FIGURE_CAPTIONS.get(name, name.replace("_", " ").capitalize())
        link = Path(os.path.relpath(Path(path), folder)).as_posix()
        lines += [f"### {caption}", "", f"![{caption}]({link})", ""]
    return lines


def _section_lines(section: Section, folder: Path) -> list[str]:
    """A system's section: its heading, tables with their notes, then its figures."""
    lines = [f"## {section.title}", ""]
    for table in section.tables:
        if table.heading:
            lines += [f"### {table.heading}", ""]
        lines += [markdown_table(table.columns, table.rows), ""]
        if table.note:
            lines += [f"*{table.note}*", ""]
    return lines + _figure_lines(section.figures, folder)


def write_report(folder: Path, *, scenario_name: str, seed: int, version: str, resolved_scenario_yaml: str,
                 kpis: Mapping[str, Any], figures: Mapping[str, Path], city: str | None = None,
                 osm_derived: bool | None = None, start: datetime | None = None,
                 duration_s: float | None = None, warmup_s: float | None = None,
                 sections: Sequence[Section] = ()) -> Path:
    """Write ``report.md`` into ``folder``.

    Parameters
    ----------
    folder : Path
        The run's output folder (created if needed).
    scenario_name : str
    seed : int
        The run's seed.
    version : str
        The project version that produced the run.
    resolved_scenario_yaml : str
        The scenario as resolved (``extends`` merged, defaults filled); appended
        verbatim, and read for the run facts not given below.
    kpis : mapping
        KPIs per system section (``{"response": {...}}``).
    figures : mapping of str to Path
        Figure name → PNG; linked relative to ``folder``, in this order.
    city : str, optional
        The city's name or source; default: ``city`` of the scenario.
    osm_derived : bool, optional
        Whether the map data comes from OpenStreetMap (adds the ODbL attribution);
        default: the city source does not start with ``synthetic``.
    start : datetime, optional
        Clock time of simulated second 0; default: ``run.start`` of the scenario.
    duration_s, warmup_s : float, optional
        Length of the run and of its warm-up, seconds; default: from ``run``.
    sections : sequence of Section
        The other systems' sections (people, traffic, …), after the response figures.

    Returns
    -------
    Path
        The written ``report.md``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    given = _facts_from_yaml(resolved_scenario_yaml)
    city = city if city is not None else given.get("city")
    start = start if start is not None else given.get("start")
    duration_s = duration_s if duration_s is not None else given.get("duration_s")
    warmup_s = warmup_s if warmup_s is not None else given.get("warmup_s")
    if osm_derived is None:
        osm_derived = city is not None and not str(city).startswith("synthetic")

    lines = [f"# Run report: {scenario_name}", ""]
    facts = [("Scenario", scenario_name), ("Seed", str(seed)), ("Project version", version)]
    if city is not None:
        facts.append(("City", str(city)))
    if start is not None:
        facts.append(("Start", f"{start:%a %d %b %Y %H:%M}" if isinstance(start, datetime) else str(start)))
    if duration_s is not None:
        facts.append(("Duration", _duration_text(duration_s)))
    if warmup_s:
        facts.append(("Warm-up (not in the KPIs)", _duration_text(warmup_s)))
    lines += [f"- **{name}:** {value}" for name, value in facts]
    lines.append("")

    headline = headline_rows(kpis)
    if headline:
        lines += ["## Emergency response", "", markdown_table(HEADLINE_COLUMNS, headline), "",
                  f"*{TIME_NOTE} Utilisation is the share of unit-time between dispatch and clearing; "
                  "the queue counts unit requests waiting for a free unit.*", ""]
        by_type = type_rows(kpis)
        if by_type:
            lines += ["### By incident type", "", markdown_table(TYPE_COLUMNS, by_type), ""]
    else:
        lines += ["No response KPIs in this run.", ""]

    if figures:
        lines += ["## Figures", ""] + _figure_lines(figures, folder)
    for section in sections:
        lines += _section_lines(section, folder)

    fence = "````" if "```" in resolved_scenario_yaml else "```"
    lines += ["## Scenario as resolved", "", f"{fence}yaml", resolved_scenario_yaml.rstrip("\n"), fence, ""]
    if osm_derived:
        lines += ["---", "", f"Map data {OSM_ATTRIBUTION}.", ""]

    out = folder / "report.md"
    tmp = folder / ".report.md.tmp"
    tmp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(tmp, out)  # a reader never sees half a report
    return out
