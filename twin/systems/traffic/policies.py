"""Signal-timing policies: the cycle and green split of every traffic light.

A policy answers one question for all signal controllers at once — how long is
the cycle and how is its green shared between the two phases — from a
:class:`SignalContext`: the critical flow ratio ``y = q / s`` of each phase now,
and the ratios at any hour of today (for plans designed in advance). The system
then evaluates the mean delay of every approach with Webster's formula at the
resulting timings.

Built-in policies (registry concern ``signals``), each a pydantic model whose
fields are its ``params``:

``fixed_time``
    Time-of-day plans, each designed by Webster's method for the busiest hour
    of its period: optimal cycle ``C0 = (1.5 L + 5) / (1 − Y)`` (Webster 1958),
    clipped to ``[min_cycle_s, max_cycle_s]``; effective green ``C − L`` shared
    in proportion to the phases' flow ratios, each phase at least ``min_green_s``.
    A ``cycle_s`` fixes one cycle for every signal instead.
``actuated``
    Each phase holds green until its queue has cleared and then until the first
    gap of ``unit_extension_s`` between vehicles (gap-out), between
    ``min_green_s`` and ``max_green_s``. Its mean cycle at the current flows is
    the fixed point of ``C = L + Σ g_i`` with ``g_i = y_i C + G_i (1 − y_i)``,
    ``G_i`` the mean gap-out time (:func:`twin.kernels.traffic.gap_out_s`). This
    is a steady-state simplification: no cycle-by-cycle variation, no skipped
    phases (the pedestrian phase is always served), and the delay is then
    Webster's at the mean timings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
from pydantic import Field, field_validator, model_validator

from twin.sim.config import StrictModel
from twin.sim.policies import register

#: Phases per controller (the two main axes of a junction).
N_PHASES = 2
#: Shortest and longest cycle any policy may give, seconds.
CYCLE_RANGE_S = (20.0, 300.0)


@dataclass(frozen=True)
class SignalContext:
    """What a signal policy may look at.

    Attributes
    ----------
    when : datetime
        Local wall-clock time.
    n_controllers : int
    flow_ratio : float64[n, 2]
        Critical flow ratio ``q / s`` of each phase now (0 for a phase without vehicles).
    phase_flow_vph : float64[n, 2]
        Total flow of each phase now, vehicles per hour.
    flow_ratio_at : callable
        ``flow_ratio_at(hour)`` → float64[n, 2], the ratios at clock hour ``hour``
        (0 … 24, fractional) of today.
    """

    when: datetime
    n_controllers: int
    flow_ratio: np.ndarray
    phase_flow_vph: np.ndarray
    flow_ratio_at: Callable[[float], np.ndarray]


@dataclass(frozen=True)
class SignalPlan:
    """Timings of every controller.

    Attributes
    ----------
    cycle_s : float64[n]
        Cycle length, seconds.
    green_s : float64[n, 2]
        Effective green of each phase, seconds; ``Σ green + lost = cycle``.
    lost_s : float64[n]
        Lost time per cycle, seconds.
    """

    cycle_s: np.ndarray
    green_s: np.ndarray
    lost_s: np.ndarray


class SignalPolicy(Protocol):
    """The protocol of a signal-timing policy."""

    def plan(self, ctx: SignalContext) -> SignalPlan:
        """Cycle and greens of every controller for the current period."""


def split_green(cycle_s: np.ndarray, lost_s: float, y: np.ndarray, min_green_s: float) -> np.ndarray:
    """Webster's green split: ``C − L`` in proportion to the phases' flow ratios, each at least ``min_green_s``.

    Parameters
    ----------
    cycle_s : float64[n]
        Cycles, seconds (at least ``lost_s + 2 min_green_s``).
    lost_s : float
        Lost time per cycle, seconds.
    y : float64[n, 2]
        Flow ratios of the two phases.
    min_green_s : float

    Returns
    -------
    float64[n, 2]
        Effective greens, seconds.
    """
    effective = cycle_s - lost_s
    total = y.sum(axis=1)
    share0 = np.divide(y[:, 0], total, out=np.full(len(total), 0.5), where=total > 0)
    g0 = np.clip(effective * share0, min_green_s, effective - min_green_s)
    return np.column_stack([g0, effective - g0])


class _Timing(StrictModel):
    """Parameters every policy shares."""

    lost_time_per_phase_s: float = Field(
        default=4.0, ge=0.0, le=20.0,
        description="start-up plus clearance lost time of each phase, s (HCM 2010 default 4 s)")
    min_green_s: float = Field(default=10.0, ge=1.0, le=120.0,
                               description="shortest effective green of a phase (pedestrian walk and clearance), s")

    @property
    def lost_s(self) -> float:
        """Lost time per cycle, seconds."""
        return N_PHASES * self.lost_time_per_phase_s

    @property
    def shortest_cycle_s(self) -> float:
        """Every phase at its minimum green plus the lost time, seconds."""
        return self.lost_s + N_PHASES * self.min_green_s


@register("signals", "fixed_time")
class FixedTime(_Timing):
    """Webster-optimal time-of-day plans designed on the background volumes."""

    cycle_s: float | None = Field(default=None, ge=CYCLE_RANGE_S[0], le=CYCLE_RANGE_S[1],
                                  description="one cycle for every signal, s; default: Webster's per signal")
    min_cycle_s: float = Field(default=40.0, ge=CYCLE_RANGE_S[0], le=CYCLE_RANGE_S[1])
    max_cycle_s: float = Field(default=120.0, ge=CYCLE_RANGE_S[0], le=CYCLE_RANGE_S[1])
    plan_hours: list[int] = Field(default_factory=lambda: [0, 6, 9, 15, 19], min_length=1,
                                  description="clock hours at which a new time-of-day plan starts")

    @field_validator("plan_hours")
    @classmethod
    def _hours(cls, hours: list[int]) -> list[int]:
        if any(h < 0 or h > 23 for h in hours) or sorted(set(hours)) != hours:
            raise ValueError("plan_hours must be increasing clock hours 0 … 23")
        return hours

    @model_validator(mode="after")
    def _cycle_range(self) -> FixedTime:
        if self.min_cycle_s > self.max_cycle_s:
            raise ValueError(f"min_cycle_s ({self.min_cycle_s:g}) must not exceed max_cycle_s ({self.max_cycle_s:g})")
        shortest = self.shortest_cycle_s
        for name in ("cycle_s", "max_cycle_s"):
            value = getattr(self, name)
            if value is not None and value < shortest:
                raise ValueError(f"{name} ({value:g} s) is shorter than two phases of min_green_s plus their "
                                 f"lost time ({shortest:g} s)")
        return self

    def period_hours(self, hour: int) -> list[int]:
        """The clock hours of the time-of-day period holding ``hour``."""
        starts = self.plan_hours
        i = max((j for j, h in enumerate(starts) if h <= hour), default=len(starts) - 1)
        start, end = starts[i], starts[(i + 1) % len(starts)]
        span = (end - start) % 24 or 24
        return [(start + j) % 24 for j in range(span)]

    def cycles(self, y: np.ndarray) -> np.ndarray:
        """Webster's optimal cycle of each signal for flow ratios ``y`` (float64[n, 2]), clipped, seconds."""
        if self.cycle_s is not None:
            return np.full(len(y), self.cycle_s)
        total = y.sum(axis=1)
        with np.errstate(divide="ignore"):
            optimal = np.where(total < 1.0, (1.5 * self.lost_s + 5.0) / np.maximum(1.0 - total, 1e-12), np.inf)
        low = max(self.min_cycle_s, self.shortest_cycle_s)
        return np.clip(optimal, low, max(self.max_cycle_s, low))

    def plan(self, ctx: SignalContext) -> SignalPlan:
        """The plan of the period holding ``ctx.when``, designed on that period's busiest hour."""
        hours = self.period_hours(ctx.when.hour)
        design = np.max([ctx.flow_ratio_at(h + 0.5) for h in hours], axis=0)
        cycle = self.cycles(design)
        return SignalPlan(cycle_s=cycle, green_s=split_green(cycle, self.lost_s, design, self.min_green_s),
                          lost_s=np.full(len(cycle), self.lost_s))


