"""The emergency centre: call-takers, dispatchers and the queue of waiting incidents.

Call-takers and dispatchers are simpy priority resources: when all are busy,
calls wait in order of priority, then of arrival. After the interview and the
dispatcher's processing, each unit type the incident needs becomes a request to
the dispatch policy. What cannot be covered at once waits in the pending queue,
again by priority then time, and is served as units come free: a freed unit's
type is offered to the waiting incidents in that order, skipping any the policy
declines. After every dispatch the relocation policy may move idle units.

An incident someone assessed as needing no unit (``IncidentAssessed`` with
``outcome="cleared"``, e.g. from a drone's camera) is not dispatched; its units
not yet on scene stand down and its waiting requests leave the queue.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

import simpy

from twin.sim.events import CallReceived, IncidentAssessed, IncidentOccurred
from twin.systems.response.dispatch import Request
from twin.systems.response.events import (
    CallAnswered,
    DispatchRequested,
    IncidentDequeued,
    IncidentQueued,
)

if TYPE_CHECKING:
    from twin.systems.response.agents import Unit
    from twin.systems.response.system import ResponseSystem


class DispatchCentre:
    """Answers calls, dispatches units, keeps the pending queue."""

    def __init__(self, system: ResponseSystem) -> None:
        self.system = system
        env = system.model.env
        calls = system.config.call_handling
        self.call_takers = simpy.PriorityResource(env, capacity=calls.call_takers)
        self.dispatchers = simpy.PriorityResource(env, capacity=calls.dispatchers)
        # Per unit type, the waiting incidents as (priority, call time, incident), kept sorted,
        # so the next one to serve is always the first: O(1) when a unit comes free.
        self._pending: dict[str, list[tuple[int, float, int]]] = {}
        self._missing: dict[tuple[int, str], int] = {}
        # Units already sent to a queued (incident, unit type): a unit that finishes there
        # and clears must not be sent back to the same incident as its "second" unit.
        self._sent: dict[tuple[int, str], set[int]] = {}
        #: Incidents assessed as needing no ground unit.
        self.cleared: set[int] = set()
        system.model.bus.subscribe(IncidentAssessed, self._on_assessed)

    @property
    def queue_length(self) -> int:
        """Incidents waiting for at least one unit, counted per unit type."""
        return len(self._missing)

    def incidents(self) -> Any:
        """Simpy process: start each planned incident at its time."""
        env = self.system.model.env
        plan = self.system.plan
        for incident in range(plan.planned):
            delay = plan.time[incident] - env.now
            if delay > 0:
                yield env.timeout(delay)
            env.process(self._call(incident))

    def take_report(self, incident: int) -> None:
        """Start the call of an incident another system reported (already in the plan)."""
        self.system.model.env.process(self._call(incident))

    def _call(self, incident: int) -> Any:
        system = self.system
        env = system.model.env
        plan = system.plan
        priority = int(plan.priority[incident])
        node = int(plan.node[incident])
        system.publish(IncidentOccurred, incident=incident, node=node,
                       incident_type=plan.types[plan.type_index[incident]], priority=priority)
        system.publish(CallReceived, incident=incident, node=node, priority=priority)
        with self.call_takers.request(priority=priority) as request:
            yield request
            yield env.timeout(float(plan.ring_s[incident]))
            system.publish(CallAnswered, incident=incident, node=node)
            yield env.timeout(float(plan.interview_s[incident]))
        with self.dispatchers.request(priority=priority) as request:
            yield request
            yield env.timeout(float(plan.dispatch_s[incident]))
        if incident in self.cleared:
            return  # cleared before dispatch: no unit is sent
        system.publish(DispatchRequested, incident=incident, node=node)
        kind = system.config.incident_types[plan.types[plan.type_index[incident]]]
        for unit_type, count in kind.units.items():
            sent = self._send(incident, unit_type, count)
            missing = count - len(sent)
            if missing:
                key = (priority, float(plan.time[incident]), incident)
                bisect.insort(self._pending.setdefault(unit_type, []), key)
                self._missing[(incident, unit_type)] = missing
                self._sent[(incident, unit_type)] = set(sent)
                system.publish(IncidentQueued, incident=incident, node=node, unit_type=unit_type, missing=missing)
            if sent:
                system.reposition(unit_type)

    def _send(self, incident: int, unit_type: str, count: int, exclude: set[int] | None = None) -> list[int]:
        """Dispatch up to ``count`` units (none of the ids in ``exclude``); return the ids sent."""
        system = self.system
        plan = system.plan
        available = [u for u in system.units_of[unit_type] if u.available and not (exclude and u.uid in exclude)]
        if not available:
            return []
        incident_type = plan.types[plan.type_index[incident]]
        request = Request(incident=incident, node=int(plan.node[incident]), priority=int(plan.priority[incident]),
                          incident_type=incident_type, unit_type=unit_type, count=count,
                          elapsed_s=system.model.now - float(plan.time[incident]),
                          target_s=system.config.target_of(incident_type))
        chosen = system.policy.choose(request, available, system.router_for(request.priority))
        for unit, travel_s in chosen:
            unit.dispatch(incident, travel_s)
        return [unit.uid for unit, _ in chosen]

    def unit_free(self, unit: Unit) -> None:
        """A unit cleared: serve the waiting incidents of its type, most urgent and oldest first.

        The policy may decline an incident (a reserve kept for priority 1, a
        travel-time limit); then the next waiting incident is tried, so that a
        declined head of the queue never blocks the others. It stops as soon as
        no unit of the type is available.
        """
        unit_type = unit.unit_type
        waiting = self._pending.get(unit_type)
        units = self.system.units_of[unit_type]
        position = 0
        while waiting and position < len(waiting) and any(u.available for u in units):
            incident = waiting[position][2]
            key = (incident, unit_type)
            sent = self._send(incident, unit_type, self._missing[key], self._sent[key])
            missing = self._missing[key] - len(sent)
            if missing:
                self._missing[key] = missing
                self._sent[key].update(sent)
                position += 1
            else:
                waiting.pop(position)
                del self._missing[key], self._sent[key]
                self.system.publish(IncidentDequeued, incident=incident, node=int(self.system.plan.node[incident]),
                                    unit_type=unit_type)

    def _on_assessed(self, event: IncidentAssessed) -> None:
        """A cleared incident: stand down its units not yet on scene, drop its waiting requests."""
        if event.outcome != "cleared" or event.incident in self.cleared:
            return
        incident = event.incident
        self.cleared.add(incident)
        node = int(self.system.plan.node[incident])
        for unit_type, waiting in self._pending.items():
            for position in [i for i, key in enumerate(waiting) if key[2] == incident][::-1]:
                waiting.pop(position)
                del self._missing[(incident, unit_type)], self._sent[(incident, unit_type)]
                self.system.publish(IncidentDequeued, incident=incident, node=node, unit_type=unit_type)
        for unit in self.system.units:
            if unit.incident == incident:
                unit.stand_down()
