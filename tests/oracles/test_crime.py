"""The crime system's intensity, worked out by hand: base × hour × weekday × opportunity.

With a flat hour profile, a flat presence profile, the population weights as
targets (exponent 1, summing to 1), no guardians and no light, the expected
crimes per hour of the first tick are ``3600 × base × d(weekday)``, where
``d`` is the weekday profile divided by its mean.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.oracles.small_city import drawn_city, two_way
from tests.systems.crime.helpers import crime_model

BASE = 1e-4  # crimes per second per unit of opportunity
WEEK = [2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]  # Monday busiest; mean 8/7


@pytest.mark.parametrize("start,weekday_factor", [(datetime(2026, 11, 2), 2.0 / (8 / 7)),  # a Monday
                                                  (datetime(2026, 11, 8), 1.0 / (8 / 7))])  # a Sunday
def test_the_rate_is_base_times_the_weekday_multiplier(start: datetime, weekday_factor: float) -> None:
    city = drawn_city([(0, 0), (300, 0), (600, 0)], two_way(0, 1, 30.0) + two_way(1, 2, 30.0), weights=[1, 2, 3])
    _, system = crime_model(city, 300 / 86400, start=start, calibration={"base": BASE},
                            hour_profile=[1.0] * 24, weekday_profile=WEEK,
                            targets={"source": "weights", "exponent": 1.0, "presence_profile": [1.0] * 24})
    assert system.rate_per_h == pytest.approx(3600 * BASE * weekday_factor, rel=1e-9)
