"""The city model: mesa for agents and data collection, simpy for time.

:class:`CityModel` is a :class:`mesa.Model` that owns a :class:`simpy.Environment`.
Time is simulated seconds since the scenario's start (a datetime, for hour of
day and day of week). Systems install themselves on the model, start simpy
processes and create mesa agents; the model samples their reporters at a fixed
interval with mesa's :class:`~mesa.DataCollector`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import mesa
import numpy as np
import pandas as pd
import simpy
from pydantic import BaseModel

from twin.city import City
from twin.errors import TwinError
from twin.sim import queries
from twin.sim.arguments import check_seconds, check_seed
from twin.sim.bus import EventBus
from twin.sim.events import Event
from twin.sim.queries import Query
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
    timezone : str, optional
        IANA name of the clock's time zone (``run.timezone``; see :mod:`twin.sim.clock`).
    """

    def __init__(self, city: City, *, start: datetime, seed: int, duration_s: float,
                 warmup_s: float = 0.0, timezone: str | None = None, replay: bool = True) -> None:
        seed = check_seed(seed)
        duration_s = check_seconds(duration_s, "duration_s", positive=True)
        warmup_s = check_seconds(warmup_s, "warmup_s")
        if warmup_s >= duration_s:
            raise TwinError(f"warmup_s: must be shorter than duration_s ({duration_s:g} s), got {warmup_s:g} s")
        if not isinstance(city, City):
            raise TwinError(f"city: expected a twin.city.City (twin.city.load(...)), got {type(city).__name__}")
        if not isinstance(start, datetime):
            raise TwinError(f"start: expected a datetime, got {type(start).__name__} {start!r:.60}")
        super().__init__(seed=seed)
        #: Whether systems keep what only a replay of the run needs (where units drove): a run
        #: whose folder is written keeps it; replications, which keep KPIs only, do not.
        self.replay = bool(replay)
        self.city = city
        self.start = start
        self.seed = seed
        self.duration_s = duration_s
        self.warmup_s = warmup_s
        self.timezone = timezone
        self.env = simpy.Environment()
        self.streams = RandomStreams(seed)
        self.bus = EventBus()
        self.systems: list[tuple[System, BaseModel]] = []
        self._reporters: dict[str, Callable[[CityModel], Any]] = {}
        # query -> (provider, dtype and length of the answer, or None and -1 if not an array)
        self._queries: dict[Query, tuple[Callable[..., Any], np.dtype | None, int]] = {}
        self.datacollector: mesa.DataCollector | None = None
        self.prepared = False

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

    def provide(self, query: Query, provider: Callable[..., Any]) -> None:
        """Answer a declared query for the other systems (see :mod:`twin.sim.queries`).

        Systems never import each other; a system that owns some state (where
        people are) provides a query, and others ask for it with :meth:`query`.

        Parameters
        ----------
        query : Query
            The declaration, e.g. :data:`twin.sim.queries.PEOPLE_PER_NODE`.
        provider : callable
            Called with the query's keyword arguments; its parameters must be
            exactly the declared ones.

        Raises
        ------
        TypeError
            ``query`` is not a :class:`~twin.sim.queries.Query`, or the provider's
            parameters are not the declared ones.
        TwinError
            Another system already provides the query.
        """
        _require_query(query)
        if query in self._queries:
            raise TwinError(f"two systems provide the query {query.name!r}: "
                            f"{_describe(self._queries[query][0])} and {_describe(provider)}")
        for other in self._queries:
            if other.name == query.name:
                raise TypeError(f"two different declarations of the query {query.name!r}: "
                                "declare a query once and share the declaration")
        _check_provider(query, provider)
        length = {"drive node": self.city.drive.n_nodes, "drive edge": self.city.drive.n_edges}.get(query.per, -1)
        self._queries[query] = (provider, None if query.dtype is None else np.dtype(query.dtype), length)

    def query(self, query: Query, /, **arguments: Any) -> Any:
        """Ask a declared query of the system that provides it.

        The answer is the provider's own (read-only) view, not a copy: do not
        write to it or keep it across ticks.

        Raises
        ------
        TwinError
            No installed system provides the query (use :meth:`lookup` for an
            optional query with a fallback).
        TypeError
            ``query`` is not a :class:`~twin.sim.queries.Query`, an argument is
            not declared, or the answer is not the declared array.
        """
        try:
            provider, dtype, length = self._queries[query]
        except (KeyError, TypeError):
            raise _not_provided(query) from None
        if arguments and not query.names.issuperset(arguments):
            raise TypeError(f"the query {query.name!r} takes no argument "
                            f"{', '.join(repr(a) for a in arguments if a not in query.names)}; "
                            f"it takes {_names(query.names)}")
        answer = provider(**arguments)
        if dtype is not None and (type(answer) is not np.ndarray or answer.dtype != dtype or len(answer) != length):
            raise TypeError(f"{_describe(provider)} answered the query {query.name!r} with {_shape(answer)}; "
                            f"declared: {query.shape} ({query.dtype}[{length}])")
        return answer

    def lookup(self, query: Query) -> Callable[..., Any] | None:
        """The provider of ``query``, or None if no installed system provides it.

        For consumers with a documented fallback. The provider's parameters were
        checked against the declaration when it was provided; calling it
        directly skips only the check of the answer's dtype and length.
        """
        entry = self._queries.get(query)
        if entry is None:
            _require_query(query)
            return None
        return entry[0]

    def has_query(self, query: Query) -> bool:
        """Whether an installed system provides ``query``."""
        return self.lookup(query) is not None

    def install(self, system: System, config: BaseModel) -> None:
        """Install a system with its scenario section and collect its reporters."""
        if self.prepared:
            raise RuntimeError(f"cannot install {type(system).__name__}: the model is prepared already")
        system.install(self, config)
        self.systems.append((system, config))
        self._reporters.update(system.reporters())

    def prepare(self) -> None:
        """Let every installed system finish setting up (:meth:`System.prepare`), once.

        :meth:`run` calls it before the clock starts; call it yourself to look at a
        model that is ready to run (:func:`twin.calibration.calibrate` does). No
        system can be installed afterwards.
        """
        if self.prepared:
            return
        self.prepared = True
        for system, _ in self.systems:
            system.prepare()

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
        sample_every = check_seconds(sample_every, "sample_every", positive=True)
        progress_every = check_seconds(progress_every, "progress_every", positive=True)
        if until is not None:
            until = check_seconds(until, "until")
        self.prepare()
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


