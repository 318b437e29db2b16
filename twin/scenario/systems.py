"""The systems a scenario can configure, by section name (found through the ``twin.systems`` entry points)."""

from __future__ import annotations

from twin.sim.system import available

#: Section name -> system class, in install order. A section absent from a scenario is not installed.
SYSTEMS = available()
