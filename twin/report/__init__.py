"""Reports of a finished run: KPI tables, figures and a Markdown report.

>>> report = build_report(Path("outputs/baseline"), model, kpis, events, timeseries,
...                       "baseline", resolved_yaml)          # doctest: +SKIP

writes ``outputs/baseline/report.md`` and its PNGs under ``outputs/baseline/figures/``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

import twin
from twin.report.figures import StationMark, incident_map, response_time_distribution, utilisation_over_time
from twin.report.kpi_table import flatten_kpis, headline_rows, print_kpi_table, type_rows
from twin.report.markdown import write_report
from twin.report.sections import system_sections
from twin.sim.model import CityModel
from twin.systems.response.kpis import incident_table

__all__ = ["StationMark", "build_report", "flatten_kpis", "headline_rows", "incident_map", "print_kpi_table",
           "response_time_distribution", "type_rows", "utilisation_over_time", "write_report"]


def _stations(system: Any) -> list[StationMark]:
    """One mark per (station, unit type based there), counting the units."""
    marks = []
    for index, (node, name) in enumerate(zip(system.station_nodes, system.station_names, strict=True)):
        based = Counter(unit.unit_type for unit in system.units if unit.base_station == index)
        marks += [StationMark(int(node), name, unit_type, count) for unit_type, count in based.items()]
    return marks


def response_figures(folder: Path, model: CityModel, system: Any, config: Any, events: pd.DataFrame,
                     timeseries: pd.DataFrame) -> dict[str, Path]:
    """Draw the response system's figures into ``folder``.

    Parameters
    ----------
    folder : Path
        Where the PNGs go (created if needed).
    model : CityModel
        The finished model (city, start, warm-up).
    system, config : ResponseSystem, ResponseConfig
        The installed response system and its scenario section.
    events, timeseries : DataFrame
        The run's event log and sampled time series.

    Returns
    -------
    dict[str, Path]
        ``response_times``, ``incident_map`` and ``utilisation`` → PNG.
    """
    incidents = incident_table(events)
    # The same incidents as the KPIs: calls after the warm-up, each with its own target.
    incidents = incidents[incidents["t_call"] >= model.warmup_s].copy()
    incidents["target_s"] = incidents["incident_type"].map({name: config.target_of(name)
                                                            for name in config.incident_types})
    fleet = {unit_type: units.count for unit_type, units in config.units.items()}
    return {
        "response_times": response_time_distribution(incidents, dict(config.targets_s),
                                                     folder / "response_times.png"),
        "incident_map": incident_map(model.city, incidents, _stations(system),
                                     [(h.node, h.name) for h in system.hospitals], folder / "incident_map.png"),
        "utilisation": utilisation_over_time(timeseries, fleet, model.start, folder / "utilisation.png",
                                             warmup_s=model.warmup_s),
    }


def build_report(folder: Path, model: CityModel, system_kpis: Mapping[str, Any], events: pd.DataFrame,
                 timeseries: pd.DataFrame, scenario_name: str, resolved_yaml: str) -> Path:
    """Draw a run's figures into ``folder/figures/`` and write ``folder/report.md``.

    Parameters
    ----------
    folder : Path
        The run's output folder (created if needed).
    model : CityModel
        The finished model: its city, seed, start, duration and installed systems.
    system_kpis : mapping
        KPIs per system section, e.g. ``{"response": system.kpis(events, config, model)}``.
    events : DataFrame
        The event log (:meth:`twin.sim.EventLog.frame`).
    timeseries : DataFrame
        The sampled reporters (:meth:`twin.sim.CityModel.timeseries`).
    scenario_name : str
    resolved_yaml : str
        The scenario as resolved, recorded in the report.

    Returns
    -------
    Path
        The written ``report.md``.

    Notes
    -----
    Population, traffic, street lighting and crime each add a section of their
    own when installed (:mod:`twin.report.sections`).
    """
    folder = Path(folder)
    figures: dict[str, Path] = {}
    for system, config in model.systems:
        if system.section == "response":
            figures.update(response_figures(folder / "figures", model, system, config, events, timeseries))
    sections = system_sections(folder / "figures", model, system_kpis, timeseries)
    city = model.city
    label = city.name if city.source in (city.name, "") else f"{city.name} ({city.source})"
    return write_report(folder, scenario_name=scenario_name, seed=model.seed, version=twin.__version__,
                        resolved_scenario_yaml=resolved_yaml, kpis=system_kpis, figures=figures, city=label,
                        osm_derived=not city.source.startswith("synthetic"), start=model.start,
                        duration_s=model.duration_s, warmup_s=model.warmup_s, sections=sections)
