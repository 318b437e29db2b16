"""Running scenarios: one run, replications, comparisons, sweeps.

``simulate`` and ``RunResult`` are imported on first use, so that light modules
of this package (the executors, the store) can be imported without loading
the whole simulator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from twin.experiments.run import RunResult, simulate

__all__ = ["RunResult", "simulate"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from twin.experiments import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
