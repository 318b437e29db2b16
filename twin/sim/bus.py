"""The event bus: publish, intercept, subscribe, log.

Picture a dispatch radio channel that everyone listens to and a recorder that
keeps the tape. A system *publishes* an event; *interceptors* (a cyber fault, a
tabletop facilitator) may alter it or swallow it; then it is written to the log
and handed to every *subscriber* of its class or of one of its base classes, in
the order they subscribed. Outside actors (the tabletop console, a hardware
adapter) inject events with the same :meth:`EventBus.publish`: one mechanism, no
side doors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TypeVar

from twin.sim.events import Event
from twin.sim.log import EventLog

E = TypeVar("E", bound=Event)
Handler = Callable[[Event], None]
Interceptor = Callable[[Event], Event | None]


class EventBus:
    """Typed publish/subscribe with an event log."""

    def __init__(self, log: EventLog | None = None) -> None:
        self.log = log if log is not None else EventLog()
        self._handlers: dict[type[Event], list[Handler]] = defaultdict(list)
        self._interceptors: list[Interceptor] = []

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> None:
        """Call ``handler(event)`` for every published event that is an ``event_type``."""
        self._handlers[event_type].append(handler)  # type: ignore[arg-type]

    def intercept(self, interceptor: Interceptor) -> None:
        """Pass every event through ``interceptor`` first; it returns the event
        (possibly replaced) or ``None`` to drop it."""
        self._interceptors.append(interceptor)

    def publish(self, event: Event) -> Event | None:
        """Deliver an event; return it as delivered (``None`` if an interceptor dropped it)."""
        for interceptor in self._interceptors:
            event = interceptor(event)
            if event is None:
                return None
        self.log.append(event)
        for cls in type(event).__mro__:
            for handler in self._handlers.get(cls, ()):
                handler(event)
            if cls is Event:
                break
        return event
