"""``record_diff``: what ``regress --record`` rewrites, one reviewed line per changed KPI."""

from __future__ import annotations

from twin.experiments.regress import record_diff

OLD = {"reps": 10, "seed": 1, "kpis": {
    "response.all.incidents": {"value": 27, "check": "exact"},
    "response.all.response_s.mean": {"value": 300.0, "check": "ci", "slack": 2.0},
    "traffic.collisions.total": {"value": 4.0, "check": "ci", "slack": 0.05}}}


def test_lists_moved_added_and_removed_kpis_and_counts_the_rest() -> None:
    new = {"reps": 10, "seed": 1, "kpis": {
        "response.all.incidents": {"value": 27, "check": "exact"},
        "response.all.response_s.mean": {"value": 330.0, "check": "ci", "slack": 2.0},
        "crime.per_day": {"value": 12.5, "check": "ci", "slack": 0.05}}}
    lines = record_diff(OLD, new, "tiny").splitlines()
    assert lines[0] == "tiny: 3 change(s), 1 KPI(s) unchanged"
    assert "  ~ response.all.response_s.mean: 300 (ci, slack 2) -> 330 (ci, slack 2)  (+10.0 %)" in lines
    assert "  + crime.per_day: 12.5 (ci, slack 0.05)" in lines
    assert "  - traffic.collisions.total: 4 (ci, slack 0.05)" in lines
    assert not any("incidents" in line for line in lines)


def test_a_new_file_and_a_changed_seed_are_said() -> None:
    assert record_diff(None, OLD, "tiny").startswith("tiny: new file, 3 change(s)")
    assert "  ~ seed: 1 -> 2" in record_diff(OLD, {**OLD, "seed": 2}).splitlines()
    assert record_diff(OLD, OLD).splitlines() == ["expectations: 0 change(s), 3 KPI(s) unchanged"]
