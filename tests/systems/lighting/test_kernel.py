"""The fused level kernel agrees with the plain numpy formulas."""

from __future__ import annotations

import numpy as np
import pytest

from twin.kernels.lighting import apply_levels


def test_apply_levels_matches_numpy() -> None:
    rng = np.random.default_rng(5)
    s = 1000
    target = rng.uniform(-0.2, 1.2, s)  # out-of-range levels are clipped
    target[rng.random(s) < 0.2] = 1.0
    lit = rng.random(s) < 0.8
    count = rng.integers(0, 6, s)
    failed = rng.integers(0, 6, s) % (count + 1)
    watt = rng.choice([50.0, 117.0], s)
    level, effective = np.empty(s), np.empty(s)
    power, on, dimmed, level_sum = apply_levels(target, lit, count, failed, watt, level, effective)

    want = np.where(lit, np.clip(target, 0, 1), 0.0)
    working = count - failed
    np.testing.assert_allclose(level, want)
    np.testing.assert_allclose(effective, np.where(count > 0, want * working / np.maximum(count, 1), want))
    assert power == pytest.approx(np.sum(want * working * watt))
    assert on == working[want > 0].sum() and dimmed == working[(want > 0) & (want < 1)].sum()
    assert level_sum == pytest.approx(np.sum(want * working))
