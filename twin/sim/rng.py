"""Named random streams: one seed per run, one independent generator per process.

Think of each stochastic process (incident arrivals, on-scene times, call
handling) as rolling its own dice. The dice of a stream are derived from the run's
seed and the stream's *name*, never from the order in which streams are created:
adding a new stream leaves every other stream's numbers unchanged, and two
variants of a scenario run with the same seed see the same incidents (common
random numbers), which makes their comparison sharper.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: str) -> tuple[int, ...]:
    """A stable integer key for a stream name (Python's ``hash`` is salted per process)."""
    digest = hashlib.sha256(name.encode()).digest()
    return tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))


class RandomStreams:
    """Independent numpy generators keyed by name, all derived from one seed.

    Parameters
    ----------
    seed : int
        The run's seed (non-negative).
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        """The generator of stream ``name`` (created on first use, then the same object)."""
        stream = self._streams.get(name)
        if stream is None:
            sequence = np.random.SeedSequence(entropy=self.seed, spawn_key=_name_key(name))
            stream = self._streams[name] = np.random.Generator(np.random.PCG64(sequence))
        return stream
