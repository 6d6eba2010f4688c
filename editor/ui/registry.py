"""An ordered id → entry registry, shared by the Filter menu (:mod:`editor.ui.filters`)
and the docks (:mod:`editor.ui.docks`): entries are frozen dataclasses with ``id`` and
``title``; registering an id again replaces the entry in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, what: str, check: Callable[[T], None] | None = None) -> None:
        self._what = what  # "a filter", "a dock": for the error message
        self._check = check
        self._entries: dict[str, T] = {}

    def register(self, entry: T) -> T:
        """Add (or replace, by id) ``entry``; returns it."""
        e: Any = entry
        if not e.id or not e.title:
            raise ValueError(f"{self._what} needs an id and a title")
        if self._check is not None:
            self._check(entry)
        self._entries[e.id] = entry
        return entry

    def unregister(self, entry_id: str) -> None:
        self._entries.pop(entry_id, None)

    def entries(self) -> list[T]:
        """Registered entries in registration order."""
        return list(self._entries.values())
