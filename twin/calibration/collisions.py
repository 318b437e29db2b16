"""The traffic collision scale, fitted so that an average day expects ``per_day`` collisions.

Every collision site has a risk per vehicle (from the rates of the traffic
section, see :mod:`twin.systems.traffic.collisions`) and an exposure (vehicles
on an average day). Their product summed over the sites is the expected
collisions per day *at the rates as given*; :class:`CollisionScale` finds the one
factor that multiplies every rate so that this equals a known daily count,
keeping where and when collisions happen. It is fitted on the untreated risks,
so that smart crosswalks show as fewer collisions rather than being calibrated away.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from twin.calibration.estimator import Estimator
from twin.calibration.provenance import Provenance


class CollisionScale(Estimator):
    """Fit the factor on every collision rate to a target number of collisions per day.

    Parameters
    ----------
    per_day : float
        Target: collisions per average day, before any treatment.

    Attributes
    ----------
    scale_ : float
        The factor (1 when the rates give no collisions at all: nothing to scale).
    rates_per_day_ : float
        Expected collisions per day at the rates as given.
    provenance_ : Provenance
    """

    parameter = "traffic.collisions.calibration.scale"
    value_attribute = "scale_"

    def __init__(self, per_day: float = 8.0) -> None:
        self.per_day = per_day

    def fit(self, risk: npt.NDArray[np.float64], daily_exposure: npt.NDArray[np.float64], *,
            provenance: Provenance) -> CollisionScale:
        """Choose ``scale_`` so that ``scale_ × Σ risk × exposure = per_day``.

        Parameters
        ----------
        risk : float64[k]
            Collisions per vehicle of exposure at each site, untreated.
        daily_exposure : float64[k]
            Vehicles at each site on an average day.
        provenance : Provenance
            The city and scenario the sites came from.

        Returns
        -------
        CollisionScale
            ``self``, fitted.
        """
        expected = float(np.dot(risk, daily_exposure))
        self.rates_per_day_ = expected
        self.scale_ = self.per_day / expected if expected > 0 else 1.0
        self.provenance_ = provenance
        return self

    def target(self) -> dict[str, float]:
        """``{"per_day": ...}``: the collisions per day the fit matched."""
        return {"per_day": self.per_day}
