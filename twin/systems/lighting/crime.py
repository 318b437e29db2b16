"""How street lighting scales night-time outdoor crime.

The evidence is Chalfin, Hansen, Weisburst & Williams (2022), "Reducing Crime
Through Environmental Design: Evidence from a Randomized Experiment of Street
Lighting in New York City", *Journal of Quantitative Criminology* 38, 127–157
(working paper: NBER w25798, 2019). Temporary light towers were randomly
allocated to New York public-housing developments in 2016; the developments that
got them saw, after allowing for spill-overs to the surroundings, at least a 36 %
reduction of **night-time outdoor index crimes** (murder, robbery, felony
assault, burglary, grand larceny, motor-vehicle theft) compared with those that
did not.

The mapping used here is linear in the light level::

    multiplier(level) = 1 - effect * level,        level in [0, 1]

relative to an unlit street at night: ``level = 0`` gives 1 (no change),
``level = 1`` gives ``1 - effect`` (0.64 with the default, the study's −36 %),
and a light dimmed to 0.3 gives 0.892. The study measured only "more light" vs
"the usual light", so two things are assumptions, stated here so a crime model
can change them: that full street lighting against none has the same effect as
the towers against the developments' existing lighting, and that the effect is
proportional to the level in between (no dose-response curve was identified).
By day the lights are irrelevant: the per-node query of the lighting system
gives level 0, hence multiplier 1, whenever the sun is above civil twilight.
"""

from __future__ import annotations

import numpy as np

#: Reduction of night-time outdoor index crime at full lighting (Chalfin et al. 2022).
CHALFIN_2022_EFFECT = 0.36


def crime_multiplier(level: np.ndarray | float, effect: float = CHALFIN_2022_EFFECT) -> np.ndarray | float:
    """Relative intensity of night-time outdoor crime near a street lit at ``level``.

    Parameters
    ----------
    level : float or array of float
        Light level, 0 (dark or daytime) … 1 (full).
    effect : float
        Reduction at full level against an unlit street, 0 … 1 (default 0.36).

    Returns
    -------
    float or float64 array
        ``1 - effect * level``, shaped like ``level``: 1 unlit, ``1 - effect`` fully lit.

    Raises
    ------
    ValueError
        If ``effect`` or any ``level`` lies outside ``[0, 1]``.
    """
    if not 0.0 <= effect <= 1.0:
        raise ValueError(f"effect must be between 0 and 1, got {effect}")
    values = np.asarray(level, dtype=np.float64)
    if values.size and not (np.all(values >= 0.0) and np.all(values <= 1.0)):
        raise ValueError("light levels must be between 0 and 1")
    result = 1.0 - effect * values
    return float(result) if result.ndim == 0 else result
