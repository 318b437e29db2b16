"""The event a system publishes when it fixes a calibrated parameter, before the clock starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from twin.sim.events import Event


@dataclass(frozen=True, kw_only=True)
class ParameterCalibrated(Event):
    """A model parameter fixed for this run: fitted now, read from a parameter file, or given.

    Attributes
    ----------
    parameter : str
        Dotted scenario path of the parameter, e.g. ``"crime.calibration.base"``.
    value : float
        The value the run uses.
    how : str
        ``"fitted"`` (by the estimator, from this run's city and start), ``"file"``
        (read from :attr:`file`) or ``"given"`` (a number in the scenario).
    file : str
        The parameter file, or ``""``.
    target : dict
        What the fit matched (e.g. ``{"per_day": 29.6}``); empty when given.
    provenance : dict
        The fit's :class:`~twin.calibration.provenance.Provenance` (this run's city
        and seed when fitted now, the file's when read); empty when given.
    """

    parameter: str
    value: float
    how: str
    file: str = ""
    target: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
