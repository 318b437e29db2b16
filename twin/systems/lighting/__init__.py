"""Street lighting: lights along the roads, switching and dimming policies, outages, energy, effect on crime.

Luminaires stand along the lit roads of the drive network, grouped by road
segment (arrays, not objects). A policy sets each segment's level every tick —
always on, dusk to dawn by the sun, or adaptive: dimmed in the small hours and
brightened where someone passes. Lamps fail and are repaired. The system
integrates the power drawn into kWh and cost per night, and tells other systems
how bright each node is and how much that lowers night-time outdoor crime
(:func:`crime_multiplier`, after Chalfin et al. 2022). See ``docs/lighting.md``.
"""

from twin.systems.lighting.crime import crime_multiplier
from twin.systems.lighting.system import LightingSystem

__all__ = ["LightingSystem", "crime_multiplier"]
