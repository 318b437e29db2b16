"""Refuse a scenario that cannot run, before anything is allocated: samples, events, memory.

Each system estimates its own section (:meth:`System.estimate
<twin.sim.system.System.estimate>`); the engine adds what every run has (the
DataCollector's samples). The scenario is refused with one line when

* it samples more than :data:`MAX_SAMPLES` times (``run.duration / run.sample_every``);
* it would publish more than :data:`MAX_EVENTS` events;
* its estimated memory exceeds what the machine still has for it: the least of
  the free memory, the room under ``RLIMIT_AS`` and under the cgroup's limit
  (:func:`twin.sim.budget.available_memory`).

The reasoning behind each limit is in ``docs/scenarios.md`` ("Limits").
"""

from __future__ import annotations

from typing import Any

from twin.city.sources import parse_source
from twin.errors import TwinError
from twin.scenario.systems import SYSTEMS
from twin.sim.budget import Estimate, available_memory, size_text

#: Most DataCollector samples in one run: a year sampled every 30 s. Each sample
#: calls every reporter (some walk every unit), and mesa keeps each value as a Python object.
MAX_SAMPLES = 1_000_000
#: Memory of one sample, bytes: ~15 reporters × a Python float in a list (32 bytes), rounded down.
BYTES_PER_SAMPLE = 400
#: Most events (and scheduled steps) in one run. The engine publishes some hundreds to a few
#: thousand events a second (2,000/s measured for a day of ``scenarios/response_only.yaml``), so
#: this is hours of simulation and some 10 GB of event log; six months of a busy city (10,000
#: incidents a day, about 105,000 events) fits.
MAX_EVENTS = 20_000_000


def city_nodes(source: str) -> int | None:
    """The number of intersections of the city ``source`` where known without loading it
    (a synthetic city states it), else ``None``."""
    try:
        parsed = parse_source(source)
        if parsed.kind != "synthetic":
            return None
        from twin.city.synthetic import parse_synthetic

        return int(parse_synthetic(parsed.value).nodes)
    except (TwinError, ValueError):
        return None


def estimates(scenario: Any) -> dict[str, Estimate]:
    """What each part of a run of ``scenario`` costs: ``"run"`` (the engine) and each system's section."""
    run = scenario.run
    samples = run.duration / run.sample_every
    parts = {"run": Estimate.of({f"{samples:,.0f} samples (run.sample_every)": samples * BYTES_PER_SAMPLE})}
    nodes = city_nodes(scenario.city.source)
    for section, system in SYSTEMS.items():
        if getattr(scenario, section, None) is not None:
            parts[section] = system.estimate(scenario, nodes)
    return parts


def _biggest(parts: dict[str, Estimate], n: int = 2) -> str:
    notes = sorted(((size, f"{section}: {what}") for section, part in parts.items() for what, size in part.notes),
                   reverse=True)
    return "; ".join(f"{what} ≈ {size_text(size)}" for size, what in notes[:n] if size > 0)


def check_budget(scenario: Any, where: str) -> None:
    """Refuse ``scenario`` if it samples too often, publishes too many events or cannot fit in memory.

    Parameters
    ----------
    scenario : Scenario
        Validated and checked.
    where : str
        What messages call it (the file).

    Raises
    ------
    TwinError
        One line: what the scenario asks for, the limit, and what to change.
    """
    run = scenario.run
    samples = run.duration / run.sample_every
    if samples > MAX_SAMPLES:
        raise TwinError(f"{where}: run.sample_every: {run.sample_every:g} s over run.duration {run.duration:,.0f} s "
                        f"makes {samples:,.0f} samples; at most {MAX_SAMPLES:,} in one run (sample less often or "
                        f"run shorter)")
    parts = estimates(scenario)
    events = sum(part.events for part in parts.values())
    if events > MAX_EVENTS:
        by_section = ", ".join(f"{section} {part.events:,.3g}" for section, part in parts.items() if part.events)
        raise TwinError(f"{where}: the run would publish about {events:,.3g} events ({by_section}); at most "
                        f"{MAX_EVENTS:,} in one run: lower the rates or shorten run.duration "
                        f"({run.duration:,.0f} s)")
    need = sum(part.bytes for part in parts.values())
    memory = available_memory()
    if memory is not None and need > memory.bytes:
        raise TwinError(f"{where}: the run needs at least {size_text(need)} of memory ({_biggest(parts)}) but "
                        f"{memory.limit} leaves {size_text(memory.bytes)}")
