"""A policy's ``install(ctx)`` gets a narrow, live, read-only view of the response system."""

from __future__ import annotations

import dataclasses
import math

import pytest

from tests.systems.response.line_city import HOP_S, install, line_city, response_config, script
from twin.sim import policies
from twin.sim.policies import register
from twin.systems.response.policies import ResponseContext

NAME = "test_random_available"


class RandomAvailable:
    """The example of docs/policies.md ("Writing a dispatch policy from scratch"), recording what it saw."""

    def __init__(self, max_travel_s: float = math.inf) -> None:
        self.max_travel_s = float(max_travel_s)
        self._rng = None
        self.ctx: ResponseContext | None = None
        self.seen: list[tuple[float, int]] = []  # (ctx.now(), ambulances available) at each choice

    def install(self, ctx: ResponseContext) -> None:
        self.ctx = ctx
        self._rng = ctx.streams("response.dispatch.random_available")

    def choose(self, request, available, router):
        self.seen.append((self.ctx.now(), sum(u.available for u in self.ctx.units_of["ambulance"])))
        chosen = []
        for i in self._rng.permutation(len(available)):
            unit = available[i]
            travel_s, _ = router.route(unit.position(), request.node)
            if travel_s <= self.max_travel_s:
                chosen.append((unit, travel_s))
                if len(chosen) == request.count:
                    break
        return chosen


@pytest.fixture
def installed():
    register("dispatch", NAME)(RandomAvailable)
    city = line_city([1.0] * 11)
    config = response_config(city, [2, 8], 2, dispatch={"name": NAME})
    model, system = install(city, config)
    yield model, system
    policies._REGISTRY["dispatch"].pop(NAME, None)


def test_the_context_holds_the_systems_live_state_but_not_the_system(installed) -> None:
    model, system = installed
    ctx = system.policy.ctx
    assert isinstance(ctx, ResponseContext)
    assert ctx.units is system.units and ctx.units_of["ambulance"] == system.units_of["ambulance"]
    assert [int(ctx.station_nodes[s]) for s in ctx.stations_of["ambulance"]] == [2, 8]
    assert ctx.time_to_station(5, ctx.stations_of["ambulance"][1]) == pytest.approx(3 * HOP_S)
    assert ctx.population_weight.sum() == pytest.approx(1.0)
    # Nothing of the system or the model is reachable by name, and nothing can be rebound.
    fields = {f.name for f in dataclasses.fields(ctx)}
    assert not fields & {"model", "system", "centre", "plan"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.units = []  # type: ignore[misc]


def test_the_example_policy_of_the_docs_runs_and_sees_the_clock_move(installed) -> None:
    model, system = installed
    script(system, [(100.0, 3, "p1"), (250.0, 9, "p2")])
    model.run(until=2000.0)
    seen = system.policy.seen
    # Call handling and turnout take no time: each choice happens at its call, with one unit fewer free.
    assert seen == [(100.0, 2), (250.0, 1)]
    events = model.bus.log.frame()
    assert sorted(events[events["kind"] == "UnitDispatched"]["incident"]) == [0, 1]
