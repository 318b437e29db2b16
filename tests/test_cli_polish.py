"""The command line as a new user meets it: --version, -q/-v, examples in every --help,
did-you-mean, its own name, stages and a heartbeat, where the outputs are, ``latest``."""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from rich.console import Console

from twin import progress
from twin.cli import _parsers, build_parser, main
from twin.experiments.outputs import link_latest
from twin.kernels import compiled

ROOT = Path(__file__).resolve().parents[1]
RESPONSE_ONLY = ROOT / "scenarios" / "response_only.yaml"


def _error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The stderr of an argparse refusal, which must exit with status 2."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


# -- 1. the parser --------------------------------------------------------------------------------

def test_version_is_the_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"public-safety-twin {version}"


@pytest.mark.parametrize(("argv", "expected"), [
    (["rnu"], "unknown command 'rnu' (did you mean 'run'?)"),
    (["compar", "a.yaml", "b.yaml"], "unknown command 'compar' (did you mean 'compare'?)"),
    (["city", "infoo", "helsinki"], "unknown command 'infoo' (did you mean 'info'?)"),
    (["bench", "routng"], "unknown command 'routng' (did you mean 'routing'?)"),
    (["city", "info", "helsinki", "--network", "driv"], "invalid choice: 'driv' (did you mean 'drive'?)"),
    (["run", "x.yaml", "--sede", "3"], "unrecognized arguments: --sede 3 (did you mean --seed?)"),
    (["run", "x.yaml", "--sede", "3", "--ouy", "o"],
     "(--sede: did you mean --seed?; --ouy: did you mean --out?)"),
])
def test_did_you_mean(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert expected in _error(argv, capsys)


def test_nothing_close_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(["xyzzy"], capsys)
    assert "unknown command 'xyzzy' (choose from 'city', 'run'" in err and "did you mean" not in err


def test_quiet_and_verbose_before_or_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    assert parser.parse_args(["run"]).verbosity == 0
    assert parser.parse_args(["-q", "run"]).verbosity == -1
    assert parser.parse_args(["run", "-q"]).verbosity == -1
    assert parser.parse_args(["-v", "compare", "a.yaml", "b.yaml"]).verbosity == 1
    assert parser.parse_args(["compare", "a.yaml", "b.yaml", "--verbose"]).verbosity == 1
    assert parser.parse_args(["city", "info", "helsinki", "-q"]).verbosity == -1
    assert "not allowed with argument" in _error(["run", "-q", "-v"], capsys)


def _example_lines(help_text: str) -> list[str]:
    block = help_text.split("Examples:\n", 1)[1]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.startswith("  ")]


def test_every_help_has_examples_that_parse() -> None:
    parser = build_parser()
    seen = 0
    for sub in _parsers(parser):
        text = sub.format_help()
        assert "\nExamples:\n" in text, f"{sub.prog}: no Examples in --help"
        for line in _example_lines(text):
            words = shlex.split(line)
            assert words[:2] == ["python", "run.py"], line
            if "--help" in words:
                with pytest.raises(SystemExit) as exit_info:
                    build_parser().parse_args(words[2:])
                assert exit_info.value.code == 0, line
            else:
                build_parser().parse_args(words[2:])  # an example that no longer parses exits here
            seen += 1
    assert seen >= 30


