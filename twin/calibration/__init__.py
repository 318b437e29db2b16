"""Calibration: fitting model parameters to data, with the data's provenance.

Some parameters of the model are not known in advance but chosen so that the
model matches a figure: the crime intensity's scale so that a day has the
target number of crimes, the collision scale so that a day has the target
number of collisions. Each is fitted by an *estimator* in the manner of
scikit-learn (parameters in the constructor, ``fit(...)`` returns ``self``,
results in attributes ending in ``_``), and a fit can be kept in a small YAML
*parameter file* that records where its data came from (:mod:`.provenance`).

A run *reads* its parameters, before the clock starts. For each one the
scenario may

* give the value (``crime.calibration.base: 1.9e-6``),
* name a parameter file (``crime.calibration.file: ../calibration/helsinki-crime.yaml``,
  relative to the scenario file), or
* give neither: then the system fits the estimator once to the city's state at
  the start (after every system is installed, before the clock starts) and
  publishes the value with its provenance as a
  :class:`~twin.calibration.events.ParameterCalibrated` event.

The estimators:

* :class:`~twin.calibration.crime.CrimeBase` -- ``crime.calibration.base``;
* :class:`~twin.calibration.collisions.CollisionScale` -- ``traffic.collisions.calibration.scale``.

:func:`~twin.calibration.scenario.calibrate` fits those of a whole scenario
without running it; :func:`~twin.calibration.estimator.load` reads any parameter
file back. See ``docs/calibration.md``.
"""

from twin.calibration.collisions import CollisionScale
from twin.calibration.crime import CrimeBase
from twin.calibration.estimator import Estimator, load, read_parameter_file
from twin.calibration.events import ParameterCalibrated
from twin.calibration.provenance import Provenance, city_digest
from twin.calibration.scenario import calibrate

__all__ = ["CollisionScale", "CrimeBase", "Estimator", "ParameterCalibrated", "Provenance", "calibrate",
           "city_digest", "load", "read_parameter_file"]
