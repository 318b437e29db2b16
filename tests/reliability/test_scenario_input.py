"""Bad scenario input: every mistake ends in one clear line and exit status 2, quickly, writing nothing.

Each case is a scenario file (and the files it extends) that a user or a shared
scenario could throw at ``python run.py run FILE --out DIR``. The command must
exit with status 2, print one ``error:`` line (a short block when it lists
several problems) naming the file and the field, print no traceback, write
nothing to ``DIR``, and finish within a few seconds: refused at load, before
the city is loaded or anything allocated.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from twin import cli

ROOT = Path(__file__).resolve().parents[2]
#: A bad input is refused at load: well within this, wall-clock seconds.
TIME_LIMIT_S = 10.0
#: No error line is longer than this (an error quotes at most a couple of hundred characters of input).
LONGEST_LINE = 700

H = "city: helsinki\n"
OK = H + "response: {}\n"  # the smallest scenario that runs
PROFILE_23 = ", ".join(["1"] * 23)


def alias_bomb() -> str:
    """The classic "billion laughs" in YAML: nine levels of nine aliases, about 600 bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        prev, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\nresponse: {}\n"


@dataclass
class Case:
    """A scenario (``files["s.yaml"]``, and others it extends) and words its error must hold.

    ``target`` replaces the scenario given to ``run`` (a device, a folder); ``words`` must all be in
    the error; ``absent`` must not; ``field`` is the dotted path that must follow the file's name.
    """

    files: dict[str, str | bytes]
    words: tuple[str, ...]
    field: str | None = None
    absent: tuple[str, ...] = ()
    target: str = "s.yaml"
    special: str = ""  # "fifo" or "folder": make the target so


