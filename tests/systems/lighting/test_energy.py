"""Energy = luminaires × watts × level × hours, integrated tick by tick; adaptive saves."""

from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
import pytest

from tests.systems.lighting.helpers import kpis, lighting_model
from twin.sim.queries import PEOPLE_PER_NODE

NIGHT = datetime(2026, 11, 15, 16, 0)  # 16:00 to 08:00, a November night in Helsinki


def test_always_on_energy_is_power_times_hours_times_level(helsinki) -> None:
    model, system = lighting_model(helsinki, NIGHT, 16, policy={"name": "always_on", "params": {"level": 0.7}},
                                   power_w=50, power_w_by_class={"primary": 120}, price_per_kwh=0.2)
    lights = system.lights
    watts = float(np.dot(lights.seg_count, lights.seg_watt))
    assert watts > 50 * lights.n_lights  # the primary roads' luminaires draw more
    expected_kwh = watts * 16 * 0.7 / 1000
    k = kpis(model)
    assert k["energy_kwh"] == pytest.approx(expected_kwh, rel=1e-12)
    assert k["cost"] == pytest.approx(0.2 * expected_kwh, rel=1e-12)
    assert k["kwh_per_night"] == pytest.approx(expected_kwh * 24 / 16, rel=1e-12)
    assert k["installed_kw"] == pytest.approx(watts / 1000)
    assert list(k["by_night"]) == ["2026-11-15"]
    events = model.bus.log.frame()
    assert (events["kind"] == "LightingEnergy").sum() == 16  # one summary an hour, not one a tick
    assert (events["kind"] == "LightingChanged").sum() == 1
    frame = model.timeseries()
    assert frame["lighting_kw"].iloc[3] == pytest.approx(watts * 0.7 / 1000)
    assert frame["light_level_mean"].iloc[3] == pytest.approx(0.7)


def test_warm_up_is_excluded_in_proportion(helsinki) -> None:
    full, _ = lighting_model(helsinki, NIGHT, 16, policy={"name": "always_on"})
    warm, _ = lighting_model(helsinki, NIGHT, 16, warmup_h=2.5, policy={"name": "always_on"})
    assert kpis(warm)["energy_kwh"] == pytest.approx(kpis(full)["energy_kwh"] * 13.5 / 16, rel=1e-12)
    assert kpis(warm)["kwh_per_night"] == pytest.approx(kpis(full)["kwh_per_night"], rel=1e-12)


def test_dusk_to_dawn_energy_matches_the_dark_hours(helsinki) -> None:
    day = date(2026, 11, 15)
    model, system = lighting_model(helsinki, datetime.combine(day, time(12)), 24, policy={"name": "dusk_to_dawn"})
    dusk, dawn = system.sun.dusk_dawn(day)
    dark_h = (dawn - dusk).total_seconds() / 3600
    kw = system.lights.installed_kw()
    assert kpis(model)["energy_kwh"] == pytest.approx(kw * dark_h, abs=kw * 2 * 300 / 3600)
    assert kpis(model)["mean_level_night"] == pytest.approx(1.0)


def _adaptive(**params):
    return {"name": "adaptive", "params": params}


def test_adaptive_uses_less_energy_than_dusk_to_dawn(helsinki) -> None:
    start = datetime.combine(date(2026, 11, 15), time(12))
    energy = {}
    for name, policy in [("dusk_to_dawn", {"name": "dusk_to_dawn"}), ("adaptive", _adaptive()),
                         ("all_night", _adaptive(all_night=True, on_motion=False))]:
        model, system = lighting_model(helsinki, start, 24, policy=policy)
        energy[name] = kpis(model)
        if name == "adaptive":
            assert system.motion_source == "fallback"  # no population system installed
        assert (model.bus.log.frame()["kind"] == "LightingChanged").sum() < 15  # no flood
    assert energy["adaptive"]["energy_kwh"] < energy["dusk_to_dawn"]["energy_kwh"]
    assert energy["adaptive"]["mean_level_night"] < 1.0
    # Dimmed all night without motion: exactly 30 % of dusk to dawn (same ticks are dark).
    assert energy["all_night"]["energy_kwh"] == pytest.approx(0.3 * energy["dusk_to_dawn"]["energy_kwh"])


def test_adaptive_brightens_where_the_population_says_people_are(helsinki) -> None:
    start = datetime.combine(date(2026, 11, 15), time(12))
    n = helsinki.drive.n_nodes

    def everyone_everywhere(model):
        model.provide(PEOPLE_PER_NODE, lambda mode=None, travelling=False: np.ones(n, dtype=np.int32))

    def nobody(model):
        model.provide(PEOPLE_PER_NODE, lambda mode=None, travelling=False: np.zeros(n, dtype=np.int32))

    d2d, _ = lighting_model(helsinki, start, 24, policy={"name": "dusk_to_dawn"})
    busy, system = lighting_model(helsinki, start, 24, policy=_adaptive(), before_run=everyone_everywhere)
    empty, _ = lighting_model(helsinki, start, 24, policy=_adaptive(), before_run=nobody)
    assert system.motion_source == "population"
    assert kpis(busy)["energy_kwh"] == pytest.approx(kpis(d2d)["energy_kwh"])
    # Nobody about: 00:00-05:00 (5 of the dark hours) at 30 %.
    saved = kpis(d2d)["energy_kwh"] - kpis(empty)["energy_kwh"]
    assert saved == pytest.approx(system.lights.installed_kw() * 5 * 0.7)
