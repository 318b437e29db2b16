"""A pytest plugin for mutant runs: refuse to test anything but the copy.

The runner sets ``TWIN_MUTATION_ROOT`` to the copy and loads this plugin with
``-p tests.mutation.guard``. If ``twin`` or ``tests`` were imported from
elsewhere (an editable install shadowing ``PYTHONPATH``, say), every mutant
would look like a survivor, or a kill would be against the wrong code: stop.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    root = os.environ.get("TWIN_MUTATION_ROOT")
    if not root:
        raise pytest.UsageError("tests.mutation.guard is for mutant runs: TWIN_MUTATION_ROOT is not set")
    import tests
    import twin

    copy = Path(root).resolve()
    for package in (twin, tests):
        where = Path(package.__file__).resolve()
        if not where.is_relative_to(copy):
            raise pytest.UsageError(f"{package.__name__} was imported from {where}, not from the copy {copy}")
