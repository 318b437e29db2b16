"""A single signalised approach, simulated vehicle by vehicle: the check on Webster's formula.

Picture one lane at a traffic light. Cars arrive at random; during red they
queue; when the light turns green the queue leaves one car every saturation
headway ``h = 1 / s``, and a car that finds no queue during green drives on
without stopping. Each car's delay is its departure (crossing the stop line)
minus its arrival at the back of the queue. Webster (1958) fitted his delay
formula to simulations of exactly this kind; the validation test compares the
two over a range of degrees of saturation.

The signal's cycle starts with the effective green ``[0, g)`` followed by the
effective red ``[g, c)``; a car may start crossing at any instant of the green.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt


@numba.njit(cache=True)
def queue_delays(arrivals_s: npt.NDArray[np.float64], cycle_s: float, green_s: float,
                 headway_s: float) -> np.ndarray:
    """Delay of every vehicle at a fixed-time signal with deterministic departures.

    Parameters
    ----------
    arrivals_s : float64[n]
        Arrival times at the stop line, seconds, non-decreasing.
    cycle_s, green_s : float
        Cycle and effective green, seconds (green first in each cycle).
    headway_s : float
        Saturation headway ``1 / s``, seconds per vehicle.

    Returns
    -------
    float64[n]
        Seconds each vehicle waited: ``departure − arrival``, where departure is
        the earliest instant in a green that is at least one headway after the
        vehicle in front.
    """
    n = arrivals_s.shape[0]
    delays = np.empty(n)
    previous = -np.inf
    for i in range(n):
        t = max(arrivals_s[i], previous + headway_s)
        into = t - np.floor(t / cycle_s) * cycle_s
        if into >= green_s:  # red: wait for the next green
            t += cycle_s - into
        delays[i] = t - arrivals_s[i]
        previous = t
    return delays
