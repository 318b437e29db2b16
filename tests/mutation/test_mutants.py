"""The mutant list stays plantable: every snippet found exactly once, every system and kernel covered.

Cheap (no mutant is run): it fails as soon as someone moves the code a mutant
changes, so the list is updated with the code rather than found stale later.
"""

from __future__ import annotations

from tests.mutation.mutants import MUTANTS
from tests.mutation.runner import stale

SYSTEMS = {"response", "traffic", "lighting", "crime", "population"}
KERNELS = {"kernel:dijkstra/heap", "kernel:point_to_point", "kernel:movement", "kernel:crime", "kernel:lighting",
           "kernel:traffic"}
#: The errors that once passed every test (issue 20): each must stay on the list.
SURVIVORS = {"dispatch-straight-line", "bpr-dropped", "approach-delay-other-green", "queue-ignores-priority",
             "sirens-slow-down", "webster-15-low"}


def test_every_mutant_can_be_planted_in_the_current_code() -> None:
    assert stale() == []


def test_names_are_unique_and_every_area_and_survivor_is_covered() -> None:
    names = [m.name for m in MUTANTS]
    assert len(names) == len(set(names))
    areas = {m.area for m in MUTANTS}
    assert SYSTEMS | KERNELS <= areas, f"no mutant for {sorted((SYSTEMS | KERNELS) - areas)}"
    assert SURVIVORS <= set(names)
    assert all(m.tests for m in MUTANTS)
