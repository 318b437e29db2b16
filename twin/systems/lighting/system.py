"""The street-lighting system: lights on the roads, a policy, outages, energy.

Every ``tick_s`` seconds one simpy process asks the policy for the level of
every road segment, masks unlit roads, applies failed luminaires, and integrates
the power drawn until the next tick (levels are constant within a tick, so the
energy of a tick is exactly ``Σ luminaires × watts × level × dt``). Everything
is whole-array numpy work over the segments; there is no per-light Python object.

Other systems ask, never import (the queries are declared in :mod:`twin.sim.queries`):

* ``model.query(LIGHT_LEVEL_PER_NODE)`` — float64 per drive node, the mean
  level of the segments meeting there (failed lights count 0), and 0 whenever the
  sun is above civil twilight (street lights do not matter by day);
* ``model.query(CRIME_LIGHT_MULTIPLIER_PER_NODE)`` — the night-time outdoor
  crime multiplier of :func:`twin.systems.lighting.crime.crime_multiplier` at
  those levels (1 by day).

Adaptive lights read ``model.query(PEOPLE_PER_NODE, travelling=True)`` (people
out on the street) when a population system provides it (see :mod:`twin.systems.lighting.presence`).

Each tick also evaluates the built-in policies on the same inputs, so that the
KPIs can say what the same nights would have cost under each
(:mod:`twin.systems.lighting.comparison`); that changes nothing in the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from twin.errors import TwinError
from twin.kernels.lighting import apply_levels
from twin.present.comparison import ComparisonView
from twin.present.stored import StoredRun
from twin.present.tables import Section
from twin.sim import policies
from twin.sim.budget import Estimate
from twin.sim.events import Event
from twin.sim.model import CityModel
from twin.sim.queries import CRIME_LIGHT_MULTIPLIER_PER_NODE, LIGHT_LEVEL_PER_NODE, PEOPLE_PER_NODE
from twin.sim.system import System
from twin.systems.lighting.comparison import PolicyComparison, run_label
from twin.systems.lighting.config import LightingConfig, estimate
from twin.systems.lighting.crime import crime_multiplier
from twin.systems.lighting.events import (
    LightFailed,
    LightingChanged,
    LightingEnergy,
    LightingInstalled,
    LightRepaired,
)
from twin.systems.lighting.kpis import lighting_kpis
from twin.systems.lighting.lights import StreetLights, place_lights
from twin.systems.lighting.outages import Outages
from twin.systems.lighting.policies import LightingContext, LightingPolicy
from twin.systems.lighting.presence import Presence
from twin.systems.lighting.report import HEADLINE, RULES, label_context
from twin.systems.lighting.report import comparison as lighting_comparison
from twin.systems.lighting.report import section as lighting_section
from twin.systems.lighting.sun import CIVIL_DEPRESSION_DEG, Sun, local_zone

#: Joules per kWh.
J_PER_KWH = 3.6e6


class LightingSystem(System):
    """Street lights, their policy, outages and energy (scenario section ``lighting``)."""

    section: ClassVar[str] = "lighting"
    title: ClassVar[str] = "Street lighting"
    order: ClassVar[int] = 20
    Config: ClassVar[type[LightingConfig]] = LightingConfig
    kpi_rules = RULES
    headline = HEADLINE

    @classmethod
    def report(cls, run: StoredRun) -> Section:
        """The "Street lighting" section of a run report (:func:`.report.section`)."""
        return lighting_section(run)

    @classmethod
    def comparison(cls, view: ComparisonView) -> list[Section]:
        """Energy and cost per night in a comparison report (:func:`.report.comparison`)."""
        return lighting_comparison(view)

    @classmethod
    def label_context(cls, config: LightingConfig) -> dict[str, str]:
        """The currency of the costs, for their labels."""
        return label_context(config)

    @classmethod
    def estimate(cls, scenario: Any, nodes: int | None) -> Estimate:
        """Memory and steps of the section (:func:`.config.estimate`)."""
        return estimate(scenario, nodes)

    def install(self, model: CityModel, config: LightingConfig) -> None:
        """Place the lights, pick the policy, offer the queries and start the tick process."""
        self.model = model
        self.config = config
        net = model.city.drive
        self.lights: StreetLights = place_lights(
            net, spacing_m=config.spacing_m, power_w=config.power_w,
            spacing_m_by_class=config.spacing_m_by_class, power_w_by_class=config.power_w_by_class,
            use_osm_lit=config.use_osm_lit, lit_when_unknown=config.lit_when_unknown)
        self.policy: LightingPolicy = policies.create("lighting", config.policy.name, config.policy.params,
                                                      where="lighting.policy")
        self.comparison = PolicyComparison(self.lights, run_label(config.policy.name, self.policy))
        lat, lon = float(np.mean(net.lat)), float(np.mean(net.lon))
        # Its own zone if the section names one, else the run's (run.timezone).
        self.sun = Sun(lat, lon, local_zone(model.start, lon, config.timezone or getattr(model, "timezone", None)))
        self.presence = Presence(self.lights, model.city.population_weight,
                                 min_people=config.motion.min_people, activity=config.motion.fallback_activity)
        self.outages: Outages | None = None
        if config.outages is not None:
            self.outages = Outages(self.lights.seg_count, config.outages.rate_per_light_year, config.outages.repair,
                                   model.streams("lighting.outages"), model.streams("lighting.repairs"))
        self._mid_x = (net.x[self.lights.seg_u] + net.x[self.lights.seg_v]) / 2
        self._mid_y = (net.y[self.lights.seg_u] + net.y[self.lights.seg_v]) / 2

        s = self.lights.n_segments
        self.level = np.zeros(s)       # policy level after the lit mask
        self.effective = np.zeros(s)   # times the working share of the segment's luminaires
        self._no_failures = np.zeros(s, dtype=np.int64)
        self.dark = False
        self.motion_source = "none"    # "population" or "fallback" once a policy asked for motion
        self.power_w = 0.0
        self.lights_on = 0
        self.lights_dimmed = 0
        self.mean_level = 0.0
        self.other_power_w: dict[str, float] = {}  # what the other policies would draw now
        self._last_change: LightingChanged | None = None
        self._node_level: np.ndarray | None = None

        model.provide(LIGHT_LEVEL_PER_NODE, self.light_level_per_node)
        model.provide(CRIME_LIGHT_MULTIPLIER_PER_NODE, self.crime_multiplier_per_node)
        lit_km, road_km = self.lights.lit_km(), self.lights.road_km()
        model.publish(LightingInstalled(
            time=model.now, policy=config.policy.name, lights=self.lights.n_lights, segments=s,
            lit_segments=int(self.lights.seg_lit.sum()), lit_km=lit_km, road_km=road_km,
            installed_kw=self.lights.installed_kw(), price_per_kwh=config.price_per_kwh, currency=config.currency,
            compared_as=self.comparison.run_label))
        model.env.process(self._run())

    # --- the tick process ------------------------------------------------------------------

    def _run(self) -> Any:
        config, model = self.config, self.model
        tick, end = config.tick_s, model.duration_s
        per_report = round(config.report_every_s / tick)
        ticks, previous, period_start = 0, 0.0, 0.0
        energy = _Accrual()
        while True:
            now = model.now
            if ticks and ticks % per_report == 0:
                self._publish_energy(energy, period_start, now)
                energy, period_start = _Accrual(), now
            if self.outages is not None:
                self._step_outages(previous, now)
            self._update(now)
            dt = min(tick, end - now)
            energy.add(self.power_w, dt, self.dark, self.mean_level, self.other_power_w)
            ticks += 1
            if now + tick >= end:  # the run stops before another tick: account for the rest now
                self._publish_energy(energy, period_start, end)
                return
            previous = now
            yield model.env.timeout(tick)

    def _update(self, now: float) -> None:
        """Set the levels for ``[now, now + tick)`` and the derived totals."""
        when = self.model.clock(now)
        elevation = self.sun.elevation_deg(when)
        self.dark = elevation < -CIVIL_DEPRESSION_DEG
        sensed = self._sensed_motion(when)
        context = LightingContext(when=when, sun_elevation_deg=elevation, n_segments=self.lights.n_segments,
                                  motion=self._motion(sensed))
        target = np.asarray(self.policy.levels(context), dtype=np.float64)
        if target.shape != (self.lights.n_segments,):  # the kernel does not check bounds
            raise TwinError(f"lighting policy {self.config.policy.name!r} returned levels of shape "
                            f"{target.shape}, expected ({self.lights.n_segments},)")
        counts = self.lights.seg_count
        failed = self.outages.failed if self.outages is not None else self._no_failures
        self.power_w, self.lights_on, self.lights_dimmed, level_sum = apply_levels(
            target, self.lights.seg_lit, counts, failed, self.lights.seg_watt, self.level, self.effective)
        n_lights = self.lights.n_lights
        self.mean_level = level_sum / n_lights if n_lights else 0.0
        self._node_level = None
        # The others see the same motion, computed once, without marking it as the run's.
        self.other_power_w = self.comparison.power_w(replace(context, motion=sensed), failed)
        self._maybe_publish_change(now, self.outages.n_failed if self.outages is not None else 0)

    def _sensed_motion(self, when: datetime) -> Callable[[], np.ndarray]:
        """Motion per segment at ``when``, computed on the first call and remembered for the tick."""
        memo: list[np.ndarray] = []

        def sensed() -> np.ndarray:
            if not memo:
                # Motion sensors see people out on the street, not those at home or at work.
                memo.append(self.presence.from_people(self.model.query(PEOPLE_PER_NODE, travelling=True))
                            if self.model.has_query(PEOPLE_PER_NODE) else self.presence.fallback(when.hour))
            return memo[0]
        return sensed

    def _motion(self, sensed: Callable[[], np.ndarray]) -> Callable[[], np.ndarray]:
        """``sensed``, noting where the motion came from when the run's own policy asks."""
        def motion() -> np.ndarray:
            self.motion_source = "population" if self.model.has_query(PEOPLE_PER_NODE) else "fallback"
            return sensed()
        return motion

    def _maybe_publish_change(self, now: float, failed: int) -> None:
        last = self._last_change
        if (last is not None and abs(self.mean_level - last.mean_level) < self.config.change_threshold
                and (self.lights_on > 0) == (last.lights_on > 0)):
            return  # not worth a line in the log
        self._last_change = LightingChanged(
            time=now, lights_on=self.lights_on, lights_dimmed=self.lights_dimmed, lights_failed=failed,
            mean_level=round(self.mean_level, 6), power_kw=round(self.power_w / 1000.0, 6), dark=self.dark)
        self.model.publish(self._last_change)

    def _step_outages(self, t0: float, t1: float) -> None:
        step = self.outages.step(t0, t1)
        for segment, n, down in zip(step.repaired_segments, step.repaired_lights, step.repaired_down_s):
            self._publish_at_segment(LightRepaired, int(segment), lights=int(n), down_s=float(down))
        for segment, n in zip(step.failed_segments, step.failed_lights):
            self._publish_at_segment(LightFailed, int(segment), lights=int(n))

    def _publish_at_segment(self, event_type: type[Event], segment: int, **fields: Any) -> None:
        self.model.publish(event_type(time=self.model.now, node=int(self.lights.seg_u[segment]),
                                      x=float(self._mid_x[segment]), y=float(self._mid_y[segment]),
                                      segment=segment, **fields))

    def _publish_energy(self, energy: _Accrual, start_s: float, end_s: float) -> None:
        kwh = energy.joules / J_PER_KWH
        own = self.comparison.run_label
        by_policy = {name: energy.by_policy.get(name, 0.0) / J_PER_KWH for name in self.comparison.others}
        by_policy[own] = kwh
        self.model.publish(LightingEnergy(
            time=self.model.now, start_s=start_s, end_s=end_s, kwh=kwh, cost=kwh * self.config.price_per_kwh,
            dark_s=energy.dark_s, level_dark_s=energy.level_dark_s, kwh_by_policy=by_policy))

    # --- queries for other systems ---------------------------------------------------------

    def light_level_per_node(self) -> np.ndarray:
        """Light level per drive node now: mean over the segments meeting there, 0 by day.

        Returns
        -------
        float64[n]
            Read-only, 0 … 1.
        """
        if self._node_level is None:
            level = self.lights.node_mean(self.effective) if self.dark else np.zeros(self.lights.n_nodes)
            level.setflags(write=False)
            self._node_level = level
        return self._node_level

    def crime_multiplier_per_node(self) -> np.ndarray:
        """Night-time outdoor crime multiplier per drive node now (1 by day and on dark streets).

        Returns
        -------
        float64[n]
            ``1 - crime_effect × light level`` (see :mod:`twin.systems.lighting.crime`).
        """
        return crime_multiplier(self.light_level_per_node(), self.config.crime_effect)

    # --- protocol ----------------------------------------------------------------------------

    def reporters(self) -> dict[str, Any]:
        """Sampled every interval: mean light level, luminaires on, power drawn (kW)."""
        return {
            "light_level_mean": lambda m: self.mean_level,
            "lights_on": lambda m: self.lights_on,
            "lighting_kw": lambda m: self.power_w / 1000.0,
        }

    def kpis(self, events: pd.DataFrame, config: LightingConfig, model: CityModel) -> dict[str, Any]:
        """Energy, cost, light level at night, lit share and outages (see :mod:`twin.systems.lighting.kpis`)."""
        return lighting_kpis(events, start=model.start, warmup_s=model.warmup_s, end_s=model.duration_s)


class _Accrual:
    """Running totals of one reporting period."""

    __slots__ = ("joules", "dark_s", "level_dark_s", "by_policy")

    def __init__(self) -> None:
        self.joules = 0.0
        self.dark_s = 0.0
        self.level_dark_s = 0.0
        self.by_policy: dict[str, float] = {}

    def add(self, power_w: float, dt: float, dark: bool, mean_level: float,
            other_power_w: dict[str, float]) -> None:
        """Add ``dt`` seconds at ``power_w`` watts (and, if dark, at ``mean_level``); the other
        policies at their ``other_power_w`` watts (J, by name)."""
        self.joules += power_w * dt
        for name, watts in other_power_w.items():
            self.by_policy[name] = self.by_policy.get(name, 0.0) + watts * dt
        if dark:
            self.dark_s += dt
            self.level_dark_s += mean_level * dt

