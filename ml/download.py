"""Model downloads for the store: stream a catalog URL into a ``.part`` file.

The download reports progress, honours cancel, resumes a partial file with an HTTP Range
request and hashes (SHA-256 and MD5) what it wrote; :class:`ml.store.ModelStore` checks
the hashes and moves the file into place. Errors are :class:`ml.catalog.StoreError`.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from ml.catalog import CatalogEntry, StoreError
from ml.types import CancelToken, Progress

CHUNK = 1 << 16


def sha256_file(path: Path, cancel: CancelToken | None = None) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            if cancel is not None:
                cancel.check()
            h.update(chunk)
    return h.hexdigest()


def disk_full(path: Path, exc: OSError) -> StoreError:
    return StoreError(
        f"disk full while writing {path}; free some space and run the install again "
        "(the partial download is kept and will resume)"
    )


def download(entry: CatalogEntry, part: Path, report, cancel: CancelToken,
             timeout: float = 30.0) -> tuple[str, str]:
    """Fetch ``entry.url`` into ``part`` (resuming); return (sha256, md5) of the file."""
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": "Retouch model store"}
    if have:
        headers["Range"] = f"bytes={have}-"
    request = urllib.request.Request(entry.url, headers=headers)
    host = urlparse(entry.url).netloc
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            # the partial file is already complete (or longer than the file): restart
            # from scratch unless its size says it is whole
            if entry.size and have == entry.size:
                return hash_existing(part, sha, md5, cancel)
            part.unlink(missing_ok=True)
            return download(entry, part, report, cancel, timeout)
        raise StoreError(
            f"download of {entry.id} failed: HTTP {exc.code} {exc.reason} from {entry.url}"
        ) from None
    except urllib.error.URLError as exc:
        raise StoreError(
            f"cannot download {entry.id}: {host} is unreachable ({exc.reason}); "
            "check the network connection"
        ) from None
    except OSError as exc:  # timeouts, resets
        raise StoreError(f"cannot download {entry.id} from {host}: {exc}") from None
    with response:
        status = response.status
        if have and status == 206:
            hash_existing(part, sha, md5, cancel)
            mode = "ab"
        else:
            have, mode = 0, "wb"  # server ignored Range: start over
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else entry.size
        done = have
        try:
            with open(part, mode) as f:
                while True:
                    cancel.check()
                    try:
                        chunk = response.read(CHUNK)
                    except (OSError, http.client.HTTPException) as exc:
                        raise StoreError(
                            f"download of {entry.id} was interrupted ({exc}); run the "
                            "install again to resume"
                        ) from None
                    if not chunk:
                        break
                    f.write(chunk)
                    sha.update(chunk)
                    md5.update(chunk)
                    done += len(chunk)
                    frac = done / total if total else 0.0
                    report(Progress(min(frac, 1.0), mb_stage(entry.id, done, total)))
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise disk_full(part, exc) from None
            raise StoreError(f"cannot write {part}: {exc}") from None
    expected_total = have + int(length) if length and length.isdigit() else None
    if expected_total is not None and done < expected_total:
        raise StoreError(
            f"download of {entry.id} was cut short ({done} of {expected_total} bytes); "
            "run the install again to resume"
        )
    return sha.hexdigest(), md5.hexdigest()


def hash_existing(part: Path, sha, md5, cancel: CancelToken) -> tuple[str, str]:
    with open(part, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            cancel.check()
            sha.update(chunk)
            md5.update(chunk)
    return sha.hexdigest(), md5.hexdigest()


def mb_stage(model_id: str, done: int, total: int) -> str:
    if total:
        return f"downloading {model_id}: {done / 1e6:.1f}/{total / 1e6:.1f} MB"
    return f"downloading {model_id}: {done / 1e6:.1f} MB"
