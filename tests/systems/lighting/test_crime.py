"""The crime multiplier (Chalfin et al. 2022) and the per-node queries other systems read."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from tests.systems.lighting.helpers import lighting_model
from twin.sim.queries import CRIME_LIGHT_MULTIPLIER_PER_NODE, LIGHT_LEVEL_PER_NODE
from twin.systems.lighting import crime_multiplier


def test_multiplier_is_linear_from_unlit_to_minus_36_percent() -> None:
    assert crime_multiplier(0.0) == 1.0
    assert crime_multiplier(1.0) == pytest.approx(0.64)
    assert crime_multiplier(0.3) == pytest.approx(0.892)
    assert crime_multiplier(1.0, effect=0.2) == pytest.approx(0.8)
    np.testing.assert_allclose(crime_multiplier(np.array([0.0, 0.5, 1.0])), [1.0, 0.82, 0.64])
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            crime_multiplier(bad)
    with pytest.raises(ValueError, match="effect"):
        crime_multiplier(0.5, effect=1.2)


def test_node_queries_by_night_and_by_day(helsinki) -> None:
    seen = {}

    def look(model):
        def probe():
            for label, at in (("day", 3600.0), ("night", 10 * 3600.0)):
                yield model.env.timeout(at - model.now + 1.0)
                seen[label] = (model.query(LIGHT_LEVEL_PER_NODE).copy(),
                               model.query(CRIME_LIGHT_MULTIPLIER_PER_NODE).copy())
        model.env.process(probe())

    model, system = lighting_model(helsinki, datetime(2026, 11, 15, 12, 0), 12, before_run=look,
                                   policy={"name": "always_on"}, lit_when_unknown=[])
    n = helsinki.drive.n_nodes
    day_level, day_mult = seen["day"]
    assert day_level.shape == (n,) and not day_level.any() and np.all(day_mult == 1.0)  # lights don't matter by day
    night_level, night_mult = seen["night"]
    lights = system.lights
    # The level of a node is the mean over its segments: lit segments give 1, unlit ones 0.
    lit_share = lights.node_mean(lights.seg_lit.astype(float))
    assert (lit_share < 1).any() and (lit_share > 0).any()  # roads of unknown lighting are dark here
    np.testing.assert_allclose(night_level, lit_share)
    np.testing.assert_allclose(night_mult, 1 - 0.36 * lit_share)
    assert not model.query(LIGHT_LEVEL_PER_NODE).flags.writeable
