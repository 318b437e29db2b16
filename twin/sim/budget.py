"""What a run will cost before it starts: memory and events, and the memory there is.

A scenario can ask for more than any machine has (a billion units, a million
incidents a day for a century) in a few characters. Each system states what its
section will cost with :meth:`System.estimate <twin.sim.system.System.estimate>`,
as an :class:`Estimate`; :mod:`twin.scenario.budget` adds them up and refuses the
scenario, with one line, before anything is allocated.

An estimate is a rough *lower bound* of the bulk that grows with the scenario
(tables per person, per unit, per incident, per event), not of the fixed cost
of the interpreter and the city: a scenario refused by it could not run, and one
that passes is not promised to fit.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass, field
from pathlib import Path

#: Bytes one event takes in the event log while a run lasts: a Python tuple of
#: eight fields with its floats and its JSON text, then its rows in Arrow and pandas
#: at the end. Measured: about 800 bytes a event in a day of central Helsinki with
#: 20,000 incidents (tracemalloc peak over the run); 500 keeps the estimate a lower bound.
BYTES_PER_EVENT = 500


#: Events the handling of one incident publishes on average (occurred, call received and answered,
#: dispatch requested, then per unit dispatched, en route, on scene, cleared, at station, and
#: transports): 10.5 measured in a day of ``scenarios/response_only.yaml``.
EVENTS_PER_INCIDENT = 10


@dataclass(frozen=True)
class Estimate:
    """What (part of) a run costs: memory and simulation events, with what drives them.

    Attributes
    ----------
    bytes : float
        Memory the part allocates, bytes (the bulk that grows with the scenario).
    events : float
        Events it publishes over the run (each lands in the event log) and wake-ups it schedules.
    notes : tuple of (str, float)
        The largest items, ``(what, bytes)``, for messages: ``("1,000,000 units", 3e9)``.
    """

    bytes: float = 0.0
    events: float = 0.0
    notes: tuple[tuple[str, float], ...] = field(default=())

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.bytes + other.bytes, self.events + other.events, self.notes + other.notes)

    @classmethod
    def of(cls, items: dict[str, float], events: float = 0.0, steps: float = 0.0) -> Estimate:
        """An estimate from ``{what: bytes}`` items, ``events`` published (their log's memory is
        added) and ``steps``: scheduled wake-ups that publish nothing (a tick every ``tick_s``),
        which cost time, not memory, and count among the events."""
        notes = dict(items)
        if events:
            notes[f"{events:,.0f} events"] = events * BYTES_PER_EVENT
        return cls(sum(notes.values()), events + steps, tuple(notes.items()))


@dataclass(frozen=True)
class Memory:
    """Memory a run may still allocate, bytes, and which limit sets it (``"free memory"``, ...)."""

    bytes: float
    limit: str


def _meminfo_available() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _read_number(path: Path) -> float | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if not text or text == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value < 2**60 else None  # cgroup v1 writes "no limit" as a huge number


def _cgroup_room() -> float | None:
    """Room left under this process's cgroup memory limit (v2, else v1), bytes."""
    root = Path("/sys/fs/cgroup")
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        lines = []
    folders = [root]
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3 and parts[0] == "0" and parts[2].startswith("/"):  # v2: "0::/path"
            folders.insert(0, root / parts[2].lstrip("/"))
    for folder in folders:
        limit = _read_number(folder / "memory.max")
        if limit is not None:
            used = _read_number(folder / "memory.current") or 0.0
            return max(limit - used, 0.0)
    limit = _read_number(root / "memory" / "memory.limit_in_bytes")
    if limit is not None:
        used = _read_number(root / "memory" / "memory.usage_in_bytes") or 0.0
        return max(limit - used, 0.0)
    return None


def _address_space_room() -> float | None:
    """Room left under ``RLIMIT_AS`` (``ulimit -v``), bytes: the limit minus the current virtual size."""
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ValueError, OSError):
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    used = 0.0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                used = float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return max(soft - used, 0.0)


def available_memory() -> Memory | None:
    """The memory a run may still allocate: the least of the free memory (``MemAvailable``),
    the room under ``RLIMIT_AS`` and the room under the cgroup's memory limit.

    Returns ``None`` where the system says none of them.
    """
    limits = {"free memory": _meminfo_available(), "the address-space limit (ulimit -v)": _address_space_room(),
              "the cgroup memory limit": _cgroup_room()}
    known = [(value, name) for name, value in limits.items() if value is not None]
    if not known:
        return None
    value, name = min(known)
    return Memory(value, name)


def size_text(n_bytes: float) -> str:
    """``3.2 GB``, ``410 MB``, ``12 kB``: a size for messages."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.1f} {unit}"
    return f"{n_bytes:,.0f} bytes"
