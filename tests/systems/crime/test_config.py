"""Bad crime sections fail with the file, the dotted path and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scenario_errors import section_error
from twin.scenario import load_scenario

BAD = {
    "negative rate": ("per_day: -3", "crime.per_day: Input should be greater than or equal to 0"),
    "negative exponent": ("targets: {exponent: -0.5}",
                          "crime.targets.exponent: Input should be greater than or equal to 0"),
    "share above 1": ("types: {crime_report: {share: 1.5}}",
                      "crime.types.crime_report.share: Input should be less than or equal to 1"),
    "negative share": ("types: {crime_report: {share: -0.1}}",
                       "crime.types.crime_report.share: Input should be greater than or equal to 0"),
    "outdoor share": ("types: {crime_report: {share: 0.2, outdoor_share: 2}}",
                      "crime.types.crime_report.outdoor_share: Input should be less than or equal to 1"),
    "all shares zero": ("types: {crime_report: {share: 0}}", "at least one crime type needs a share above 0"),
    "negative coefficient": ("guardianship: {coefficient: -1}",
                             "crime.guardianship.coefficient: Input should be greater than or equal to 0"),
    "negative radius": ("guardianship: {radius_m: -5}",
                        "crime.guardianship.radius_m: Input should be greater than or equal to 0"),
    "negative base": ("calibration: {base: -1e-4}",
                      "crime.calibration.base: Input should be greater than or equal to 0"),
    "negative hour": ("hour_profile: [" + ", ".join(["1"] * 23) + ", -1]",
                      "crime.hour_profile: multiplier 23 must not be negative"),
    "short profile": ("weekday_profile: [1, 1]", "crime.weekday_profile: List should have at least 7 items"),
    "zero tick": ("tick_s: 0", "crime.tick_s: Input should be greater than 0"),
    "misspelt key": ("per_dy: 20", "crime.per_dy: unknown key; did you mean 'per_day'?"),
    "unknown source": ("targets: {source: census}", "crime.targets.source: Input should be 'auto', 'population'"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_section_names_the_path(tmp_path: Path, case: str) -> None:
    body, message = BAD[case]
    error = section_error(tmp_path, "crime", body)
    assert message in error, error


def test_a_minimal_section_takes_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("city: helsinki\ncrime: {}\n")
    section = load_scenario(path).crime
    assert section.per_day == 29.6 and section.tick_s == 300
    assert {name: t.share for name, t in section.types.items()} == {"crime_in_progress": 0.12, "crime_report": 0.25}
    assert section.guardianship.coefficient == 1.4 and section.guardianship.radius_m == 100
