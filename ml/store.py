"""The model store: a catalog of downloadable models and a folder of installed ones.

* Catalog: ``resources/catalog/*.toml``, one ``[[model]]`` table per entry (see
  :class:`CatalogEntry`). Entries without a published hash are ``verified = false``: the
  hash is computed on first download, recorded in the index, and the user is told.
* Folder: ``$RETOUCH_MODELS_DIR``, else ``$RETOUCH_DATA_DIR/models``, else
  ``<platformdirs user data dir>/Retouch/models`` (the same data-dir rule as the editor's).
  ``index.json`` records what is installed (file, sha256, size, source, task, ...).
* :meth:`ModelStore.install` streams the download (progress, cancel), resumes a partial
  ``.part`` file with an HTTP Range request, checks SHA-256 (a mismatch deletes the file),
  and moves the result into place atomically; zip entries are extracted.
* :meth:`ModelStore.import_file` adds a local checkpoint after spandrel recognised it.

No Qt, no editor imports; errors are :class:`StoreError` with a message fit for the user.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

# the catalog and the download live in their own modules; their names stay importable here
from ml.catalog import (
    FORMAT_SUFFIX,
    FORMATS,
    CatalogEntry,
    StoreError,
    load_catalog,
    url_file_name,
)
from ml.download import CHUNK, disk_full, download, sha256_file
from ml.types import CancelToken, EngineError, Progress, ProgressCallback

__all__ = [
    "CHUNK", "DATA_ENV_VAR", "ENV_VAR", "FORMATS", "FORMAT_SUFFIX", "IMPORTED_LICENCE",
    "CatalogEntry", "InstallResult", "ModelStore", "StoreError", "VerifyResult",
    "default_root", "install_command", "load_catalog", "missing_models", "sha256_file",
    "url_file_name",
]

ENV_VAR = "RETOUCH_MODELS_DIR"
#: the editor's user-data override (editor/paths.py); the store lives in its ``models``
DATA_ENV_VAR = "RETOUCH_DATA_DIR"


def default_root() -> Path:
    """``$RETOUCH_MODELS_DIR``, else ``$RETOUCH_DATA_DIR/models``, else the per-user data
    dir's ``models`` folder (ml must not import editor, so the data-dir rule of
    ``editor.paths.data_dir`` is repeated here)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    data = os.environ.get(DATA_ENV_VAR)
    if data:
        return Path(data).expanduser() / "models"
    from platformdirs import user_data_dir

    return Path(user_data_dir("Retouch", appauthor=False)) / "models"


@dataclass
class InstallResult:
    """What :meth:`ModelStore.install` did; ``notice`` is set for unverified downloads."""

    id: str
    path: Path
    sha256: str
    verified: bool
    notice: str = ""
    also_installed: list[str] = field(default_factory=list)


@dataclass
class VerifyResult:
    id: str
    ok: bool
    message: str


