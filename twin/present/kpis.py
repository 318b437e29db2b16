"""How to read a KPI: which way is better, its label, its unit, whether it is a headline.

KPIs arrive flattened to dotted keys (:func:`twin.present.format.flatten_kpis`),
e.g. ``response.by_priority.p1.response_s.p90``. Each system declares how to read
its own with :class:`KpiRule` patterns relative to its section
(:attr:`twin.sim.system.System.kpi_rules`), and which of them are headlines
(:attr:`~twin.sim.system.System.headline`). This module gathers them from every
installed system, so comparisons, sweeps, regressions and console tables know
every KPI without knowing any system.

Two conventions hold for keys no rule matches: a key ending in ``_s.mean`` or
``_s.pNN`` is a time in seconds (lower is better), and a key ending in
``within_target`` is a share (higher is better). Anything else is a neutral count
labelled by its key.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

from twin.present.format import format_duration, format_share

Direction = Literal["lower", "higher", "neutral"]
Kind = Literal["s", "share", "count"]

_TIME = re.compile(r"_s\.(mean|p\d+)$")

#: What a label's ``{word}`` becomes when the system gives no context for it.
DEFAULT_CONTEXT: dict[str, str] = {"money": "money"}


@dataclass(frozen=True)
class KpiRule:
    """How to read the KPIs whose key (relative to the system's section) matches ``pattern``.

    Attributes
    ----------
    pattern : str
        Dotted key; ``*`` matches one key part (``"by_hour.*"``).
    direction : {"lower", "higher", "neutral"}
        Which way is better; neutral KPIs describe (demand, equipment) and are
        reported as "higher" / "lower" instead of "better" / "worse".
    label : str or callable
        Short human label. A string may name the parts ``*`` matched as ``{0}``,
        ``{1}`` (underscores become spaces) and words of the system's
        :meth:`~twin.sim.system.System.label_context` as ``{currency}``; a
        callable gets the matched parts and returns the label.
    measure : str
        The unit people read (``"crimes/day"``, ``"kWh/night"``, ``"s"``).
    kind : {"s", "share", "count"}
        How values print: times as min:s, shares in %, anything else as a number.
    regress : bool
        Checked by regression runs even when not a headline (e.g. incident counts).
    """

    pattern: str
    direction: Direction
    label: str | Callable[[tuple[str, ...]], str]
    measure: str
    kind: Kind = "count"
    regress: bool = False


@dataclass(frozen=True)
class HourlyFamily:
    """KPIs with one value per clock hour, ``<section>.<prefix>.00`` … ``.23``.

    Comparisons draw them hour by hour (A, B and B − A) and write them as a table
    named ``<section>_<name>``.

    Attributes
    ----------
    name : str
        Name of the figure and table (``"by_hour"``).
    prefix : str
        Key prefix relative to the section (``"per_hour"``).
    quantity : str
        What the values are, for the axis (``"crimes per hour"``).
    caption : str
        One line for the figure.
    shaded : callable, optional
        ``shaded(config)`` → clock hours to shade (e.g. the night), from the system's config.
    """

    name: str
    prefix: str
    quantity: str
    caption: str
    shaded: Callable[[Any], list[int]] | None = None

    def keys(self, section: str) -> list[str]:
        """The 24 dotted keys of the family."""
        return [f"{section}.{self.prefix}.{h:02d}" for h in range(24)]


def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(pattern).replace(r"\*", r"([^.]+)") + "$")


@cache
def _catalogue() -> tuple[tuple[re.Pattern[str], KpiRule], ...]:
    from twin.sim.system import available

    return tuple((_regex(f"{section}.{rule.pattern}"), rule)
                 for section, system in available().items() for rule in system.kpi_rules)


@lru_cache(maxsize=8192)
def rule_for(key: str) -> tuple[KpiRule, tuple[str, ...]] | None:
    """The rule for dotted ``key`` and the parts its ``*`` matched, or None."""
    for regex, rule in _catalogue():
        match = regex.match(key)
        if match:
            return rule, match.groups()
    return None


def direction(key: str) -> Direction:
    """Whether a lower or a higher value of KPI ``key`` is better, or neither."""
    found = rule_for(key)
    if found:
        return found[0].direction
    if key.endswith("within_target"):
        return "higher"
    if _TIME.search(key):
        return "lower"
    return "neutral"


class _Context(dict):
    def __missing__(self, key: str) -> str:
        return DEFAULT_CONTEXT.get(key, "")


_FORMATTER = string.Formatter()


def label(key: str, context: Mapping[str, str] | None = None) -> str:
    """A short human label, e.g. ``"P1 response, p90"``; keys no rule knows are returned as they are.

    ``context`` fills the words labels name (``{"currency": " (EUR)"}``).
    """
    found = rule_for(key)
    if not found:
        return key
    rule, parts = found
    if callable(rule.label):
        return rule.label(parts)
    return _FORMATTER.vformat(rule.label, [p.replace("_", " ") for p in parts], _Context(context or {}))


def unit(key: str) -> Kind:
    """How the KPI's values print and scale: ``"s"`` (a time), ``"share"`` (0–1) or ``"count"``.

    :func:`measure` names the unit itself ("kWh/night", "crimes/day").
    """
    found = rule_for(key)
    if found:
        return found[0].kind
    if _TIME.search(key):
        return "s"
    if key.endswith("within_target"):
        return "share"
    return "count"


def measure(key: str, context: Mapping[str, str] | None = None) -> str:
    """The KPI's unit for people: ``"s"``, ``"share"``, ``"crimes/day"``, ``"EUR/night"``, ``"count"``…"""
    found = rule_for(key)
    return found[0].measure.format_map(_Context(context or {})) if found else unit(key)


def headline_keys(available: Iterable[str]) -> list[str]:
    """The headline KPIs among ``available`` dotted keys: systems in install order, each in its declared order."""
    from twin.sim.system import available as systems

    available = list(available)
    keys: list[str] = []
    for section, system in systems().items():
        for pattern in system.headline:
            regex = _regex(f"{section}.{pattern}")
            keys += sorted(k for k in available if regex.match(k) and k not in keys)
    return keys


def regression_keys(available: Iterable[str]) -> list[str]:
    """The KPIs a regression run checks: the headline ones, then those whose rule says ``regress``."""
    available = list(available)
    headline = headline_keys(available)
    extra = sorted(k for k in available if k not in headline and (found := rule_for(k)) and found[0].regress)
    return headline + extra


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