@register("signals", "actuated")
class Actuated(_Timing):
    """Green extends with demand (gap-out) between a minimum and a maximum."""

    max_green_s: float = Field(default=50.0, ge=1.0, le=240.0, description="longest green of a phase, s")
    unit_extension_s: float = Field(default=3.0, ge=0.5, le=10.0,
                                    description="gap between vehicles that ends a green (passage time), s")
    pedestrian_call_interval_s: float = Field(
        default=60.0, ge=0.0, le=600.0,
        description="mean time between pedestrian calls at a phase without vehicles (a pedestrian crossing): "
                    "the other phase rests in green until the next call, s; 0 serves it every cycle")

    @model_validator(mode="after")
    def _green_range(self) -> Actuated:
        if self.min_green_s > self.max_green_s:
            raise ValueError(f"min_green_s ({self.min_green_s:g}) must not exceed max_green_s ({self.max_green_s:g})")
        return self

    def greens(self, cycle_s: np.ndarray, y: np.ndarray, extension_s: np.ndarray, rest: np.ndarray) -> np.ndarray:
        """Greens for cycles ``cycle_s``: queue clearance plus gap-out, within the bounds; a phase
        facing a vehicle-free phase (``rest``) stays green at least until the next pedestrian call."""
        green = np.clip(y * cycle_s[:, None] + extension_s * (1.0 - y), self.min_green_s, self.max_green_s)
        green[rest] = np.maximum(green[rest], self.pedestrian_call_interval_s)
        return green

    def plan(self, ctx: SignalContext) -> SignalPlan:
        """Mean cycle and greens at the current flows (fixed point, see the module docstring)."""
        y = np.minimum(ctx.flow_ratio, 1.0)
        q = ctx.phase_flow_vph / 3600.0
        e = self.unit_extension_s
        with np.errstate(divide="ignore", invalid="ignore"):
            extension = np.where(q > 0, np.expm1(q * e) / np.where(q > 0, q, 1.0), e)  # gap_out_s, vectorised
        # Rest in green: a phase with vehicles facing one without (a pedestrian phase).
        rest = (q > 0) & (q[:, ::-1] == 0)
        cycle = np.full(len(y), self.shortest_cycle_s)
        for _ in range(100):  # monotone increasing from below: converges for Y < 1, else stops at max greens
            new = self.lost_s + self.greens(cycle, y, extension, rest).sum(axis=1)
            if np.allclose(new, cycle, rtol=0, atol=1e-6):
                break
            cycle = new
        green = self.greens(cycle, y, extension, rest)
        cycle = self.lost_s + green.sum(axis=1)
        return SignalPlan(cycle_s=cycle, green_s=green, lost_s=np.full(len(cycle), self.lost_s))