CASES: dict[str, Case] = {
    # --- reading files safely
    "extends /dev/zero": Case({"s.yaml": "extends: /dev/zero\n" + OK}, ("/dev/zero", "not a regular file")),
    "run /dev/zero": Case({}, ("/dev/zero", "not a regular file"), target="/dev/zero"),
    "a named pipe": Case({}, ("not a regular file",), target="pipe.yaml", special="fifo"),
    "extends a named pipe": Case({"s.yaml": "extends: pipe.yaml\n" + OK}, ("s.yaml -> ", "not a regular file"),
                                 special="fifo-base"),
    "a folder": Case({}, ("is a folder",), target="folder.yaml", special="folder"),
    "extends a folder": Case({"s.yaml": "extends: .\n" + OK}, ("s.yaml -> ", "is a folder")),
    "over 1 MB": Case({"s.yaml": OK + ("# padding\n" * 110_000)}, ("too large", "1,000,000")),
    "not UTF-8": Case({"s.yaml": b"city: helsinki\nresponse: {}\nname: \xff\xfe\n"}, ("not UTF-8",)),
    "no such file": Case({}, ("no such scenario file",), target="absent.yaml"),
    "duplicate top-level key": Case({"s.yaml": "city: helsinki\nrun: {seed: 1}\nresponse: {}\nrun: {seed: 2}\n"},
                                    ("s.yaml:4: duplicate key 'run' (first at line 2",)),
    "duplicate nested key": Case({"s.yaml": "city: helsinki\nresponse:\n  arrivals: {per_day: 1, per_day: 2}\n"},
                                 ("s.yaml:3: duplicate key 'per_day'",)),
    "duplicate key in a base": Case({"s.yaml": "extends: base.yaml\n", "base.yaml": OK + "city: malta\n"},
                                    ("s.yaml -> ", "base.yaml:3: duplicate key 'city'",)),
    "alias bomb": Case({"s.yaml": alias_bomb()}, ("50,000 values", "aliases")),
    "alias to itself": Case({"s.yaml": "a: &a [1, *a]\n" + OK}, ("an alias refers to a value that contains it",)),
    "nested 10,000 deep": Case({"s.yaml": "response: " + "[" * 10_000 + "]" * 10_000 + "\n"}, ("nested",)),
    "nested 60 deep": Case({"s.yaml": "response: " + "{a: " * 60 + "1" + "}" * 60 + "\n"}, ("nested more than 50",)),
    "a list, not a mapping": Case({"s.yaml": "- response\n- city\n"}, ("must be a mapping of sections, got list",)),
    "not YAML": Case({"s.yaml": "run: [unclosed\n"}, ("not valid YAML",)),
    "two documents": Case({"s.yaml": OK + "---\n" + OK}, ("not valid YAML",)),
    "a Python tag": Case({"s.yaml": "response: !!python/object/apply:os.system ['true']\n"}, ("not valid YAML",)),
    "empty file": Case({"s.yaml": ""}, ("the file is empty",)),
    "comments only": Case({"s.yaml": "# nothing yet\n"}, ("the file is empty",)),
    "no system section": Case({"s.yaml": "city: helsinki\nrun: {seed: 3}\n"}, ("configures no system",)),
    "error in a base file": Case({"s.yaml": "extends: base.yaml\n", "base.yaml": OK + "run: {duration: -5}\n"},
                                 ("s.yaml -> ", "base.yaml: run.duration: Input should be greater than 0",)),
    "error in a base's base": Case({"s.yaml": "extends: mid.yaml\n", "mid.yaml": "extends: base.yaml\n",
                                    "base.yaml": H + "response: {units: {police: {count: -1}}}\n"},
                                   ("mid.yaml -> ", "base.yaml: response.units.police.count",)),
    "child's error names the child": Case({"s.yaml": "extends: base.yaml\nrun: {seed: -1}\n", "base.yaml": OK},
                                          ("run.seed",), field="run.seed", absent=(" -> ",)),
    "bad YAML in a base": Case({"s.yaml": "extends: base.yaml\n", "base.yaml": "run: [unclosed\n"},
                               ("s.yaml -> ", "base.yaml", "not valid YAML")),
    "extends a missing file": Case({"s.yaml": "extends: missing.yaml\n" + OK},
                                   ("s.yaml: extends: no such file 'missing.yaml'",)),
    "extends a list": Case({"s.yaml": "extends: [a.yaml]\n" + OK}, ("s.yaml: extends: must be a file name",)),
    "extends itself": Case({"s.yaml": "extends: s.yaml\n" + OK}, ("circular",)),
    "a 100 kB value is cut short": Case({"s.yaml": OK + "run: {duration: '" + "x" * 100_000 + "'}\n"},
                                        ("run.duration", "…"), field="run.duration"),
    "a 100 kB key is cut short": Case({"s.yaml": OK + "? " + "k" * 100_000 + "\n: 1\n"}, ("unknown key", "…")),
    "100,000 values": Case({"s.yaml": "city: helsinki\nresponse: {arrivals: {hour_profile: ["
                            + ", ".join(["-1"] * 100_000) + "]}}\n"}, ("50,000 values",)),
    "5,000 bad stations": Case({"s.yaml": H + "response: {units: {police: {count: 2, stations: ["
                                + ", ".join(["{lon: 200, lat: 0}"] * 5000) + "]}}}\n"},
                               ("5,000 problems", "response.units.police.stations[19].lon", "… and 4,980 more")),
    # --- values
    "travel_time_scale .inf": Case({"s.yaml": H + "response: {travel_time_scale: .inf}\n"},
                                   ("finite number",), field="response.travel_time_scale"),
    "per_day .nan": Case({"s.yaml": H + "response: {arrivals: {per_day: .nan}}\n"},
                         ("finite number",), field="response.arrivals.per_day"),
    "-.inf in an hour profile": Case({"s.yaml": H + f"response: {{arrivals: {{hour_profile: [-.inf, {PROFILE_23}]}}}}\n"},
                                     ("finite number",), field="response.arrivals.hour_profile[0]"),
    ".inf in a nested duration": Case({"s.yaml": H + "response: {handover_s: {mean_s: .inf}}\n"},
                                      ("finite number",), field="response.handover_s.mean_s"),
    ".inf in a mapping of floats": Case({"s.yaml": H + "response: {lights_and_sirens: {1: .inf}}\n"},
                                        ("finite number",), field="response.lights_and_sirens.1"),
    ".inf duration": Case({"s.yaml": OK + "run: {duration: .inf}\n"}, ("finite number",), field="run.duration"),
    ".inf in a policy's params": Case({"s.yaml": H + "response: {dispatch: {name: mexclp, params: {coverage_s: .inf}}}\n"},
                                      ("params.coverage_s: must be a finite number",), field="response.dispatch"),
    ".inf traffic volume": Case({"s.yaml": OK + "traffic: {volumes: {aadt_by_class: {primary: .inf}}}\n"},
                                ("finite number",), field="traffic.volumes.aadt_by_class.primary"),
    ".nan crime exponent": Case({"s.yaml": OK + "crime: {targets: {exponent: .nan}}\n"},
                                ("finite number",), field="crime.targets.exponent"),
    ".inf lighting power": Case({"s.yaml": OK + "lighting: {power_w: .inf}\n"}, ("finite number",),
                                field="lighting.power_w"),
    ".inf population tick": Case({"s.yaml": OK + "population: {size: 100, tick_s: .inf}\n"}, ("finite number",),
                                 field="population.tick_s"),
    "negative targets_s": Case({"s.yaml": H + "response: {targets_s: {1: -5}}\n"},
                               ("must be positive",), field="response.targets_s"),
    "station at lon 200": Case({"s.yaml": H + "response: {units: {police: {count: 2, stations: [{lon: 200, lat: 60}]}}}\n"},
                               ("less than or equal to 180",), field="response.units.police.stations[0].lon",
                               absent=("'auto'",)),
    "stations neither auto nor a list": Case({"s.yaml": H + "response: {units: {police: {count: 2, stations: 3}}}\n"},
                                             ("'auto' or a valid list",), field="response.units.police.stations"),
    "name ../../x": Case({"s.yaml": OK + "name: ../../x\n"}, ("plain name",), field="name"),
    "name /anywhere": Case({"s.yaml": OK + "name: /anywhere\n"}, ("plain name",), field="name"),
    "name with NUL": Case({"s.yaml": OK + 'name: "a\\0b"\n'}, ("plain name",), field="name"),
    "name ..": Case({"s.yaml": OK + "name: ..\n"}, ("plain name",), field="name"),
    "name of 300 characters": Case({"s.yaml": OK + f"name: {'n' * 300}\n"}, ("at most 100",), field="name"),
    # --- bounds before allocation
    "10^9 units": Case({"s.yaml": H + "response: {units: {police: {count: 1000000000}, ambulance: {count: 4}, "
                                     "fire: {count: 4}}}\n"},
                       ("memory", "units ≈")),
    "arrivals.per_day 1e9": Case({"s.yaml": H + "response: {arrivals: {per_day: 1.0e+9}}\n"},
                                 ("events", "at most 20,000,000")),
    "run.duration 1e12": Case({"s.yaml": OK + "run: {duration: 1.0e+12}\n"}, ("samples", "run.sample_every")),
    "crime.per_day 1e9": Case({"s.yaml": "city: helsinki\ncrime: {per_day: 1.0e+9}\n"}, ("events", "crime")),
    "traffic.volumes.scale 1e9": Case({"s.yaml": OK + "traffic: {volumes: {scale: 1.0e+9}}\n"},
                                      ("less than or equal to 100",), field="traffic.volumes.scale"),
    "sample_every 0.001": Case({"s.yaml": OK + "run: {sample_every: 0.001}\n"}, ("samples", "at most 1,000,000")),
    "crime tick 1 µs": Case({"s.yaml": "city: helsinki\ncrime: {tick_s: 1.0e-6}\n"}, ("events",)),
    "lighting tick 1 µs": Case({"s.yaml": "city: helsinki\nlighting: {tick_s: 1.0e-6, report_every_s: 1.0e-6}\n"},
                               ("events",)),
    "a year of 10^6 incidents a day": Case({"s.yaml": H + "run: {duration: 365d}\nresponse: {arrivals: {per_day: 1000000}}\n"},
                                           ("events",)),
    "10^12 people": Case({"s.yaml": OK + "population: {size: 1000000000000}\n"}, ("memory",),
                         field="population.size"),
    "trees for 10,000 units on a 10^6-node city": Case(
        {"s.yaml": "city: synthetic:nodes=1000000\n"
                   "response: {units: {police: {count: 10000}, ambulance: {count: 4}, fire: {count: 4}}}\n"},
        ("memory", "routing trees")),
}