class ModelStore:
    """Installed models plus the catalog they come from.

    ``catalog`` overrides the bundled catalog (tests point entries at a local server).
    """

    def __init__(
        self,
        root: str | Path | None = None,
        catalog: Iterable[CatalogEntry] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.root = Path(root) if root is not None else default_root()
        self._catalog = list(catalog) if catalog is not None else None
        self.timeout = timeout

    # ----------------------------------------------------------------- catalog
    def catalog(self) -> list[CatalogEntry]:
        """Every catalog entry."""
        if self._catalog is None:
            self._catalog = load_catalog()
        return list(self._catalog)

    def entry(self, model_id: str) -> CatalogEntry:
        """The catalog entry of ``model_id``; StoreError naming known ids when unknown."""
        for e in self.catalog():
            if e.id == model_id:
                return e
        raise StoreError(
            f"unknown model {model_id!r}; see `retouch models list` for the catalog"
        )

    # ------------------------------------------------------------------- index
    @property
    def index_path(self) -> Path:
        return self.root / "index.json"

    def records(self) -> dict[str, dict]:
        """The installed-model index: id -> record (file, sha256, size, source, ...)."""
        try:
            data = json.loads(self.index_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.index_path}: unreadable model index ({exc})") from None
        models = data.get("models", {}) if isinstance(data, dict) else {}
        return {mid: _upgrade_record(rec) for mid, rec in models.items()}

    def _write_records(self, records: dict[str, dict]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"version": 1, "models": records}, indent=2, sort_keys=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".index-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(payload)
            os.replace(tmp, self.index_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _record(self, model_id: str, record: dict) -> None:
        records = self.records()
        records[model_id] = record
        self._write_records(records)

    def installed(self, model_id: str) -> bool:
        """True when the model is recorded and its file exists."""
        rec = self.records().get(model_id)
        return bool(rec) and (self.root / rec["file"]).is_file()

    def path(self, model_id: str) -> Path:
        """The installed file of ``model_id``; StoreError saying how to install it if not."""
        rec = self.records().get(model_id)
        if not rec or not (self.root / rec["file"]).is_file():
            raise StoreError(
                f"model {model_id!r} is not installed; run `retouch models install {model_id}`"
            )
        return self.root / rec["file"]

    def record(self, model_id: str) -> dict | None:
        """The index record of an installed model, or None."""
        return self.records().get(model_id)

    # ----------------------------------------------------------------- install
    def partial_path(self, model_id: str) -> Path:
        """Where the download of ``model_id`` accumulates until it is complete (a ``.part``
        file under ``.downloads``; entries of one zip share it). It exists only while a
        download is interrupted, cancelled or running."""
        entry = self.entry(model_id)
        if entry.archive_member:
            # shared by every entry of the archive: named after the URL, never the entry
            fetched = url_file_name(entry.url)
            fetched_name = (f"{_safe(fetched)}.zip" if fetched else
                            "archive-" + hashlib.sha256(entry.url.encode()).hexdigest()[:16]
                            + ".zip")
        else:
            # the installed name: unique per entry even where URLs name no file
            fetched_name = entry.file_name
        return self.root / ".downloads" / (_safe(fetched_name) + ".part")

    def partial_size(self, model_id: str) -> int:
        """Bytes of an unfinished download of ``model_id`` kept for a resume (0 if none)."""
        try:
            return self.partial_path(model_id).stat().st_size
        except OSError:
            return 0

    def install(
        self,
        model_id: str,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> InstallResult:
        """Download, verify and install a catalog model (resuming a partial download).

        Raises :class:`StoreError` (no network, HTTP error, wrong hash, full disk) or
        :class:`ml.types.Cancelled` (the partial ``.part`` file is kept for a resume).
        """
        entry = self.entry(model_id)
        cancel = cancel or CancelToken()
        report = progress or (lambda p: None)
        part = self.partial_path(model_id)
        part.parent.mkdir(parents=True, exist_ok=True)
        digest, md5 = self._download(entry, part, report, cancel)
        if entry.archive_member:
            return self._install_archive(entry, part, report)

        verified = self._check_hashes(entry, part, digest, md5)
        target = self.root / _safe(entry.file_name)
        try:
            os.replace(part, target)
        except OSError as exc:
            raise StoreError(f"cannot move the download into {target}: {exc}") from None
        notice = ""
        if not verified:
            notice = (
                f"{entry.id}: no published checksum; recorded SHA-256 {digest} on this first "
                "download (`retouch models verify` checks it from now on)"
            )
            report(Progress(1.0, notice))
        self._record(entry.id, self._new_record(entry, target, digest, verified))
        return InstallResult(entry.id, target, digest, verified, notice)

    def _new_record(self, entry: CatalogEntry, target: Path, digest: str, verified: bool) -> dict:
        return {
            "file": target.relative_to(self.root).as_posix(),
            "sha256": digest,
            "size": target.stat().st_size,
            "verified": verified,
            "source": "catalog",
            "url": entry.url,
            "task": entry.task,
            "architecture": entry.architecture,
            "scale": entry.scale,
            "format": entry.format,
            "licence": entry.licence,
            "commercial_use": entry.commercial_use,
            "installed_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }

    def _check_hashes(self, entry: CatalogEntry, part: Path, digest: str, md5: str) -> bool:
        expected = entry.sha256.lower()
        problem = ""
        if expected and digest != expected:
            problem = f"SHA-256 {digest} does not match the catalog's {expected}"
        elif entry.md5 and md5 != entry.md5.lower():
            problem = f"MD5 {md5} does not match the catalog's {entry.md5}"
        elif entry.sha256_prefix and not digest.startswith(entry.sha256_prefix.lower()):
            problem = f"SHA-256 {digest} does not start with the published {entry.sha256_prefix}"
        if problem:
            part.unlink(missing_ok=True)
            raise StoreError(
                f"{entry.id}: the downloaded file is corrupt or not the published one: "
                f"{problem}; the file was deleted"
            )
        return bool(expected) and entry.verified

    def _download(self, entry, part: Path, report, cancel: CancelToken) -> tuple[str, str]:
        """Fetch ``entry.url`` into ``part`` (resuming); return (sha256, md5) of the file."""
        return download(entry, part, report, cancel, self.timeout)

    def _install_archive(self, entry: CatalogEntry, part: Path, report) -> InstallResult:
        """Extract every catalog member of this zip; record each with its own hash."""
        siblings = [e for e in self.catalog() if e.url == entry.url and e.archive_member]
        results: dict[str, InstallResult] = {}
        try:
            with zipfile.ZipFile(part) as zf:
                names = zf.namelist()
                for sib in siblings:
                    member = _find_member(names, sib.archive_member)
                    if member is None:
                        if sib.id == entry.id:
                            raise StoreError(
                                f"{entry.id}: the downloaded archive has no {sib.archive_member}"
                            )
                        continue
                    target = self.root / _safe(sib.file_name)
                    fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".extract-")
                    try:
                        with os.fdopen(fd, "wb") as out, zf.open(member) as src:
                            shutil.copyfileobj(src, out, CHUNK)
                        digest = sha256_file(Path(tmp))
                        if sib.sha256 and digest != sib.sha256.lower():
                            raise StoreError(
                                f"{sib.id}: extracted file's SHA-256 {digest} does not match "
                                f"the catalog's {sib.sha256}; nothing was installed"
                            )
                        os.replace(tmp, target)
                    except OSError as exc:
                        if exc.errno == errno.ENOSPC:
                            raise disk_full(target, exc) from None
                        raise StoreError(f"cannot write {target}: {exc}") from None
                    finally:
                        Path(tmp).unlink(missing_ok=True)
                    verified = bool(sib.sha256) and sib.verified
                    self._record(sib.id, self._new_record(sib, target, digest, verified))
                    notice = "" if verified else (
                        f"{sib.id}: no published checksum; recorded SHA-256 {digest} on this "
                        "first download"
                    )
                    results[sib.id] = InstallResult(sib.id, target, digest, verified, notice)
        except zipfile.BadZipFile:
            part.unlink(missing_ok=True)
            raise StoreError(
                f"{entry.id}: the download from {entry.url} is not a valid zip archive; "
                "the file was deleted"
            ) from None
        part.unlink(missing_ok=True)
        main = results[entry.id]
        main.also_installed = [i for i in results if i != entry.id]
        if main.notice:
            report(Progress(1.0, main.notice))
        return main

    # ------------------------------------------------------------------ import
    def import_file(self, path: str | Path, model_id: str | None = None) -> dict:
        """Copy a local checkpoint into the store after detecting what it is.

        Only files spandrel recognises (.pth/.ckpt/.safetensors) are accepted; anything
        else is refused with a message. Returns the new index record (with its ``id``).
        """
        from ml.loading import ModelFileError, describe

        src = Path(path)
        if not src.is_file():
            raise StoreError(f"{src}: file not found")
        if src.suffix.lower() not in (".pth", ".ckpt", ".safetensors"):
            raise StoreError(
                f"{src}: cannot import {src.suffix or 'this'} files; Retouch imports "
                ".pth, .ckpt and .safetensors checkpoints of architectures spandrel knows"
            )
        try:
            info = describe(src)
        except ModelFileError as exc:
            raise StoreError(str(exc)) from None
        model_id = model_id or f"imported-{_safe(src.stem).lower()}"
        if any(e.id == model_id for e in self.catalog()):
            model_id = f"imported-{model_id}"
        folder = self.root / "imported"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / _safe(src.name)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".import-")
        try:
            with os.fdopen(fd, "wb") as out, open(src, "rb") as f:
                shutil.copyfileobj(f, out, CHUNK)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            if exc.errno == errno.ENOSPC:
                raise disk_full(target, exc) from None
            raise StoreError(f"cannot copy {src} into the store: {exc}") from None
        record = {
            "file": target.relative_to(self.root).as_posix(),
            "sha256": sha256_file(target),
            "size": target.stat().st_size,
            "verified": False,
            "source": "import",
            "original": str(src.resolve()),
            "task": info.task,
            "architecture": info.architecture,
            "scale": info.scale,
            "format": "safetensors" if src.suffix.lower() == ".safetensors" else "pth",
            # nothing is known about an imported file's terms: no commercial_use key
            # (readers treat a missing one as "not marked"), rather than claiming NC
            "licence": IMPORTED_LICENCE,
            "installed_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        self._record(model_id, record)
        return {"id": model_id, **record}

    # ------------------------------------------------------------ verify/remove
    def verify(self, model_ids: Iterable[str] | None = None) -> list[VerifyResult]:
        """Re-hash installed files against the index (and the catalog where published)."""
        records = self.records()
        out = []
        for mid in model_ids or sorted(records):
            rec = records.get(mid)
            if rec is None:
                out.append(VerifyResult(mid, False, "not installed"))
                continue
            path = self.root / rec["file"]
            if not path.is_file():
                out.append(VerifyResult(mid, False, f"file missing: {path}"))
                continue
            digest = sha256_file(path)
            expected = rec["sha256"]
            published = next((e.sha256 for e in self.catalog() if e.id == mid), "")
            if digest != expected or (published and digest != published.lower()):
                out.append(VerifyResult(mid, False, f"SHA-256 mismatch: {path} has {digest}"))
            else:
                out.append(VerifyResult(mid, True, "ok" if rec.get("verified") else
                                        "ok (matches the hash recorded at first download)"))
        return out

    def remove(self, model_id: str) -> Path:
        """Delete an installed model's file and its index record; return the path."""
        records = self.records()
        rec = records.pop(model_id, None)
        if rec is None:
            raise StoreError(f"model {model_id!r} is not installed")
        path = self.root / rec["file"]
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot delete {path}: {exc}") from None
        self._write_records(records)
        return path

    def as_json(self) -> list[dict]:
        """Catalog plus installed imports, with install state, for ``models list --json``."""
        records = self.records()
        rows = []
        for e in self.catalog():
            row = asdict(e)
            row["installed"] = self.installed(e.id)
            if e.id in records:
                row["path"] = str(self.root / records[e.id]["file"])
            rows.append(row)
        known = {e.id for e in self.catalog()}
        for mid, rec in records.items():
            if mid not in known:
                rows.append({"id": mid, **rec, "installed": self.installed(mid),
                             "path": str(self.root / rec["file"])})
        return rows


#: licence shown for a user's imported file, whose terms Retouch cannot know
IMPORTED_LICENCE = "unknown (imported)"


def _upgrade_record(rec: dict) -> dict:
    """An index record as this version writes it.

    Imports recorded before this version claimed ``commercial_use: false`` (so
    ``models list`` marked every import NON-COMMERCIAL) with the licence text "unknown
    (imported by the user)": nothing was known, so that claim is dropped on read.
    """
    if (isinstance(rec, dict) and rec.get("source") == "import"
            and str(rec.get("licence", "")).startswith("unknown (imported")):
        rec = {k: v for k, v in rec.items() if k != "commercial_use"}
        rec["licence"] = IMPORTED_LICENCE
    return rec


def _safe(name: str) -> str:
    """A file-system-safe file name (no separators, no surprises)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned or "model"


def _find_member(names: list[str], wanted: str) -> str | None:
    if wanted in names:
        return wanted
    base = Path(wanted).name
    return next((n for n in names if Path(n).name == base and not n.endswith("/")), None)


# ------------------------------------------------------------------ "not installed"


def install_command(model_id: str) -> str:
    """The command that installs ``model_id`` (as the messages quote it)."""
    return f"`retouch models install {model_id}`"


def missing_models(model_ids: Iterable[str], store: ModelStore | None = None) -> str | None:
    """None when every model is installed, else the reason an engine cannot run: the
    missing ids and the command that installs each (the one wording every engine and the
    CLI use). An unreadable index gives its own message."""
    ids = tuple(model_ids)
    if not ids:
        return None
    try:
        store = store or ModelStore()
        missing = [m for m in ids if not store.installed(m)]
    except EngineError as exc:
        return str(exc)
    if not missing:
        return None
    commands = " and ".join(install_command(m) for m in missing)
    if len(ids) == 1:
        return f"not installed: run {commands}"
    return f"needs {', '.join(missing)} (not installed): run {commands}"
