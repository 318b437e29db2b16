"""Bad input is caught at the edge, with the file, the dotted path and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from twin.errors import TwinError
from twin.scenario import load_scenario
from twin.systems.population.config import (
    PopulationConfig,
    available_memory,
    coverage_problems,
    parse_clock,
)
from twin.systems.population.people import bytes_per_person


def schedule(day: str, blocks: list[tuple[str, str, str]]) -> str:
    """``population.schedules.<day>`` as YAML, from (activity, start, end) blocks."""
    lines = [f"      - {{activity: {a}, start: '{s}', end: '{e}'}}" for a, s, e in blocks]
    return f"population:\n  schedules:\n    {day}:\n" + "\n".join(lines) + "\n"


def write(tmp: Path, body: str) -> Path:
    path = tmp / "people.yaml"
    path.write_text("city: synthetic:nodes=400,seed=1\n" + body)
    return path


@pytest.mark.parametrize("body, message", [
    ("population: {size: -5}\n", "people.yaml: population.size: "),
    ("population: {size: 100000000000}\n", "population.size: 100,000,000,000 people need about"),
    ("population: {sise: 10}\n", "population.sise: unknown key; did you mean 'size'?"),
    ("population: {work: {weights: arterials}}\n", "population.work.weights: "),
    ("population: {drive_share: 1.5}\n", "population.drive_share: "),
    ("population: {tick_s: 0}\n", "population.tick_s: "),
    (schedule("weekday", [("home", "00:00", "08:00"), ("work", "09:00", "24:00")]),
     ("people.yaml: population.schedules.weekday: a schedule must cover 00:00–24:00 exactly once: "
      "08:00–09:00 is not covered")),
    (schedule("weekend", [("home", "00:00", "12:00"), ("other", "11:00", "20:00")]),
     "blocks 0 and 1 overlap 11:00–12:00; 20:00–24:00 is not covered"),
    ("population:\n  schedules:\n    weekday:\n      - {activity: nap, start: '00:00', end: '24:00'}\n",
     "population.schedules.weekday[0].activity: "),
    ("population:\n  schedules:\n    weekday:\n      - {activity: home, start: '00:00', end: '25:00'}\n",
     "'25:00' is not a time of day between 00:00 and 24:00"),
    (schedule("weekday", [("home", "00:00", "24:00"), ("work", "10:00", "10:00")]),
     "end (10:00) must be after start (10:00)"),
])
def test_scenario_errors_name_the_path(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(TwinError) as info:
        load_scenario(write(tmp_path, body))
    assert message in str(info.value), str(info.value)


def test_memory_message_says_how_much_is_needed() -> None:
    have = available_memory()
    if have is None:
        pytest.skip("this system does not report its available memory")
    size = int(have / bytes_per_person()) + 1
    with pytest.raises(ValidationError, match=rf"{bytes_per_person()} bytes each\) but only .* available"):
        PopulationConfig(size=size)
    PopulationConfig(size=1000)  # a normal size passes


def test_a_scenario_without_population_has_none(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, "run: {duration: 1h}\nresponse: {}\n"))
    assert scenario.population is None
    assert load_scenario(write(tmp_path, "population: {size: 10}\n")).population.size == 10


def test_clock_times_and_coverage() -> None:
    assert parse_clock("07:30") == 27000 and parse_clock(7.5) == 27000 and parse_clock("24:00") == 86400
    with pytest.raises(ValueError, match="time of day"):
        parse_clock("7h")
    config = PopulationConfig()
    assert coverage_problems(config.schedules.weekday) == []
    assert coverage_problems(list(reversed(config.schedules.weekend)))[0] == "blocks must be listed in time order"
