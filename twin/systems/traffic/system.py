"""The traffic system: background volumes, signals, travel times, preemption and collisions.

Every ``refresh_s`` seconds (a *period*) the system recomputes, with whole-array
work over the edges and signal approaches:

1. the volume of every edge from its class's daily volume and the hour's share
   (:mod:`twin.systems.traffic.volumes`);
2. the flow ratios of every signal phase and, from the signal policy, the cycle
   and greens of every controller (:mod:`twin.systems.traffic.policies`);
3. the mean delay of every approach (Webster) and the travel time of every edge,
   BPR congestion plus the delay at its signal (:mod:`twin.kernels.traffic`);
4. the expected collisions of every site, from which the period's collisions
   are drawn and published at their times (:mod:`twin.systems.traffic.collisions`).

Other systems ask, never import (the queries are declared in :mod:`twin.sim.queries`):

* ``model.query(EDGE_TRAVEL_TIME_S, emergency=False)`` — float64 per drive
  edge, seconds, at least the free-flow ``edge_time``; with ``emergency=True``
  and preemption on, the signal delay of equipped signals is left out (the
  congestion stays). The response system routes on it.
* ``model.query(EDGE_VOLUME_VPH)`` — float64 per drive edge, vehicles per hour now.

The queries answer from the current period's arrays; a query made at a period's
first instant, before the system's own process has woken, brings the period up
to date first, so no reader ever sees the previous period's times.

Collisions become ``IncidentReported(incident_type=collisions.incident_type,
source="traffic")``; the response system serves them as calls. A scenario using
them sets ``response.incident_types.traffic_collision.arrivals: external`` so
that the response system does not draw collisions of its own as well.

Preemption is estimated from the shared events of :mod:`twin.sim.events` that
the response system publishes (``IncidentOccurred`` for where and how urgent,
``UnitDispatched`` for where the unit starts) — see :mod:`twin.systems.traffic.preemption`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from twin.calibration import CollisionScale, ParameterCalibrated, Provenance
from twin.city.network import ROAD_CLASSES
from twin.city.routing import Router
from twin.errors import TwinError
from twin.kernels.traffic import approach_delays, edge_travel_times, phase_flow_ratios
from twin.present.stored import StoredRun
from twin.present.tables import Section, Table
from twin.sim import policies
from twin.sim.budget import Estimate
from twin.sim.events import IncidentOccurred, IncidentReported, UnitDispatched
from twin.sim.model import CityModel
from twin.sim.queries import EDGE_TRAVEL_TIME_S, EDGE_VOLUME_VPH
from twin.sim.system import Problem, System
from twin.systems.traffic.collisions import CROSSING, SITE_KINDS, collision_sites, draw_collisions, install_crosswalks
from twin.systems.traffic.config import TrafficConfig, check_scenario, estimate
from twin.systems.traffic.events import SignalsPreempted, TrafficCollision, TrafficInstalled, TrafficState
from twin.systems.traffic.kpis import traffic_kpis
from twin.systems.traffic.policies import SignalContext, SignalPlan, SignalPolicy
from twin.systems.traffic.preemption import cross_delays, trip_preemption
from twin.systems.traffic.report import HEADLINE, RULES, console_table
from twin.systems.traffic.report import section as traffic_section
from twin.systems.traffic.signals import layout_signals
from twin.systems.traffic.volumes import DemandProfile, road_table

#: Tolerance when turning a time into a period index (simpy times are sums of floats).
_PERIOD_EPS = 1e-9


class TrafficSystem(System):
    """Background traffic, signals, preemption and collisions (scenario section ``traffic``)."""

    section: ClassVar[str] = "traffic"
    title: ClassVar[str] = "Traffic"
    order: ClassVar[int] = 40
    Config: ClassVar[type[TrafficConfig]] = TrafficConfig
    kpi_rules = RULES
    headline = HEADLINE

    @classmethod
    def report(cls, run: StoredRun) -> Section:
        """The "Traffic" section of a run report (:func:`.report.section`)."""
        return traffic_section(run)

    @classmethod
    def gis(cls, run: StoredRun) -> dict[str, Any]:
        """``traffic_collisions``: one point per collision, with its site, road class and whether
        a pedestrian was hit (WGS 84)."""
        from twin.present.gis import event_points  # geopandas only when writing layers

        return {"traffic_collisions": event_points(run, TrafficCollision.kind)}

    @classmethod
    def console(cls, kpis: Mapping[str, Any], config: TrafficConfig) -> Table | None:
        """The headline KPIs, preemption's only when it is enabled."""
        return console_table(cls, kpis, config)

    @classmethod
    def check(cls, scenario: Any) -> list[Problem]:
        """Mistakes between the ``traffic`` section and the others (:func:`.config.check_scenario`)."""
        return check_scenario(scenario)

    @classmethod
    def estimate(cls, scenario: Any, nodes: int | None) -> Estimate:
        """Events of the refreshes and collisions (:func:`.config.estimate`)."""
        return estimate(scenario, nodes)

    def install(self, model: CityModel, config: TrafficConfig) -> None:
        """Lay out the signals and collision sites, compute the first period, offer the queries, start the process."""
        self.model = model
        self.config = config
        city = model.city
        net = city.drive
        volumes, roads = config.volumes, config.roads
        self.roads = road_table(net, volumes.aadt_by_class, roads.lanes_by_class, roads.capacity_per_lane_by_class,
                                roads.saturation_flow_by_class, volumes.scale)
        self.profile = DemandProfile(volumes.hour_profile, volumes.weekday_profile)
        self.layout = layout = layout_signals(net, city.signal_nodes, config.signal_cluster_m, self.roads.aadt)
        self.policy: SignalPolicy = policies.create("signals", config.signals.name, config.signals.params,
                                                    where="traffic.signals")
        self._saturation = self.roads.saturation_vph[layout.approach_edge]
        self._daily_vehicle_m = float(np.dot(self.roads.aadt, net.edge_length))  # per unit of the hour factor
        self._daily_vehicle_s = float(np.dot(self.roads.aadt, net.edge_time))
        # Flow ratios per unit of the hour factor: every volume scales with the same factor.
        self._unit_ratio, _ = phase_flow_ratios(layout.n_controllers, layout.approach_controller,
                                                layout.approach_phase, self.roads.aadt[layout.approach_edge],
                                                self._saturation)

        preemption = config.preemption
        order = np.argsort(model.streams("traffic.preemption").random(layout.n_controllers), kind="stable")
        self.equipped = np.zeros(layout.n_controllers, dtype=bool)
        if preemption.enabled:  # a nested choice: a larger share equips a superset
            self.equipped[order[:round(preemption.equipped_share * layout.n_controllers)]] = True
        self._preempted = self.equipped[layout.approach_controller]

        self._setup_collisions()
        m, a = net.n_edges, layout.n_approaches
        self.delay_s = np.zeros(a)                   # mean signal delay per approach now, s
        self.cross_delay_veh_s = np.zeros(a)         # cross-street delay of one preemption per approach
        self.flow_ratio = np.zeros((layout.n_controllers, 2))
        self.phase_flow_vph = np.zeros((layout.n_controllers, 2))
        self._normal = np.zeros(m)
        self._emergency = np.zeros(m)
        self.volume_vph = np.zeros(m)
        self.plan: SignalPlan | None = None
        self.mean_signal_delay_s = 0.0
        self.travel_time_index = 1.0
        self.collisions = 0
        self.preemptions = 0
        self._period = -1
        self._free_router: Router | None = None
        self._router: Router | None = None
        self._incidents: dict[int, tuple[int, int]] = {}

        model.publish(TrafficInstalled(
            time=model.now, policy=config.signals.name, signal_nodes=int(np.unique(city.signal_nodes).size),
            controllers=layout.n_controllers, approaches=a, preemption=preemption.enabled,
            equipped=int(self.equipped.sum()), crossings=int((self.sites.kind == CROSSING).sum()),
            smart_crosswalks=int(self.sites.smart.sum()), collision_sites=len(self.sites),
            collision_scale=self.collision_scale, expected_collisions_per_day=self.expected_per_day))
        self._ensure_current()
        model.provide(EDGE_TRAVEL_TIME_S, self.edge_travel_time_s)
        model.provide(EDGE_VOLUME_VPH, self.edge_volume_vph)
        if preemption.enabled:
            model.bus.subscribe(IncidentOccurred, self._on_incident)
            model.bus.subscribe(UnitDispatched, self._on_dispatch)
        model.env.process(self._run())

    def _setup_collisions(self) -> None:
        config, model = self.config.collisions, self.model
        city = model.city
        sites = collision_sites(city.drive, self.layout, city.crossing_nodes, city.population_weight,
                                config.link_rate_per_mvkm, signal_rate=config.signal_rate_per_mev,
                                signal_pedestrian_rate=config.signal_pedestrian_rate_per_mev,
                                junction_rate=config.junction_rate_per_mev,
                                crossing_pedestrian_rate=config.crossing_pedestrian_rate_per_mev)
        daily = sites.exposure(city.drive, self.layout, self.roads.aadt)  # vehicles on an average day
        self.collision_scale = self._collision_scale(sites.base_risk, daily)
        crosswalks = self.config.smart_crosswalks
        self.sites = install_crosswalks(sites, daily, crosswalks.share, crosswalks.pedestrian_risk_reduction,
                                        crosswalks.placement, model.streams("traffic.crosswalks"))
        self.expected_per_day = float(np.dot(self.sites.risk, daily)) * self.collision_scale if config.enabled else 0.0
        self._key = np.uint64(model.streams("traffic.collisions").integers(0, 2**63, dtype=np.uint64))
        # Every volume is the daily volume times one factor, so a site's collisions per hour are
        # this daily rate times the factor: one multiplication per period.
        self._collisions_per_daily_factor = self.sites.risk * self.collision_scale * daily
        self._collision_mean = np.zeros(len(self.sites))

    def _collision_scale(self, base_risk: np.ndarray, daily: np.ndarray) -> float:
        """The factor on every collision rate: given, read from a parameter file, fitted now
        to ``collisions.per_day`` (through :class:`twin.calibration.CollisionScale`), or 1."""
        config, model = self.config.collisions, self.model
        calibration = config.calibration
        self.estimator: CollisionScale | None = None
        if calibration.file is not None:
            self.estimator, how = CollisionScale.load(calibration.file), "file"
        elif calibration.scale is not None:
            how = "given"
        elif config.per_day is not None:
            # On the untreated risks, so that smart crosswalks show as fewer collisions.
            provenance = Provenance.of(model.city, seed=model.seed, exposure="traffic.volumes on an average day")
            self.estimator = CollisionScale(per_day=config.per_day).fit(base_risk, daily, provenance=provenance)
            how = "fitted"
        else:
            return 1.0  # the rates as given: nothing calibrated
        scale = self.estimator.scale_ if how == "fitted" else calibration.scale
        model.publish(ParameterCalibrated(
            time=model.now, parameter=CollisionScale.parameter, value=scale, how=how, file=calibration.file or "",
            target={} if how == "given" else self.estimator.target(),
            provenance={} if how == "given" else self.estimator.provenance_.as_dict()))
        return scale

    def calibrations(self) -> dict[str, CollisionScale]:
        """``{"traffic.collisions.calibration.scale": the fitted CollisionScale}`` when this run fitted it."""
        fitted = self.estimator is not None and self.config.collisions.calibration.file is None
        return {CollisionScale.parameter: self.estimator} if fitted else {}

    # --- the period update -------------------------------------------------------------------

    def _ensure_current(self) -> None:
        """Bring volumes, timings and travel times to the period holding now (once per period)."""
        period = math.floor(self.model.now / self.config.refresh_s + _PERIOD_EPS)
        if period != self._period:
            self._period = period
            self._update(period)

    def _update(self, period: int) -> None:
        config, model, layout = self.config, self.model, self.layout
        net = model.city.drive
        length_s = config.refresh_s
        start = period * length_s
        when = model.clock(start + length_s / 2)
        factor = self.profile.factor(when)
        volume = self.roads.aadt * factor
        flow = volume[layout.approach_edge]
        ratio, phase_flow = phase_flow_ratios(layout.n_controllers, layout.approach_controller,
                                              layout.approach_phase, flow, self._saturation)
        unit = self._unit_ratio
        context = SignalContext(when=when, n_controllers=layout.n_controllers, flow_ratio=ratio,
                                phase_flow_vph=phase_flow,
                                flow_ratio_at=lambda hour: unit * self.profile.factor_at_hour(when, hour))
        plan = self._checked(self.policy.plan(context))
        approach_delays(plan.cycle_s, plan.green_s, layout.approach_controller, layout.approach_phase, flow,
                        self._saturation, config.max_degree_of_saturation, length_s, self.delay_s)
        normal, emergency = np.empty(net.n_edges), np.empty(net.n_edges)
        vehicle_s_per_h = edge_travel_times(net.edge_time, volume, self.roads.capacity_vph, config.bpr.alpha,
                                            config.bpr.beta, layout.approach_edge, self.delay_s, self._preempted,
                                            normal, emergency)
        for array in (normal, emergency, volume):
            array.setflags(write=False)
        self._normal, self._emergency, self.volume_vph, self.plan = normal, emergency, volume, plan
        self.flow_ratio, self.phase_flow_vph = ratio, phase_flow
        self._router = None  # built at the period's first emergency trip
        if config.preemption.enabled:
            self.cross_delay_veh_s = cross_delays(layout, plan, ratio, phase_flow,
                                                  config.preemption.lost_time_s, config.max_degree_of_saturation)
        if config.collisions.enabled:
            self._collision_mean = self._collisions_per_daily_factor * (factor * length_s / 3600.0)
        self._publish_state(start, start + length_s, factor, vehicle_s_per_h, flow, plan)

    def _checked(self, plan: SignalPlan) -> SignalPlan:
        n = self.layout.n_controllers
        cycle, green = np.asarray(plan.cycle_s, dtype=float), np.asarray(plan.green_s, dtype=float)
        if cycle.shape != (n,) or green.shape != (n, 2):
            raise TwinError(f"signals policy {self.config.signals.name!r} returned cycles of shape {cycle.shape} "
                            f"and greens of shape {green.shape}, expected ({n},) and ({n}, 2)")
        if n and (not np.all(np.isfinite(cycle)) or np.any(green <= 0) or np.any(green.sum(axis=1) > cycle + 1e-6)):
            raise TwinError(f"signals policy {self.config.signals.name!r} returned timings with a non-positive "
                            "green or greens longer than the cycle")
        return SignalPlan(cycle_s=cycle, green_s=green, lost_s=np.asarray(plan.lost_s, dtype=float))

    def _publish_state(self, start: float, end: float, factor: float, vehicle_s_per_h: float, flow: np.ndarray,
                       plan: SignalPlan) -> None:
        hours = (end - start) / 3600.0
        vehicle_km = self._daily_vehicle_m * factor / 1000.0 * hours
        free_h = self._daily_vehicle_s * factor / 3600.0 * hours
        vehicle_h = vehicle_s_per_h / 3600.0 * hours
        vehicles = float(flow.sum()) * hours
        delay_h = float(np.dot(flow, self.delay_s)) / 3600.0 * hours
        self.mean_signal_delay_s = delay_h * 3600.0 / vehicles if vehicles > 0 else 0.0
        self.travel_time_index = vehicle_h / free_h if free_h > 0 else 1.0
        layout = self.layout
        lam = plan.green_s[layout.approach_controller, layout.approach_phase] / plan.cycle_s[layout.approach_controller]
        x = np.divide(flow, lam * self._saturation, out=np.zeros(len(flow)), where=lam * self._saturation > 0)
        self.model.publish(TrafficState(
            time=self.model.now, start_s=start, end_s=end, vehicle_km=vehicle_km, vehicle_h=vehicle_h,
            free_flow_vehicle_h=free_h, signal_vehicles=vehicles, signal_delay_veh_h=delay_h,
            mean_signal_delay_s=self.mean_signal_delay_s,
            mean_cycle_s=float(plan.cycle_s.mean()) if len(plan.cycle_s) else 0.0,
            max_degree_of_saturation=float(x.max()) if len(x) else 0.0))

    # --- the process: periods and their collisions -------------------------------------------

    def _run(self) -> Any:
        env, length_s, end = self.model.env, self.config.refresh_s, self.model.duration_s
        while True:
            self._ensure_current()
            period = self._period
            if self.config.collisions.enabled:
                sites, fraction = draw_collisions(self._collision_mean, self._key, period)
                for site, f in zip(sites, fraction):
                    t = (period + float(f)) * length_s
                    if t >= end:
                        break
                    if t > env.now:
                        yield env.timeout(t - env.now)
                    self._publish_collision(int(site))
            following = (period + 1) * length_s
            if following >= end:
                return
            yield env.timeout(following - env.now)

    def _publish_collision(self, site: int) -> None:
        sites, config = self.sites, self.config.collisions
        node, x, y = int(sites.node[site]), float(sites.x[site]), float(sites.y[site])
        now = self.model.now
        self.collisions += 1
        self.model.publish(TrafficCollision(
            time=now, node=node, x=x, y=y, site=SITE_KINDS[sites.kind[site]], pedestrian=bool(sites.pedestrian[site]),
            smart_crosswalk=bool(sites.smart[site]), road_class=ROAD_CLASSES[sites.road_class[site]]))
        self.model.publish(IncidentReported(time=now, node=node, x=x, y=y, incident_type=config.incident_type,
                                            source="traffic"))

    # --- preemption ------------------------------------------------------------------------------

    def _on_incident(self, event: IncidentOccurred) -> None:
        """Remember where an incident is and how urgent, for the dispatches to it."""
        self._incidents[event.incident] = (event.node, event.priority)

    def _on_dispatch(self, event: UnitDispatched) -> None:
        """Preempt the signals on the unit's way to an urgent incident."""
        if event.incident not in self._incidents:
            return
        target, priority = self._incidents[event.incident]
        if priority not in self.config.preemption.priorities or event.node < 0 or target < 0:
            return
        self._ensure_current()
        trip = trip_preemption(self._emergency_router(), event.node, target, self.layout, self.equipped, self.delay_s,
                               self.cross_delay_veh_s)
        self.preemptions += trip.preempted
        self.model.publish(SignalsPreempted(
            time=self.model.now, incident=event.incident, unit=event.unit, node=event.node, x=event.x,
            y=event.y, signals=trip.signals, preempted=trip.preempted, saved_s=trip.saved_s,
            cross_delay_veh_s=trip.cross_delay_veh_s))

    def _emergency_router(self) -> Router:
        """A router on this period's emergency times; landmarks from free flow stay valid lower bounds."""
        if self._router is None:
            net = self.model.city.drive
            if self._free_router is None:
                self._free_router = Router(net)
            self._router = Router(net, self._emergency, landmarks_from=self._free_router)
        return self._router

    # --- queries for other systems -------------------------------------------------------------

    def edge_travel_time_s(self, emergency: bool = False) -> np.ndarray:
        """Travel time of every drive edge now, seconds: BPR congestion plus the signal delay at its head.

        Parameters
        ----------
        emergency : bool
            For a vehicle with lights and sirens: equipped signals (preemption on)
            cost it no signal delay; congestion stays.

        Returns
        -------
        float64[m]
            Read-only, indexed like ``city.drive.edge_*``; at least ``edge_time``,
            and the emergency times are at most the normal ones.
        """
        self._ensure_current()
        return self._emergency if emergency else self._normal

    def edge_volume_vph(self) -> np.ndarray:
        """Background volume of every drive edge now, vehicles per hour (read-only)."""
        self._ensure_current()
        return self.volume_vph

    # --- protocol ----------------------------------------------------------------------------------

    def reporters(self) -> dict[str, Any]:
        """Sampled every interval: mean signal delay, travel-time index, collisions and preemptions so far."""
        return {
            "signal_delay_s": lambda m: self.mean_signal_delay_s,
            "travel_time_index": lambda m: self.travel_time_index,
            "traffic_collisions_so_far": lambda m: self.collisions,
            "preemptions_so_far": lambda m: self.preemptions,
        }

    def kpis(self, events: pd.DataFrame, config: TrafficConfig, model: CityModel) -> dict[str, Any]:
        """Delay, speed, collisions and preemption (see :mod:`twin.systems.traffic.kpis`)."""
        return traffic_kpis(events, warmup_s=model.warmup_s, end_s=model.duration_s)
