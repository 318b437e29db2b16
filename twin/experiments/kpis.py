"""Which way is better for each KPI, which KPIs are the headline, and how to print them.

KPIs arrive flattened to dotted keys (:func:`twin.report.kpi_table.flatten_kpis`),
e.g. ``response.by_priority.p1.response_s.p90``; non-numeric KPIs (policy names,
the currency, lists such as evacuations) are left out by the flattening. The
rules read the key:

=============================================  ==========  ==================================
key                                            direction   why
=============================================  ==========  ==================================
``..._s.mean`` / ``p50`` / ``p90``             lower       a time (seconds): sooner is better
``...within_target``                           higher      share reached within target
``response.queue.*``                           lower       requests waiting for a unit
``response.unserved``                          lower       incidents no unit reached
``response.utilisation.*``                     neutral     busier units are cheaper but slower;
                                                           the times already say if that hurts
``...incidents``, ``...served``                neutral     demand, not performance
``crime.crimes``, ``per_day``, ``by_hour.*``,  lower       crime
``by_type.*``, ``night.crimes``,
``night.outdoor``
``traffic.collisions.*`` (not expected)        lower       collisions
``traffic.signal_delay_*``,                    lower       delay to traffic
``travel_time_index``,
``preemption.cross_delay_*``
``traffic.mean_speed_kmh``,                    higher      faster traffic, signal delay
``preemption.saved_per_trip_est``                          avoided by emergency trips
``lighting.energy_*``, ``kwh_*``, ``cost*``    lower       energy and money
``population.mean_trip_min.*``, ``stuck``      lower       travel time, people stuck
equipment, demand, calibration, shares of      neutral     inputs or descriptions, neither
crime, light level, vehicle-km, people, trips              good nor bad in themselves
=============================================  ==========  ==================================

A neutral KPI gets "higher" / "lower" instead of "better" / "worse". Keys that no
rule knows are neutral, labelled by their key, and counted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from twin.experiments.stats import Direction
from twin.report.kpi_table import format_duration, format_share

_TIME = re.compile(r"_s\.(mean|p\d+)$")

Kind = Literal["s", "share", "count"]

#: Headline KPIs in display order; ``*`` matches one key part (e.g. each unit type).
#: A pattern that matches no KPI of a comparison (a system not installed) is skipped.
HEADLINE_PATTERNS: tuple[str, ...] = (
    "response.by_priority.p1.response_s.mean",
    "response.by_priority.p1.response_s.p90",
    "response.by_priority.p2.response_s.p90",
    "response.by_priority.p3.response_s.p90",
    "response.all.response_s.mean",
    "response.all.response_s.p90",
    "response.by_priority.p1.within_target",
    "response.all.within_target",
    "response.utilisation.*",
    "response.queue.mean",
    "response.unserved",
    "crime.per_day",
    "crime.night.crimes",
    "traffic.collisions.per_day",
    "traffic.signal_delay_s.mean",
    "traffic.preemption.cross_delay_veh_h_per_day",
    "lighting.kwh_per_night",
    "lighting.cost_per_night",
)


@dataclass(frozen=True)
class Rule:
    """How to read the KPIs whose dotted key matches ``pattern`` (``*``: one key part).

    ``label`` may refer to the parts ``*`` matched as ``{0}``, ``{1}``; ``measure``
    is the unit people read ("crimes/day", "kWh/night"); ``kind`` says how values
    print (times as min:s, shares in %, anything else as a number).
    """

    pattern: str
    direction: Direction
    label: str
    measure: str
    kind: Kind = "count"


_CURRENCY = "{currency}"
_RULES: tuple[Rule, ...] = (
    # crime (twin/systems/crime): lower is better; shares and guardianship describe, they do not judge
    Rule("crime.crimes", "lower", "Crimes", "crimes"),
    Rule("crime.per_day", "lower", "Crimes per day", "crimes/day"),
    Rule("crime.by_hour.*", "lower", "Crimes {0}:00–{0}:59", "crimes"),
    Rule("crime.per_hour.*", "lower", "Crimes per hour, {0}:00–{0}:59", "crimes/h"),  # derived by compare
    Rule("crime.by_type.*", "lower", "Crimes, {0}", "crimes"),
    Rule("crime.night.crimes", "lower", "Night crimes", "crimes"),
    Rule("crime.night.outdoor", "lower", "Night outdoor crimes", "crimes"),
    Rule("crime.day.crimes", "lower", "Day crimes", "crimes"),  # derived by compare
    Rule("crime.night.share", "neutral", "Night share of crimes", "share", "share"),
    Rule("crime.night.outdoor_share", "neutral", "Outdoor share of night crimes", "share", "share"),
    Rule("crime.night_outdoor_share", "neutral", "Night outdoor crimes, share of all", "share", "share"),
    Rule("crime.outdoor_share", "neutral", "Outdoor share of crimes", "share", "share"),
    Rule("crime.guarded_share", "neutral", "Crimes with police in reach, share", "share", "share"),
    Rule("crime.mean_guardians", "neutral", "Police units in reach of crimes, mean", "units"),
    Rule("crime.mean_guardianship", "neutral", "Guardianship factor at crimes, mean", "factor"),
    Rule("crime.mean_light_multiplier_night_outdoor", "neutral", "Light multiplier at night outdoor crimes",
         "factor"),
    Rule("crime.calibration.*", "neutral", "Crime calibration, {0}", "count"),
    # traffic (twin/systems/traffic)
    Rule("traffic.controllers", "neutral", "Signal controllers", "signals"),
    Rule("traffic.equipped_signals", "neutral", "Signals equipped for preemption", "signals"),
    Rule("traffic.smart_crosswalks", "neutral", "Smart crosswalks", "crosswalks"),
    Rule("traffic.signal_delay_s.mean", "lower", "Signal delay per vehicle, mean", "s", "s"),
    Rule("traffic.signal_delay_veh_h", "lower", "Signal delay (veh·h)", "veh·h"),
    Rule("traffic.vehicle_km", "neutral", "Vehicle-km", "veh·km"),
    Rule("traffic.travel_time_index", "lower", "Travel time index", "index"),
    Rule("traffic.mean_speed_kmh", "higher", "Mean speed (km/h)", "km/h"),
    Rule("traffic.mean_cycle_s", "neutral", "Signal cycle, mean", "s", "s"),
    Rule("traffic.collisions.expected_per_day", "neutral", "Collisions expected per day (calibration)",
         "collisions/day"),
    Rule("traffic.collisions.total", "lower", "Collisions", "collisions"),
    Rule("traffic.collisions.per_day", "lower", "Collisions per day", "collisions/day"),
    Rule("traffic.collisions.pedestrian", "lower", "Pedestrian collisions", "collisions"),
    Rule("traffic.collisions.pedestrian_per_day", "lower", "Pedestrian collisions per day", "collisions/day"),
    Rule("traffic.collisions.at_smart_crosswalks", "lower", "Collisions at smart crosswalks", "collisions"),
    Rule("traffic.collisions.by_site.*", "lower", "Collisions, {0}", "collisions"),
    Rule("traffic.preemption.enabled", "neutral", "Preemption enabled", "yes = 1"),
    Rule("traffic.preemption.trips", "neutral", "Trips with preemption", "trips"),
    Rule("traffic.preemption.signals_passed", "neutral", "Signals passed on preempting trips", "signals"),
    Rule("traffic.preemption.preemptions", "neutral", "Preemptions", "preemptions"),
    Rule("traffic.preemption.preemptions_per_day", "neutral", "Preemptions per day", "preemptions/day"),
    Rule("traffic.preemption.saved_per_trip_est", "higher", "Signal delay saved per trip (est.)", "s", "s"),
    Rule("traffic.preemption.cross_delay_veh_h", "lower", "Cross-traffic delay from preemption (veh·h)", "veh·h"),
    Rule("traffic.preemption.cross_delay_veh_h_per_day", "lower",
         "Cross-traffic delay from preemption per day (veh·h)", "veh·h/day"),
    Rule("traffic.preemption.cross_delay_per_preemption_veh_s", "lower",
         "Cross-traffic delay per preemption (veh·s)", "veh·s"),
    # street lighting (twin/systems/lighting)
    Rule("lighting.lights", "neutral", "Street lights", "lights"),
    Rule("lighting.installed_kw", "neutral", "Installed lighting power (kW)", "kW"),
    Rule("lighting.lit_km", "neutral", "Lit road (km)", "km"),
    Rule("lighting.lit_km_share", "neutral", "Lit share of road length", "share", "share"),
    Rule("lighting.energy_kwh", "lower", "Lighting energy (kWh)", "kWh"),
    Rule("lighting.cost", "lower", "Lighting cost" + _CURRENCY, "money"),
    Rule("lighting.kwh_per_night", "lower", "Lighting energy per night (kWh)", "kWh/night"),
    Rule("lighting.cost_per_night", "lower", "Lighting cost per night" + _CURRENCY, "money/night"),
    Rule("lighting.energy_by_policy_kwh.*", "lower", "Lighting energy per night if {0} (kWh)", "kWh/night"),
    Rule("lighting.by_night.*.kwh", "lower", "Lighting energy, night of {0} (kWh)", "kWh"),
    Rule("lighting.by_night.*.cost", "lower", "Lighting cost, night of {0}" + _CURRENCY, "money"),
    Rule("lighting.dark_hours", "neutral", "Dark hours", "h"),
    Rule("lighting.mean_level_night", "neutral", "Light level at night, mean", "share", "share"),
    Rule("lighting.outages.lights_failed", "lower", "Street lights failed", "lights"),
    Rule("lighting.outages.lights_repaired", "neutral", "Street lights repaired", "lights"),
    Rule("lighting.outages.mean_repair_s", "lower", "Street light repair time, mean", "s", "s"),
    # population (twin/systems/population): demand is neutral, time lost is not
    Rule("population.people.*", "neutral", "People, {0}", "people"),
    Rule("population.person_km.*", "neutral", "Person-km, {0}", "km"),
    Rule("population.person_hours.*", "neutral", "Person-hours travelled, {0}", "h"),
    Rule("population.trips.*", "neutral", "Trips, {0}", "trips"),
    Rule("population.trips_per_person.*", "neutral", "Trips per person, {0}", "trips"),
    Rule("population.mean_trip_min.*", "lower", "Trip duration, mean, {0} (min)", "min"),
    Rule("population.stuck", "lower", "People stuck", "people"),
)


def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(pattern).replace(r"\*", r"([^.]+)") + "$")


_COMPILED = tuple((_regex(rule.pattern), rule) for rule in _RULES)


@lru_cache(maxsize=4096)
def _rule(key: str) -> tuple[Rule, tuple[str, ...]] | None:
    """The rule for ``key`` and the parts its ``*`` matched, or None."""
    for regex, rule in _COMPILED:
        match = regex.match(key)
        if match:
            return rule, match.groups()
    return None


def direction(key: str) -> Direction:
    """Whether a lower or a higher value of KPI ``key`` is better, or neither."""
    found = _rule(key)
    if found:
        return found[0].direction
    if key.endswith("within_target"):
        return "higher"
    if _TIME.search(key) or key.startswith("response.queue.") or key == "response.unserved":
        return "lower"
    return "neutral"


def headline_keys(available: Iterable[str]) -> list[str]:
    """The headline KPIs among ``available`` dotted keys, in display order."""
    available = list(available)
    keys: list[str] = []
    for pattern in HEADLINE_PATTERNS:
        regex = _regex(pattern)
        keys += sorted(k for k in available if regex.match(k) and k not in keys)
    return keys


_PRIORITY = {"p1": "P1", "p2": "P2", "p3": "P3", "all": "All"}


def label(key: str, currency: str | None = None) -> str:
    """A short human label, e.g. ``"P1 response, p90"``; unknown keys are returned as they are.

    ``currency`` (e.g. ``"EUR"``) is added to the labels of costs: "Lighting cost per night (EUR)".
    """
    found = _rule(key)
    if found:
        rule, parts = found
        text = rule.label.format(*(p.replace("_", " ") for p in parts), currency=f" ({currency})" if currency
                                 else "")
        return text
    return _response_label(key)


def _response_label(key: str) -> str:
    parts = key.split(".")
    if parts[:1] != ["response"]:
        return key
    rest = parts[1:]
    if rest[:1] == ["by_priority"] and len(rest) >= 3:
        group, rest = _PRIORITY.get(rest[1], rest[1]), rest[2:]
    elif rest[:1] == ["all"]:
        group, rest = "All", rest[1:]
    elif rest[:1] == ["by_type"] and len(rest) >= 3:
        group, rest = rest[1].replace("_", " "), rest[2:]
    elif rest[:1] == ["utilisation"] and len(rest) == 2:
        return f"Utilisation, {rest[1]}"
    elif rest == ["queue", "mean"]:
        return "Queue, mean waiting requests"
    elif rest == ["queue", "max"]:
        return "Queue, max waiting requests"
    elif rest == ["unserved"]:
        return "Unserved incidents"
    else:
        return key
    if len(rest) == 2 and rest[0].endswith("_s"):
        return f"{group} {rest[0][:-2].replace('_', ' ')}, {rest[1]}"
    if rest == ["within_target"]:
        return f"{group} within target"
    return f"{group} {' '.join(rest).replace('_', ' ')}"


def unit(key: str) -> Kind:
    """How the KPI's values print and scale: ``"s"`` (a time), ``"share"`` (0–1) or ``"count"`` (any other number).

    :func:`measure` names the unit itself ("kWh/night", "crimes/day").
    """
    found = _rule(key)
    if found:
        return found[0].kind
    if _TIME.search(key):
        return "s"
    if key.endswith("within_target") or key.startswith("response.utilisation."):
        return "share"
    return "count"


def measure(key: str) -> str:
    """The KPI's unit for people: ``"s"``, ``"share"``, ``"crimes/day"``, ``"kWh/night"``, ``"money"``, ``"count"``…"""
    found = _rule(key)
    return found[0].measure if found else unit(key)