@pytest.mark.parametrize(("launcher", "prog"), [
    ([sys.executable, str(ROOT / "run.py")], "python run.py"),
    ([sys.executable, "-m", "twin"], "python -m twin"),
    (["twin"], "twin"),
])
def test_the_program_names_itself_as_started(launcher: list[str], prog: str, tmp_path: Path) -> None:
    if launcher == ["twin"]:
        script = shutil.which("twin")
        if script is None:
            pytest.skip("the `twin` console script is not installed (pip install -e .)")
        launcher = [script]
    proc = subprocess.run([*launcher, "rnu"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"usage: {prog} ")
    assert f"{prog}: error: unknown command 'rnu' (did you mean 'run'?)" in proc.stderr
    helped = subprocess.run([*launcher, "city", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert f"  {prog} city info helsinki" in helped.stdout


# -- 2. progress, where the outputs are, latest ---------------------------------------------------

def _stages(verbosity: int = 0, heartbeat_s: float = 0.05) -> tuple[progress.Stages, io.StringIO]:
    out = io.StringIO()
    return progress.Stages(Console(file=out, width=200), verbosity, heartbeat_s=heartbeat_s, live=False), out


def test_stages_are_named_and_a_log_gets_a_heartbeat() -> None:
    stages, out = _stages()
    with stages:
        stages.begin("simulating", "simulating 24 h of test (seed 1)", total=24, unit="h simulated")
        stages.advance(6)
        time.sleep(0.3)
        stages.begin("writing the report")
    lines = out.getvalue().splitlines()
    assert lines[0] == "simulating 24 h of test (seed 1)…"
    assert any(re.fullmatch(r"  … simulating: 6\.0 of 24\.0 h simulated \(0:00 in this stage, 0:00 in all\)", line)
               for line in lines), lines
    assert lines[-1] == "writing the report…" or "… writing the report" in lines[-1]
    assert set(stages.durations) == {"simulating", "writing the report"}
    assert stages.durations["simulating"] >= 0.3
    count = len(out.getvalue().splitlines())
    time.sleep(0.2)
    assert len(out.getvalue().splitlines()) == count, "the heartbeat stops with the command"


def test_quiet_stages_say_nothing_and_verbose_adds_details() -> None:
    quiet, out = _stages(-1)
    with quiet:
        quiet.begin("simulating", total=2, unit="h")
        quiet.advance(1)
        quiet.detail("a detail")
        time.sleep(0.15)
    assert out.getvalue() == ""
    normal, out = _stages(0, heartbeat_s=0)
    with normal:
        normal.say("said")
        normal.detail("a detail")
    assert out.getvalue() == "said\n"
    verbose, out = _stages(1, heartbeat_s=0)
    with verbose:
        verbose.detail("a detail")
    assert out.getvalue() == "a detail\n"


def test_cold_cache_means_most_kernels_uncompiled(monkeypatch: pytest.MonkeyPatch) -> None:
    kernels = compiled.kernels()
    assert len(kernels) > 20 and all(k.__module__.startswith("twin.kernels.") for k in kernels)
    for versions, cold in ((lambda k: 0, True), (lambda k: 2, False), (lambda k: -1, False)):
        monkeypatch.setattr(compiled, "_cached_versions", versions)
        assert compiled.cache_is_cold() is cold
    # A third of the kernels cached is still a first run; two thirds is not.
    names = [k.__name__ for k in kernels]
    monkeypatch.setattr(compiled, "_cached_versions", lambda k: int(names.index(k.__name__) % 3 == 0))
    assert compiled.cache_is_cold()
    monkeypatch.setattr(compiled, "_cached_versions", lambda k: int(names.index(k.__name__) % 3 != 0))
    assert not compiled.cache_is_cold()


def test_an_empty_numba_cache_dir_is_cold(tmp_path: Path) -> None:
    code = "from twin.kernels.compiled import cache_dir, cache_is_cold; print(cache_is_cold(), cache_dir())"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    cold, where = proc.stdout.split(maxsplit=1)
    assert cold == "True" and Path(where.strip()).is_relative_to(tmp_path), proc.stdout + proc.stderr


def test_compile_timer_counts_compiling_not_cache_hits() -> None:
    import numba

    @numba.njit
    def add_one(x: int) -> int:
        return x + 1

    with compiled.compile_timer() as first:
        add_one(1)
    with compiled.compile_timer() as again:
        add_one(2)  # compiled already: nothing to time
    assert first.seconds > 0.01 and again.seconds == 0.0
    from numba.core import event

    with compiled.compile_timer() as timer:
        assert not timer.compiling
        with event.trigger_event("numba:compile"):
            with event.trigger_event("numba:compile"):  # a kernel compiled inside another: counted once
                assert timer.compiling
                time.sleep(0.05)
        assert not timer.compiling
    assert 0.05 <= timer.seconds < 1.0


def test_the_heartbeat_says_what_else_is_going_on() -> None:
    stages, out = _stages()
    with stages:
        stages.busy = lambda: "compiling kernels"
        stages.begin("installing the systems")
        time.sleep(0.15)
    assert "  … installing the systems: compiling kernels (0:00 in this stage" in out.getvalue()


def test_latest_points_at_the_newest_and_is_replaced(tmp_path: Path) -> None:
    first, second = tmp_path / "20260101-000000-seed1", tmp_path / "20260101-000100-seed1"
    first.mkdir()
    second.mkdir()
    assert link_latest(first) == tmp_path / "latest"
    assert os.readlink(tmp_path / "latest") == first.name  # relative: the outputs folder can move
    assert link_latest(second) == tmp_path / "latest"
    assert (tmp_path / "latest").resolve() == second.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name, second.name, "latest"], "no temporary left"


def test_latest_is_skipped_where_links_cannot_be_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "run-1"
    run.mkdir()
    (tmp_path / "latest").mkdir()  # a real folder of that name is never replaced
    assert link_latest(run) is None and (tmp_path / "latest").is_dir() and not (tmp_path / "latest").is_symlink()

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(1, "Operation not permitted")

    elsewhere = tmp_path / "other"
    (elsewhere / "run-1").mkdir(parents=True)
    monkeypatch.setattr(os, "symlink", refuse)
    assert link_latest(elsewhere / "run-1") is None
    assert [p.name for p in elsewhere.iterdir()] == ["run-1"]


def _short_scenario(tmp_path: Path) -> Path:
    scenario = tmp_path / "short.yaml"
    scenario.write_text(f"extends: {RESPONSE_ONLY}\nname: short\nrun: {{duration: 3h, warmup: 0s}}\n")
    return scenario


def test_quiet_run_prints_only_the_report_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    scenario = _short_scenario(tmp_path)
    assert main(["-q", "run", str(scenario)]) == 0
    first = capsys.readouterr()
    runs = sorted(p for p in (tmp_path / "outputs" / "short").iterdir() if p.name != "latest")
    assert first.out == f"report: {Path('outputs') / 'short' / runs[0].name / 'report.md'}\n" and first.err == ""
    assert len(runs) == 1 and (tmp_path / "outputs" / "short" / "latest").resolve() == runs[0].resolve()


def test_verbose_run_says_its_stages_and_where_everything_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(compiled, "cache_is_cold", lambda: True)  # as on a first run
    monkeypatch.setattr(progress, "HEARTBEAT_S", 0.2)
    out = tmp_path / "run"
    assert main(["run", str(_short_scenario(tmp_path)), "--out", str(out), "-v"]) == 0
    printed = capsys.readouterr().out
    said = [line for line in printed.splitlines() if line.endswith("…")]
    assert said[:5] == ["loading the city helsinki…", "installing the systems: response…",
                        "simulating 3 h of short (seed 1)…", "computing KPIs…",
                        f"writing the outputs and the report to {out}…"]
    assert "compiling kernels: first run only" in printed
    assert re.search(r"^city helsinki: 551 intersections, ", printed, re.M)
    assert re.search(r"^  … writing the report \(0:0\d in this stage", printed, re.M), "a heartbeat in a log"
    assert re.search(r"^timings: loading the city \d+\.\d\d s, installing the systems", printed, re.M)
    lines = printed.splitlines()
    assert f"figures: {out / 'figures'}/ ({len(list((out / 'figures').glob('*.png')))} PNG)" in lines
    assert lines[-1] == f"report: {out / 'report.md'}"
    assert not (tmp_path / "latest").exists(), "--out: no latest link"


# -- first steps: errors that say what to do ------------------------------------------------------

def test_a_missing_extract_says_where_extracts_come_from(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["city", "info", str(tmp_path / "my-city.osm.pbf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / 'my-city.osm.pbf'}: no such file; ")
    assert "Geofabrik" in err and "BBBike" in err and "bbox:W,S,E,N" in err and "docs/cities.md" in err
    assert len(err.splitlines()) == 1


def test_a_missing_base_says_extends_is_relative_to_the_extending_file(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "studies").mkdir()
    scenario = tmp_path / "studies" / "mine.yaml"
    scenario.write_text("extends: scenarios/response_only.yaml\nrun: {seed: 2}\n")  # relative to the project: wrong
    assert main(["run", str(scenario), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"(looked for {tmp_path / 'studies' / 'scenarios' / 'response_only.yaml'}: " in err
    assert "a path in extends is relative to the file that names it, mine.yaml" in err
    assert not (tmp_path / "out").exists()


def test_a_batch_in_a_log_says_how_many_runs_are_done(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from twin.cli import _counting, console

    assert not console.is_terminal  # pytest captures the output, as a CI log does
    monkeypatch.setattr(progress, "HEARTBEAT_S", 0.05)
    with _counting(argparse.Namespace(verbosity=0), "response_only: replications", 3) as step:
        step()
        time.sleep(0.2)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "response_only: replications…"
    assert any(line.startswith("  … response_only: replications: 1 of 3 runs (0:00 in this stage") for line in out), out
