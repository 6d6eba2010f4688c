"""The model store as the Models dialog sees it: one :class:`ModelRow` per catalog entry
or imported model, and the background jobs that change the store (install, verify,
import) with their worker side.

Worker side like :mod:`editor.ai.requests`: a request carries the store and an id or a
path, never document state, and the run functions only talk to the store. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from editor.jobs.engines import CatalogEntry, ModelStore, RunContext

NON_COMMERCIAL = "non-commercial"
UNVERIFIED = "unverified hash"
IMPORTED = "imported"

INSTALLED = "installed"
NOT_INSTALLED = "not installed"
PARTIAL = "partial"


def human_size(n: int) -> str:
    """``67040989`` -> "67 MB"; "?" when the catalog gives no size."""
    if n <= 0:
        return "?"
    for unit, div in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= div:
            v = n / div
            return f"{v:.1f} {unit}" if v < 10 else f"{v:.0f} {unit}"
    return f"{n} B"


@dataclass
class ModelRow:
    """What one row of the dialog shows, read from the store."""

    id: str
    task: str
    size: int
    licence: str
    state: str  # INSTALLED | NOT_INSTALLED | PARTIAL
    notes: list[str] = field(default_factory=list)
    partial_bytes: int = 0
    approximate_size: bool = False
    entry: CatalogEntry | None = None  # None for imported models
    record: dict | None = None

    @property
    def commercial_use(self) -> bool:
        return NON_COMMERCIAL not in self.notes

    @property
    def size_text(self) -> str:
        text = human_size(self.size)
        return f"~{text}" if self.approximate_size and self.size else text


def model_rows(store: ModelStore) -> list[ModelRow]:
    """Every catalog entry, then every imported model, with its install state."""
    records = store.records()
    rows = []
    for e in store.catalog():
        rec = records.get(e.id)
        installed = store.installed(e.id)
        notes = []
        if not e.commercial_use:
            notes.append(NON_COMMERCIAL)
        if not e.verified:
            notes.append(UNVERIFIED)
        partial = 0 if installed else store.partial_size(e.id)
        state = INSTALLED if installed else PARTIAL if partial else NOT_INSTALLED
        size = int(rec["size"]) if installed and rec else e.size
        rows.append(ModelRow(e.id, e.task, size, e.licence, state, notes, partial,
                             approximate_size=not e.sha256 and not installed, entry=e,
                             record=rec))
    known = {e.id for e in store.catalog()}
    for mid, rec in sorted(records.items()):
        if mid in known:
            continue
        state = INSTALLED if store.installed(mid) else NOT_INSTALLED
        rows.append(ModelRow(mid, rec.get("task", "?"), int(rec.get("size") or 0),
                             rec.get("licence", "unknown"), state, [IMPORTED], record=rec))
    return rows


# --- job requests (frozen: what the worker gets) and their worker side ------------------


@dataclass(frozen=True)
class InstallRequest:
    store: ModelStore
    model_id: str


@dataclass(frozen=True)
class ImportRequest:
    store: ModelStore
    path: str


@dataclass(frozen=True)
class VerifyRequest:
    store: ModelStore
    model_id: str


def run_install(req: InstallRequest, ctx: RunContext) -> Any:
    """Download, check and install (resuming a ``.part``); None when it is installed
    already (it came with a sibling from the same archive)."""
    if req.store.installed(req.model_id):
        return None
    return req.store.install(req.model_id, progress=ctx.progress, cancel=ctx.cancel)


def run_verify(req: VerifyRequest, ctx: RunContext) -> Any:
    """Re-hash an installed model; the store's verification result."""
    ctx.report(0.0, f"verifying {req.model_id}")
    return req.store.verify([req.model_id])[0]


def run_import(req: ImportRequest, ctx: RunContext) -> dict:
    """Import a local checkpoint (spandrel detects what it is); the store's record."""
    ctx.report(0.0, f"reading {Path(req.path).name}")
    return req.store.import_file(req.path)
