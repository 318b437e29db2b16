"""The ``population:`` section of a scenario, with documented defaults.

Example::

    population:
      size: 200000
      tick_s: 60
      drive_share: 0.6
      work: {weights: arterial, decay_km: 8}
      schedules:
        weekday:
          - {activity: home,  start: "00:00", end: "07:30"}
          - {activity: work,  start: "07:30", end: "16:30", share: 0.6, per_person: true, spread_min: 45}
          - {activity: other, start: "16:30", end: "19:00", share: 0.35, otherwise: home}
          - {activity: home,  start: "19:00", end: "24:00", spread_min: 60}

A schedule is a list of activity *blocks* that together cover the day from
00:00 to 24:00 without gaps or overlaps. People leave for a block at its
``start`` give or take ``spread_min`` (a standard deviation, minutes), so
``start`` is the mean *departure* time, not the arrival. ``share`` is the
probability of taking part; those who do not either stay where they are or,
with ``otherwise``, go to another activity. ``per_person: true`` draws taking
part once per person (the same 60 % work every weekday) instead of every day.
Monday to Friday follow ``weekday``, Saturday and Sunday ``weekend``.

Sources of the defaults
-----------------------
* Departure peaks around 07:30 and 16:30–17:00 on weekdays and a late-morning
  peak at weekends: the shape of national travel and time-use surveys (e.g.
  Eurostat HETUS 2010; the American Time Use Survey; Finland's national travel
  survey 2016, where 55–60 % of trips are by car). Tune to a local survey.
* Share at work on a weekday ≈ 0.6: employment-to-population ratio of about
  0.7 among working-age residents times about 0.85 at the workplace on a given
  day (leave, sickness, remote work), rounded up for students.
* Trip-length decay: work trips on the order of 10 km and errands about 3 km
  in European metropolitan travel surveys; with ``decay_km`` the destination
  weight falls by ``e`` every ``decay_km`` of straight-line distance.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from twin.sim.budget import Estimate
from twin.sim.budget import available_memory as shared_available_memory
from twin.sim.config import StrictModel
from twin.systems.population.people import bytes_per_person

DAY_S = 86400.0
#: At most this share of the memory available now may go to the people table.
MEMORY_SHARE = 0.8
#: Most blocks in one day's schedule.
MAX_BLOCKS = 48


def parse_clock(value: Any) -> Any:
    """``"07:30"``, ``"7:30:15"`` or hours as a number (``7.5``) → seconds after midnight."""
    if isinstance(value, bool):
        return value  # left to pydantic's type error
    if isinstance(value, (int, float)):
        seconds = float(value) * 3600.0
    elif isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", value)
        if not match or int(match[2]) >= 60 or int(match[3] or 0) >= 60:
            raise ValueError(f"cannot read {value!r} as a time of day; write e.g. '07:30' or 7.5 (hours)")
        seconds = int(match[1]) * 3600.0 + int(match[2]) * 60.0 + int(match[3] or 0)
    else:
        return value
    if not 0 <= seconds <= DAY_S:
        raise ValueError(f"{value!r} is not a time of day between 00:00 and 24:00")
    return seconds


def clock(seconds: float) -> str:
    """Seconds after midnight as ``HH:MM`` (``HH:MM:SS`` when not on a minute)."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


#: A time of day, seconds after midnight, written ``"HH:MM"`` or as hours; dumped as ``"HH:MM"``
#: so that a dumped scenario validates again (workers, stores and outputs rely on it).
ClockTime = Annotated[float, BeforeValidator(parse_clock), PlainSerializer(clock, return_type=str)]


class Block(StrictModel):
    """One activity of a day's schedule, from ``start`` to ``end``."""

    activity: Literal["home", "work", "other"]
    start: ClockTime = Field(description="mean departure time, 'HH:MM'")
    end: ClockTime = Field(description="when the next block starts, 'HH:MM' ('24:00' for midnight)")
    share: float = Field(default=1.0, ge=0, le=1, description="probability of taking part")
    otherwise: Literal["stay", "home", "work", "other"] = Field(
        default="stay", description="where those who do not take part go")
    spread_min: float = Field(default=30.0, ge=0, le=360,
                              description="standard deviation of the departure time, minutes")
    per_person: bool = Field(default=False, description="draw taking part once per person, not daily")

    @model_validator(mode="after")
    def _ordered(self) -> Block:
        if self.end <= self.start:
            raise ValueError(f"end ({clock(self.end)}) must be after start ({clock(self.start)})")
        return self


def coverage_problems(blocks: list[Block]) -> list[str]:
    """What keeps ``blocks`` from covering 00:00–24:00 exactly once, in words (empty if nothing)."""
    problems = []
    ordered = sorted(range(len(blocks)), key=lambda i: blocks[i].start)
    if ordered != list(range(len(blocks))):
        problems.append("blocks must be listed in time order")
    reached = 0.0
    previous = None
    for i in ordered:
        block = blocks[i]
        if block.start > reached:
            problems.append(f"{clock(reached)}–{clock(block.start)} is not covered")
        elif block.start < reached:
            problems.append(f"blocks {previous} and {i} overlap {clock(block.start)}–{clock(min(reached, block.end))}")
        if block.end > reached:
            reached, previous = block.end, i
    if reached < DAY_S:
        problems.append(f"{clock(reached)}–24:00 is not covered")
    return problems


