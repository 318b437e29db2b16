"""The report's "Street lighting" section: energy and cost, power over the run, policies compared.

The tables read the lighting KPIs (:mod:`twin.systems.lighting.kpis`), among
them ``energy_by_policy_kwh``: the same nights evaluated under every built-in
policy during the run (:mod:`twin.systems.lighting.comparison`). The power
figure reads the sampled ``lighting_kw`` and ``light_level_mean`` columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import PercentFormatter

from twin.present.comparison import ComparisonView
from twin.present.format import format_number, format_share
from twin.present.kpis import KpiRule
from twin.present.plotting import GRID_STYLE, save_figure, time_panels
from twin.present.stored import StoredRun
from twin.present.tables import Figure, Section, Table
from twin.systems.lighting.comparison import BUILT_IN

#: Colour of the run's own policy, and of the others, in the comparison.
RUN_COLOUR, OTHER_COLOUR = "#f9a825", "#90a4ae"


def _params_text(params: Mapping[str, Any]) -> str:
    """``{"dim_level": 0.5}`` → ``"dim_level=0.5"``; none → ``"defaults"``."""
    return ", ".join(f"{key}={value}" for key, value in params.items()) or "defaults"


def lighting_table(kpis: Mapping[str, Any], params: Mapping[str, Any]) -> Table:
    """Policy, luminaires, energy and cost per night, light level at night, outages.

    Parameters
    ----------
    kpis : mapping
        The lighting KPIs (:func:`twin.systems.lighting.kpis.lighting_kpis`).
    params : mapping
        The run's policy parameters (as in the scenario).
    """
    currency = kpis.get("currency") or ""
    outages = kpis["outages"]
    rows = [
        ("Policy", f"{kpis['policy']} ({_params_text(params)})"),
        ("Luminaires", f"{kpis['lights']:,} ({format_number(kpis['installed_kw'], 1, 'kW')} at full level)"),
        ("Lit road", f"{format_number(kpis['lit_km'], 1, 'km')} ({format_share(kpis['lit_km_share'])} of road)"),
        ("Energy after the warm-up", format_number(kpis["energy_kwh"], 1, "kWh")),
        ("Energy per night", format_number(kpis["kwh_per_night"], 1, "kWh")),
        ("Cost per night", format_number(kpis["cost_per_night"], 2, currency)),
        ("Dark hours (sun below civil twilight)", format_number(kpis["dark_hours"], 1, "h")),
        ("Mean light level at night", format_share(kpis["mean_level_night"])),
    ]
    if outages["lights_failed"] or outages["lights_repaired"]:
        repair = outages["mean_repair_s"]
        rows += [("Luminaires failed / repaired", f"{outages['lights_failed']:,} / {outages['lights_repaired']:,}"),
                 ("Mean time dark before repair", format_number(repair / 86400 if repair else None, 1, "days"))]
    return Table(("Indicator", "Value"), rows,
                 note="Per night: the energy of the measured window scaled to 24 h. A failed luminaire counts "
                      "as level 0.")


def _night_label(evening: str) -> str:
    """``"2026-11-01"`` → ``"Sun 1 Nov → Mon 2 Nov"`` (a night runs from noon to noon)."""
    day = date.fromisoformat(evening)
    after = day + pd.Timedelta(days=1)
    return f"{day:%a} {day.day} {day:%b} → {after:%a} {after.day} {after:%b}"


def nights_table(kpis: Mapping[str, Any]) -> Table:
    """Energy (kWh) and cost of each night of the run."""
    currency = kpis.get("currency") or ""
    rows = [(_night_label(night), format_number(value["kwh"], 1), format_number(value["cost"], 2))
            for night, value in kpis["by_night"].items()]
    return Table(("Night (noon to noon)", "Energy (kWh)", f"Cost ({currency})".replace(" ()", "")), rows,
                 heading="Energy by night",
                 note="Nights cut by the start or end of the run, or by the warm-up, are partial.")


def policy_label(name: str, own: str) -> str:
    """A policy as named in the table and chart: the run's own is marked ``(this run)``."""
    return f"{name} (this run)" if name == own and not name.endswith("(this run)") else name


def policy_order(by_policy: Mapping[str, float]) -> list[str]:
    """The built-in policies in their usual order, then the run's own if it is not one of them."""
    return [name for name in BUILT_IN if name in by_policy] + [name for name in by_policy if name not in BUILT_IN]


