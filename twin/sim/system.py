"""What a city system is, and how the engine finds them.

A system (emergency response, traffic, lighting, …) is one folder with one class
that subclasses :class:`System`. The class declares everything the layers above
the engine need to know about it, so that adding a system costs one folder:

* ``section``, ``Config`` — its scenario section and the pydantic model of it;
* ``check(scenario)`` — rules that span sections, checked when the scenario loads;
* ``estimate(scenario, nodes)`` — roughly what its section costs (memory, events), checked at load;
* ``install(model, config)`` — create its agents and start its simpy processes;
* ``prepare()`` — finish setting up once every system is installed, before the clock
  starts (read the others' queries, fit a parameter: see :mod:`twin.calibration`);
* ``reporters()`` — numbers mesa's DataCollector samples during the run;
* ``kpis(events, config, model)`` — its key performance indicators, from the event log;
* ``outputs()`` — side tables its report needs (where the stations are), kept in the run folder;
* ``kpi_rules``, ``headline``, ``hourly`` — how to read its KPIs: better or worse, label, unit;
* ``summary(run)``, ``report(run)``, ``console(kpis, config)``, ``comparison(view)`` — its lines
  of a run report's summary and its section (drawn from the stored run alone), of the console
  table and of a comparison;
* ``replay(run)`` — what the browser replay of a stored run shows of it (``python run.py view``);
* ``gis(run)`` — its map layers (incidents, stations, …) in WGS 84, written to ``gis/`` of the run folder.

Systems are found through the ``twin.systems`` entry-point group, the built-in
ones too (see ``pyproject.toml``)::

    [project.entry-points."twin.systems"]
    drones = "my_package.drones:DroneSystem"

A system absent from a scenario is not installed. Systems never import each
other: they talk through the typed events of :mod:`twin.sim.events` on the bus
and through the queries of :mod:`twin.sim.queries`.
"""

from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd
from pydantic import BaseModel

from twin.errors import TwinError
from twin.sim.budget import Estimate

if TYPE_CHECKING:
    from geopandas import GeoDataFrame

    from twin.present.comparison import ComparisonView
    from twin.present.kpis import HourlyFamily, KpiRule
    from twin.present.replay import Replay
    from twin.present.stored import StoredRun
    from twin.present.tables import Section, Table
    from twin.sim.model import CityModel

#: The entry-point group systems register under.
ENTRY_POINT_GROUP = "twin.systems"


@dataclass(frozen=True)
class Problem:
    """A mistake in a scenario found by a system's whole-scenario check.

    Attributes
    ----------
    path : str
        Dotted path of the offending field, e.g. ``"traffic.collisions.incident_type"``.
    message : str
        What is wrong, in one sentence, e.g. ``"'crash' is not a type of response.incident_types"``.
    """

    path: str
    message: str


