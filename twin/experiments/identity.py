"""What makes two runs the same run: the scenario's content and the model's code.

A stored result is reused only when both match. The scenario hash covers every
resolved field (defaults filled in, ``--set`` overrides applied) except those
that do not change what is simulated: ``name``, ``description``, ``run.seed``
(the seed is the other half of the key) and ``run.replications``. The code
fingerprint covers the modules that compute a run (city, engine, systems,
scenario schema, kernels), so results stored before a change of the model are
not mixed with results after it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

import twin

#: Packages and modules (relative to ``twin/``) whose code decides a run's KPIs.
MODEL_CODE = ("kernels", "city", "sim", "systems", "scenario", "calibration", "experiments/run.py", "experiments/worker.py",
              "__init__.py")

#: Scenario fields that do not change what is simulated.
_NOT_CONTENT = ("name", "description")
_NOT_CONTENT_RUN = ("seed", "replications")


def scenario_content(scenario: BaseModel) -> dict[str, Any]:
    """The resolved scenario as plain JSON data, without name, description, seed and replications."""
    data = scenario.model_dump(mode="json")
    for key in _NOT_CONTENT:
        data.pop(key, None)
    for key in _NOT_CONTENT_RUN:
        data.get("run", {}).pop(key, None)
    return data


def scenario_hash(scenario: BaseModel) -> str:
    """16 hex digits (64 bits) of SHA-256 over the scenario's content and the model code."""
    text = json.dumps({"scenario": scenario_content(scenario), "code": code_fingerprint()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.cache
def code_fingerprint() -> str:
    """16 hex digits of SHA-256 over the source of :data:`MODEL_CODE` (computed once per process)."""
    root = Path(twin.__file__).resolve().parent
    digest = hashlib.sha256()
    for entry in MODEL_CODE:
        path = root / entry
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


code_fingerprint()  # now, at import: the code this process loads, not what the files hold later
