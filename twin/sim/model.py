"""The city model: mesa for agents and data collection, simpy for time.

:class:`CityModel` is a :class:`mesa.Model` that owns a :class:`simpy.Environment`.
Time is simulated seconds since the scenario's start (a datetime, for hour of
day and day of week). Systems install themselves on the model, start simpy
processes and create mesa agents; the model samples their reporters at a fixed
interval with mesa's :class:`~mesa.DataCollector`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import mesa
import pandas as pd
import simpy
from pydantic import BaseModel

from twin.city import City
from twin.sim.bus import EventBus
from twin.sim.events import Event
from twin.sim.rng import RandomStreams
from twin.sim.system import System


class CityModel(mesa.Model):
    """One simulation run of a city.

    Parameters
    ----------
    city : City
        The static world.
    start : datetime
        Wall-clock date and time of simulated second 0.
    seed : int
        The run's seed; every random stream derives from it.
    duration_s : float
        Length of the run, seconds.
    warmup_s : float
        Start of the measured window, seconds (KPIs ignore what came before).
    """

    def __init__(self, city: City, *, start: datetime, seed: int, duration_s: float,
                 warmup_s: float = 0.0) -> None:
        super().__init__(seed=seed)
        self.city = city
        self.start = start
        self.seed = seed
        self.duration_s = float(duration_s)
        self.warmup_s = float(warmup_s)
        self.env = simpy.Environment()
        self.streams = RandomStreams(seed)
        self.bus = EventBus()
        self.systems: list[tuple[System, BaseModel]] = []
        self._reporters: dict[str, Callable[[CityModel], Any]] = {}
        self._queries: dict[str, Callable[..., Any]] = {}
        self.datacollector: mesa.DataCollector | None = None

    @property
    def now(self) -> float:
        """Simulated seconds since the start."""
        return float(self.env.now)

    def clock(self, t: float | None = None) -> datetime:
        """The datetime of simulated second ``t`` (default: now)."""
        return self.start + timedelta(seconds=self.now if t is None else t)

    def publish(self, event: Event) -> Event | None:
        """Publish an event on the bus (see :meth:`EventBus.publish`)."""
        return self.bus.publish(event)

    def provide(self, name: str, query: Callable[..., Any]) -> None:
        """Offer a read-only query to other systems (e.g. ``"people_per_node"``).

        Systems never import each other; a system that owns some state (where
        people are) provides a query, and others ask for it by name.
        """
        self._queries[name] = query

    def query(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call a query provided by an installed system (``KeyError`` if none provides it)."""
        return self._queries[name](*args, **kwargs)

    def has_query(self, name: str) -> bool:
        """Whether an installed system provides ``name``."""
        return name in self._queries

    def install(self, system: System, config: BaseModel) -> None:
        """Install a system with its scenario section and collect its reporters."""
        system.install(self, config)
        self.systems.append((system, config))
        self._reporters.update(system.reporters())

    def _sample(self, every: float) -> Any:
        while True:
            self.datacollector.collect(self)
            yield self.env.timeout(every)

    def run(self, until: float | None = None, *, sample_every: float = 300.0,
            on_progress: Callable[[float], None] | None = None, progress_every: float = 900.0) -> None:
        """Run the simulation to simulated second ``until``.

        Parameters
        ----------
        until : float, optional
            End of the run, seconds (default: ``duration_s``).
        sample_every : float
            Interval of the DataCollector's samples, seconds.
        on_progress : callable, optional
            Called with the simulated time every ``progress_every`` seconds.
        """
        reporters = {"time_s": lambda m: m.now, **self._reporters}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.env.process(self._sample(sample_every))
        if on_progress is not None:
            self.env.process(self._progress(on_progress, progress_every))
        self.env.run(until=self.duration_s if until is None else until)

    def _progress(self, callback: Callable[[float], None], every: float) -> Any:
        while True:
            yield self.env.timeout(every)
            callback(self.now)

    def timeseries(self) -> pd.DataFrame:
        """The sampled reporters, one row per sample."""
        if self.datacollector is None:
            return pd.DataFrame()
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
