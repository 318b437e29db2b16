"""The collision scale: fitted to the target, kept in a parameter file, read back by a run that then does not fit."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.calibration.conftest import scenario
from twin.calibration import CollisionScale, Provenance, calibrate, load
from twin.city import City
from twin.experiments import simulate


def test_the_fitted_scale_gives_the_target_per_day(city: City) -> None:
    risk = np.array([1e-6, 2e-6, 0.0, 5e-7])
    exposure = np.array([1000.0, 500.0, 9000.0, 4000.0])  # 1e-3 + 1e-3 + 0 + 2e-3 = 4e-3 a day at the rates
    estimator = CollisionScale(per_day=8.0).fit(risk, exposure, provenance=Provenance.of(city))
    assert estimator.scale_ == pytest.approx(2000.0)
    assert estimator.rates_per_day_ == pytest.approx(4e-3)
    nothing = CollisionScale(per_day=8.0).fit(np.zeros(3), np.ones(3), provenance=Provenance.of(city))
    assert nothing.scale_ == 1.0  # no risk anywhere: nothing to scale


def events_of(result, kind: str) -> list[dict]:
    rows = result.events[result.events["kind"] == kind]
    return [json.loads(d) for d in rows["data"]]


def test_fit_file_and_a_run_that_reads_it(city: City, tmp_path, monkeypatch) -> None:
    section = {"collisions": {"per_day": 30}}
    fitted = calibrate(scenario(traffic=section), city=city)["traffic.collisions.calibration.scale"]
    run = simulate(scenario(traffic=section), city=city)
    installed = events_of(run, "TrafficInstalled")[0]
    assert installed["collision_scale"] == fitted.scale_
    assert installed["expected_collisions_per_day"] == pytest.approx(30)
    assert events_of(run, "ParameterCalibrated")[0]["how"] == "fitted"

    path = fitted.save(tmp_path / "collisions.yaml")
    assert isinstance(load(path), CollisionScale) and load(path).scale_ == fitted.scale_
    monkeypatch.setattr(CollisionScale, "fit", lambda *a, **k: pytest.fail("a run with a file must not fit"))
    read = simulate(scenario(traffic={**section, "collisions": {**section["collisions"],
                                                                "calibration": {"file": str(path)}}}), city=city)
    event = events_of(read, "ParameterCalibrated")[0]
    assert (event["how"], event["value"], event["target"]) == ("file", fitted.scale_, {"per_day": 30.0})
    assert read.kpis["traffic"] == run.kpis["traffic"]


def test_no_target_and_no_scale_leaves_the_rates_as_given(city: City) -> None:
    assert calibrate(scenario(traffic={}), city=city) == {}
    result = simulate(scenario(traffic={"collisions": {"calibration": {"scale": 3.0}}}), city=city)
    assert events_of(result, "TrafficInstalled")[0]["collision_scale"] == 3.0
    assert events_of(result, "ParameterCalibrated")[0]["how"] == "given"
