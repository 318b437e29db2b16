"""What a system shows in the browser replay of a run (``python run.py view``).

The replay page knows no system. It draws the road network, and then whatever
the systems give it, in a few generic shapes that any system can fill from its
stored run (:meth:`twin.sim.system.System.replay`):

- :class:`Sites`: fixed places drawn as symbols (stations, hospitals, docks);
- :class:`Markers`: things that appear at a place and a time and change look as
  time goes on (incidents: waiting, reached within target, reached late);
- :class:`Movers`: things that move along a track of timed positions (units,
  drones), and change look with what they do;
- :class:`Series`: numbers that change with time, shown as of the clock
  (incidents so far, units busy now);
- :class:`Spans`: entries of a list, open from one time to another (requests
  waiting for a unit).

Times are simulated seconds since the scenario's start, positions metres in the
city's projected CRS: the same as the event log. A marker's or a mover's ``ref``
names the event-log column that holds its id (``"unit"``, ``"incident"``): the
page shows an item's timeline as the log's events with that id in that column.

Every time-dependent shape is sorted by time and can only grow at its end, so
that a live run can feed the page the same shapes piece by piece later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Style:
    """One look of a layer's items, and its entry in the legend.

    Attributes
    ----------
    key : str
        The name the item's changes refer to.
    label : str
        What the legend says.
    colour : str
        A CSS colour (``"#rrggbb"``).
    faded : bool
        Drawn smaller and half transparent (done with, kept for the picture).
    legend : bool
        Listed in the legend.
    pulse : bool
        Drawn with a pulsing ring (something waits for attention).
    """

    key: str
    label: str
    colour: str
    faded: bool = False
    legend: bool = True
    pulse: bool = False


@dataclass(frozen=True)
class Sites:
    """Fixed places: one symbol each, labelled on hover.

    Attributes
    ----------
    title : str
        The layer's name in the legend (``"Stations"``).
    x, y : float arrays
        Positions, metres.
    labels : list of str
        One per site.
    symbol : {"square", "cross", "diamond", "triangle"}
    colour : str
        A CSS colour.
    """

    title: str
    x: np.ndarray
    y: np.ndarray
    labels: list[str]
    symbol: str = "square"
    colour: str = "#333333"


@dataclass(frozen=True)
class Markers:
    """Things that appear at a place and a time, then change look.

    Attributes
    ----------
    title : str
        The layer's name in the legend.
    ref : str
        The event-log column holding an item's id (its timeline: the events with that id).
    ids : int array
        Item ids.
    x, y : float arrays
        Positions, metres.
    labels : list of str
        One per item.
    changes : DataFrame
        Columns ``id``, ``time_s``, ``style`` (a :class:`Style` key), sorted by time;
        an item appears at its first change.
    styles : tuple of Style
    """

    title: str
    ref: str
    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    labels: list[str]
    changes: pd.DataFrame
    styles: tuple[Style, ...]


@dataclass(frozen=True)
class Movers:
    """Things that move: each follows its track, straight between successive points.

    Attributes
    ----------
    title : str
        The layer's name in the legend.
    ref : str
        The event-log column holding an item's id.
    ids : int array
    labels : list of str
        One per item (shown on click).
    letters : list of str
        A short tag drawn on each item (``"A"`` for an ambulance).
    track : DataFrame
        Columns ``id``, ``time_s``, ``x``, ``y``: where each item is at each time,
        sorted by id then time. Before its first point an item is at its first
        point, after its last at its last.
    changes : DataFrame
        Columns ``id``, ``time_s``, ``style``, sorted by time.
    styles : tuple of Style
    note : str
        Said under the legend (e.g. how the tracks were made).
    """

    title: str
    ref: str
    ids: np.ndarray
    labels: list[str]
    letters: list[str]
    track: pd.DataFrame
    changes: pd.DataFrame
    styles: tuple[Style, ...]
    note: str = ""


@dataclass(frozen=True)
class Series:
    """A number that changes at given times and holds in between (a step function).

    Attributes
    ----------
    label : str
        What it is (``"Units busy now"``).
    time_s : float array
        When it changes, sorted; before the first time it has no value.
    value : float array
        The value from each time on.
    kind : {"count", "share", "s"}
        How to show it: a count, a share (0–1, shown in %), a time in seconds (min:s).
    total : float, optional
        Shown as "value of total" (a fleet's size).
    note : str
        What exactly it counts, shown on hover.
    """

    label: str
    time_s: np.ndarray
    value: np.ndarray
    kind: str = "count"
    total: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Spans:
    """A list whose entries are open from one time to another (a queue).

    Attributes
    ----------
    title : str
        The list's heading.
    ref : str
        The event-log column holding an entry's id (click: its timeline).
    ids : int array
    start_s, end_s : float arrays
        When each entry opens and closes; ``end_s`` NaN: still open at the end.
    labels : list of str
    """

    title: str
    ref: str
    ids: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray
    labels: list[str]


@dataclass(frozen=True)
class Replay:
    """One system's part of the replay page."""

    sites: tuple[Sites, ...] = ()
    markers: tuple[Markers, ...] = ()
    movers: tuple[Movers, ...] = ()
    series: tuple[Series, ...] = ()
    spans: tuple[Spans, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def step_series(times: np.ndarray, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A running total: ``steps`` (+1, -1, …) added up in time order, one value per distinct time.

    Parameters
    ----------
    times : float array
        When each step happens, seconds (any order; ties are summed).
    steps : array
        The change at each time.

    Returns
    -------
    time_s, value : float arrays
        The distinct times, sorted, and the total after every step at that time.
    """
    times = np.asarray(times, dtype=float)
    order = np.argsort(times, kind="stable")
    times, totals = times[order], np.cumsum(np.asarray(steps, dtype=float)[order])
    if not len(times):
        return times, totals
    last = np.r_[times[1:] != times[:-1], True]  # the last step of each distinct time
    return times[last], totals[last]


def event_field(events: pd.DataFrame, name: str) -> pd.Series:
    """One field of the events' kind-specific data, for every row (None where absent).

    Reads a typed column of that name when the log has one, else the JSON ``data`` column.
    """
    if name in events.columns:
        return events[name].astype(object).where(events[name].notna(), None)
    if "data" not in events.columns:
        return pd.Series([None] * len(events), index=events.index, dtype=object)

    def get(text: object) -> object:
        if not isinstance(text, str) or not text:
            return None
        try:
            return json.loads(text).get(name)
        except (ValueError, AttributeError):
            return None

    return events["data"].map(get)
