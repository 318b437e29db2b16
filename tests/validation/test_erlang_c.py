"""Emergency response as an M/M/c queue must reproduce Erlang C.

With instantaneous driving, no call-handling delay, Poisson arrivals at a flat
rate and exponential on-scene times, the units are the c servers of an M/M/c
queue with first-come-first-served waiting: the probability that an incident
waits for a unit is Erlang's C formula and the mean wait is C / (c·μ − λ)
(e.g. Kleinrock, Queueing Systems Vol. 1, 1975, §3.5).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from twin.experiments import simulate
from twin.scenario.schema import Scenario
from twin.systems.response.kpis import incident_table

C_UNITS = 3
MEAN_SERVICE_S = 1200.0
RHO = 0.75
DAYS = 12
REPLICATIONS = 8


def erlang_c(c: int, offered: float) -> float:
    """Probability of waiting in M/M/c with offered load ``offered`` = λ/μ (< c)."""
    tail = offered**c / math.factorial(c) * c / (c - offered)
    return tail / (sum(offered**k / math.factorial(k) for k in range(c)) + tail)


def queue_scenario(seed: int) -> Scenario:
    zero = {"distribution": "fixed", "mean_s": 0}
    rate_per_s = RHO * C_UNITS / MEAN_SERVICE_S
    return Scenario.model_validate({
        "name": "mmc",
        "city": "synthetic:nodes=400,seed=1",
        "run": {"duration": f"{DAYS}d", "warmup": "1d", "seed": seed, "sample_every": "1h"},
        "response": {
            "arrivals": {"per_day": rate_per_s * 86400, "hour_profile": [1] * 24, "weekday_profile": [1] * 7},
            "incident_types": {"call": {"share": 1, "priority": 2, "units": {"ambulance": 1},
                                        "on_scene": {"distribution": "exponential", "mean_s": MEAN_SERVICE_S}}},
            "call_handling": {"call_takers": 1000, "dispatchers": 1000,
                              "ring_s": zero, "interview_s": zero, "dispatch_s": zero},
            "units": {"ambulance": {"count": C_UNITS, "turnout_s": zero}},
            "travel_time_scale": 0,
        },
    })


def test_waiting_matches_erlang_c() -> None:
    offered = RHO * C_UNITS
    p_wait = erlang_c(C_UNITS, offered)
    mean_wait = p_wait / (C_UNITS / MEAN_SERVICE_S - offered / MEAN_SERVICE_S)
    shares, waits = [], []
    for seed in range(REPLICATIONS):
        result = simulate(queue_scenario(seed))
        table = incident_table(result.events)
        # Measure calls of days 2..DAYS-1: day 1 warms up, the last day lets the queue drain.
        table = table[(table["t_call"] >= 86400) & (table["t_call"] < (DAYS - 1) * 86400)]
        wait = (table["t_dispatch"] - table["t_ready"]).to_numpy()
        assert not np.isnan(wait).any()
        shares.append(float(np.mean(wait > 1e-9)))
        waits.append(float(np.mean(wait)))
    t = stats.t.ppf(0.975, REPLICATIONS - 1)
    for name, values, expected in (("P(wait)", shares, p_wait), ("mean wait", waits, mean_wait)):
        mean = np.mean(values)
        half = t * np.std(values, ddof=1) / math.sqrt(REPLICATIONS)
        assert mean - half <= expected <= mean + half, (
            f"{name}: expected {expected:.4f}, replications give {mean:.4f} ± {half:.4f}")


def test_erlang_c_formula_known_value() -> None:
    # Two servers at offered load 1: C = 1/3 (textbook value).
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