def policies_table(kpis: Mapping[str, Any], params: Mapping[str, Any], price_per_kwh: float) -> Table:
    """kWh and cost per night of the same nights under each policy, against the run's own."""
    by_policy, own = kpis["energy_by_policy_kwh"], kpis["energy_by_policy_run"]
    currency = kpis.get("currency") or ""
    reference = by_policy.get(own)
    rows = []
    for name in policy_order(by_policy):
        kwh = by_policy[name]
        change = f"{100 * (kwh / reference - 1):+.0f} %" if reference else "–"
        rows.append((policy_label(name, own), _params_text(params) if name == own else "defaults", format_number(kwh, 1),
                     format_number(kwh * price_per_kwh, 2), change if name != own else "–"))
    return Table(("Policy", "Parameters", "Energy per night (kWh)", f"Cost per night ({currency})", "vs this run"),
                 rows, heading="Energy per lighting policy",
                 note="The same nights, luminaires, failures and motion, evaluated under each policy during the "
                      "run; only the run's own policy lit the streets that crime saw.")


def power_over_time(timeseries: pd.DataFrame, start: datetime, out: Path, *, warmup_s: float = 0.0) -> Path:
    """Power drawn (kW) and mean light level (share of full), over clock time.

    Parameters
    ----------
    timeseries : DataFrame
        The model's samples: ``time_s`` (s), ``lighting_kw`` (kW) and ``light_level_mean`` (0 … 1).
    start, out, warmup_s
        Clock time of second 0, the PNG to write, end of the warm-up (s; shaded).

    Returns
    -------
    Path
        ``out``.
    """
    panels = time_panels(timeseries, start, (1.6, 1), 5.0)
    (power, level), clock = panels.axes, panels.clock
    kw = timeseries["lighting_kw"]
    power.step(clock, kw, where="post", color="#f57f17", linewidth=1.6)
    power.fill_between(clock, kw, step="post", color="#ffe082", alpha=0.6)
    power.set_ylim(0, max(1.0, float(kw.max())) * 1.2)
    power.set_ylabel("Power drawn (kW)")
    power.set_title("Street lighting over the run")
    level.step(clock, timeseries["light_level_mean"], where="post", color="#5d4037", linewidth=1.4)
    level.set_ylim(0, 1.05)
    level.yaxis.set_major_formatter(PercentFormatter(1.0))
    level.set_ylabel("Mean level\n(% of full)")
    return panels.finish(out, warmup_s=warmup_s)


