"""Rectangles and the document's event hub.

Widgets never hold document state: they connect to :class:`EventHub` and re-read what
an :class:`Event` says changed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

EVENT_KINDS = frozenset(
    {
        "layer-added",
        "layer-removed",
        "layer-moved",
        "layer-changed",
        "pixels-changed",
        "selection-changed",
        "ai-mask-changed",
        "active-changed",
        "history-changed",
        "size-changed",
        "metadata-changed",
        "depth-changed",
    }
)


class Rect(NamedTuple):
    """An axis-aligned integer rectangle ``(x, y, w, h)`` in document pixels."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def empty(self) -> bool:
        return self.w <= 0 or self.h <= 0

    def intersect(self, other: tuple[int, int, int, int]) -> Rect:
        o = Rect(*other)
        x0, y0 = max(self.x, o.x), max(self.y, o.y)
        x1, y1 = min(self.right, o.right), min(self.bottom, o.bottom)
        return Rect(x0, y0, max(0, x1 - x0), max(0, y1 - y0))

    def union(self, other: tuple[int, int, int, int] | None) -> Rect:
        if other is None:
            return self
        o = Rect(*other)
        if o.empty:
            return self
        if self.empty:
            return o
        x0, y0 = min(self.x, o.x), min(self.y, o.y)
        x1, y1 = max(self.right, o.right), max(self.bottom, o.bottom)
        return Rect(x0, y0, x1 - x0, y1 - y0)

    def translated(self, dx: int, dy: int) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)

    def slices(self) -> tuple[slice, slice]:
        """``(rows, cols)`` slices for indexing an array with this rectangle."""
        return slice(self.y, self.bottom), slice(self.x, self.right)


def as_rect(rect: tuple[int, int, int, int] | None) -> Rect | None:
    """Coerce a 4-tuple (or None) to a :class:`Rect` of ints."""
    if rect is None:
        return None
    x, y, w, h = rect
    return Rect(int(x), int(y), int(w), int(h))


@dataclass(frozen=True)
class Event:
    """One change notification.

    ``kind`` is one of :data:`EVENT_KINDS`. ``index`` is the layer index for layer events
    (for "layer-moved" also ``value`` = the old index), ``prop`` names the changed property
    for "layer-changed", ``rect`` is the affected document area (None = everything) and
    ``target`` says what pixels changed for "pixels-changed": "pixels", "mask", "ai_mask"
    or "selection".
    """

    kind: str
    index: int | None = None
    prop: str | None = None
    rect: Rect | None = None
    target: str | None = None
    value: Any = None


Callback = Callable[[Event], None]


class EventHub:
    """A list of callbacks; ``emit`` calls each in connection order.

    A callback that raises does not stop the others: the exception is collected and
    re-raised after every callback ran, so one broken widget cannot desync the rest.
    """

    def __init__(self) -> None:
        self._callbacks: list[Callback] = []
        self._blocked = 0

    def connect(self, callback: Callback) -> None:
        if callback not in self._callbacks:
            self._callbacks.append(callback)

    def disconnect(self, callback: Callback) -> None:
        with contextlib.suppress(ValueError):
            self._callbacks.remove(callback)

    def emit(self, kind: str, **fields: Any) -> Event:
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        if "rect" in fields:
            fields["rect"] = as_rect(fields["rect"])
        event = Event(kind, **fields)
        errors: list[BaseException] = []
        for cb in list(self._callbacks):
            try:
                cb(event)
            except Exception as exc:  # noqa: BLE001 - keep notifying the others, re-raise below
                errors.append(exc)
        if errors:
            raise errors[0]
        return event
