"""Crime from routine activities: where and when offences happen, and what deters them.

Crime happens where a motivated offender meets a suitable target in the
absence of a capable guardian (Cohen & Felson 1979). The crime system turns
that into an intensity per road node and tick — people present, police units
within reach, street light at night, time of day — draws crimes from it with
Numba kernels, and reports each to emergency response as an incident. Its
scale is calibrated so that a scenario keeps a given number of crimes per day.
See ``docs/crime.md``.
"""

from twin.systems.crime.system import CrimeSystem

__all__ = ["CrimeSystem"]
