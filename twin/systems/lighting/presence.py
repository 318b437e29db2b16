"""Motion on the streets: which lit segments have someone on them now.

An adaptive light brightens when its sensor sees someone. The twin knows where
people are if a population system is installed: it provides the query
``people_per_node`` (an int array over the drive network's nodes; the lighting
system asks for people travelling, since a sensor on a pole does not see people
at home or at work), and a segment sees motion when at least ``min_people`` of
them are on its two end nodes.

Without a population system the fallback is deterministic and follows the time
of day: in hour ``h`` the busiest ``activity[h]`` share of the segments has
motion. "Busiest" ranks segments by the population weight of their end nodes
(where people live) times a road-class factor (main roads carry more people and
vehicles), so the same streets stay bright late into the night, as in a real
city. The default hourly shares (:data:`DEFAULT_ACTIVITY`) are an assumption, not
a measurement: they follow the shape of urban hourly traffic counts (a night
minimum around 03:00–04:00 of roughly a tenth of the daytime level, rising
steeply from 05:00), scaled so that in the small hours about one segment in ten
sees someone within a five-minute tick. Replace them by a population system when
the pattern of motion matters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from twin.city.network import ROAD_CLASSES
from twin.systems.lighting.lights import StreetLights

#: Share of road segments with motion in each hour of the day (fallback, hour 0 first).
DEFAULT_ACTIVITY: tuple[float, ...] = (
    0.30, 0.22, 0.16, 0.12, 0.10, 0.14, 0.30, 0.55, 0.75, 0.75, 0.75, 0.75,
    0.80, 0.80, 0.80, 0.80, 0.85, 0.85, 0.80, 0.70, 0.60, 0.50, 0.45, 0.38,
)

#: Relative activity of a road class, for ranking segments in the fallback.
CLASS_ACTIVITY: dict[str, float] = {
    "motorway": 4.0, "trunk": 4.0, "primary": 4.0, "secondary": 3.0, "tertiary": 2.0,
    "unclassified": 1.0, "residential": 1.0, "living_street": 1.0, "service": 0.5,
    "footway": 1.0, "other": 0.5,
}


class Presence:
    """Who is on which segment: from the population system, or the hourly fallback.

    Parameters
    ----------
    lights : StreetLights
        The segments.
    population_weight : float64[n]
        Relative residents per drive node (the city's).
    min_people : int
        People on a segment's end nodes that trigger its sensor.
    activity : sequence of 24 floats
        Fallback share of segments with motion per hour, 0 … 1.
    """

    def __init__(self, lights: StreetLights, population_weight: np.ndarray, *, min_people: int = 1,
                 activity: Sequence[float] = DEFAULT_ACTIVITY) -> None:
        self.lights = lights
        self.min_people = int(min_people)
        self.activity = np.asarray(activity, dtype=np.float64)
        factor = np.array([CLASS_ACTIVITY.get(name, 1.0) for name in ROAD_CLASSES])
        weight = population_weight[lights.seg_u] + population_weight[lights.seg_v]
        busyness = (weight + 1e-12) * factor[lights.seg_class]
        order = np.argsort(-busyness, kind="stable")
        self.rank = np.empty(lights.n_segments, dtype=np.int64)
        self.rank[order] = np.arange(lights.n_segments)

    def from_people(self, people_per_node: np.ndarray) -> np.ndarray:
        """Motion per segment from people per drive node (bool per segment)."""
        people = np.asarray(people_per_node)
        return (people[self.lights.seg_u] + people[self.lights.seg_v]) >= self.min_people

    def fallback(self, hour: int) -> np.ndarray:
        """Motion per segment in hour ``hour`` (0–23) without a population system."""
        return self.rank < self.activity[hour] * self.lights.n_segments
