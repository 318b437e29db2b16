"""The crime intensity's scale ``base``, fitted so that a reference day expects ``per_day`` crimes.

The crime system's intensity at node ``j`` (see ``docs/crime.md``) is

    λ_j(t) = base × h(hour) × d(weekday) × targets_j(t) ** a
             × exp(-g × guardians_j(t)) × ((1 - o) + o × light_j(t))    crimes per second.

Everything but ``base`` comes from the scenario and the city, so one number is
left to choose. :class:`CrimeBase` chooses it so that the expected crimes per
day, averaged over the week, under a *reference* equal the target ``per_day``.
The reference is data of the city at the start of a run: the targets (people
per node, or the population weights through a presence profile), the guardians
within reach of each node (where the units wait, or none), and no light effect,
so that variants differing only in their street lights share one scale.

With the population as targets everyone is at some node at every hour, so with
``a = 1`` the sum of targets is the same all day and the reference stands for
the whole day.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from twin.calibration.estimator import Estimator
from twin.calibration.provenance import Provenance
from twin.errors import TwinError
from twin.kernels.crime import expected_crimes, target_weights


def per_day_per_base(targets: npt.NDArray, guardians: npt.NDArray[np.int32], *, hour_profile: Sequence[float],
                     exponent: float, coefficient: float, outdoor_share: float,
                     presence_profile: Sequence[float] | None = None) -> float:
    """Expected crimes per day, averaged over the week, for ``base = 1`` under a reference.

    Parameters
    ----------
    targets : array[n]
        Targets per drive node: the people at each node (``presence_profile``
        None: the same all day), or the population weights that
        ``presence_profile`` scales by hour.
    guardians : int32[n]
        Guardian units within reach of each node.
    hour_profile : 24 floats
        Crime multipliers by clock hour (normalised to mean 1 here).
    exponent, coefficient, outdoor_share : float
        ``a``, ``g`` and ``o`` of the intensity.
    presence_profile : 24 floats, optional
        Relative number of people present by hour (normalised to mean 1).

    Returns
    -------
    float
        Crimes per day per unit of ``base`` (``base`` is in crimes per second).
    """
    hour = np.asarray(hour_profile, dtype=np.float64)
    hour = hour / hour.mean()
    weights = np.zeros(len(targets))
    target_weights(targets, exponent, weights)
    ones = np.ones(len(targets))
    at_reference = expected_crimes(weights, guardians, coefficient, ones, outdoor_share)
    if presence_profile is None:
        by_hour = np.full(24, at_reference)
    else:
        # The fallback's weights at hour h are presence_h ** a times those at presence 1.
        presence = np.asarray(presence_profile, dtype=np.float64)
        presence = presence / presence.mean()
        present = presence > 0
        by_hour = at_reference * np.where(present, np.where(present, presence, 1.0) ** exponent, 0.0)
    return 3600.0 * float(np.dot(hour, by_hour))


class CrimeBase(Estimator):
    """Fit the crime intensity's ``base`` to a target number of crimes per day.

    Parameters
    ----------
    per_day : float
        Target: mean crimes per day over a week.
    hour_profile : 24 floats, optional
        Crime multipliers by clock hour; default flat (pass the scenario's ``crime.hour_profile``).
    exponent : float
        ``a`` in ``targets ** a``.
    coefficient : float
        ``g``, the deterrence of one guardian: ``exp(-g × guardians)``.
    outdoor_share : float
        ``o``, the share of crime outdoors (over the crime types).

    Attributes
    ----------
    base_ : float
        Crimes per second per unit of target weight at hour and weekday multiplier 1.
    per_base_ : float
        Expected crimes per day per unit of ``base`` under the reference.
    reference_per_day_ : float
        ``base_ × per_base_``: the expected crimes per day under the reference (``per_day``).
    guardian_nodes_ : int
        Nodes with a guardian in reach in the reference.
    provenance_ : Provenance
        The city and run the reference came from.

    Examples
    --------
    >>> estimator = CrimeBase(per_day=29.6).fit(people_per_node, guardians, provenance=Provenance.of(city))
    >>> estimator.base_, estimator.save("calibration/my-city-crime.yaml")
    """

    parameter = "crime.calibration.base"
    value_attribute = "base_"

    def __init__(self, per_day: float = 29.6, hour_profile: Sequence[float] | None = None, exponent: float = 1.0,
                 coefficient: float = 1.4, outdoor_share: float = 0.5) -> None:
        self.per_day = per_day
        self.hour_profile = hour_profile
        self.exponent = exponent
        self.coefficient = coefficient
        self.outdoor_share = outdoor_share

    def fit(self, targets: npt.NDArray, guardians: npt.NDArray[np.int32], *,
            presence_profile: Sequence[float] | None = None, provenance: Provenance) -> CrimeBase:
        """Choose ``base_`` so that the reference expects ``per_day`` crimes a day.

        Parameters
        ----------
        targets, guardians, presence_profile
            The reference, as for :func:`per_day_per_base`.
        provenance : Provenance
            Where the reference came from (recorded with the fit).

        Returns
        -------
        CrimeBase
            ``self``, fitted.

        Raises
        ------
        TwinError
            No targets anywhere, so that no scale gives a positive ``per_day``.
        """
        per_base = per_day_per_base(
            targets, guardians, hour_profile=[1.0] * 24 if self.hour_profile is None else self.hour_profile,
            exponent=self.exponent, coefficient=self.coefficient, outdoor_share=self.outdoor_share,
            presence_profile=presence_profile)
        if per_base <= 0:
            if self.per_day > 0:
                raise TwinError("crime: no targets anywhere in the city at the start, so no scale "
                                f"gives crime.per_day = {self.per_day:g}")
            per_base = 1.0
        self.base_ = self.per_day / per_base
        self.per_base_ = per_base
        self.reference_per_day_ = self.base_ * per_base
        self.guardian_nodes_ = int(np.count_nonzero(guardians))
        self.provenance_ = provenance
        return self

    def target(self) -> dict[str, float]:
        """``{"per_day": ...}``: the crimes per day the fit matched."""
        return {"per_day": self.per_day}
