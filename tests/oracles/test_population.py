"""People per node by mode: each mode's count is that mode's people, and the modes add up.

The expected counts come from the people table itself (how many drive, how
many walk), not from the query under test: a query that put everyone under
"drive" and nobody under "walk" still adds up to the total, so the sum alone
cannot catch it.
"""

from __future__ import annotations

from tests.systems.population.test_system import scenario
from twin.experiments.run import build_model
from twin.sim.queries import PEOPLE_PER_NODE
from twin.systems.population import PopulationSystem
from twin.systems.population.people import DRIVE, WALK


def test_each_mode_counts_its_own_people() -> None:
    plan = scenario(size=400)
    model = build_model(plan, plan.run.seed)
    system = next(s for s, _ in model.systems if isinstance(s, PopulationSystem))
    model.run(until=8 * 3600.0)  # the morning: some on their way, most somewhere
    drivers, walkers = (len(system.people.crowd(mode).node) for mode in (DRIVE, WALK))
    assert drivers > 0 and walkers > 0 and drivers + walkers == 400
    assert model.query(PEOPLE_PER_NODE, mode="drive").sum() == drivers
    assert model.query(PEOPLE_PER_NODE, mode="walk").sum() == walkers
    assert model.query(PEOPLE_PER_NODE).sum() == 400
