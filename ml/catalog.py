"""The model catalog: ``resources/catalog/*.toml``, one ``[[model]]`` table per entry.

Entries without a published hash are ``verified = false``: the hash is computed on first
download, recorded in the store's index, and the user is told (see :mod:`ml.store`).
No Qt, no editor imports; errors are :class:`StoreError` with a message fit for the user.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import unquote, urlparse

from ml.resources import resource_path
from ml.types import EngineError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

FORMATS = ("pth", "safetensors", "torchscript", "zip", "onnx")
#: file suffix of each catalog format, for entries whose URL names no file
FORMAT_SUFFIX = {"pth": ".pth", "safetensors": ".safetensors", "torchscript": ".pt",
                 "zip": ".zip", "onnx": ".onnx"}
#: suffixes that make a URL's last path segment a real file name
_FILE_SUFFIXES = (".pth", ".pt", ".ckpt", ".safetensors", ".onnx", ".zip", ".bin", ".npy")


def url_file_name(url: str) -> str:
    """The file name a URL's path ends with, or "" when it names no model file (e.g.
    Google Drive's ``/uc?export=download&id=...`` or a bare folder)."""
    name = Path(unquote(urlparse(url).path)).name
    return name if name.lower().endswith(_FILE_SUFFIXES) else ""


class StoreError(EngineError):
    """A store operation failed (network, hash, disk, unknown id); the message says why."""


@dataclass(frozen=True)
class CatalogEntry:
    """One downloadable model, as listed in ``resources/catalog/*.toml``."""

    id: str
    task: str
    architecture: str
    url: str
    size: int
    sha256: str
    licence: str
    commercial_use: bool
    scale: int
    format: str
    description: str
    verified: bool = True
    md5: str = ""
    sha256_prefix: str = ""
    #: name of the file inside a zip download (the zip is fetched once for all members)
    archive_member: str = ""
    #: stored file name; default from the URL or the archive member
    filename: str = ""

    @property
    def file_name(self) -> str:
        """The installed file's name: ``filename``, the archive member's name, the URL's
        file name, or -- for URLs that name no file (Google Drive's ``.../uc?id=...``,
        which would give every such entry the same name) -- ``<id><suffix of format>``."""
        if self.filename:
            return self.filename
        if self.archive_member:
            return Path(self.archive_member).name
        return url_file_name(self.url) or f"{self.id}{FORMAT_SUFFIX[self.format]}"

    @classmethod
    def from_dict(cls, data: dict, source: str = "catalog") -> CatalogEntry:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise StoreError(f"{source}: unknown catalog field(s) {', '.join(sorted(unknown))}")
        try:
            entry = cls(**data)
        except TypeError as exc:
            raise StoreError(f"{source}: bad catalog entry {data.get('id', '?')!r}: {exc}") \
                from None
        if entry.format not in FORMATS:
            raise StoreError(f"{source}: {entry.id}: unknown format {entry.format!r}")
        if entry.verified and not entry.sha256:
            raise StoreError(f"{source}: {entry.id}: verified entries need a sha256")
        return entry


def load_catalog(folder: Path | None = None) -> list[CatalogEntry]:
    """All entries of ``resources/catalog/*.toml`` (sorted by file, then file order)."""
    folder = folder or resource_path("catalog")
    entries: list[CatalogEntry] = []
    seen: set[str] = set()
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise StoreError(f"{path}: cannot read the model catalog ({exc})") from None
        for raw in data.get("model", []):
            entry = CatalogEntry.from_dict(raw, str(path))
            if entry.id in seen:
                raise StoreError(f"{path}: duplicate model id {entry.id!r}")
            seen.add(entry.id)
            entries.append(entry)
    return entries

