"""Events of the crime system.

Each crime gives two rows in the log: a ``CrimeCommitted`` with what the crime
model knew at that place and time (for the crime KPIs), then the cross-system
:class:`~twin.sim.events.IncidentReported` that the emergency-response system
turns into a call. ``CrimeCalibrated`` records, once, how the intensity's scale
was fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from twin.sim.events import Event


@dataclass(frozen=True, kw_only=True)
class CrimeCommitted(Event):
    """A crime at ``node``.

    Attributes
    ----------
    crime_type : str
        The response incident type it is reported as.
    outdoor : bool
        Whether it happened outdoors (street light deters only these, at night).
    hour : int
        Local clock hour, 0–23.
    targets : float
        Targets (people present) at the node in the tick.
    guardians : int
        Guardian units within reach of the node in the tick.
    guardianship : float
        The factor they applied, ``exp(-g × guardians)`` (1: no guardian).
    light_multiplier : float
        The street-light multiplier of outdoor crime at the node (1 by day, unlit, or no lighting system).
    """

    crime_type: str
    outdoor: bool
    hour: int
    targets: float
    guardians: int
    guardianship: float
    light_multiplier: float


@dataclass(frozen=True, kw_only=True)
class CrimeCalibrated(Event):
    """The scale of the crime intensity, fixed once before the clock starts (given, read or fitted).

    Attributes
    ----------
    base : float
        Crimes per second per unit of target weight at hour and weekday multiplier 1.
    per_day : float
        The target (mean crimes per day over a week) of the fit -- this run's, or the
        parameter file's -- or NaN when ``base`` was given.
    reference_per_day : float
        Expected crimes per day under this run's reference covariates with this ``base``
        (``per_day`` when fitted now; for a given or read ``base``, what it gives here).
    targets_source : str
        ``"population"`` or ``"weights"``.
    guardians : str
        Reference guardians: ``"initial"`` or ``"none"``.
    guardian_nodes : int
        Nodes with a guardian in reach in the reference.
    """

    base: float
    per_day: float
    reference_per_day: float
    targets_source: str
    guardians: str
    guardian_nodes: int
