"""A run that keeps no replay (replications, benchmarks) skips the movement log and nothing else."""

from __future__ import annotations

from pathlib import Path

from twin.experiments import simulate
from twin.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[3]


def test_without_replay_the_kpis_and_events_are_the_same_and_no_route_is_logged(tmp_path: Path) -> None:
    path = tmp_path / "short.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios' / 'response_only.yaml'}\nrun: {{duration: 4h, warmup: 0}}\n")
    scenario = load_scenario(path)
    kept, skipped = simulate(scenario, 5), simulate(scenario, 5, replay=False)
    assert kept.kpis == skipped.kpis
    assert kept.events.equals(skipped.events)
    moves = {s.section: s for s, _ in kept.model.systems}["response"].outputs()["movements"]
    none = {s.section: s for s, _ in skipped.model.systems}["response"].outputs()["movements"]
    assert len(moves) > 0 and len(none) == 0
