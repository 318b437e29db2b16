"""Moving a crowd along signposted trees, one tick at a time.

Picture every crossing of the city carrying signposts, one per district: "to
district 17, take this street". A person going to a friend's house in district
17 follows the district's signposts to its centre, then the centre's local
map to the house. Nobody plans a route; each tick, each traveller walks or
drives on for the tick's seconds, passing as many crossings as that allows.

The crowd is a set of arrays (:class:`Crowd`), one entry per person; the
streets and signposts are arrays too (:class:`Ways`); the day's plan is a few
short arrays (:class:`DayPlan`). Nothing here knows of simulations, scenarios
or cities.

Trips go through *phases*:

* ``TO_ZONE`` -- follow the in-tree ``to_zone[row]`` towards the destination
  zone's root (``row`` is the destination's zone, or 0 when ``to_zone`` is a
  single forest whose every tree ends at the root of its own zone). Whoever
  passes the destination on the way stops there.
* ``IN_ZONE`` -- from the zone's root, follow the root's out-tree to the
  destination. ``progress`` then counts seconds since leaving the root.
* ``TO_TARGET`` -- follow ``to_target[row]`` straight to its root (a shelter).

A person's position is the last node passed plus ``progress``, the seconds
already travelled beyond it (``TO_ZONE``, ``TO_TARGET``). Distance is counted
per leg when the leg ends (from the trees' route lengths), so the hot loop
reads nothing but the signposts: one cache line per street passed.

Daily schedules are blocks of activities. A person at rest wakes at ``wake``
(seconds), the departure time of their next block; departure times and who
takes part are drawn from :mod:`twin.kernels.counter_rng` by name (person, day,
block), so a day's plan costs no memory and any thread draws the same numbers.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
import numpy.typing as npt

from twin.kernels.counter_rng import normal4, uniform

# Activities (what a person is doing, or heading for while travelling).
HOME, WORK, OTHER, SHELTER = 0, 1, 2, 3
#: Names of the activity codes, in code order.
ACTIVITIES: tuple[str, ...] = ("home", "work", "other", "shelter")
N_ACTIVITIES = 4
# Phases of a trip; IDLE is at rest at an activity.
IDLE, TO_ZONE, IN_ZONE, TO_TARGET = 0, 1, 2, 3
# Slots of the accumulator returned by step_people.
METRES, TRIPS, TRIP_SECONDS, STUCK = 0, 1, 2, 3
N_ACC = 4

DAY_S = 86400.0
#: Name offsets of the counter-based draws (departure noise uses 4k … 4k + 3 for block k).
_SHARE_NAME = 1 << 20
_PER_PERSON_DAY = 1 << 40


class DayPlan(NamedTuple):
    """One day's schedule: ``K`` activity blocks in time order.

    Attributes
    ----------
    start : float64[K]
        Mean departure time for each block, seconds after midnight.
    spread : float64[K]
        Standard deviation of the departure time, seconds.
    share : float64[K]
        Probability that a person takes part in the block.
    activity : int8[K]
        Activity code of the block (``HOME``, ``WORK``, ``OTHER``).
    otherwise : int8[K]
        Activity of those who do not take part, or -1 to stay where they are.
    per_person : bool[K]
        Draw taking part once per person (the same people every such day)
        rather than afresh each day.
    """

    start: npt.NDArray[np.float64]
    spread: npt.NDArray[np.float64]
    share: npt.NDArray[np.float64]
    activity: npt.NDArray[np.int8]
    otherwise: npt.NDArray[np.int8]
    per_person: npt.NDArray[np.bool_]


class Ways(NamedTuple):
    """A road network as people move on it: signposts, not streets.

    Attributes
    ----------
    to_zone : int32[R, n, 2]
        In-trees towards each zone's root: per node, the next node and the
        milliseconds to the root (-1, -1 where there is no way on); or, with
        ``R == 1``, one forest in which each node's tree ends at the root of
        its own zone.
    zone_metres : float32[R, n]
        Route length from each node to the root of ``to_zone``'s tree, metres.
    zone_of : int32[n]
        Zone of each node.
    root_jump : int32[L, n]
        Out-forest of the zone roots as jump pointers: ``root_jump[k, v]`` is
        the node ``2**k`` steps before ``v`` on the route from its zone's root
        (-1 beyond the root); row 0 is the parent. Finding where a traveller
        is on the last bit then takes ``L`` steps, not the route's length.
    root_time, root_length : float64[n]
        Seconds and metres from the node's zone root along that forest.
    to_target, target_metres : int32[T, n, 2], float32[T, n]
        In-trees towards ad-hoc targets (shelters), like ``to_zone``; ``T`` may be 0.
    """

    to_zone: npt.NDArray[np.int32]
    zone_metres: npt.NDArray[np.float32]
    zone_of: npt.NDArray[np.int32]
    root_jump: npt.NDArray[np.int32]
    root_time: npt.NDArray[np.float64]
    root_length: npt.NDArray[np.float64]
    to_target: npt.NDArray[np.int32]
    target_metres: npt.NDArray[np.float32]


class Crowd(NamedTuple):
    """People who move on the same :class:`Ways`, one entry each.

    Attributes
    ----------
    node : int32
        Current node (while travelling: the last node passed).
    progress : float64
        Seconds travelled beyond ``node`` (``IN_ZONE``: since the zone root).
    phase : int8
        ``IDLE``, ``TO_ZONE``, ``IN_ZONE`` or ``TO_TARGET``.
    activity : int8
        The activity at hand or, while travelling, the one heading for.
    block : int8
        Index of today's schedule block reached, -1 before the first.
    wake : float64
        Departure time of the next block, seconds (``inf``: none today, or sheltered).
    dest : int32
        Destination node of the current trip.
    origin : int32
        Node where the current leg of the trip began (for its length).
    row : int32
        Row of ``to_zone`` or ``to_target`` being followed.
    trip_start : float64
        Departure time of the current trip, seconds.
    home, work, other : int32
        Nodes of the person's places.
    order : int16
        Index of the order that sent the person to a shelter, or -1.
    """

    node: npt.NDArray[np.int32]
    progress: npt.NDArray[np.float64]
    phase: npt.NDArray[np.int8]
    activity: npt.NDArray[np.int8]
    block: npt.NDArray[np.int8]
    wake: npt.NDArray[np.float64]
    dest: npt.NDArray[np.int32]
    origin: npt.NDArray[np.int32]
    row: npt.NDArray[np.int32]
    trip_start: npt.NDArray[np.float64]
    home: npt.NDArray[np.int32]
    work: npt.NDArray[np.int32]
    other: npt.NDArray[np.int32]
    order: npt.NDArray[np.int16]


# --- the schedule ---------------------------------------------------------------------------
#
# Kernels unpack their tuples of arrays once, at the top: reading a field of a
# tuple of arrays inside a loop costs Numba an atomic reference-count update
# each time (measured: over half of a day's run time). The helpers below take
# plain arrays and are inlined.


@numba.njit(cache=True, inline="always")
def departure_time(key: np.uint64, pid: int, day: int, k: int, day_start: float,
                   start: npt.NDArray[np.float64], spread: npt.NDArray[np.float64], floor: float) -> float:
    """When person ``pid`` leaves for block ``k`` of day ``day``, seconds.

    Normal around the block's mean departure ``start[k]`` (s after midnight)
    with standard deviation ``spread[k]`` (s), bounded at ±3.46 σ; never before
    ``floor`` (the previous departure: a day's departures are in order) and
    never after the next midnight.
    """
    t = max(day_start + start[k] + spread[k] * normal4(key, pid, day, k), floor)
    return min(t, day_start + DAY_S)


@numba.njit(cache=True, inline="always")
def takes_part(key: np.uint64, pid: int, day: int, k: int, plan_id: int, share: npt.NDArray[np.float64],
               per_person: npt.NDArray[np.bool_]) -> bool:
    """Whether person ``pid`` takes part in block ``k`` of day ``day`` (probability ``share[k]``)."""
    if share[k] >= 1.0:
        return True
    name = _PER_PERSON_DAY + plan_id if per_person[k] else day
    return uniform(key, pid, name, _SHARE_NAME + k) < share[k]


@numba.njit(cache=True, inline="always")
def follow_schedule(pid: int, k: int, wake: float, target: int, now: float, day_start: float, day: int,
                    key: np.uint64, plan_id: int, start: npt.NDArray[np.float64],
                    spread: npt.NDArray[np.float64], share: npt.NDArray[np.float64],
                    block_activity: npt.NDArray[np.int8], otherwise: npt.NDArray[np.int8],
                    per_person: npt.NDArray[np.bool_]) -> tuple[int, float, int, float]:
    """Go through the blocks whose departure time has come.

    Parameters
    ----------
    pid : int
        Person id.
    k, wake, target : int, float, int
        The person's block reached, next departure time (s) and current activity.
    now, day_start, day, key, plan_id
        As in :func:`step_people`.
    start, spread, share, block_activity, otherwise, per_person : ndarray
        The fields of today's :class:`DayPlan`.

    Returns
    -------
    k, wake : int, float
        The block now reached and the next departure time (``inf``: none today).
    target : int
        The activity the person should now be at.
    left : float
        When they set off for it, seconds (meaningful if ``target`` changed).
    """
    left = wake
    n_blocks = start.size
    while wake <= now and k + 1 < n_blocks:
        k += 1
        left = wake
        if takes_part(key, pid, day, k, plan_id, share, per_person):
            target = block_activity[k]
        elif otherwise[k] >= 0:
            target = otherwise[k]
        if k + 1 < n_blocks:
            wake = departure_time(key, pid, day, k + 1, day_start, start, spread, wake)
        else:
            wake = np.inf  # until the next day's plan
    return k, wake, target, left


@numba.njit(cache=True, inline="always")
def _place_of(activity: int, home: int, work: int, other: int) -> int:
    if activity == WORK:
        return work
    if activity == OTHER:
        return other
    return home


# --- movement -------------------------------------------------------------------------------

# How a walk along signposts ended.
AT_DEST, AT_ROOT, STOPPED = 1, 2, 3


@numba.njit(cache=True, inline="always")
def walk_tree(tree: npt.NDArray[np.int32], row: int, node: int, dest: int, t: float) -> tuple[int, int, float]:
    """Follow signposts from ``node`` for ``t`` seconds, stopping at ``dest`` if passed.

    Returns
    -------
    status : int
        ``AT_DEST``, ``AT_ROOT`` (no way on: the tree's root, or unreachable)
        or ``STOPPED`` (out of time before the next node).
    node : int
        Where the walk ended.
    t : float
        Seconds left (beyond ``node`` when ``STOPPED``).
    """
    while True:
        if node == dest:
            return AT_DEST, node, t
        nxt = tree[row, node, 0]
        if nxt < 0:
            return AT_ROOT, node, t
        w = (tree[row, node, 1] - tree[row, nxt, 1]) * 0.001
        if t < w:
            return STOPPED, node, t
        t -= w
        node = nxt


@numba.njit(cache=True, inline="always")
def last_bit(dest: int, t: float, root_jump: npt.NDArray[np.int32], root_time: npt.NDArray[np.float64]) -> int:
    """The last node passed ``t`` seconds after leaving the zone root for ``dest`` (-1: arrived).

    Climbs from ``dest`` by jump pointers to the highest node not yet reached
    (times fall towards the root) and returns its parent.
    """
    if t >= root_time[dest]:
        return -1
    v = dest
    for k in range(root_jump.shape[0] - 1, -1, -1):
        a = root_jump[k, v]
        if a >= 0 and root_time[a] > t:
            v = a
    return root_jump[0, v]


@numba.njit(cache=True, nogil=True)
def step_people(crowd: Crowd, ways: Ways, plan: DayPlan, plan_id: int, now: float, dt: float,
                day_start: float, day: int, key: np.uint64, first_id: int,
                n_orders: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Advance everyone by one tick: from ``now - dt`` to ``now``.

    People at rest whose next departure time has come set off (from that
    time, not from the tick's start); travellers move on ``dt`` seconds.

    No ``prange`` on purpose: a tick is a few milliseconds of work, and the
    spinning barrier of a parallel loop costs more than that whenever another
    process competes for the cores (measured: a day of a million people took
    4× longer on two threads than on one, on a busy two-core machine). The
    kernel releases the GIL instead: callers split the crowd into slices
    (people are independent) and move them on Python threads, whose join
    sleeps rather than spins.

    Parameters
    ----------
    crowd, ways, plan : Crowd, Ways, DayPlan
        People, their network and today's schedule.
    plan_id : int
        Which plan ``plan`` is (weekday, weekend, ...), for per-person draws.
    now, dt : float
        End of the tick and its length, seconds.
    day_start : float
        Time of today's midnight, seconds (may be negative on the first day).
    day : int
        Day number (0 for the run's first day).
    key : uint64
        Key of the counter-based random numbers.
    first_id : int
        Person id of ``crowd``'s first entry (names the random draws).
    n_orders : int
        Number of shelter orders so far (size of the arrivals count).

    Returns
    -------
    acc : float64[N_ACC]
        Metres of the legs finished, trips finished, their total duration (s),
        people stuck.
    arrived : int64[n_orders]
        Arrivals at shelters per order during this tick.
    """
    (node, progress, phase, activity, block, wake, dest, origin, row, trip_start,
     home, work, other, order) = crowd
    to_zone, zone_metres, zone_of, root_jump, root_time, root_length, to_target, target_metres = ways
    start, spread, share, block_activity, otherwise, per_person = plan
    per_zone = to_zone.shape[0] > 1
    acc = np.zeros(N_ACC)
    arrived = np.zeros(max(n_orders, 1), dtype=np.int64)
    for i in range(node.size):
        p = phase[i]
        if p == IDLE:
            if wake[i] > now:
                continue  # the common case: at rest, nothing due
            k, next_wake, target, left = follow_schedule(
                first_id + i, block[i], wake[i], activity[i], now, day_start, day, key, plan_id,
                start, spread, share, block_activity, otherwise, per_person)
            block[i] = k
            wake[i] = next_wake
            if target == activity[i]:
                continue
            d = _place_of(target, home[i], work[i], other[i])
            activity[i] = target
            dest[i] = d
            origin[i] = node[i]
            row[i] = zone_of[d] if per_zone else 0
            progress[i] = 0.0
            trip_start[i] = left
            p = phase[i] = TO_ZONE
            t = now - left
        else:
            t = progress[i] + dt  # seconds available from node (IN_ZONE: from the root)
        d = dest[i]
        if p != IN_ZONE:
            if p == TO_ZONE:
                status, at, t = walk_tree(to_zone, row[i], node[i], d, t)
                metres = zone_metres
            else:
                status, at, t = walk_tree(to_target, row[i], node[i], d, t)
                metres = target_metres
            if status == STOPPED:
                node[i] = at
                progress[i] = t
                continue
            if status == AT_DEST:
                acc[METRES] += metres[row[i], origin[i]] - metres[row[i], d]
            elif p == TO_ZONE and root_jump[0, at] < 0 and zone_of[at] == zone_of[d]:
                # At the destination zone's root: on to the last bit.
                acc[METRES] += metres[row[i], origin[i]]
                phase[i] = IN_ZONE
                origin[i] = at
                p = IN_ZONE
            else:
                # No way on: impossible on a strongly connected network. Count
                # it and put the person where they were going, not lose them.
                acc[STUCK] += 1.0
        if p == IN_ZONE:
            at = last_bit(d, t, root_jump, root_time)
            if at >= 0:
                node[i] = at
                progress[i] = t
                continue
            acc[METRES] += root_length[d]
            t -= root_time[d]
        # Arrived, ``t`` seconds before the end of the tick.
        node[i] = d
        phase[i] = IDLE
        progress[i] = 0.0
        acc[TRIPS] += 1.0
        acc[TRIP_SECONDS] += now - t - trip_start[i]
        if activity[i] == SHELTER and order[i] >= 0:
            arrived[order[i]] += 1
    return acc, arrived[:n_orders]


@numba.njit(cache=True)
def settle_people(crowd: Crowd, plan: DayPlan, plan_id: int, now: float, day_start: float,
                  day: int, key: np.uint64, first_id: int) -> None:
    """Put everyone where their schedule says they are at ``now``, without travelling.

    For the start of a run: people begin at home with their block and wake
    time set for the day, and are moved straight to the activity at hand.
    """
    (node, _progress, phase, activity, block, wake, dest, _origin, _row, _trip_start,
     home, work, other, _order) = crowd
    start, spread, share, block_activity, otherwise, per_person = plan
    for i in range(node.size):
        if phase[i] != IDLE or wake[i] > now:
            continue
        k, next_wake, target, _ = follow_schedule(
            first_id + i, block[i], wake[i], activity[i], now, day_start, day, key, plan_id,
            start, spread, share, block_activity, otherwise, per_person)
        block[i] = k
        wake[i] = next_wake
        activity[i] = target
        node[i] = dest[i] = _place_of(target, home[i], work[i], other[i])


@numba.njit(cache=True)
def direct_people(crowd: Crowd, ways: Ways, inside: npt.NDArray[np.bool_], target: int, tree_row: int,
                  order_id: int, now: float, lag: float,
                  n_orders: int) -> tuple[int, int, float, float, npt.NDArray[np.int64]]:
    """Send everyone standing on an ``inside`` node to ``target``, and keep them there.

    A traveller restarts from the last node passed (up to one street back).
    Schedules stop for them: they are ``SHELTER`` with no wake time.

    Parameters
    ----------
    crowd, ways : Crowd, Ways
    inside : bool[n]
        Nodes of the area.
    target, tree_row : int
        The target node and the row of its tree in ``ways.to_target``.
    order_id : int
        The order's index.
    now : float
        Time of the order, seconds.
    lag : float
        Seconds since the crowd was last moved: people stand where the last
        tick left them, and set off now.
    n_orders : int
        Number of orders including this one.

    Returns
    -------
    directed : int
        People sent.
    unreachable : int
        People inside who cannot reach the target (left as they were).
    bound_s : float
        Longest network travel time among those sent, seconds.
    metres : float
        Length of the legs that the order cut short, metres (travelled, not yet counted).
    withdrawn : int64[n_orders]
        People taken from earlier orders before they arrived, per order.
    """
    (node, progress, phase, activity, _block, wake, dest, origin, row, trip_start,
     _home, _work, _other, order) = crowd
    _to_zone, zone_metres, _zone_of, _root_jump, _root_time, root_length, to_target, target_metres = ways
    directed = 0
    unreachable = 0
    bound = 0.0
    metres = 0.0
    withdrawn = np.zeros(n_orders, dtype=np.int64)
    for i in range(node.size):
        at = node[i]
        if not inside[at]:
            continue
        if to_target[tree_row, at, 0] < 0 and at != target:
            unreachable += 1
            continue
        # The leg cut short counts up to the last node passed.
        if phase[i] == IN_ZONE:
            metres += root_length[at]
        elif phase[i] == TO_ZONE:
            metres += zone_metres[row[i], origin[i]] - zone_metres[row[i], at]
        elif phase[i] == TO_TARGET:
            metres += target_metres[row[i], origin[i]] - target_metres[row[i], at]
            if order[i] >= 0:
                withdrawn[order[i]] += 1
        activity[i] = SHELTER
        phase[i] = TO_TARGET
        dest[i] = target
        origin[i] = at
        row[i] = tree_row
        progress[i] = -lag
        trip_start[i] = now
        wake[i] = np.inf
        order[i] = order_id
        directed += 1
        bound = max(bound, to_target[tree_row, at, 1] * 0.001)
    return directed, unreachable, bound, metres, withdrawn


# --- read-only views --------------------------------------------------------------------------


@numba.njit(cache=True)
def count_per_node(node: npt.NDArray[np.int32], node_map: npt.NDArray[np.int32], counts: npt.NDArray[np.int32],
                   phase: npt.NDArray[np.int8], travelling_only: bool) -> None:
    """Add one to ``counts[node_map[node[i]]]`` for every person (``node_map`` empty: identity).

    Travellers count at the last node they passed; with ``travelling_only``, people at rest
    (``phase == IDLE``: at home, at work, ...) are left out.
    """
    for i in range(node.size):
        if travelling_only and phase[i] == IDLE:
            continue
        counts[node[i] if node_map.size == 0 else node_map[node[i]]] += 1


@numba.njit(cache=True)
def count_states(phase: npt.NDArray[np.int8], activity: npt.NDArray[np.int8]) -> npt.NDArray[np.int64]:
    """People at rest per activity (``[home, work, other, shelter]``) and, last, people travelling."""
    counts = np.zeros(N_ACTIVITIES + 1, dtype=np.int64)
    for i in range(phase.size):
        if phase[i] == IDLE:
            counts[activity[i]] += 1
        else:
            counts[N_ACTIVITIES] += 1
    return counts