class System(ABC):
    """Base class of every city system: defaults for everything but ``section``, ``Config`` and ``install``.

    Class attributes
    ----------------
    section : str
        The scenario section that configures the system (``"response"``).
    Config : type of BaseModel
        The pydantic model of that section.
    title : str
        How people call the system in reports (``"Emergency response"``).
    order : int
        Install order, and the order of report sections and console tables (lower first).
    kpi_rules : tuple of KpiRule
        How to read its KPIs (patterns relative to the section).
    headline : tuple of str
        Its headline KPI patterns (relative to the section), in display order.
    hourly : tuple of HourlyFamily
        KPI families with one value per clock hour, drawn hour by hour in comparisons.
    """

    section: ClassVar[str]
    Config: ClassVar[type[BaseModel]]
    title: ClassVar[str] = ""
    order: ClassVar[int] = 100
    kpi_rules: ClassVar[tuple[KpiRule, ...]] = ()
    headline: ClassVar[tuple[str, ...]] = ()
    hourly: ClassVar[tuple[HourlyFamily, ...]] = ()

    @classmethod
    def check(cls, scenario: BaseModel) -> list[Problem]:
        """Mistakes that span sections (``scenario`` is validated section by section already)."""
        return []

    @classmethod
    def estimate(cls, scenario: BaseModel, nodes: int | None) -> Estimate:
        """What the system's section will cost the run: memory (bytes) and events, roughly.

        Summed over the systems by :func:`twin.scenario.budget.check_budget` when the
        scenario loads, to refuse one that cannot fit before anything is allocated.
        ``nodes`` is the city's number of intersections where known before loading it
        (a synthetic city), else ``None``. Count the bulk that grows with the scenario
        (per unit, per incident, per event), as a lower bound; the default is nothing.
        """
        return Estimate()

    @abstractmethod
    def install(self, model: CityModel, config: BaseModel) -> None:
        """Create agents and start processes on ``model`` (every system has its own)."""

    def prepare(self) -> None:
        """Finish setting up, once, after every system of the run is installed and before the
        clock starts (:meth:`CityModel.prepare <twin.sim.model.CityModel.prepare>`).

        The place for what needs the other systems' queries at the start, such as a
        parameter fitted to the city's initial state (the crime system's scale).
        """
        return None  # most systems are ready once installed

    def calibrations(self) -> dict[str, Any]:
        """The parameters this run fitted, by scenario path (e.g. ``"crime.calibration.base"``):
        fitted :mod:`twin.calibration` estimators, ready to ``save``. Empty before :meth:`prepare`."""
        return {}

    def reporters(self) -> dict[str, Any]:
        """Model reporters for mesa's DataCollector: name → callable(model) → number."""
        return {}

    def kpis(self, events: pd.DataFrame, config: BaseModel, model: CityModel) -> dict[str, Any]:
        """KPIs of a finished run, from its event log (nested dicts of numbers)."""
        return {}

    def outputs(self) -> dict[str, pd.DataFrame]:
        """Side tables of a finished run that its report needs beyond the event log and time series.

        Each is written to ``<run>/systems/<section>/<name>.parquet`` and read back
        with :meth:`twin.present.stored.StoredRun.table`.
        """
        return {}

    @classmethod
    def report(cls, run: StoredRun) -> Section | None:
        """The system's section of the run report, drawn from the stored run alone (None: no section)."""
        return None

    @classmethod
    def summary(cls, run: StoredRun) -> list[str]:
        """What a planner quotes from the system's part of the run: Markdown paragraphs or bullet
        lists, in words and numbers, drawn from the stored run alone like :meth:`report`.

        The run report puts every system's summary at the top, under "Summary", before the
        sections. Say what each number measures and where its target comes from. Default: nothing.
        """
        return []

    @classmethod
    def gis(cls, run: StoredRun) -> dict[str, GeoDataFrame]:
        """The system's GIS layers of the stored run: layer name → GeoDataFrame in WGS 84 (``EPSG:4326``).

        Drawn from the run folder alone, like :meth:`report`; build them with
        :mod:`twin.present.gis` (``point_layer``, ``event_points``). Each is written by
        :func:`twin.report.gis.write_gis` as ``<run>/gis/<name>.parquet`` (GeoParquet) and,
        when small, ``<run>/gis/<name>.geojson``. Names are shared by every system of a
        run (two systems giving one name is an error). Default: no layers.
        """
        return {}

    @classmethod
    def console(cls, kpis: Mapping[str, Any], config: BaseModel) -> Table | None:
        """The system's table on the console after a run (default: its headline KPIs)."""
        from twin.present.console import headline_table

        return headline_table(cls, kpis, config)

    @classmethod
    def comparison(cls, view: ComparisonView) -> list[Section]:
        """Sections of its own in a comparison report, beyond the headline KPIs and hourly families."""
        return []

    @classmethod
    def replay(cls, run: StoredRun) -> Replay | None:
        """What the browser replay shows of the system: sites, markers, movers, numbers over time
        (:mod:`twin.present.replay`), drawn from the stored run alone (None: nothing)."""
        return None

    @classmethod
    def label_context(cls, config: BaseModel) -> dict[str, str]:
        """Words that KPI labels may name as ``{key}`` (e.g. ``{"currency": "EUR"}``)."""
        return {}


def _check_class(name: str, cls: Any) -> type[System]:
    if not (isinstance(cls, type) and issubclass(cls, System)):
        raise TwinError(f"entry point {ENTRY_POINT_GROUP}:{name} is not a twin.sim.system.System subclass")
    for attribute in ("section", "Config"):
        if not hasattr(cls, attribute):
            raise TwinError(f"system {cls.__qualname__} ({ENTRY_POINT_GROUP}:{name}) has no {attribute}")
    return cls


@cache
def available() -> dict[str, type[System]]:
    """Every installed system by scenario section, in install order (``order``, then section).

    Raises
    ------
    TwinError
        An entry point that is not a :class:`System`, or two systems claiming one section.
    """
    found: dict[str, type[System]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        cls = _check_class(entry.name, entry.load())
        other = found.get(cls.section)
        if other is not None and other is not cls:
            raise TwinError(f"systems {other.__qualname__} and {cls.__qualname__} both claim the scenario "
                            f"section {cls.section!r}")
        found[cls.section] = cls
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))


def system_for(section: str) -> type[System]:
    """The system of scenario section ``section`` (``TwinError`` with a did-you-mean if none)."""
    systems = available()
    if section not in systems:
        close = difflib.get_close_matches(section, systems, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TwinError(f"no installed system has the section {section!r}{hint}; known: {', '.join(systems)}")
    return systems[section]
