"""Launch policies of the drones system (concern ``drone_launch``).

A launch policy says *when* a drone flies (``trigger``: on the call's receipt,
before any dispatch, or once a ground unit is dispatched), *to what*
(``wants(call)``), how many docked drones each dock keeps back for priority-1
calls (``reserve``), and whether the drone turns home when the first ground
unit arrives (``recall``). The drones system does the flying: choosing the
nearest dock in range with a charged drone, the flight, the battery.

Protocol::

    class LaunchPolicy(Protocol):
        trigger: Literal["call", "dispatch"]
        reserve: int
        recall: bool
        def wants(self, call: Call) -> bool: ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

from pydantic import Field

from twin.sim.config import Priority, StrictModel
from twin.sim.policies import register


@dataclass(frozen=True)
class Call:
    """What a launch policy sees of an incident: id, type, priority 1–3, scene (m)."""

    incident: int
    incident_type: str
    priority: int
    x: float
    y: float


class LaunchPolicy(Protocol):
    """When a drone flies, to which calls, with what reserve and recall."""

    trigger: Literal["call", "dispatch"]
    reserve: int
    recall: bool

    def wants(self, call: Call) -> bool:
        """Whether ``call`` should get a drone."""


class _Listed(StrictModel):
    """Launch for listed incident types (all when ``types`` is empty) up to a priority."""

    types: list[str] = Field(default_factory=list, description="incident types to fly to; empty: all")
    max_priority: Priority = 3
    reserve: int = Field(default=0, ge=0, description="docked drones per dock kept for priority-1 calls")
    recall: bool = Field(default=True, description="fly home when the first ground unit arrives")

    def wants(self, call: Call) -> bool:
        """Listed type (or any) and urgent enough."""
        return (not self.types or call.incident_type in self.types) and call.priority <= self.max_priority


@register("drone_launch", "on_call")
class OnCall(_Listed):
    """Launch as soon as the call is received, before call-taking and dispatch
    (Chula Vista's and Elk Grove's practice: the pilot listens to the call queue)."""

    trigger: ClassVar[str] = "call"


@register("drone_launch", "after_dispatch")
class AfterDispatch(_Listed):
    """Launch when the first ground unit is dispatched (a drone as the unit's scout)."""

    trigger: ClassVar[str] = "dispatch"