def bounded(key: str, value: float) -> float:
    """``value`` clipped to the KPI's natural range (≥ 0; shares ≤ 1), for displaying an interval's end.

    A Student t interval over few replications can cross a bound (a share
    above 100 %); the files keep the interval as computed, people see it clipped.
    """
    if not math.isfinite(value):
        return value
    return min(max(value, 0.0), 1.0) if unit(key) == "share" else max(value, 0.0)


def format_value(key: str, value: float | None, *, signed: bool = False, delta: bool | None = None) -> str:
    """A KPI value for people.

    Levels: times as min:s, shares in %, counts with two decimals (one significant
    digit below 0.005, so that a value just off zero does not print as 0.00). Differences
    and half-widths (``delta``, default: ``signed``): times in seconds (min:s would
    round them away), shares in percentage points (pp). ``signed`` adds the sign.
    """
    if value is None or not math.isfinite(value):
        return "–"
    delta = signed if delta is None else delta
    sign = "+" if signed and value > 0 else ("-" if signed and value < 0 else "")
    magnitude = abs(value) if signed else value
    kind = unit(key)
    if kind == "s":
        return f"{sign}{magnitude:,.1f} s" if delta else format_duration(magnitude)
    if kind == "share":
        return sign + format_share(magnitude).replace(" %", " pp" if delta else " %")
    if 0 < abs(magnitude) < 0.005:
        return f"{sign}{magnitude:.1g}"  # not "0.00": an interval's end just off zero must not look like zero
    return f"{sign}{magnitude:,.2f}"
