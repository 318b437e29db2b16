"""The population: residents who live, work and run errands, on foot or by car.

People are arrays, not objects: a million of them move every minute along
cached shortest-path trees (one per destination zone), pushed by a Numba
kernel. Each follows a daily schedule of activity blocks (home, work, other)
with random departure times; weekends differ. Other systems see where people
are through the ``people_per_node`` query and send them to shelters with an
``EvacuationOrdered`` event.
"""

from twin.systems.population.system import PopulationSystem

__all__ = ["PopulationSystem"]