def _make(tmp_path: Path, case: Case) -> tuple[Path, Path]:
    """Write the case's files under ``tmp_path``; return the scenario to run and the output folder."""
    for name, text in case.files.items():
        (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    if case.special in ("fifo", "fifo-base"):
        os.mkfifo(tmp_path / "pipe.yaml")
    elif case.special == "folder":
        (tmp_path / case.target).mkdir()
    target = Path(case.target) if case.target.startswith("/") else tmp_path / case.target
    return target, tmp_path / "out"


def _check(case: Case, target: Path, out: Path, status: int, err: str, seconds: float) -> None:
    assert status == 2, err
    assert "Traceback" not in err, err
    assert err.startswith("error: "), err
    lines = err.rstrip("\n").split("\n")
    assert len(lines) == 1 or lines[0].endswith(" problems"), err
    assert all(len(line) <= LONGEST_LINE for line in lines), [len(line) for line in lines]
    # The error names the file (the chain ends with a base file's name when the mistake is there).
    assert str(target) in err or target.name in err or "s.yaml" in err, err
    for word in case.words:
        assert word in err, (word, err)
    for word in case.absent:
        assert word not in err, (word, err)
    if case.field is not None:
        assert f": {case.field}: " in err, (case.field, err)
    assert not out.exists() or not any(out.iterdir()), sorted(out.iterdir())
    assert seconds < TIME_LIMIT_S, seconds


@pytest.fixture(scope="module", autouse=True)
def _systems_imported() -> None:
    """Import the systems once before timing (their import is not the refusal's cost)."""
    import twin.scenario  # noqa: F401


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_and_exit_2(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES[name]
    target, out = _make(tmp_path, case)
    start = time.perf_counter()
    status = cli.main(["run", str(target), "--out", str(out)])
    seconds = time.perf_counter() - start
    _check(case, target, out, status, capsys.readouterr().err, seconds)


@pytest.mark.parametrize("name", ["run /dev/zero", "alias bomb", "duplicate top-level key", "error in a base file",
                                  "10^9 units", "name ../../x", "a named pipe"])
def test_the_command_exits_2_for_real(name: str, tmp_path: Path) -> None:
    """A few cases through a real process: the exit status, stderr, and nothing left behind."""
    case = CASES[name]
    target, out = _make(tmp_path, case)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "run", str(target), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    seconds = time.perf_counter() - start
    _check(case, target, out, done.returncode, done.stderr, seconds + TIME_LIMIT_S - 60)  # process start-up allowed
    assert not (tmp_path / "outputs").exists()


def test_a_unit_type_with_no_units_means_none(tmp_path: Path) -> None:
    """``police: {count: 0}`` with no incident type needing police: the run simply has no police."""
    from twin.experiments.run import simulate
    from twin.scenario import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text("city: synthetic:nodes=400\nrun: {duration: 6h}\nresponse:\n"
                    "  units: {police: {count: 0}, ambulance: {count: 2}, fire: {count: 2}}\n"
                    "  incident_types: {traffic_collision: null, crime_in_progress: null, crime_report: null}\n")
    result = simulate(load_scenario(path))
    system = next(s for s, _ in result.model.systems if s.section == "response")
    assert system.units_of["police"] == [] and system.units  # ambulances and fire engines, no police
    assert len(result.events) > 0


def test_routing_trees_only_where_units_are(tmp_path: Path) -> None:
    """A station without units gets no tree at install (a big city has hundreds of stations)."""
    from twin.experiments.run import build_model
    from twin.scenario import load_scenario

    path = tmp_path / "s.yaml"
    stations = ", ".join(f"{{lon: {24.93 + 0.002 * i:.3f}, lat: 60.17}}" for i in range(6))
    path.write_text(f"city: helsinki\nresponse:\n  units:\n    police: {{count: 2, stations: [{stations}]}}\n"
                    "    ambulance: {count: 1}\n    fire: {count: 2}\n")
    model = build_model(load_scenario(path), 1)
    system = next(s for s, _ in model.systems if s.section == "response")
    homes = {unit.home for unit in system.units}
    assert set(system._home_trees) == homes
    assert len(set(system.station_nodes[system.stations_of["police"]].tolist())) > 2  # more stations than trees
    # A station without units still answers, building its tree when first asked.
    empty = system.stations_of["police"][-1]
    assert system.time_to_station(int(system.station_nodes[empty]), empty) == 0.0


def test_the_largest_documented_city_with_a_small_response_section_is_accepted(tmp_path: Path) -> None:
    """1,000,000 intersections with the default fleets: some 8 routing trees (16 MB each), not one a station."""
    from twin.scenario import load_scenario
    from twin.scenario.budget import estimates

    path = tmp_path / "s.yaml"
    path.write_text("city: synthetic:nodes=1000000\nresponse: {}\n")
    parts = estimates(load_scenario(path))
    assert 100e6 < parts["response"].bytes < 1e9
