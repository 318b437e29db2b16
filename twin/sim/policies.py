"""The policy registry: swappable decisions chosen by name in a scenario.

A *concern* is one decision (``dispatch``: which unit to send). Each concern has
a small Protocol; implementations register under a name::

    @register("dispatch", "closest")
    class ClosestAvailable: ...

and a scenario picks one with ``policy: {name: closest, params: {...}}``.
Third-party packages add theirs through the ``twin.policies`` entry-point group:
each entry point is imported, and importing it registers its policies.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, TypeVar

from twin.errors import TwinError

T = TypeVar("T")

_REGISTRY: dict[str, dict[str, Callable[..., Any]]] = {}
_plugins_loaded = False


def register(concern: str, name: str) -> Callable[[T], T]:
    """Class decorator: make ``cls`` the policy ``name`` for ``concern``."""
    def decorate(factory: T) -> T:
        _REGISTRY.setdefault(concern, {})[name] = factory  # type: ignore[assignment]
        return factory
    return decorate


def _load_plugins() -> None:
    global _plugins_loaded
    if not _plugins_loaded:
        _plugins_loaded = True
        for entry in entry_points(group="twin.policies"):
            entry.load()


def names(concern: str) -> list[str]:
    """Registered policy names for a concern, plugins included."""
    _load_plugins()
    return sorted(_REGISTRY.get(concern, {}))


def create(concern: str, name: str, params: dict[str, Any] | None = None, *, where: str = "") -> Any:
    """Instantiate the policy ``name`` of ``concern`` with keyword ``params``.

    ``where`` (e.g. ``"baseline.yaml: response.dispatch"``) prefixes error messages.
    """
    _load_plugins()
    known = _REGISTRY.get(concern, {})
    prefix = f"{where}: " if where else ""
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TwinError(f"{prefix}unknown {concern} policy {name!r}{hint}; known: {', '.join(sorted(known))}")
    try:
        return known[name](**(params or {}))
    except TypeError as exc:
        raise TwinError(f"{prefix}bad parameters for {concern} policy {name!r}: {exc}") from None
