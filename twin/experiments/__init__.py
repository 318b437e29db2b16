"""Running scenarios: one run, replications, comparisons, sweeps."""

from twin.experiments.run import RunResult, simulate

__all__ = ["RunResult", "simulate"]
