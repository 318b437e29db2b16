"""The crime scale is calibrated so that a run keeps its target crimes per day."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import stats

from tests.systems.crime.helpers import crime_model, crimes
from twin.city import City
from twin.experiments import simulate
from twin.scenario import load_scenario
from twin.sim.model import CityModel
from twin.sim.queries import PEOPLE_PER_NODE

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def confidence_interval(values: np.ndarray, level: float = 0.99) -> tuple[float, float]:
    """Student-t interval of the mean of ``values`` (one per seed)."""
    half = stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    return values.mean() - half, values.mean() + half


def test_calibrated_daily_count_matches_the_target_over_seeds(helsinki: City) -> None:
    # A week per seed, so the weekday multipliers average out; no response: guardians stay away.
    per_day = np.array([len(crimes(crime_model(helsinki, 7, seed=seed)[0])) / 7 for seed in range(20)])
    low, high = confidence_interval(per_day)
    assert low <= 29.6 <= high, (low, high)
    assert abs(per_day.mean() / 29.6 - 1) < 0.05


def test_a_monday_gets_its_weekday_multiplier_whatever_the_hour_profile(helsinki: City) -> None:
    # One Monday (multiplier 0.97 / mean 1.0): 20 seeds of a day, and a different hour profile.
    profile = [0.0] * 6 + [1.0] * 18
    counts = np.array([len(crimes(crime_model(helsinki, 1, seed=s, hour_profile=profile, per_day=100)[0]))
                       for s in range(20)])
    expected = 100 * 0.97
    assert abs(counts.mean() - expected) < 3.5 * math.sqrt(expected / len(counts))


def test_people_per_node_targets_keep_the_target_when_people_move(helsinki: City) -> None:
    # Stand-in for a population system: 10,000 people, at home by night and in the
    # centre by day (everyone is somewhere, so with a = 1 the first tick stands for the day).
    n = helsinki.drive.n_nodes
    rng = np.random.default_rng(0)
    home = rng.multinomial(10_000, helsinki.population_weight).astype(np.int32)
    centre = np.zeros(n, dtype=np.int32)
    centre[np.argsort(helsinki.population_weight)[-20:]] = 500

    def people(model: CityModel) -> Callable[[], np.ndarray]:
        return lambda mode=None, travelling=False: centre if 9 <= model.clock().hour < 17 else home

    def run(seed: int) -> int:
        model, system = crime_model(helsinki, 7, seed=seed, queries={PEOPLE_PER_NODE: people})
        table = crimes(model)
        assert system.targets_source == "population"
        day = (table["hour"] >= 9) & (table["hour"] < 17)
        assert table.loc[day, "node"].isin(np.flatnonzero(centre)).all(), "by day, crime follows people"
        return len(table)

    per_day = np.array([run(seed) / 7 for seed in range(10)])
    low, high = confidence_interval(per_day)
    assert low <= 29.6 <= high, (low, high)


def test_baseline_with_crime_keeps_its_daily_crime_count(helsinki: City) -> None:
    # The full model (response moves police, who deter where they stand): the
    # baseline's 29.6 crimes a day within a 99 % interval over seeds.
    scenario = load_scenario(SCENARIOS / "crime_baseline.yaml")
    scenario = scenario.model_copy(update={"run": scenario.run.model_copy(update={"duration": 7 * 86400.0,
                                                                                  "warmup": 0.0})})
    per_day = np.array([simulate(scenario, seed=seed, city=helsinki).kpis["crime"]["per_day"] for seed in range(6)])
    low, high = confidence_interval(per_day)
    assert low <= 29.6 <= high, (low, high)
    assert abs(per_day.mean() / 29.6 - 1) < 0.08
