"""Seeds of replications, confidence intervals against scipy, verdicts and KPI directions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from twin.experiments.seeds import replication_seeds
from twin.experiments.stats import mean_ci, paired_difference, verdict
from twin.present.kpis import direction, headline_keys


def test_replication_seeds_are_distinct_deterministic_and_prefix_stable() -> None:
    seeds = replication_seeds(1, 50)
    assert len(set(seeds)) == 50
    assert all(0 <= s < 2**63 for s in seeds)
    assert replication_seeds(1, 50) == seeds
    assert replication_seeds(1, 7) == seeds[:7]  # more replications never change the first ones
    assert not set(replication_seeds(2, 50)) & set(seeds)


def test_mean_ci_matches_scipy_t_interval() -> None:
    x = [412.0, 388.5, 455.2, 401.1, 430.9, 397.3]
    ci = mean_ci(x)
    low, high = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    assert ci.n == 6 and ci.mean == pytest.approx(np.mean(x))
    assert ci.sd == pytest.approx(np.std(x, ddof=1))
    assert (ci.low, ci.high) == pytest.approx((low, high))
    # Hand check: t(0.975, 5) = 2.5706 for this spread.
    assert ci.half_width == pytest.approx(2.570582 * np.std(x, ddof=1) / math.sqrt(6), rel=1e-6)


def test_mean_ci_of_one_value_or_none() -> None:
    assert math.isnan(mean_ci([3.0]).low) and mean_ci([3.0]).mean == 3.0
    assert mean_ci([math.nan, 2.0, 4.0]).n == 2
    assert mean_ci([]).n == 0


def test_paired_difference_matches_scipy() -> None:
    a = np.array([300.0, 320.0, 290.0, 310.0, 305.0, 298.0, 330.0, 315.0])
    b = a - np.array([12.0, 8.0, 15.0, 9.0, 11.0, 14.0, 7.0, 10.0])
    paired = paired_difference(a, b, "lower")
    d = b - a
    low, high = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    assert paired.diff.mean == pytest.approx(-10.75)
    assert (paired.diff.low, paired.diff.high) == pytest.approx((low, high))
    assert paired.p_value == pytest.approx(stats.ttest_rel(b, a).pvalue)
    assert paired.verdict == "better"  # lower response times
    assert paired_difference(a, b, "higher").verdict == "worse"
    assert paired_difference(a, b, "neutral").verdict == "lower"


def test_identical_pairs_are_no_significant_difference() -> None:
    a = [1.0, 2.0, 3.0]
    paired = paired_difference(a, a, "lower")
    assert paired.diff.mean == 0 and paired.diff.low == 0 and paired.diff.high == 0
    assert paired.p_value == 1.0 and paired.verdict == "no significant difference"


def test_a_constant_shift_is_certain() -> None:
    paired = paired_difference([1.0, 2.0, 3.0], [2.0, 3.0, 4.0], "lower")
    assert paired.p_value == 0.0 and paired.verdict == "worse"


def test_an_interval_containing_zero_is_not_significant() -> None:
    paired = paired_difference([1.0, 2.0, 3.0, 4.0], [1.5, 1.5, 3.5, 3.5], "lower")
    assert paired.diff.low < 0 < paired.diff.high
    assert verdict(paired.diff, "lower") == "no significant difference"


@pytest.mark.parametrize(("key", "expected"), [
    ("response.by_priority.p1.response_s.p90", "lower"),
    ("response.all.travel_s.mean", "lower"),
    ("response.all.within_target", "higher"),
    ("response.queue.mean", "lower"),
    ("response.queue.max", "lower"),
    ("response.unserved", "lower"),
    ("response.utilisation.ambulance", "neutral"),
    ("response.all.incidents", "neutral"),
])
def test_directions(key: str, expected: str) -> None:
    assert direction(key) == expected


def test_headline_keys_in_display_order() -> None:
    keys = ["response.unserved", "response.utilisation.police", "response.utilisation.ambulance",
            "response.by_priority.p1.response_s.mean", "response.all.incidents"]
    assert headline_keys(keys) == ["response.by_priority.p1.response_s.mean", "response.utilisation.ambulance",
                                   "response.utilisation.police", "response.unserved"]
