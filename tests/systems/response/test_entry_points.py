"""A dispatch policy shipped in a separately installed package is found through ``twin.policies``."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from twin.experiments import simulate
from twin.scenario import load_scenario
from twin.sim import policies

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
DIST = "twin-test-mine-policies"

PYPROJECT = f"""
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{DIST}"
version = "0.0.1"
requires-python = ">=3.11"

[project.entry-points."twin.policies"]
mine = "mine_pkg"

[tool.setuptools]
packages = ["mine_pkg"]
"""

MODULE = '''
"""A third party's dispatch policy: send the available units with the lowest ids."""

from twin.sim.policies import register

calls = []


@register("dispatch", "lowest_id")
class LowestId:
    def __init__(self, note: str = "") -> None:
        self.note = note
        self.stations = 0

    def install(self, ctx):
        self.stations = len(ctx.station_nodes)

    def choose(self, request, available, router):
        calls.append(request.incident)
        units = sorted(available, key=lambda u: u.uid)[:request.count]
        return [(u, router.route(u.position(), request.node)[0]) for u in units]
'''


def _can_build_offline() -> bool:
    """Whether setuptools can build a wheel without fetching anything (it needs the
    ``wheel`` package before setuptools 70.1)."""
    import setuptools

    major, minor = (int(p) for p in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def installed_plugin(tmp_path: Path):
    """The package installed into a temporary folder put on ``sys.path``, never into the environment."""
    source = tmp_path / "mine"
    (source / "mine_pkg").mkdir(parents=True)
    (source / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    (source / "mine_pkg" / "__init__.py").write_text(MODULE)
    target = tmp_path / "installed"
    # Offline when the build tools are here; otherwise pip builds in an isolated environment.
    isolation = ["--no-build-isolation"] if _can_build_offline() else []
    done = _pip("install", "--no-deps", *isolation, "--quiet", "--target", str(target), str(source))
    if done.returncode != 0:
        pytest.skip(f"cannot pip install a package here: {done.stderr.strip().splitlines()[-1:]}")
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    policies._plugins_loaded = False
    try:
        yield
    finally:
        sys.path.remove(str(target))
        policies._REGISTRY.get("dispatch", {}).pop("lowest_id", None)
        sys.modules.pop("mine_pkg", None)
        importlib.invalidate_caches()
        policies._plugins_loaded = False


def test_a_scenario_selects_a_policy_from_an_installed_package(installed_plugin, tmp_path: Path) -> None:
    assert "lowest_id" in policies.names("dispatch")
    path = tmp_path / "plugin.yaml"
    path.write_text(f"extends: {SCENARIOS / 'response_only.yaml'}\n"
                    "run: {duration: 6h, warmup: 0}\n"
                    "response:\n  dispatch: {name: lowest_id, params: {note: hello}}\n")
    scenario = load_scenario(path)
    result = simulate(scenario, 1)
    plugin = sys.modules["mine_pkg"]
    policy = result.model.systems[0][0].policy
    assert policy.note == "hello"
    assert policy.stations == len(result.model.systems[0][0].station_nodes) > 0, "install(ctx) was not called"
    assert plugin.calls, "the plugin's policy was never asked"
    assert result.kpis["response"]["all"]["served"] > 0
