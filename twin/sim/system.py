"""What a city system is, and how the engine finds them.

A system (emergency response, traffic, lighting, …) is one class with:

* ``section`` — the name of its section in the scenario file;
* ``Config`` — a pydantic model of that section (validated at the edge);
* ``install(model, config)`` — create its agents and start its simpy processes;
* ``kpis(events, config, model)`` — its key performance indicators, computed from the event log.

A system absent from a scenario is not installed. Systems never import each
other: they talk through events on the bus.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import pandas as pd
from pydantic import BaseModel

if TYPE_CHECKING:
    from twin.sim.model import CityModel


class System(Protocol):
    """The protocol every city system follows."""

    section: ClassVar[str]
    Config: ClassVar[type[BaseModel]]

    def install(self, model: CityModel, config: BaseModel) -> None:
        """Create agents and start processes on ``model``."""

    def kpis(self, events: pd.DataFrame, config: BaseModel, model: CityModel) -> dict[str, Any]:
        """KPIs of a finished run, from its event log."""

    def reporters(self) -> dict[str, Any]:
        """Model reporters for mesa's DataCollector: name → callable(model) → number."""
