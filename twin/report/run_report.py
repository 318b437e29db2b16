"""The run report: facts of the run, a section per installed system, the scenario as resolved.

The report is drawn from the run folder alone (:class:`twin.present.stored.StoredRun`):
the run writes its outputs first and then draws its report from them, and
``python run.py report RUN_DIR`` draws the same report again later. The file is
plain Markdown (no HTML), readable as text and rendered by any Markdown viewer;
figures are linked relative to the report so the folder can be moved or zipped
as a whole.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from twin.city.city import OSM_ATTRIBUTION
from twin.present.stored import REPORT_FILE, SCENARIO_FILE, StoredRun
from twin.present.tables import Section, section_markdown
from twin.report.html import write_html
from twin.sim.system import available

if TYPE_CHECKING:
    from twin.city import City


def _hms(seconds: float) -> str:
    """``86400`` → ``"24 h"``, ``5400`` → ``"1 h 30 min"``, ``90`` → ``"1 min 30 s"``."""
    hours, rest = divmod(int(round(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s" if secs else ""]
    return " ".join(p for p in parts if p) or "0 s"


def system_sections(run: StoredRun) -> list[Section]:
    """The section of every system the run installed that has one, in install order."""
    sections = []
    for section, system in available().items():
        if run.scenario.get(section) is None or not run.all_kpis.get(section):
            continue
        drawn = system.report(run.of(system))
        if drawn is not None:
            sections.append(drawn)
    return sections


def system_summaries(run: StoredRun) -> list[str]:
    """The summary paragraphs of every system the run installed, in install order."""
    paragraphs: list[str] = []
    for section, system in available().items():
        if run.scenario.get(section) is None or not run.all_kpis.get(section):
            continue
        paragraphs += system.summary(run.of(system))
    return paragraphs


def one_draw_caveat(run: StoredRun) -> str:
    """Why one run is not the answer: it is one random draw of the period, and what to run instead."""
    return (f"*One run is one random {_hms(run.duration_s - run.warmup_s)} (seed {run.seed}): another seed "
            "draws other incidents at other places and gives other numbers. For figures to quote, run "
            "replications (`python run.py run SCENARIO.yaml --reps 10`: means with 95 % confidence "
            "intervals), and `python run.py compare A.yaml B.yaml` for a change.*")


def report_markdown(run: StoredRun, sections: list[Section], summary: list[str] | None = None) -> str:
    """The report's text: facts, the summary, the systems' sections, attribution, the scenario as an appendix."""
    city = run.city
    city_label = city.name if city.source in (city.name, "") else f"{city.name} ({city.source})"
    facts = [("Scenario", run.name), ("Seed", str(run.seed)),
             ("Project version", run.version), ("City", city_label),
             ("Start", f"{run.start:%a %d %b %Y %H:%M}"), ("Duration", _hms(run.duration_s))]
    if run.warmup_s:
        facts.append(("Warm-up (not in the KPIs)", _hms(run.warmup_s)))
    lines = [f"# Run report: {run.name}", ""]
    lines += [f"- **{name}:** {value}" for name, value in facts if value]
    lines.append("")
    if sections:  # a summary of what the systems said first, and what one run is worth
        lines += ["## Summary", ""]
        for paragraph in summary or []:
            lines += [paragraph, ""]
        lines += [one_draw_caveat(run), ""]
    for section in sections:
        lines += section_markdown(section, run.folder)
    if not sections:
        lines += ["No system of this run has KPIs to report.", ""]
    if not city.source.startswith("synthetic"):
        lines += ["---", "", f"Map data {OSM_ATTRIBUTION}.", ""]
    resolved = (run.folder / SCENARIO_FILE).read_text(encoding="utf-8")
    fence = "````" if "```" in resolved else "```"
    lines += ["## Appendix: the scenario as resolved", "",
              f"Every default filled in, as [{SCENARIO_FILE}]({SCENARIO_FILE}) in the run folder keeps it; "
              f"`python run.py run {SCENARIO_FILE}` runs it again.", "",
              f"{fence}yaml", resolved.rstrip("\n"), fence, ""]
    return "\n".join(lines)


def build_report(folder: Path, city: City | None = None) -> Path:
    """Draw the figures into ``folder/figures/`` and write ``folder/report.md`` and ``report.html``
    (:func:`twin.report.html.write_html`), from the run folder alone.

    Parameters
    ----------
    folder : Path
        A run folder (``scenario.yaml``, ``events.parquet``, ``timeseries.parquet``,
        ``kpis.json`` and the systems' side tables).
    city : City, optional
        The run's city if already loaded (default: loaded from the scenario's source).

    Returns
    -------
    Path
        The written ``report.md`` (``report.html`` beside it: the same, self-contained).

    Raises
    ------
    TwinError
        The folder is not a run folder, or a file in it cannot be read.
    """
    run = StoredRun.read(folder)
    if city is not None:
        run.use_city(city)
    text = report_markdown(run, system_sections(run), system_summaries(run))
    out = Path(folder) / REPORT_FILE
    tmp = out.with_name(f".{REPORT_FILE}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)  # a reader never sees half a report
    write_html(out)
    return out
