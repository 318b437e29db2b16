"""Movement: nobody lost or duplicated, the kernel matches the plain model, orders arrive in time."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.systems.population.conftest import MONDAY, install, state
from twin.bench.plain_population import PlainPopulation
from twin.city import City, load
from twin.kernels.counter_rng import normal4, py_normal4, py_uniform, uniform
from twin.kernels.movement import IDLE, SHELTER, TO_TARGET, WORK
from twin.systems.population.events import PeopleDirected, ShelterReached
from twin.systems.population.people import DRIVE, WALK


def check_conserved(system, size: int) -> None:
    """Everyone is exactly somewhere: counts add up, nodes are nodes of their network."""
    counts = system.counts()
    assert counts["total"] == size
    assert sum(counts[a] for a in ("home", "work", "other", "shelter")) + counts["moving"] == size
    assert system.people_per_node().sum() == size
    p = system.people
    for mode in (DRIVE, WALK):
        nodes = p.node[p.span(mode)]
        assert nodes.min(initial=0) >= 0 and nodes.max(initial=0) < system.nets[mode].n_nodes
    assert set(np.unique(p.phase)) <= {0, 1, 2, 3}


def plain_copy(system) -> list[PlainPopulation]:
    p = system.people
    return [PlainPopulation({k: v[p.span(mode)].copy() for k, v in p.columns.items()}, p.span(mode).start,
                            system.ways[mode], system.plans, system.plan_id, system.midnight, system.day,
                            system.key, now=system.model.now) for mode in (DRIVE, WALK)]


def test_counter_rng_is_the_same_in_numba_and_python() -> None:
    import numba

    @numba.njit
    def draws(key: np.uint64, n: int) -> tuple[np.ndarray, np.ndarray]:
        u, z = np.empty(n), np.empty(n)
        for i in range(n):
            u[i], z[i] = uniform(key, i, 3, 7), normal4(key, i, 3, 7)
        return u, z

    key = 2**63 + 12345
    u, z = draws(np.uint64(key), 20000)
    assert u.tolist()[:50] == [py_uniform(key, i, 3, 7) for i in range(50)]
    assert z.tolist()[:50] == [py_normal4(key, i, 3, 7) for i in range(50)]
    assert abs(u.mean() - 0.5) < 0.01 and abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    assert np.abs(z).max() <= 2 * np.sqrt(3)


def test_kernel_matches_the_plain_mesa_model(grid: City) -> None:
    # Friday 18:00 to Sunday 06:00: evening trips, a midnight, a weekend morning.
    _, system = install(grid, start=datetime(2026, 11, 6, 18), size=600, days=2)
    plains = plain_copy(system)
    p = system.people
    for k in range(1, 36 * 60 // 2 + 1):
        now = 120.0 * k
        system.advance(now)
        for plain in plains:
            plain.advance(now)
        if k % 90 == 0:
            for mode, plain in zip((DRIVE, WALK), plains):
                span = p.span(mode)
                for column in ("node", "phase", "activity", "block", "wake", "progress", "dest"):
                    np.testing.assert_array_equal(p.columns[column][span], plain.column(column), err_msg=column)
    for mode, plain in zip(("drive", "walk"), plains):
        np.testing.assert_allclose(system.totals[mode], plain.acc, rtol=1e-9)
    assert system.totals["drive"][1] > 500 and system.totals["walk"][1] > 300  # trips happened


def test_a_weekday_goes_to_work_and_comes_home(grid: City) -> None:
    model, system = install(grid, size=4000)
    assert system.counts()["home"] == 4000
    at_noon = {}
    moving = []
    for k in range(1, 1441):
        system.advance(60.0 * k)
        moving.append(system.counts()["moving"])
        if k % 30 == 0:
            check_conserved(system, 4000)
        if k == 12 * 60:
            at_noon = dict(system.counts())
            workers = set(np.flatnonzero(system.people.activity == WORK))
    assert at_noon["work"] / 4000 == pytest.approx(0.6, abs=0.03)  # share at work
    assert at_noon["moving"] < 40
    assert moving[3 * 60] == 0 and max(moving[6 * 60:10 * 60]) > 50  # quiet night, busy morning
    assert system.counts()["home"] == 4000  # all home by midnight
    # The next weekday, the same people work (taking part is drawn once per person).
    for k in range(1441, 1441 + 12 * 60):
        system.advance(60.0 * k)
    assert set(np.flatnonzero(system.people.activity == WORK)) == workers
    kpis = system.kpis(model.bus.log.frame(), system.config, model)
    assert kpis["trips"]["drive"] > 0 and kpis["person_km"]["drive"] > kpis["person_km"]["walk"] > 0
    assert kpis["stuck"] == 0 and 1 < kpis["mean_trip_min"]["drive"] < 60


def test_weekends_differ(grid: City) -> None:
    _, system = install(grid, start=datetime(2026, 11, 7), size=2000)  # a Saturday
    seen = set()
    for k in range(1, 24 * 60 + 1, 5):
        system.advance(60.0 * k)
        seen |= {a for a in ("work", "other") if system.counts()[a] > 0}
    assert seen == {"other"}


def test_directed_people_reach_the_shelter_within_the_bound(grid: City) -> None:
    model, system = install(grid, size=3000)
    events: list = []
    model.bus.subscribe(PeopleDirected, events.append)
    model.bus.subscribe(ShelterReached, events.append)
    tick = system.config.tick_s
    system.advance(7.75 * 3600)  # morning rush: many on their way
    model.env.run(until=7.75 * 3600 + 17)  # an order between ticks
    net = grid.drive
    shelter = int(np.argmin(np.hypot(net.x - net.x.mean(), net.y - net.y.mean())))
    before = state(system)
    inside_drive = np.hypot(net.x - net.x[shelter], net.y - net.y[shelter]) <= 1200
    p = system.people
    expected = int(inside_drive[p.node[p.span(DRIVE)]].sum())
    event = system.direct(shelter, radius_m=1200.0)
    assert event.people >= expected > 100 and event.unreachable == 0
    sent = np.flatnonzero(p.phase == TO_TARGET)
    assert len(sent) == event.people and np.all(p.activity[sent] == SHELTER)
    others = np.setdiff1d(np.arange(len(p)), sent)
    assert np.array_equal(state(system)[others], before[others])  # nobody else touched
    targets = np.where(np.arange(len(p)) < p.n_drive, shelter, system.drive_to_walk[shelter])
    t = 7.75 * 3600
    while t < 7.75 * 3600 + event.bound_s + 2 * tick:
        t += tick
        system.advance(t)
        check_conserved(system, 3000)
    assert np.all(p.phase[sent] == IDLE) and np.all(p.node[sent] == targets[sent])
    reached = [e for e in events if isinstance(e, ShelterReached)]
    assert len(reached) == 1 and reached[0].people == event.people
    assert reached[0].clearance_s <= event.bound_s + tick
    assert system.people_per_node()[shelter] >= int((p.node[sent][sent < p.n_drive] == shelter).sum())
    # Sheltered people stay, through the next midnight too.
    for k in range(1, 20):
        system.advance(t + 3600.0 * k)
    assert np.all(p.node[sent] == targets[sent]) and system.counts()["shelter"] == event.people


def test_polygon_orders_and_redirection(grid: City) -> None:
    _, system = install(grid, size=2000)
    system.advance(8 * 3600)
    net = grid.drive
    x0, x1 = np.percentile(net.x, [20, 50])
    y0, y1 = np.percentile(net.y, [20, 50])
    square = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    first = system.direct(0, polygon=square)
    p = system.people
    drivers = p.span(DRIVE)
    inside = (net.x >= x0) & (net.x <= x1) & (net.y >= y0) & (net.y <= y1)
    assert first.people >= int(inside[p.node[drivers]].sum()) > 0
    # A second order for the same area, at once, takes everyone from the first.
    target = net.n_nodes - 1
    second = system.direct(target, polygon=square)
    assert second.people == first.people
    assert system.orders[0].people == 0 and system.orders[0].remaining == 0
    t = 8 * 3600.0
    for _ in range(int(second.bound_s // 60) + 2):
        t += 60
        system.advance(t)
    sheltered = p.activity == SHELTER
    assert sheltered.sum() == second.people and np.all(p.order[sheltered] == 1)
    assert np.all(p.node[sheltered & (np.arange(len(p)) < p.n_drive)] == target)
    assert system.orders[1].done and system.orders[1].remaining == 0


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.integers(200, 700), seed=st.integers(0, 50), tick=st.sampled_from([30.0, 60.0, 150.0]),
       drive_share=st.floats(0, 1), hour=st.integers(0, 23), size=st.integers(0, 400))
def test_property_conservation_and_agreement(nodes: int, seed: int, tick: float, drive_share: float,
                                             hour: int, size: int) -> None:
    city = load(f"synthetic:nodes={nodes},seed={seed}")
    start = MONDAY + timedelta(days=seed % 7, hours=hour)
    _, system = install(city, start=start, seed=seed, size=size, drive_share=drive_share, tick_s=tick,
                            zones=8, walk_zones=8)
    plains = plain_copy(system)
    t = 0.0
    for _ in range(int(6 * 3600 / tick)):
        t += tick
        system.advance(t)
        for plain in plains:
            plain.advance(t)
        check_conserved(system, size)
    p = system.people
    for mode, plain in zip((DRIVE, WALK), plains):
        np.testing.assert_array_equal(p.node[p.span(mode)], plain.column("node"))
    # Then everyone is sent to one node, and all get there within the bound.
    event = system.direct(int(seed % city.drive.n_nodes), radius_m=1e9)
    assert event.people == size and event.unreachable == 0
    for _ in range(int(event.bound_s // tick) + 2):
        t += tick
        system.advance(t)
    assert system.counts()["shelter"] == size
