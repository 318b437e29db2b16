"""Lamps fail at their rate, give no light while failed, and come back after the repair time."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from tests.systems.lighting.helpers import kpis, lighting_model
from twin.sim.config import Duration
from twin.systems.lighting.outages import YEAR_S, Outages

START = datetime(2026, 11, 15, 12, 0)


def test_failures_lower_the_level_and_repairs_restore_it(helsinki) -> None:
    rate, hours = 40.0, 48
    outages = {"rate_per_light_year": rate, "repair": {"distribution": "fixed", "mean_s": 7200}}
    model, system = lighting_model(helsinki, START, hours, policy={"name": "always_on"}, outages=outages)
    clean, _ = lighting_model(helsinki, START, hours, policy={"name": "always_on"})
    k = kpis(model)["outages"]
    expected = rate * system.lights.n_lights * hours * 3600 / YEAR_S  # ≈ 116
    assert abs(k["lights_failed"] - expected) < 4 * np.sqrt(expected)
    assert 0 < k["lights_repaired"] <= k["lights_failed"]
    assert k["mean_repair_s"] == pytest.approx(7200)
    assert k["lights_failed"] - k["lights_repaired"] == int(system.outages.failed.sum())
    assert kpis(model)["energy_kwh"] < kpis(clean)["energy_kwh"]
    level = model.timeseries()["light_level_mean"]
    assert level.min() < 1.0 and level.max() == 1.0  # dips while lamps are out, back to full after repairs
    # Each failure and repair is one event per segment and tick.
    events = model.bus.log.frame()
    failed = events[events["kind"] == "LightFailed"]
    assert len(failed) <= k["lights_failed"] and failed["x"].notna().all() and (failed["node"] >= 0).all()


def test_same_seed_same_failures_under_any_policy(helsinki) -> None:
    outages = {"rate_per_light_year": 20.0}
    a, _ = lighting_model(helsinki, START, 24, policy={"name": "always_on"}, outages=outages)
    b, _ = lighting_model(helsinki, START, 24, policy={"name": "adaptive"}, outages=outages)
    assert kpis(a)["outages"] == kpis(b)["outages"]


def test_failed_segment_is_dark_at_its_nodes() -> None:
    counts = np.array([0, 3, 5])
    outages = Outages(counts, 1e9, Duration(distribution="fixed", mean_s=1e9),
                      np.random.default_rng(1), np.random.default_rng(2))
    step = outages.step(0.0, 3600.0)  # a huge rate: every working lamp fails
    np.testing.assert_array_equal(outages.failed, counts)
    np.testing.assert_array_equal(step.failed_segments, [1, 2])
    np.testing.assert_array_equal(outages.working_share(), [1.0, 0.0, 0.0])  # no lamps, nothing to fail
    outages.step(3600.0, 7200.0)
    np.testing.assert_array_equal(outages.failed, counts)  # never more failed than there are
