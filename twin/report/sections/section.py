"""A system's part of the run report: a heading, small tables, notes and figures.

Each installed system (people, traffic, street lighting, crime) contributes one
:class:`Section`; :func:`twin.report.markdown.write_report` renders it. The
sections hold text cells, not numbers, so rendering needs no knowledge of the
systems.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from twin.sim.model import CityModel


@dataclass(frozen=True)
class Table:
    """One table of a section.

    Attributes
    ----------
    columns : sequence of str
        Column headers.
    rows : sequence of sequence of str
        Cells, already formatted with their units.
    heading : str, optional
        A sub-heading above the table.
    note : str, optional
        A line under the table (what is counted, units).
    """

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    heading: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Section:
    """A system's part of the report.

    Attributes
    ----------
    title : str
        The section heading (``"People"``, ``"Traffic"``, …).
    tables : list of Table
        Its KPI tables, in order.
    figures : dict of str to Path
        Figure name (a key of :data:`twin.report.markdown.FIGURE_CAPTIONS`) → PNG.
    """

    title: str
    tables: list[Table] = field(default_factory=list)
    figures: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class SystemRun:
    """What a section is drawn from: one installed system of a finished run.

    Attributes
    ----------
    folder : Path
        Where the section's PNGs go (``<run>/figures``).
    model : CityModel
        The finished model: city, start, warm-up.
    system : object
        The installed system (e.g. the population, for its snapshots).
    config : BaseModel
        Its scenario section.
    kpis : mapping
        Its KPIs.
    timeseries : DataFrame
        The run's sampled reporters (:meth:`twin.sim.CityModel.timeseries`).
    """

    folder: Path
    model: CityModel
    system: Any
    config: Any
    kpis: Mapping[str, Any]
    timeseries: pd.DataFrame
