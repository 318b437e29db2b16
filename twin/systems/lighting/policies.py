"""Lighting policies: how bright each street is, tick by tick.

A policy answers one question — the level (0 off … 1 full) of every road
segment's lights now — from a :class:`LightingContext`: the local time, the
sun's elevation and, on demand, where there is motion. The system then applies
what no policy decides: unlit roads stay dark, and failed luminaires give no
light (the outage layer, :mod:`twin.systems.lighting.outages`).

Built-in policies (registry concern ``lighting``), each a pydantic model whose
fields are its ``params``:

``always_on``
    Every light at ``level``, day and night (a broken photocell, a tunnel).
``dusk_to_dawn``
    ``level`` while the sun is more than ``depression_deg`` below the horizon
    (6°: civil dusk to civil dawn), off otherwise: the photocell of most street lights.
``adaptive``
    Dusk to dawn like the above, but between ``dim_from`` and ``dim_until`` (local
    clock; or ``all_night``) the lights dim to ``dim_level``; a segment with motion
    (``on_motion``) goes back to ``full_level`` for the tick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Protocol

import numpy as np
from pydantic import Field, model_validator

from twin.sim.config import StrictModel
from twin.sim.policies import register
from twin.systems.lighting.sun import CIVIL_DEPRESSION_DEG


@dataclass(frozen=True)
class LightingContext:
    """What a policy may look at.

    Attributes
    ----------
    when : datetime
        Local wall-clock time.
    sun_elevation_deg : float
        The sun's elevation, degrees (negative below the horizon).
    n_segments : int
        Number of road segments.
    motion : callable
        ``motion()`` → bool per segment: someone is on the segment now. Computed on call.
    """

    when: datetime
    sun_elevation_deg: float
    n_segments: int
    motion: Callable[[], np.ndarray]


class LightingPolicy(Protocol):
    """The protocol of a lighting policy."""

    def levels(self, ctx: LightingContext) -> np.ndarray:
        """Level of every segment now, float64 in ``[0, 1]`` (length ``ctx.n_segments``)."""


@register("lighting", "always_on")
class AlwaysOn(StrictModel):
    """Every light on at ``level`` around the clock."""

    level: float = Field(default=1.0, ge=0.0, le=1.0, description="light level, 0 … 1")

    def levels(self, ctx: LightingContext) -> np.ndarray:
        """``level`` everywhere."""
        return np.full(ctx.n_segments, self.level)


@register("lighting", "dusk_to_dawn")
class DuskToDawn(StrictModel):
    """On at ``level`` from dusk to dawn, off by day."""

    level: float = Field(default=1.0, ge=0.0, le=1.0, description="light level at night, 0 … 1")
    depression_deg: float = Field(default=CIVIL_DEPRESSION_DEG, ge=0.0, le=18.0,
                                  description="sun below the horizon that counts as dark, degrees (6 civil)")

    def levels(self, ctx: LightingContext) -> np.ndarray:
        """``level`` if dark, else 0."""
        dark = ctx.sun_elevation_deg < -self.depression_deg
        return np.full(ctx.n_segments, self.level if dark else 0.0)


def in_window(now: time, start: time, end: time) -> bool:
    """Whether clock time ``now`` lies in ``[start, end)``; the window may wrap midnight
    (``22:00``–``05:00``); an empty window when ``start == end``."""
    if start <= end:
        return start <= now < end
    return now >= start or now < end


@register("lighting", "adaptive")
class Adaptive(StrictModel):
    """Dusk to dawn, dimmed in the small hours, brightened by motion."""

    dim_level: float = Field(default=0.3, ge=0.0, le=1.0, description="level while dimmed, 0 … 1")
    full_level: float = Field(default=1.0, ge=0.0, le=1.0, description="level when not dimmed, or on motion")
    dim_from: time = Field(default=time(0, 0), description="local clock time dimming starts")
    dim_until: time = Field(default=time(5, 0), description="local clock time dimming ends")
    all_night: bool = Field(default=False, description="dim from dusk to dawn, ignoring dim_from/dim_until")
    on_motion: bool = Field(default=True, description="a dimmed segment with motion goes to full_level")
    depression_deg: float = Field(default=CIVIL_DEPRESSION_DEG, ge=0.0, le=18.0,
                                  description="sun below the horizon that counts as dark, degrees")

    @model_validator(mode="after")
    def _dim_below_full(self) -> Adaptive:
        if self.dim_level > self.full_level:
            raise ValueError(f"dim_level ({self.dim_level}) must not exceed full_level ({self.full_level})")
        return self

    def dimmed(self, when: datetime) -> bool:
        """Whether the dimming window holds at local time ``when`` (darkness aside)."""
        return self.all_night or in_window(when.time(), self.dim_from, self.dim_until)

    def levels(self, ctx: LightingContext) -> np.ndarray:
        """0 by day; ``full_level`` at night; ``dim_level`` in the window except where there is motion."""
        if ctx.sun_elevation_deg >= -self.depression_deg:
            return np.zeros(ctx.n_segments)
        if not self.dimmed(ctx.when):
            return np.full(ctx.n_segments, self.full_level)
        if not self.on_motion:
            return np.full(ctx.n_segments, self.dim_level)
        return np.where(ctx.motion(), self.full_level, self.dim_level)
