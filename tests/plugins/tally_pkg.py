"""A third party's city system, shipped in a package of its own (installed by the plug-in tests).

The tally system hears of every incident that occurs and rings a bell on a
schedule. It is small, but it is a whole system: a scenario section with a
cross-section check, a process on the engine, a typed event of its own, a
shared event it listens to, KPIs with rules and headlines, a side table and a
report section. The tests install it from a temporary folder and run the real
command line; nothing outside this file knows it exists.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd
from pydantic import Field

from twin.present.kpis import KpiRule
from twin.present.stored import StoredRun
from twin.present.tables import Section, Table
from twin.sim.config import StrictModel
from twin.sim.events import Event, IncidentOccurred
from twin.sim.model import CityModel
from twin.sim.system import Problem, System


@dataclass(frozen=True, kw_only=True)
class BellRung(Event):
    """The tally's bell rang; ``heard`` incidents so far."""

    heard: int


class TallyConfig(StrictModel):
    """Scenario section ``tally``."""

    every_s: float = Field(default=3600.0, gt=0, description="seconds between bells")


class TallySystem(System):
    """Tallies the incidents that occur and rings a bell every ``every_s`` seconds."""

    section: ClassVar[str] = "tally"
    Config: ClassVar[type[TallyConfig]] = TallyConfig
    title: ClassVar[str] = "Tally"
    order: ClassVar[int] = 900
    kpi_rules = (KpiRule("bells", "lower", "Bells rung", "bells"),
                 KpiRule("heard", "neutral", "Incidents heard", "incidents"))
    headline = ("bells", "heard")

    @classmethod
    def check(cls, scenario: Any) -> list[Problem]:
        if scenario.tally.every_s > scenario.run.duration:
            return [Problem("tally.every_s", f"{scenario.tally.every_s:g} s is longer than the run "
                                             f"({scenario.run.duration:g} s): the bell would never ring")]
        return []

    def install(self, model: CityModel, config: TallyConfig) -> None:
        self.model, self.heard, self.rings = model, 0, []
        model.bus.subscribe(IncidentOccurred, self._hear)
        model.env.process(self._ring(config.every_s))

    def _hear(self, event: IncidentOccurred) -> None:
        self.heard += 1

    def _ring(self, every_s: float) -> Generator[Any, Any, None]:
        while True:
            yield self.model.env.timeout(every_s)
            self.rings.append(self.model.now)
            self.model.publish(BellRung(time=self.model.now, heard=self.heard))

    def reporters(self) -> dict[str, Any]:
        return {"tally_heard": lambda m: self.heard}

    def kpis(self, events: pd.DataFrame, config: TallyConfig, model: CityModel) -> dict[str, Any]:
        rung = events[(events["kind"] == BellRung.kind) & (events["time"] >= model.warmup_s)]
        heard = events[(events["kind"] == IncidentOccurred.kind) & (events["time"] >= model.warmup_s)]
        return {"bells": len(rung), "heard": len(heard)}

    def outputs(self) -> dict[str, pd.DataFrame]:
        return {"rings": pd.DataFrame({"time_s": self.rings})}

    @classmethod
    def report(cls, run: StoredRun) -> Section:
        rings = run.table("rings")
        rows = [("Bells rung after the warm-up", str(run.kpis["bells"])),
                ("Bells rung in all", str(len(rings))),
                ("Incidents heard", str(run.kpis["heard"]))]
        return Section("Tally", [Table(("Indicator", "Value"), rows, note="Rung every "
                                       f"{run.config.every_s:g} s.")])
