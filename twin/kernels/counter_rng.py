"""Counter-based random numbers: a die you can re-roll by naming it.

An ordinary generator is a tape read in order: who draws first changes what
everybody else gets, which makes parallel loops irreproducible. A counter-based
generator instead *hashes a name* -- (key, person, day, block) -- into a number:
the same name always gives the same number, in any order and on any thread, and
no state is kept per person. The population uses it for departure times and for
who takes part in an activity, so a day's plan costs no memory and a plain
Python re-implementation (the benchmark's reference) draws exactly the same
numbers.

The mixer is SplitMix64's finaliser (Steele, Lea & Flood, OOPSLA 2014), applied
once per component of the name. Normal deviates are the sum of four uniforms
(Irwin-Hall), rescaled to mean 0 and variance 1: close to normal, bounded at
±2·√3 ≈ ±3.46, and computed with additions only, so Numba and CPython agree to
the last bit.
"""

from __future__ import annotations

import numba
import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
_SQRT3 = 1.7320508075688772


@numba.njit(cache=True, inline="always")
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64's finaliser: a bijection of 64-bit integers that scrambles every bit."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(cache=True, inline="always")
def hash4(key: np.uint64, a: int, b: int, c: int) -> np.uint64:
    """Hash the name ``(key, a, b, c)`` (non-negative ints) to 64 bits."""
    h = mix64(key + _GOLDEN)
    h = mix64(h ^ np.uint64(a))
    h = mix64(h ^ np.uint64(b))
    return mix64(h ^ np.uint64(c))


@numba.njit(cache=True, inline="always")
def uniform(key: np.uint64, a: int, b: int, c: int) -> float:
    """A uniform deviate in ``[0, 1)`` named ``(key, a, b, c)``."""
    return float(hash4(key, a, b, c) >> _S11) * _TO_UNIT


@numba.njit(cache=True, inline="always")
def normal4(key: np.uint64, a: int, b: int, c: int) -> float:
    """An approximately standard-normal deviate named ``(key, a, b, c)``, within ±3.46.

    ``c`` is used for four consecutive names ``4c … 4c + 3``.
    """
    total = (uniform(key, a, b, 4 * c) + uniform(key, a, b, 4 * c + 1)
             + uniform(key, a, b, 4 * c + 2) + uniform(key, a, b, 4 * c + 3))
    return (total - 2.0) * _SQRT3


# --- the same functions in plain Python, for reference code and tests -----------------------

_MASK = (1 << 64) - 1


def py_mix64(z: int) -> int:
    """:func:`mix64` on Python ints."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def py_uniform(key: int, a: int, b: int, c: int) -> float:
    """:func:`uniform` on Python ints."""
    h = py_mix64((key + 0x9E3779B97F4A7C15) & _MASK)
    h = py_mix64(h ^ a)
    h = py_mix64(h ^ b)
    h = py_mix64(h ^ c)
    return float(h >> 11) * _TO_UNIT


def py_normal4(key: int, a: int, b: int, c: int) -> float:
    """:func:`normal4` on Python ints."""
    total = (py_uniform(key, a, b, 4 * c) + py_uniform(key, a, b, 4 * c + 1)
             + py_uniform(key, a, b, 4 * c + 2) + py_uniform(key, a, b, 4 * c + 3))
    return (total - 2.0) * _SQRT3
