"""The systems a scenario can configure, by section name."""

from __future__ import annotations

from twin.systems.lighting import LightingSystem
from twin.systems.response import ResponseSystem

#: Section name -> system class. A section absent from a scenario is not installed.
SYSTEMS = {cls.section: cls for cls in (ResponseSystem, LightingSystem)}