def _require_query(query: Any) -> None:
    """Refuse anything but a declared :class:`Query`, with a hint for a name."""
    if isinstance(query, Query):
        return
    if isinstance(query, str):
        declared = queries.QUERIES.get(query)
        hint = (f"pass twin.sim.queries.{_constant(declared)}" if declared is not None
                else "declare it as a twin.sim.queries.Query and pass that")
        raise TypeError(f"queries are declared, not named: {hint}, not the string {query!r}")
    raise TypeError(f"expected a twin.sim.queries.Query, not {type(query).__name__}")


def _not_provided(query: Any) -> Exception:
    """The error for asking a query nobody provides (or something that is not a query)."""
    try:
        _require_query(query)
    except TypeError as error:
        return error
    where = (f"; the system of the scenario's {query.section!r} section provides it: is that section "
             "missing, or not installed yet?" if query.section else "")
    return TwinError(f"no installed system provides the query {query.name!r}{where}")


def _check_provider(query: Query, provider: Callable[..., Any]) -> None:
    """Check that ``provider`` takes exactly the declared keyword arguments of ``query``."""
    try:
        parameters = inspect.signature(provider).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(f"{_describe(provider)} cannot provide the query {query.name!r}: "
                        "its parameters cannot be read") from None
    taken = set()
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD) or (
                parameter.kind is parameter.POSITIONAL_ONLY and parameter.default is parameter.empty):
            raise TypeError(f"{_describe(provider)} cannot provide the query {query.name!r}: its parameter "
                            f"{parameter} cannot take a declared keyword argument; it takes {_names(query.names)}")
        if parameter.kind is not parameter.POSITIONAL_ONLY:
            taken.add(parameter.name)
    if taken != query.names:
        raise TypeError(f"{_describe(provider)} cannot provide the query {query.name!r}: it takes "
                        f"{_names(taken)}, the declaration {_names(query.names)}")


def _names(names: Any) -> str:
    return ", ".join(repr(n) for n in sorted(names)) if names else "no arguments"


def _shape(answer: Any) -> str:
    """An answer's dtype and length in words, e.g. ``"int64[12]"``."""
    if hasattr(answer, "dtype") and hasattr(answer, "__len__"):
        return f"{answer.dtype}[{len(answer)}]"
    return f"a {type(answer).__name__}"


def _describe(provider: Callable[..., Any]) -> str:
    """A provider's dotted name, for messages."""
    name = getattr(provider, "__qualname__", None)
    module = getattr(provider, "__module__", None)
    return f"{module}.{name}" if name and module else repr(provider)


def _constant(query: Query) -> str:
    """The name of ``query``'s constant in :mod:`twin.sim.queries`."""
    return next(name for name, value in vars(queries).items() if value is query)
