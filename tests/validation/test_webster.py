"""The signal delay the traffic system uses must match a vehicle-by-vehicle queue simulation.

One approach of a fixed-time signal: Poisson arrivals of rate ``q``, a queue
that discharges one vehicle every saturation headway ``1/s`` during the
effective green ``g`` of each cycle ``c``, nothing during red. Webster (1958,
Road Research Technical Paper 39) fitted his delay formula

    d = c(1−λ)²/(2(1−λx)) + x²/(2q(1−x)) − 0.65 (c/q²)^(1/3) x^(2+5λ)

to simulations of this kind; it is an approximation (the last term is an
empirical correction, and the second is the M/D/1 wait, which ignores that the
queue left at the end of a green and the red interact). Against this
simulation (seeds fixed below) it runs high by +3.7 … +10.4 % for ``x`` =
0.3 … 0.9 over the three signal timings (most at ``x`` ≈ 0.6), each figure
with a standard error (batch means over 50 batches) of 0.1–0.5 %, and 1.2 % at
``x`` = 0.9. The test holds the formula to that measured bias, not to a band
around zero: at every degree of saturation and timing the formula must lie
between ``BIAS_BAND`` = +2 % and +12 % above the simulation, the measured range
widened by about 1.5 standard errors at each end. So a formula equal to the
simulation fails, as does one 5 % or 15 % low or 15 % high (a band of ±15 %
around the simulation let a formula 15 % too low pass). About half of the
excess is the half headway per queued vehicle that the fluid queue of the
first term charges and a vehicle-by-vehicle queue does not (see the second test).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.reference.signal_queue import queue_delays
from twin.kernels.traffic import signal_delay, webster_delay

#: Saturation flow, vehicles per second (1800 veh/h).
SATURATION_VPS = 0.5
#: Degrees of saturation checked.
DEGREES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
#: (cycle, effective green), seconds.
TIMINGS = ((60.0, 30.0), (90.0, 36.0), (60.0, 40.0))
#: Webster's formula minus the simulation, relative to the simulation: the measured bias, widened.
BIAS_BAND = (0.02, 0.12)
CYCLES = 60_000


def simulated_delay(cycle_s: float, green_s: float, x: float, seed: int) -> tuple[float, float]:
    """Mean delay per vehicle (s) and its standard error, from ``CYCLES`` cycles after a warm-up."""
    q = x * green_s / cycle_s * SATURATION_VPS
    rng = np.random.default_rng(seed)
    n = int(q * cycle_s * CYCLES)
    arrivals = np.cumsum(rng.exponential(1.0 / q, n))
    delays = queue_delays(arrivals, cycle_s, green_s, 1.0 / SATURATION_VPS)[n // 20:]
    batches = delays[: len(delays) // 50 * 50].reshape(50, -1).mean(axis=1)
    return float(delays.mean()), float(batches.std(ddof=1) / np.sqrt(50))


@pytest.mark.parametrize("cycle_s,green_s", TIMINGS)
def test_webster_delay_matches_simulation(cycle_s: float, green_s: float) -> None:
    errors = {}
    for i, x in enumerate(DEGREES):
        q = x * green_s / cycle_s * SATURATION_VPS
        simulated, se = simulated_delay(cycle_s, green_s, x, seed=100 + i)
        assert se < 0.02 * simulated, f"simulation too noisy at x={x}"
        formula = webster_delay(cycle_s, green_s, q, SATURATION_VPS)
        errors[x] = (formula - simulated) / simulated
        # The model's delay (with its cap at x_max = 0.95) is Webster's below the cap.
        assert signal_delay(cycle_s, green_s, q, SATURATION_VPS, 0.95, 900.0) == pytest.approx(formula)
    report = ", ".join(f"x={x}: {100 * e:+.1f} %" for x, e in errors.items())
    low, high = BIAS_BAND
    assert all(low <= e <= high for e in errors.values()), f"Webster vs simulation: {report}"


def test_simulation_reproduces_the_deterministic_queue() -> None:
    """With evenly spaced arrivals the queue is the D/D/1 triangle of Webster's first term.

    Vehicle by vehicle, a queued car leaves at the start of its headway, half a
    headway before the fluid triangle's cumulative curve reaches it: the mean
    delay is the uniform delay less ``h/2`` times the share of cars that queue
    (those arriving during red or before the queue has cleared). That half
    headway is part of why Webster's formula runs a few per cent high here.
    """
    cycle_s, green_s, headway_s = 60.0, 30.0, 2.0
    q = 0.15  # x = 0.6
    arrivals = np.arange(0.0, 2000 * cycle_s, 1.0 / q)
    simulated = queue_delays(arrivals, cycle_s, green_s, headway_s).mean()
    lam, y = green_s / cycle_s, q * headway_s
    uniform = cycle_s * (1 - lam) ** 2 / (2 * (1 - y))
    red = cycle_s - green_s
    queued_share = (red + q * red / (1 / headway_s - q)) / cycle_s
    assert simulated == pytest.approx(uniform - headway_s / 2 * queued_share, rel=0.01)
