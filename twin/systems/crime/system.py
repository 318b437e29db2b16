"""The crime system: crimes from routine activities, reported to emergency response.

Every ``tick_s`` seconds (300) one simpy process computes the intensity of crime
at every node of the drive network for the coming tick,

    λ_j(t) = base × h(hour) × d(weekday) × targets_j(t) ** a
             × exp(-g × guardians_j(t)) × ((1 - o) + o × light_j(t))    crimes per second,

draws the tick's crimes (Numba kernels in :mod:`twin.kernels.crime`), spreads
them uniformly over the tick and publishes each at its time as a
``CrimeCommitted`` and an ``IncidentReported(source="crime")`` that the
response system turns into a call. See ``docs/crime.md``.

It reads other systems only through queries, each optional:

* ``people_per_node`` (population) — the targets; without it the city's
  population weights × ``targets.presence_profile[hour]``;
* ``units_per_node(unit_type="police")`` (response) — the guardians;
* ``crime_light_multiplier_per_node`` (lighting) — the light; 1 without it.

It offers ``crime_intensity_per_node`` (expected crimes per hour per node now)
to a future predictive-policing or audit system.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from twin.calibration import CrimeBase, ParameterCalibrated, Provenance
from twin.calibration.crime import per_day_per_base
from twin.city.network import CSR
from twin.kernels.crime import draw_crimes, expected_crimes, guardians_within, target_weights
from twin.kernels.workspace import make_workspace
from twin.present.comparison import ComparisonView
from twin.present.stored import StoredRun
from twin.present.tables import Section
from twin.sim.budget import Estimate
from twin.sim.events import IncidentReported
from twin.sim.model import CityModel
from twin.sim.queries import (
    CRIME_INTENSITY_PER_NODE,
    CRIME_LIGHT_MULTIPLIER_PER_NODE,
    PEOPLE_PER_NODE,
    UNITS_PER_NODE,
)
from twin.sim.system import Problem, System
from twin.systems.crime.config import CrimeConfig, check_scenario, estimate
from twin.systems.crime.events import CrimeCalibrated, CrimeCommitted
from twin.systems.crime.kpis import crime_kpis
from twin.systems.crime.report import HEADLINE, HOURLY, RULES
from twin.systems.crime.report import comparison as crime_comparison
from twin.systems.crime.report import section as crime_section

#: Uniforms drawn per candidate crime: node, type, outdoor, kept, time within the tick.
_DRAWS = 5


class CrimeSystem(System):
    """Crime from routine activities: targets, guardians, light, time (scenario section ``crime``)."""

    section: ClassVar[str] = "crime"
    title: ClassVar[str] = "Crime"
    order: ClassVar[int] = 30
    Config: ClassVar[type[CrimeConfig]] = CrimeConfig
    kpi_rules = RULES
    headline = HEADLINE
    hourly = HOURLY

    @classmethod
    def report(cls, run: StoredRun) -> Section:
        """The "Crime" section of a run report (:func:`.report.section`)."""
        return crime_section(run)

    @classmethod
    def gis(cls, run: StoredRun) -> dict[str, Any]:
        """``crimes``: one point per crime committed, with its type, hour, guardians and light (WGS 84)."""
        from twin.present.gis import event_points  # geopandas only when writing layers

        return {"crimes": event_points(run, CrimeCommitted.kind)}

    @classmethod
    def comparison(cls, view: ComparisonView) -> list[Section]:
        """Crime by day and night in a comparison report (:func:`.report.comparison`)."""
        return crime_comparison(view)

    @classmethod
    def check(cls, scenario: Any) -> list[Problem]:
        """Mistakes between the ``crime`` section and the others (:func:`.config.check_scenario`)."""
        return check_scenario(scenario)

    @classmethod
    def estimate(cls, scenario: Any, nodes: int | None) -> Estimate:
        """Events of the crimes and ticks (:func:`.config.estimate`)."""
        return estimate(scenario, nodes)

    def install(self, model: CityModel, config: CrimeConfig) -> None:
        """Prepare the arrays and the road graph of guardians' reach; start the tick process.

        The scale ``base`` is fixed in :meth:`prepare`, not here: by then every
        system is installed, whatever the order, and their queries answer.
        """
        self.model = model
        self.config = config
        net = model.city.drive
        n = net.n_nodes
        # Guardians deter on both sides of a one-way street: search an undirected copy.
        self._graph = CSR.build(n, np.concatenate([net.edge_u, net.edge_v]),
                                np.concatenate([net.edge_v, net.edge_u]),
                                np.concatenate([net.edge_time, net.edge_time]),
                                np.concatenate([net.edge_length, net.edge_length]))
        self._everyone = np.ones(n, dtype=np.bool_)
        self._workspace = make_workspace(n)

        self.type_names: tuple[str, ...] = tuple(config.types)
        shares = np.array([t.share for t in config.types.values()], dtype=np.float64)
        self._type_cumulative = np.cumsum(shares)
        self._type_outdoor = np.array([t.outdoor_share for t in config.types.values()], dtype=np.float64)
        #: Share of all crime that happens outdoors (over the types).
        self.outdoor_share = float(np.dot(shares, self._type_outdoor) / shares.sum())
        hour = np.asarray(config.hour_profile, dtype=np.float64)
        week = np.asarray(config.weekday_profile, dtype=np.float64)
        self._hour = hour / hour.mean()  # mean 1: per_day is the mean over hours and weekdays
        self._week = week / week.mean()
        presence = np.asarray(config.targets.presence_profile, dtype=np.float64)
        self._presence = presence / presence.mean()
        self._population = np.asarray(model.city.population_weight, dtype=np.float64)

        self._weights = np.zeros(n)
        #: Guardian units within reach of each node in the current tick (int32, read-only for others).
        self.guardians = np.zeros(n, dtype=np.int32)
        self._ones = np.ones(n)
        self._light = self._ones
        self._scale = 0.0
        self._rng = model.streams("crime")
        self.base: float | None = None  # fixed in prepare()
        self.estimator: CrimeBase | None = None
        self.crimes = 0
        self.rate_per_h = 0.0
        self.targets_source = ""
        model.provide(CRIME_INTENSITY_PER_NODE, self.intensity_per_node)
        model.env.process(self._run())

    # --- the tick process ------------------------------------------------------------------

    def _run(self) -> Any:
        env, tick = self.model.env, self.config.tick_s
        while True:
            # Yield once at this instant so that systems ticking now (lights, people) go first.
            yield env.timeout(0)
            start = self.model.now
            if self.base is None:
                raise RuntimeError("the crime system runs without a scale: CityModel.prepare() was not called")
            for crime in self._draw(start, tick):
                yield env.timeout(crime["time"] - self.model.now)
                self._commit(**crime)
            yield env.timeout(max(start + tick - self.model.now, 0.0))

    def _covariates(self, hour: int) -> None:
        """Targets, guardians and light of the coming tick into the work arrays."""
        source = self.config.targets.source
        if source != "weights" and self.model.has_query(PEOPLE_PER_NODE):
            targets = self.model.query(PEOPLE_PER_NODE)
            self.targets_source = "population"
        elif source == "population":  # refused when the scenario loads (config.check_scenario): a bug here
            raise RuntimeError("crime.targets.source is 'population' but no installed system provides "
                               "people_per_node")
        else:
            targets = self._population * self._presence[hour]
            self.targets_source = "weights"
        self._targets = targets
        target_weights(targets, self.config.targets.exponent, self._weights)
        self._light = (np.asarray(self.model.query(CRIME_LIGHT_MULTIPLIER_PER_NODE), dtype=np.float64)
                       if self.model.has_query(CRIME_LIGHT_MULTIPLIER_PER_NODE) else self._ones)
        self.guardian_nodes = self._update_guardians()

    def _update_guardians(self) -> int:
        """Guardian units within reach of every node now; returns the nodes covered."""
        rule = self.config.guardianship
        if rule.coefficient == 0 or not self.model.has_query(UNITS_PER_NODE):
            self.guardians[:] = 0
            return 0
        units = np.asarray(self.model.query(UNITS_PER_NODE, unit_type=rule.unit_type))
        g = self._graph
        return int(guardians_within(g.indptr, g.indices, g.lengths, units, rule.radius_m, self._everyone,
                                    self._workspace, self.guardians))

    def prepare(self) -> None:
        """Fix the scale ``base`` before the clock starts: given, read from a file, or fitted now.

        Every system is installed by now, so the reference covariates are those
        of the start: the targets (people where they are, or the fallback's
        weights and presence profile), the guardians where they stand
        (``calibration.guardians: initial``) or none, and no light effect. A fit
        goes through :class:`twin.calibration.CrimeBase`; whichever way ``base``
        came, ``CrimeCalibrated`` and ``ParameterCalibrated`` record it with the
        expected crimes per day it gives under this run's reference.
        """
        config, calibration = self.config, self.config.calibration
        self._covariates(self.model.clock().hour)
        if calibration.guardians == "none":
            self.guardians[:] = 0
            self.guardian_nodes = 0
        weights = self.targets_source == "weights"
        targets = self._population if weights else self._targets
        presence = config.targets.presence_profile if weights else None
        if calibration.file is not None:
            self.estimator = CrimeBase.load(calibration.file)
            how, per_day = "file", float(self.estimator.per_day)
        elif calibration.base is not None:
            how, per_day = "given", math.nan
        else:
            self.estimator = CrimeBase(per_day=config.per_day, hour_profile=list(config.hour_profile),
                                       exponent=config.targets.exponent, coefficient=config.guardianship.coefficient,
                                       outdoor_share=self.outdoor_share)
            self.estimator.fit(targets, self.guardians, presence_profile=presence, provenance=Provenance.of(
                self.model.city, seed=self.model.seed, targets=self.targets_source, guardians=calibration.guardians))
            how, per_day = "fitted", config.per_day
        if how == "fitted":
            self.base, per_base = self.estimator.base_, self.estimator.per_base_
        else:  # the resolved scenario holds a file's value as base too
            self.base = calibration.base
            per_base = per_day_per_base(targets, self.guardians, hour_profile=config.hour_profile,
                                        exponent=config.targets.exponent, coefficient=config.guardianship.coefficient,
                                        outdoor_share=self.outdoor_share, presence_profile=presence)
        self.model.publish(CrimeCalibrated(
            time=self.model.now, base=self.base, per_day=per_day, reference_per_day=self.base * per_base,
            targets_source=self.targets_source, guardians=calibration.guardians,
            guardian_nodes=int(self.guardian_nodes)))
        self.model.publish(ParameterCalibrated(
            time=self.model.now, parameter=CrimeBase.parameter, value=self.base, how=how,
            file=calibration.file or "", target={} if how == "given" else self.estimator.target(),
            provenance={} if how == "given" else self.estimator.provenance_.as_dict()))

    def calibrations(self) -> dict[str, CrimeBase]:
        """``{"crime.calibration.base": the fitted CrimeBase}`` when this run fitted it."""
        fitted = self.estimator is not None and self.config.calibration.file is None
        return {CrimeBase.parameter: self.estimator} if fitted else {}

    def _draw(self, start: float, dt: float) -> list[dict[str, Any]]:
        """The crimes of ``[start, start + dt)``, in time order."""
        when = self.model.clock(start)
        self._covariates(when.hour)
        config = self.config
        g = config.guardianship.coefficient
        self._scale = self.base * self._hour[when.hour] * self._week[when.weekday()]
        self.rate_per_h = 3600.0 * self._scale * expected_crimes(self._weights, self.guardians, g,
                                                                 self._light, self.outdoor_share)
        cumulative = np.cumsum(self._weights)
        total = float(cumulative[-1]) if cumulative.size else 0.0
        # The candidates do not depend on guardians or light: variants share them (common random numbers).
        k = int(self._rng.poisson(self._scale * total * dt))
        if k == 0 or total <= 0:
            return []
        u = self._rng.random((_DRAWS, k))
        node = np.empty(k, dtype=np.int64)
        kind = np.empty(k, dtype=np.int64)
        outdoor = np.empty(k, dtype=np.bool_)
        index = np.empty(k, dtype=np.int64)
        kept = draw_crimes(cumulative, u[0], self._type_cumulative, u[1], self._type_outdoor, u[2],
                           self.guardians, g, self._light, u[3], node, kind, outdoor, index)
        times = start + u[4, index[:kept]] * dt
        crimes = []
        for i in np.argsort(times, kind="stable"):
            j = int(node[i])
            guardians = int(self.guardians[j])
            crimes.append({"time": float(times[i]), "node": j, "type_index": int(kind[i]),
                           "outdoor": bool(outdoor[i]), "targets": float(self._targets[j]), "guardians": guardians,
                           "guardianship": math.exp(-g * guardians), "light": float(self._light[j])})
        return crimes

    def _commit(self, *, time: float, node: int, type_index: int, outdoor: bool, targets: float,
                guardians: int, guardianship: float, light: float) -> None:
        net = self.model.city.drive
        x, y = float(net.x[node]), float(net.y[node])
        name = self.type_names[type_index]
        self.crimes += 1
        self.model.publish(CrimeCommitted(
            time=time, node=node, x=x, y=y, crime_type=name, outdoor=outdoor, hour=self.model.clock(time).hour,
            targets=targets, guardians=guardians, guardianship=guardianship, light_multiplier=light))
        self.model.publish(IncidentReported(time=time, node=node, x=x, y=y, incident_type=name, source="crime"))

    # --- queries, reporters, KPIs ----------------------------------------------------------

    def intensity_per_node(self) -> np.ndarray:
        """Expected crimes per hour at each drive node in the current tick.

        Returns
        -------
        float64[n]
            ``3600 × λ_j``, after guardians and light (0 before the first tick).
        """
        g = self.config.guardianship.coefficient
        deterred = np.exp(-g * self.guardians) * ((1 - self.outdoor_share) + self.outdoor_share * self._light)
        return 3600.0 * self._scale * self._weights * deterred

    def reporters(self) -> dict[str, Any]:
        """Sampled every interval: crimes so far (cumulative), and the expected crimes per hour now."""
        return {"crimes_so_far": lambda m: self.crimes, "crime_rate_per_h": lambda m: self.rate_per_h}

    def kpis(self, events: pd.DataFrame, config: CrimeConfig, model: CityModel) -> dict[str, Any]:
        """Crimes per day, by hour and type, at night and outdoors, guardianship (see :mod:`.kpis`)."""
        return crime_kpis(events, config, warmup_s=model.warmup_s, end_s=model.duration_s, start=model.start)
