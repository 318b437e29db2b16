"""Two short stored runs to replay: the response-only scenario for three hours, and a variant
with two more ambulances (same city, same seed: a pair to see side by side)."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.experiments import simulate
from twin.experiments.outputs import write_run
from twin.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]

SHORT = f"extends: {ROOT / 'scenarios' / 'response_only.yaml'}\nrun: {{duration: 3h, warmup: 0}}\n"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return write_run(simulate(load_scenario(path)), folder / name)


@pytest.fixture(scope="session")
def run_a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder: three hours of emergency response in Helsinki, seed 1."""
    return _write(tmp_path_factory.mktemp("runs"), "response-3h", SHORT)


@pytest.fixture(scope="session")
def run_b(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same three hours and seed with six ambulances instead of four."""
    return _write(tmp_path_factory.mktemp("runs"), "six-ambulances",
                  SHORT + "response: {units: {ambulance: {count: 6}}}\n")