def _weekday() -> list[Block]:
    return [
        Block(activity="home", start="00:00", end="07:30", spread_min=0),
        Block(activity="work", start="07:30", end="16:30", share=0.6, per_person=True, spread_min=45),
        Block(activity="other", start="16:30", end="19:00", share=0.35, otherwise="home", spread_min=30),
        Block(activity="home", start="19:00", end="24:00", spread_min=60),
    ]


def _weekend() -> list[Block]:
    return [
        Block(activity="home", start="00:00", end="10:00", spread_min=0),
        Block(activity="other", start="10:00", end="13:00", share=0.5, spread_min=60),
        Block(activity="home", start="13:00", end="15:00", spread_min=45),
        Block(activity="other", start="15:00", end="18:00", share=0.4, spread_min=60),
        Block(activity="home", start="18:00", end="24:00", spread_min=60),
    ]


class Schedules(StrictModel):
    """Daily schedules: ``weekday`` for Monday to Friday, ``weekend`` for Saturday and Sunday."""

    weekday: list[Block] = Field(default_factory=_weekday, min_length=1, max_length=MAX_BLOCKS)
    weekend: list[Block] = Field(default_factory=_weekend, min_length=1, max_length=MAX_BLOCKS)

    @field_validator("weekday", "weekend")
    @classmethod
    def _covers_the_day(cls, blocks: list[Block]) -> list[Block]:
        problems = coverage_problems(blocks)
        if problems:
            raise ValueError("a schedule must cover 00:00–24:00 exactly once: " + "; ".join(problems))
        if blocks[0].share < 1:
            raise ValueError("the first block is where everyone starts the day: its share must be 1")
        return blocks


class Destination(StrictModel):
    """Where people go for one kind of activity.

    ``weights``: ``population`` (where people live), ``arterial`` (nodes on
    trunk, primary and secondary roads, by population: jobs line the main
    roads) or ``central`` (population times ``exp(-r / r̄)``, ``r`` the distance
    from the population-weighted centre and ``r̄`` its mean: jobs crowd the
    centre). ``decay_km``: a place ``d`` km from home (zone to zone) weighs
    ``exp(-d / decay_km)`` times as much; ``null`` for no decay. Walkers ignore
    both distance and other zones: they stay in their home walk zone.
    """

    weights: Literal["population", "arterial", "central"] = "population"
    decay_km: float | None = Field(default=None, gt=0)


class PopulationConfig(StrictModel):
    """Scenario section ``population``."""

    size: int = Field(default=100_000, ge=0, description="number of people")
    tick_s: float = Field(default=60.0, gt=0, le=3600, description="movement step, seconds")
    drive_share: float = Field(default=0.6, ge=0, le=1, description="share of people who drive; the rest walk")
    zones: int = Field(default=256, ge=1, le=4096,
                       description="drivers' destination zones, one city-wide tree each "
                                   "(fewer in small cities: at least 20 nodes each)")
    walk_zones: int = Field(default=1024, ge=1, le=65536,
                            description="at most this many walkers' zones: walkers stay in their home zone; "
                                        "they cost no city-wide trees")
    walk_zone_km: float = Field(default=0.8, gt=0, le=20,
                                description="walk zones are at least this wide, km (fewer zones in a small "
                                            "city), so that walks are walks and not steps next door")
    threads: int | None = Field(default=None, ge=1, le=16,
                                description="threads moving people; default: Numba's thread count")
    snapshot_every_s: float | None = Field(default=3600.0, gt=0,
                                           description="keep people per node every this many seconds, for "
                                                       "the report's density maps (4 bytes a node each); "
                                                       "null: keep none")
    work: Destination = Field(default_factory=lambda: Destination(weights="arterial", decay_km=8.0))
    other: Destination = Field(default_factory=lambda: Destination(weights="population", decay_km=3.0))
    schedules: Schedules = Field(default_factory=Schedules)

    @field_validator("size")
    @classmethod
    def _fits_in_memory(cls, size: int) -> int:
        need = size * bytes_per_person()
        have = available_memory()
        if have is not None and need > MEMORY_SHARE * have:
            raise ValueError(f"{size:,} people need about {_gb(need)} ({bytes_per_person()} bytes each) but "
                             f"only {_gb(have)} of memory is available; at most about "
                             f"{int(MEMORY_SHARE * have / bytes_per_person()):,} people fit")
        return size


def available_memory() -> int | None:
    """Memory a run may still allocate now, bytes: the least of the free memory and the room under
    ``RLIMIT_AS`` and the cgroup's limit (:func:`twin.sim.budget.available_memory`; ``None`` where
    the system says none of them)."""
    memory = shared_available_memory()
    return None if memory is None else int(memory.bytes)


def estimate(scenario: Any, nodes: int | None) -> Estimate:
    """What the ``population`` section costs a run (:meth:`twin.sim.system.System.estimate`): the
    people's table, and where the city's size is known the snapshots of people per node (4 bytes a
    node every ``snapshot_every_s``); a movement step every ``tick_s``."""
    config: PopulationConfig = scenario.population
    duration = scenario.run.duration
    items = {f"{config.size:,} people": float(config.size * bytes_per_person())}
    if nodes is not None and config.snapshot_every_s is not None:
        snapshots = duration / config.snapshot_every_s
        items[f"{snapshots:,.0f} snapshots of {nodes:,} nodes"] = snapshots * nodes * 4.0
    return Estimate.of(items, steps=duration / config.tick_s)


def _gb(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:,.1f} GB" if n_bytes >= 1e8 else f"{n_bytes / 1e6:,.1f} MB"
