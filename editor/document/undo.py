"""Undo/redo: Command, UndoStack with a step limit and a byte budget, and TileDiff.

A :class:`TileDiff` keeps only the 64×64 tiles that actually changed (old and new
values), so a brush stroke on a 4K layer costs a few hundred KiB of history, not 33 MB.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from editor.document.events import Rect

DIFF_TILE = 64
#: steps of history kept unless the user sets another limit (Edit ▸ Preferences)
DEFAULT_UNDO_LIMIT = 200


class Command:
    """One undoable change. Subclasses implement ``redo`` and ``undo``.

    ``merge_with(other)`` may absorb a following command into this one (return True);
    ``nbytes`` is the memory the command keeps alive, counted by :class:`UndoStack`.
    """

    text: str = ""

    def redo(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        raise NotImplementedError

    def merge_with(self, other: Command) -> bool:
        return False

    @property
    def nbytes(self) -> int:
        return 0


class TileDiff:
    """Old and new values of the changed tiles of a 2-D or 3-D array region."""

    def __init__(self, tiles: list[tuple[int, int, np.ndarray, np.ndarray]]) -> None:
        #: (y, x, old, new) with (y, x) the top-left in array coordinates.
        self.tiles = tiles

    @classmethod
    def from_region(
        cls, old_region: np.ndarray, array: np.ndarray, rect: Rect, tile: int = DIFF_TILE
    ) -> TileDiff:
        """Diff ``old_region`` (the values of ``rect`` before) against ``array`` (after)."""
        tiles: list[tuple[int, int, np.ndarray, np.ndarray]] = []
        if rect.empty:
            return cls(tiles)
        y0 = rect.y // tile * tile
        x0 = rect.x // tile * tile
        for ty in range(y0, rect.bottom, tile):
            ya, yb = max(ty, rect.y), min(ty + tile, rect.bottom)
            for tx in range(x0, rect.right, tile):
                xa, xb = max(tx, rect.x), min(tx + tile, rect.right)
                old = old_region[ya - rect.y : yb - rect.y, xa - rect.x : xb - rect.x]
                new = array[ya:yb, xa:xb]
                if not np.array_equal(old, new):
                    tiles.append((ya, xa, old.copy(), new.copy()))
        return cls(tiles)

    def apply(self, array: np.ndarray, new: bool) -> Rect | None:
        """Write the new (``new=True``) or old values into ``array``; return the changed rect."""
        bounds: Rect | None = None
        for y, x, o, n in self.tiles:
            v = n if new else o
            array[y : y + v.shape[0], x : x + v.shape[1]] = v
            r = Rect(x, y, v.shape[1], v.shape[0])
            bounds = r if bounds is None else bounds.union(r)
        return bounds

    @property
    def bounds(self) -> Rect | None:
        bounds: Rect | None = None
        for y, x, o, _n in self.tiles:
            r = Rect(x, y, o.shape[1], o.shape[0])
            bounds = r if bounds is None else bounds.union(r)
        return bounds

    @property
    def empty(self) -> bool:
        return not self.tiles

    @property
    def nbytes(self) -> int:
        return sum(o.nbytes + n.nbytes for _y, _x, o, n in self.tiles)


class UndoStack:
    """A linear history, Qt-style: ``index`` = number of applied commands.

    ``limit`` caps the number of steps and ``max_bytes`` the memory kept by commands
    (:attr:`memory`); the oldest steps are dropped first, the newest is always kept.
    ``on_change`` is called after every change (the document turns it into a
    "history-changed" event).
    """

    def __init__(
        self,
        limit: int = DEFAULT_UNDO_LIMIT,
        max_bytes: int = 1 << 30,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._commands: list[Command] = []
        self._index = 0
        self._clean_index: int | None = 0
        self._sealed = False
        self._limit = self._check_limit(limit)
        self._max_bytes = int(max_bytes)
        self._on_change = on_change
        self._busy = False

    @staticmethod
    def _check_limit(limit: int) -> int:
        if int(limit) < 1:
            raise ValueError(f"undo limit must be at least 1, got {limit!r}")
        return int(limit)

    # --- configuration --------------------------------------------------------------

    @property
    def limit(self) -> int:
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        self._limit = self._check_limit(value)
        self._trim()
        self._changed()

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @max_bytes.setter
    def max_bytes(self, value: int) -> None:
        self._max_bytes = int(value)
        self._trim()
        self._changed()

    # --- state ----------------------------------------------------------------------

    @property
    def index(self) -> int:
        return self._index

    @property
    def count(self) -> int:
        return len(self._commands)

    def __len__(self) -> int:
        return len(self._commands)

    def text(self, i: int) -> str:
        """Text of command ``i`` (0-based; ``text(index - 1)`` is the next undo)."""
        return self._commands[i].text

    def command(self, i: int) -> Command:
        return self._commands[i]

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._commands)

    @property
    def undo_text(self) -> str:
        return self._commands[self._index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self._commands[self._index].text if self.can_redo else ""

    @property
    def memory(self) -> int:
        """Bytes kept alive by the commands in the history."""
        return sum(c.nbytes for c in self._commands)

    @property
    def is_clean(self) -> bool:
        """True when the document matches the last :meth:`set_clean` (e.g. last save)."""
        return self._clean_index == self._index

    def set_clean(self) -> None:
        self._clean_index = self._index
        self._sealed = True
        self._changed()

    def set_unsaved(self) -> None:
        """No state of the history matches a file on disk (e.g. a document recovered from
        an autosave): it stays unclean until the next :meth:`set_clean`."""
        self._clean_index = None
        self._sealed = True
        self._changed()

    # --- changes --------------------------------------------------------------------

    def push(self, command: Command, apply: bool = True) -> None:
        """Add ``command``; run its ``redo`` first unless ``apply`` is False (already done).

        The redo tail is discarded. If the top command's ``merge_with`` accepts it, the
        two become one step (slider drags).
        """
        if self._busy:
            raise RuntimeError("cannot push a command while undoing or redoing")
        if apply:
            command.redo()
        del self._commands[self._index :]
        if self._clean_index is not None and self._clean_index > self._index:
            self._clean_index = None  # the saved state is gone for good
        top = self._commands[-1] if self._commands else None
        if (
            top is not None
            and not self._sealed
            and self._clean_index != self._index
            and top.merge_with(command)
        ):
            pass
        else:
            self._commands.append(command)
            self._index += 1
        self._sealed = False
        self._trim()
        self._changed()

    def seal(self) -> None:
        """Stop the top command from merging with the next push (end of a slider drag)."""
        self._sealed = True

    def undo(self) -> bool:
        if not self.can_undo:
            return False
        self._run(self._commands[self._index - 1].undo)
        self._index -= 1
        self._sealed = True
        self._changed()
        return True

    def redo(self) -> bool:
        if not self.can_redo:
            return False
        self._run(self._commands[self._index].redo)
        self._index += 1
        self._sealed = True
        self._changed()
        return True

    def set_index(self, index: int) -> None:
        """Undo or redo until ``index`` commands are applied (history panel clicks)."""
        if not 0 <= index <= len(self._commands):
            raise ValueError(f"history index {index} out of range 0..{len(self._commands)}")
        on_change, self._on_change = self._on_change, None
        try:
            while self._index > index:
                self.undo()
            while self._index < index:
                self.redo()
        finally:
            self._on_change = on_change
        self._changed()

    def clear(self) -> None:
        self._commands.clear()
        self._index = 0
        self._clean_index = 0
        self._changed()

    def _run(self, fn: Callable[[], None]) -> None:
        self._busy = True
        try:
            fn()
        finally:
            self._busy = False

    def _trim(self) -> None:
        memory = self.memory
        while (
            len(self._commands) > 1
            and self._index > 1
            and (len(self._commands) > self._limit or memory > self._max_bytes)
        ):
            memory -= self._commands[0].nbytes
            del self._commands[0]
            self._index -= 1
            if self._clean_index is not None:
                self._clean_index = self._clean_index - 1 if self._clean_index > 0 else None

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()
