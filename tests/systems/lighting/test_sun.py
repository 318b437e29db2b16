"""Dusk to dawn by the sun: Helsinki in November (long nights) and June (white nights)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from astral.sun import sunrise, sunset

from tests.systems.lighting.helpers import kpis, lighting_model
from twin.systems.lighting.policies import in_window

TICK_S = 60.0


def _switch_times(model) -> tuple[float, float]:
    """Simulated seconds at which the lights went on, and off again."""
    events = model.bus.log.frame()
    changes = events[events["kind"] == "LightingChanged"]
    on = [json.loads(d)["lights_on"] > 0 for d in changes["data"]]
    times = changes["time"].to_numpy()
    switched_on = next(t for t, lit in zip(times, on) if lit)
    switched_off = next(t for t, lit in zip(times, on) if not lit and t > switched_on)
    return switched_on, switched_off


@pytest.mark.parametrize("day", [date(2026, 11, 15), date(2026, 6, 10)], ids=["november", "june"])
def test_dusk_to_dawn_switches_when_astral_says(helsinki, day: date) -> None:
    start = datetime.combine(day, time(12))
    model, system = lighting_model(helsinki, start, 24, tick_s=TICK_S, report_every_s=3600,
                                   policy={"name": "dusk_to_dawn"})
    dusk, dawn = system.sun.dusk_dawn(day)  # astral's civil dusk and dawn (June's dusk is after midnight)
    expect_on = (dusk.replace(tzinfo=None) - start).total_seconds()
    expect_off = (dawn.replace(tzinfo=None) - start).total_seconds()
    switched_on, switched_off = _switch_times(model)
    # The first tick at or after the event switches: never early, at most one tick (+ a second) late.
    assert expect_on - 1 <= switched_on <= expect_on + TICK_S + 1
    assert expect_off - 1 <= switched_off <= expect_off + TICK_S + 1
    # Civil twilight: still off at sunset, already off at sunrise.
    observer, zone = system.sun.observer, system.sun.zone
    sun_set = (sunset(observer, day, tzinfo=zone).replace(tzinfo=None) - start).total_seconds()
    sun_rise = (sunrise(observer, day + timedelta(days=1), tzinfo=zone).replace(tzinfo=None) - start).total_seconds()
    assert sun_set < switched_on and switched_off < sun_rise


def test_november_nights_are_long_june_nights_short(helsinki) -> None:
    hours = {}
    for day in (date(2026, 11, 15), date(2026, 6, 10)):
        model, system = lighting_model(helsinki, datetime.combine(day, time(12)), 24,
                                       policy={"name": "dusk_to_dawn"})
        dusk, dawn = system.sun.dusk_dawn(day)
        hours[day.month] = kpis(model)["dark_hours"]
        assert hours[day.month] == pytest.approx((dawn - dusk).total_seconds() / 3600, abs=2 * 300 / 3600)
        frame = model.timeseries().set_index("time_s")
        noon_next = 24 * 3600 - 300
        assert frame.loc[0.0, "lights_on"] == 0 and frame.loc[noon_next, "lights_on"] == 0  # off by day
        midnight = 12 * 3600.0 + (1800.0 if day.month == 6 else 0.0)  # civil night in June: ~00:26-02:13
        assert frame.loc[midnight, "lights_on"] == system.lights.n_lights  # on at night
    assert hours[11] > 14 and hours[6] < 2.5


def test_clock_windows_wrap_midnight() -> None:
    assert in_window(time(1), time(0), time(5)) and not in_window(time(5), time(0), time(5))
    assert in_window(time(23), time(22), time(5)) and in_window(time(4), time(22), time(5))
    assert not in_window(time(12), time(22), time(5)) and not in_window(time(3), time(3), time(3))
