"""Fit a scenario's calibrated parameters without running it: ``calibrate(scenario)``.

A run fixes each calibrated parameter before its clock starts: from the value
the scenario gives, from the parameter file it names, or -- when it gives
neither -- by fitting the parameter's estimator to the city's state at the
start. :func:`calibrate` does the last for every such parameter of a scenario,
on a model built exactly as the run's, and returns the fitted estimators, each
ready to ``save`` as a parameter file the scenario can then name::

    from twin.calibration import calibrate
    from twin.scenario import load_scenario

    for parameter, estimator in calibrate(load_scenario("scenarios/baseline.yaml")).items():
        estimator.save(f"calibration/baseline-{parameter}.yaml")
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from twin.calibration.estimator import ESTIMATORS, Estimator
from twin.city import City


def _clear(data: dict[str, Any], parameter: str) -> None:
    """Remove the value and the file of ``parameter`` (a dotted path) from scenario data, if present."""
    *parents, key = parameter.split(".")
    block: Any = data
    for part in parents:
        block = block.get(part) if isinstance(block, dict) else None
    if isinstance(block, dict):
        block[key] = None
        block["file"] = None


def calibrate(scenario: BaseModel, *, seed: int | None = None, city: City | None = None) -> dict[str, Estimator]:
    """Fit every calibrated parameter of ``scenario`` as its run would, before the clock starts.

    Values and parameter files the scenario gives are ignored: everything that
    can be fitted is fitted anew. A parameter with nothing to fit to (traffic
    collisions without ``collisions.per_day``) is left out.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`twin.scenario.load_scenario`).
    seed : int, optional
        Seed of the model (people's homes, units' stations); default ``scenario.run.seed``.
    city : City, optional
        The city, if loaded already.

    Returns
    -------
    dict
        Scenario path of each parameter → its fitted estimator, whose provenance
        names the scenario, the seed and the date.
    """
    from twin.experiments.run import build_model  # here: experiments sits above calibration

    data = scenario.model_dump()
    for estimator_class in ESTIMATORS.values():
        _clear(data, estimator_class.parameter)
    fresh = type(scenario).model_validate(data)
    seed = fresh.run.seed if seed is None else seed
    model = build_model(fresh, seed, city)
    model.prepare()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    fitted: dict[str, Estimator] = {}
    for system, _ in model.systems:
        for parameter, estimator in system.calibrations().items():
            estimator.provenance_ = dataclasses.replace(estimator.provenance_, scenario=scenario.name, fitted_at=now)
            fitted[parameter] = estimator
    return fitted
