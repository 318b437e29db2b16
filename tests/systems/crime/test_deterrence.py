"""Guardians, light and the hour of day shape where and when crime happens."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from tests.systems.crime.helpers import crime_model, crimes
from twin.city import City
from twin.sim.model import CityModel
from twin.sim.queries import CRIME_LIGHT_MULTIPLIER_PER_NODE, UNITS_PER_NODE

DAYS = 28
BASE = 0.0035  # crimes per second per unit target weight (about 300 a day), pinned so variants share it


def test_police_nearby_deter_crime_there(helsinki: City) -> None:
    hot = int(np.argmax(helsinki.population_weight))
    police = np.zeros(helsinki.drive.n_nodes, dtype=np.int32)
    police[hot] = 2

    def units(model: CityModel) -> Callable[..., np.ndarray]:
        return lambda unit_type="police": police

    common = {"calibration": {"base": BASE}, "hour_profile": [1.0] * 24, "weekday_profile": [1.0] * 7}
    without, _ = crime_model(helsinki, DAYS, **common)
    with_police, system = crime_model(helsinki, DAYS, queries={UNITS_PER_NODE: units}, **common)
    a, b = crimes(without), crimes(with_police)
    near = np.flatnonzero(system.guardians)
    assert hot in near and (system.guardians[near] == 2).all()
    assert (b.loc[b["node"].isin(near), "guardians"] == 2).all()
    before, after = a["node"].isin(near).sum(), b["node"].isin(near).sum()
    assert before > 300
    # Two units in reach keep exp(-2 × 1.4) ≈ 6 % of the crime there.
    assert after / before == pytest.approx(math.exp(-2 * 1.4), abs=0.04)
    assert len(b) < len(a)
    # Common random numbers: away from the police nothing changes.
    away_a = a[~a["node"].isin(near)][["time", "node", "crime_type"]].reset_index(drop=True)
    away_b = b[~b["node"].isin(near)][["time", "node", "crime_type"]].reset_index(drop=True)
    assert away_a.equals(away_b)
    assert b["guardianship"].min() == pytest.approx(math.exp(-2.8))


def test_more_police_fewer_crimes_when_the_scale_is_calibrated_without_them(helsinki: City) -> None:
    counts = []
    for n_units in (0, 4, 12):
        police = np.zeros(helsinki.drive.n_nodes, dtype=np.int32)
        police[np.argsort(helsinki.population_weight)[::-1][:n_units]] = 1
        stand_in = {UNITS_PER_NODE: lambda m, p=police: lambda unit_type="police": p}
        model, _ = crime_model(helsinki, 7, queries=stand_in, calibration={"guardians": "none"})
        counts.append(len(crimes(model)))
    assert counts[0] > counts[1] > counts[2]


def night_light(model: CityModel) -> Callable[[], np.ndarray]:
    """A lighting stand-in: full street light (multiplier 0.64) from 18:00 to 06:00, 1 by day."""
    def multiplier() -> np.ndarray:
        hour = model.clock().hour
        return np.full(model.city.drive.n_nodes, 0.64 if hour >= 18 or hour < 6 else 1.0)
    return multiplier


def test_street_light_lowers_night_time_outdoor_crime_only(helsinki: City) -> None:
    common = {"calibration": {"base": BASE}, "hour_profile": [1.0] * 24, "weekday_profile": [1.0] * 7}
    dark, _ = crime_model(helsinki, DAYS, **common)
    lit, _ = crime_model(helsinki, DAYS, queries={CRIME_LIGHT_MULTIPLIER_PER_NODE: night_light}, **common)
    a, b = crimes(dark), crimes(lit)
    night_a, night_b = a[(a["hour"] >= 18) | (a["hour"] < 6)], b[(b["hour"] >= 18) | (b["hour"] < 6)]
    day_a, day_b = a[(a["hour"] >= 6) & (a["hour"] < 18)], b[(b["hour"] >= 6) & (b["hour"] < 18)]
    assert day_a[["time", "node"]].reset_index(drop=True).equals(day_b[["time", "node"]].reset_index(drop=True))
    assert (night_b["light_multiplier"] == 0.64).all()
    # Indoor crime untouched; outdoor crime × 0.64 (both are Poisson counts of a few thousand).
    assert (~night_b["outdoor"]).sum() == (~night_a["outdoor"]).sum()
    ratio = night_b["outdoor"].sum() / night_a["outdoor"].sum()
    assert ratio == pytest.approx(0.64, abs=0.05)
    assert len(night_b) < len(night_a)


def test_the_hour_profile_shapes_crime_by_hour(helsinki: City) -> None:
    profile = [0.0] * 8 + [1.0] * 8 + [3.0] * 8
    model, _ = crime_model(helsinki, DAYS, hour_profile=profile, weekday_profile=[1.0] * 7)
    by_hour = np.bincount(crimes(model)["hour"], minlength=24)
    assert by_hour[:8].sum() == 0
    late, middle = by_hour[16:].sum(), by_hour[8:16].sum()
    assert late / middle == pytest.approx(3.0, rel=0.15)
    assert (by_hour.sum() / DAYS) == pytest.approx(29.6, rel=0.1)


def test_same_seed_same_crimes_other_seed_other_crimes(helsinki: City) -> None:
    runs = [crimes(crime_model(helsinki, 2, seed=seed)[0]) for seed in (5, 5, 6)]
    assert runs[0].equals(runs[1])
    assert len(runs[0]) > 0 and not runs[0][["time", "node"]].equals(runs[2][["time", "node"]])
