"""One run of a scenario: load the city, install the systems, simulate, compute KPIs."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import BaseModel

from twin.city import City, load
from twin.errors import TwinError
from twin.scenario.systems import SYSTEMS
from twin.sim.arguments import check_seed
from twin.sim.model import CityModel


@dataclass
class RunResult:
    """What a finished run leaves: the model, its log, time series and KPIs."""

    scenario: BaseModel
    seed: int
    model: CityModel
    events: pd.DataFrame
    timeseries: pd.DataFrame
    kpis: dict[str, Any]
    timings_s: dict[str, float] = field(default_factory=dict)


def _check_scenario(scenario: object) -> None:
    """Refuse a path, a dict or anything else that is not a validated scenario, in one line."""
    if isinstance(scenario, BaseModel) and hasattr(scenario, "run") and hasattr(scenario, "city"):
        return
    if isinstance(scenario, (str, os.PathLike)):
        hint = "load it first: twin.scenario.load_scenario(path)"
    elif isinstance(scenario, dict):
        hint = "validate it first: twin.scenario.Scenario.model_validate(data)"
    else:
        hint = "twin.scenario.load_scenario(path) gives one"
    raise TwinError(f"scenario: expected a validated scenario, got {type(scenario).__name__}; {hint}")


def build_model(scenario: BaseModel, seed: int, city: City | None = None, *, replay: bool = True) -> CityModel:
    """A model of ``scenario`` with every configured system installed (``replay``: see :class:`CityModel`)."""
    if city is None:
        city = load(scenario.city.source, scenario.city.network)
    run = scenario.run
    model = CityModel(city, start=run.start, seed=seed, duration_s=run.duration, warmup_s=run.warmup,
                      timezone=run.timezone, replay=replay)
    for section, system_class in SYSTEMS.items():
        config = getattr(scenario, section)
        if config is not None:
            model.install(system_class(), config)
    return model


def simulate(scenario: BaseModel, seed: int | None = None, *, city: City | None = None,
             on_progress: Callable[[float], None] | None = None,
             on_stage: Callable[[str], None] | None = None, replay: bool = True) -> RunResult:
    """Run ``scenario`` once.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`twin.scenario.load_scenario`).
    seed : int, optional
        Overrides ``scenario.run.seed``.
    city : City, optional
        An already loaded city (replications reuse it).
    on_progress : callable, optional
        Called with the simulated time (s) as the run advances.
    on_stage : callable, optional
        Called with ``"city"`` (only when ``city`` is not given), ``"install"``,
        ``"simulate"`` and ``"kpis"`` as each step starts (the command line names them).
    replay : bool
        Keep what only a replay needs (where units drove: a route query per drive);
        off for runs that keep KPIs only (replications, benchmarks). KPIs are the same.

    Raises
    ------
    TwinError
        ``scenario`` is not a validated scenario, ``seed`` not an integer in
        ``0 .. 2**64 - 1``, or a problem with the scenario's city.
    """
    _check_scenario(scenario)
    seed = check_seed(scenario.run.seed if seed is None else seed)
    if city is not None and not isinstance(city, City):
        raise TwinError(f"city: expected a twin.city.City (twin.city.load(...)), got {type(city).__name__}")
    stage = on_stage or (lambda name: None)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    if city is None:
        stage("city")
        city = load(scenario.city.source, scenario.city.network)
    timings["city_load"] = time.perf_counter() - start
    stage("install")
    start = time.perf_counter()
    model = build_model(scenario, seed, city, replay=replay)
    timings["install"] = time.perf_counter() - start
    stage("simulate")
    start = time.perf_counter()
    model.run(sample_every=scenario.run.sample_every, on_progress=on_progress)
    timings["simulate"] = time.perf_counter() - start
    stage("kpis")
    events = model.bus.log.frame()
    kpis = {system.section: system.kpis(events, config, model) for system, config in model.systems}
    return RunResult(scenario=scenario, seed=seed, model=model, events=events,
                     timeseries=model.timeseries(), kpis=kpis, timings_s=timings)