def policies_chart(by_policy: Mapping[str, float], own: str, price_per_kwh: float, currency: str,
                   out: Path) -> Path:
    """Horizontal bars: energy per night under each policy, the run's own highlighted.

    Parameters
    ----------
    by_policy : mapping
        Policy → kWh per night.
    own : str
        The run's own entry.
    price_per_kwh : float
        Currency per kWh, for the cost beside each bar.
    currency : str
    out : Path
        The PNG to write.

    Returns
    -------
    Path
        ``out``.
    """
    names = policy_order(by_policy)
    values = [by_policy[name] for name in names]
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(names) + 1.4))
    positions = range(len(names))[::-1]  # first policy on top
    ax.barh(list(positions), values, color=[RUN_COLOUR if n == own else OTHER_COLOUR for n in names],
            edgecolor="#424242", linewidth=0.6, height=0.6)
    ax.set_yticks(list(positions))
    ax.set_yticklabels([policy_label(n, own) for n in names])
    top = max(values, default=1.0) or 1.0
    for y, kwh in zip(positions, values):
        ax.annotate(f"{kwh:,.0f} kWh · {kwh * price_per_kwh:,.2f} {currency}".rstrip(), (kwh, y),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    # Room on the right for the labels of the longest bar.
    ax.set_xlim(0, top * 1.3)
    ax.set_xlabel("Energy per night (kWh)")
    ax.set_title("The same nights under each lighting policy")
    ax.grid(True, axis="x", **GRID_STYLE)
    ax.set_axisbelow(True)
    return save_figure(fig, out)


def section(run: StoredRun) -> Section:
    """The "Street lighting" section of a stored run: tables, power over the run, policies compared."""
    kpis, config = run.kpis, run.config
    params = config.policy.params or {}
    tables = [lighting_table(kpis, params), nights_table(kpis)]
    figures = [Figure("lighting_power", power_over_time(run.timeseries, run.start, run.figures / "lighting_power.png",
                                                        warmup_s=run.warmup_s),
                      "Street-lighting power and mean light level over the run")]
    if kpis["energy_by_policy_kwh"]:
        tables.append(policies_table(kpis, params, config.price_per_kwh))
        chart = policies_chart(kpis["energy_by_policy_kwh"], kpis["energy_by_policy_run"], config.price_per_kwh,
                               kpis.get("currency") or "", run.figures / "lighting_policies.png")
        figures.append(Figure("lighting_policies", chart,
                              "Energy per night of the same nights under each lighting policy"))
    return Section("Street lighting", tables, figures)


BY_POLICY = "lighting.energy_by_policy_kwh."

#: Lighting KPIs of the comparison's energy table, in display order.
ENERGY_KEYS = ("lighting.kwh_per_night", "lighting.cost_per_night", "lighting.energy_kwh", "lighting.cost",
               "lighting.mean_level_night", "lighting.dark_hours")


def comparison(view: ComparisonView) -> list[Section]:
    """Street-lighting energy and cost per night of A and B, and each policy's estimate on the same nights."""
    both, either = view.available(), view.available(both=False)
    if "lighting.kwh_per_night" not in both:
        return []
    a, b = view.names
    configs = view.configs
    by_policy = sorted(k for k in either if k.startswith(BY_POLICY))
    policies = ("Policy", *(str(c.policy.name) for c in configs), "", "", "", "")
    rows = [policies, *view.rows([k for k in ENERGY_KEYS if k in both], relative=True)]
    currencies = {c.currency for c in configs}
    currency = currencies.pop() if len(currencies) == 1 else "the scenarios' currencies"
    prices = " and ".join(sorted({f"{c.price_per_kwh:g} {c.currency}/kWh" for c in configs}))
    window = min(s.run.duration - s.run.warmup for s in view.scenarios) / 3600
    short = (f" The window is shorter than a day ({window:g} h), so the energy per night is extrapolated from it: "
             "a window that is mostly dark overstates the energy of a whole night, one mostly in daylight "
             "understates it. Compare A with B, not with runs over other hours." if window < 24 - 1e-9 else "")
    tables = [Table(("", f"A: {a}", f"B: {b}", "B − A", "change", "p", "verdict on B"), rows,
                    note=f"Means [{view.confidence:.0%} CI] over {view.reps} replications; B − A paired, replication "
                         "by replication. Energy per night is the energy of the measured window scaled to 24 h; "
                         f"energy and cost are over the window; costs in {currency} at {prices}.{short} The "
                         "policies' parameters are in `a.yaml` and `b.yaml`.")]
    if by_policy:
        tables.append(Table(("policy", f"in A: {a}", f"in B: {b}"),
                            [(k[len(BY_POLICY):], view.mean_ci(k, "a"), view.mean_ci(k, "b")) for k in by_policy],
                            heading="Each policy on the same nights",
                            note="Energy per night (kWh) the same nights would have taken under each policy, as the "
                                 "lighting system estimates it on the same inputs: the built-in policies with their "
                                 "default parameters, the run's own policy with its own. This is a what-if within "
                                 "each run, not an effect measured between A and B."))
    return [Section("Street-lighting energy", tables)]


#: How to read the lighting KPIs: energy and money are worse when higher; equipment describes.
RULES: tuple[KpiRule, ...] = (
    KpiRule("lights", "neutral", "Street lights", "lights"),
    KpiRule("installed_kw", "neutral", "Installed lighting power (kW)", "kW"),
    KpiRule("lit_km", "neutral", "Lit road (km)", "km"),
    KpiRule("lit_km_share", "neutral", "Lit share of road length", "share", "share"),
    KpiRule("energy_kwh", "lower", "Lighting energy (kWh)", "kWh"),
    KpiRule("cost", "lower", "Lighting cost{currency}", "{money}"),
    KpiRule("kwh_per_night", "lower", "Lighting energy per night (kWh)", "kWh/night"),
    KpiRule("cost_per_night", "lower", "Lighting cost per night{currency}", "{money}/night"),
    KpiRule("energy_by_policy_kwh.*", "lower", "Lighting energy per night if {0} (kWh)", "kWh/night"),
    KpiRule("by_night.*.kwh", "lower", "Lighting energy, night of {0} (kWh)", "kWh"),
    KpiRule("by_night.*.cost", "lower", "Lighting cost, night of {0}{currency}", "{money}"),
    KpiRule("dark_hours", "neutral", "Dark hours", "h"),
    KpiRule("mean_level_night", "neutral", "Light level at night, mean", "share", "share"),
    KpiRule("outages.lights_failed", "lower", "Street lights failed", "lights"),
    KpiRule("outages.lights_repaired", "neutral", "Street lights repaired", "lights"),
    KpiRule("outages.mean_repair_s", "lower", "Street light repair time, mean", "s", "s"),
)

#: The lighting KPIs a planner looks at first.
HEADLINE: tuple[str, ...] = ("kwh_per_night", "cost_per_night")


def label_context(config: Any) -> dict[str, str]:
    """Costs are in the section's currency: labels say which."""
    return {"currency": f" ({config.currency})", "money": str(config.currency)}
