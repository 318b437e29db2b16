"""What a long command says while it works: its stages, a bar on a terminal, a heartbeat in a log.

A run takes from seconds to minutes, and a first run also compiles the kernels.
Silence for a minute reads as a hang, so a command names each stage as it
starts (loading the city, installing the systems, simulating, writing the
report). On a terminal a bar shows how far the simulation is; where the output
is a file or a CI log, which shows no bar, a plain line every
:data:`HEARTBEAT_S` seconds says the command is still at work and how far it is.

Verbosity: ``-1`` (``--quiet``) says nothing, ``0`` names the stages, ``1``
(``--verbose``) also gives each stage's duration at the end (:meth:`Stages.timings`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

#: Seconds of wall time between two heartbeat lines when the output is not a terminal.
HEARTBEAT_S = 10.0


def format_elapsed(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) of wall time."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Stages:
    """The stages of one command, said on ``console``.

    Parameters
    ----------
    console : rich.console.Console
        Where to say it.
    verbosity : int
        -1 quiet, 0 normal, 1 verbose.
    heartbeat_s : float, optional
        Seconds between heartbeat lines when ``live`` is false (default :data:`HEARTBEAT_S`).
    live : bool, optional
        Draw a bar that redraws itself (a terminal); default: whether ``console`` is a terminal.
    """

    def __init__(self, console: Console, verbosity: int = 0, *, heartbeat_s: float | None = None,
                 live: bool | None = None) -> None:
        self.console = console
        self.verbosity = verbosity
        self.heartbeat_s = HEARTBEAT_S if heartbeat_s is None else heartbeat_s
        self.live = console.is_terminal if live is None else live
        self.started = time.perf_counter()
        self.durations: dict[str, float] = {}
        self._current: str | None = None
        self._since = self.started
        self._detail = ""
        self._total: float | None = None
        self._unit = ""
        self._digits = 1
        self._bar: Any = None  # a rich Progress while a stage with a total runs on a terminal
        self._task: Any = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Optional: what is going on besides the stage's own progress (``"compiling kernels"``),
        #: asked by each heartbeat line; None or empty when nothing.
        self.busy: Callable[[], str | None] | None = None

    # -- saying things ----------------------------------------------------------------------

    def say(self, text: str) -> None:
        """A line, unless quiet."""
        if self.verbosity >= 0:
            self.console.print(text, highlight=False, soft_wrap=True)

    def detail(self, text: str) -> None:
        """A line only in verbose mode."""
        if self.verbosity >= 1:
            self.console.print(text, highlight=False, soft_wrap=True)

    # -- stages ------------------------------------------------------------------------------

    def begin(self, name: str, text: str | None = None, *, total: float | None = None, unit: str = "",
              digits: int = 1) -> None:
        """End the current stage (if any) and start ``name``, saying ``text`` (default: the name).

        With ``total``, the stage has a measure of progress (``total`` in ``unit``, e.g. hours
        simulated) that :meth:`advance` moves: a bar on a terminal, the heartbeat's detail in a log;
        ``digits`` after the decimal point.
        """
        self.end()
        with self._lock:
            self._current, self._since, self._detail = name, time.perf_counter(), ""
            self._total, self._unit, self._digits = total, unit, digits
        self.say(f"{text or name}…")
        if total is not None and self.live and self.verbosity >= 0:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn(f"[bold]{name}"), BarColumn(),
                                 TextColumn(f"{{task.completed:,.{digits}f}}/{{task.total:,.{digits}f}} {unit}"),
                                 TimeElapsedColumn(), console=self.console, transient=True)
            self._task = self._bar.add_task(name, total=total)
            self._bar.start()
        if not self.live and self.verbosity >= 0 and self.heartbeat_s > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
            self._thread.start()

    def advance(self, done: float) -> None:
        """How far the current stage is, in the ``unit`` its :meth:`begin` gave."""
        if self._bar is not None:
            self._bar.update(self._task, completed=done)
        with self._lock:
            if self._total is not None:
                self._detail = f"{done:,.{self._digits}f} of {self._total:,.{self._digits}f} {self._unit}"

    def end(self) -> None:
        """End the current stage, recording its duration."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        with self._lock:
            if self._current is not None:
                self.durations[self._current] = (self.durations.get(self._current, 0.0)
                                                 + time.perf_counter() - self._since)
            self._current = None

    @contextmanager
    def stage(self, name: str, text: str | None = None, *, total: float | None = None,
              unit: str = "") -> Iterator[None]:
        """``with stages.stage("loading the city"):`` — :meth:`begin` and :meth:`end` around a block."""
        self.begin(name, text, total=total, unit=unit)
        try:
            yield
        finally:
            self.end()

    def close(self) -> None:
        """End the current stage and stop the heartbeat."""
        self.end()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None

    def __enter__(self) -> Stages:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            with self._lock:
                current, detail, since = self._current, self._detail, self._since
            if current is None:
                continue
            now = time.perf_counter()
            busy = self.busy() if self.busy is not None else None
            said = f"{current}: {'; '.join(part for part in (detail, busy) if part)}" if detail or busy else current
            self.console.print(f"  … {said} ({format_elapsed(now - since)} in this stage, "
                               f"{format_elapsed(now - self.started)} in all)", highlight=False, soft_wrap=True)

    # -- at the end --------------------------------------------------------------------------

    def timings(self, extra: dict[str, Any] | None = None) -> str:
        """``"loading the city 0.41 s, simulating 12.3 s, …; 14.2 s in all"``."""
        parts = [f"{name} {seconds:.2f} s" for name, seconds in self.durations.items()]
        parts += [f"{name} {value}" for name, value in (extra or {}).items()]
        return f"{', '.join(parts)}; {time.perf_counter() - self.started:.1f} s in all"
