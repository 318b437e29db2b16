"""The report's sections of the systems other than emergency response.

One module per system, each with its KPI table and figures:
:mod:`~twin.report.sections.people` (population), :mod:`~twin.report.sections.traffic`,
:mod:`~twin.report.sections.lighting` and :mod:`~twin.report.sections.crime`. A
section appears only when its system is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from twin.report.sections import crime, lighting, people, traffic
from twin.report.sections.section import Section, SystemRun, Table
from twin.sim.model import CityModel

__all__ = ["BUILDERS", "Section", "SystemRun", "Table", "system_sections"]

#: Scenario section → the builder of its report section, in the order the report shows them.
BUILDERS: dict[str, Callable[[SystemRun], Section]] = {
    "population": people.section,
    "traffic": traffic.section,
    "lighting": lighting.section,
    "crime": crime.section,
}


def system_sections(folder: Path, model: CityModel, system_kpis: Mapping[str, Any],
                    timeseries: pd.DataFrame) -> list[Section]:
    """Draw the figures and build the sections of every installed system that has one.

    Parameters
    ----------
    folder : Path
        Where the PNGs go (``<run>/figures``).
    model : CityModel
        The finished model: its installed systems, city, start and warm-up.
    system_kpis : mapping
        KPIs per scenario section; a system without KPIs gets no section.
    timeseries : DataFrame
        The sampled reporters (:meth:`twin.sim.CityModel.timeseries`).

    Returns
    -------
    list of Section
        In the order of :data:`BUILDERS`.
    """
    installed = {system.section: (system, config) for system, config in model.systems}
    return [build(SystemRun(folder, model, *installed[name], system_kpis[name], timeseries))
            for name, build in BUILDERS.items() if name in installed and system_kpis.get(name)]
