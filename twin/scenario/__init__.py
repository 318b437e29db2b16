"""Scenarios: YAML files validated against a schema composed from each system's section."""

from twin.scenario.loader import load_scenario
from twin.scenario.schema import RunSettings, Scenario, scenario_model

__all__ = ["RunSettings", "Scenario", "load_scenario", "scenario_model"]
