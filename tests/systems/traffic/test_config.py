"""Bad traffic sections fail with the file, the dotted path and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scenario_errors import section_error
from twin.scenario import load_scenario

BAD = {
    "unknown policy": ("signals: {name: fixed_tme}",
                       "traffic.signals: unknown signals policy 'fixed_tme' (did you mean 'fixed_time'?)"),
    "cycle too long": ("signals: {name: fixed_time, params: {cycle_s: 400}}",
                       "traffic.signals: params.cycle_s: Input should be less than or equal to 300, got 400"),
    "cycle too short": ("signals: {name: fixed_time, params: {min_cycle_s: 10}}",
                        "traffic.signals: params.min_cycle_s: Input should be greater than or equal to 20"),
    "cycle range": ("signals: {name: fixed_time, params: {min_cycle_s: 90, max_cycle_s: 60}}",
                    "min_cycle_s (90) must not exceed max_cycle_s (60)"),
    "cycle below greens": ("signals: {name: fixed_time, params: {cycle_s: 30, min_green_s: 15}}",
                           "cycle_s (30 s) is shorter than two phases of min_green_s plus their lost time (38 s)"),
    "green range": ("signals: {name: actuated, params: {min_green_s: 60, max_green_s: 30}}",
                    "min_green_s (60) must not exceed max_green_s (30)"),
    "unknown param": ("signals: {name: actuated, params: {cycle_s: 60}}",
                      "traffic.signals: params.cycle_s: unknown parameter of signals policy 'actuated'"),
    "plan hours": ("signals: {name: fixed_time, params: {plan_hours: [6, 3]}}",
                   "params.plan_hours: plan_hours must be increasing clock hours 0 … 23"),
    "equipped share": ("preemption: {enabled: true, equipped_share: 1.5}",
                       "traffic.preemption.equipped_share: Input should be less than or equal to 1, got 1.5"),
    "crosswalk share": ("smart_crosswalks: {share: -0.1}",
                        "traffic.smart_crosswalks.share: Input should be greater than or equal to 0, got -0.1"),
    "risk reduction": ("smart_crosswalks: {pedestrian_risk_reduction: 2}",
                       "traffic.smart_crosswalks.pedestrian_risk_reduction: Input should be less than or equal to 1"),
    "negative volume": ("volumes: {aadt_by_class: {primary: -100}}",
                        "traffic.volumes.aadt_by_class: the daily volume of primary must be non-negative, got -100"),
    "negative scale": ("volumes: {scale: -1}", "traffic.volumes.scale: Input should be greater than or equal to 0"),
    "unknown class": ("volumes: {aadt_by_class: {primry: 100}}", "traffic.volumes.aadt_by_class.primry"),
    "zero lanes": ("roads: {lanes_by_class: {primary: 0}}",
                   "traffic.roads.lanes_by_class: the lanes of primary must be positive, got 0"),
    "negative rate": ("collisions: {link_rate_per_mvkm: {residential: -1}}",
                      "traffic.collisions.link_rate_per_mvkm: the collision rate of residential must be non-negative"),
    "negative per_day": ("collisions: {per_day: -3}",
                         "traffic.collisions.per_day: Input should be greater than or equal to 0, got -3"),
    "bad profile": ("volumes: {hour_profile: [1, 2]}", "traffic.volumes.hour_profile: List should have at least 24"),
    "priority": ("preemption: {priorities: [4]}", "traffic.preemption.priorities[0]: Input should be 1, 2 or 3"),
    "refresh": ("refresh_s: 10", "traffic.refresh_s: Input should be greater than or equal to 60, got 10"),
    "misspelt key": ("preemtion: {enabled: true}", "traffic.preemtion: unknown key; did you mean 'preemption'?"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_section_names_the_path(tmp_path: Path, case: str) -> None:
    body, message = BAD[case]
    error = section_error(tmp_path, "traffic", body)
    assert message in error, error


def test_a_minimal_section_takes_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("city: helsinki\ntraffic: {volumes: {aadt_by_class: {primary: 12000}}}\n")
    section = load_scenario(path).traffic
    assert section.signals.name == "fixed_time" and section.refresh_s == 900
    assert section.bpr.alpha == 0.15 and section.bpr.beta == 4
    assert section.volumes.aadt_by_class["primary"] == 12000  # an override ...
    assert section.volumes.aadt_by_class["secondary"] == 6000  # ... merged over the defaults
    assert section.roads.saturation_flow_by_class["primary"] == 1900
    assert section.smart_crosswalks.pedestrian_risk_reduction == 0.47
    assert not section.preemption.enabled
