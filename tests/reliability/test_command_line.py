"""Command-line arguments a user can get wrong: each is one ``error:`` line and exit 2, before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "scenarios" / "response_only.yaml")


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "a\0b"], "cannot hold a NUL character"),
    (["sweep", SCENARIO, "--set", "response.units.ambulance.count=" + ",".join(map(str, range(1, 201))),
      "--set", "run.duration=" + ",".join(f"{h}h" for h in range(1, 101)), "--reps", "2", "--no-store"],
     "40,000 runs (200 × 100 combinations × 2 replications) is more than 10,000"),
])
def test_refused_in_one_line(argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--out", str(tmp_path / "out")] if argv[0] == "sweep" else argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("error: ")
    assert not (tmp_path / "out").exists()
