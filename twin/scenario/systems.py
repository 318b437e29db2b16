"""The systems a scenario can configure, by section name (found through the ``twin.systems`` entry points)."""

from __future__ import annotations

from pydantic import BaseModel

from twin.sim.system import Problem, available

#: Section name -> system class, in install order. A section absent from a scenario is not installed.
SYSTEMS = available()


def problems(scenario: BaseModel) -> list[Problem]:
    """Every mistake that the systems of ``scenario``'s sections find in it as a whole.

    Runs :meth:`System.check <twin.sim.system.System.check>` of each system whose
    section is present, in install order, on a scenario already validated section
    by section.
    """
    found: list[Problem] = []
    for section, system in SYSTEMS.items():
        if getattr(scenario, section, None) is not None:
            found.extend(system.check(scenario))
    return found
