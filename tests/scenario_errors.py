"""Scenario files with one bad system section, for the systems' config tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.errors import TwinError
from twin.scenario import load_scenario


def section_error(tmp: Path, section: str, body: str) -> str:
    """The error of a Helsinki scenario whose ``section`` is ``body``; checks that it names the file."""
    path = tmp / "bad.yaml"
    path.write_text(f"city: helsinki\n{section}:\n  {body}\n")
    with pytest.raises(TwinError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}: ")
    return str(info.value)
