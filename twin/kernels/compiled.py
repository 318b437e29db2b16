"""Whether the kernels' machine code is on disk yet, and how long compiling them takes.

Every kernel is ``@numba.njit(cache=True)``. Like a cook who writes a recipe out
once and then only reads it, the first run on a machine compiles each kernel
(about a minute for all of them) and Numba writes the result beside the source,
in ``twin/kernels/__pycache__/`` (an index ``*.nbi`` and the code ``*.nbc`` per
kernel), or under ``NUMBA_CACHE_DIR`` or the user's cache folder when that folder
cannot be written. Later runs load it in milliseconds. An index is only valid
for the source it was compiled from, so editing a kernel compiles it again.

This module reads Numba's own cache locator, so it agrees with Numba on where
the cache is, and listens to Numba's ``numba:compile`` events to time compiling.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Below this share of kernels with machine code on disk, the cache counts as cold (a first run).
#: Some kernels are only ever compiled inside others and never get an index of their own,
#: so "every kernel cached" is never true.
COLD_BELOW = 0.5


def kernels() -> list[Any]:
    """Every Numba dispatcher defined in a module of :mod:`twin.kernels`."""
    from numba.core.registry import CPUDispatcher

    import twin.kernels as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found += [f for f in vars(module).values()
                  if isinstance(f, CPUDispatcher) and f.__module__ == module.__name__]
    return found


def _cached_versions(dispatcher: Any) -> int:
    """How many compiled versions of ``dispatcher`` Numba's cache holds for its current source (0: none)."""
    try:
        return len(dispatcher._cache._cache_file._load_index())  # Numba's index, checked against the source
    except Exception:  # a Numba without these internals: say nothing rather than guess
        return -1


def cache_dir() -> Path | None:
    """The folder Numba writes the kernels' machine code to, or None if Numba does not say."""
    for dispatcher in kernels():
        path = getattr(getattr(dispatcher, "_cache", None), "_cache_path", None)
        if path:
            return Path(path)
    return None


def cache_is_cold() -> bool:
    """True when most kernels have no machine code on disk: this run compiles them (a first run).

    False also when Numba's cache cannot be read (its internals changed): better no
    announcement than a wrong one.
    """
    counts = [_cached_versions(d) for d in kernels()]
    if not counts or min(counts) < 0:
        return False
    return sum(c > 0 for c in counts) < COLD_BELOW * len(counts)


class CompileTime:
    """Wall-clock seconds spent compiling kernels while :func:`compile_timer` is active, and
    whether a compilation is going on right now (for a progress line)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._depth = 0
        self._since = 0.0

    @property
    def compiling(self) -> bool:
        """True while a kernel is being compiled."""
        return self._depth > 0

    def _start(self) -> None:
        if self._depth == 0:
            self._since = time.perf_counter()
        self._depth += 1

    def _end(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.seconds += time.perf_counter() - self._since


@contextmanager
def compile_timer() -> Iterator[CompileTime]:
    """Time every kernel compiled (not loaded from the cache) inside the ``with`` block.

    Nested compilations (a kernel calling another) count once.
    """
    from numba.core import event

    class _Listener(event.Listener):
        def on_start(self, ev: Any) -> None:
            total._start()

        def on_end(self, ev: Any) -> None:
            total._end()

    total = CompileTime()
    with event.install_listener("numba:compile", _Listener()):
        yield total
