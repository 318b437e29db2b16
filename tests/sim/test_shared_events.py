"""The shared vocabulary of twin.sim.events: one class per word, typed subscriptions, unchanged log rows."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.systems.traffic.helpers import traffic_model
from twin.city import City, load
from twin.sim import events
from twin.sim.events import (
    AlertIssued,
    CallReceived,
    EvacuationOrdered,
    Event,
    HazardReleased,
    IncidentDetected,
    IncidentOccurred,
    IncidentReported,
    PowerLost,
    UnitDispatched,
    UnitOnScene,
)
from twin.systems.population import events as population_events
from twin.systems.response import events as response_events

SHARED = (IncidentOccurred, IncidentReported, IncidentDetected, CallReceived, UnitDispatched, UnitOnScene,
          EvacuationOrdered, HazardReleased, AlertIssued, PowerLost)
SYSTEMS = Path(__file__).resolve().parents[2] / "twin" / "systems"


@pytest.mark.parametrize("cls", SHARED, ids=lambda c: c.__name__)
def test_a_shared_event_is_a_frozen_documented_event_of_the_engine(cls: type[Event]) -> None:
    assert issubclass(cls, Event) and cls.__module__ == "twin.sim.events"
    assert cls.kind == cls.__name__  # the log's kind column
    assert cls.__doc__ and len(cls.__doc__.split()) > 5
    for field in dataclasses.fields(cls):  # every field of its own is documented
        if field.name not in events.COMMON_FIELDS:
            assert field.name in cls.__doc__, f"{cls.__name__}.{field.name} is not documented"
    params = {f.name: f for f in dataclasses.fields(cls)}
    required = {name: "x" for name, f in params.items()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and name != "time"}
    event = cls(time=1.0, **required)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.time = 2.0  # type: ignore[misc]


def test_moved_events_are_gone_from_their_old_modules() -> None:
    for name in ("IncidentOccurred", "CallReceived", "UnitDispatched", "UnitOnScene"):
        assert not hasattr(response_events, name), name
    assert not hasattr(population_events, "EvacuationOrdered")
    for module in (response_events, population_events):  # a system's own events are still its own
        own = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Event) and v is not Event]
        assert own and all(cls.__module__ == module.__name__ for cls in own)


def test_log_rows_of_the_moved_events_are_unchanged() -> None:
    # Written out by hand from the log format: kind, time, incident, unit, node, x, y, sorted JSON data.
    assert UnitDispatched(time=12.5, incident=3, unit=7, node=41, x=100.0, y=200.0, unit_type="ambulance",
                          travel_s=95.25).row() == (
        "UnitDispatched", 12.5, 3, 7, 41, 100.0, 200.0, '{"travel_s":95.25,"unit_type":"ambulance"}')
    assert IncidentOccurred(time=1.0, incident=3, node=9, incident_type="fire", priority=1).row()[::7] == (
        "IncidentOccurred", '{"incident_type":"fire","priority":1}')
    assert CallReceived(time=2.0, incident=3, priority=2).row()[-1] == '{"priority":2}'
    on_scene = UnitOnScene(time=3.0, incident=3, unit=7)
    assert on_scene.row()[:5] == ("UnitOnScene", 3.0, 3, 7, -1) and on_scene.row()[-1] == ""
    assert math.isnan(on_scene.row()[5])
    order = EvacuationOrdered(time=4.0, node=5, radius_m=250.0)
    assert json.loads(order.row()[-1]) == {"polygon": [], "center_x": None, "center_y": None, "radius_m": 250.0}


def test_no_system_matches_event_kinds_by_string() -> None:
    """Systems subscribe to classes: no catch-all subscription, no ``event.kind == "..."`` in their code."""
    for path in SYSTEMS.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"subscribe\(\s*Event\s*,", text), path
        assert not re.search(r"\bevent\.kind\b", text), path
        assert not re.search(r"\bkind\s*==\s*[\"'][A-Z]\w+[\"']", text), path


# --- traffic follows the typed events ----------------------------------------------------------


@pytest.fixture(scope="module")
def grid() -> City:
    return load("synthetic:nodes=900,seed=2")


@dataclass(frozen=True, kw_only=True)
class _Lookalike(Event):
    """An event of another system that happens to carry the same fields."""

    incident_type: str = ""
    priority: int = 1
    unit_type: str = ""
    travel_s: float = 0.0


class Impostors:
    """Events of another system named like the shared ones (matching kinds by name would take them)."""

    @dataclass(frozen=True, kw_only=True)
    class IncidentOccurred(_Lookalike):
        """Not :class:`twin.sim.events.IncidentOccurred`."""

    @dataclass(frozen=True, kw_only=True)
    class UnitDispatched(_Lookalike):
        """Not :class:`twin.sim.events.UnitDispatched`."""


def _far_signals(model, system) -> tuple[int, int]:
    net, sites = model.city.drive, system.layout.site_node
    far = np.argmax(np.hypot(net.x[sites] - net.x[sites[0]], net.y[sites] - net.y[sites[0]]))
    return int(sites[0]), int(sites[far])


def _preempted(model) -> list[dict]:
    frame = model.bus.log.frame()
    return frame[frame["kind"] == "SignalsPreempted"].to_dict("records")


def test_traffic_preempts_for_a_dispatch_to_an_urgent_incident(grid: City) -> None:
    model, system = traffic_model(grid, preemption={"enabled": True, "equipped_share": 1.0, "priorities": [1]})
    origin, target = _far_signals(model, system)
    model.publish(IncidentOccurred(time=0.0, incident=1, node=target, incident_type="fire", priority=1))
    model.publish(IncidentOccurred(time=0.0, incident=2, node=target, incident_type="medical_p2", priority=2))
    model.publish(UnitDispatched(time=0.0, incident=1, unit=4, node=origin, unit_type="fire", travel_s=300.0))
    model.publish(UnitDispatched(time=0.0, incident=2, unit=5, node=origin, unit_type="ambulance", travel_s=300.0))
    model.publish(UnitDispatched(time=0.0, incident=9, unit=6, node=origin, unit_type="police", travel_s=300.0))
    (trip,) = _preempted(model)  # only the priority-1 incident it knows of
    assert (trip["incident"], trip["unit"], trip["node"]) == (1, 4, origin)
    assert json.loads(trip["data"])["signals"] > 0 and system.preemptions > 0


def test_traffic_ignores_events_that_only_look_like_the_shared_ones(grid: City) -> None:
    model, system = traffic_model(grid, preemption={"enabled": True, "equipped_share": 1.0, "priorities": [1]})
    origin, target = _far_signals(model, system)
    assert Impostors.IncidentOccurred.kind == "IncidentOccurred"  # the same kind in the log
    model.publish(Impostors.IncidentOccurred(time=0.0, incident=1, node=target))
    model.publish(Impostors.UnitDispatched(time=0.0, incident=1, unit=4, node=origin))
    assert _preempted(model) == [] and system.preemptions == 0
    # The real words, same ids: now it preempts.
    model.publish(IncidentOccurred(time=0.0, incident=1, node=target, incident_type="fire", priority=1))
    model.publish(UnitDispatched(time=0.0, incident=1, unit=4, node=origin, unit_type="fire", travel_s=300.0))
    assert len(_preempted(model)) == 1
