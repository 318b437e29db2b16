"""The people: one entry per person in a set of arrays, never one object each.

A million people are a million rows of a table with a dozen narrow columns
(:data:`PERSON_COLUMNS`): where they are, what they are doing, where they are
going, where they live and work. Drivers come first, walkers after, so that
each mode is one contiguous slice that the movement kernel sweeps in one go
(:meth:`People.crowd`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.kernels.movement import HOME, IDLE, Crowd

#: Columns of the people table and their types (order as in :class:`Crowd`).
PERSON_COLUMNS: dict[str, type] = {
    "node": np.int32, "progress": np.float64, "phase": np.int8, "activity": np.int8, "block": np.int8,
    "wake": np.float64, "dest": np.int32, "origin": np.int32, "row": np.int32, "trip_start": np.float64,
    "home": np.int32, "work": np.int32, "other": np.int32, "order": np.int16,
}
#: Codes of the two modes, as in :attr:`People.mode`.
DRIVE, WALK = 0, 1
MODES: tuple[str, ...] = ("drive", "walk")


def bytes_per_person() -> int:
    """Memory of one person's row, bytes (the mode is implied by the position in the table)."""
    return sum(np.dtype(t).itemsize for t in PERSON_COLUMNS.values())


@dataclass
class People:
    """The whole population as columns.

    Attributes
    ----------
    columns : dict[str, ndarray]
        One array per entry of :data:`PERSON_COLUMNS`, all of length ``size``.
        Nodes are of the drivable network for drivers, of the walkable one
        for walkers.
    n_drive : int
        People ``0 … n_drive - 1`` drive, the rest walk.
    """

    columns: dict[str, np.ndarray]
    n_drive: int

    @classmethod
    def create(cls, home: np.ndarray, work: np.ndarray, other: np.ndarray, n_drive: int) -> People:
        """Everyone at home, at rest, before the first block of the day.

        Parameters
        ----------
        home, work, other : int array
            Each person's places (nodes of their mode's network).
        n_drive : int
            How many of them (the first ones) drive.
        """
        size = len(home)
        columns = {name: np.zeros(size, dtype=dtype) for name, dtype in PERSON_COLUMNS.items()}
        columns["home"][:] = home
        columns["work"][:] = work
        columns["other"][:] = other
        columns["node"][:] = home
        columns["dest"][:] = home
        columns["phase"][:] = IDLE
        columns["activity"][:] = HOME
        columns["block"][:] = -1
        columns["order"][:] = -1
        return cls(columns, int(n_drive))

    def __len__(self) -> int:
        return len(self.columns["node"])

    def __getattr__(self, name: str) -> np.ndarray:
        columns = self.__dict__.get("columns", {})
        if name in columns:
            return columns[name]
        raise AttributeError(name)

    @property
    def mode(self) -> np.ndarray:
        """Mode of each person: ``DRIVE`` (0) or ``WALK`` (1)."""
        mode = np.full(len(self), WALK, dtype=np.int8)
        mode[: self.n_drive] = DRIVE
        return mode

    def span(self, mode: int) -> slice:
        """The slice of people of one mode."""
        return slice(0, self.n_drive) if mode == DRIVE else slice(self.n_drive, len(self))

    def crowd(self, mode: int) -> Crowd:
        """The people of one mode as the kernel's :class:`Crowd` (views, not copies)."""
        span = self.span(mode)
        return Crowd(*(self.columns[name][span] for name in PERSON_COLUMNS))

    @property
    def nbytes(self) -> int:
        """Memory held by the table, bytes."""
        return sum(a.nbytes for a in self.columns.values())
