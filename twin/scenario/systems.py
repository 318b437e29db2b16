"""The systems a scenario can configure, by section name."""

from __future__ import annotations

from twin.systems.lighting import LightingSystem
from twin.systems.crime import CrimeSystem
from twin.systems.population import PopulationSystem
from twin.systems.response import ResponseSystem
from twin.systems.traffic import TrafficSystem

#: Section name -> system class. A section absent from a scenario is not installed.
SYSTEMS = {cls.section: cls for cls in (ResponseSystem, LightingSystem, CrimeSystem, TrafficSystem, PopulationSystem)}
