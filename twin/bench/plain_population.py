"""The same population written the plain way: one mesa Agent per person.

This is what the population would look like as an ordinary Mesa model --
``PlainPerson`` objects whose ``step`` runs the schedule and walks the
signposts in Python -- and it exists for two reasons: the benchmark measures
the kernel against it (``python run.py bench population``), and the tests use
it as an oracle (the kernel must put every person exactly where this readable
version does). It is never used by a simulation, which is why it lives next to
the benchmark rather than in :mod:`twin.systems.population`.

It mirrors :mod:`twin.kernels.movement` line by line and reads the same
trees, plans and counter-based random numbers, so the two agree to the bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mesa
import numpy as np

from twin.kernels.counter_rng import py_normal4, py_uniform
from twin.kernels.movement import (
    DAY_S,
    IDLE,
    IN_ZONE,
    METRES,
    N_ACC,
    OTHER,
    STUCK,
    TO_ZONE,
    TRIP_SECONDS,
    TRIPS,
    WORK,
    DayPlan,
    Ways,
)

_SHARE_NAME = 1 << 20
_PER_PERSON_DAY = 1 << 40


class PlainPerson(mesa.Agent):
    """One person: the columns of :class:`~twin.kernels.movement.Crowd` as attributes."""

    def __init__(self, model: PlainPopulation, pid: int, state: dict[str, float | int]) -> None:
        super().__init__(model)
        self.pid = pid
        for name, value in state.items():
            setattr(self, name, value)

    # --- the schedule ----------------------------------------------------------------------

    def departure_time(self, k: int, floor: float) -> float:
        """When this person leaves for block ``k`` today, seconds."""
        m = self.model
        t = m.day_start + m.plan.start[k] + m.plan.spread[k] * py_normal4(m.key, self.pid, m.day, k)
        t = max(t, floor)
        return min(t, m.day_start + DAY_S)

    def takes_part(self, k: int) -> bool:
        """Whether this person takes part in block ``k`` today."""
        m = self.model
        if m.plan.share[k] >= 1.0:
            return True
        name = _PER_PERSON_DAY + m.plan_id if m.plan.per_person[k] else m.day
        return py_uniform(m.key, self.pid, name, _SHARE_NAME + k) < m.plan.share[k]

    def follow_schedule(self) -> tuple[int, float]:
        """Go through the blocks whose departure time has come; return (target, left)."""
        m = self.model
        k, wake, target = self.block, self.wake, self.activity
        left = wake
        n_blocks = len(m.plan.start)
        while wake <= m.now and k + 1 < n_blocks:
            k += 1
            left = wake
            if self.takes_part(k):
                target = int(m.plan.activity[k])
            elif m.plan.otherwise[k] >= 0:
                target = int(m.plan.otherwise[k])
            wake = self.departure_time(k + 1, wake) if k + 1 < n_blocks else math.inf
        self.block, self.wake = k, wake
        return target, left

    def place_of(self, activity: int) -> int:
        """Node of the place of an activity."""
        return self.work if activity == WORK else self.other if activity == OTHER else self.home

    # --- movement ----------------------------------------------------------------------------

    def step(self) -> None:
        """One tick: set off if a departure is due, then move on."""
        m = self.model
        if self.phase == IDLE:
            if self.wake > m.now:
                return
            target, left = self.follow_schedule()
            if target == self.activity:
                return
            ways = m.ways
            self.dest = self.place_of(target)
            self.activity = target
            self.origin = self.node
            self.phase = TO_ZONE
            self.row = int(ways.zone_of[self.dest]) if ways.to_zone.shape[0] > 1 else 0
            self.progress = 0.0
            self.trip_start = left
            self.move(m.now - left)
        else:
            self.move(m.dt)

    def arrive(self, leftover: float) -> None:
        """At the destination, ``leftover`` seconds before the end of the tick."""
        m = self.model
        self.node = self.dest
        self.phase = IDLE
        self.progress = 0.0
        m.acc[TRIPS] += 1.0
        m.acc[TRIP_SECONDS] += m.now - leftover - self.trip_start

    def move(self, budget: float) -> None:
        """Follow the signposts for ``budget`` seconds."""
        m, ways = self.model, self.model.ways
        node, dest = self.node, self.dest
        t = self.progress + budget
        if self.phase != IN_ZONE:
            tree, metres, row = ways.to_zone, ways.zone_metres, self.row
            while True:
                if node == dest:
                    m.acc[METRES] += metres[row, self.origin] - metres[row, dest]
                    self.arrive(t)
                    return
                nxt = tree[row, node, 0]
                if nxt < 0:
                    if ways.root_jump[0, node] < 0 and ways.zone_of[node] == ways.zone_of[dest]:
                        m.acc[METRES] += metres[row, self.origin]
                        break
                    m.acc[STUCK] += 1.0
                    self.arrive(t)
                    return
                w = (tree[row, node, 1] - tree[row, nxt, 1]) * 0.001
                if t < w:
                    self.node, self.progress = int(node), t
                    return
                t -= w
                node = nxt
            self.phase = IN_ZONE
            self.origin = int(node)
        if t >= ways.root_time[dest]:
            m.acc[METRES] += ways.root_length[dest]
            self.arrive(t - ways.root_time[dest])
            return
        v = dest
        while ways.root_time[v] > t:  # the plain way: climb the route one node at a time
            v = ways.root_jump[0, v]
        self.node, self.progress = int(v), t


class PlainPopulation(mesa.Model):
    """People of one mode as mesa agents, on the kernel's trees and schedules.

    Parameters
    ----------
    state : dict[str, ndarray]
        The people's columns at the start (as in
        :data:`~twin.systems.population.people.PERSON_COLUMNS`).
    first_id : int
        Person id of the first row (names the random draws).
    ways : Ways
        Their network's signposts (shelter trees are not used).
    plans : dict[int, DayPlan]
        The schedules by plan id.
    plan_of_day : callable
        Day number → plan id.
    midnight_of_day : callable
        Day number → simulated second of its midnight.
    day : int
        The current day number.
    key : int
        Key of the counter-based random numbers.
    """

    def __init__(self, state: dict[str, np.ndarray], first_id: int, ways: Ways, plans: dict[int, DayPlan],
                 plan_of_day: Callable[[int], int], midnight_of_day: Callable[[int], float], day: int,
                 key: int, now: float = 0.0) -> None:
        super().__init__(seed=0)
        self.ways = ways
        self.plans = plans
        self.plan_of_day = plan_of_day
        self.midnight_of_day = midnight_of_day
        self.key = int(key)
        self.acc = np.zeros(N_ACC)
        self.now = self.last = now
        self.dt = 0.0
        self._set_day(day)
        names = list(state)
        for i, row in enumerate(zip(*(state[n].tolist() for n in names))):
            PlainPerson(self, first_id + i, dict(zip(names, row)))

    def _set_day(self, day: int) -> None:
        self.day = day
        self.plan_id = self.plan_of_day(day)
        self.plan = self.plans[self.plan_id]
        self.day_start = self.midnight_of_day(day)

    def advance(self, now: float) -> None:
        """Move everyone from the last step to ``now``, splitting the step at midnight."""
        start = self.last
        midnight = self.midnight_of_day(self.day + 1)
        if now >= midnight:
            self._tick(midnight, midnight - start)
            self._set_day(self.day + 1)
            for person in self.agents:
                person.block, person.wake = -1, midnight
            start = midnight
        if now > start:
            self._tick(now, now - start)
        self.last = now

    def _tick(self, now: float, dt: float) -> None:
        self.now, self.dt = now, dt
        self.agents.do("step")

    def column(self, name: str) -> np.ndarray:
        """One attribute of every person, in creation order."""
        return np.array([getattr(p, name) for p in self.agents])
