"""The ``lighting:`` section of a scenario, with documented defaults.

Sources of the defaults
-----------------------
* Pole spacing 35 m (28.6 luminaires per km of lit road): roadway poles of
  8–12 m spaced about 2.5–3 times their height (Global Designing Cities
  Initiative / NACTO, *Global Street Design Guide*, 2016, "Lighting"), i.e.
  about 25–36 m; European residential streets with 6–8 m poles commonly run
  30–40 m.
* Rated power 50 W per luminaire: a typical LED street luminaire replacing a
  100 W high-pressure-sodium (HPS) lamp, which draws about 110–120 W with its
  ballast. Whole-city LED retrofits report savings of this order (Los Angeles
  replaced some 140,000 HPS luminaires with LED from 2009 and reports about
  63 % less energy). For an HPS city use ``power_w: 117`` (100 W lamp + ballast)
  — and note that HPS lamps dim poorly, so adaptive dimming is an LED policy.
* Lit when OSM does not say: primary, secondary, tertiary, unclassified,
  residential and living streets (urban main and residential streets are lit
  almost everywhere in European cities; motorways, trunk roads and service roads
  often are not). OSM's ``lit`` tag wins where it is set.
* Electricity price 0.15 per kWh (EUR): of the order of Eurostat's
  non-household electricity prices in the EU in 2023–2024 (roughly 0.10–0.25
  EUR/kWh excluding VAT, lowest in the Nordic countries). Set your contract's.
* Crime effect 0.36: Chalfin, Hansen, Weisburst & Williams (2022), J. Quant.
  Criminol. 38 — see :mod:`twin.systems.lighting.crime`.
* Outages (off unless given): about 0.1 failures per light-year sits between
  LED luminaires (rated lives of 50,000–100,000 h, failures mostly of drivers)
  and HPS lamps (about 24,000–30,000 h rated life, i.e. a failure every 6–7
  years at some 4,100 burning hours a year); repairs of a single dark lamp take
  days — many highway authorities aim at about a week, hence the default
  lognormal of mean 7 days.

Times are seconds, powers watts, lengths metres.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from twin.sim.budget import Estimate
from twin.sim.config import Duration, PolicyChoice, StrictModel
from twin.systems.lighting import policies as _policies  # noqa: F401  (registers the built-in policies)
from twin.systems.lighting.presence import DEFAULT_ACTIVITY

RoadClass = Literal["motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
                    "living_street", "service", "footway", "other"]

DEFAULT_LIT_CLASSES: tuple[str, ...] = ("primary", "secondary", "tertiary", "unclassified", "residential",
                                        "living_street")


class LightingPolicyChoice(PolicyChoice):
    """The lighting policy by registered name, with its keyword parameters."""

    concern: ClassVar[str] = "lighting"
    name: str = "dusk_to_dawn"


class OutageSettings(StrictModel):
    """Lamp failures and repairs (a layer under any policy)."""

    rate_per_light_year: float = Field(default=0.1, ge=0, description="failures per luminaire per year")
    repair: Duration = Field(default_factory=lambda: Duration(distribution="lognormal", mean_s=7 * 86400, cv=0.5),
                             description="time from failure to repair")


class MotionSettings(StrictModel):
    """Motion sensing for adaptive lighting (see :mod:`twin.systems.lighting.presence`)."""

    min_people: int = Field(default=1, ge=1, description="people on a segment's end nodes that trigger it")
    fallback_activity: list[float] = Field(default_factory=lambda: list(DEFAULT_ACTIVITY), min_length=24,
                                           max_length=24,
                                           description="without a population system: share of segments "
                                                       "with motion per hour, 0 … 1")

    @field_validator("fallback_activity")
    @classmethod
    def _shares(cls, values: list[float]) -> list[float]:
        for hour, value in enumerate(values):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"the share of hour {hour} must be between 0 and 1, got {value}")
        return values


class LightingConfig(StrictModel):
    """Scenario section ``lighting``."""

    policy: LightingPolicyChoice = Field(default_factory=LightingPolicyChoice)
    tick_s: float = Field(default=300.0, gt=0, description="interval between level updates, seconds")
    report_every_s: float = Field(default=3600.0, gt=0,
                                  description="interval of LightingEnergy summaries, seconds (a multiple of tick_s)")
    spacing_m: float = Field(default=35.0, gt=0, description="pole spacing along lit roads, metres")
    spacing_m_by_class: dict[RoadClass, float] = Field(default_factory=dict)
    power_w: float = Field(default=50.0, ge=0, description="rated power of one luminaire, W")
    power_w_by_class: dict[RoadClass, float] = Field(default_factory=dict)
    use_osm_lit: bool = Field(default=True, description="take OSM's lit tag where it is set")
    lit_when_unknown: list[RoadClass] = Field(default_factory=lambda: list(DEFAULT_LIT_CLASSES))
    price_per_kwh: float = Field(default=0.15, ge=0, description="electricity price, currency per kWh")
    currency: str = "EUR"
    crime_effect: float = Field(default=0.36, ge=0, le=1,
                                description="night-time outdoor crime reduction at full level (Chalfin et al. 2022)")
    outages: OutageSettings | None = None
    motion: MotionSettings = Field(default_factory=MotionSettings)
    timezone: str | None = Field(default=None, description="IANA zone of the sun's clock, e.g. Europe/Helsinki "
                                 "(default: run.timezone)")
    change_threshold: float = Field(default=0.05, gt=0, le=1,
                                    description="change of the mean level that publishes LightingChanged")

    @field_validator("spacing_m_by_class")
    @classmethod
    def _positive_spacing(cls, values: dict[str, float]) -> dict[str, float]:
        for name, value in values.items():
            if value <= 0:
                raise ValueError(f"the spacing of {name} must be positive, got {value}")
        return values

    @field_validator("power_w_by_class")
    @classmethod
    def _non_negative_power(cls, values: dict[str, float]) -> dict[str, float]:
        for name, value in values.items():
            if value < 0:
                raise ValueError(f"the power of {name} must not be negative, got {value}")
        return values

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        if name is not None:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {name!r} (use an IANA name such as 'Europe/Helsinki')") from None
        return name

    @model_validator(mode="after")
    def _whole_ticks(self) -> LightingConfig:
        ticks = self.report_every_s / self.tick_s
        if abs(ticks - round(ticks)) > 1e-9 or round(ticks) < 1:
            raise ValueError(f"report_every_s ({self.report_every_s:g}) must be a multiple of tick_s "
                             f"({self.tick_s:g})")
        return self


def estimate(scenario: Any, nodes: int | None) -> Estimate:
    """What the ``lighting`` section costs a run (:meth:`twin.sim.system.System.estimate`): a
    level update every ``tick_s`` (which may publish a change) and an energy summary every
    ``report_every_s``. The lights themselves depend on the city's roads and are not counted."""
    config: LightingConfig = scenario.lighting
    duration = scenario.run.duration
    return Estimate.of({}, events=duration / config.report_every_s, steps=duration / config.tick_s)
