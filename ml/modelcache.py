"""One cache of loaded models for every engine: keyed by model id and device, one lock.

Engines load weights through :data:`MODELS` (``MODELS.get(model_id, device, build,
version=...)``) instead of keeping their own dicts and locks, so the out-of-memory path
of :mod:`ml.runtime` can drop everything that lives on a failed device with one call
(:meth:`ModelCache.release`). ``version`` identifies the file the model came from (path
and mtime): a changed file is loaded again rather than served stale.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

#: loaded models kept at once (least recently used dropped first): a few hundred MB
DEFAULT_CAPACITY = 3


def file_version(path: str | os.PathLike) -> tuple[str, int]:
    """``(path, mtime_ns)`` of a model file (mtime 0 when it cannot be read): the
    ``version`` engines cache a loaded file under."""
    try:
        return (str(path), os.stat(path).st_mtime_ns)
    except OSError:
        return (str(path), 0)


class ModelCache:
    """Loaded models by ``(model_id, device)``, least recently used dropped past
    ``capacity``. Thread-safe: one re-entrant lock; a model is built under it, so two
    threads never load the same file twice."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = max(1, int(capacity))
        self._lock = threading.RLock()
        self._items: OrderedDict[tuple[str, str], tuple[Hashable, Any]] = OrderedDict()

    def get(
        self,
        model_id: str,
        device: str,
        build: Callable[[], T],
        version: Hashable = None,
    ) -> T:
        """The cached model, or ``build()``'s result cached under ``(model_id, device)``.

        A cached entry with another ``version`` is rebuilt. Exceptions of ``build``
        propagate and cache nothing."""
        key = (str(model_id), str(device))
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] == version:
                self._items.move_to_end(key)
                return hit[1]
            self._items.pop(key, None)
            value = build()
            self._items[key] = (version, value)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
            return value

    def put(self, model_id: str, device: str, value: Any, version: Hashable = None) -> None:
        """Cache ``value`` under ``(model_id, device)`` (replacing what was there)."""
        with self._lock:
            key = (str(model_id), str(device))
            self._items.pop(key, None)
            self._items[key] = (version, value)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def release(self, device: str) -> None:
        """Forget every model cached for ``device`` (after out-of-memory there)."""
        with self._lock:
            for key in [k for k in self._items if k[1] == device]:
                del self._items[key]

    def clear(self) -> None:
        """Forget every cached model."""
        with self._lock:
            self._items.clear()

    def keys(self) -> list[tuple[str, str]]:
        """The cached ``(model_id, device)`` pairs, least recently used first."""
        with self._lock:
            return list(self._items)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items


#: the process-wide cache every engine loads through
MODELS = ModelCache()
