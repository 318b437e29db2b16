"""The crime scale: fitted to the target, kept in a parameter file, read back by a run that then does not fit."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml

import twin
from tests.calibration.conftest import SOURCE, scenario
from twin.calibration import CrimeBase, Provenance, calibrate, city_digest, load
from twin.city import City
from twin.errors import TwinError
from twin.experiments import simulate
from twin.scenario import load_scenario

HOURS = [0.5] * 6 + [1.5] * 12 + [0.5] * 6  # mean 1 over the day


def plain_per_day(base: float, targets: np.ndarray, guardians: np.ndarray, *, hours: list[float], a: float,
                  g: float, o: float, presence: list[float] | None = None) -> float:
    """Expected crimes per day written out in numpy: Σ_h h_h Σ_j base (p_h t_j)^a e^(-g G_j) × 3600 s.

    No light effect ((1 - o) + o × 1 = 1), so ``o`` must not matter.
    """
    h = np.asarray(hours) / np.mean(hours)
    p = np.ones(24) if presence is None else np.asarray(presence) / np.mean(presence)
    per_node = targets.astype(float) ** a * np.exp(-g * guardians) * ((1 - o) + o * 1.0)
    return float(sum(h[k] * 3600.0 * base * np.sum((p[k] ** a) * per_node) for k in range(24)))


@pytest.mark.parametrize("presence", [None, [0.2] * 8 + [1.0] * 16])
def test_the_fitted_base_gives_the_target_per_day(city: City, presence: list[float] | None) -> None:
    rng = np.random.default_rng(3)
    targets = rng.poisson(20, city.drive.n_nodes).astype(np.int32)
    guardians = (rng.random(city.drive.n_nodes) < 0.1).astype(np.int32)
    estimator = CrimeBase(per_day=42.0, hour_profile=HOURS, exponent=0.8, coefficient=1.4, outdoor_share=0.3)
    fitted = estimator.fit(targets, guardians, presence_profile=presence, provenance=Provenance.of(city))
    assert fitted is estimator
    expected = plain_per_day(estimator.base_, targets, guardians, hours=HOURS, a=0.8, g=1.4, o=0.3,
                             presence=presence)
    assert expected == pytest.approx(42.0, rel=1e-9)
    assert estimator.reference_per_day_ == pytest.approx(42.0, rel=1e-12)
    assert estimator.guardian_nodes_ == int((guardians > 0).sum())


def test_constructor_only_stores_and_fit_needs_targets(city: City) -> None:
    estimator = CrimeBase(per_day=10.0, exponent=2.0)
    assert estimator.get_params() == {"per_day": 10.0, "hour_profile": None, "exponent": 2.0,
                                      "coefficient": 1.4, "outdoor_share": 0.5}
    assert not estimator.is_fitted()
    with pytest.raises(TwinError, match="not fitted"):
        estimator.params()
    empty = np.zeros(city.drive.n_nodes, dtype=np.int32)
    with pytest.raises(TwinError, match="no targets"):
        estimator.fit(empty, empty, provenance=Provenance.of(city))


def test_a_parameter_file_round_trips_with_its_provenance(city: City, tmp_path) -> None:
    targets = np.arange(city.drive.n_nodes, dtype=np.int32) % 7
    estimator = CrimeBase(per_day=29.6, hour_profile=HOURS).fit(
        targets, np.zeros(city.drive.n_nodes, dtype=np.int32),
        provenance=Provenance.of(city, scenario="small", seed=4, dated=True, targets="population"))
    path = estimator.save(tmp_path / "crime.yaml")
    written = yaml.safe_load(path.read_text())
    assert written["parameter"] == "crime.calibration.base" and written["estimator"] == "CrimeBase"
    assert written["value"] == estimator.base_  # exactly: YAML keeps every digit of a float
    assert written["target"] == {"per_day": 29.6}
    provenance = written["provenance"]
    assert provenance["city_source"] == SOURCE and provenance["city_digest"] == city_digest(city)
    assert (provenance["scenario"], provenance["seed"], provenance["twin_version"]) == ("small", 4, twin.__version__)
    assert provenance["fitted_at"] and provenance["reference"] == {"targets": "population"}
    for again in (CrimeBase.load(path), load(path)):
        assert isinstance(again, CrimeBase)
        assert again.base_ == estimator.base_ and again.per_base_ == estimator.per_base_
        assert again.get_params() == estimator.get_params()
        assert again.provenance_ == estimator.provenance_
        assert again.params() == estimator.params()


def test_a_bad_parameter_file_is_one_clear_error(tmp_path) -> None:
    with pytest.raises(TwinError, match="missing.yaml: no such parameter file"):
        CrimeBase.load(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("parameter: crime.calibration.base\nvalue: lots\n")
    with pytest.raises(TwinError, match=r"broken.yaml: value: "):
        CrimeBase.load(broken)
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({
        "parameter": "traffic.collisions.calibration.scale", "value": 2.0, "estimator": "CollisionScale",
        "settings": {"per_day": 8.0}, "provenance": {"city": "x", "city_source": "x", "city_digest": "0"}}))
    with pytest.raises(TwinError, match=r"other.yaml: parameter: the file is for 'traffic.collisions"):
        CrimeBase.load(other)


def events_of(result, kind: str) -> list[dict]:
    rows = result.events[result.events["kind"] == kind]
    return [json.loads(d) for d in rows["data"]]


def test_a_run_without_base_or_file_fits_once_before_the_clock_starts(city: City) -> None:
    result = simulate(scenario(crime={"per_day": 50}), city=city)
    calibrated = events_of(result, "ParameterCalibrated")
    assert [(e["parameter"], e["how"], e["file"]) for e in calibrated] == [("crime.calibration.base", "fitted", "")]
    crime = events_of(result, "CrimeCalibrated")[0]
    assert calibrated[0]["value"] == crime["base"] and crime["reference_per_day"] == pytest.approx(50)
    assert calibrated[0]["provenance"]["city_digest"] == city_digest(city)
    assert calibrated[0]["provenance"]["fitted_at"] == ""  # same seed, same event log
    first = result.events[result.events["kind"] == "ParameterCalibrated"]
    assert (first["time"] == 0).all() and first["seq"].iloc[0] < result.events["seq"][result.events["time"] > 0].min()


def test_a_run_with_a_file_reads_it_and_does_not_fit(city: City, tmp_path, monkeypatch) -> None:
    section = {"per_day": 50}
    fitted = calibrate(scenario(crime=section), city=city)["crime.calibration.base"]
    assert fitted.provenance_.scenario == "calibration-test" and fitted.provenance_.fitted_at
    path = fitted.save(tmp_path / "calibration" / "crime.yaml")
    reference = simulate(scenario(crime=section), city=city)

    def no_fit(*args, **kwargs):
        raise AssertionError("a run with a parameter file must not fit")

    monkeypatch.setattr(CrimeBase, "fit", no_fit)
    read = scenario(crime={**section, "calibration": {"file": str(path)}})
    assert read.crime.calibration.base == fitted.base_  # the resolved scenario records the value
    result = simulate(read, city=city)
    event = events_of(result, "ParameterCalibrated")[0]
    assert (event["how"], event["file"], event["value"]) == ("file", str(path), fitted.base_)
    assert event["provenance"]["scenario"] == "calibration-test"
    # Same base as the run that fitted it, so the very same crimes.
    assert result.kpis["crime"] == reference.kpis["crime"]
    assert events_of(result, "CrimeCommitted") == events_of(reference, "CrimeCommitted")


def test_a_given_base_is_used_as_is(city: City, monkeypatch) -> None:
    monkeypatch.setattr(CrimeBase, "fit", lambda *a, **k: pytest.fail("a given base must not be fitted"))
    result = simulate(scenario(crime={"calibration": {"base": 1e-6}}), city=city)
    event = events_of(result, "ParameterCalibrated")[0]
    assert (event["how"], event["value"], event["target"], event["provenance"]) == ("given", 1e-6, {}, {})
    assert math.isnan(events_of(result, "CrimeCalibrated")[0]["per_day"])


def test_a_scenario_names_its_file_relative_to_itself(city: City, tmp_path, monkeypatch) -> None:
    fitted = calibrate(scenario(crime={"per_day": 50}), city=city)["crime.calibration.base"]
    fitted.save(tmp_path / "calibration" / "crime.yaml")
    (tmp_path / "scenarios").mkdir()
    path = tmp_path / "scenarios" / "small.yaml"
    path.write_text(f"city: '{SOURCE}'\ncrime:\n  per_day: 50\n  calibration: {{file: ../calibration/crime.yaml}}\n")
    monkeypatch.chdir(tmp_path / "calibration")  # anywhere but the scenario's folder
    loaded = load_scenario(path)
    assert loaded.crime.calibration.file == str((tmp_path / "calibration" / "crime.yaml").resolve())
    assert loaded.crime.calibration.base == fitted.base_


@pytest.mark.parametrize(("calibration", "problem"), [
    ("{file: nowhere.yaml}", "crime.calibration.file: .*nowhere.yaml: no such parameter file"),
    ("{file: ../calibration/crime.yaml, base: 1.0}", "crime.calibration: base: 1.0 disagrees with the"),
])
def test_a_bad_file_in_a_scenario_names_the_scenario_and_the_field(city: City, tmp_path, calibration: str,
                                                                 problem: str) -> None:
    fitted = calibrate(scenario(crime={"per_day": 50}), city=city)["crime.calibration.base"]
    fitted.save(tmp_path / "calibration" / "crime.yaml")
    (tmp_path / "scenarios").mkdir()
    path = tmp_path / "scenarios" / "bad.yaml"
    path.write_text(f"city: '{SOURCE}'\ncrime:\n  calibration: {calibration}\n")
    with pytest.raises(TwinError, match=f"bad.yaml: {problem}"):
        load_scenario(path)
