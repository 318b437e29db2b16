"""A city system shipped in a package of its own plugs in with no edit outside that package.

The package (:mod:`tests.plugins.tally_pkg`, copied into a temporary source tree)
is installed into a temporary folder, never into the running environment, and
the real command line runs with that folder on ``PYTHONPATH``: the system gets
its scenario section, its cross-section check, its console table, its report
section (again from the folder alone) and its KPIs with verdicts in ``compare``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_SOURCE = Path(__file__).with_name("tally_pkg.py")

PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "twin-test-tally"
version = "0.0.1"
requires-python = ">=3.11"

[project.entry-points."twin.systems"]
tally = "tally_pkg:TallySystem"

[tool.setuptools]
packages = ["tally_pkg"]
"""

#: Six hours of emergency response in Helsinki, one of them warm-up, with the tally installed.
SCENARIO = """\
extends: {base}
run: {{duration: 6h, warmup: 1h}}
tally: {{every_s: {every}}}
"""


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the installed tally package and its entry point."""
    source = tmp_path_factory.mktemp("tally-source")
    (source / "tally_pkg").mkdir()
    (source / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    (source / "tally_pkg" / "__init__.py").write_text(PLUGIN_SOURCE.read_text())
    target = tmp_path_factory.mktemp("tally-installed")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--target", str(target), str(source)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.skip(f"cannot build a package here: {done.stderr.strip().splitlines()[-1:]}")
    return target


def twin(plugin_path: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python run.py ARGS`` with the plug-in on the path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_path), str(ROOT)])}
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True,
                          timeout=600, cwd=cwd, env=env)


def scenario(folder: Path, name: str, every: float) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(SCENARIO.format(base=ROOT / "scenarios" / "response_only.yaml", every=every))
    return path


def test_not_installed_means_unknown(tmp_path: Path) -> None:
    """Without the plug-in on the path the section is an unknown key: the test above is not vacuous."""
    from twin.cli import main

    assert main(["run", str(scenario(tmp_path, "a", 600)), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_a_plugged_in_system_runs_reports_and_prints(plugin_path: Path, tmp_path: Path) -> None:
    done = twin(plugin_path, "run", str(scenario(tmp_path, "a", 600)), "--out", str(tmp_path / "a"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # The console table: its headline KPIs with their labels.
    assert "Tally" in done.stdout and "Bells rung" in done.stdout and "Incidents heard" in done.stdout
    kpis = json.loads((tmp_path / "a" / "kpis.json").read_text())["kpis"]
    # A bell every 600 s; those at 3,600 s … 21,000 s fall in the measured window [1 h, 6 h).
    assert kpis["tally"]["bells"] == len(range(3600, 21600, 600)) == 30
    assert kpis["tally"]["heard"] == kpis["response"]["all"]["incidents"]  # heard what response was called to
    events = pd.read_parquet(tmp_path / "a" / "events.parquet")
    assert (events["kind"] == "BellRung").sum() == 35  # 600 s … 21,000 s
    report = (tmp_path / "a" / "report.md").read_text()
    assert "## Tally" in report and "| Bells rung in all | 35 |" in report and "Rung every 600 s." in report

    # The report again, from the folder alone.
    (tmp_path / "a" / "report.md").unlink()
    again = twin(plugin_path, "report", str(tmp_path / "a"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "a" / "report.md").read_text() == report


def test_a_plugged_in_system_is_compared_with_verdicts(plugin_path: Path, tmp_path: Path) -> None:
    a, b = scenario(tmp_path, "often", 600), scenario(tmp_path, "seldom", 1200)
    done = twin(plugin_path, "compare", str(a), str(b), "--reps", "2", "--processes", "1", "--no-store",
                "--out", str(tmp_path / "cmp"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    diffs = pd.read_csv(tmp_path / "cmp" / "differences.csv").set_index("kpi")
    bells = diffs.loc["tally.bells"]
    assert bells["label"] == "Bells rung" and bells["direction"] == "lower"
    assert bells["a_mean"] == 30 and bells["b_mean"] == 15 and bells["verdict"] == "better"
    assert diffs.loc["tally.heard", "verdict"] == "no significant difference"  # the same incidents (CRN)
    report = (tmp_path / "cmp" / "report.md").read_text()
    assert "| Bells rung |" in report  # a headline KPI of the comparison


def test_a_plugged_in_system_checks_the_whole_scenario(plugin_path: Path, tmp_path: Path) -> None:
    bad = scenario(tmp_path, "bad", 10 * 86400)
    done = twin(plugin_path, "run", str(bad), "--out", str(tmp_path / "bad"), cwd=tmp_path)
    assert done.returncode == 2
    assert f"{bad}: tally.every_s: 864000 s is longer than the run (21600 s)" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "bad").exists()
