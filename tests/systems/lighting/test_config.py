"""Bad lighting sections fail with the file, the dotted path and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scenario_errors import section_error
from twin.scenario import load_scenario

BAD = {
    "dim_level: 1.5": ("policy: {name: adaptive, params: {dim_level: 1.5}}",
                       "lighting.policy: params.dim_level: Input should be less than or equal to 1"),
    "always_on level": ("policy: {name: always_on, params: {level: -0.2}}",
                        "lighting.policy: params.level: Input should be greater than or equal to 0"),
    "dim above full": ("policy: {name: adaptive, params: {dim_level: 0.8, full_level: 0.5}}",
                       "dim_level (0.8) must not exceed full_level (0.5)"),
    "unknown policy": ("policy: {name: dusk_to_down}", "unknown lighting policy 'dusk_to_down' "
                                                      "(did you mean 'dusk_to_dawn'?)"),
    "unknown param": ("policy: {name: adaptive, params: {dim: 0.3}}",
                      "lighting.policy: params.dim: unknown parameter of lighting policy 'adaptive'"),
    "negative power": ("power_w: -50", "lighting.power_w: Input should be greater than or equal to 0"),
    "negative class power": ("power_w_by_class: {primary: -1}",
                             "lighting.power_w_by_class: the power of primary must not be negative"),
    "unknown class": ("power_w_by_class: {primry: 100}", "lighting.power_w_by_class.primry"),
    "zero spacing": ("spacing_m: 0", "lighting.spacing_m: Input should be greater than 0"),
    "negative rate": ("outages: {rate_per_light_year: -1}",
                      "lighting.outages.rate_per_light_year: Input should be greater than or equal to 0"),
    "bad zone": ("timezone: Europe/Helsingfors", "lighting.timezone: unknown time zone 'Europe/Helsingfors'"),
    "ticks": ("tick_s: 700", "report_every_s (3600) must be a multiple of tick_s (700)"),
    "misspelt key": ("polcy: {name: adaptive}", "lighting.polcy: unknown key; did you mean 'policy'?"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_section_names_the_path(tmp_path: Path, case: str) -> None:
    body, message = BAD[case]
    error = section_error(tmp_path, "lighting", body)
    assert message in error, error


def test_a_minimal_section_takes_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("city: helsinki\nlighting: {}\n")
    section = load_scenario(path).lighting
    assert section.policy.name == "dusk_to_dawn" and section.power_w == 50 and section.crime_effect == 0.36
