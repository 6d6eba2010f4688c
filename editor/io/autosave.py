"""Crash-recovery snapshots: .ora files plus a JSON sidecar in editor.paths.autosave_dir().

The UI owns the timer and the "recover?" prompt; this module only stores, lists, loads
and discards. Each snapshot records the process id that wrote it, so ``pending()`` can
tell a crashed session's leftovers from the running session's own snapshots.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from editor.document import Document
from editor.io.atomic import atomic_write
from editor.io.errors import FileError
from editor.io.ora import read_ora, save_ora
from editor.paths import autosave_dir


@dataclass(frozen=True)
class AutosaveEntry:
    """One snapshot: ``ora`` is the project file, ``sidecar`` its JSON description."""

    key: str
    ora: Path
    sidecar: Path
    original_path: str | None
    title: str
    time: float
    pid: int


class AutosaveStore:
    """Snapshots of open documents, keyed by a caller-chosen string (e.g. a document id)."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self._folder = Path(folder) if folder is not None else None

    @property
    def folder(self) -> Path:
        if self._folder is None:
            return autosave_dir()
        self._folder.mkdir(parents=True, exist_ok=True)
        return self._folder

    def _stem(self, key: str) -> str:
        safe = re.sub(r"[^A-Za-z0-9_-]+", "_", key)[:40] or "doc"
        return f"{safe}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"

    def save(
        self,
        doc: Document,
        key: str,
        *,
        original_path: str | os.PathLike[str] | None = None,
        title: str | None = None,
    ) -> AutosaveEntry:
        """Write (or overwrite) the snapshot for ``key``; both files are written atomically.

        Uses fast PNG compression: autosave runs while the user works.
        """
        folder = self.folder
        stem = self._stem(key)
        ora, sidecar = folder / f"{stem}.ora", folder / f"{stem}.json"
        save_ora(doc, ora, compression=1)
        now = time.time()
        orig = None if original_path is None else str(Path(original_path))
        ttl = title or (Path(orig).name if orig else "Untitled")
        info = {
            "key": key,
            "original_path": orig,
            "title": ttl,
            "time": now,
            "pid": os.getpid(),
            "ora": ora.name,
        }
        try:
            atomic_write(sidecar, lambda f: f.write(json.dumps(info, indent=1).encode("utf-8")))
        except OSError as e:
            raise FileError(sidecar, f"could not be saved ({e.strerror or e})") from e
        return AutosaveEntry(key, ora, sidecar, orig, ttl, now, os.getpid())

    def pending(self, include_current: bool = False) -> list[AutosaveEntry]:
        """Snapshots on disk, newest first; by default only those that processes which are
        no longer running left behind (a crash), not this or another open session's.

        Unreadable sidecars and sidecars whose .ora is gone are skipped.
        """
        entries = []
        for sidecar in self.folder.glob("*.json"):
            try:
                info = json.loads(sidecar.read_text("utf-8"))
                ora = sidecar.with_name(str(info["ora"]))
                entry = AutosaveEntry(
                    str(info["key"]),
                    ora,
                    sidecar,
                    info.get("original_path"),
                    str(info.get("title", "Untitled")),
                    float(info["time"]),
                    int(info.get("pid", -1)),
                )
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if not ora.is_file() or ora.parent != sidecar.parent:
                continue
            if not include_current and (entry.pid == os.getpid() or _running(entry.pid)):
                continue  # ours, or another Retouch still open: not a crash
            entries.append(entry)
        return sorted(entries, key=lambda e: e.time, reverse=True)

    def load(self, entry: AutosaveEntry) -> Document:
        """The snapshot's document; ``metadata["autosave_original_path"]`` says where it came from."""
        doc = read_ora(entry.ora)
        doc.metadata["autosave_original_path"] = entry.original_path
        return doc

    def discard(self, entry: AutosaveEntry) -> None:
        """Delete a snapshot (both files); missing files are fine."""
        for p in (entry.ora, entry.sidecar):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()

    def discard_key(self, key: str) -> None:
        """Delete the snapshot for ``key`` if there is one (e.g. after a normal save/close)."""
        stem = self._stem(key)
        for suffix in (".ora", ".json"):
            with contextlib.suppress(FileNotFoundError):
                (self.folder / f"{stem}{suffix}").unlink()


def _running(pid: int) -> bool:
    """Whether a process with this id exists (POSIX); False where that cannot be told."""
    if pid <= 0 or os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True
