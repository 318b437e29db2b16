"""Checks of the arguments of the public Python API: seeds and durations.

A scenario file is validated by its schema; a caller of :class:`~twin.sim.model.CityModel`
or :func:`twin.experiments.simulate` gets the same kind of one-line
:class:`~twin.errors.TwinError`, naming the argument, instead of a run that
silently simulates nothing (``duration_s=nan``) or a numpy error deep inside.
"""

from __future__ import annotations

import math
import numbers

from twin.errors import TwinError

#: Seeds are non-negative and fit in 64 bits (numpy's SeedSequence takes any, but outputs record them as integers).
MAX_SEED = 2**64 - 1


def check_seed(value: object, name: str = "seed") -> int:
    """``value`` as a seed: an integer in ``0 .. MAX_SEED`` (not a bool, a float or a string).

    Raises
    ------
    TwinError
        Naming ``name`` and what was given.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TwinError(f"{name}: expected a non-negative integer, got {type(value).__name__} {value!r:.60}")
    seed = int(value)
    if seed < 0:
        raise TwinError(f"{name}: must be non-negative, got {seed}")
    if seed > MAX_SEED:
        raise TwinError(f"{name}: must fit in 64 bits (at most {MAX_SEED}), got {seed}")
    return seed


def check_seconds(value: object, name: str, *, positive: bool = False) -> float:
    """``value`` as a finite number of seconds, ``>= 0`` (``> 0`` if ``positive``).

    Raises
    ------
    TwinError
        Naming ``name``: not a number, not finite (nan, inf), or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TwinError(f"{name}: expected a number of seconds, got {type(value).__name__} {value!r:.60}")
    try:
        seconds = float(value)
    except OverflowError:  # an integer beyond any float
        seconds = math.inf
    if not math.isfinite(seconds):
        raise TwinError(f"{name}: must be a finite number of seconds, got {seconds}")
    if seconds < 0 or (positive and seconds == 0):
        raise TwinError(f"{name}: must be {'positive' if positive else 'non-negative'}, got {seconds:g} s")
    return seconds
